"""Map geometry for every front door: the same polygons give the same GeoJSON bytes.

:func:`map_geometry` turns polygons in a projected CRS (the format of
:mod:`geosozial.maps.arcs`) into the GeoJSON an HTML map embeds, with numpy alone, so
the command line and QGIS write the same map files:

1. simplify as a coverage (:class:`geosozial.maps.arcs.ArcCoverage`, Douglas-Peucker on
   shared arcs: neighbours keep identical boundaries); features whose simplified
   polygons are invalid or conflict with a neighbour
   (:func:`geosozial.maps.crossings.conflicting_features`) keep all their vertices;
2. convert to WGS84 lon/lat (:mod:`geosozial.maps.lonlat`, no PROJ) and round to
   ``precision`` decimals. Equal input coordinates round to equal text, so shared
   boundaries stay identical; consecutive duplicates are removed, rings that vanish at
   the rounding are dropped and counted; where rounding breaks a polygon or the
   coverage, the vertices concerned (and the neighbours' copies) get one decimal more
   (up to 7);
3. encode: one FeatureCollection, features in input order, the only property the
   integer ``i`` (position in the map's data), no whitespace, exterior rings
   counter-clockwise, holes clockwise (RFC 7946); group outlines (Kreise,
   Sozialräume) as lines made of the same rounded edges, each edge once, the outer edge
   left out.

Without an explicit ``tolerance`` it starts at 1/2000 of the extent's diagonal and grows
until geometry and outlines fit ``max_bytes``; without an explicit ``precision`` the
decimals follow the tolerance (:func:`geosozial.maps.arcs.precision_for`). Same input,
same output, byte for byte. :func:`fit_map` renders a whole page within its budget.

Example:
    >>> import numpy as np
    >>> a = [[np.array([[400000, 5650000], [401000, 5650000], [401000, 5651000],
    ...                 [400000, 5651000]], dtype=float)]]
    >>> b = [[np.array([[401000, 5650000], [402000, 5650000], [402000, 5651000],
    ...                 [401000, 5651000]], dtype=float)]]
    >>> geometry = map_geometry([a, b], 25832, groups=["x", "y"])
    >>> geometry.geojson[:56], geometry.outlines.count("LineString")
    ('{"type":"FeatureCollection","features":[{"type":"Feature', 1)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from geosozial.core.messages import GeosozialError, Notice, define
from geosozial.kernel.contiguity import vertex_labels
from geosozial.maps.arcs import ArcCoverage, Feature, join_edges, precision_for
from geosozial.maps.crossings import conflicting_features
from geosozial.maps.lonlat import supports, to_lonlat

__all__ = ["FittedMap", "MapGeometry", "fit_map", "map_epsg", "map_geometry"]

define("maps.geo.bad_argument", de="Ungültiger Wert für {name}: {value} ({hint}).",
       en="invalid value for {name}: {value} ({hint}).")
define("maps.geo.unsupported_crs",
       de="Für Karten werden Koordinaten in EPSG:{epsg} nicht direkt umgerechnet; bitte "
       "vorher nach ETRS89/UTM umprojizieren.",
       en="map coordinates in EPSG:{epsg} are not converted directly; reproject to "
       "ETRS89/UTM first.")
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
define("maps.doc.over_budget",
       de="Die Karte ist {size} Bytes groß, das Budget {budget} Bytes; schon die Daten "
       "und Leaflet brauchen {fixed} Bytes. Weniger Ebenen oder ein größeres Budget "
       "(max_bytes) wählen.",
       en="the map has {size} bytes, the budget {budget} bytes; data and Leaflet alone "
       "need {fixed} bytes. Choose fewer layers or a larger budget (max_bytes).")
define("maps.doc.size",
       de="Karte: {size} Bytes (Budget {budget}), davon Geometrie {geometry}, Umrisse "
       "{outlines}.",
       en="map: {size} bytes (budget {budget}), geometry {geometry}, outlines {outlines}.")

#: The default tolerance is the extent's diagonal divided by this.
DEFAULT_EXTENT_FRACTION = 2000
#: Tolerance never grows beyond the diagonal divided by this when meeting a budget.
MAX_EXTENT_FRACTION = 100
#: Interpolation steps that bring an automatic tolerance close to the size budget.
REFINE_STEPS = 1
#: Rounds of "keep the vertices of broken features" after simplifying.
VALIDITY_ROUNDS = 4
#: Internal integer grid: 10**-7 degrees (about 1 cm); rounded values are multiples of it.
GRID_DECIMALS = 7
#: Rounds of local refinement when rounding makes a polygon invalid or breaks the coverage.
REPAIR_ROUNDS = 4
#: Smallest geometry budget tried before giving up on a page's total budget.
MIN_GEOMETRY_BYTES = 20_000
#: Rounds of fitting a page's geometry into what the rest of the page leaves.
FIT_ROUNDS = 4
EMPTY_COLLECTION = '{"type":"FeatureCollection","features":[]}'
#: Geographic CRSs: converted to UTM by the door first (never simplified in degrees).
GEOGRAPHIC = frozenset({4326, 4258})


def map_epsg(epsg: int | None) -> int | None:
    """``epsg`` when map geometry can be made from it directly, else None (the door then
    reprojects to ETRS89/UTM, :func:`geosozial.core.analysis.utm_epsg_for`, first).

    Example:
        >>> map_epsg(25832), map_epsg(4326), map_epsg(None)
        (25832, None, None)
    """
    return int(epsg) if epsg is not None and supports(int(epsg)) and \
        int(epsg) not in GEOGRAPHIC else None


@dataclass(frozen=True)
class MapGeometry:
    """Simplified map geometry as GeoJSON text plus what was done to it.

    ``geojson`` is a FeatureCollection whose features carry only ``{"i": n}``;
    ``outlines`` the group outlines (lines) or None; ``bounds`` ``(west, south, east,
    north)`` in degrees; ``tolerance`` in metres; ``simplified`` the simplified features
    in the input CRS (before rounding).

    Example:
        >>> import numpy as np
        >>> sq = [[np.array([[0, 0], [500, 0], [500, 500], [0, 500]], dtype=float)]]
        >>> g = map_geometry([sq], 25832, tolerance=0)
        >>> g.n_features, g.size == len(g.geojson), g.tolerance
        (1, True, 0.0)
    """

    geojson: str
    outlines: str | None
    bounds: tuple[float, float, float, float]
    tolerance: float
    precision: int
    vertices_before: int
    vertices_after: int
    n_features: int
    simplified: list[Feature] = field(repr=False, compare=False)
    notices: list[Notice] = field(default_factory=list)

    @property
    def size(self) -> int:
        """Bytes of geometry and outlines together (ASCII)."""
        return len(self.geojson) + len(self.outlines or "")


def map_geometry(features: Sequence[Feature], epsg: int, *,
                 groups: Sequence[Any] | None = None, tolerance: float | None = None,
                 precision: int | None = None, max_bytes: int | None = None) -> MapGeometry:
    """Simplify a coverage and encode it (and its group outlines) as compact GeoJSON.

    Parameters
    ----------
    features : sequence of features
        Polygons (a feature is a list of polygons, a polygon a list of rings) in the
        projected CRS ``epsg``; an empty feature gives a feature without geometry.
    epsg : int
        Their CRS, one that :func:`map_epsg` accepts.
    groups : sequence, optional
        One label per feature (None: in no group); the edges between groups are returned
        as ``outlines``.
    tolerance : float, optional
        Douglas-Peucker tolerance in metres (the largest distance of a dropped vertex from
        the simplified line); default: from the extent, raised to meet ``max_bytes``;
        0: no simplification.
    precision : int, optional
        Decimals of lon/lat (default from the tolerance).
    max_bytes : int, optional
        Budget for geometry and outlines together (only an automatic tolerance adapts).

    Returns
    -------
    MapGeometry

    Examples
    --------
    >>> import numpy as np
    >>> sq = np.array([[0, 0], [1000, 0], [1000, 1000], [0, 1000]], dtype=float)
    >>> g = map_geometry([[[sq + [400000, 5600000]]]], 25832, tolerance=10, precision=4)
    >>> g.geojson.count('"i":'), g.tolerance, g.precision
    (1, 10.0, 4)
    """
    _check_arguments(epsg, tolerance, precision, max_bytes)
    return _geometry(_Work.of(features, int(epsg), groups), tolerance, precision, max_bytes)


def _check_arguments(epsg: int, tolerance: float | None, precision: int | None,
                     max_bytes: int | None) -> None:
    if map_epsg(epsg) is None:
        raise GeosozialError("maps.geo.unsupported_crs", epsg=epsg)
    if tolerance is not None and not (math.isfinite(tolerance) and tolerance >= 0):
        raise GeosozialError("maps.geo.bad_argument", name="tolerance", value=tolerance,
                             hint="≥ 0")
    if precision is not None and not 0 <= int(precision) <= GRID_DECIMALS:
        raise GeosozialError("maps.geo.bad_argument", name="precision", value=precision,
                             hint="0 … 7")
    if max_bytes is not None and int(max_bytes) <= 0:
        raise GeosozialError("maps.geo.bad_argument", name="max_bytes", value=max_bytes,
                             hint="None or bytes > 0")


def _geometry(work: _Work, tolerance: float | None, precision: int | None,
              max_bytes: int | None) -> MapGeometry:
    """:func:`map_geometry` on a coverage already ranked and checked."""
    notices: list[Notice] = []
    if len(work.broken_input):
        notices.append(Notice("maps.geo.coverage_invalid", "warning",
                              n=len(work.broken_input),
                              index=_positions(work.broken_input)))
    diagonal = work.diagonal()
    auto = tolerance is None
    start = diagonal / DEFAULT_EXTENT_FRACTION if auto else float(tolerance)
    if auto and max_bytes is not None:
        probe = _fit_budget(work, start, diagonal / MAX_EXTENT_FRACTION, precision,
                            int(max_bytes))
    else:
        probe = work.probe(start, precision)
    probe = work.checked(probe)
    encoded = probe.encoded
    if auto and probe.tolerance > start:
        notices.append(Notice("maps.geo.tolerance_raised", "info", start=_metres(start),
                              tolerance=_metres(probe.tolerance), budget=max_bytes))
    if max_bytes is not None and probe.size > max_bytes:
        notices.append(Notice("maps.geo.over_budget", "warning", size=probe.size,
                              budget=max_bytes))
    still = np.setdiff1d(probe.broken, work.broken_input)
    if len(still):
        notices.append(Notice("maps.geo.coverage_broken", "warning", n=len(still),
                              index=_positions(still)))
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
    notices.append(Notice("maps.geo.simplified", "info", tolerance=_metres(probe.tolerance),
                          before=work.vertices, after=encoded.vertices,
                          precision=encoded.precision, size=probe.size))
    return MapGeometry(
        geojson=encoded.text, outlines=encoded.outlines, bounds=encoded.bounds,
        tolerance=float(probe.tolerance), precision=encoded.precision,
        vertices_before=work.vertices, vertices_after=encoded.vertices,
        n_features=work.n_geoms, simplified=work.coverage.features(probe.keep),
        notices=notices)


@dataclass(frozen=True)
class FittedMap:
    """An HTML map page fitted into its budget: page, document, geometry, notices.

    Example:
        >>> FittedMap.__dataclass_fields__["budget"].type
        'int | None'
    """

    html: str
    document: Any
    geometry: MapGeometry
    budget: int | None
    notices: list[Notice] = field(default_factory=list)

    @property
    def size(self) -> int:
        """Bytes of the page (UTF-8)."""
        return len(self.html.encode("utf-8"))


def fit_map(document: Any, features: Sequence[Feature], epsg: int, *,
            groups: Sequence[Any] | None = None, tolerance: float | None = None,
            max_bytes: int | str | None = "auto") -> FittedMap:
    """Render ``document`` (a :class:`geosozial.maps.html.MapDocument`) with the map
    geometry of ``features`` so that the whole page stays within ``max_bytes``
    (``"auto"``: :func:`geosozial.maps.html.html_budget`; None: no budget).

    Example:
        >>> import numpy as np
        >>> from geosozial.maps.html import MapDocument
        >>> from geosozial.maps.layers import choropleth_layer
        >>> sq = np.array([[0, 0], [1000, 0], [1000, 1000], [0, 1000]], dtype=float)
        >>> doc = MapDocument(title="T", geojson=EMPTY_COLLECTION, names=["A", "B"],
        ...                   keys=["1", "2"], layers=[choropleth_layer([1.0, 2.0], id="v",
        ...                                                            label="V", k=2)])
        >>> fitted = fit_map(doc, [[[sq + [4e5, 5.6e6]]], [[sq + [401000, 5.6e6]]]], 25832)
        >>> fitted.html.startswith("<!DOCTYPE html>"), fitted.size <= fitted.budget
        (True, True)
    """
    from geosozial.maps.html import html_budget, render_map

    empty = replace(document, geojson=EMPTY_COLLECTION, outlines=None)
    fixed = len(render_map(empty).encode("utf-8"))
    budget = html_budget(len(document.keys)) if max_bytes == "auto" else max_bytes
    if budget is not None and (isinstance(budget, str) or int(budget) <= 0):
        raise GeosozialError("maps.geo.bad_argument", name="max_bytes", value=max_bytes,
                             hint="'auto', None or bytes > 0")
    geometry_budget = None if budget is None else max(MIN_GEOMETRY_BYTES, int(budget) - fixed)
    _check_arguments(epsg, tolerance, None, geometry_budget)
    work = _Work.of(features, int(epsg), groups)  # arcs ranked, input checked once
    for _ in range(FIT_ROUNDS):
        geometry = _geometry(work, tolerance, None, geometry_budget)
        built = replace(document, geojson=geometry.geojson, outlines=geometry.outlines)
        page = render_map(built)
        size = len(page.encode("utf-8"))
        if budget is None or size <= budget or tolerance is not None or \
                geometry_budget is None or geometry_budget <= MIN_GEOMETRY_BYTES:
            break
        geometry_budget = max(MIN_GEOMETRY_BYTES, int(geometry_budget - 1.02 * (size - budget)))
    notices = list(geometry.notices)
    notices.append(Notice("maps.doc.size", "info", size=size, budget=budget,
                          geometry=len(geometry.geojson),
                          outlines=len(geometry.outlines or "")))
    if budget is not None and size > budget:
        notices.append(Notice("maps.doc.over_budget", "warning", size=size, budget=budget,
                              fixed=fixed))
    return FittedMap(page, built, geometry, budget, notices)


# --- the work on one coverage --------------------------------------------------------


@dataclass(frozen=True)
class _Encoded:
    text: str
    outlines: str | None
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
    keep: np.ndarray
    broken: np.ndarray
    decimals: int
    encoded: _Encoded

    @property
    def size(self) -> int:
        return len(self.encoded.text) + len(self.encoded.outlines or "")


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
class _Work:
    coverage: ArcCoverage
    epsg: int
    n_geoms: int
    ring_part: np.ndarray
    part_geom: np.ndarray
    group_codes: np.ndarray | None
    broken_input: np.ndarray
    vertices: int

    @classmethod
    def of(cls, features: Sequence[Feature], epsg: int, groups: Sequence[Any] | None
           ) -> _Work:
        features = [list(f or []) for f in features]
        coverage = ArcCoverage.from_features(features)
        owner = coverage.ring_owner
        exterior = owner[:, 2] == 0 if len(owner) else np.zeros(0, dtype=bool)
        ring_part = np.cumsum(exterior) - 1
        part_geom = owner[exterior, 0] if len(owner) else np.zeros(0, dtype=np.int64)
        codes = None
        if groups is not None:
            if len(groups) != len(features):
                raise GeosozialError("maps.geo.bad_argument", name="groups",
                                     value=len(groups), hint=f"{len(features)} labels")
            labels = [None if g is None or (isinstance(g, float) and g != g) else str(g)
                      for g in groups]
            names = sorted({g for g in labels if g is not None})
            index = {g: i for i, g in enumerate(names)}
            codes = np.array([-1 if g is None else index[g] for g in labels], dtype=np.int64)
        broken = conflicting_features(features)
        return cls(coverage, epsg, len(features), ring_part, part_geom, codes,
                   np.asarray(broken, dtype=np.int64),
                   len(coverage.coords) + len(coverage.ring_owner))

    def diagonal(self) -> float:
        coords = self.coverage.coords
        if not len(coords):
            return 0.0
        span = coords.max(axis=0) - coords.min(axis=0)
        return float(math.hypot(span[0], span[1]))

    def simplified(self, tolerance: float) -> tuple[np.ndarray, np.ndarray]:
        """Kept vertices at ``tolerance`` (broken features simplified more finely) and the
        features still broken."""
        if tolerance <= 0:
            return self.coverage.keep(0), self.broken_input
        return self.coverage.repaired(tolerance, conflicting_features, self.broken_input)

    def probe(self, tolerance: float, precision: int | None) -> _Probe:
        """Simplify at ``tolerance`` and encode (plain rounding, no checks)."""
        keep, broken = self.simplified(tolerance)
        decimals = precision_for(tolerance) if precision is None else int(precision)
        encoded = self.encode(keep, decimals, check=False)
        return _Probe(float(tolerance), keep, broken, decimals, encoded)

    def checked(self, probe: _Probe) -> _Probe:
        """Encode again, refining where rounding breaks what simplification delivered."""
        encoded = self.encode(probe.keep, probe.decimals, check=True, skip=probe.broken)
        return replace(probe, encoded=encoded)

    def encode(self, keep: np.ndarray, precision: int, *, check: bool,
               skip: np.ndarray | None = None) -> _Encoded:
        coverage = self.coverage
        index = np.flatnonzero(keep)
        ring = coverage.ring_of_vertex[index]
        if len(index):
            head = np.r_[True, ring[1:] != ring[:-1]]
            at = np.r_[np.flatnonzero(head)[1:], len(index)]
            index = np.insert(index, at, index[head])  # close every ring
            ring = np.insert(ring, at, ring[head])
        lonlat = to_lonlat(coverage.coords[index], self.epsg)
        labels = coverage.labels[index]
        topo = _Topology(self.n_geoms, self.part_geom, self.ring_part, ring)
        return _encode(lonlat, labels, topo, precision, check, skip, self.group_codes)


def _fit_budget(work: _Work, start: float, limit: float, precision: int | None,
                budget: int) -> _Probe:
    """Smallest tolerance (from ``start``, at most ``limit``) whose text fits ``budget``.

    Grows the tolerance until the text fits (extrapolating log(size) over
    log(tolerance) once two sizes are known), then narrows the bracket once by
    interpolation; every step simplifies the original geometries again, so the result
    does not depend on the path.
    """
    target = 0.99 * budget
    probe = work.probe(start, precision)
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
        probe = work.probe(tol, precision)
    best = probe
    for _ in range(REFINE_STEPS if best is not over else 0):
        share = 0.5
        if over.size > best.size:
            share = math.log(over.size / target) / math.log(over.size / best.size)
        share = min(0.8, max(0.2, share))
        tol = math.exp(math.log(over.tolerance)
                       + share * (math.log(best.tolerance) - math.log(over.tolerance)))
        probe = work.probe(tol, precision)
        if probe.size <= budget:
            best = probe
        else:
            over = probe
    return best


# --- rounding and text ---------------------------------------------------------------


def _encode(lonlat: np.ndarray, labels: np.ndarray, topo: _Topology, precision: int,
            check: bool, skip: np.ndarray | None, groups: np.ndarray | None) -> _Encoded:
    """Round (refining where needed) and write the FeatureCollection and outlines."""
    present = np.zeros(topo.n_geoms, dtype=bool)
    present[topo.coord_geom] = True
    if len(labels):
        _, vertex_group = np.unique(labels, return_inverse=True)
        vertex_group = vertex_group.reshape(-1)
        levels = np.full(int(vertex_group.max()) + 1, precision, dtype=np.int64)
    else:
        vertex_group = np.zeros(0, dtype=np.int64)
        levels = np.full(1, precision, dtype=np.int64)
    refined = np.zeros(len(levels), dtype=bool)
    for _round in range(REPAIR_ROUNDS + 1):
        layout = _layout(_round_to(lonlat, levels[vertex_group]), topo)
        vanished = np.flatnonzero(present & ~layout.geom_ok)
        if not check:
            bad = vanished
            break
        broken = _broken(layout, topo)
        if skip is not None and len(skip):
            broken = np.setdiff1d(broken, skip)
        bad = np.union1d(broken, vanished)
        if len(bad) == 0 or _round == REPAIR_ROUNDS:
            break
        groups_at = np.unique(vertex_group[np.isin(topo.coord_geom, bad)])
        groups_at = groups_at[levels[groups_at] < GRID_DECIMALS]
        if len(groups_at) == 0:
            break
        levels[groups_at] += 1
        refined[groups_at] = True
    texts = _coordinate_texts(layout.grid)
    used = layout.kept_used
    if used.any():
        lo = layout.grid[used].min(axis=0) / 10.0**GRID_DECIMALS
        hi = layout.grid[used].max(axis=0) / 10.0**GRID_DECIMALS
        bounds = (float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1]))
    else:
        bounds = (math.nan, math.nan, math.nan, math.nan)
    outlines = _outlines(layout, topo, groups, texts) if groups is not None else None
    return _Encoded(text=_text(layout, topo, texts), outlines=outlines, precision=precision,
                    vertices=int(used.sum()), dropped=int(np.count_nonzero(~layout.ring_used
                                                                           & layout.had)),
                    vanished=[int(i) for i in vanished], refined=int(refined.sum()),
                    still_invalid=[int(i) for i in np.setdiff1d(bad, vanished)], bounds=bounds)


@dataclass(frozen=True)
class _Layout:
    grid: np.ndarray        # kept vertices on the 10**-7 grid
    coord_ring: np.ndarray  # ring of each kept vertex
    starts: np.ndarray      # first kept vertex of each ring (plus the end)
    ring_used: np.ndarray
    had: np.ndarray         # ring had vertices before rounding
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
    n_rings = len(topo.ring_part)
    had = np.bincount(coord_ring, minlength=n_rings) > 0
    keep = np.ones(len(grid), dtype=bool)
    keep[1:] = ~((coord_ring[1:] == coord_ring[:-1]) & np.all(grid[1:] == grid[:-1], axis=1))
    grid, coord_ring = grid[keep], coord_ring[keep]
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
    return _Layout(grid, coord_ring, starts, ring_used, had, part_ok, geom_ok, reverse)


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


def _grid_features(layout: _Layout, topo: _Topology) -> list[Feature]:
    """The rounded polygons (used rings only) in the format of :mod:`.arcs`."""
    parts: dict[int, list[np.ndarray]] = {}
    for r in np.flatnonzero(layout.ring_used).tolist():
        ring = layout.grid[layout.starts[r]:layout.starts[r + 1]].astype(float)
        parts.setdefault(int(topo.ring_part[r]), []).append(ring)
    features: list[Feature] = [[] for _ in range(topo.n_geoms)]
    for part, rings in parts.items():
        features[int(topo.part_geom[part])].append(rings)
    return features


def _broken(layout: _Layout, topo: _Topology) -> np.ndarray:
    """Features that are invalid after rounding or whose edges no longer match."""
    if not layout.kept_used.any():
        return np.zeros(0, dtype=np.int64)
    return np.asarray(conflicting_features(_grid_features(layout, topo)), dtype=np.int64)


def _text(layout: _Layout, topo: _Topology, texts: list[str]) -> str:
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


def _outlines(layout: _Layout, topo: _Topology, groups: np.ndarray,
              texts: list[str]) -> str | None:
    """Edges between two different groups, each once, joined into lines."""
    used = layout.kept_used
    if not used.any():
        return None
    grid = layout.grid[used]
    ring = layout.coord_ring[used]
    geom = topo.part_geom[topo.ring_part[ring]]
    position = np.flatnonzero(used)
    labels, _ = vertex_labels(grid.astype(float))
    same = ring[1:] == ring[:-1]
    a, b = labels[:-1][same], labels[1:][same]
    owner = geom[:-1][same]
    first = position[:-1][same]
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    key = lo * (int(labels.max()) + 1) + hi
    order = np.argsort(key, kind="stable")
    k = key[order]
    pair = np.flatnonzero((k[1:] == k[:-1]) & np.r_[True, k[1:-1] != k[:-2]]
                          & np.r_[k[2:] != k[1:-1], True]) if len(k) > 1 else np.zeros(0, int)
    one, two = order[pair], order[pair + 1]
    g1, g2 = groups[owner[one]], groups[owner[two]]
    between = (g1 >= 0) & (g2 >= 0) & (g1 != g2)
    chosen = np.sort(np.minimum(one, two)[between])
    if not len(chosen):
        return None
    text_of = {}
    for e in chosen.tolist():
        text_of[int(a[e])] = texts[first[e]]
        text_of[int(b[e])] = texts[first[e] + 1]
    lines = join_edges(a[chosen], b[chosen])
    out = ['{"type":"Feature","properties":{},"geometry":{"type":"LineString",'
           '"coordinates":[' + ",".join(text_of[v] for v in line) + "]}}" for line in lines]
    return '{"type":"FeatureCollection","features":[' + ",".join(out) + "]}"


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


def _positions(index: Sequence[int] | np.ndarray, limit: int = 20) -> str:
    index = [int(i) for i in index]
    text = ", ".join(str(i) for i in index[:limit])
    return text + (f", … (+{len(index) - limit})" if len(index) > limit else "")


def _metres(value: float) -> float | int:
    """Metres for messages: whole metres from 10 m on (no decimal point to localise)."""
    return round(float(value)) if value >= 10 else round(float(value), 2)
