"""Distance-based weights from point coordinates: k nearest neighbours and distance band.

Points are an ``(n, 2)`` array in a projected CRS (metres), e.g. centroids or
representative points of the areas; the front doors make sure of the CRS. numpy +
scipy (:class:`scipy.spatial.cKDTree`) only.

Example:
    >>> import numpy as np
    >>> pts = np.array([[0.0, 0.0], [1.0, 0.0], [3.0, 0.0]])
    >>> knn_weights(pts, 1).sparse.toarray().astype(int).tolist()
    [[0, 1, 0], [1, 0, 0], [0, 1, 0]]
    >>> distance_band_weights(pts, 1.5).islands.tolist()
    [2]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from scipy import sparse

from geosozial.kernel.weights import Weights, WeightsError

if TYPE_CHECKING:
    from scipy.spatial import cKDTree

__all__ = ["distance_band_weights", "format_number", "knn_weights"]

_TIE = 1e-12  # relative difference below which two distances count as equal


def format_number(value: float) -> str:
    """A number as it should appear in a weights kind: ``2000``, ``2500.5``.

    Example:
        >>> format_number(2000.0), format_number(0.1), format_number(12345678.0)
        ('2000', '0.1', '12345678')
    """
    return np.format_float_positional(float(value), trim="-")


def _points(points: np.ndarray) -> np.ndarray:
    pts = np.asarray(points, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[1] < 2:
        raise WeightsError(f"points must be an (n, 2) array, got shape {pts.shape}")
    pts = np.ascontiguousarray(pts[:, :2])
    if not np.isfinite(pts).all():
        bad = np.flatnonzero(~np.isfinite(pts).all(axis=1))
        raise WeightsError(f"points {bad[:10].tolist()} have NaN or infinite coordinates")
    return pts


def knn_weights(points: np.ndarray, k: int, *, symmetric: bool = False,
                ids: Sequence[str] | None = None) -> Weights:
    """The ``k`` nearest other points of each point (binary, kind ``knn:k``).

    Row i lists the k nearest points to i; in general j near i does not mean i near j
    (not symmetric). ``symmetric=True`` adds the reverse links (i ~ j if either is
    among the other's k nearest), so some rows get more than k neighbours.

    Ties are resolved deterministically and independently of the tree: all points
    strictly closer than the k-th distance are neighbours, and among points at exactly
    the k-th distance (equal within a relative 1e-12) those with the lowest index fill
    the row. Coincident points are ordinary neighbours at distance 0.

    Example:
        >>> pts = np.array([[0.0, 0.0], [1.0, 0.0], [-1.0, 0.0], [0.0, 5.0]])
        >>> knn_weights(pts, 1).sparse.toarray().astype(int)[0].tolist()  # 1 and 2 tie
        [0, 1, 0, 0]
        >>> knn_weights(pts, 1, symmetric=True).cardinalities.tolist()
        [3, 1, 1, 1]
    """
    pts = _points(points)
    n = len(pts)
    if int(k) != k or k < 1:
        raise WeightsError(f"k must be a positive integer, got {k}")
    k = int(k)
    if k >= n:
        raise WeightsError(f"k = {k} needs at least {k + 1} points, got {n}")
    from scipy.spatial import cKDTree  # lazy: scipy.spatial is slow to import

    tree = cKDTree(pts)
    width = min(k + 2, n)
    dist, idx = tree.query(pts, k=width)
    rows = np.arange(n)
    is_self = idx == rows[:, None]
    found = is_self.any(axis=1)
    # move self to column 0 (stable, so the tree order of the others is kept)
    order = np.argsort(~is_self, axis=1, kind="stable")
    dist = np.take_along_axis(dist, order, axis=1)
    idx = np.take_along_axis(idx, order, axis=1)
    kth = dist[:, k]
    following = dist[:, k + 1] if width == k + 2 else np.full(n, np.inf)
    tied = ~found | (following <= kth * (1 + _TIE))
    nbrs = idx[:, 1:k + 1].copy()
    for i in np.flatnonzero(tied):
        nbrs[i] = _resolve_ties(tree, pts, i, k, dist[i].max())
    m = sparse.csr_array((np.ones(n * k), nbrs.ravel(), np.arange(0, n * k + 1, k)),
                         shape=(n, n))
    if symmetric:
        m = sparse.csr_array(m.maximum(m.T))
    meta = {"symmetric": "true"} if symmetric else {}
    return Weights(m, kind=f"knn:{k}", transform="B", ids=_ids(ids, n), meta=meta)


def _resolve_ties(tree: cKDTree, pts: np.ndarray, i: int, k: int, radius: float) -> np.ndarray:
    """The k nearest other points of i, equal distances ordered by index."""
    cand = np.asarray(tree.query_ball_point(pts[i], radius * (1 + 4 * _TIE)), dtype=np.int64)
    cand = cand[cand != i]
    d = np.hypot(*(pts[cand] - pts[i]).T)
    order = np.lexsort((cand, d))
    cand, d = cand[order], d[order]
    kth = d[k - 1]
    inside = cand[d < kth * (1 - _TIE)]
    on_edge = np.sort(cand[np.abs(d - kth) <= kth * _TIE])
    return np.concatenate([inside, on_edge[: k - len(inside)]])


def distance_band_weights(points: np.ndarray, threshold: float, *, binary: bool = True,
                          alpha: float = -1.0, ids: Sequence[str] | None = None) -> Weights:
    """All other points within ``threshold`` (distance <= threshold) are neighbours.

    ``binary=True`` gives weights 1 (transform ``B``, kind ``distance:T``); otherwise
    the weight is ``d ** alpha`` (inverse distance for the default ``alpha = -1``;
    transform ``V``, kind ``distance:T:inverse`` or ``distance:T:inverse:P`` for
    ``alpha = -P``). Points without anyone within the band are islands
    (:attr:`Weights.islands`). Coincident points make inverse distance infinite and
    raise :class:`WeightsError`.

    Example:
        >>> pts = np.array([[0.0, 0.0], [2.0, 0.0], [10.0, 0.0]])
        >>> w = distance_band_weights(pts, 5, binary=False)
        >>> w.kind, w.sparse.toarray()[0].tolist(), w.islands.tolist()
        ('distance:5:inverse', [0.0, 0.5, 0.0], [2])
    """
    pts = _points(points)
    n = len(pts)
    threshold = float(threshold)
    if not threshold > 0 or not np.isfinite(threshold):
        raise WeightsError(f"the distance threshold must be positive, got {threshold}")
    from scipy.spatial import cKDTree

    pairs = cKDTree(pts).query_pairs(threshold, output_type="ndarray")
    i, j = pairs[:, 0], pairs[:, 1]
    kind = f"distance:{format_number(threshold)}"
    if binary:
        return Weights.from_pairs(n, i, j, kind=kind, ids=_ids(ids, n))
    d = np.hypot(*(pts[i] - pts[j]).T)
    if (d == 0).any():
        first = int(np.flatnonzero(d == 0)[0])
        raise WeightsError(f"points {i[first]} and {j[first]} coincide: inverse distance "
                           "is infinite; use binary weights or move the points")
    alpha = float(alpha)
    kind += ":inverse" if alpha == -1 else f":inverse:{format_number(-alpha)}"
    w = Weights.from_pairs(n, i, j, d**alpha, kind=kind, ids=_ids(ids, n))
    return Weights(w.sparse, w.kind, "V", w.ids, {"alpha": format_number(alpha)})


def _ids(ids: Sequence[str] | None, n: int) -> tuple[str, ...] | None:
    if ids is None:
        return None
    ids = tuple(str(i) for i in ids)
    if len(ids) != n:
        raise WeightsError(f"{len(ids)} ids for {n} points")
    return ids
