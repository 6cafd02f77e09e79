"""Spatial weights for a GeoDataFrame: the geopandas front door to the kernel builders.

Geometries become flat coordinate arrays with shapely 2's vectorised functions and go
to :mod:`geosozial.kernel.contiguity` / :mod:`geosozial.kernel.distance`, exactly the
arrays the QGIS plugin builds from ``QgsGeometry``, so both give the same weights.

Specs (case-insensitive): ``queen``, ``rook``, ``knn:K`` (K >= 1), ``distance:METRES``
(binary band), ``distance:METRES:inverse`` (weights 1/d) and
``distance:METRES:inverse:P`` (weights 1/d^P). A decimal comma is accepted
(``distance:2500,5``).

CRS rule (DESIGN: never measure in degrees): ``knn``, ``distance`` and a positive
contiguity ``tolerance`` measure lengths, so they need a projected CRS in metres and
refuse a geographic or missing CRS with an error that says to reproject (``read_areas``
already does). Contiguity with ``tolerance=0`` compares coordinates for identity only,
which no CRS changes, so it works in any CRS, even without one.

Example:
    >>> from geosozial.geo.areas import read_areas
    >>> areas = read_areas("../shared/data/vg5000_gem_2021/VG5000_GEM.shp")  # doctest: +SKIP
    >>> weights_for(areas.frame, "queen")  # doctest: +SKIP
    Weights(kind='queen', transform='B', n=10997, nnz=67374, islands=18)
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import shapely

from geosozial.core.messages import GeosozialError, define
from geosozial.core.weights_spec import (
    WeightsSpec,
    parse_weights_spec,
    unique_ids,
    weights_from_arrays,
)
from geosozial.kernel.weights import Weights

__all__ = ["WeightsSpec", "parse_weights_spec", "ring_arrays", "weights_for"]


define("weights.tolerance",
       de="Die Fangtoleranz muss eine Zahl ≥ 0 in Metern sein, nicht {tolerance}.",
       en="the snapping tolerance must be a number >= 0 in metres, not {tolerance}.")
define("weights.geographic_crs",
       de="Nachbarschaft '{spec}' misst Entfernungen, die Geometrien sind aber in Grad "
       "({crs}). Bitte zuerst in ein metrisches CRS umprojizieren, z. B. "
       "frame.to_crs(25832) oder 25833 (read_areas macht das automatisch).",
       en="weights '{spec}' measure distances, but the geometries are in degrees ({crs}). "
       "Reproject to a metric CRS first, e.g. frame.to_crs(25832) or 25833 (read_areas "
       "does this automatically).")
define("weights.no_crs",
       de="Nachbarschaft '{spec}' misst Entfernungen, die Geometrien haben aber kein "
       "Koordinatenbezugssystem. Bitte das CRS setzen (frame.set_crs(...)) und, falls "
       "geografisch, umprojizieren.",
       en="weights '{spec}' measure distances, but the geometries have no coordinate "
       "reference system. Set it (frame.set_crs(...)) and reproject if it is geographic.")
define("weights.crs_units",
       de="Nachbarschaft '{spec}' misst in Metern, das CRS {crs} hat aber die Einheit "
       "{unit}. Bitte in ein CRS in Metern umprojizieren (z. B. EPSG:25832).",
       en="weights '{spec}' measure in metres, but the CRS {crs} has the unit {unit}. "
       "Reproject to a CRS in metres (e.g. EPSG:25832).")
define("weights.ids_missing",
       de="Die Tabelle hat keine Spalte '{column}' für die Schlüssel. Vorhandene Spalten: "
       "{columns}.",
       en="the table has no column '{column}' for the keys. Columns found: {columns}.")
define("weights.not_polygon",
       de="Nachbarschaft '{spec}' braucht Flächen; {n} Objekte sind keine (z. B. {keys}: "
       "{geom_type}).",
       en="weights '{spec}' need polygons; {n} features are not (e.g. {keys}: {geom_type}).")
define("weights.no_point",
       de="Für '{spec}' braucht jedes Gebiet eine Geometrie; ohne Geometrie: {keys}.",
       en="'{spec}' needs a geometry for every area; without geometry: {keys}.")
define("weights.points",
       de="Unbekannte Punktwahl '{points}'; erlaubt: centroid, representative.",
       en="unknown point choice '{points}'; allowed: centroid, representative.")


def ring_arrays(geometries: np.ndarray | gpd.GeoSeries) -> tuple[np.ndarray, np.ndarray,
                                                               np.ndarray]:
    """Flat arrays for the kernel: ``(coords, ring_index, area_of_ring)``.

    Multipolygons, holes and geometry collections (as left by ``make_valid``) are
    flattened; only polygon parts count. Missing or empty geometries have no rings.

    Example:
        >>> from shapely.geometry import box
        >>> coords, ring, area = ring_arrays(np.array([box(0, 0, 1, 1), None]))
        >>> coords.shape, ring.tolist(), area.tolist()
        ((5, 2), [0, 0, 0, 0, 0], [0])
    """
    geoms = np.asarray(getattr(geometries, "array", geometries), dtype=object)
    parts, owner = shapely.get_parts(geoms, return_index=True)
    while True:  # collections may hold multipolygons: flatten until only singles remain
        nested = np.isin(shapely.get_type_id(parts), (4, 5, 6, 7))
        if not nested.any():
            break
        sub, sub_owner = shapely.get_parts(parts[nested], return_index=True)
        parts = np.concatenate([parts[~nested], sub])
        owner = np.concatenate([owner[~nested], owner[nested][sub_owner]])
    polygon = shapely.get_type_id(parts) == 3
    parts, owner = parts[polygon], owner[polygon]
    rings, part_of_ring = shapely.get_rings(parts, return_index=True)
    coords, ring_index = shapely.get_coordinates(rings, return_index=True)
    return coords, ring_index.astype(np.int64), owner[part_of_ring].astype(np.int64)


def _closed_rings(coords: np.ndarray, area: np.ndarray) -> np.ndarray | None:
    """The first vertex of every ring, for closed rings laid end to end per area: a ring
    ends where its first vertex comes again (a valid ring is simple, so nowhere else).
    None when a ring is shorter than 4 vertices or does not close (then the caller asks
    shapely for the rings)."""
    m = len(coords)
    bits = np.ascontiguousarray(coords, dtype=np.float64).view(np.int64)
    bx, by = bits[:, 0], bits[:, 1]
    start = np.flatnonzero(np.r_[True, area[1:] != area[:-1]]) if m else np.zeros(0, int)
    stop = np.r_[start[1:], m]
    starts = [start]
    while start.size:
        lengths = stop - start
        offsets = np.cumsum(lengths) - lengths
        owner = np.repeat(np.arange(start.size), lengths)
        index = np.arange(int(lengths.sum())) - np.repeat(offsets - start, lengths)
        hit = ((index - start[owner] >= 3) & (bx[index] == bx[start][owner])
               & (by[index] == by[start][owner]))
        found = np.flatnonzero(hit)
        first = np.full(start.size, -1, dtype=np.int64)
        first[owner[found[::-1]]] = index[found[::-1]]  # the first hit of an owner wins
        if (first < 0).any():
            return None
        ends = first + 1
        more = ends < stop
        start, stop = ends[more], stop[more]
        starts.append(start)
    return np.sort(np.concatenate(starts))


def vertex_arrays(geometries: np.ndarray | gpd.GeoSeries
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """What queen contiguity needs: every vertex with its area (``area_of_ring`` None).

    One call to ``shapely.get_coordinates`` when all geometries are (Multi)Polygons or
    missing; otherwise (collections, lines) :func:`ring_arrays`, which keeps only the
    polygon parts.

    Example:
        >>> from shapely.geometry import box
        >>> coords, area, none = vertex_arrays(np.array([box(0, 0, 1, 1), None, box(1, 0, 2, 1)]))
        >>> coords.shape, sorted(set(area.tolist())), none is None
        ((10, 2), [0, 2], True)
    """
    geoms = np.asarray(getattr(geometries, "array", geometries), dtype=object)
    types = shapely.get_type_id(geoms)
    if np.isin(types, (-1, 3, 6)).all():
        coords, area = shapely.get_coordinates(geoms, return_index=True)
        return coords, area.astype(np.int64), None
    return ring_arrays(geoms)


def polygon_rings(geometries: np.ndarray | gpd.GeoSeries
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`ring_arrays` from one ``shapely.get_coordinates`` call where that is exact.

    (Multi)Polygons give their closed rings end to end (exterior, then holes, part after
    part); each ring ends where its first vertex returns. Anything else (collections,
    lines, a ring that does not close) goes through :func:`ring_arrays`.

    Example:
        >>> from shapely.geometry import Polygon, box
        >>> holed = Polygon([(0, 0), (4, 0), (4, 4), (0, 4)], [[(1, 1), (2, 1), (2, 2)]])
        >>> both = [holed, box(4, 0, 5, 1)]
        >>> all((a == b).all() for a, b in zip(polygon_rings(both), ring_arrays(both)))
        True
    """
    geoms = np.asarray(getattr(geometries, "array", geometries), dtype=object)
    if np.isin(shapely.get_type_id(geoms), (-1, 3, 6)).all():
        coords, area = shapely.get_coordinates(geoms, return_index=True)
        area = area.astype(np.int64)
        starts = _closed_rings(coords, area)
        if starts is not None:
            marks = np.zeros(len(coords), dtype=np.int64)
            marks[starts] = 1
            return coords, np.cumsum(marks) - 1, area[starts]
    return ring_arrays(geoms)


def weights_for(
    frame: gpd.GeoDataFrame,
    spec: str | WeightsSpec = "queen",
    *,
    tolerance: float = 0.0,
    ids_column: str | None = "key",
    points: str = "centroid",
    symmetric: bool = False,
) -> Weights:
    """Weights for the rows of ``frame`` (row order kept; ids from ``ids_column``).

    ``tolerance`` (metres) is the contiguity snapping tolerance, see
    :mod:`geosozial.kernel.contiguity` for what it guarantees. ``ids_column=None`` takes
    the index as ids. ``knn`` and ``distance`` use the ``centroid`` of each area or a
    ``representative`` point inside it; ``symmetric=True`` makes ``knn`` symmetric.

    Example:
        >>> from shapely.geometry import box
        >>> f = gpd.GeoDataFrame({"key": ["a", "b", "c"]}, crs=25833,
        ...                      geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(5, 5, 6, 6)])
        >>> weights_for(f, "rook").islands.tolist(), weights_for(f, "knn:1").kind
        ([2], 'knn:1')
    """
    parsed = parse_weights_spec(spec)
    try:
        tolerance = float(tolerance)
    except (TypeError, ValueError):
        tolerance = float("nan")
    if not tolerance >= 0 or not math.isfinite(tolerance):
        raise GeosozialError("weights.tolerance", tolerance=tolerance)
    ids = _ids(frame, ids_column)
    if parsed.measures_distance or tolerance > 0:
        _check_metric_crs(frame, str(parsed))
    geoms = np.asarray(frame.geometry.array, dtype=object)
    if parsed.measures_distance:
        return weights_from_arrays(parsed, len(geoms), ids=ids, symmetric=symmetric,
                                   points=_points(geoms, ids, points, str(parsed)))
    _check_polygonal(geoms, ids, str(parsed))
    rings = vertex_arrays(geoms) if parsed.method == "queen" else polygon_rings(geoms)
    return weights_from_arrays(parsed, len(geoms), ids=ids, rings=rings, tolerance=tolerance)


def _ids(frame: gpd.GeoDataFrame, column: str | None) -> tuple[str, ...]:
    if column is None:
        values = [str(v) for v in frame.index]
        column = "index"
    elif column in frame.columns:
        values = [str(v) for v in frame[column].tolist()]
    else:
        raise GeosozialError("weights.ids_missing", column=column,
                             columns=", ".join(map(str, frame.columns)))
    return unique_ids(values, column)


def _check_metric_crs(frame: gpd.GeoDataFrame, spec: str) -> None:
    crs = frame.crs
    if crs is None:
        raise GeosozialError("weights.no_crs", spec=spec)
    if crs.is_geographic:
        raise GeosozialError("weights.geographic_crs", spec=spec, crs=crs.to_string())
    axis = crs.axis_info[0] if crs.axis_info else None
    if axis is not None and axis.unit_conversion_factor != 1.0:
        raise GeosozialError("weights.crs_units", spec=spec, crs=crs.to_string(),
                             unit=axis.unit_name)


def _check_polygonal(geoms: np.ndarray, ids: tuple[str, ...], spec: str) -> None:
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    types = shapely.get_type_id(geoms)
    bad = present & ~np.isin(types, (3, 6, 7))  # polygon, multipolygon, collection
    if bad.any():
        rows = np.flatnonzero(bad)
        raise GeosozialError("weights.not_polygon", spec=spec, n=len(rows),
                             keys=", ".join(ids[i] for i in rows[:5]),
                             geom_type=geoms[rows[0]].geom_type)


def _points(geoms: np.ndarray, ids: tuple[str, ...], points: str, spec: str) -> np.ndarray:
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if missing.any():
        raise GeosozialError("weights.no_point", spec=spec,
                             keys=", ".join(ids[i] for i in np.flatnonzero(missing)[:10]))
    if points == "centroid":
        pts = shapely.centroid(geoms)
    elif points == "representative":
        pts = shapely.point_on_surface(geoms)
    else:
        raise GeosozialError("weights.points", points=points)
    return shapely.get_coordinates(pts)
