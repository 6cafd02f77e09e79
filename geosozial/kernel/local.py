"""Local statistics: local Moran (LISA), Gi and Gi*, bivariate and EB-rate LISA.

Values match esda (``Moran_Local``, ``G_Local``, ``Moran_Local_BV``,
``Moran_Local_Rate``); inference is conditional permutation (:mod:`.crand`) with the
alternative named, multiple testing corrected (Benjamini–Hochberg by default), islands
in their own class ``isolated`` and never significant.

``permutations="auto"`` (the default) gives sequential Monte Carlo p-values (Besag &
Clifford 1991, "Sequential Monte Carlo p-values", Biometrika 78(2), 301-304): the first
999 draws are the fixed test, and an area with ``h`` (default 10) or more extreme values
among them keeps its fixed pseudo p; every other area draws on until it has seen ``h``
extreme values or reaches a maximum chosen so that the correction can be passed
(:func:`~.inference.auto_permutations`, lowered with Benjamini-Hochberg to what the
number of discoveries asks for, :func:`~.inference.adaptive_max`): ``p = h / L`` after
``L`` draws, ``(g + 1) / (max + 1)`` at the maximum. Only candidates draw to the
maximum. An integer gives today's fixed pseudo p = (extreme + 1) / (permutations + 1),
bit for bit. Every
result carries BH q-values (``q``), corrected significance levels (``level``), the
draws per area (``draws``) and warnings as data (``warnings``).

Example:
    >>> import numpy as np
    >>> from geosozial.kernel.weights import Weights
    >>> i, j = np.arange(9), np.arange(1, 10)
    >>> w = Weights.from_pairs(10, i, j, kind="chain")
    >>> r = local_moran(np.arange(10.0), w, permutations=99, seed=1)
    >>> r.clusters[:2].tolist(), r.method["permutations"]
    (['ns', 'ns'], 99)
    >>> r = local_moran(np.arange(10.0), w, seed=1)
    >>> r.method["permutations"], r.method["sequential"], [x.code for x in r.warnings]
    ('auto', True, ['few_areas'])
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse

from geosozial.kernel.checks import check_values, check_weights
from geosozial.kernel.crand import lag_extremes, sequential_extremes
from geosozial.kernel.errors import KernelError, KernelWarning
from geosozial.kernel.inference import (
    BATCH,
    DEFAULT_H,
    DEFAULT_LOCAL_PERMUTATIONS,
    DEFAULT_SEED,
    adaptive_max,
    auto_permutations,
    check_alternative,
    check_permutations,
    correct,
    inference_warnings,
    late_stop,
    needed_p,
    normal_p,
    pseudo_p,
    q_values,
    significance_levels,
)
from geosozial.kernel.weights import Weights

#: ``permutations`` of the local statistics: a fixed count or ``"auto"``
Permutations = int | str

LISA_CLASSES = ("HH", "LL", "LH", "HL", "ns", "isolated")
GI_LEVELS = (0.01, 0.05, 0.10)  # bins 3, 2, 1 (99 / 95 / 90 % confidence)


@dataclass
class LocalResult:
    """One local statistic per observation, with the method that produced it.

    ``values`` the statistic (local I or G), ``z`` its analytic z-score, ``p`` the
    p-value (sequential or fixed permutation p, or normal if ``permutations == 0``),
    ``lag`` the spatial lag used for the quadrant, ``significant`` after correction,
    ``clusters`` (LISA classes) or ``bins`` (Gi* bins -3..3), ``islands`` a mask.
    ``q`` the Benjamini-Hochberg adjusted p (NaN for islands), ``level`` the
    significance level after the correction (0 not significant, 1 / 2 / 3 for
    0.05 / 0.01 / 0.001, each corrected), ``draws`` the permutations each area used
    (0 for islands and normal p), ``warnings`` :class:`~.errors.KernelWarning` s
    (``few_areas``, ``unreachable``, ``small_bases``).
    """

    statistic: str
    values: np.ndarray
    z: np.ndarray
    p: np.ndarray
    lag: np.ndarray
    significant: np.ndarray
    threshold: float
    islands: np.ndarray
    method: dict[str, Any]
    clusters: np.ndarray | None = None
    bins: np.ndarray | None = None
    simulations: np.ndarray | None = field(default=None, repr=False)
    q: np.ndarray | None = None
    level: np.ndarray | None = None
    draws: np.ndarray | None = None
    warnings: list[KernelWarning] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Number of observations per class (LISA) or bin (Gi*)."""
        labels = self.clusters if self.clusters is not None else self.bins
        keys, n = np.unique(labels.astype(str), return_counts=True)
        return {str(k): int(c) for k, c in zip(keys, n, strict=True)}


def _method(name: str, w: Weights, permutations: int | str, seed: int | None,
            alternative: str, correction: str, alpha: float, transform: str
            ) -> dict[str, Any]:
    return {"statistic": name, "weights": w.kind, "transform": transform,
            "permutations": permutations if isinstance(permutations, str) else int(permutations),
            "seed": seed, "alternative": alternative,
            "correction": correction, "alpha": alpha, "islands": len(w.islands)}


@dataclass
class _Plan:
    """How p-values are made: fixed count, sequential with a maximum, or normal."""

    requested: int | str
    sequential: bool
    draws: int  # fixed count or the sequential maximum (0: normal p)
    h: int | None
    limited: bool = False
    correction: str = "none"
    alpha: float = 0.05
    adaptive: bool = True
    late: tuple[int, int] | None = None  # (from which draw, stopping count from then)

    def limit(self) -> Any:
        """The rule that shrinks the maximum once discoveries are known (FDR), or None."""
        if not self.sequential or not self.adaptive or self.correction != "fdr":
            return None
        return lambda p: adaptive_max(p, self.correction, self.alpha, self.draws)


def _plan(permutations: Any, w: Weights, correction: str, alpha: float, h: int,
          max_permutations: int | None, n_tests: int | None = None) -> _Plan:
    requested = check_permutations(permutations)
    if requested != "auto":
        return _Plan(requested, False, int(requested), None)
    if isinstance(h, bool) or not isinstance(h, (int, np.integer)) or h < 1:
        raise KernelError("h", "h must be a whole number >= 1", h=h)
    card = w.cardinalities
    if n_tests is None:
        n_tests = int((card > 0).sum())
    k_max = int(card.max()) if len(card) else 0
    if max_permutations is not None:
        if (isinstance(max_permutations, bool)
                or not isinstance(max_permutations, (int, np.integer)) or max_permutations < 1):
            raise KernelError("max_permutations", "max_permutations must be a count >= 1",
                              max_permutations=max_permutations)
        draws, limited, adaptive = int(max_permutations), False, False
    else:
        draws, limited = auto_permutations(n_tests, k_max, correction, alpha)
        adaptive = True
    late = late_stop(int(h), draws, needed_p(n_tests, correction, alpha))
    return _Plan("auto", True, draws, int(h), limited, correction, alpha, adaptive, late)


def _sequential_p(plan: _Plan, fields: np.ndarray, wmat: sparse.csr_array, coef: np.ndarray,
                  observed: np.ndarray, alternative: str, seed: int | None
                  ) -> tuple[np.ndarray, np.ndarray]:
    res = sequential_extremes(fields, wmat, coef, observed, alternative, seed=seed,
                              h=int(plan.h or DEFAULT_H), max_draws=plan.draws, batch=BATCH,
                              limit=plan.limit(), late=plan.late)
    return res.p, res.draws


def _finish(result: LocalResult, plan: _Plan, draws: np.ndarray | None, n: int,
            untested: np.ndarray | None = None) -> LocalResult:
    """q-values, levels, draws, warnings and the method record of a local result."""
    correction, alpha = result.method["correction"], result.method["alpha"]
    untested = result.islands if untested is None else untested
    result.q = q_values(result.p)
    result.level = significance_levels(result.p, correction)
    if draws is None:
        draws = np.where(untested, 0, plan.draws if plan.draws > 0 else 0)
    result.draws = np.asarray(draws, dtype=np.int64)
    n_tests = int((~untested).sum())
    result.warnings = inference_warnings(n, n_tests, correction, alpha, plan.draws,
                                         sequential=plan.sequential) + result.warnings
    method = result.method
    method["sequential"] = plan.sequential
    if plan.sequential:
        method.update({"permutations": "auto", "h": plan.h, "max_permutations": plan.draws,
                       "late": list(plan.late) if plan.late else None,
                       "batch": BATCH, "limited": plan.limited,
                       "adaptive": plan.limit() is not None,
                       "draws_total": int(result.draws.sum()),
                       "draws_max": int(result.draws.max()) if len(result.draws) else 0})
    if plan.draws > 0:
        method["min_p"] = 1.0 / (plan.draws + 1.0)
    method["warnings"] = [x.as_dict() for x in result.warnings]
    return result


def _signed_counts(values: np.ndarray, wmat: sparse.csr_array, lag: np.ndarray,
                   sign: np.ndarray, alternative: str, permutations: int, seed: int | None,
                   keep: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """Extreme counts for a statistic ``sign_i * lag_i`` (times a positive factor)."""
    if alternative in ("greater", "less"):
        other = "less" if alternative == "greater" else "greater"
        up, sims = lag_extremes(values, wmat, lag, alternative, permutations, seed, keep)
        down, _ = lag_extremes(values, wmat, lag, other, permutations, seed, False)
        counts = np.where(sign > 0, up, down)
    else:
        counts, sims = lag_extremes(values, wmat, lag, alternative, permutations, seed, keep)
    counts = np.where(sign == 0, permutations, counts)  # statistic is 0 in every draw
    return counts, sims


def lisa_classes(z: np.ndarray, lag: np.ndarray, significant: np.ndarray,
                 islands: np.ndarray) -> np.ndarray:
    """HH, LL, LH, HL where significant, ``ns`` elsewhere, ``isolated`` for islands.

    Example:
        >>> lisa_classes(np.array([1.0, -1, -1, 1, 1]), np.array([1.0, -1, 1, -1, 1]),
        ...              np.array([True, True, True, True, False]),
        ...              np.array([False] * 5)).tolist()
        ['HH', 'LL', 'LH', 'HL', 'ns']
    """
    out = np.full(len(z), "ns", dtype=object)
    quad = np.select([(z > 0) & (lag > 0), (z < 0) & (lag < 0), (z < 0) & (lag > 0),
                      (z > 0) & (lag < 0)], ["HH", "LL", "LH", "HL"], default="ns")
    out[significant] = quad[significant]
    out[islands] = "isolated"
    return out


def _local_moran_core(zx: np.ndarray, zy: np.ndarray, w: Weights, name: str,
                      permutations: Permutations, seed: int | None, alternative: str,
                      correction: str, alpha: float, transform: str,
                      keep_simulations: bool, h: int = DEFAULT_H,
                      max_permutations: int | None = None) -> LocalResult:
    n = len(zx)
    correct(np.array([0.5]), correction, alpha)  # names a wrong correction or alpha early
    wt = w.transformed(transform)
    plan = _plan(permutations, wt, correction, alpha, h, max_permutations)
    wmat = wt.sparse
    lag = wmat @ zy
    den = (zx * zx).sum()
    values = (n - 1) * zx * lag / den
    islands = wt.cardinalities == 0
    # analytic moments under randomisation (esda Moran_Local.EI / VI)
    m2 = den / n
    wi = np.asarray(wmat.sum(axis=1)).ravel()
    wi2 = np.asarray(wmat.multiply(wmat).sum(axis=1)).ravel()
    zx2 = zx * zx  # products, not pow: numpy versions differ in pow's last bit
    b2 = ((zx2 * zx2).sum() / n) / (m2 * m2)
    ei = -wi / (n - 1)
    vi = wi2 * (n - b2) / (n - 1) + (wi**2 - wi2) * (2 * b2 - n) / ((n - 1) * (n - 2))
    vi -= ei**2
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(islands, np.nan, (values - ei) / np.sqrt(vi))
    sims = None
    draws = None
    if plan.sequential:
        coef = ((n - 1) * zx / den)[:, None]
        p, draws = _sequential_p(plan, zy[None, :], wmat, coef, values, alternative, seed)
    elif plan.draws > 0:
        permutations = plan.draws
        counts, sims = _signed_counts(zy, wmat, lag, np.sign(zx), alternative, permutations,
                                      seed, keep_simulations)
        p = pseudo_p(counts, permutations)
        if sims is not None:
            sims = (n - 1) * zx[:, None] * sims / den
    else:
        p = normal_p(z, alternative)
    p = np.where(islands, np.nan, p)
    significant, threshold = correct(p, correction, alpha)
    result = LocalResult(
        statistic=name, values=values, z=z, p=p, lag=lag, significant=significant,
        threshold=threshold, islands=islands,
        method=_method(name, w, plan.requested, seed, alternative, correction, alpha,
                       transform),
        clusters=lisa_classes(zx, lag, significant, islands), simulations=sims)
    return _finish(result, plan, draws, n)


def local_moran(
    y: np.ndarray,
    w: Weights,
    *,
    permutations: Permutations = DEFAULT_LOCAL_PERMUTATIONS,
    seed: int | None = DEFAULT_SEED,
    alternative: str = "two-sided",
    correction: str = "fdr",
    alpha: float = 0.05,
    transform: str = "R",
    keep_simulations: bool = False,
    h: int = DEFAULT_H,
    max_permutations: int | None = None,
) -> LocalResult:
    """Local Moran's I_i = (n-1) z_i (W z)_i / sum(z²) with z standardised (as esda).

    Parameters
    ----------
    y : numpy.ndarray
        Values, one per area (no missing values, not constant).
    w : Weights
        Spatial weights.
    permutations : int or "auto"
        ``"auto"`` (default): sequential p-values with an automatic maximum; an
        integer: that many conditional permutations (today's pseudo p); 0: normal p.
    seed : int or None
        Seed of the draws (recorded in ``method``).
    alternative : str
        ``two-sided`` (default), ``greater``, ``less`` or ``folded``.
    correction : str
        ``fdr`` (Benjamini-Hochberg, default), ``bonferroni`` or ``none``.
    alpha : float
        Level of the correction.
    transform : str
        Weights transform, ``R`` (row-standardised, default), ``B`` or ``V``.
    keep_simulations : bool
        Keep the n x P permuted statistics (fixed permutations only).
    h : int
        Sequential: extreme draws after which an area stops (default 10).
    max_permutations : int, optional
        Sequential: the maximum number of draws instead of the automatic one.

    Returns
    -------
    LocalResult
        Values, z, p, q, level, clusters (HH, LL, LH, HL, ns, isolated), draws,
        warnings and the method record.

    Examples
    --------
    >>> from geosozial.kernel.weights import Weights
    >>> w = Weights.from_pairs(4, np.array([0, 1, 2]), np.array([1, 2, 3]))
    >>> r = local_moran(np.array([1.0, 2.0, 8.0, 9.0]), w, permutations=0)
    >>> np.round(r.values, 4).tolist()
    [0.72, 0.09, 0.09, 0.72]
    >>> r = local_moran(np.array([1.0, 2.0, 8.0, 9.0]), w)
    >>> r.method["sequential"], r.method["max_permutations"], r.draws.tolist()
    (True, 999, [999, 999, 999, 999])
    """
    check_alternative(alternative)
    y = check_values(y)
    check_weights(w, len(y))
    z = (y - y.mean()) / y.std()
    return _local_moran_core(z, z, w, "local_moran", permutations, seed, alternative,
                             correction, alpha, transform, keep_simulations, h,
                             max_permutations)


def local_moran_bv(
    x: np.ndarray,
    y: np.ndarray,
    w: Weights,
    *,
    permutations: Permutations = DEFAULT_LOCAL_PERMUTATIONS,
    seed: int | None = DEFAULT_SEED,
    alternative: str = "two-sided",
    correction: str = "fdr",
    alpha: float = 0.05,
    transform: str = "R",
    h: int = DEFAULT_H,
    max_permutations: int | None = None,
) -> LocalResult:
    """Bivariate local Moran: x at i against the lag of y (esda ``Moran_Local_BV``).

    Parameters
    ----------
    x, y : numpy.ndarray
        The field at the area and the field whose neighbour lag is taken.
    w : Weights
        Spatial weights.
    permutations, seed, alternative, correction, alpha, transform, h, max_permutations
        As :func:`local_moran`.

    Returns
    -------
    LocalResult
        As :func:`local_moran`.

    Examples
    --------
    >>> from geosozial.kernel.weights import Weights
    >>> w = Weights.from_pairs(4, np.array([0, 1, 2]), np.array([1, 2, 3]))
    >>> r = local_moran_bv(np.array([1.0, 2, 8, 9]), np.array([2.0, 1, 9, 8]), w,
    ...                    permutations=0)
    >>> r.statistic
    'local_moran_bv'
    """
    check_alternative(alternative)
    x, y = check_values(x, "x"), check_values(y, "y")
    check_weights(w, len(y))
    zx = (x - x.mean()) / x.std()
    zy = (y - y.mean()) / y.std()
    return _local_moran_core(zx, zy, w, "local_moran_bv", permutations, seed, alternative,
                             correction, alpha, transform, False, h, max_permutations)


def eb_rates(events: np.ndarray, base: np.ndarray) -> np.ndarray:
    """Empirical Bayes standardised rates (Assunção–Reis 1999), as esda ``assuncao_rate``.

    Example:
        >>> e = np.array([30, 25, 25, 15, 33, 21, 30, 20])
        >>> b = np.array([100, 100, 110, 90, 100, 90, 110, 90])
        >>> np.round(eb_rates(e, b)[:4], 8).tolist()
        [1.03843594, -0.04099089, -0.56250375, -1.73061861]
    """
    e = np.asarray(events, dtype=float)
    b = np.asarray(base, dtype=float)
    if (b <= 0).any():
        bad = np.flatnonzero(b <= 0)
        raise KernelError("base", "population at risk must be positive",
                          positions=bad.tolist())
    if (e < 0).any():
        raise KernelError("events", "event counts must not be negative",
                          positions=np.flatnonzero(e < 0).tolist())
    r = e / b
    b_mean = e.sum() / b.sum()
    s2 = (b * (r - b_mean) ** 2).sum() / b.sum()
    a = s2 - b_mean / (b.sum() / len(e))
    v = a + b_mean / b
    v = np.where(v < 0, b_mean / b, v)
    return (r - b_mean) / np.sqrt(v)


#: ``small_bases``: a base below this many persons ...
SMALL_BASE = 100
#: ... or a largest base more than this many times the smallest
BASE_RATIO = 100


def base_warnings(base: np.ndarray) -> list[KernelWarning]:
    """``small_bases`` when rates rest on small or very unequal populations at risk.

    Rule: the smallest base is below :data:`SMALL_BASE` (100: one case moves such a
    rate by a percentage point or more) or the largest is more than
    :data:`BASE_RATIO` (100) times the smallest (the rates of the small areas are far
    noisier than those of the large ones, so their extremes dominate a plain LISA).
    Empirical-Bayes rates (:func:`local_moran_rate`) shrink the noisy rates; the warning
    stays on them as a reminder that their extremes remain uncertain.

    Parameters
    ----------
    base : numpy.ndarray
        Population at risk per area (positive).

    Returns
    -------
    list of KernelWarning
        Empty or one ``small_bases`` warning (min, max, ratio, rule).

    Examples
    --------
    >>> base_warnings(np.array([50.0, 2000.0]))[0].params["min"]
    50.0
    >>> base_warnings(np.array([500.0, 2000.0]))
    []
    """
    b = np.asarray(base, dtype=float)
    b = b[np.isfinite(b)]
    if not b.size or b.min() <= 0:
        return []
    low, high = float(b.min()), float(b.max())
    if low < SMALL_BASE or high / low > BASE_RATIO:
        return [KernelWarning("small_bases", min=low, max=high, ratio=high / low,
                              rule=f"min < {SMALL_BASE} or max/min > {BASE_RATIO}")]
    return []


def local_moran_rate(events: np.ndarray, base: np.ndarray, w: Weights, **kwargs: Any
                     ) -> LocalResult:
    """Local Moran of EB-standardised rates (esda ``Moran_Local_Rate``, adjusted).

    Parameters
    ----------
    events, base : numpy.ndarray
        Case counts and population at risk per area.
    w : Weights
        Spatial weights.
    **kwargs
        As :func:`local_moran` (``permutations``, ``seed``, ...).

    Returns
    -------
    LocalResult
        As :func:`local_moran`, with a ``small_bases`` warning where
        :func:`base_warnings` gives one.

    Examples
    --------
    >>> from geosozial.kernel.weights import Weights
    >>> w = Weights.from_pairs(4, np.array([0, 1, 2]), np.array([1, 2, 3]))
    >>> r = local_moran_rate([1, 2, 8, 9], [100, 100, 100, 100], w, permutations=0)
    >>> r.statistic, [x.code for x in r.warnings]
    ('local_moran_rate', ['few_areas'])
    """
    result = local_moran(eb_rates(events, base), w, **kwargs)
    result.statistic = "local_moran_rate"
    result.method["statistic"] = "local_moran_rate"
    extra = base_warnings(base)
    if extra:
        result.warnings = result.warnings + extra
        result.method["warnings"] = [x.as_dict() for x in result.warnings]
    return result


def gi_bins(z: np.ndarray, p: np.ndarray, correction: str, islands: np.ndarray) -> np.ndarray:
    """Bins -3..3: 99 / 95 / 90 % confidence (each level corrected), sign of z; 0 otherwise.

    Example:
        >>> gi_bins(np.array([3.0, -2.0, 1.0, 0.5]), np.array([0.001, 0.03, 0.08, 0.5]),
        ...         "none", np.zeros(4, bool)).tolist()
        [3, -2, 1, 0]
    """
    bins = np.zeros(len(z), dtype=np.int64)
    for level, value in zip(GI_LEVELS[::-1], (1, 2, 3), strict=True):
        significant, _ = correct(p, correction, level)
        bins = np.where(significant, value, bins)
    bins = np.where(np.sign(z) < 0, -bins, bins)
    bins[islands | np.isnan(z)] = 0
    return bins


def local_g(
    y: np.ndarray,
    w: Weights,
    *,
    star: bool = True,
    permutations: Permutations = DEFAULT_LOCAL_PERMUTATIONS,
    seed: int | None = DEFAULT_SEED,
    alternative: str = "two-sided",
    correction: str = "fdr",
    alpha: float = 0.05,
    transform: str = "B",
    keep_simulations: bool = False,
    h: int = DEFAULT_H,
    max_permutations: int | None = None,
) -> LocalResult:
    """Getis-Ord Gi* (``star=True``: the area itself counts, weight 1 before the
    transform) or Gi; analytic z as esda ``G_Local``, permutation p, bins -3..3.

    Binary weights (``transform="B"``, the default) give the z-score of Getis and Ord
    (1995) that ArcGIS reports; esda's moment formula with row-standardised weights
    treats every row as a single neighbour and understates z, so ``R`` is only offered
    for comparison. The permutation p is the same for both.

    Parameters
    ----------
    y : numpy.ndarray
        Values >= 0, one per area.
    w : Weights
        Spatial weights.
    star : bool
        Gi* (default) or Gi.
    permutations, seed, alternative, correction, alpha, keep_simulations, h, max_permutations
        As :func:`local_moran`.
    transform : str
        ``B`` (default) or ``R``.

    Returns
    -------
    LocalResult
        Values, z, p, q, level, bins -3..3 (each level corrected), draws, warnings.

    Examples
    --------
    >>> from geosozial.kernel.weights import Weights
    >>> w = Weights.from_pairs(4, np.array([0, 1, 2]), np.array([1, 2, 3]))
    >>> r = local_g(np.array([1.0, 2, 8, 9]), w, permutations=0)
    >>> r.statistic, r.bins.tolist()
    ('gi_star', [0, 0, 0, 0])
    >>> local_g(np.array([1.0, 2, 8, 9]), w).method["sequential"]
    True
    """
    check_alternative(alternative)
    y = check_values(y)
    check_weights(w, len(y))
    if (y < 0).any():
        raise KernelError("negative", "Getis-Ord G needs values >= 0",
                          positions=np.flatnonzero(y < 0)[:10].tolist())
    if transform not in ("R", "B"):
        raise KernelError("transform", "Gi/Gi* use binary (B) or row-standardised (R) weights",
                          transform=transform)
    correct(np.array([0.5]), correction, alpha)
    n = len(y)
    base = w.binary().sparse
    plan = _plan(permutations, w, correction, alpha, h, max_permutations)
    islands = np.diff(base.indptr) == 0
    full = base + sparse.identity(n, format="csr") if star else base
    rows = np.asarray(full.sum(axis=1)).ravel()
    scale = np.divide(1.0, rows, out=np.zeros(n), where=rows > 0) if transform == "R" \
        else np.ones(n)
    full = sparse.csr_array(sparse.diags(scale) @ full)
    remove_self = not star
    total = y.sum()
    stat = (full @ y) / (total - y * remove_self)
    big_n = n - remove_self
    mean = (total - y * remove_self) / big_n
    mean_sq = ((y**2).sum() - (y**2) * remove_self) / big_n
    variance = mean_sq - mean**2
    card = np.asarray(full.sum(axis=1)).ravel()
    expected = card / big_n
    var_g = card * (big_n - card) / (big_n - 1) / big_n**2 * variance / mean**2
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(islands, np.nan, (stat - expected) / np.sqrt(var_g))
    neighbours = sparse.csr_array(sparse.diags(scale) @ base)
    lag = neighbours @ y
    name = "gi_star" if star else "gi"
    sims = None
    draws = None
    if plan.sequential:
        p, draws = _sequential_p(plan, y[None, :], neighbours, np.ones((n, 1)), lag,
                                 alternative, seed)
    elif plan.draws > 0:
        permutations = plan.draws
        counts, sims = lag_extremes(y, neighbours, lag, alternative, permutations, seed,
                                    keep_simulations)
        p = pseudo_p(counts, permutations)
        if sims is not None:
            self_part = (scale * y) if star else 0.0
            sims = (sims + np.asarray(self_part)[..., None]) / (total - y * remove_self)[:, None]
    else:
        p = normal_p(z, alternative)
    p = np.where(islands, np.nan, p)
    significant, threshold = correct(p, correction, alpha)
    result = LocalResult(
        statistic=name, values=stat, z=z, p=p, lag=lag, significant=significant,
        threshold=threshold, islands=islands,
        method=_method(name, w, plan.requested, seed, alternative, correction, alpha,
                       transform),
        bins=gi_bins(z, p, correction, islands), simulations=sims)
    return _finish(result, plan, draws, n)
