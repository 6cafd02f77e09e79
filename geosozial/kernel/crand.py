"""Conditional permutation of neighbour lags, fast and thread-independent.

For observation i with k_i neighbours, the null distribution of its spatial lag
``sum_j w_ij v_j`` is obtained by giving i's neighbours random values drawn without
replacement from the other n - 1 observations. As in esda, every observation uses the
same P random draws; a draw that contains i itself skips it (the next drawn value is
used instead), so each observation sees a uniform sample of the others.

When all weights in a row are equal (binary and row-standardised contiguity, k nearest
neighbours), the lag is ``c_i * S_k[p]`` where ``S_k[p]`` is the sum of the first k
values of draw p: one prefix sum per draw serves every observation, and the extreme
counts follow from sorting (O(n log P) instead of O(n k P)). Rows with unequal weights
(inverse distance) use the direct sum. Pure numpy, single-threaded: the same seed gives
the same result on any machine and with any number of threads.

Example:
    >>> import numpy as np
    >>> from scipy import sparse
    >>> w = sparse.csr_array(np.array([[0, 1, 1], [1, 0, 1], [1, 1, 0]], dtype=float))
    >>> v = np.array([1.0, 2.0, 3.0])
    >>> counts, sims = lag_extremes(v, w, w @ v, "greater", 99, seed=1, keep=True)
    >>> sims.shape
    (3, 99)
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from geosozial.kernel.inference import check_alternative, generator


def draws(n: int, size: int, permutations: int, seed: int | None) -> np.ndarray:
    """``permutations`` rows of ``size`` distinct indices in ``range(n)``, in random order.

    Small n: the first ``size`` of a random ordering of all n. Large n: uniform integer
    draws with rows containing a repeat drawn again (rare when size << n). Both are
    exact uniform ordered samples without replacement and depend only on the seed.

    Example:
        >>> d = draws(10, 4, 5, seed=3)
        >>> d.shape, all(len(set(r)) == 4 for r in d.tolist())
        ((5, 4), True)
    """
    rng = generator(seed)
    size = min(size, n)
    if n <= 512 or 4 * size * size > n:
        keys = rng.random((permutations, n))
        return np.argsort(keys, axis=1, kind="stable")[:, :size].astype(np.int64)
    out = rng.integers(0, n, size=(permutations, size), dtype=np.int64)
    while True:
        ordered = np.sort(out, axis=1)
        bad = np.flatnonzero((np.diff(ordered, axis=1) == 0).any(axis=1))
        if bad.size == 0:
            return out
        out[bad] = rng.integers(0, n, size=(bad.size, size), dtype=np.int64)


def _uniform_rows(w: sparse.csr_array) -> tuple[np.ndarray, np.ndarray]:
    """(row is uniform, the common weight) for each row; empty rows count as uniform."""
    card = np.diff(w.indptr)
    has = card > 0
    starts = w.indptr[:-1][has]
    first = np.zeros(w.shape[0])
    first[has] = w.data[starts]
    if w.nnz == 0:
        return np.ones(w.shape[0], bool), first
    row_of = np.repeat(np.arange(w.shape[0]), card)
    same = np.ones(w.shape[0], dtype=bool)
    differs = ~np.isclose(w.data, first[row_of], rtol=1e-12, atol=0)
    same[np.unique(row_of[differs])] = False
    return same, first


def _count(sorted_s: np.ndarray, obs: np.ndarray, center: np.ndarray, alternative: str,
           tol: np.ndarray) -> np.ndarray:
    """Extreme counts of observed values against one sorted null sample."""
    p = len(sorted_s)
    ge = p - np.searchsorted(sorted_s, obs - tol, side="left")
    le = np.searchsorted(sorted_s, obs + tol, side="right")
    if alternative == "greater":
        return ge
    if alternative == "less":
        return le
    if alternative == "folded":
        return np.minimum(ge, le)
    d = np.abs(obs - center) - tol
    upper = p - np.searchsorted(sorted_s, center + d, side="left")
    lower = np.searchsorted(sorted_s, center - d, side="right")
    return np.where(d <= 0, p, upper + lower)


def _is_extreme(s: np.ndarray, obs: np.ndarray, center: np.ndarray, alternative: str,
                tol: np.ndarray) -> np.ndarray:
    ge = s >= obs - tol
    le = s <= obs + tol
    if alternative == "greater":
        return ge
    if alternative == "less":
        return le
    if alternative == "folded":
        return ge, le  # type: ignore[return-value]
    return np.abs(s - center) >= np.abs(obs - center) - tol


def lag_extremes(
    values: np.ndarray,
    w: sparse.csr_array,
    observed: np.ndarray,
    alternative: str,
    permutations: int,
    seed: int | None,
    keep: bool = False,
    center: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Count, per observation, permuted lags at least as extreme as ``observed``.

    ``w`` holds the neighbour weights (no diagonal). ``center`` is the null expectation
    of the lag (default: row sum of weights times the mean of the other values), used
    by the two-sided alternative. Returns the counts and, with ``keep``, the n × P
    matrix of permuted lags.
    """
    check_alternative(alternative)
    values = np.asarray(values, dtype=float)
    observed = np.asarray(observed, dtype=float)
    w = sparse.csr_array(w)
    n = len(values)
    card = np.diff(w.indptr)
    k_max = int(card.max()) if n else 0
    rowsum = np.asarray(w.sum(axis=1)).ravel()
    if center is None:
        center = rowsum * (values.sum() - values) / max(n - 1, 1)
    counts = np.zeros(n, dtype=np.int64)
    if k_max == 0 or permutations == 0:
        return counts, (np.zeros((n, permutations)) if keep else None)
    ids = draws(n, k_max + 1, permutations, seed)
    vals = values[ids]  # P x (K+1)
    if ids.shape[1] <= k_max:  # n == k_max: pad so that "next value" always exists
        vals = np.concatenate([vals, np.zeros((permutations, 1))], axis=1)
    prefix = np.cumsum(vals, axis=1)
    uniform, weight = _uniform_rows(w)
    scale = np.maximum(np.abs(observed), np.abs(center)) + 1.0
    tol = 1e-12 * scale
    sims = np.zeros((n, permutations)) if keep else None

    # rows with one common weight: lag = c_i * S_k
    for k in np.unique(card[uniform & (card > 0)]):
        rows = np.flatnonzero(uniform & (card == k))
        c = weight[rows]
        s_null = prefix[:, k - 1]
        obs_s, cen_s, tol_s = observed[rows] / c, center[rows] / c, tol[rows] / c
        if alternative == "folded":
            sorted_s = np.sort(s_null)
            counts[rows] = _count(sorted_s, obs_s, cen_s, "folded", tol_s)
        else:
            counts[rows] = _count(np.sort(s_null), obs_s, cen_s, alternative, tol_s)
        if keep:
            sims[rows] = c[:, None] * s_null[None, :]
    # rows with unequal weights: direct sums over the draws
    general = np.flatnonzero(~uniform & (card > 0))
    for start in range(0, len(general), 2048):
        rows = general[start:start + 2048]
        lags = np.zeros((len(rows), permutations))
        for pos, i in enumerate(rows):
            wi = w.data[w.indptr[i]:w.indptr[i + 1]]
            lags[pos] = vals[:, : len(wi)] @ wi
        if alternative == "folded":
            ge = (lags >= (observed[rows] - tol[rows])[:, None]).sum(axis=1)
            le = (lags <= (observed[rows] + tol[rows])[:, None]).sum(axis=1)
            counts[rows] = np.minimum(ge, le)
        else:
            counts[rows] = _is_extreme(lags, observed[rows][:, None], center[rows][:, None],
                                       alternative, tol[rows][:, None]).sum(axis=1)
        if keep:
            sims[rows] = lags
    _correct_self_draws(values, w, observed, center, alternative, tol, ids, vals, prefix,
                        card, uniform, weight, counts, sims)
    return counts, sims


def _correct_self_draws(values, w, observed, center, alternative, tol, ids, vals, prefix,
                        card, uniform, weight, counts, sims) -> None:
    """Draws that contain observation i among its first k_i values skip i: fix those."""
    k_max = int(card.max())
    perm_idx, pos = np.nonzero(ids[:, :k_max] >= 0)
    obs = ids[perm_idx, pos]
    hit = pos < card[obs]
    perm_idx, pos, obs = perm_idx[hit], pos[hit], obs[hit]
    folded_ge = folded_le = None
    if alternative == "folded":
        folded_ge = np.zeros(len(values), dtype=np.int64)
        folded_le = np.zeros(len(values), dtype=np.int64)
    # rows with one common weight: all corrections at once
    fast = uniform[obs]
    p_u, i_u = perm_idx[fast], obs[fast]
    k_u = card[i_u]
    old_u = weight[i_u] * prefix[p_u, k_u - 1]
    new_u = weight[i_u] * (prefix[p_u, k_u] - values[i_u])
    if sims is not None:
        sims[i_u, p_u] = new_u
    obs_u, tol_u = observed[i_u], tol[i_u]
    if alternative == "folded":
        np.add.at(folded_ge, i_u, (new_u >= obs_u - tol_u).astype(np.int64)
                  - (old_u >= obs_u - tol_u))
        np.add.at(folded_le, i_u, (new_u <= obs_u + tol_u).astype(np.int64)
                  - (old_u <= obs_u + tol_u))
    else:
        before = _is_extreme(old_u, obs_u, center[i_u], alternative, tol_u)
        after = _is_extreme(new_u, obs_u, center[i_u], alternative, tol_u)
        np.add.at(counts, i_u, after.astype(np.int64) - before.astype(np.int64))
    # rows with unequal weights: one by one
    for p, q, i in zip(perm_idx[~fast].tolist(), pos[~fast].tolist(), obs[~fast].tolist(),
                       strict=True):
        k = card[i]
        wi = w.data[w.indptr[i]:w.indptr[i + 1]]
        old = float(vals[p, :k] @ wi)
        sample = np.concatenate([vals[p, :q], vals[p, q + 1:k + 1]])
        new = float(sample @ wi)
        if sims is not None:
            sims[i, p] = new
        if alternative == "folded":
            ge_old, le_old = old >= observed[i] - tol[i], old <= observed[i] + tol[i]
            ge_new, le_new = new >= observed[i] - tol[i], new <= observed[i] + tol[i]
            folded_ge[i] += int(ge_new) - int(ge_old)
            folded_le[i] += int(le_new) - int(le_old)
            continue
        before = _is_extreme(np.array(old), observed[i], center[i], alternative, tol[i])
        after = _is_extreme(np.array(new), observed[i], center[i], alternative, tol[i])
        counts[i] += int(after) - int(before)
    if alternative == "folded" and (folded_ge.any() or folded_le.any()):
        _refold(values, w, observed, tol, card, uniform, weight, prefix, vals, counts,
                folded_ge, folded_le)


def _refold(values, w, observed, tol, card, uniform, weight, prefix, vals, counts,
            d_ge, d_le) -> None:
    """For the folded alternative, recount both tails where a self-draw changed them."""
    rows = np.flatnonzero((d_ge != 0) | (d_le != 0))
    permutations = prefix.shape[0]
    for i in rows:
        k = card[i]
        if uniform[i]:
            lag = weight[i] * prefix[:, k - 1]
        else:
            wi = w.data[w.indptr[i]:w.indptr[i + 1]]
            lag = vals[:, :k] @ wi
        ge = int((lag >= observed[i] - tol[i]).sum()) + int(d_ge[i])
        le = int((lag <= observed[i] + tol[i]).sum()) + int(d_le[i])
        counts[i] = min(ge, le, permutations)
