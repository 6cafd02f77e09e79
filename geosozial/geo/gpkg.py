"""Write results: GeoPackage layers with metadata, and the confidentiality pass.

Every export path protects its counts first with
:func:`geosozial.core.protect.protect_frames`.

Example:
    >>> write_geopackage("out.gpkg", {"gemeinden": frame}, {"quelle": "x"})  # doctest: +SKIP
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import pyogrio

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
    """Write ``layers`` into a new GeoPackage (an existing file is replaced).

    ``metadata`` is stored as GeoPackage dataset metadata (key/value).

    Example:
        >>> write_geopackage("x.gpkg", {"gemeinden": frame})  # doctest: +SKIP
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    meta = {str(k): (v if isinstance(v, str) else json.dumps(v, ensure_ascii=False))
            for k, v in (metadata or {}).items()}
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": GPKG_DATE})
    try:
        for i, (name, frame) in enumerate(layers.items()):
            pyogrio.write_dataframe(
                _plain_columns(frame), path, layer=name, driver="GPKG",
                promote_to_multi=True, append=i > 0,
                dataset_metadata=meta if i == 0 and meta else None)
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": None})
    return path


def read_metadata(path: str | Path) -> dict[str, str]:
    """The dataset metadata of a GeoPackage written by :func:`write_geopackage`.

    Example:
        >>> read_metadata("x.gpkg")["quelle"]  # doctest: +SKIP
        'x'
    """
    first_layer = pyogrio.list_layers(path)[0][0]
    info = pyogrio.read_info(path, layer=first_layer)
    return dict(info.get("dataset_metadata") or {})
