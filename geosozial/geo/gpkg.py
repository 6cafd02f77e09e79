"""Write results: GeoPackage layers with metadata, and the confidentiality pass.

Every export path protects its counts first with
:func:`geosozial.core.protect.protect_frames`. GeoPackages are written atomically
(:mod:`geosozial.core.outputs`): pyogrio writes a temporary ``.gpkg`` in the target
folder, which is renamed onto the target only when complete; the previous file is never
deleted first, and no ``-journal``/``-wal``/``-shm`` file is left behind.

Example:
    >>> write_geopackage("out.gpkg", {"gemeinden": frame}, {"quelle": "x"})  # doctest: +SKIP
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import geopandas as gpd
import pyogrio

from geosozial.core.outputs import Output, atomic_path, check_outputs

#: GeoPackage version written: QGIS 3.22 warns about 1.4 ("may only be partially
#: supported"); 1.2 is read without complaint by QGIS 3.22 to 4.x
GPKG_VERSION = "1.2"
#: fixed timestamp so that the same inputs give the same GeoPackage
GPKG_DATE = "2000-01-01T00:00:00Z"


def _plain_columns(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Nested values (dicts, lists) become JSON text; GeoPackage stores scalars only."""
    out = frame.copy()
    for c in out.columns:
        if c == out.geometry.name:
            continue
        if out[c].dtype == object and out[c].map(lambda v: isinstance(v, (dict, list))).any():
            out[c] = out[c].map(lambda v: json.dumps(v, ensure_ascii=False)
                                if isinstance(v, (dict, list)) else v)
    return out


def write_geopackage(path: str | Path, layers: Mapping[str, gpd.GeoDataFrame],
                     metadata: Mapping[str, Any] | None = None) -> Path:
    """Write ``layers`` into a new GeoPackage that replaces ``path`` atomically.

    ``metadata`` is stored as GeoPackage dataset metadata (key/value), with the
    geometries' licence credit as ``geometrie_quelle``
    (:func:`geosozial.geo.areas.geobasis_attribution`). The path must end
    in ``.gpkg`` and lie in an existing, writable folder (checked before anything is
    written, see :func:`geosozial.core.outputs.check_outputs`). The layers go into a
    temporary GeoPackage beside ``path``; only when all are written is it renamed onto
    ``path`` (inside an :class:`~geosozial.core.outputs.OutputSet`: when the set ends).
    On any error or Ctrl-C the temporary file is removed and a previous ``path`` stays
    as it was.

    Example:
        >>> write_geopackage("x.gpkg", {"gemeinden": frame})  # doctest: +SKIP
        >>> write_geopackage("x.csv", {})  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        geosozial.core.messages.GeosozialError: path x.csv: ... muss daher auf .gpkg enden.
    """
    path = Path(path)
    check_outputs([Output("path", path, "gpkg")])
    from geosozial.core.gpkg_write import dataset_meta
    from geosozial.geo.areas import EDITION, geobasis_attribution

    # maps made from this file keep the credit of its geometries and their edition
    credit = next((c for c in (geobasis_attribution(f) for f in layers.values()) if c), "")
    edition = next((f.attrs[EDITION] for f in layers.values() if f.attrs.get(EDITION)), "")
    meta = dataset_meta(metadata, credit, edition)
    options = {"OGR_CURRENT_DATE": GPKG_DATE, "OGR_SQLITE_JOURNAL": "DELETE"}
    with atomic_path(path) as tmp:
        pyogrio.set_gdal_config_options(options)
        try:
            for i, (name, frame) in enumerate(layers.items()):
                pyogrio.write_dataframe(
                    _plain_columns(frame), tmp, layer=name, driver="GPKG",
                    promote_to_multi=True, append=i > 0,
                    dataset_metadata=meta if i == 0 and meta else None,
                    dataset_options={"VERSION": GPKG_VERSION} if i == 0 else None)
        finally:
            pyogrio.set_gdal_config_options({k: None for k in options})
    return path


def read_metadata(path: str | Path) -> dict[str, str]:
    """The dataset metadata of a GeoPackage written by :func:`write_geopackage`.

    Example:
        >>> read_metadata("x.gpkg")["quelle"]  # doctest: +SKIP
        'x'
    """
    with no_side_files():
        first_layer = pyogrio.list_layers(path)[0][0]
        info = pyogrio.read_info(path, layer=first_layer)
    return dict(info.get("dataset_metadata") or {})


@contextmanager
def no_side_files() -> Iterator[None]:
    """Read GDAL datasets without writing beside them.

    GDAL (3.12) writes a ``.aux.xml`` (PAM) file beside a GeoPackage with dataset
    metadata whenever it is merely read; inside this block PAM is off, so reading an
    input never adds a file to its folder. (The CLI switches PAM off for the whole run.)

    Yields
    ------
    None

    Examples
    --------
    >>> with no_side_files():
    ...     pyogrio.get_gdal_config_option("GDAL_PAM_ENABLED") in ("NO", False)
    True
    """
    previous = pyogrio.get_gdal_config_option("GDAL_PAM_ENABLED")
    pyogrio.set_gdal_config_options({"GDAL_PAM_ENABLED": "NO"})
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options({"GDAL_PAM_ENABLED": previous})
