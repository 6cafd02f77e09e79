"""More local statistics GeoDa has: local Geary (one and several fields), local join counts,
quantile LISA. Same permutation machinery as the LISA (fixed or ``"auto"``).

Values equal esda (``Geary_Local``, ``Geary_Local_MV``, ``Join_Counts_Local``) and, with
``ddof=1`` for the standardisation GeoDa uses, pygeoda (``local_geary``,
``local_multigeary``); join counts and quantile LISA equal pygeoda (``local_joincount``,
``local_quantilelisa``) as they are. p-values come from conditional permutation
(:mod:`.crand`): sequential by default (Besag & Clifford 1991), a fixed count on request;
every result carries q-values, levels, draws and warnings as :func:`.local.local_moran`.

Classes (GeoDa's, with GeoDa's codes in :data:`GEARY_CODES`, :data:`GEARY_MV_CODES`,
:data:`JOIN_CODES`):

- local Geary: where significant, ``Negative`` if the statistic lies above its null
  expectation (neighbours unlike the area), otherwise positive association split by the
  quadrant of the value and its lag: ``High-High``, ``Low-Low``, ``Other positive``;
  ``ns``; ``isolated`` for islands.
- multivariate local Geary: ``Positive`` / ``Negative``, ``ns``, ``isolated``.
- join counts and quantile LISA: ``cluster`` (a 1 among significantly many neighbouring
  1s), ``ns``, ``isolated``. Areas whose own value is 0 are not tested (p NaN), as in
  esda and GeoDa.

Example:
    >>> import numpy as np
    >>> from geosozial.kernel.weights import Weights
    >>> w = Weights.from_pairs(6, np.arange(5), np.arange(1, 6))
    >>> r = local_geary(np.array([1.0, 2, 3, 10, 11, 12]), w, permutations=99, seed=1)
    >>> np.round(r.values, 3).tolist()[:3]
    [0.048, 0.048, 1.195]
    >>> sorted(set(r.clusters))
    ['ns']
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import sparse

from geosozial.kernel.checks import check_values, check_weights
from geosozial.kernel.crand import linear_extremes
from geosozial.kernel.errors import KernelError
from geosozial.kernel.inference import (
    DEFAULT_H,
    DEFAULT_LOCAL_PERMUTATIONS,
    DEFAULT_SEED,
    check_alternative,
    correct,
    normal_p,
    pseudo_p,
)
from geosozial.kernel.local import (
    LocalResult,
    Permutations,
    _finish,
    _method,
    _plan,
)
from geosozial.kernel.weights import Weights

GEARY_CLASSES = ("High-High", "Low-Low", "Other positive", "Negative", "ns", "isolated")
#: GeoDa's cluster codes of the local Geary (5 is GeoDa's "Undefined")
GEARY_CODES = {"ns": 0, "High-High": 1, "Low-Low": 2, "Other positive": 3, "Negative": 4,
               "isolated": 6}
GEARY_MV_CLASSES = ("Positive", "Negative", "ns", "isolated")
#: GeoDa's cluster codes of the multivariate local Geary (3 is "Undefined")
GEARY_MV_CODES = {"ns": 0, "Positive": 1, "Negative": 2, "isolated": 4}
JOIN_CLASSES = ("cluster", "ns", "isolated")
#: GeoDa's cluster codes of local join counts and quantile LISA (2 is "Undefined")
JOIN_CODES = {"ns": 0, "cluster": 1, "isolated": 3}


def linear_moments(fields: np.ndarray, w: sparse.csr_array, coef: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Null mean and variance of ``T_i = sum_j w_ij sum_f coef[i, f] fields[f, J_j]``.

    Under conditional randomisation the ``k_i`` neighbour values are a sample without
    replacement from the ``N = n - 1`` other observations, so with ``G_i`` the combined
    field ``sum_f coef[i, f] fields[f]`` over the others (mean ``mu_i``, population
    variance ``s2_i``): ``E T_i = mu_i sum_j w_ij`` and
    ``Var T_i = s2_i (N sum_j w_ij² - (sum_j w_ij)²) / (N - 1)``.

    Parameters
    ----------
    fields : numpy.ndarray
        ``m x n`` values.
    w : scipy.sparse.csr_array
        Weights (no diagonal).
    coef : numpy.ndarray
        ``n x m`` coefficients.

    Returns
    -------
    tuple of numpy.ndarray
        Mean and variance per observation.

    Examples
    --------
    >>> w = sparse.csr_array(np.array([[0, 1, 1], [1, 0, 1], [1, 1, 0]], dtype=float))
    >>> mean, var = linear_moments(np.array([[1.0, 2.0, 3.0]]), w, np.ones((3, 1)))
    >>> mean.tolist(), var.tolist()
    ([5.0, 4.0, 3.0], [0.0, 0.0, 0.0])
    """
    f = np.atleast_2d(np.asarray(fields, dtype=float))
    m, n = f.shape
    coef = np.asarray(coef, dtype=float).reshape(n, m)
    big_n = n - 1
    total = f.sum(axis=1)
    cross = f @ f.T
    s_f = (total[:, None] - f).T / big_n  # n x m: means over the others
    # covariance over the others, per observation: (S_fg - f_i g_i) / N - mean_f mean_g
    own = f.T[:, :, None] * f.T[:, None, :]
    cov = (cross[None, :, :] - own) / big_n - s_f[:, :, None] * s_f[:, None, :]
    mu = (coef * s_f).sum(axis=1)
    s2 = np.einsum("if,ifg,ig->i", coef, cov, coef)
    rowsum = np.asarray(w.sum(axis=1)).ravel()
    rowsq = np.asarray(w.multiply(w).sum(axis=1)).ravel()
    factor = (big_n * rowsq - rowsum**2) / max(big_n - 1, 1)
    return mu * rowsum, np.maximum(s2, 0.0) * factor


def _standardise(x: np.ndarray, ddof: int) -> np.ndarray:
    if ddof not in (0, 1):
        raise KernelError("ddof", "ddof must be 0 (esda) or 1 (GeoDa)", ddof=ddof)
    return (x - x.mean()) / x.std(ddof=ddof)


def _pairs(wmat: sparse.csr_array) -> tuple[np.ndarray, np.ndarray]:
    row = np.repeat(np.arange(wmat.shape[0]), np.diff(wmat.indptr))
    return row, wmat.indices


def _p_values(plan: Any, fields: np.ndarray, wmat: sparse.csr_array, coef: np.ndarray,
              observed: np.ndarray, center: np.ndarray, alternative: str, seed: int | None,
              z: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """Permutation (sequential or fixed) or normal p of a statistic linear in sums."""
    if plan.sequential:
        from geosozial.kernel.crand import sequential_extremes

        res = sequential_extremes(fields, wmat, coef, observed, alternative, seed=seed,
                                  h=int(plan.h or DEFAULT_H), max_draws=plan.draws,
                                  center=center, limit=plan.limit(), late=plan.late)
        return res.p, res.draws
    if plan.draws > 0:
        counts = linear_extremes(fields, wmat, coef, observed, alternative, plan.draws, seed,
                                 center=center)
        return pseudo_p(counts, plan.draws), None
    return normal_p(z, alternative), None


def geary_classes(z: np.ndarray, lag: np.ndarray, positive: np.ndarray,
                  significant: np.ndarray, islands: np.ndarray) -> np.ndarray:
    """GeoDa's local Geary classes (see the module docstring).

    Parameters
    ----------
    z, lag : numpy.ndarray
        Standardised value and its (row-standardised) spatial lag.
    positive : numpy.ndarray
        Statistic at most its null expectation (positive association).
    significant, islands : numpy.ndarray
        Masks.

    Returns
    -------
    numpy.ndarray
        Class names.

    Examples
    --------
    >>> geary_classes(np.array([1.0, -1, -1, 1, 1]), np.array([1.0, -1, 1, -1, 1]),
    ...               np.array([True, True, True, False, True]),
    ...               np.array([True, True, True, True, False]), np.zeros(5, bool)).tolist()
    ['High-High', 'Low-Low', 'Other positive', 'Negative', 'ns']
    """
    quad = np.select([positive & (z > 0) & (lag > 0), positive & (z < 0) & (lag < 0),
                      positive], ["High-High", "Low-Low", "Other positive"],
                     default="Negative")
    out = np.full(len(z), "ns", dtype=object)
    out[significant] = quad[significant]
    out[islands] = "isolated"
    return out


def _geary(zs: np.ndarray, w: Weights, name: str, permutations: Permutations,
           seed: int | None, alternative: str, correction: str, alpha: float, transform: str,
           h: int, max_permutations: int | None) -> LocalResult:
    m, n = zs.shape
    correct(np.array([0.5]), correction, alpha)
    wt = w.transformed(transform)
    plan = _plan(permutations, wt, correction, alpha, h, max_permutations)
    wmat = wt.sparse
    islands = wt.cardinalities == 0
    row, col = _pairs(wmat)
    values = np.zeros(n)
    for zv in zs:
        values += np.bincount(row, weights=wmat.data * (zv[row] - zv[col]) ** 2, minlength=n)
    values /= m
    # the permuted part: c_i = const_i + sum_v (-2 z_vi / m) lag(z_v)_i + lag(q / m)_i
    fields = np.vstack([zs, (zs**2).sum(axis=0)[None, :]])
    coef = np.column_stack([(-2.0 / m) * zs.T, np.full(n, 1.0 / m)])
    rowsum = np.asarray(wmat.sum(axis=1)).ravel()
    const = rowsum * (zs**2).sum(axis=0) / m
    observed = sum(coef[:, f] * (wmat @ fields[f]) for f in range(m + 1))
    mean, var = linear_moments(fields, wmat, coef)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(islands | (var <= 0), np.nan, (observed - mean) / np.sqrt(var))
    p, draws = _p_values(plan, fields, wmat, coef, observed, mean, alternative, seed, z)
    p = np.where(islands, np.nan, p)
    significant, threshold = correct(p, correction, alpha)
    positive = values <= const + mean
    lag = w.row_standardised().sparse @ zs[0]
    if m == 1:
        clusters = geary_classes(zs[0], lag, positive, significant, islands)
    else:
        clusters = np.where(positive, "Positive", "Negative").astype(object)
        clusters[~significant] = "ns"
        clusters[islands] = "isolated"
    result = LocalResult(
        statistic=name, values=values, z=z, p=p, lag=lag, significant=significant,
        threshold=threshold, islands=islands,
        method=_method(name, w, plan.requested, seed, alternative, correction, alpha,
                       transform),
        clusters=clusters)
    result.method["expected"] = "conditional"
    if m > 1:
        result.method["fields"] = m
    return _finish(result, plan, draws, n)


def local_geary(
    y: np.ndarray,
    w: Weights,
    *,
    permutations: Permutations = DEFAULT_LOCAL_PERMUTATIONS,
    seed: int | None = DEFAULT_SEED,
    alternative: str = "two-sided",
    correction: str = "fdr",
    alpha: float = 0.05,
    transform: str = "R",
    ddof: int = 0,
    h: int = DEFAULT_H,
    max_permutations: int | None = None,
) -> LocalResult:
    """Local Geary c_i = sum_j w_ij (z_i - z_j)² (Anselin 2019), as esda ``Geary_Local``.

    ``z`` is standardised with the population standard deviation (``ddof=0``, esda);
    ``ddof=1`` gives GeoDa's / pygeoda's values. Small values mean neighbours like the
    area (positive association), large ones neighbours unlike it. The null expectation
    and the z-score are those of conditional randomisation (:func:`linear_moments`);
    ``folded`` takes the tail on the side of that expectation, as GeoDa does.

    Parameters
    ----------
    y : numpy.ndarray
        Values, one per area.
    w : Weights
        Spatial weights (row-standardised by default, as esda and GeoDa).
    permutations : int or "auto"
        As :func:`~geosozial.kernel.local.local_moran`.
    seed, alternative, correction, alpha, h, max_permutations
        As :func:`~geosozial.kernel.local.local_moran`.
    transform : str
        ``R`` (default), ``B`` or ``V``.
    ddof : int
        0 (esda, default) or 1 (GeoDa).

    Returns
    -------
    LocalResult
        Values, z, p, q, level, clusters (:data:`GEARY_CLASSES`), draws, warnings.

    Examples
    --------
    >>> from geosozial.kernel.weights import Weights
    >>> w = Weights.from_pairs(4, np.array([0, 1, 2]), np.array([1, 2, 3]))
    >>> np.round(local_geary(np.array([1.0, 2, 8, 9]), w, permutations=0).values, 4).tolist()
    [0.08, 1.48, 1.48, 0.08]
    """
    check_alternative(alternative)
    y = check_values(y)
    check_weights(w, len(y))
    return _geary(_standardise(y, ddof)[None, :], w, "local_geary", permutations, seed,
                  alternative, correction, alpha, transform, h, max_permutations)


def local_geary_mv(
    fields: np.ndarray | list[np.ndarray],
    w: Weights,
    *,
    permutations: Permutations = DEFAULT_LOCAL_PERMUTATIONS,
    seed: int | None = DEFAULT_SEED,
    alternative: str = "two-sided",
    correction: str = "fdr",
    alpha: float = 0.05,
    transform: str = "R",
    ddof: int = 0,
    h: int = DEFAULT_H,
    max_permutations: int | None = None,
) -> LocalResult:
    """Multivariate local Geary: the mean over fields of each field's local Geary
    (Anselin 2019), as esda ``Geary_Local_MV`` (``ddof=1``: pygeoda ``local_multigeary``).

    Each field is standardised on its own; the fields are permuted together (one draw of
    areas serves all fields). ``lag`` holds the lag of the first field.

    Parameters
    ----------
    fields : array-like
        ``m x n``: m fields (at least 2) of n values.
    w : Weights
        Spatial weights.
    permutations, seed, alternative, correction, alpha, transform, ddof, h, max_permutations
        As :func:`local_geary`.

    Returns
    -------
    LocalResult
        Values, z, p, q, level, clusters (:data:`GEARY_MV_CLASSES`), draws, warnings.

    Examples
    --------
    >>> from geosozial.kernel.weights import Weights
    >>> w = Weights.from_pairs(4, np.array([0, 1, 2]), np.array([1, 2, 3]))
    >>> r = local_geary_mv([[1.0, 2, 8, 9], [2.0, 1, 9, 8]], w, permutations=0)
    >>> np.round(r.values, 4).tolist()
    [0.08, 2.04, 2.04, 0.08]
    """
    check_alternative(alternative)
    rows = [check_values(f, f"field {i + 1}") for i, f in enumerate(fields)]
    if len(rows) < 2:
        raise KernelError("fields", "the multivariate local Geary needs at least 2 fields",
                          fields=len(rows))
    n = len(rows[0])
    if any(len(r) != n for r in rows):
        raise KernelError("fields", "all fields need the same number of values",
                          lengths=[len(r) for r in rows])
    check_weights(w, n)
    zs = np.vstack([_standardise(r, ddof) for r in rows])
    return _geary(zs, w, "local_geary_mv", permutations, seed, alternative, correction,
                  alpha, transform, h, max_permutations)


def _binary(x: np.ndarray, name: str) -> np.ndarray:
    x = np.asarray(x, dtype=float).ravel()
    bad = np.flatnonzero(~np.isin(x, (0.0, 1.0)))
    if bad.size:
        raise KernelError("binary", f"{name} must hold only 0 and 1", field=name,
                          positions=bad[:20].tolist())
    if x.size < 3:
        raise KernelError("too_few", f"{name} needs at least 3 observations", field=name,
                          n=int(x.size))
    if x.min() == x.max():
        raise KernelError("constant", f"{name} is constant ({x[0]!r}); nothing to analyse",
                          field=name, value=float(x[0]))
    return x


def _join_counts(x: np.ndarray, w: Weights, name: str, permutations: Permutations,
                 seed: int | None, alternative: str, correction: str, alpha: float,
                 h: int, max_permutations: int | None) -> LocalResult:
    n = len(x)
    correct(np.array([0.5]), correction, alpha)
    wb = w.binary()
    islands = wb.cardinalities == 0
    untested = islands | (x == 0)
    plan = _plan(permutations, wb, correction, alpha, h, max_permutations,
                 n_tests=int((~untested).sum()))
    wmat = wb.sparse
    lag = wmat @ x
    values = x * lag
    coef = x[:, None]
    mean, var = linear_moments(x[None, :], wmat, coef)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(untested | (var <= 0), np.nan, (values - mean) / np.sqrt(var))
    p, draws = _p_values(plan, x[None, :], wmat, coef, values, mean, alternative, seed, z)
    p = np.where(untested, np.nan, p)
    if draws is not None:
        draws = np.where(untested, 0, draws)
    significant, threshold = correct(p, correction, alpha)
    clusters = np.full(n, "ns", dtype=object)
    clusters[significant & (values > mean)] = "cluster"
    clusters[islands] = "isolated"
    result = LocalResult(
        statistic=name, values=values, z=z, p=p, lag=lag, significant=significant,
        threshold=threshold, islands=islands,
        method=_method(name, w, plan.requested, seed, alternative, correction, alpha, "B"),
        clusters=clusters)
    result = _finish(result, plan, draws, n, untested)
    result.method["tested"] = int((~untested).sum())
    return result


def local_join_counts(
    x: np.ndarray,
    w: Weights,
    *,
    permutations: Permutations = DEFAULT_LOCAL_PERMUTATIONS,
    seed: int | None = DEFAULT_SEED,
    alternative: str = "greater",
    correction: str = "fdr",
    alpha: float = 0.05,
    h: int = DEFAULT_H,
    max_permutations: int | None = None,
) -> LocalResult:
    """Univariate local join counts of a 0/1 field (Anselin & Li 2019), as esda
    ``Join_Counts_Local`` and pygeoda ``local_joincount``: ``x_i * sum_j w_ij x_j`` with
    binary weights, the number of neighbours with a 1 of an area with a 1.

    Only areas with ``x_i = 1`` are tested (p NaN elsewhere, as esda and GeoDa); the
    default alternative is ``greater`` (more 1-1 joins than chance: a cluster of ones),
    since a join count measures co-location of ones only.

    Parameters
    ----------
    x : numpy.ndarray
        0/1 values.
    w : Weights
        Spatial weights (used as binary).
    permutations, seed, correction, alpha, h, max_permutations
        As :func:`~geosozial.kernel.local.local_moran`.
    alternative : str
        ``greater`` (default), ``two-sided``, ``less`` or ``folded``.

    Returns
    -------
    LocalResult
        Values (join counts), z, p, q, level, clusters (:data:`JOIN_CLASSES`), draws.

    Examples
    --------
    >>> from geosozial.kernel.weights import Weights
    >>> w = Weights.from_pairs(5, np.arange(4), np.arange(1, 5))
    >>> r = local_join_counts(np.array([1, 1, 1, 0, 0]), w, permutations=99)
    >>> r.values.tolist(), np.isnan(r.p).tolist()
    ([1.0, 2.0, 1.0, 0.0, 0.0], [False, False, False, True, True])
    """
    check_alternative(alternative)
    x = _binary(x, "x")
    check_weights(w, len(x))
    return _join_counts(x, w, "local_join_counts", permutations, seed, alternative,
                        correction, alpha, h, max_permutations)


def quantile_breaks(y: np.ndarray, k: int) -> np.ndarray:
    """The ``k - 1`` quantile breaks GeoDa uses (``GenUtils::QuantileBreaks``).

    Break ``i`` is the ``100 (i + 1) / k`` percentile with GeoDa's interpolation
    between the sorted values ``v`` (percentile of ``v[i]`` is ``100 (i + 0.5) / N``,
    the Hazen rule), computed with GeoDa's arithmetic so that class edges agree exactly.

    Parameters
    ----------
    y : numpy.ndarray
        Values.
    k : int
        Number of quantiles (2 .. n - 1).

    Returns
    -------
    numpy.ndarray
        The breaks.

    Examples
    --------
    >>> quantile_breaks(np.array([15.0, 20, 35, 40, 50]), 4).tolist()
    [18.75, 35.0, 42.5]
    """
    v = np.sort(np.asarray(y, dtype=float))
    n = len(v)
    nd = float(n)
    p_i = (100.0 / nd) * ((np.arange(n, dtype=float) + 1.0) - 0.5)
    out = []
    for i in range(int(k) - 1):
        x = ((i + 1.0) * 100.0) / float(k)
        if x <= p_i[0]:
            out.append(v[0])
            continue
        if x >= p_i[-1]:
            out.append(v[-1])
            continue
        j = int(np.searchsorted(p_i, x, side="left"))  # first j with x <= p_j
        if x == p_i[j]:
            out.append(v[j])
            continue
        p_im1 = (100.0 / nd) * (float(j) - 0.5)
        out.append(v[j - 1] + nd * ((x - p_im1) / 100.0) * (v[j] - v[j - 1]))
    return np.array(out, dtype=float)


def quantile_class(y: np.ndarray, k: int, q: int) -> np.ndarray:
    """0/1: the areas in quantile class ``q`` (1 = lowest .. k) of ``k`` (GeoDa's rule:
    ``left <= y < right`` between consecutive :func:`quantile_breaks`).

    Parameters
    ----------
    y : numpy.ndarray
        Values.
    k, q : int
        Number of quantiles and the class (1-based).

    Returns
    -------
    numpy.ndarray
        0/1 floats.

    Examples
    --------
    >>> quantile_class(np.arange(10.0), 5, 5).tolist()
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0]
    """
    y = np.asarray(y, dtype=float)
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 2 <= k < len(y):
        raise KernelError("quantiles", "k must be a whole number from 2 to n - 1", k=k,
                          n=len(y))
    if isinstance(q, bool) or not isinstance(q, (int, np.integer)) or not 1 <= q <= k:
        raise KernelError("quantile", "q must be a class from 1 (lowest) to k", q=q, k=k)
    breaks = quantile_breaks(y, k)
    left = -np.inf if q == 1 else breaks[q - 2]
    right = np.inf if q == k else breaks[q - 1]
    return ((y >= left) & (y < right)).astype(float)


def quantile_lisa(
    y: np.ndarray,
    w: Weights,
    k: int,
    q: int,
    *,
    permutations: Permutations = DEFAULT_LOCAL_PERMUTATIONS,
    seed: int | None = DEFAULT_SEED,
    alternative: str = "greater",
    correction: str = "fdr",
    alpha: float = 0.05,
    h: int = DEFAULT_H,
    max_permutations: int | None = None,
) -> LocalResult:
    """Quantile LISA (Anselin 2019): local join counts of "in quantile class q of k",
    as pygeoda ``local_quantilelisa(w, y, k, q)``.

    Parameters
    ----------
    y : numpy.ndarray
        Values.
    w : Weights
        Spatial weights.
    k, q : int
        Number of quantiles and the class of interest (1 = lowest, k = highest).
    permutations, seed, alternative, correction, alpha, h, max_permutations
        As :func:`local_join_counts`.

    Returns
    -------
    LocalResult
        As :func:`local_join_counts`; ``method`` records ``k`` and ``q``.

    Examples
    --------
    >>> from geosozial.kernel.weights import Weights
    >>> w = Weights.from_pairs(10, np.arange(9), np.arange(1, 10))
    >>> r = quantile_lisa(np.arange(10.0), w, 5, 5, permutations=99)
    >>> r.values.tolist()[-3:], r.method["k"], r.method["q"]
    ([0.0, 1.0, 1.0], 5, 5)
    """
    check_alternative(alternative)
    y = check_values(y)
    check_weights(w, len(y))
    x = _binary(quantile_class(y, k, q), f"quantile {q} of {k}")
    result = _join_counts(x, w, "quantile_lisa", permutations, seed, alternative, correction,
                          alpha, h, max_permutations)
    result.method.update({"k": int(k), "q": int(q)})
    return result
