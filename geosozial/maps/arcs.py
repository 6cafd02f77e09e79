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
from dataclasses import dataclass

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
    :func:`geosozial.maps.crossings.conflicting_features`); those features are simplified
    again with a smaller tolerance (:meth:`ArcCoverage.repaired`).

    Example:
        >>> sq = [[np.array([[0, 0], [1, 0], [1, 1], [0, 1]], dtype=float)]]
        >>> len(simplify_coverage([sq], 5.0)[0][0][0])  # never below a closed triangle
        4
    """
    coverage = ArcCoverage.from_features(features)
    if is_valid is None and find_conflicts is None:
        return coverage.features(coverage.keep(tolerance))

    def broken(out: list[Feature]) -> Sequence[int]:
        bad = {f for f, feature in enumerate(out) if is_valid is not None
               and feature and not is_valid(feature)}
        if find_conflicts is not None:
            bad.update(int(f) for f in find_conflicts(out))
        return sorted(bad)

    keep, _ = coverage.repaired(tolerance, broken)
    return coverage.features(keep)


@dataclass(frozen=True, eq=False)
class ArcCoverage:
    """A polygon coverage cut into shared arcs, each vertex ranked once by Douglas-Peucker.

    Built once (:meth:`from_features`); :meth:`keep` then gives the vertices kept at any
    tolerance without simplifying again: a vertex is kept at tolerance ``t`` exactly when
    Douglas-Peucker with ``t`` keeps it, i.e. when its *importance* (its distance from the
    chord when its segment was split, capped by the importance of the vertices that
    split before it) exceeds ``t``. Importance belongs to a vertex's coordinates, so the
    neighbours' copies of a shared boundary are kept or dropped together. Nodes (where
    boundaries meet) are always kept, and so are the farthest vertices that stop a ring
    of one or two arcs from collapsing.

    Example:
        >>> a = [[np.array([[0, 0], [1, 0.01], [2, 0], [2, 2], [0, 2]], dtype=float)]]
        >>> b = [[np.array([[2, 0], [4, 0], [4, 2], [2, 2]], dtype=float)]]
        >>> cov = ArcCoverage.from_features([a, b])
        >>> int(cov.keep(0.1).sum()), int(cov.keep(0.001).sum())
        (8, 9)
    """

    #: every ring's vertices (rings open), one ring after the other
    coords: np.ndarray
    #: first vertex of each ring, plus the end
    ring_starts: np.ndarray
    #: (feature, polygon, ring) of each ring
    ring_owner: np.ndarray
    #: rings per polygon of each feature
    shape: tuple[tuple[int, ...], ...]
    #: label of each vertex (equal coordinates, equal label)
    labels: np.ndarray
    #: importance of each label (inf: always kept)
    importance: np.ndarray

    @classmethod
    def from_features(cls, features: Sequence[Feature]) -> ArcCoverage:
        """Cut ``features`` (a coverage in a projected CRS) into arcs and rank them.

        Example:
            >>> sq = [[np.array([[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]], dtype=float)]]
            >>> ArcCoverage.from_features([sq]).coords.shape
            (4, 2)
        """
        rings, owner, shape = [], [], []
        for f, feature in enumerate(features):
            shape.append(tuple(len(polygon) for polygon in feature or []))
            for p, polygon in enumerate(feature or []):
                for r, ring in enumerate(polygon):
                    ring = np.asarray(ring, dtype=float).reshape(-1, 2)
                    if len(ring) > 1 and (ring[0] == ring[-1]).all():
                        ring = ring[:-1]
                    rings.append(ring)
                    owner.append((f, p, r))
        sizes = np.array([len(r) for r in rings], dtype=np.int64)
        starts = np.zeros(len(rings) + 1, dtype=np.int64)
        np.cumsum(sizes, out=starts[1:])
        coords = np.vstack(rings) if rings else np.zeros((0, 2))
        labels, unique = vertex_labels(coords)
        importance = np.full(len(unique), np.inf)
        if len(coords):
            _rank(coords, starts, labels, len(unique), importance)
        return cls(coords, starts, np.array(owner, dtype=np.int64).reshape(-1, 3),
                   tuple(shape), labels, importance)

    @property
    def ring_of_vertex(self) -> np.ndarray:
        """The ring of each vertex."""
        return np.repeat(np.arange(len(self.ring_starts) - 1), np.diff(self.ring_starts))

    def keep(self, tolerance: float, local: np.ndarray | None = None) -> np.ndarray:
        """Which vertices stay at ``tolerance``; ``local`` (one tolerance per feature, at
        most ``tolerance``) lowers it for some features, and a vertex shared by several
        features takes the smallest of theirs, so neighbours stay identical. A ring left
        with fewer than three vertices keeps all of its own.

        Example:
            >>> sq = [[np.array([[0, 0], [1, 0], [1, 1], [0, 1]], dtype=float)]]
            >>> int(ArcCoverage.from_features([sq]).keep(5.0).sum())  # a triangle stays
            3
        """
        if tolerance <= 0:
            return np.ones(len(self.coords), dtype=bool)
        ring = self.ring_of_vertex
        limit = np.full(len(self.importance), float(tolerance))
        if local is not None and len(self.coords):
            own = np.minimum(np.asarray(local, dtype=float)[self.ring_owner[ring, 0]],
                             tolerance)
            np.minimum.at(limit, self.labels, own)
        keep = self.importance[self.labels] > limit[self.labels]
        kept = np.bincount(ring[keep], minlength=len(self.ring_owner))
        small = kept < 3
        if small.any():
            fixed = np.zeros(len(self.importance), dtype=bool)
            fixed[self.labels[small[ring]]] = True
            keep |= fixed[self.labels]
        return keep

    def repaired(self, tolerance: float,
                 broken: Callable[[list[Feature]], Sequence[int]],
                 skip: Sequence[int] = ()) -> tuple[np.ndarray, np.ndarray]:
        """Kept vertices at ``tolerance`` where the features ``broken`` names (apart from
        ``skip``, e.g. those broken before simplifying) are simplified again with a
        quarter of their tolerance, round by round, the last round keeping all their
        vertices; and the features still broken.

        Example:
            >>> sq = [[np.array([[0, 0], [1, 0], [1, 1], [0, 1]], dtype=float)]]
            >>> keep, bad = ArcCoverage.from_features([sq]).repaired(5.0, lambda f: [])
            >>> int(keep.sum()), bad.tolist()
            (3, [])
        """
        local = np.full(len(self.shape), float(tolerance))
        keep = self.keep(tolerance)
        bad = np.asarray(broken(self.features(keep)), dtype=np.int64)
        skip = np.asarray(skip, dtype=np.int64)
        for round_ in range(1, VALIDITY_ROUNDS + 1):
            fresh = np.setdiff1d(bad, skip)
            fresh = fresh[local[fresh] > 0]
            if not len(fresh) or tolerance <= 0:
                break
            local[fresh] = 0.0 if round_ == VALIDITY_ROUNDS else local[fresh] / 4
            keep = self.keep(tolerance, local)
            bad = np.asarray(broken(self.features(keep)), dtype=np.int64)
        return keep, bad

    def features(self, keep: np.ndarray) -> list[Feature]:
        """The features with the vertices of ``keep``, rings closed.

        Example:
            >>> sq = [[np.array([[0, 0], [1, 0], [1, 1], [0, 1]], dtype=float)]]
            >>> cov = ArcCoverage.from_features([sq])
            >>> cov.features(cov.keep(0))[0][0][0].shape
            (5, 2)
        """
        out: list[Feature] = [[[None] * n for n in polygons] for polygons in self.shape]
        for k, (f, p, r) in enumerate(self.ring_owner.tolist()):
            s, e = self.ring_starts[k], self.ring_starts[k + 1]
            ring = self.coords[s:e][keep[s:e]]
            out[f][p][r] = np.vstack([ring, ring[:1]]) if len(ring) else ring
        return out


def _rank(coords: np.ndarray, starts: np.ndarray, labels: np.ndarray, n_labels: int,
          importance: np.ndarray) -> None:
    """Fill ``importance`` (per label) for every vertex inside an arc."""
    n = len(coords)
    ring = np.repeat(np.arange(len(starts) - 1), np.diff(starts))
    size = np.diff(starts)[ring]
    pos = np.arange(n) - starts[ring]
    nxt = starts[ring] + (pos + 1) % size
    node = _node_labels(labels, labels[nxt], ring, n_labels)
    # arcs: from each node of a ring to the next one; a ring without nodes is one
    # closed arc from its smallest label
    is_node = node[labels]
    has_node = np.bincount(ring[is_node], minlength=len(starts) - 1) > 0
    first_free = np.full(len(starts) - 1, -1, dtype=np.int64)
    free = np.flatnonzero(~has_node[ring])
    if len(free):
        order = np.lexsort((labels[free], ring[free]))
        pick = free[order]
        head = np.r_[True, ring[pick][1:] != ring[pick][:-1]]
        first_free[ring[pick][head]] = pick[head]
    start = np.flatnonzero(is_node)
    start = np.sort(np.concatenate([start, first_free[first_free >= 0]]))
    arc_ring = ring[start]
    same = np.r_[arc_ring[1:] == arc_ring[:-1], False]
    ring_first = np.r_[True, arc_ring[1:] != arc_ring[:-1]]
    first_of = np.maximum.accumulate(np.where(ring_first, np.arange(len(start)), 0))
    following = np.where(same, np.r_[start[1:], 0], start[first_of])
    ring_size = np.diff(starts)[arc_ring]
    length = (following - start) % ring_size
    length[length == 0] = ring_size[length == 0]
    per_ring = np.bincount(arc_ring, minlength=len(starts) - 1)
    protect = per_ring[arc_ring] <= 2
    interior = length >= 2
    start, length, protect, arc_ring = (start[interior], length[interior], protect[interior],
                                        arc_ring[interior])
    if not len(start):
        return
    # positions of each arc's vertices along its ring
    rep = length + 1
    offsets = np.arange(rep.sum()) - np.repeat(np.cumsum(rep) - rep, rep)
    rs, rsz = starts[arc_ring], np.diff(starts)[arc_ring]
    positions = rs.repeat(rep) + ((start - rs).repeat(rep) + offsets) % rsz.repeat(rep)
    arc_first = np.concatenate([[0], np.cumsum(length + 1)[:-1]])
    arc_last = arc_first + length
    lab = labels[positions]
    # one copy of each arc (the arc of its smallest inner label), in canonical direction
    inner_mask = np.ones(len(positions), dtype=bool)
    inner_mask[arc_first] = inner_mask[arc_last] = False
    arc_of = np.repeat(np.arange(len(start)), length + 1)
    ident = np.full(len(start), np.iinfo(np.int64).max)
    np.minimum.at(ident, arc_of[inner_mask], lab[inner_mask])
    prot = np.zeros(n_labels, dtype=bool)
    np.logical_or.at(prot, ident, protect)  # protected if any ring of the arc needs it
    _, chosen = np.unique(ident, return_index=True)
    a0, a1 = lab[arc_first[chosen]], lab[arc_last[chosen]]
    second, before_last = lab[arc_first[chosen] + 1], lab[arc_last[chosen] - 1]
    backward = (a1 < a0) | ((a1 == a0) & (before_last < second))
    pieces = []
    for c, back in zip(chosen.tolist(), backward.tolist(), strict=True):
        seq = positions[arc_first[c]:arc_last[c] + 1]
        pieces.append(seq[::-1] if back else seq)
    sizes = np.array([len(s) for s in pieces], dtype=np.int64)
    flat = np.concatenate(pieces)
    points = coords[flat]
    first = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    last = first + sizes - 1
    closed = labels[flat[first]] == labels[flat[last]]
    protected = prot[ident[chosen]] | closed
    rank = np.full(len(flat), np.inf)
    inner = np.ones(len(flat), dtype=bool)
    inner[first] = inner[last] = False
    # the farthest vertex from the start of a protected or closed arc stays
    far = _farthest_from_start(points, first, last, protected)
    kept = np.zeros(len(flat), dtype=bool)
    kept[first] = kept[last] = True
    kept[far] = True
    # a closed arc also keeps the farthest vertex from either half's chord
    cf, cfar, clast = first[closed], far[closed], last[closed]
    if len(cf):
        seg_a = np.concatenate([cf, cfar])
        seg_b = np.concatenate([cfar, clast])
        idx, dist = _segment_max(points, seg_a, seg_b)
        half = len(cf)
        left_i, right_i = idx[:half], idx[half:]
        left_d, right_d = dist[:half], dist[half:]
        third = np.where(right_d > left_d, right_i, left_i)
        kept[third[third >= 0]] = True
    # Douglas-Peucker on every segment between kept vertices, all arcs at once
    at = np.flatnonzero(kept)
    seg_a, seg_b = at[:-1], at[1:]
    parent = np.full(len(seg_a), np.inf)
    while len(seg_a):
        wide = seg_b - seg_a >= 2
        seg_a, seg_b, parent = seg_a[wide], seg_b[wide], parent[wide]
        if not len(seg_a):
            break
        idx, dist = _segment_max(points, seg_a, seg_b)
        value = np.minimum(dist, parent)
        rank[idx] = value
        seg_a, seg_b, parent = (np.concatenate([seg_a, idx]), np.concatenate([idx, seg_b]),
                                np.concatenate([value, value]))
    rank[kept] = np.inf
    importance[labels[flat[inner]]] = rank[inner]


def _node_labels(a: np.ndarray, b: np.ndarray, ring: np.ndarray, n: int) -> np.ndarray:
    """Labels with other than two distinct neighbours, or repeated within a ring."""
    edges = np.unique(np.sort(np.stack([a, b], axis=1), axis=1), axis=0)
    edges = edges[edges[:, 0] != edges[:, 1]]
    degree = np.bincount(edges.ravel(), minlength=n)
    node = degree != 2
    pairs, counts = np.unique(np.stack([ring, a], axis=1), axis=0, return_counts=True)
    node[pairs[counts > 1, 1]] = True
    return node


def _farthest_from_start(points: np.ndarray, first: np.ndarray, last: np.ndarray,
                         which: np.ndarray) -> np.ndarray:
    """Per arc, the inner vertex farthest from its first vertex (for ``which`` arcs;
    the first vertex itself otherwise)."""
    out = first.copy()
    sel = np.flatnonzero(which & (last - first >= 2))
    if not len(sel):
        return out
    a, b = first[sel], last[sel]
    lengths = b - a - 1
    seg = np.repeat(np.arange(len(sel)), lengths)
    idx = np.repeat(a + 1, lengths) + np.arange(lengths.sum()) - np.repeat(
        np.cumsum(lengths) - lengths, lengths)
    d = np.hypot(*(points[idx] - points[a][seg]).T)
    out[sel] = _first_max(idx, d, seg, len(sel))[0]
    return out


def _segment_max(points: np.ndarray, a: np.ndarray, b: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Per segment ``(a, b)``: the inner vertex farthest from the chord (the first of
    equals) and its distance; -1 and 0 where there is no inner vertex."""
    lengths = np.maximum(b - a - 1, 0)
    seg = np.repeat(np.arange(len(a)), lengths)
    idx = np.repeat(a + 1, lengths) + np.arange(lengths.sum()) - np.repeat(
        np.cumsum(lengths) - lengths, lengths)
    p, q = points[a][seg], points[b][seg]
    v = q - p
    w = points[idx] - p
    norm = np.hypot(v[:, 0], v[:, 1])
    cross = np.abs(v[:, 0] * w[:, 1] - v[:, 1] * w[:, 0])
    with np.errstate(invalid="ignore", divide="ignore"):
        d = np.where(norm > 0, cross / np.where(norm > 0, norm, 1.0),
                     np.hypot(w[:, 0], w[:, 1]))
    out_i = np.full(len(a), -1, dtype=np.int64)
    out_d = np.zeros(len(a))
    has = lengths > 0
    if has.any():
        i, dist = _first_max(idx, d, seg, len(a))
        out_i[has], out_d[has] = i[has], dist[has]
    return out_i, out_d


def _first_max(idx: np.ndarray, d: np.ndarray, seg: np.ndarray, n: int
               ) -> tuple[np.ndarray, np.ndarray]:
    """Per group ``seg`` (sorted, 0..n-1, possibly empty groups): the first ``idx`` with
    the largest ``d`` and that value."""
    best = np.full(n, -np.inf)
    np.maximum.at(best, seg, d)
    hits = np.flatnonzero(d == best[seg])
    head = hits[np.r_[True, seg[hits][1:] != seg[hits][:-1]]]
    out_i = np.full(n, -1, dtype=np.int64)
    out_i[seg[head]] = idx[head]
    return out_i, np.where(np.isfinite(best), best, 0.0)


def join_edges(a: Sequence[int] | np.ndarray, b: Sequence[int] | np.ndarray
               ) -> list[list[int]]:
    """Edges between vertices ``a[i]`` and ``b[i]`` joined into lines of vertex ids.

    Lines start at vertices where the lines do not simply pass (other than two edges),
    then come the remaining closed loops (ending at their start), each in the order the
    edges are given.

    Example:
        >>> join_edges([0, 1, 2, 5], [1, 2, 3, 6])
        [[0, 1, 2, 3], [5, 6]]
    """
    edges = list(zip(np.asarray(a).tolist(), np.asarray(b).tolist(), strict=True))
    around: dict[int, list[int]] = {}
    for e, (x, y) in enumerate(edges):
        around.setdefault(x, []).append(e)
        around.setdefault(y, []).append(e)
    used = [False] * len(edges)
    lines = []
    starts = [v for v in around if len(around[v]) != 2] + [x for x, _ in edges]
    for start in starts:
        while any(not used[e] for e in around[start]):
            vertex, line = start, [start]
            while True:
                nxt = next((e for e in around[vertex] if not used[e]), None)
                if nxt is None:
                    break
                used[nxt] = True
                x, y = edges[nxt]
                vertex = y if x == vertex else x
                line.append(vertex)
                if vertex == start or len(around[vertex]) != 2:
                    break
            lines.append(line)
    return lines
