"""Map geometry: coverage-preserving simplification and compact, privacy-safe GeoJSON.

:func:`prepare_geometry` turns municipality polygons in a projected CRS into the
GeoJSON text an HTML map embeds:

1. repair: missing geometries stay as features without geometry, invalid ones are
   repaired with ``shapely.make_valid``; a geographic CRS is first reprojected to
   ETRS89/UTM (never simplified in degrees);
2. check: ``shapely.coverage_is_valid`` on the input (overlaps or unmatched edges are
   reported, the data are simplified anyway);
3. simplify: ``shapely.coverage_simplify`` in the projected CRS, so neighbours keep
   identical shared boundaries (no new gaps or overlaps); the result is checked again;
4. reproject to WGS84 lon/lat and round to ``precision`` decimals. Shared vertices
   are the same input numbers, so they round to the same output numbers and shared
   boundaries stay identical; consecutive duplicates are removed, rings that vanish
   at the rounding (fewer than 3 distinct points or zero area) are dropped and counted.
   The rounded polygons are checked again (valid, coverage still valid, none
   vanished); where rounding broke something, the vertices concerned and every
   vertex with the same coordinates are rounded one decimal finer (up to 7);
5. encode: one FeatureCollection, features in input order, the only property is the
   integer ``i`` (position in the data array of the map), no whitespace, exterior
   rings counter-clockwise and holes clockwise (RFC 7946).

Without an explicit ``tolerance`` the tolerance starts at 1/2000 of the diagonal of
the extent and grows until the GeoJSON fits ``max_bytes`` (by default
``80 kB + 200 bytes per feature``); without an explicit ``precision`` the number of
decimals follows the tolerance (a rounding step of at most a third of it, 2 to 5
decimals). Same input, same output, byte for byte.

Needs shapely >= 2.1 (``coverage_simplify``), pyproj and geopandas, so it runs on the
Python path, not inside QGIS (which hands finished GeoJSON to the map writer).

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

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import shapely

from geosozial.core.analysis import utm_epsg_for
from geosozial.core.messages import GeosozialError, Notice, define
from geosozial.maps.arcs import (  # noqa: F401 (precision_for re-exported)
    MAX_PRECISION,
    METRES_PER_DEGREE,
    MIN_PRECISION,
    precision_for,
)

define("maps.geo.no_crs",
       de="Die Geometrien haben kein Koordinatenbezugssystem (CRS); bitte eines angeben "
       "(z. B. EPSG:25832).",
       en="the geometries have no coordinate reference system; give one (e.g. EPSG:25832).")
define("maps.geo.not_polygon",
       de="Objekt {index} ist keine Fläche, sondern {geom_type}; Karten zeigen nur Flächen.",
       en="feature {index} is not a polygon but {geom_type}; maps show polygons only.")
define("maps.geo.no_coverage_simplify",
       de="Die Vereinfachung braucht shapely 2.1 oder neuer (installiert: {version}).",
       en="simplification needs shapely 2.1 or newer (installed: {version}).")
define("maps.geo.bad_argument", de="Ungültiger Wert für {name}: {value} ({hint}).",
       en="invalid value for {name}: {value} ({hint}).")
define("maps.geo.reprojected",
       de="Geografisches CRS {source} für die Vereinfachung nach {target} umprojiziert; "
       "vereinfacht wird nie in Grad.",
       en="geographic CRS {source} reprojected to {target} for simplification; never "
       "simplified in degrees.")
define("maps.geo.missing",
       de="{n} Objekte ohne Geometrie (Positionen {index}); sie erscheinen ohne Umriss.",
       en="{n} features without geometry (positions {index}); they appear without outline.")
define("maps.geo.repaired",
       de="{n} ungültige Geometrien repariert (make_valid), Positionen {index}.",
       en="{n} invalid geometries repaired (make_valid), positions {index}.")
define("maps.geo.coverage_invalid",
       de="Die Flächen bilden keine saubere Abdeckung: {n} Flächen überlappen sich oder "
       "haben nicht deckungsgleiche Grenzen (Positionen {index}). Vereinfacht wird trotzdem; "
       "an diesen Stellen können Lücken oder Überlappungen bleiben.",
       en="the polygons do not form a clean coverage: {n} polygons overlap or have "
       "unmatched boundaries (positions {index}). They are simplified anyway; gaps or "
       "overlaps may remain there.")
define("maps.geo.coverage_broken",
       de="Nach der Vereinfachung ist die Abdeckung nicht mehr gültig ({n} Flächen, "
       "Positionen {index}); bitte eine kleinere Toleranz wählen.",
       en="after simplification the coverage is no longer valid ({n} polygons, positions "
       "{index}); choose a smaller tolerance.")
define("maps.geo.simplified",
       de="Gemeinsame Grenzen gemeinsam vereinfacht (Toleranz {tolerance} m): {before} → "
       "{after} Stützpunkte, Koordinaten auf {precision} Nachkommastellen gerundet, "
       "{size} Bytes.",
       en="shared boundaries simplified together (tolerance {tolerance} m): {before} → "
       "{after} vertices, coordinates rounded to {precision} decimals, {size} bytes.")
define("maps.geo.tolerance_raised",
       de="Toleranz von {start} m auf {tolerance} m erhöht, damit die Geometrie höchstens "
       "{budget} Bytes groß ist.",
       en="tolerance raised from {start} m to {tolerance} m so that the geometry is at most "
       "{budget} bytes.")
define("maps.geo.over_budget",
       de="Die Geometrie ist {size} Bytes groß, mehr als die vorgesehenen {budget} Bytes.",
       en="the geometry is {size} bytes, more than the intended {budget} bytes.")
define("maps.geo.dropped",
       de="{n} Teilflächen oder Löcher, kleiner als die Rundung auf {precision} "
       "Nachkommastellen, wurden weggelassen.",
       en="{n} parts or holes smaller than the rounding to {precision} decimals were "
       "left out.")
define("maps.geo.refined",
       de="{n} Stützpunkte feiner als auf {precision} Nachkommastellen gerundet, damit durch "
       "das Runden keine Fläche ungültig wird und keine Lücke oder Überlappung entsteht.",
       en="{n} vertices rounded more finely than {precision} decimals so that rounding "
       "makes no polygon invalid and creates no gap or overlap.")
define("maps.geo.rounding_invalid",
       de="{n} Flächen sind nach dem Runden ungültig oder passen nicht zu ihren Nachbarn "
       "(Positionen {index}).",
       en="{n} polygons are invalid after rounding or do not match their neighbours "
       "(positions {index}).")
define("maps.geo.vanished",
       de="{n} Flächen verschwinden bei der Rundung auf {precision} Nachkommastellen "
       "(Positionen {index}); sie erscheinen ohne Umriss.",
       en="{n} polygons vanish at the rounding to {precision} decimals (positions "
       "{index}); they appear without outline.")

#: Metres per degree of latitude (and of longitude at the equator), for choosing decimals.
#: The default tolerance is the extent's diagonal divided by this.
DEFAULT_EXTENT_FRACTION = 2000
#: Tolerance never grows beyond the diagonal divided by this when meeting a budget.
MAX_EXTENT_FRACTION = 100
#: Interpolation steps that bring an automatic tolerance close to the size budget.
REFINE_STEPS = 1


@dataclass(frozen=True)
class PreparedGeometry:
    """Simplified map geometry as GeoJSON text plus what was done to it.

    ``geojson`` is a FeatureCollection whose features carry only ``{"i": n}`` (the
    position in the input); ``bounds`` is ``(west, south, east, north)`` in degrees;
    ``tolerance`` is in metres of ``crs``; ``simplified`` holds the simplified
    geometries in ``crs`` (before rounding), ``notices`` plain dicts (code, severity,
    text, params).

    Example:
        >>> from shapely.geometry import box
        >>> prep = prepare_geometry([box(0, 0, 500, 500)], "EPSG:25832", tolerance=0)
        >>> prep.n_features, prep.size == len(prep.geojson), prep.tolerance
        (1, True, 0.0)
    """

    geojson: str
    bounds: tuple[float, float, float, float]
    tolerance: float
    precision: int
    vertices_before: int
    vertices_after: int
    n_features: int
    crs: str
    simplified: np.ndarray = field(repr=False, compare=False)
    notices: list[dict[str, Any]] = field(default_factory=list)

    @property
    def size(self) -> int:
        """Size of the GeoJSON text in bytes (UTF-8, i.e. ASCII here).

        Example:
            >>> from shapely.geometry import box
            >>> prepare_geometry([box(0, 0, 9, 9)], "EPSG:25832").size > 0
            True
        """
        return len(self.geojson)


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


def prepare_geometry(
    geoms: Any,
    crs: Any = None,
    *,
    tolerance: float | None = None,
    precision: int | None = None,
    max_bytes: int | str | None = "auto",
) -> PreparedGeometry:
    """Simplify polygons as a coverage and encode them as compact GeoJSON.

    ``geoms`` is a GeoSeries, GeoDataFrame or sequence of shapely polygons, ``crs``
    their CRS (taken from a GeoSeries/GeoDataFrame when None). ``tolerance`` in metres
    of the projected CRS (Visvalingam-Whyatt: roughly the square root of the area of
    the triangles removed; default: start at diagonal/2000 and grow to meet
    ``max_bytes``; 0 = no simplification), ``precision`` decimals of lon/lat (default
    from the tolerance; vertices that rounding would make invalid get more),
    ``max_bytes`` the size budget (``"auto"``: :func:`default_max_bytes`, None: no
    budget; only an automatic tolerance is adapted to it, an explicit one is kept and
    a notice says when the budget is exceeded).

    Example:
        >>> from shapely.geometry import box
        >>> prep = prepare_geometry([box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000)],
        ...                         "EPSG:25832", tolerance=10, precision=4)
        >>> prep.geojson.count('"i":'), prep.tolerance
        (2, 10.0)
    """
    if not hasattr(shapely, "coverage_simplify"):
        raise GeosozialError("maps.geo.no_coverage_simplify", version=shapely.__version__)
    if tolerance is not None and not (math.isfinite(tolerance) and tolerance >= 0):
        raise GeosozialError("maps.geo.bad_argument", name="tolerance", value=tolerance,
                             hint="≥ 0")
    if precision is not None and not 0 <= int(precision) <= 7:
        raise GeosozialError("maps.geo.bad_argument", name="precision", value=precision,
                             hint="0 … 7")
    notices: list[Notice] = []
    array, crs = _input_array(geoms, crs)
    array = _repair(array, notices)
    array, crs = _projected(array, crs, notices)
    vertices_before = int(shapely.get_num_coordinates(array).sum())
    coverage_ok = _check_coverage(array, "maps.geo.coverage_invalid", notices)

    budget = default_max_bytes(len(array)) if max_bytes == "auto" else max_bytes
    if budget is not None and (isinstance(budget, str) or int(budget) <= 0):
        raise GeosozialError("maps.geo.bad_argument", name="max_bytes", value=max_bytes,
                             hint="'auto', None or bytes > 0")
    diagonal = _diagonal(array)
    auto = tolerance is None
    start = diagonal / DEFAULT_EXTENT_FRACTION if auto else float(tolerance)
    if auto and budget is not None:
        probe = _fit_budget(array, crs, start, diagonal / MAX_EXTENT_FRACTION, precision,
                            int(budget))
    else:
        probe = _simplify_and_encode(array, crs, start, precision)
    probe = _checked(probe, coverage_ok)
    tol, simplified, encoded = probe.tolerance, probe.simplified, probe.encoded

    if auto and tol > start:
        notices.append(Notice("maps.geo.tolerance_raised", "info", start=_metres(start),
                              tolerance=_metres(tol), budget=budget))
    if budget is not None and len(encoded.text) > budget:
        notices.append(Notice("maps.geo.over_budget", "warning", size=len(encoded.text),
                              budget=budget))
    if coverage_ok and not probe.coverage_ok:
        _check_coverage(simplified, "maps.geo.coverage_broken", notices)
    if encoded.dropped:
        notices.append(Notice("maps.geo.dropped", "info", n=encoded.dropped,
                              precision=encoded.precision))
    if encoded.refined:
        notices.append(Notice("maps.geo.refined", "info", n=encoded.refined,
                              precision=encoded.precision))
    if encoded.still_invalid:
        notices.append(Notice("maps.geo.rounding_invalid", "warning",
                              n=len(encoded.still_invalid),
                              index=_positions(encoded.still_invalid)))
    if encoded.vanished:
        notices.append(Notice("maps.geo.vanished", "warning", n=len(encoded.vanished),
                              precision=encoded.precision,
                              index=_positions(encoded.vanished)))
    notices.append(Notice("maps.geo.simplified", "info", tolerance=_metres(tol),
                          before=vertices_before, after=encoded.vertices,
                          precision=encoded.precision, size=len(encoded.text)))
    return PreparedGeometry(
        geojson=encoded.text, bounds=encoded.bounds, tolerance=float(tol),
        precision=encoded.precision, vertices_before=vertices_before,
        vertices_after=encoded.vertices, n_features=len(array), crs=crs.to_string(),
        simplified=simplified, notices=[n.as_dict() for n in notices])


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
    missing = np.array([g is None or not isinstance(g, shapely.Geometry) for g in array])
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


def _projected(array: np.ndarray, crs: Any, notices: list[Notice]) -> tuple[np.ndarray, Any]:
    if not crs.is_geographic:
        return array, crs
    import geopandas as gpd
    from pyproj import CRS

    series = gpd.GeoSeries(array, crs=crs)
    target = CRS.from_epsg(utm_epsg_for(series.total_bounds))
    notices.append(Notice("maps.geo.reprojected", "repair", source=crs.to_string(),
                          target=target.to_string()))
    return np.asarray(series.to_crs(target).values, dtype=object), target


def _check_coverage(array: np.ndarray, code: str, notices: list[Notice]) -> bool:
    if shapely.coverage_is_valid(array):
        return True
    edges = shapely.coverage_invalid_edges(array)
    where = np.flatnonzero(~shapely.is_missing(edges) & ~shapely.is_empty(edges))
    notices.append(Notice(code, "warning", n=len(where), index=_positions(where)))
    return False


def _diagonal(array: np.ndarray) -> float:
    present = array[~shapely.is_empty(array)]
    if len(present) == 0:
        return 0.0
    west, south, east, north = shapely.total_bounds(present)
    return float(math.hypot(east - west, north - south))


def _positions(index: Sequence[int] | np.ndarray, limit: int = 20) -> str:
    index = [int(i) for i in index]
    text = ", ".join(str(i) for i in index[:limit])
    return text + (f", … (+{len(index) - limit})" if len(index) > limit else "")


def _metres(value: float) -> float | int:
    """Metres for messages: whole metres from 10 m on (no decimal point to localise)."""
    return round(float(value)) if value >= 10 else round(float(value), 2)


# --- simplify, reproject, encode -----------------------------------------------------

#: Internal integer grid: 10**-7 degrees (about 1 cm); rounded values are multiples of it.
GRID_DECIMALS = 7
#: Rounds of local refinement when rounding makes a polygon invalid or breaks the coverage.
REPAIR_ROUNDS = 4


@dataclass(frozen=True)
class _Encoded:
    text: str
    precision: int
    vertices: int
    dropped: int
    vanished: list[int]
    refined: int
    still_invalid: list[int]
    bounds: tuple[float, float, float, float]


@dataclass(frozen=True)
class _Probe:
    tolerance: float
    simplified: np.ndarray
    lonlat: np.ndarray
    decimals: int
    encoded: _Encoded
    coverage_ok: bool = False

    @property
    def size(self) -> int:
        return len(self.encoded.text)


def _fit_budget(array: np.ndarray, crs: Any, start: float, limit: float,
                precision: int | None, budget: int) -> _Probe:
    """Smallest tolerance (from ``start``, at most ``limit``) whose GeoJSON fits ``budget``.

    Grows the tolerance until the text fits (extrapolating log(size) over
    log(tolerance) once two sizes are known), then narrows the bracket once by
    interpolation; every step simplifies the
    original geometries again, so the result does not depend on the path. Sizes are
    measured without the rounding check (see :func:`_checked`), which only adds a few
    bytes where it rounds more finely.
    """
    target = 0.99 * budget
    probe = _simplify_and_encode(array, crs, start, precision)
    over = previous = probe
    while probe.size > budget:
        if probe.tolerance >= limit:
            return probe
        factor = (probe.size / target) ** 2
        if previous is not probe and previous.size > probe.size:  # secant in log-log
            slope = math.log(previous.size / probe.size) / math.log(
                probe.tolerance / previous.tolerance)
            factor = (probe.size / target) ** (1 / max(slope, 0.05))
        previous = over = probe
        tol = min(limit, probe.tolerance * min(4.0, max(1.1, factor)))
        probe = _simplify_and_encode(array, crs, tol, precision)
    best = probe
    for _ in range(REFINE_STEPS if best is not over else 0):
        share = 0.5
        if over.size > best.size:
            share = math.log(over.size / target) / math.log(over.size / best.size)
        share = min(0.8, max(0.2, share))
        tol = math.exp(math.log(over.tolerance)
                       + share * (math.log(best.tolerance) - math.log(over.tolerance)))
        probe = _simplify_and_encode(array, crs, tol, precision)
        if probe.size <= budget:
            best = probe
        else:
            over = probe
    return best


def _simplify_and_encode(array: np.ndarray, crs: Any, tolerance: float,
                         precision: int | None) -> _Probe:
    """Simplify at ``tolerance``, reproject to lon/lat and encode (no rounding check)."""
    import geopandas as gpd

    simplified = shapely.coverage_simplify(array, tolerance) if tolerance > 0 else array
    simplified = np.asarray(simplified, dtype=object)
    lonlat = np.asarray(gpd.GeoSeries(simplified, crs=crs).to_crs(4326).values, dtype=object)
    decimals = precision_for(tolerance) if precision is None else int(precision)
    encoded = encode_geojson(lonlat, decimals, check=False)
    return _Probe(float(tolerance), simplified, lonlat, decimals, encoded)


def _checked(probe: _Probe, coverage_ok: bool) -> _Probe:
    """Encode again, checking what rounding does against what simplification delivered.

    Polygons valid before rounding must stay valid, and the coverage must stay valid
    if the simplified coverage is valid.
    """
    still_coverage = coverage_ok and bool(shapely.coverage_is_valid(probe.simplified))
    encoded = encode_geojson(probe.lonlat, probe.decimals, check_coverage=still_coverage,
                             check_valid=shapely.is_valid(probe.lonlat))
    return replace(probe, encoded=encoded, coverage_ok=still_coverage)


def encode_geojson(lonlat: np.ndarray, precision: int, *, check: bool = True,
                   check_coverage: bool = True,
                   check_valid: np.ndarray | None = None) -> _Encoded:
    """Encode lon/lat polygons as a compact FeatureCollection, rounded to ``precision``.

    Rounding is a function of the coordinate alone, so equal input coordinates (the
    shared boundary of two neighbours) give equal text. Consecutive duplicates are
    removed; rings with fewer than three distinct points or zero area after rounding
    are left out (a part whose exterior ring goes loses its holes too). Where rounding
    makes a polygon invalid, breaks the coverage or lets a whole polygon vanish, the
    vertices concerned (and every vertex with the same coordinates, i.e. the
    neighbours' copies) are rounded one decimal finer, up to 7 decimals.
    ``check`` False skips all checks (plain rounding), ``check_coverage`` False the
    coverage check (input that was no clean coverage); ``check_valid`` (a mask)
    restricts the validity check to those features.

    Example:
        >>> from shapely.geometry import box
        >>> encode_geojson(np.array([box(7.0, 50.0, 7.25, 50.5)]), 2).text[40:]
        '{"type":"Feature","properties":{"i":0},"geometry":{"type":"Polygon","coordinates":[[[7.25,50],[7.25,50.5],[7,50.5],[7,50],[7.25,50]]]}}]}'
    """
    parts, part_geom = shapely.get_parts(lonlat, return_index=True)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    coords, coord_ring = shapely.get_coordinates(rings, return_index=True)
    topo = _Topology(len(lonlat), part_geom, ring_part, coord_ring)
    present = ~shapely.is_empty(lonlat)
    # one level (decimals) per distinct coordinate, so shared vertices stay identical
    vertex_group = np.zeros(len(coords), dtype=np.int64)
    levels = np.full(1, precision, dtype=np.int64)
    refined = np.zeros(0, dtype=bool)
    for _round in range(REPAIR_ROUNDS + 1):
        layout = _layout(_round_to(coords, levels[vertex_group]), topo)
        vanished = np.flatnonzero(present & ~layout.geom_ok)
        if not check:
            bad = vanished
            break
        bad = np.union1d(_broken(layout, topo, check_coverage, check_valid), vanished)
        if len(bad) == 0 or _round == REPAIR_ROUNDS:
            break
        if len(refined) == 0:
            _, vertex_group = np.unique(coords, axis=0, return_inverse=True)
            vertex_group = vertex_group.reshape(-1)
            levels = np.full(vertex_group.max() + 1, precision, dtype=np.int64)
            refined = np.zeros(len(levels), dtype=bool)
        groups = np.unique(vertex_group[np.isin(topo.coord_geom, bad)])
        groups = groups[levels[groups] < GRID_DECIMALS]
        if len(groups) == 0:
            break
        levels[groups] += 1
        refined[groups] = True
    text = _text(layout, topo)
    used = layout.kept_used
    if used.any():
        lo = layout.grid[used].min(axis=0) / 10.0**GRID_DECIMALS
        hi = layout.grid[used].max(axis=0) / 10.0**GRID_DECIMALS
        bounds = (float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1]))
    else:
        bounds = (math.nan, math.nan, math.nan, math.nan)
    return _Encoded(text=text, precision=precision, vertices=int(used.sum()),
                    dropped=int(np.count_nonzero(~layout.ring_used)),
                    vanished=[int(i) for i in vanished], refined=int(refined.sum()),
                    still_invalid=[int(i) for i in np.setdiff1d(bad, vanished)], bounds=bounds)


@dataclass(frozen=True)
class _Topology:
    """Which ring belongs to which part and which part to which feature."""

    n_geoms: int
    part_geom: np.ndarray
    ring_part: np.ndarray
    coord_ring: np.ndarray

    @property
    def coord_geom(self) -> np.ndarray:
        return self.part_geom[self.ring_part[self.coord_ring]]

    @property
    def exterior(self) -> np.ndarray:
        """True for the first (exterior) ring of each part."""
        rp = self.ring_part
        return np.r_[True, rp[1:] != rp[:-1]] if len(rp) else np.zeros(0, dtype=bool)


@dataclass(frozen=True)
class _Layout:
    grid: np.ndarray        # kept vertices on the 10**-7 grid
    coord_ring: np.ndarray  # ring of each kept vertex
    starts: np.ndarray      # first kept vertex of each ring (plus the end)
    ring_used: np.ndarray
    part_ok: np.ndarray
    geom_ok: np.ndarray
    reverse: np.ndarray     # ring to be reversed for RFC 7946 orientation

    @property
    def kept_used(self) -> np.ndarray:
        return self.ring_used[self.coord_ring]


def _round_to(coords: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """Round lon/lat to ``levels`` decimals, as integers on the 10**-7 grid."""
    scale = 10.0 ** levels[:, None]
    step = (10 ** (GRID_DECIMALS - levels))[:, None]
    return np.rint(coords * scale).astype(np.int64) * step


def _layout(grid: np.ndarray, topo: _Topology) -> _Layout:
    coord_ring = topo.coord_ring
    keep = np.ones(len(grid), dtype=bool)
    keep[1:] = ~((coord_ring[1:] == coord_ring[:-1]) & np.all(grid[1:] == grid[:-1], axis=1))
    grid, coord_ring = grid[keep], coord_ring[keep]
    n_rings = len(topo.ring_part)
    counts = np.bincount(coord_ring, minlength=n_rings)
    starts = np.zeros(n_rings + 1, dtype=np.int64)
    np.cumsum(counts, out=starts[1:])
    area2 = _ring_area2(grid, coord_ring, starts)
    exterior = topo.exterior
    ring_ok = (counts >= 4) & (area2 != 0)
    part_ok = np.zeros(len(topo.part_geom), dtype=bool)
    part_ok[topo.ring_part[exterior]] = ring_ok[exterior]
    ring_used = ring_ok & part_ok[topo.ring_part]
    geom_ok = np.zeros(topo.n_geoms, dtype=bool)
    geom_ok[topo.part_geom[part_ok]] = True
    reverse = np.where(exterior, area2 < 0, area2 > 0)
    return _Layout(grid, coord_ring, starts, ring_used, part_ok, geom_ok, reverse)


def _ring_area2(grid: np.ndarray, coord_ring: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Twice the signed area of each ring, exact in integers (relative to its first point)."""
    n_rings = len(starts) - 1
    if len(grid) < 2:
        return np.zeros(n_rings, dtype=np.int64)
    first = np.minimum(starts[:-1], len(grid) - 1)
    local = grid - grid[first][coord_ring]
    x, y = local[:, 0], local[:, 1]
    cross = x[:-1] * y[1:] - x[1:] * y[:-1]
    cross[coord_ring[1:] != coord_ring[:-1]] = 0
    out = np.zeros(n_rings, dtype=np.int64)
    np.add.at(out, coord_ring[:-1], cross)
    return out


def _broken(layout: _Layout, topo: _Topology, check_coverage: bool,
            check_valid: np.ndarray | None) -> np.ndarray:
    """Features that are invalid after rounding or whose edges no longer match."""
    used = layout.kept_used
    if not used.any():
        return np.zeros(0, dtype=np.int64)
    ring_ids = np.flatnonzero(layout.ring_used)
    rings = shapely.linearrings(layout.grid[used].astype(float),
                                indices=np.searchsorted(ring_ids, layout.coord_ring[used]))
    part_of_ring = topo.ring_part[ring_ids]
    part_ids = np.unique(part_of_ring)
    polys = shapely.polygons(rings, indices=np.searchsorted(part_ids, part_of_ring))
    geom_of_part = topo.part_geom[part_ids]
    geoms = np.full(topo.n_geoms, None, dtype=object)
    geom_ids = np.unique(geom_of_part)
    geoms[geom_ids] = shapely.multipolygons(polys,
                                            indices=np.searchsorted(geom_ids, geom_of_part))
    present = geoms[geom_ids]
    invalid = ~shapely.is_valid(present)
    if check_valid is not None:
        invalid &= np.asarray(check_valid, dtype=bool)[geom_ids]
    bad = set(geom_ids[invalid].tolist())
    if check_coverage and not shapely.coverage_is_valid(present):
        edges = shapely.coverage_invalid_edges(present)
        bad.update(geom_ids[~shapely.is_missing(edges) & ~shapely.is_empty(edges)].tolist())
    return np.array(sorted(bad), dtype=np.int64)


def _text(layout: _Layout, topo: _Topology) -> str:
    texts = _coordinate_texts(layout.grid)
    ring_used = layout.ring_used
    part_rings: list[list[str]] = [[] for _ in range(len(topo.part_geom))]
    for r in np.flatnonzero(ring_used):
        chunk = texts[layout.starts[r]:layout.starts[r + 1]]
        part_rings[topo.ring_part[r]].append(
            "[" + ",".join(chunk[::-1] if layout.reverse[r] else chunk) + "]")
    geom_parts: list[list[str]] = [[] for _ in range(topo.n_geoms)]
    for p in np.flatnonzero(layout.part_ok):
        geom_parts[topo.part_geom[p]].append("[" + ",".join(part_rings[p]) + "]")
    features = []
    for i, polys in enumerate(geom_parts):
        if not polys:
            geometry = "null"
        elif len(polys) == 1:
            geometry = '{"type":"Polygon","coordinates":' + polys[0] + "}"
        else:
            geometry = '{"type":"MultiPolygon","coordinates":[' + ",".join(polys) + "]}"
        features.append('{"type":"Feature","properties":{"i":' + str(i) + '},"geometry":'
                        + geometry + "}")
    return '{"type":"FeatureCollection","features":[' + ",".join(features) + "]}"


def _coordinate_texts(grid: np.ndarray) -> list[str]:
    """``[lon,lat]`` text per grid point, without trailing zeros."""
    if len(grid) == 0:
        return []
    values, inverse = np.unique(grid.ravel(), return_inverse=True)
    text = np.array([_fixed(int(v)) for v in values], dtype=object)[inverse.reshape(-1)]
    text = text.reshape(-1, 2)
    return ["[" + x + "," + y + "]" for x, y in text]


def _fixed(value: int, decimals: int = GRID_DECIMALS) -> str:
    """Integer ``value`` scaled by ``10**-decimals`` as the shortest decimal text.

    Example:
        >>> _fixed(71234000), _fixed(-50000000), _fixed(-50000), _fixed(0)
        ('7.1234', '-5', '-0.005', '0')
    """
    sign = "-" if value < 0 else ""
    whole, frac = divmod(abs(value), 10**decimals)
    if frac == 0:
        return sign + str(whole)
    return f"{sign}{whole}.{frac:0{decimals}d}".rstrip("0")
