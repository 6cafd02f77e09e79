"""SVG outlines of the municipalities, drawn once at build time (numpy only, no GEOS).

The polygons (projected CRS, in the format of :mod:`geosozial.maps.arcs`: a feature is
a list of polygons, a polygon a list of rings) are simplified as a coverage
(:func:`geosozial.maps.arcs.simplify_coverage`: neighbours keep one shared boundary, as
in the QGIS plugin's maps), scaled into a frame of ``width`` SVG units (north up) and
written as path data with one decimal. A Sozialraum outline is the boundary of its
simplified members: every edge that no other member shares, joined into lines (it is
drawn as a stroke), so it fits the municipalities exactly.

Examples
--------
>>> import numpy as np
>>> a = [[np.array([[0, 0], [1000, 0], [1000, 1000], [0, 1000]], dtype=float)]]
>>> b = [[np.array([[1000, 0], [2000, 0], [2000, 1000], [1000, 1000]], dtype=float)]]
>>> paths, size = svg_paths([a, b], width=200)
>>> size, paths[0]
((200.0, 100.0), 'M0 100L100 100L100 0L0 0Z')
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from geosozial.kernel.contiguity import vertex_labels
from geosozial.maps.arcs import join_edges, simplify_coverage

__all__ = ["svg_paths"]

#: simplification tolerance as a fraction of the extent's diagonal
TOLERANCE_FRACTION = 1 / 700

Feature = list[list[np.ndarray]]


def _number(value: float) -> str:
    text = f"{value:.1f}"
    if text.endswith(".0"):
        text = text[:-2]
    return "0" if text == "-0" else text


class _Frame:
    """North-up scaling of projected coordinates into SVG units."""

    def __init__(self, minx: float, maxy: float, scale: float) -> None:
        self.minx, self.maxy, self.scale = minx, maxy, scale

    def points(self, coords: np.ndarray) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        for x, y in coords:
            p = (_number((x - self.minx) * self.scale), _number((self.maxy - y) * self.scale))
            if not out or p != out[-1]:
                out.append(p)
        return out


def _ring(coords: np.ndarray, frame: _Frame) -> str:
    points = frame.points(coords)
    if len(points) > 1 and points[0] == points[-1]:
        points.pop()
    if len(points) < 3:
        return ""
    return "M" + "L".join(f"{x} {y}" for x, y in points) + "Z"


def _path(feature: Feature, frame: _Frame) -> str:
    return "".join(_ring(ring, frame) for polygon in feature for ring in polygon)


def _line(coords: np.ndarray, frame: _Frame, closed: bool) -> str:
    points = frame.points(coords)
    if closed and len(points) > 1 and points[0] == points[-1]:
        points.pop()
    if len(points) < 2:
        return ""
    return "M" + "L".join(f"{x} {y}" for x, y in points) + ("Z" if closed else "")


def _boundary(features: Sequence[Feature], frame: _Frame) -> str:
    """The edges of ``features`` that only one of them has, joined into lines."""
    rings = [np.asarray(r, dtype=float) for f in features for p in f for r in p if len(r) > 1]
    if not rings:
        return ""
    closed = [r if (r[0] == r[-1]).all() else np.vstack([r, r[:1]]) for r in rings]
    coords = np.vstack(closed)
    labels, unique = vertex_labels(coords)
    sizes = np.array([len(r) for r in closed])
    ends = np.cumsum(sizes)
    inner = np.ones(len(coords) - 1, dtype=bool)
    inner[ends[:-1] - 1] = False  # no edge from one ring's last vertex to the next ring
    a, b = labels[:-1][inner], labels[1:][inner]
    keep = a != b
    a, b = a[keep], b[keep]
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    key = lo * len(unique) + hi
    values, counts = np.unique(key, return_counts=True)
    single_edge = np.isin(key, values[counts == 1])
    parts = [_line(unique[line], frame, line[0] == line[-1])
             for line in join_edges(a[single_edge], b[single_edge])]
    return "".join(parts)


def svg_paths(features: Sequence[Feature], *, width: float = 400.0,
              groups: Mapping[str, Sequence[int]] | None = None,
              tolerance: float | None = None
              ) -> tuple[list[str], tuple[float, float]] | tuple[list[str], tuple[float, float],
                                                                   dict[str, str]]:
    """SVG path data of polygons in a projected CRS, north up, in a ``width`` frame.

    Parameters
    ----------
    features : sequence of features
        One feature (list of polygons, each a list of rings) per area, a coverage; an
        empty feature gives ``""``.
    width : float
        Width of the frame in SVG units; the height follows the extent.
    groups : mapping of str to sequence of int, optional
        Named groups of positions (Sozialräume): their outlines are returned as a third
        element.
    tolerance : float, optional
        Simplification tolerance in CRS units (default: the diagonal / 700; 0: none).

    Returns
    -------
    paths : list of str
        One ``d`` attribute per feature.
    size : (float, float)
        Width and height of the frame.
    outlines : dict of str to str
        Only with ``groups``: the ``d`` of each group's outline (lines for a stroke).

    Examples
    --------
    >>> import numpy as np
    >>> sq = np.array([[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]], dtype=float)
    >>> _, _, groups = svg_paths([[[sq]], [[sq + [1, 0]]]], width=20, groups={"A": [0, 1]},
    ...                          tolerance=0)
    >>> groups["A"]
    'M0 10L10 10L20 10L20 0L10 0L0 0Z'
    """
    features = [list(f or []) for f in features]
    present = [any(len(r) for p in f for r in p) for f in features]
    if not any(present):
        empty: list[str] = [""] * len(features)
        return (empty, (width, width)) if groups is None else (empty, (width, width), {})
    coords = np.vstack([np.asarray(r, dtype=float).reshape(-1, 2)
                        for f, ok in zip(features, present, strict=True) if ok
                        for p in f for r in p])
    minx, miny = coords.min(axis=0)
    maxx, maxy = coords.max(axis=0)
    span = max(maxx - minx, maxy - miny) or 1.0
    if tolerance is None:
        tolerance = math.hypot(maxx - minx, maxy - miny) * TOLERANCE_FRACTION
    simplified = simplify_coverage(features, tolerance) if tolerance > 0 else features
    scale = width / (maxx - minx if maxx > minx else span)
    height = round((maxy - miny) * scale, 1) or width
    frame = _Frame(float(minx), float(maxy), float(scale))
    paths = [_path(f, frame) if ok else "" for f, ok in zip(simplified, present, strict=True)]
    size = (float(width), float(height))
    if groups is None:
        return paths, size
    outlines = {}
    for name, members in groups.items():
        parts = [simplified[i] for i in members if present[i]]
        if parts:
            outlines[name] = _boundary(parts, frame)
    return paths, size, outlines
