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

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from geosozial.kernel.errors import KernelError
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
    return _draw_rows(generator(seed), n, size, permutations)


def _draw_rows(rng: np.random.Generator, n: int, size: int, permutations: int) -> np.ndarray:
    """The body of :func:`draws` on a given generator (the first batch of every run)."""
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


# ---------------------------------------------------------------------------------------
# Linear statistics of permuted neighbour sums, fixed and sequential (Besag & Clifford)
# ---------------------------------------------------------------------------------------

#: element budget of one matrix of null values (rows x draws)
_CELLS = 1 << 22
#: rows x draws evaluated at once draw by draw (stays in cache)
_CHUNK = 1 << 17
#: up to this many rows of one neighbourhood size are compared draw by draw, more sort
_FEW = 8
#: up to this many rows of a later batch are counted row by row (step_few), more sort
_FEW_ROWS = 256
#: the largest batch of a sequential run after the first (draws x width stay in cache)
_LATE = 16_384


@dataclass
class Sequential:
    """Outcome of a sequential permutation run, one entry per observation.

    ``extreme`` the extreme draws seen, ``draws`` the draws made (0 for islands),
    ``stopped`` whether the area reached the stopping count, ``p`` = ``h(L-1) / L`` if
    it stopped at draw ``L`` (``h``, or ``h_late`` late), ``(extreme + 1) / (draws + 1)``
    otherwise (NaN for islands), ``max_draws`` the maximum.
    """

    extreme: np.ndarray
    draws: np.ndarray
    stopped: np.ndarray
    p: np.ndarray
    h: int
    max_draws: int


@dataclass
class _Block:
    """One batch of draws: ids (width x draws) and per field the values and prefix sums."""

    ids: np.ndarray
    vals: list[np.ndarray]
    prefix: list[np.ndarray]

    @property
    def size(self) -> int:
        return int(self.ids.shape[1])

    def part(self, start: int, stop: int) -> _Block:
        return _Block(self.ids[:, start:stop], [v[:, start:stop] for v in self.vals],
                      [c[:, start:stop] for c in self.prefix])


def _more_draws(rng: np.random.Generator, n: int, size: int, count: int) -> np.ndarray:
    """``count`` ordered samples of ``size`` distinct indices in ``range(n)`` (columns).

    Uniform integer draws with columns containing a repeat drawn again while that is
    cheap (acceptance at least 0.1), otherwise the first ``size`` of random orderings.
    Both are exact uniform samples without replacement; only the seed decides them.
    """
    size = min(size, n)
    accept = float(np.prod(1.0 - np.arange(size) / n))
    if accept < 0.1:
        out = np.empty((size, count), dtype=np.int64)
        step = max(1, _CELLS // max(n, 1))
        for start in range(0, count, step):
            stop = min(count, start + step)
            keys = rng.random((stop - start, n))
            out[:, start:stop] = np.argsort(keys, axis=1, kind="stable")[:, :size].T
        return out
    out = rng.integers(0, n, size=(size, count), dtype=np.int64)
    small = np.int16 if n <= np.iinfo(np.int16).max else np.int32
    cols = None
    while True:
        sub = (out if cols is None else out[:, cols]).astype(small)
        if size <= 40:
            bad = np.zeros(sub.shape[1], dtype=bool)
            for a in range(size - 1):
                for b in range(a + 1, size):
                    bad |= sub[a] == sub[b]
        else:
            bad = (np.diff(np.sort(sub, axis=0), axis=0) == 0).any(axis=0)
        cols = np.flatnonzero(bad) if cols is None else cols[bad]
        if not cols.size:
            return out
        out[:, cols] = rng.integers(0, n, size=(size, cols.size), dtype=np.int64)


class _Linear:
    """The null statistic ``T_i = sum_f coef[i, f] * sum_j w_ij F_f[J_j]`` per observation.

    ``J`` are the conditional draws (the first ``k_i`` values of a draw, skipping ``i``
    itself). Rows with one common weight and one field are evaluated on the plain sum
    ``S`` of the drawn values (thresholds divided by the coefficient), which allows
    counting by sorting; every other row on ``T``. A draw is extreme for row ``i`` when
    its value is ``>= hi_i`` or ``<= lo_i``.
    """

    def __init__(self, fields: np.ndarray, w: sparse.csr_array, coef: np.ndarray,
                 observed: np.ndarray, alternative: str,
                 center: np.ndarray | None = None) -> None:
        check_alternative(alternative)
        self.fields = np.atleast_2d(np.asarray(fields, dtype=float))
        m, n = self.fields.shape
        self.n, self.m = n, m
        self.w = sparse.csr_array(w)
        self.coef = np.asarray(coef, dtype=float).reshape(n, m)
        observed = np.asarray(observed, dtype=float)
        self.card = np.diff(self.w.indptr)
        self.k_max = int(self.card.max()) if n else 0
        self.uniform, self.weight = _uniform_rows(self.w)
        rowsum = np.asarray(self.w.sum(axis=1)).ravel()
        if center is None:
            others = (self.fields.sum(axis=1)[:, None] - self.fields) / max(n - 1, 1)
            center = (self.coef * (rowsum[None, :] * others).T).sum(axis=1)
        self.center = np.asarray(center, dtype=float)
        tol = 1e-12 * (np.maximum(np.abs(observed), np.abs(self.center)) + 1.0)
        hi, lo = _thresholds(observed, self.center, tol, alternative)
        self.rows = np.flatnonzero(self.card > 0)
        self.finite = bool(np.isfinite(self.fields).all())  # NaN marks rows in step_few
        self.sspace = self.uniform & (self.card > 0) & (m == 1)
        # rows on S: T = a S with a = coef * weight; divide the thresholds by a
        a = self.coef[:, 0] * self.weight if m == 1 else np.ones(n)
        with np.errstate(divide="ignore", invalid="ignore"):
            up, down = hi / a, lo / a
        pos, neg, zero = self.sspace & (a > 0), self.sspace & (a < 0), self.sspace & (a == 0)
        hi, lo = hi.copy(), lo.copy()
        hi[pos], lo[pos] = up[pos], down[pos]
        hi[neg], lo[neg] = down[neg], up[neg]
        const = (0.0 >= hi[zero]) | (0.0 <= lo[zero])  # T is 0 in every draw
        hi[zero] = np.where(const, -np.inf, np.inf)
        lo[zero] = -np.inf
        self.hi, self.lo = hi, lo
        self.tw = self.coef * self.weight[:, None]  # uniform rows: coefficient per sum
        self._general = {}
        for k in np.unique(self.card[~self.uniform & (self.card > 0)]):
            rows = np.flatnonzero(~self.uniform & (self.card == k))
            starts = self.w.indptr[rows]
            weights = self.w.data[starts[:, None] + np.arange(k)[None, :]]
            self._general[int(k)] = (rows, weights)

    # -- draws ------------------------------------------------------------------------
    def block(self, ids: np.ndarray) -> _Block:
        """A batch from draws as columns (width x count)."""
        ids = np.ascontiguousarray(ids)
        vals = [np.take(f, ids) for f in self.fields]
        prefix = []
        for v in vals:
            c = np.empty_like(v)
            c[0] = v[0]
            for j in range(1, v.shape[0]):
                np.add(c[j - 1], v[j], out=c[j])
            prefix.append(c)
        return _Block(ids, vals, prefix)

    # -- null values ------------------------------------------------------------------
    def _hits(self, rows: np.ndarray, blk: _Block) -> tuple[np.ndarray, ...]:
        """(position in rows, draw, position in the draw) where a row drew itself."""
        active = np.zeros(self.n, dtype=bool)
        active[rows] = True
        width = min(int(self.card[rows].max()), blk.ids.shape[0])
        flat = np.flatnonzero(np.take(active, blk.ids[:width]))
        q, p = np.divmod(flat, blk.ids.shape[1])
        obs = blk.ids[q, p]
        keep = q < self.card[obs]
        loc = np.full(self.n, -1, dtype=np.int64)
        loc[rows] = np.arange(len(rows))
        return loc[obs[keep]], p[keep], q[keep]

    @staticmethod
    def _subset(hits: tuple[np.ndarray, ...], sel: np.ndarray, total: int
                ) -> tuple[np.ndarray, ...]:
        """The hits of the rows at positions ``sel``, renumbered within ``sel``."""
        inv = np.full(total, -1, dtype=np.int64)
        inv[sel] = np.arange(len(sel))
        r, p, q = hits
        new = inv[r]
        keep = new >= 0
        return new[keep], p[keep], q[keep]

    def values(self, rows: np.ndarray, blk: _Block,
               hits: tuple[np.ndarray, ...] | None = None) -> np.ndarray:
        """Null values of ``rows`` (S or T as the row is evaluated) for every draw."""
        out = np.empty((len(rows), blk.size))
        k = self.card[rows]
        uni = self.uniform[rows]
        srows = self.sspace[rows]
        if srows.all():
            out[:] = blk.prefix[0][k - 1]
        elif srows.any():
            idx = np.flatnonzero(srows)
            out[idx] = blk.prefix[0][k[idx] - 1]
        trows = uni & ~srows
        if trows.any():
            idx = np.flatnonzero(trows)
            acc = self.tw[rows[idx], 0][:, None] * blk.prefix[0][k[idx] - 1]
            for f in range(1, self.m):
                acc += self.tw[rows[idx], f][:, None] * blk.prefix[f][k[idx] - 1]
            out[idx] = acc
        if not uni.all():
            for kk, (grows, weights) in self._general.items():
                sel = np.flatnonzero((~uni) & (k == kk))
                if not sel.size:
                    continue
                wsel = weights[np.searchsorted(grows, rows[sel])]
                acc = np.zeros((len(sel), blk.size))
                for f in range(self.m):
                    cw = self.coef[rows[sel], f][:, None] * wsel
                    for j in range(kk):
                        acc += cw[:, j][:, None] * blk.vals[f][j][None, :]
                out[sel] = acc
        r, p, q = self._hits(rows, blk) if hits is None else hits
        if r.size:
            out[r, p] = self._hit_values(rows[r], p, q, blk)
        return out

    def _hit_values(self, obs: np.ndarray, p: np.ndarray, q: np.ndarray,
                    blk: _Block) -> np.ndarray:
        """Null values of draws that contained the observation itself (it is skipped)."""
        k = self.card[obs]
        out = np.zeros(len(obs))
        uni = self.uniform[obs]
        if uni.any():
            i, pu, ku = obs[uni], p[uni], k[uni]
            if self.m == 1:
                out[uni] = blk.prefix[0][ku, pu] - self.fields[0][i]
            else:
                acc = np.zeros(len(i))
                for f in range(self.m):
                    acc += self.tw[i, f] * (blk.prefix[f][ku, pu] - self.fields[f][i])
                out[uni] = acc
        gen = np.flatnonzero(~uni)
        for kk in np.unique(k[gen]):
            kk = int(kk)
            sel = gen[k[gen] == kk]
            grows, weights = self._general[kk]
            wsel = weights[np.searchsorted(grows, obs[sel])]
            j = np.arange(kk)[None, :]
            take = j + (j >= q[sel][:, None])  # skip the position of the row itself
            acc = np.zeros(len(sel))
            for f in range(self.m):
                acc += self.coef[obs[sel], f] * (blk.vals[f][take, p[sel][:, None]]
                                                 * wsel).sum(axis=1)
            out[sel] = acc
        return out

    def extreme(self, rows: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Which null values are at least as extreme as the observed ones."""
        return (values >= self.hi[rows, None]) | (values <= self.lo[rows, None])

    # -- counting ---------------------------------------------------------------------
    def _group_values(self, part: np.ndarray, kind: int, k: int, blk: _Block) -> np.ndarray:
        """Null values of rows of one kind (0 on S, 1 one weight, 2 unequal) and one k."""
        if kind == 0:
            return np.repeat(blk.prefix[0][k - 1][None, :], len(part), axis=0)
        if kind == 2:
            return self.values(part, blk, (np.zeros(0, np.int64),) * 3)
        tw = self.tw[part]
        out = np.multiply(tw[:, 0][:, None], blk.prefix[0][k - 1][None, :])
        for f in range(1, self.m):
            col = tw[:, f]
            if (col == col[0]).all():  # one coefficient for the whole group: one add
                out += col[0] * blk.prefix[f][k - 1]
            else:
                out += col[:, None] * blk.prefix[f][k - 1][None, :]
        return out

    def _direct(self, rows: np.ndarray, blk: _Block, need: np.ndarray | None,
                hits: tuple[np.ndarray, ...]) -> tuple[np.ndarray, np.ndarray]:
        """Counts and (with ``need``) the position of the need-th extreme draw, or -1.

        Rows are taken in groups of one kind and one neighbourhood size, in chunks that
        stay in cache; the shared sums of a group are broadcast, not gathered per row.
        """
        counts = np.zeros(len(rows), dtype=np.int64)
        where = np.full(len(rows), -1, dtype=np.int64)
        kind = np.where(self.sspace[rows], 0, np.where(self.uniform[rows], 1, 2))
        key = kind * (self.k_max + 1) + self.card[rows]
        order = np.argsort(key, kind="stable")
        cuts = np.flatnonzero(np.diff(key[order])) + 1
        step = max(1, _CHUNK // max(blk.size, 1))
        r_all, p_all, q_all = hits
        for group in np.split(order, cuts):
            gk, gkind = int(self.card[rows[group[0]]]), int(kind[group[0]])
            for start in range(0, len(group), step):
                sel = group[start:start + step]
                part = rows[sel]
                vals = self._group_values(part, gkind, gk, blk)
                r, p, q = self._subset((r_all, p_all, q_all), sel, len(rows))
                if r.size:
                    vals[r, p] = self._hit_values(part[r], p, q, blk)
                hit = vals >= self.hi[part, None]
                hit |= vals <= self.lo[part, None]
                c = np.count_nonzero(hit, axis=1)
                counts[sel] = c
                if need is not None:
                    wanted = need[sel]
                    cross = np.flatnonzero(c >= wanted)
                    if cross.size:
                        cum = np.cumsum(hit[cross], axis=1, dtype=np.int32)
                        where[sel[cross]] = np.argmax(cum >= wanted[cross, None], axis=1)
        return counts, where

    def _tally(self, rows: np.ndarray, blk: _Block, need: np.ndarray | None
               ) -> tuple[np.ndarray, np.ndarray]:
        """Extreme counts of ``rows`` over ``blk`` and, with ``need``, where each row saw
        its ``need``-th extreme draw (-1: not in this block).

        Rows on S are counted by sorting the block's sums once per neighbourhood size
        (a searchsorted per row), draws that contained the row itself corrected after;
        the positions of rows that reach ``need`` come from the sorted order (the union
        of both tails, corrected, smallest ``need`` draw indices). Other rows are
        evaluated draw by draw.
        """
        size = blk.size
        counts = np.zeros(len(rows), dtype=np.int64)
        where = np.full(len(rows), -1, dtype=np.int64)
        hits = self._hits(rows, blk)
        s_pos = np.flatnonzero(self.sspace[rows])
        t_pos = np.flatnonzero(~self.sspace[rows])
        if t_pos.size:
            sub = self._subset(hits, t_pos, len(rows))
            c, wpos = self._direct(rows[t_pos], blk, None if need is None else need[t_pos], sub)
            counts[t_pos], where[t_pos] = c, wpos
        if not s_pos.size:
            return counts, where
        srows = rows[s_pos]
        k = self.card[srows]
        hi, lo = self.hi[srows], self.lo[srows]
        r, p, _ = self._subset(hits, s_pos, len(rows))
        if r.size:  # draws that contained the row itself: the row skips itself
            kr = k[r]
            old = blk.prefix[0][kr - 1, p]
            new = blk.prefix[0][kr, p] - self.fields[0][srows[r]]
            before = (old >= hi[r]) | (old <= lo[r])
            after = (new >= hi[r]) | (new <= lo[r])
        s_counts = np.zeros(len(srows), dtype=np.int64)
        s_where = np.full(len(srows), -1, dtype=np.int64)
        groups = []
        for kk in np.unique(k):
            kk = int(kk)
            sel = np.flatnonzero(k == kk)
            s_null = blk.prefix[0][kk - 1]
            if len(sel) <= _FEW:
                ordered = None
                s_counts[sel] = self._compare(s_null, hi[sel], lo[sel]).sum(axis=1)
            else:
                ordered = np.sort(s_null)
                s_counts[sel] = (size - np.searchsorted(ordered, hi[sel], side="left")
                                 + np.searchsorted(ordered, lo[sel], side="right"))
            groups.append((kk, sel, s_null, ordered))
        if r.size:
            np.add.at(s_counts, r, after.astype(np.int64) - before.astype(np.int64))
        counts[s_pos] = s_counts
        if need is None:
            return counts, where
        s_need = need[s_pos]
        crossing = s_counts >= s_need
        if not crossing.any():
            return counts, where
        fix = np.zeros(len(srows), dtype=bool)
        if r.size:
            changed = before != after
            fix[r[changed]] = True
        for _kk, sel, s_null, _ordered in groups:
            cross = sel[crossing[sel]]
            if not cross.size:
                continue
            if len(cross) <= _FEW:
                mask = self._compare(s_null, hi[cross], lo[cross])
                if fix[cross].any():
                    loc = np.full(len(srows), -1, dtype=np.int64)
                    loc[cross] = np.arange(len(cross))
                    mine = (loc[r] >= 0) & changed
                    mask[loc[r[mine]], p[mine]] = after[mine]
                cum = np.cumsum(mask, axis=1, dtype=np.int32)
                s_where[cross] = np.argmax(cum >= s_need[cross, None], axis=1)
                continue
            # many rows: the extreme draws as keys row * size + draw from the sorted order
            order = np.argsort(s_null)
            ordered = s_null[order]
            c_hi = size - np.searchsorted(ordered, hi[cross], side="left")
            c_lo = np.searchsorted(ordered, lo[cross], side="right")
            keys = np.concatenate([_ranges_keys(order, cross, np.zeros_like(c_lo), c_lo, size),
                                   _ranges_keys(order, cross, size - c_hi, c_hi, size)])
            if fix[cross].any():
                inside = np.zeros(len(srows), dtype=bool)
                inside[cross] = True
                mine = inside[r] & changed
                drop = r[mine & before] * size + p[mine & before]
                add = r[mine & after] * size + p[mine & after]
                if drop.size:
                    keys = keys[~np.isin(keys, drop)]
                keys = np.concatenate([keys, add])
            keys.sort()
            start = np.searchsorted(keys, cross * size, side="left")
            s_where[cross] = keys[start + s_need[cross] - 1] - cross * size
        where[s_pos] = s_where
        return counts, where

    def few_on_s(self, rows: np.ndarray) -> bool:
        """Whether :meth:`step_few` serves ``rows``: few rows, all on S."""
        return (len(rows) <= _FEW_ROWS and self.m == 1 and bool(self.sspace[rows].all())
                and self.finite)

    def step_few(self, rows: np.ndarray, ids: np.ndarray, need: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`step` for a few rows on S, straight from the draws (width x count).

        The late batches of a sequential run, where only candidates still draw: one
        gather (the rows' own values marked NaN there, which finds the draws that
        contained a row itself), a prefix sum in place, each row counted against its
        sums, and the draws that contained the row corrected (the row skips itself).
        Same result as :meth:`step`.
        """
        size = ids.shape[1]
        k = self.card[rows]
        top = int(k.max())
        values = self.fields[0]
        marked = values.copy()
        marked[rows] = np.nan
        sums = np.take(marked, ids[:top + 1])
        flat = np.flatnonzero(np.isnan(sums[:top]))
        q, p = np.divmod(flat, size)
        obs = ids[q, p]
        sums[q, p] = values[obs]
        last = np.flatnonzero(np.isnan(sums[top]))  # the value after the last neighbour
        sums[top, last] = values[ids[top, last]]
        for j in range(1, top + 1):
            np.add(sums[j - 1], sums[j], out=sums[j])
        keep = q < self.card[obs]
        loc = np.full(self.n, -1, dtype=np.int64)
        loc[rows] = np.arange(len(rows))
        r, p = loc[obs[keep]], p[keep]
        counts = np.zeros(len(rows), dtype=np.int64)
        where = np.full(len(rows), -1, dtype=np.int64)
        hi, lo = self.hi[rows], self.lo[rows]
        old = sums[k[r] - 1, p]
        new = sums[k[r], p] - values[rows[r]]  # the row skips itself: the next value
        before = (old >= hi[r]) | (old <= lo[r])
        after = (new >= hi[r]) | (new <= lo[r])
        counts += np.bincount(r, weights=after.astype(float) - before,
                              minlength=len(rows)).astype(np.int64)
        disjoint = (lo < hi).tolist()  # the two tails do not overlap: count each
        for i in range(len(rows)):
            s_null = sums[k[i] - 1]
            if disjoint[i]:
                c = np.count_nonzero(s_null >= hi[i]) + np.count_nonzero(s_null <= lo[i])
            else:
                c = np.count_nonzero((s_null >= hi[i]) | (s_null <= lo[i]))
            counts[i] += c
            if counts[i] >= need[i]:
                mine = np.flatnonzero(r == i)
                mask = (s_null >= hi[i]) | (s_null <= lo[i])
                mask[p[mine]] = after[mine]
                where[i] = np.flatnonzero(mask)[need[i] - 1]
        return counts, where

    @staticmethod
    def _compare(s_null: np.ndarray, hi: np.ndarray, lo: np.ndarray) -> np.ndarray:
        """Extreme flags of a few rows against one shared row of sums."""
        return (s_null[None, :] >= hi[:, None]) | (s_null[None, :] <= lo[:, None])

    def counts(self, rows: np.ndarray, blk: _Block) -> np.ndarray:
        """Extreme counts of ``rows`` over every draw of ``blk``."""
        return self._tally(rows, blk, None)[0]

    def step(self, rows: np.ndarray, blk: _Block, need: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray]:
        """Counts over ``blk`` and the position of the ``need``-th extreme draw (or -1)."""
        return self._tally(rows, blk, need)


def _ranges_keys(order: np.ndarray, rows: np.ndarray, starts: np.ndarray, lengths: np.ndarray,
                 size: int) -> np.ndarray:
    """Keys ``row * size + order[start:start + length]`` for every row, concatenated."""
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = np.cumsum(lengths) - lengths
    idx = np.arange(total) - np.repeat(offsets, lengths) + np.repeat(starts, lengths)
    return np.repeat(rows, lengths) * size + order[idx]


def _thresholds(observed: np.ndarray, center: np.ndarray, tol: np.ndarray, alternative: str
                ) -> tuple[np.ndarray, np.ndarray]:
    """(hi, lo): a null value is extreme when ``>= hi`` or ``<= lo``.

    ``folded`` takes the tail on the side of the null expectation where the observed
    value lies (decided before drawing, as GeoDa decides local Geary's tail).
    """
    n = len(observed)
    inf = np.full(n, np.inf)
    if alternative == "greater":
        return observed - tol, -inf
    if alternative == "less":
        return inf, observed + tol
    if alternative == "folded":
        upper = observed >= center
        return np.where(upper, observed - tol, np.inf), np.where(upper, -np.inf, observed + tol)
    d = np.abs(observed - center) - tol
    every = d <= 0
    return np.where(every, -np.inf, center + d), np.where(every, -np.inf, center - d)


def linear_extremes(fields: np.ndarray, w: sparse.csr_array, coef: np.ndarray,
                    observed: np.ndarray, alternative: str, permutations: int,
                    seed: int | None, center: np.ndarray | None = None) -> np.ndarray:
    """Fixed-count conditional permutation for a statistic linear in neighbour sums.

    The statistic of observation ``i`` is ``sum_f coef[i, f] * sum_j w_ij fields[f, j]``
    (plus a constant that does not take part in the permutation); ``observed`` and
    ``center`` (default: its null expectation) are given without that constant. The
    draws are those of :func:`lag_extremes` for the same seed. Returns the extreme counts
    (0 for observations without neighbours).

    Parameters
    ----------
    fields : numpy.ndarray
        ``m x n`` values that are permuted together.
    w : scipy.sparse.csr_array
        Neighbour weights (no diagonal).
    coef : numpy.ndarray
        ``n x m`` coefficients.
    observed : numpy.ndarray
        Observed statistic without its constant part.
    alternative : str
        ``two-sided``, ``greater``, ``less`` or ``folded`` (the tail on the observed
        side of the null expectation).
    permutations : int
        Number of draws.
    seed : int or None
        Seed.
    center : numpy.ndarray, optional
        Null expectation (two-sided and folded alternatives).

    Returns
    -------
    numpy.ndarray
        Extreme counts per observation.

    Examples
    --------
    >>> w = sparse.csr_array(np.array([[0, 1, 1], [1, 0, 1], [1, 1, 0]], dtype=float))
    >>> v = np.array([1.0, 2.0, 3.0])
    >>> linear_extremes(v, w, np.ones((3, 1)), w @ v, "greater", 99, seed=1).tolist()
    [99, 99, 99]
    """
    eng = _Linear(fields, w, coef, observed, alternative, center)
    counts = np.zeros(eng.n, dtype=np.int64)
    if eng.k_max == 0 or permutations == 0 or not eng.rows.size:
        return counts
    ids = draws(eng.n, eng.k_max + 1, permutations, seed)
    blk = eng.block(ids.T)
    counts[eng.rows] = eng.counts(eng.rows, blk)
    return counts


def sequential_extremes(fields: np.ndarray, w: sparse.csr_array, coef: np.ndarray,
                        observed: np.ndarray, alternative: str, *, seed: int | None,
                        h: int, max_draws: int, batch: int = 999,
                        center: np.ndarray | None = None,
                        limit: Callable[[np.ndarray], int] | None = None,
                        late: tuple[int, int] | None = None) -> Sequential:
    """Sequential Monte Carlo p-values (Besag & Clifford 1991) by conditional permutation.

    Every observation draws until it has seen ``h`` draws at least as extreme as the
    observed statistic, or until ``max_draws``: ``p = h / L`` when it stopped after
    ``L`` draws, ``(g + 1) / (max_draws + 1)`` otherwise (``g < h`` extreme draws).
    These p-values are valid (Besag & Clifford 1991, Biometrika 78(2), 301-304): under
    the null ``P(p <= u) <= u`` at every reachable ``u``.

    Draws come in batches shared by all observations still drawing. The first batch
    is exactly the draws of the fixed path with ``permutations=batch`` (and the same
    seed) and is the fixed test: an observation with ``h`` or more extreme draws among
    them is decided there with the fixed pseudo p ``(g + 1) / (batch + 1)``, the value
    ``permutations=batch`` gives (valid: such p-values lie above ``h / batch``, where
    the sequential rule would have given ``h / L >= h / batch``; below that the two
    rules are the same). Only the others continue. Later batches grow (doubling, at
    most 16,384 draws, which stay in cache) and are shared by all observations still
    drawing: each draw has as many indices as the largest of their neighbourhoods uses
    (one shared draw costs less than one per neighbourhood size). Once only a few
    candidates are left, they are counted straight from the draws
    (:meth:`_Linear.step_few`). Only the seed and the data decide the draws: no clock,
    no threads. Statistic as in :func:`linear_extremes`.

    ``limit`` (optional) is asked after every batch with the provisional p-values
    (``h / L`` of the areas that stopped, ``(g + 1) / (L + 1)`` of the others, NaN for
    islands) for the maximum from then on (at most ``max_draws``): with
    Benjamini-Hochberg the level an area must reach rises with the number of
    discoveries (:func:`~geosozial.kernel.inference.adaptive_max`), so that areas far
    below it need not draw to a maximum made for a single discovery.

    ``late = (after, h_late)`` (optional, ``h_late <= h``) lowers the stopping count
    from draw ``after`` on: an observation stops at the first draw ``L`` where it has
    seen ``h(L)`` extreme draws, ``h(L) = h`` before ``after`` and ``h_late`` from then
    on; observations with ``h_late`` or more extremes at draw ``after`` stop there. The
    boundary does not rise, so under the null ``P(not stopped before L) =
    P(fewer than h(L-1) extremes in L-1 draws) = h(L-1) / L`` (averaged over the
    exact test's uniform p, as in Besag & Clifford), and ``p = h(L-1) / L`` is valid;
    at the maximum ``(g + 1) / (max + 1)`` as before.

    Parameters
    ----------
    fields, w, coef, observed, alternative, center
        As :func:`linear_extremes`.
    seed : int or None
        Seed.
    h : int
        Extreme draws after which an observation stops.
    max_draws : int
        Largest number of draws of one observation.
    batch : int
        Size of the first batch.
    limit : callable, optional
        Provisional p-values -> maximum for the draws still to come.
    late : tuple of (int, int), optional
        ``(after, h_late)``: from draw ``after`` on, stop at ``h_late`` extreme draws.

    Returns
    -------
    Sequential
        Extreme counts, draws per observation, stopped flags and p-values.

    Examples
    --------
    >>> w = sparse.csr_array(np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]], dtype=float))
    >>> v = np.array([1.0, 2.0, 3.0])
    >>> r = sequential_extremes(v, w, np.ones((3, 1)), w @ v, "two-sided", seed=1, h=5,
    ...                         max_draws=999)
    >>> r.draws.tolist(), r.p.tolist()
    ([999, 999, 999], [1.0, 1.0, 1.0])
    """
    if h < 1:
        raise KernelError("h", "h must be at least 1", h=h)
    after, h_late = (max_draws + 1, h) if late is None else (int(late[0]), int(late[1]))
    if not (1 <= h_late <= h and after >= batch):
        raise KernelError("late", "late must be (after >= batch, 1 <= h_late <= h)",
                          late=late, h=h, batch=batch)
    eng = _Linear(fields, w, coef, observed, alternative, center)
    n = eng.n
    extreme = np.zeros(n, dtype=np.int64)
    used = np.zeros(n, dtype=np.int64)
    stopped = np.zeros(n, dtype=bool)
    active = eng.rows.copy()

    def current_p(rows: np.ndarray) -> np.ndarray:
        """``h(L - 1) / L`` where a row stopped at draw L, ``(g + 1) / (L + 1)`` else."""
        level = np.where(used[rows] - 1 < after, h, h_late)
        return np.where(stopped[rows], level / np.maximum(used[rows], 1),
                        (extreme[rows] + 1.0) / (used[rows] + 1.0))

    rng = generator(seed)
    done, chunk, first = 0, int(batch), True
    provisional = np.full(n, np.nan)
    while active.size and done < max_draws:
        size = min(chunk, max_draws - done)
        if done < after:  # the boundary changes at a batch end
            size = min(size, after - done)
        touched = active
        h_now = h if done < after else h_late
        if first:  # the fixed test: one pass; areas with h or more extremes are decided
            blk = eng.block(_draw_rows(rng, n, eng.k_max + 1, size).T)
            extreme[active] = eng.counts(active, blk)
            used[active] = size
            active = active[extreme[active] < h]
        else:  # one shared stream, as wide as the largest neighbourhood still drawing
            width = int(eng.card[active].max()) + 1
            ids = _more_draws(rng, n, width, size)
            if eng.few_on_s(active):
                count, where = eng.step_few(active, ids, h_now - extreme[active])
            else:
                count, where = eng.step(active, eng.block(ids), h_now - extreme[active])
            cross = where >= 0
            extreme[active] += count
            stop_rows = active[cross]
            extreme[stop_rows] = h_now
            used[stop_rows] = done + where[cross] + 1
            stopped[stop_rows] = True
            active = active[~cross]
        done += size
        used[active] = done
        if done == after and h_late < h and active.size:  # h_late reached: stop here
            stopped[active[extreme[active] >= h_late]] = True  # at draw after: h / after
            active = active[extreme[active] < h_late]
        width = int(eng.card[active].max()) + 1 if active.size else 1
        chunk = int(min(2 * chunk, max(batch, min(_LATE, 8_000_000 // (width * (eng.m + 2))))))
        first = False
        if limit is not None and active.size:  # only the rows that drew have new values
            provisional[touched] = current_p(touched)
            max_draws = min(max_draws, max(done, int(limit(provisional))))
    used[active] = done
    p = np.full(n, np.nan)
    p[eng.rows] = current_p(eng.rows)
    return Sequential(extreme, used, stopped, np.minimum(p, 1.0), int(h), int(max_draws))
