"""Map geometry from shapely polygons: repair, projection, then the one numpy path.

:func:`prepare_geometry` is the geopandas door to :func:`geosozial.maps.geometry.map_geometry`
(which QGIS uses too, so both write the same GeoJSON bytes):

1. repair: missing geometries stay as features without geometry, invalid ones are
   repaired with ``shapely.make_valid`` (reported);
2. projection: a geographic CRS, or one :func:`geosozial.maps.geometry.map_epsg` does
   not convert itself, is reprojected to ETRS89/UTM with pyproj (reported; never
   simplified in degrees);
3. the rings, read from the WKB a GeoPackage stores (as every door reads them), are
   simplified as a coverage, converted to lon/lat, rounded and encoded by
   :mod:`geosozial.maps.geometry`.

Example:
    >>> from shapely.geometry import box
    >>> squares = [box(400000, 5650000, 401000, 5651000), box(401000, 5650000, 402000, 5651000)]
    >>> prep = prepare_geometry(squares, "EPSG:25832")
    >>> prep.geojson[:56]
    '{"type":"FeatureCollection","features":[{"type":"Feature'
    >>> prep.precision, prep.vertices_after
    (5, 10)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely

from geosozial.core.analysis import utm_epsg_for
from geosozial.core.messages import GeosozialError, Notice, define
from geosozial.maps.arcs import precision_for  # noqa: F401 (re-exported)
from geosozial.maps.geometry import MapGeometry, _positions, map_epsg, map_geometry

define("maps.geo.no_crs",
       de="Die Geometrien haben kein Koordinatenbezugssystem (CRS); bitte eines angeben "
       "(z. B. EPSG:25832).",
       en="the geometries have no coordinate reference system; give one (e.g. EPSG:25832).")
define("maps.geo.not_polygon",
       de="Objekt {index} ist keine Fläche, sondern {geom_type}; Karten zeigen nur Flächen.",
       en="feature {index} is not a polygon but {geom_type}; maps show polygons only.")
define("maps.geo.reprojected",
       de="CRS {source} für die Karte nach {target} umprojiziert; vereinfacht wird nie in "
       "Grad.",
       en="CRS {source} reprojected to {target} for the map; never simplified in degrees.")
define("maps.geo.missing",
       de="{n} Objekte ohne Geometrie (Positionen {index}); sie erscheinen ohne Umriss.",
       en="{n} features without geometry (positions {index}); they appear without outline.")
define("maps.geo.repaired",
       de="{n} ungültige Geometrien repariert (make_valid), Positionen {index}.",
       en="{n} invalid geometries repaired (make_valid), positions {index}.")


@dataclass(frozen=True)
class PreparedGeometry(MapGeometry):
    """:class:`~geosozial.maps.geometry.MapGeometry` for the geopandas door: ``crs`` the
    CRS of ``simplified`` (here shapely polygons, for PNG maps), ``notices`` plain dicts
    (code, severity, text, params), the door's repairs first.

    Example:
        >>> from shapely.geometry import box
        >>> prep = prepare_geometry([box(0, 0, 500, 500)], "EPSG:25832", tolerance=0)
        >>> prep.n_features, prep.size == len(prep.geojson), prep.tolerance, prep.crs
        (1, True, 0.0, 'EPSG:25832')
    """

    crs: str = ""


def default_max_bytes(n_features: int) -> int:
    """Default GeoJSON budget: 80 kB plus 200 bytes per feature.

    A Landkreis (50 municipalities) gets 90 kB, Rheinland-Pfalz (2,259) 532 kB,
    Germany (10,997) 2.28 MB: with Leaflet inlined, the whole HTML file stays below
    300 kB, 1 MB and 3 MB.

    Example:
        >>> default_max_bytes(50)
        90000
    """
    return 80_000 + 200 * int(n_features)


def map_features(geoms: Any, crs: Any = None) -> tuple[list, int, list[Notice]]:
    """Repaired, projected polygons as :mod:`geosozial.maps.arcs` features, their EPSG
    code and what was done (notices).

    Example:
        >>> from shapely.geometry import box
        >>> features, epsg, notices = map_features([box(7, 50, 7.1, 50.1)], "EPSG:4326")
        >>> epsg, notices[0].code
        (25832, 'maps.geo.reprojected')
    """
    from geosozial.core.wkb import wkb_polygons

    notices: list[Notice] = []
    array, crs = _input_array(geoms, crs)
    array = _repair(array, notices)
    array, epsg = _projected(array, crs, notices)
    wkb = shapely.to_wkb(array, byte_order=1)
    features = [[] if shapely.is_empty(g) else wkb_polygons(bytes(w))
                for g, w in zip(array, wkb, strict=True)]
    return features, epsg, notices


def prepare_geometry(
    geoms: Any,
    crs: Any = None,
    *,
    tolerance: float | None = None,
    precision: int | None = None,
    max_bytes: int | str | None = "auto",
    groups: Sequence[Any] | None = None,
) -> PreparedGeometry:
    """Simplify polygons as a coverage and encode them as compact GeoJSON.

    ``geoms`` is a GeoSeries, GeoDataFrame or sequence of shapely polygons, ``crs``
    their CRS (taken from a GeoSeries/GeoDataFrame when None). ``tolerance`` in metres
    (Douglas-Peucker: the largest distance of a dropped vertex from the simplified
    line; default: start at diagonal/2000 and grow to meet ``max_bytes``; 0 = no
    simplification), ``precision`` decimals of lon/lat (default from the tolerance;
    vertices that rounding would make invalid get more), ``max_bytes`` the size budget
    of geometry and outlines (``"auto"``: :func:`default_max_bytes`, None: no budget),
    ``groups`` one label per polygon for group outlines.

    Example:
        >>> from shapely.geometry import box
        >>> prep = prepare_geometry([box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000)],
        ...                         "EPSG:25832", tolerance=10, precision=4)
        >>> prep.geojson.count('"i":'), prep.tolerance
        (2, 10.0)
    """
    features, epsg, notices = map_features(geoms, crs)
    budget = default_max_bytes(len(features)) if max_bytes == "auto" else max_bytes
    if budget is not None and (isinstance(budget, str) or int(budget) <= 0):
        raise GeosozialError("maps.geo.bad_argument", name="max_bytes", value=max_bytes,
                             hint="'auto', None or bytes > 0")
    geometry = map_geometry(features, epsg, groups=groups, tolerance=tolerance,
                            precision=precision, max_bytes=budget)
    return prepared(geometry, epsg, notices)


def prepared(geometry: Any, epsg: int, notices: Sequence[Notice] = ()) -> PreparedGeometry:
    """A :class:`~geosozial.maps.geometry.MapGeometry` with shapely polygons (for PNG
    maps) and the door's notices before its own.

    Example:
        >>> import numpy as np
        >>> from geosozial.maps.geometry import map_geometry
        >>> sq = np.array([[0, 0], [9, 0], [9, 9], [0, 9]], dtype=float) + [4e5, 5.6e6]
        >>> prepared(map_geometry([[[sq]]], 25832), 25832).simplified[0].area
        81.0
    """
    simplified = np.array([_shapely(f) for f in geometry.simplified], dtype=object)
    return PreparedGeometry(
        geojson=geometry.geojson, bounds=geometry.bounds, tolerance=geometry.tolerance,
        precision=geometry.precision, vertices_before=geometry.vertices_before,
        vertices_after=geometry.vertices_after, n_features=geometry.n_features,
        crs=f"EPSG:{epsg}", simplified=simplified,
        notices=[n.as_dict() for n in [*notices, *geometry.notices]],
        outlines=geometry.outlines)


def _shapely(feature: list) -> shapely.Geometry:
    polygons = [shapely.Polygon(p[0], p[1:]) for p in feature if p and len(p[0])]
    if not polygons:
        return shapely.Polygon()
    return polygons[0] if len(polygons) == 1 else shapely.MultiPolygon(polygons)


# --- input -------------------------------------------------------------------------


def _input_array(geoms: Any, crs: Any) -> tuple[np.ndarray, Any]:
    from pyproj import CRS

    if crs is None:
        crs = getattr(geoms, "crs", None)
    if hasattr(geoms, "geometry") and not isinstance(geoms, shapely.Geometry):
        geoms = geoms.geometry  # GeoDataFrame -> GeoSeries
    if hasattr(geoms, "values") and not isinstance(geoms, np.ndarray):
        geoms = geoms.values
    array = np.array(list(geoms) if not isinstance(geoms, np.ndarray) else geoms,
                     dtype=object)
    if array.ndim != 1:
        array = array.reshape(-1)
    if crs is None:
        raise GeosozialError("maps.geo.no_crs")
    return array, CRS.from_user_input(crs)


def _repair(array: np.ndarray, notices: list[Notice]) -> np.ndarray:
    array = array.copy()
    missing = np.array([g is None or not isinstance(g, shapely.Geometry) for g in array],
                       dtype=bool)
    array[missing] = shapely.Polygon()
    empty = missing | shapely.is_empty(array)
    if empty.any():
        notices.append(Notice("maps.geo.missing", "warning", n=int(empty.sum()),
                              index=_positions(np.flatnonzero(empty))))
    types = shapely.get_type_id(array)
    invalid = ~empty & ~shapely.is_valid(array)
    bad = ~empty & ~invalid & ~np.isin(types, (3, 6))
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise GeosozialError("maps.geo.not_polygon", index=row,
                             geom_type=array[row].geom_type)
    if invalid.any():
        fixed = shapely.make_valid(array[invalid])
        array[invalid] = [_polygonal(g) for g in fixed]
        notices.append(Notice("maps.geo.repaired", "repair", n=int(invalid.sum()),
                              index=_positions(np.flatnonzero(invalid))))
    return array


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    """The polygon parts of a repaired geometry (lines and points left by make_valid go)."""
    if shapely.get_type_id(geom) in (3, 6):
        return geom
    parts = [p for p in shapely.get_parts(geom) if shapely.get_type_id(p) in (3, 6)]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def _projected(array: np.ndarray, crs: Any, notices: list[Notice]) -> tuple[np.ndarray, int]:
    epsg = map_epsg(crs.to_epsg())
    if epsg is not None:
        return array, epsg
    import geopandas as gpd
    from pyproj import CRS

    series = gpd.GeoSeries(array, crs=crs)
    present = series[~series.is_empty]
    bounds = present.to_crs(4326).total_bounds if len(present) else (9.0, 50.0, 9.0, 50.0)
    target = utm_epsg_for(bounds)
    notices.append(Notice("maps.geo.reprojected", "repair", source=crs.to_string(),
                          target=CRS.from_epsg(target).to_string()))
    return np.asarray(series.to_crs(target).values, dtype=object), target
