"""Municipality and Sozialraum geometries: VG250/VG5000-aware reading with a report.

Reads GeoPackage, Shapefile and GeoJSON. The key field (AGS or ARS, or any field) is
read as text and normalised; VG250 land areas (GF = 4) are kept where the field says
so; invalid geometries are repaired; a geographic CRS is reprojected to ETRS89/UTM.
Every repair is a :class:`~geosozial.core.messages.Notice` in :attr:`Areas.notices`.

Example:
    >>> from geosozial.geo.areas import read_areas
    >>> areas = read_areas("geodata/musterkreis/gemeinden.gpkg", key="AGS")  # doctest: +SKIP
    >>> areas.frame[["key", "name"]].head(2)  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from geosozial.core.analysis import utm_epsg_for
from geosozial.core.area_rows import area_rows
from geosozial.core.gpkg_write import CREDIT_KEY as METADATA_KEY
from geosozial.core.gpkg_write import EDITION_KEY
from geosozial.core.messages import GeosozialError, Notice

#: ``frame.attrs`` key of the geometries' licence credit (GeoPackage metadata:
#: :data:`~geosozial.core.gpkg_write.CREDIT_KEY`)
ATTRIBUTION = "attribution"
#: ``frame.attrs`` key of the latest ``WSK`` of the whole file (the edition)
EDITION = "wsk"


@dataclass
class Areas:
    """Areas keyed by a normalised key, with the notices of everything repaired.

    ``frame`` has the columns ``key`` (str), ``name`` (str), the source attributes and
    ``geometry`` in a projected CRS. Duplicate keys are kept (the join reports them).
    """

    frame: gpd.GeoDataFrame
    key_field: str
    source: str
    notices: list[Notice] = field(default_factory=list)

    @property
    def attribution(self) -> str:
        """The geometries' licence credit (see :func:`geobasis_attribution`)."""
        return geobasis_attribution(self.frame)

    @property
    def keys(self) -> pd.Series:
        """The area keys as strings."""
        return self.frame["key"]


def read_areas(
    path: str | Path,
    key: str = "AGS",
    *,
    layer: str | None = None,
    name_field: str | None = None,
    crs: str | int | None = None,
    kreis: str | Sequence[str] | None = None,
) -> Areas:
    """Read municipality polygons keyed by ``key`` (``AGS``, ``ARS`` or any field name).

    ``crs`` forces the analysis CRS (e.g. ``25833``); otherwise a projected source CRS is
    kept and a geographic one becomes EPSG:25832/25833 by longitude. ``kreis`` (``"14522"``
    or several) keeps only the areas of those Kreise (reported).

    Example:
        >>> a = read_areas("../shared/data/vg5000_gem_2021/VG5000_GEM.shp")  # doctest: +SKIP
        >>> len(a.frame), a.frame.crs.to_epsg()  # doctest: +SKIP
        (10997, 31467)
    """
    path = Path(path)
    file = str(path)
    if not path.exists():
        raise GeosozialError("geo.missing", file=file)
    notices: list[Notice] = []
    try:
        if layer is None:
            layers = [str(x[0]) for x in pyogrio.list_layers(path)]
            if len(layers) > 1:
                layer = layers[0]
                notices.append(Notice("geo.first_layer", "warning", file=file, layer=layer,
                                      others=", ".join(layers[1:])))
        frame = gpd.read_file(path, layer=layer)
    except Exception as exc:  # GDAL errors come in many types
        raise GeosozialError("geo.unreadable", file=file, error=str(exc)) from exc
    if len(frame) == 0:
        raise GeosozialError("geo.empty", file=file)
    stored = stored_attrs(path)  # else from the whole file, before any Kreis filter
    credit = stored.get(ATTRIBUTION) or geobasis_attribution(frame)
    fields = [str(c) for c in frame.columns if c != frame.geometry.name]
    rows = area_rows(fields, lambda c: frame[c].tolist(), key, file, name_field=name_field,
                     kreis=kreis)
    edition = stored.get(EDITION) or rows.edition
    notices.extend(rows.notices)
    frame = frame.iloc[rows.keep].reset_index(drop=True)
    frame = frame.drop(columns=[c for c in ("key", "name") if c in frame.columns])
    frame.insert(0, "key", pd.Series(rows.keys, dtype=object))
    frame.insert(1, "name", pd.Series(rows.names, dtype=object))
    other_layers = next((n.params["others"] for n in notices if n.code == "geo.first_layer"),
                        "")
    try:
        frame = _check_geometries(frame, file, notices)
    except GeosozialError as exc:
        if exc.code == "geo.not_polygon" and other_layers:  # point at the layer option
            raise GeosozialError("geo.not_polygon_layer", problem=exc.text(), layer=layer,
                                 others=other_layers) from exc
        raise
    frame = _to_projected(frame, file, notices, crs)
    frame = gpd.GeoDataFrame(frame, geometry="geometry")
    frame.attrs[ATTRIBUTION] = credit
    if edition:
        frame.attrs[EDITION] = edition
    return Areas(frame=frame, key_field=key, source=file, notices=notices)




def stored_attrs(path: Any) -> dict[str, str]:
    """The ``frame.attrs`` a GeoPackage written by geosozial stored: the geometries'
    credit (``geometrie_quelle``) and edition (``geometrie_stand``); {} otherwise.

    Example:
        >>> stored_attrs("tabelle.csv")
        {}
    """
    from geosozial.core.gpkg_write import read_dataset_metadata

    meta = read_dataset_metadata(path)
    stored = {ATTRIBUTION: meta.get(METADATA_KEY), EDITION: meta.get(EDITION_KEY)}
    return {k: str(v) for k, v in stored.items() if v}


def geobasis_attribution(frame: pd.DataFrame) -> str:
    """The licence credit of the geometries of ``frame``.

    ``frame.attrs["attribution"]`` where :func:`read_areas` put it (taken from the whole
    file before any Kreis filter, or from the ``geometrie_quelle`` a geosozial
    GeoPackage carries; frames made from it by join and aggregate keep it), otherwise
    "© GeoBasis-DE / BKG (Jahr)" with the year of the latest ``WSK`` (VG250/VG5000),
    otherwise "".

    Example:
        >>> geobasis_attribution(pd.DataFrame({"WSK": ["2020-09-25", "2021-01-01"]}))
        '© GeoBasis-DE / BKG (2021)'
        >>> f = pd.DataFrame({"WSK": ["2020-09-25"]})
        >>> f.attrs["attribution"] = "© GeoBasis-DE / BKG (2021)"
        >>> geobasis_attribution(f)
        '© GeoBasis-DE / BKG (2021)'
    """
    from geosozial.maps.notes import geobasis_text

    credit = getattr(frame, "attrs", {}).get(ATTRIBUTION)
    if credit:
        return str(credit)
    if "WSK" not in frame.columns:
        return ""
    return geobasis_text(pd.to_datetime(frame["WSK"], errors="coerce").dt.year.dropna())


def credit_for(frame: pd.DataFrame, gebietsstand: str | None = None) -> str:
    """The credit of ``frame``'s geometries, with the year of ``gebietsstand`` if given.

    The rule every door uses: the Gebietsstand where it is known (``--gebietsstand``,
    ``[project] gebietsstand``), else the edition of the whole file
    (:func:`geobasis_attribution`); a stated Gebietsstand changes the year of a BKG
    credit only (other geometries keep their credit).

    Example:
        >>> f = pd.DataFrame({"WSK": ["2020-09-25"]})
        >>> credit_for(f), credit_for(f, "01.01.2021"), credit_for(pd.DataFrame(), "2021")
        ('© GeoBasis-DE / BKG (2020)', '© GeoBasis-DE / BKG (2021)', '')
    """
    from geosozial.core.years import gebietsstand_year
    from geosozial.maps.notes import geobasis_text

    credit = geobasis_attribution(frame)
    if not gebietsstand:
        return credit
    year = gebietsstand_year(gebietsstand)
    if credit.startswith("© GeoBasis-DE / BKG"):
        return geobasis_text([year])
    return credit






def _check_geometries(frame: gpd.GeoDataFrame, file: str, notices: list[Notice]):
    geoms = frame.geometry.values
    null = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if null.any():
        notices.append(Notice("geo.null_geometry", "warning", file=file, n=int(null.sum()),
                              keys=", ".join(frame["key"][null].tolist()[:20])))
    types = shapely.get_type_id(geoms)
    bad = ~null & ~np.isin(types, (3, 6))  # Polygon, MultiPolygon
    invalid = ~null & ~shapely.is_valid(geoms)
    if bad.any() and not invalid[bad].all():
        row = int(np.flatnonzero(bad & ~invalid)[0])
        raise GeosozialError("geo.not_polygon", file=file, row=row + 1, key=frame["key"][row],
                             geom_type=geoms[row].geom_type)
    if invalid.any():
        fixed = shapely.make_valid(geoms[invalid])
        fixed = np.array([_polygonal(g) for g in fixed], dtype=object)
        geoms = geoms.copy()
        geoms[invalid] = fixed
        frame = frame.copy()
        frame["geometry"] = gpd.GeoSeries(geoms, crs=frame.crs, index=frame.index)
        notices.append(Notice("geo.invalid_repaired", "repair", file=file, n=int(invalid.sum()),
                              keys=", ".join(frame["key"][invalid].tolist()[:20])))
    return frame


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    """Keep only the polygon parts of a repaired geometry."""
    if shapely.get_type_id(geom) in (3, 6):
        return geom
    parts = [p for p in shapely.get_parts(geom) if shapely.get_type_id(p) in (3, 6)]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def _to_projected(frame: gpd.GeoDataFrame, file: str, notices: list[Notice],
                  crs: str | int | None):
    if frame.crs is None:
        raise GeosozialError("geo.no_crs", file=file)
    if crs is not None:
        if frame.crs != crs and not frame.crs.equals(crs):
            target = frame.to_crs(crs)
            notices.append(Notice("geo.reprojected", "repair", file=file,
                                  source=frame.crs.to_string(), target=target.crs.to_string()))
            return target
        return frame
    if frame.crs.is_geographic:
        epsg = utm_epsg_for(tuple(frame.total_bounds))
        target = frame.to_crs(epsg)
        notices.append(Notice("geo.reprojected", "repair", file=file,
                              source=frame.crs.to_string(), target=f"EPSG:{epsg}"))
        return target
    return frame
