"""SVG outlines of the municipalities, drawn once at build time.

The polygons (projected CRS) are simplified as a coverage (``shapely.coverage_simplify``:
neighbours keep one shared boundary, as in the run's maps), scaled into a frame of
``width`` SVG units (north up) and written as path data with one decimal. Sozialraum
outlines are the union of their simplified members, so they fit the municipalities.

Examples
--------
>>> from shapely.geometry import box
>>> paths, size = svg_paths([box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000)], width=200)
>>> size, paths[0]
((200.0, 100.0), 'M100 100L100 0L0 0L0 100Z')
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import shapely

__all__ = ["svg_paths"]

#: simplification tolerance as a fraction of the extent's diagonal
TOLERANCE_FRACTION = 1 / 700


def _number(value: float) -> str:
    text = f"{value:.1f}"
    if text.endswith(".0"):
        text = text[:-2]
    return "0" if text == "-0" else text


def _ring(coords: np.ndarray, transform: Any) -> str:
    points = [transform(x, y) for x, y in coords[:-1]]
    out = []
    last = None
    for p in points:
        if p != last:
            out.append(p)
        last = p
    if len(out) < 3:
        return ""
    return "M" + "L".join(f"{x} {y}" for x, y in out) + "Z"


def _path(geom: Any, transform: Any) -> str:
    if geom is None or geom.is_empty:
        return ""
    parts = []
    polygons = getattr(geom, "geoms", [geom])
    for poly in polygons:
        if poly.geom_type != "Polygon":
            continue
        parts.append(_ring(np.asarray(poly.exterior.coords), transform))
        parts += [_ring(np.asarray(r.coords), transform) for r in poly.interiors]
    return "".join(p for p in parts if p)


def svg_paths(geoms: Sequence[Any], *, width: float = 400.0,
              groups: Mapping[str, Sequence[int]] | None = None,
              tolerance: float | None = None
              ) -> tuple[list[str], tuple[float, float]] | tuple[list[str], tuple[float, float],
                                                                   dict[str, str]]:
    """SVG path data of polygons in a projected CRS, north up, in a ``width`` frame.

    Parameters
    ----------
    geoms : sequence of shapely geometries
        Polygons or MultiPolygons (a coverage); None or empty gives ``""``.
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
        One ``d`` attribute per geometry.
    size : (float, float)
        Width and height of the frame.
    outlines : dict of str to str
        Only with ``groups``: the ``d`` of each group's outline.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> _, _, groups = svg_paths([box(0, 0, 1, 1), box(1, 0, 2, 1)], width=20,
    ...                          groups={"A": [0, 1]}, tolerance=0)
    >>> groups["A"]
    'M0 10L0 0L10 0L20 0L20 10L10 10Z'
    """
    array = np.asarray(list(geoms), dtype=object)
    present = np.array([g is not None and not g.is_empty for g in array], dtype=bool)
    if not present.any():
        empty: list[str] = [""] * len(array)
        return (empty, (width, width)) if groups is None else (empty, (width, width), {})
    minx, miny, maxx, maxy = shapely.total_bounds(array[present])
    span = max(maxx - minx, maxy - miny) or 1.0
    if tolerance is None:
        tolerance = math.hypot(maxx - minx, maxy - miny) * TOLERANCE_FRACTION
    simplified = array.copy()
    if tolerance > 0:
        simplified[present] = shapely.coverage_simplify(array[present], tolerance)
    scale = width / (maxx - minx if maxx > minx else span)
    height = round((maxy - miny) * scale, 1) or width

    def transform(x: float, y: float) -> tuple[str, str]:
        return _number((x - minx) * scale), _number((maxy - y) * scale)

    paths = [_path(g, transform) if ok else "" for g, ok in zip(simplified, present,
                                                                 strict=True)]
    size = (float(width), float(height))
    if groups is None:
        return paths, size
    outlines = {}
    for name, members in groups.items():
        parts = [simplified[i] for i in members if present[i]]
        if parts:
            merged = shapely.coverage_union_all(np.asarray(parts, dtype=object))
            outlines[name] = _path(merged, transform)
    return paths, size, outlines
