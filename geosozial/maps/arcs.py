"""Coverage-preserving simplification without GEOS: shared arcs simplified once.

The QGIS plugin may not load shapely (DESIGN: no second GEOS in QGIS), and the GEOS of
QGIS 3.22 has no coverage simplification. This module does it in numpy: identical
vertices are labelled, vertices where boundaries meet or part (a label with other than
two distinct neighbours) are nodes, rings are cut into chains between nodes, every
chain is simplified once with Douglas-Peucker (nodes stay), and both neighbours get the
same simplified chain, so no gap or overlap can appear between them. Rings that would
collapse keep their farthest vertices.

Geometry format: a list of features, a feature a list of polygons, a polygon a list of
rings, a ring an ``(n, 2)`` array (closed or open).

Example:
    >>> a = [[np.array([[0, 0], [1, 0.01], [2, 0], [2, 2], [0, 2]], dtype=float)]]
    >>> b = [[np.array([[2, 0], [4, 0], [4, 2], [2, 2]], dtype=float)]]
    >>> out = simplify_coverage([a, b], 0.1)
    >>> len(out[0][0][0])   # (1, 0.01) is gone, the shared edge (2,0)-(2,2) is kept
    5
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from itertools import pairwise

import numpy as np

from geosozial.kernel.contiguity import vertex_labels

Ring = np.ndarray
Feature = list[list[Ring]]

METRES_PER_DEGREE = 111_320.0
#: Rounds of "keep the chains of invalid features" before giving up.
VALIDITY_ROUNDS = 4
MIN_PRECISION, MAX_PRECISION = 2, 5


def precision_for(tolerance: float) -> int:
    """Decimals of lon/lat whose rounding step is at most a third of ``tolerance``.

    Example:
        >>> precision_for(0), precision_for(35), precision_for(400)
        (5, 4, 3)
    """
    if tolerance <= 0:
        return MAX_PRECISION
    decimals = math.ceil(math.log10(3 * METRES_PER_DEGREE / tolerance))
    return int(min(MAX_PRECISION, max(MIN_PRECISION, decimals)))


def simplify_coverage(features: Sequence[Feature], tolerance: float,
                      is_valid: Callable[[Feature], bool] | None = None,
                      find_conflicts: Callable[[list[Feature]], Sequence[int]] | None = None,
                      ) -> list[Feature]:
    """Simplify a polygon coverage so that neighbours keep identical shared boundaries.

    ``is_valid`` (e.g. a QgsGeometry validity check) is asked for each simplified
    feature, ``find_conflicts`` for the features whose simplified polygons conflict with
    another one (an overlap, or an edge that no longer matches its neighbour's, e.g.
    shapely's ``coverage_invalid_edges``); the chains of those
    features are kept unsimplified (for their neighbours too) and the features are
    assembled again.

    Example:
        >>> sq = [[np.array([[0, 0], [1, 0], [1, 1], [0, 1]], dtype=float)]]
        >>> len(simplify_coverage([sq], 5.0)[0][0][0])  # never below a closed triangle
        4
    """
    rings, owner = [], []
    for f, feature in enumerate(features):
        for p, polygon in enumerate(feature):
            for r, ring in enumerate(polygon):
                ring = np.asarray(ring, dtype=float).reshape(-1, 2)
                if len(ring) > 1 and (ring[0] == ring[-1]).all():
                    ring = ring[:-1]
                rings.append(ring)
                owner.append((f, p, r))
    if not rings:
        return [[[] for _ in feature] for feature in features]
    sizes = np.array([len(r) for r in rings])
    coords = np.vstack(rings)
    labels, _ = vertex_labels(coords)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    ring_labels = [labels[s:s + n] for s, n in zip(starts, sizes, strict=True)]
    nodes = _nodes(ring_labels, len(coords))
    pieces = [_chains(lab, nodes) for lab in ring_labels]
    keep_all: set[tuple[int, ...]] = set()
    for _ in range(VALIDITY_ROUNDS):
        cache: dict[tuple[int, ...], np.ndarray] = {}
        out = _assemble(features, rings, ring_labels, owner, pieces, coords, labels, tolerance,
                        keep_all, cache)
        if is_valid is None and find_conflicts is None:
            return out
        bad = [f for f, feature in enumerate(out) if is_valid is not None
               and not is_valid(feature)]
        if find_conflicts is not None:
            bad += [int(f) for f in find_conflicts(out)]
        if not bad:
            return out
        bad_set = set(bad)
        for (f, _, _), chains, lab in zip(owner, pieces, ring_labels, strict=True):
            if f in bad_set:
                keep_all.update(_key(tuple(lab[c].tolist())) for c in chains)
    return out


def _nodes(ring_labels: list[np.ndarray], n: int) -> np.ndarray:
    """Labels with other than two distinct neighbours (or repeated within a ring)."""
    a = np.concatenate(ring_labels)
    b = np.concatenate([np.roll(lab, -1) for lab in ring_labels])
    edges = np.unique(np.sort(np.stack([a, b], axis=1), axis=1), axis=0)
    edges = edges[edges[:, 0] != edges[:, 1]]
    degree = np.bincount(edges.ravel(), minlength=n)
    node = degree != 2
    for lab in ring_labels:  # a ring touching itself: the touching vertex is a node
        uniq, counts = np.unique(lab, return_counts=True)
        node[uniq[counts > 1]] = True
    return node


def _chains(lab: np.ndarray, nodes: np.ndarray) -> list[np.ndarray]:
    """Positions in the ring of each chain (closed chain: the whole ring + its start)."""
    n = len(lab)
    at = np.flatnonzero(nodes[lab])
    if len(at) == 0:
        start = int(np.argmin(lab))
        order = (np.arange(n + 1) + start) % n
        return [order]
    chains = []
    for k, s in enumerate(at):
        e = at[(k + 1) % len(at)]
        length = (e - s) % n or n
        chains.append((np.arange(length + 1) + s) % n)
    return chains


def _key(seq: tuple[int, ...]) -> tuple[int, ...]:
    rev = seq[::-1]
    if seq[0] == seq[-1]:  # closed chain: start at the smallest label, smaller direction
        body = seq[:-1]
        i = body.index(min(body))
        fwd = body[i:] + body[:i]
        bwd = tuple(reversed(body[i + 1:] + body[:i + 1]))
        best = min(fwd, bwd)
        return (*best, best[0])
    return min(seq, rev)


def _assemble(features, rings, ring_labels, owner, pieces, coords, labels, tolerance,
              keep_all, cache) -> list[Feature]:
    out: list[Feature] = [[[None] * len(polygon) for polygon in feature] for feature in features]
    first = _first_positions(labels)
    for ring, lab, (f, p, r), chains in zip(rings, ring_labels, owner, pieces, strict=True):
        protect = len(chains) <= 2
        parts = []
        for positions in chains:
            seq = tuple(lab[positions].tolist())
            key = _key(seq)
            if key not in cache:
                canonical = ring[positions] if seq == key else coords[first[list(key)]]
                tol = 0.0 if key in keep_all else tolerance
                cache[key] = canonical[_douglas_peucker(canonical, tol, protect)]
            simplified = cache[key]
            original = ring[positions]
            if seq != key or (original[0] == original[-1]).all():
                simplified = _orient(simplified, original)
            parts.append(simplified if not parts else simplified[1:])
        joined = np.vstack(parts)
        if not (joined[0] == joined[-1]).all():
            joined = np.vstack([joined, joined[:1]])
        if len(joined) < 4:
            joined = np.vstack([ring, ring[:1]])
        out[f][p][r] = joined
    return out


def _first_positions(labels: np.ndarray) -> np.ndarray:
    """Position of the first vertex with each label."""
    first = np.zeros(labels.max() + 1, dtype=np.int64)
    first[labels[::-1]] = np.arange(len(labels))[::-1]
    return first


def _orient(simplified: np.ndarray, original: np.ndarray) -> np.ndarray:
    """The simplified chain in the direction of ``original``.

    An open chain is the canonical one reversed; a closed chain (a ring without nodes,
    e.g. an island and the hole around it) keeps the ring's orientation.
    """
    if not (original[0] == original[-1]).all():
        return simplified[::-1]
    body = simplified[:-1]
    if _signed_area(body) * _signed_area(original[:-1]) < 0:
        body = body[::-1]
    return np.vstack([body, body[:1]])


def _signed_area(ring: np.ndarray) -> float:
    x, y = ring[:, 0], ring[:, 1]
    return float(np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y))


def _douglas_peucker(points: np.ndarray, tolerance: float, protect: bool) -> np.ndarray:
    """Indices kept by Douglas-Peucker; a closed or protected chain keeps its two
    farthest interior vertices, so that no ring collapses."""
    n = len(points)
    if n <= 2 or tolerance <= 0:
        return np.arange(n)
    keep = np.zeros(n, dtype=bool)
    keep[0] = keep[-1] = True
    closed = (points[0] == points[-1]).all()
    if closed or protect:
        d = np.hypot(*(points[1:-1] - points[0]).T)
        far = int(np.argmax(d)) + 1
        keep[far] = True
        if closed:  # a third vertex: the farthest from either half's chord
            candidates = [_max_distance(points, 0, far), _max_distance(points, far, n - 1)]
            i, _ = max(candidates, key=lambda c: c[1])
            if i is not None:
                keep[i] = True
    stack = [(0, n - 1)]
    while stack:
        a, b = stack.pop()
        # split where already kept
        inner = np.flatnonzero(keep[a + 1:b]) + a + 1
        if len(inner):
            bounds = [a, *inner.tolist(), b]
            stack.extend(pairwise(bounds))
            continue
        i, dist = _max_distance(points, a, b)
        if i is not None and dist > tolerance:
            keep[i] = True
            stack.extend([(a, i), (i, b)])
    return np.flatnonzero(keep)


def _distances(points: np.ndarray, a: int, b: int) -> np.ndarray:
    if b - a < 2:
        return np.zeros(0)
    p, q = points[a], points[b]
    seg = q - p
    inner = points[a + 1:b] - p
    length = math.hypot(*seg)
    if length == 0:
        return np.hypot(inner[:, 0], inner[:, 1])
    return np.abs(seg[0] * inner[:, 1] - seg[1] * inner[:, 0]) / length


def _max_distance(points: np.ndarray, a: int, b: int) -> tuple[int | None, float]:
    d = _distances(points, a, b)
    if len(d) == 0:
        return None, 0.0
    k = int(np.argmax(d))
    return a + 1 + k, float(d[k])
