"""Queen and rook contiguity from flat coordinate arrays (numpy + scipy only).

Both front doors describe their polygons the same way, so both get the same weights:

``coords``
    ``(m, 2)`` float array of all ring vertices, ring after ring, each ring's vertices
    consecutive and in boundary order; rings may be closed (last vertex repeats the
    first) or open.
``ring_index``
    ``(m,)`` int array: the ring of each vertex (``shapely.get_coordinates(rings,
    return_index=True)`` gives exactly this). A ring is a run of equal consecutive
    values.
``area_of_ring``
    ``(r,)`` int array: the area (row of the weights, ``0 .. n-1``) of each ring; a
    multipolygon with holes simply has several rings with the same area. ``None``
    means ``ring_index`` already is the area index (one ring per area, or queen only).

Definitions (``t`` = ``tolerance`` in coordinate units, metres in a projected CRS):

- **queen**: areas i and j are neighbours iff some vertex of i and some vertex of j
  are at Euclidean distance ``<= t``. With ``t = 0`` that means identical coordinates
  (``-0.0`` equals ``0.0``), exactly the vertex rule of libpysal and GeoDa.
- **rook**: i and j are neighbours iff an edge ``(a1, a2)`` of i and an edge
  ``(b1, b2)`` of j match: ``|a1 - b1| <= t`` and ``|a2 - b2| <= t``, in either
  orientation. An edge is a pair of consecutive distinct vertices of one ring,
  including the closing edge of an open ring; the direction does not matter.

What the tolerance guarantees, and what not:

- Every pair of vertices of different areas closer than or equal to ``t`` (distance as
  computed in float64 by :class:`scipy.spatial.cKDTree`) is found; nothing is
  quantised to a grid, so there are no grid-cell edge effects.
- The relation is **not transitive**: vertices a, b, c with ``|a-b| <= t`` and
  ``|b-c| <= t`` do not make ``a`` and ``c`` shared. A densely digitised boundary
  therefore never "chains" into one big shared point, and areas far apart never
  become neighbours however many vertices lie between them.
- ``rook ⊆ queen`` for every ``t``; ``t = 0`` gives the exact vertex rule.
- Only vertex-to-vertex distances count: a vertex lying on (or near) the middle of a
  neighbour's edge (a T-junction) is not a shared point. At the scale of ``t``, a point
  contact between two short edges (shorter than ``t``) can look like a shared edge.

Example:
    >>> import numpy as np
    >>> sq = np.array([[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]], dtype=float)
    >>> coords = np.vstack([sq, sq + [1, 0], sq + [2, 1]])  # B right of A, C touches B's corner
    >>> ring = np.repeat([0, 1, 2], 5)
    >>> queen_weights(coords, ring, n=3).sparse.toarray().astype(int).tolist()
    [[0, 1, 0], [1, 0, 1], [0, 1, 0]]
    >>> rook_weights(coords, ring, n=3).cardinalities.tolist()
    [1, 1, 0]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse

from geosozial.kernel.weights import Weights, WeightsError

__all__ = ["contiguity_weights", "index_from_counts", "queen_weights", "rook_weights",
           "vertex_labels"]


def index_from_counts(counts: Sequence[int] | np.ndarray) -> np.ndarray:
    """Turn counts per item into an index per element: ``[2, 3] -> [0, 0, 1, 1, 1]``.

    Handy for the QGIS path, which knows how many vertices each ring has and how many
    rings each feature has.

    Example:
        >>> index_from_counts([2, 0, 3]).tolist()
        [0, 0, 2, 2, 2]
    """
    counts = np.asarray(counts, dtype=np.int64)
    return np.repeat(np.arange(len(counts), dtype=np.int64), counts)


def vertex_labels(coords: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Label identical coordinates: ``(label per vertex, unique coordinates)``.

    Coordinates are compared by their bit patterns. They are sorted by one 64-bit key
    mixed from both patterns (a single sort, several times faster than a lexicographic
    sort of the two columns); when two different coordinates share a key (a collision,
    about one in 10^9 for 10^5 vertices) the lexicographic sort is used instead, so
    the labels are always exact. Labels are ``0 .. u-1`` in the order of the sort; the
    same coordinates always give the same labels.

    Example:
        >>> labels, unique = vertex_labels(np.array([[1.0, 2.0], [0.0, 0.0], [1.0, 2.0]]))
        >>> labels[0] == labels[2] != labels[1], len(unique)
        (np.True_, 2)
    """
    c = np.ascontiguousarray(coords, dtype=np.float64) + 0.0  # -0.0 becomes 0.0
    if len(c) == 0:
        return np.zeros(0, dtype=np.int64), c.reshape(0, 2)
    bx, by, key = _bits(c)
    order = np.argsort(key)
    new = np.empty(len(c), dtype=bool)
    new[0] = True

    def mark(order: np.ndarray) -> None:  # a new label where the coordinates change
        sx, sy = bx[order], by[order]
        np.not_equal(sx[1:], sx[:-1], out=new[1:])
        new[1:] |= sy[1:] != sy[:-1]

    mark(order)
    sorted_key = key[order]
    if (new[1:] & (sorted_key[1:] == sorted_key[:-1])).any():  # a collision: be exact
        order = np.lexsort((by, bx))
        mark(order)
    labels = np.empty(len(c), dtype=np.int64)
    labels[order] = np.cumsum(new) - 1
    return labels, c[order[new]]


def contiguity_weights(
    coords: np.ndarray,
    ring_index: np.ndarray,
    area_of_ring: np.ndarray | None = None,
    n: int | None = None,
    *,
    rook: bool = False,
    tolerance: float = 0.0,
    ids: Sequence[str] | None = None,
) -> Weights:
    """Queen (default) or rook contiguity; see the module docstring for the rules.

    ``n`` is the number of areas (areas without any vertex become islands); by default
    the largest area index + 1. Returns binary :class:`Weights` of kind ``queen`` or
    ``rook``; a positive tolerance is recorded in ``meta["tolerance"]``.

    Example:
        >>> sq = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], dtype=float)  # open rings
        >>> w = contiguity_weights(np.vstack([sq, sq + [1.05, 0]]), np.repeat([0, 1], 4),
        ...                        rook=True, tolerance=0.1)
        >>> w.cardinalities.tolist(), w.meta
        ([1, 1], {'tolerance': '0.1'})
    """
    coords, ring, area = _validate(coords, ring_index, area_of_ring)
    if n is None:
        n = int(area.max()) + 1 if len(area) else 0
    if len(area) and (area.min() < 0 or area.max() >= n):
        raise WeightsError(f"area indices must lie in 0..{n - 1}")
    tolerance = float(tolerance)
    if not tolerance >= 0:
        raise WeightsError(f"tolerance must be >= 0, got {tolerance}")
    if ids is not None:
        ids = tuple(map(str, ids))
    m = None
    if tolerance == 0:  # exact rule: one sort of hashed vertices or edges, checked exactly
        m = _rook_exact(coords, ring, area, n) if rook else _queen_exact(coords, area, n)
    if m is None:
        labels, unique = vertex_labels(coords)
        near = _near_matrix(unique, tolerance) if tolerance > 0 else None
        if rook:
            m = _rook_matrix(labels, ring, area, n, len(unique), near)
        else:
            m = _queen_matrix(labels, area, n, len(unique), near)
    meta = {"tolerance": f"{tolerance:g}"} if tolerance > 0 else {}
    return Weights(m, kind="rook" if rook else "queen", transform="B", ids=ids, meta=meta)


def queen_weights(coords: np.ndarray, ring_index: np.ndarray,
                  area_of_ring: np.ndarray | None = None, n: int | None = None, *,
                  tolerance: float = 0.0, ids: Sequence[str] | None = None) -> Weights:
    """Queen contiguity: neighbours share at least one vertex (within ``tolerance``).

    Example:
        >>> tri = np.array([[0, 0], [1, 0], [0, 1]], dtype=float)
        >>> queen_weights(np.vstack([tri, -tri]), np.repeat([0, 1], 3)).cardinalities.tolist()
        [1, 1]
    """
    return contiguity_weights(coords, ring_index, area_of_ring, n, rook=False,
                              tolerance=tolerance, ids=ids)


def rook_weights(coords: np.ndarray, ring_index: np.ndarray,
                 area_of_ring: np.ndarray | None = None, n: int | None = None, *,
                 tolerance: float = 0.0, ids: Sequence[str] | None = None) -> Weights:
    """Rook contiguity: neighbours share at least one edge (within ``tolerance``).

    Example:
        >>> tri = np.array([[0, 0], [1, 0], [0, 1]], dtype=float)
        >>> rook_weights(np.vstack([tri, -tri]), np.repeat([0, 1], 3)).cardinalities.tolist()
        [0, 0]
    """
    return contiguity_weights(coords, ring_index, area_of_ring, n, rook=True,
                              tolerance=tolerance, ids=ids)


def _validate(coords: np.ndarray, ring_index: np.ndarray, area_of_ring: np.ndarray | None):
    coords = np.asarray(coords, dtype=np.float64)
    if coords.ndim != 2 or coords.shape[1] < 2:
        raise WeightsError(f"coords must be an (m, 2) array, got shape {coords.shape}")
    coords = coords[:, :2]
    ring = np.asarray(ring_index, dtype=np.int64).ravel()
    if len(ring) != len(coords):
        raise WeightsError(f"{len(ring)} ring indices for {len(coords)} vertices")
    if not np.isfinite(coords).all():
        raise WeightsError("coords contain NaN or infinite values")
    if area_of_ring is None:
        area = ring
    else:
        area_of_ring = np.asarray(area_of_ring, dtype=np.int64).ravel()
        if len(ring) and (ring.min() < 0 or ring.max() >= len(area_of_ring)):
            raise WeightsError(f"ring indices must lie in 0..{len(area_of_ring) - 1}")
        area = area_of_ring[ring]
    return coords, ring, area


_MIX = np.int64(-7046029254386353131)


def _bits(coords: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The bit patterns of x and y (``-0.0`` as ``0.0``) and one 64-bit key mixed from
    both (as :func:`vertex_labels`)."""
    c = np.ascontiguousarray(coords, dtype=np.float64) + 0.0
    bits = c.view(np.int64)
    bx, by = np.ascontiguousarray(bits[:, 0]), np.ascontiguousarray(bits[:, 1])
    with np.errstate(over="ignore"):
        key = (bx * _MIX) ^ by
    return bx, by, key


def _queen_exact(coords: np.ndarray, area: np.ndarray, n: int) -> sparse.csr_array | None:
    """Queen with ``t = 0`` from one sort of the vertices by their mixed key: areas whose
    vertices share a key pair up. Equal keys of different coordinates (a collision) give
    None, and the caller takes the lexicographic way of :func:`vertex_labels`."""
    if len(coords) == 0:
        return sparse.csr_array((n, n))
    bx, by, key = _bits(coords)
    order = np.argsort(key)
    sk = key[order]
    same = np.flatnonzero(sk[1:] == sk[:-1])  # the second of two equal keys: i + 1
    first, second = order[same], order[same + 1]
    if ((bx[first] != bx[second]) | (by[first] != by[second])).any():
        return None
    new = np.ones(len(sk), dtype=bool)
    new[same + 1] = False
    return _group_pairs(np.cumsum(new), area[order], n)


def _rook_exact(coords: np.ndarray, ring: np.ndarray, area: np.ndarray, n: int
                ) -> sparse.csr_array | None:
    """Rook with ``t = 0`` from one sort of the edges by a key mixed from the keys of both
    ends (either direction); the ends of edges with equal keys are compared exactly, and
    a collision gives None (the caller takes the labelled way)."""
    m = len(coords)
    if m == 0:
        return sparse.csr_array((n, n))
    bx, by, key = _bits(coords)
    inner = np.flatnonzero(ring[1:] == ring[:-1])
    starts = np.flatnonzero(np.r_[True, ring[1:] != ring[:-1]])
    ends = np.r_[starts[1:], m] - 1
    a = np.concatenate([inner, ends])
    b = np.concatenate([inner + 1, starts])  # the closing edge, last -> first
    ka, kb = key[a], key[b]
    distinct = (bx[a] != bx[b]) | (by[a] != by[b])  # repeated vertices make no edge
    a, b, ka, kb = a[distinct], b[distinct], ka[distinct], kb[distinct]
    swap = ka > kb
    lo = np.where(swap, b, a)
    klo, khi = np.where(swap, kb, ka), np.where(swap, ka, kb)
    hi = a + b - lo
    with np.errstate(over="ignore"):
        edge = (klo * _MIX) ^ (khi + (khi >> 17))
    order = np.argsort(edge)
    se = edge[order]
    same = np.flatnonzero(se[1:] == se[:-1])  # the second of two equal keys: i + 1
    lo, hi = lo[order], hi[order]
    first, second = lo[same], lo[same + 1]
    if ((bx[first] != bx[second]) | (by[first] != by[second])).any():
        return None
    first, second = hi[same], hi[same + 1]
    if ((bx[first] != bx[second]) | (by[first] != by[second])).any():
        return None
    new = np.ones(len(se), dtype=bool)
    new[same + 1] = False
    return _group_pairs(np.cumsum(new), area[lo], n)


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """``np.unique`` by sorting (numpy 2's hash-based unique is slower for int64 keys)."""
    v = np.sort(values)
    return v[np.r_[True, v[1:] != v[:-1]]] if len(v) else v


def _inverse(values: np.ndarray) -> tuple[int, np.ndarray]:
    """Number of distinct values and the rank of each value among them."""
    if len(values) == 0:
        return 0, np.zeros(0, dtype=np.int64)
    order = np.argsort(values, kind="stable")
    v = values[order]
    new = np.r_[True, v[1:] != v[:-1]]
    inverse = np.empty(len(v), dtype=np.int64)
    inverse[order] = np.cumsum(new) - 1
    return int(new.sum()), inverse


def _near_matrix(unique: np.ndarray, tolerance: float) -> sparse.csr_array:
    """Boolean u × u matrix: identity plus all pairs of unique vertices within tolerance."""
    from scipy.spatial import cKDTree  # lazy: scipy.spatial is slow to import

    u = len(unique)
    pairs = cKDTree(unique).query_pairs(tolerance, output_type="ndarray")
    i = np.concatenate([np.arange(u), pairs[:, 0], pairs[:, 1]])
    j = np.concatenate([np.arange(u), pairs[:, 1], pairs[:, 0]])
    return sparse.csr_array((np.ones(len(i)), (i, j)), shape=(u, u))


def _incidence(rows: np.ndarray, cols: np.ndarray, shape: tuple[int, int]) -> sparse.csr_array:
    m = sparse.csr_array((np.ones(len(rows)), (rows, cols)), shape=shape)
    m.sum_duplicates()
    return m


def _adjacency(product: sparse.csr_array | sparse.csc_array) -> sparse.csr_array:
    """Binary off-diagonal pattern of a symmetric area × area product."""
    coo = sparse.coo_array(product)
    keep = (coo.row != coo.col) & (coo.data != 0)
    n = product.shape[0]
    return sparse.csr_array((np.ones(int(keep.sum())), (coo.row[keep], coo.col[keep])),
                            shape=(n, n))


def _group_pairs(group: np.ndarray, member: np.ndarray, n: int) -> sparse.csr_array:
    """Binary n × n matrix of all pairs of different members that share a group.

    ``group`` is sorted. Members ``d`` places apart pair up where their group is the
    same, for ``d = 1, 2, ...`` until no group is that large: the same pattern as
    ``A @ A.T`` off the diagonal, with sorted indices, without a sparse product.
    """
    if not len(group):
        return sparse.csr_array((n, n))
    pairs = []
    d = 1
    while d < len(group):
        same = group[d:] == group[:-d]
        if not same.any():
            break
        a, b = member[:-d][same], member[d:][same]
        keep = a != b
        a, b = a[keep], b[keep]
        pairs.append(np.minimum(a, b) * n + np.maximum(a, b))  # one direction
        d += 1
    if not pairs:
        return sparse.csr_array((n, n))
    pair = _sorted_unique(np.concatenate(pairs))
    lo, hi = pair // n, pair % n
    indptr = np.r_[0, np.cumsum(np.bincount(lo, minlength=n))]
    upper = sparse.csr_array((np.ones(len(hi)), hi, indptr), shape=(n, n))
    both = upper + sparse.csr_array(upper.T)  # disjoint: every entry stays 1
    both.sort_indices()
    return both


def _queen_matrix(labels: np.ndarray, area: np.ndarray, n: int, u: int,
                  near: sparse.csr_array | None) -> sparse.csr_array:
    if near is None:
        # only vertices used by two or more areas matter; their areas pair up directly
        key = _sorted_unique(labels * n + area)
        lab = key // n
        keep = np.bincount(lab, minlength=u)[lab] > 1
        return _group_pairs(lab[keep], key[keep] % n, n)
    a = _incidence(area, labels, (n, u))
    return _adjacency(a @ near @ a.T)


def _edges(labels: np.ndarray, ring: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Edges as (first label, second label, vertex position of the edge start)."""
    m = len(labels)
    if m == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    inner = np.flatnonzero(ring[1:] == ring[:-1])
    starts = np.flatnonzero(np.r_[True, ring[1:] != ring[:-1]])
    ends = np.r_[starts[1:], m] - 1
    pos = np.concatenate([inner, ends])
    a = np.concatenate([labels[inner], labels[ends]])
    b = np.concatenate([labels[inner + 1], labels[starts]])  # closing edge last -> first
    keep = a != b  # repeated vertices and the closing edge of closed rings
    return a[keep], b[keep], pos[keep]


def _rook_matrix(labels: np.ndarray, ring: np.ndarray, area: np.ndarray, n: int, u: int,
                 near: sparse.csr_array | None) -> sparse.csr_array:
    a, b, pos = _edges(labels, ring)
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    edge_area = area[pos]
    if near is None:
        _, edge_ix = _inverse(lo * u + hi)
        key = _sorted_unique(edge_ix * n + edge_area)  # one entry per (edge, area)
        return _group_pairs(key // n, key % n, n)
    # one row per distinct (area, edge); an edge e matches f if both ends are near
    key = _sorted_unique((edge_area * u + lo) * u + hi) if u * u * n < 2**62 else None
    if key is not None:
        edge_area, rest = key // (u * u), key % (u * u)
        lo, hi = rest // u, rest % u
    e = len(lo)
    ends_lo = _incidence(np.arange(e), lo, (e, u))
    ends_hi = _incidence(np.arange(e), hi, (e, u))
    near_lo, near_hi = ends_lo @ near, ends_hi @ near
    same = (near_lo @ ends_lo.T).multiply(near_hi @ ends_hi.T)
    crossed = (near_lo @ ends_hi.T).multiply(near_hi @ ends_lo.T)
    match = sparse.csr_array(same + crossed)
    inc = _incidence(edge_area, np.arange(e), (n, e))
    return _adjacency(inc @ match @ inc.T)
