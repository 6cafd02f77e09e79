"""Permutation inference helpers: pseudo p-values, alternatives, multiple testing.

pseudo p = (extreme + 1) / (permutations + 1), never above 1. ``alternative`` is
``two-sided`` (default: at least as far from the null expectation, either side),
``greater``, ``less`` or ``folded`` (the smaller tail, as esda/GeoDa report it).

Local statistics default to ``permutations="auto"``: sequential Monte Carlo p-values
(Besag & Clifford 1991, Biometrika 78(2), 301-304; see :mod:`.crand`) with a maximum
chosen by :func:`auto_permutations` so that the smallest reachable p lies well below
what the multiple-testing correction needs. :func:`q_values` gives the
Benjamini-Hochberg adjusted p, :func:`significance_levels` the corrected levels
0.05 / 0.01 / 0.001, :func:`inference_warnings` the warnings a statistician would give.

Example:
    >>> import numpy as np
    >>> pseudo_p(np.array([0, 999]), 999).tolist()
    [0.001, 1.0]
    >>> significant, threshold = correct(np.array([0.001, 0.02, 0.04, 0.5]), "fdr", 0.05)
    >>> significant.tolist(), threshold
    ([True, True, False, False], 0.02)
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import ndtr

from geosozial.kernel.errors import KernelError, KernelWarning

ALTERNATIVES = ("two-sided", "greater", "less", "folded")
CORRECTIONS = ("fdr", "bonferroni", "none")
DEFAULT_PERMUTATIONS = 999
DEFAULT_SEED = 12345
#: the default of the local statistics: sequential p-values with an automatic maximum
DEFAULT_LOCAL_PERMUTATIONS = "auto"
#: sequential stopping: an area stops once it has seen this many extreme draws
DEFAULT_H = 10
#: from this draw on, where the maximum allows it, areas stop once they cannot pass
LATE_DRAWS = 10_000
#: draws per batch; the first batch is exactly the draws of ``permutations=BATCH``
BATCH = 999
#: the smallest reachable p, 1 / (max + 1), lies this many times below the level needed
AUTO_MARGIN = 10
#: ... where that takes more than RESOLUTION_DRAWS draws: at least this many times below
MIN_MARGIN = 2
#: draws an area may make for resolution beyond MIN_MARGIN times what passing needs
RESOLUTION_DRAWS = 100_000
#: LISA significance levels (``level`` 1, 2, 3), each after the correction
LEVELS = (0.05, 0.01, 0.001)
#: fewer areas than this: a warning (``few_areas``)
FEW_AREAS = 30


def check_alternative(alternative: str) -> str:
    """Return ``alternative`` or raise for an unknown one.

    Example:
        >>> check_alternative("two-sided")
        'two-sided'
    """
    if alternative not in ALTERNATIVES:
        raise KernelError("alternative", f"alternative must be one of {ALTERNATIVES}",
                          alternative=alternative)
    return alternative


def check_permutations(permutations: Any) -> int | str:
    """``"auto"`` or a count >= 0; anything else is an error.

    Parameters
    ----------
    permutations : int or str
        The value given.

    Returns
    -------
    int or str
        ``"auto"`` or the count.

    Examples
    --------
    >>> check_permutations("AUTO"), check_permutations(999)
    ('auto', 999)
    """
    if isinstance(permutations, str) and permutations.strip().lower() == "auto":
        return "auto"
    if (isinstance(permutations, bool) or not isinstance(permutations, (int, np.integer))
            or permutations < 0):
        raise KernelError("permutations", "permutations must be 'auto' or a count >= 0",
                          permutations=permutations)
    return int(permutations)


def pseudo_p(extreme: np.ndarray, permutations: int) -> np.ndarray:
    """(extreme + 1) / (permutations + 1), clipped to at most 1.

    Example:
        >>> float(pseudo_p(np.array([4]), 99)[0])
        0.05
    """
    extreme = np.asarray(extreme, dtype=float)
    return np.minimum((extreme + 1.0) / (permutations + 1.0), 1.0)


def extreme_counts(sims: np.ndarray, observed: np.ndarray, center: np.ndarray,
                   alternative: str) -> np.ndarray:
    """Count simulated values at least as extreme as ``observed`` (last axis = permutations).

    Example:
        >>> extreme_counts(np.array([[1.0, 2.0, 3.0]]), np.array([2.0]), np.array([2.0]),
        ...                "greater").tolist()
        [2]
    """
    sims = np.asarray(sims, dtype=float)
    observed = np.asarray(observed, dtype=float)[..., None]
    center = np.asarray(center, dtype=float)[..., None]
    tol = 1e-12 * np.maximum(np.abs(observed), 1.0)
    greater = (sims >= observed - tol).sum(axis=-1)
    less = (sims <= observed + tol).sum(axis=-1)
    if alternative == "greater":
        return greater
    if alternative == "less":
        return less
    if alternative == "folded":
        return np.minimum(greater, less)
    return (np.abs(sims - center) >= np.abs(observed - center) - tol).sum(axis=-1)


def correct(p: np.ndarray, method: str = "fdr", alpha: float = 0.05
            ) -> tuple[np.ndarray, float]:
    """Significance after multiple-testing correction; NaN p-values are never significant.

    ``fdr`` is Benjamini–Hochberg, ``bonferroni`` divides alpha by the number of tests,
    ``none`` compares with alpha. Returns the mask and the p threshold used.

    Example:
        >>> correct(np.array([0.01, 0.03, np.nan]), "bonferroni", 0.05)[0].tolist()
        [True, False, False]
    """
    if method not in CORRECTIONS:
        raise KernelError("correction", f"correction must be one of {CORRECTIONS}",
                          correction=method)
    if not 0 < alpha < 1:
        raise KernelError("alpha", "alpha must be between 0 and 1", alpha=alpha)
    p = np.asarray(p, dtype=float)
    valid = ~np.isnan(p)
    m = int(valid.sum())
    if m == 0:
        return np.zeros(p.shape, dtype=bool), 0.0
    if method == "none":
        threshold = alpha
    elif method == "bonferroni":
        threshold = alpha / m
    else:
        ordered = np.sort(p[valid])
        below = ordered <= alpha * np.arange(1, m + 1) / m
        threshold = float(ordered[np.flatnonzero(below)[-1]]) if below.any() else 0.0
    significant = valid & (np.where(valid, p, np.inf) <= threshold)
    if method == "fdr" and threshold == 0.0:
        significant[:] = False
    return significant, float(threshold)


def normal_p(z: np.ndarray | float, alternative: str) -> np.ndarray:
    """Normal-approximation p-value of z-scores for ``alternative`` (NaN stays NaN).

    Example:
        >>> round(float(normal_p(1.959963984540054, "two-sided")), 6)
        0.05
    """
    z = np.asarray(z, dtype=float)
    if alternative == "greater":
        return ndtr(-z)
    if alternative == "less":
        return ndtr(z)
    if alternative == "folded":
        return ndtr(-np.abs(z))
    return np.minimum(2 * ndtr(-np.abs(z)), 1.0)


def generator(seed: int | None) -> np.random.Generator:
    """The random generator for ``seed`` (PCG64); the seed is recorded in every output.

    Example:
        >>> generator(1).integers(0, 10, 3).tolist() == generator(1).integers(0, 10, 3).tolist()
        True
    """
    return np.random.Generator(np.random.PCG64(DEFAULT_SEED if seed is None else seed))


#: memory the permutation draws of one run may take (bytes)
MEMORY_BUDGET = 2 * 1024**3
#: element operations the permutations of one run may take (about a minute here)
OPERATIONS_BUDGET = 6e9


def max_permutations(n: int, k_max: int, *, local: bool, sequential: bool = False) -> int:
    """The largest number of permutations one run may draw for ``n`` areas.

    Local statistics keep one draw of ``n`` values (up to 512 areas) or ``k_max + 1``
    values per permutation at once (three arrays of 8 bytes each), which must fit into
    :data:`MEMORY_BUDGET`; global statistics permute all ``n`` values per permutation,
    which must fit into :data:`OPERATIONS_BUDGET`. A sequential run
    (``sequential=True``, ``permutations="auto"``) draws in batches, so memory is no
    bound; time is: each draw costs about ``8 (k_max + 1)`` element operations (draw,
    duplicate check, gathers, prefix sums) while any area is still drawing, which must
    fit into :data:`OPERATIONS_BUDGET`.

    Parameters
    ----------
    n : int
        Number of areas.
    k_max : int
        Largest number of neighbours.
    local : bool
        Local (conditional permutation) or global statistic.
    sequential : bool
        The bound of the maximum of a sequential run (local statistics only).

    Returns
    -------
    int
        The bound.

    Examples
    --------
    >>> max_permutations(53, 8, local=True) > 99_999, max_permutations(53, 8, local=False) > 10**7
    (True, True)
    >>> max_permutations(10_997, 20, local=False)
    545603
    >>> max_permutations(10_997, 31, local=True, sequential=True)
    23437500
    """
    n = max(int(n), 1)
    if local and sequential:
        return int(OPERATIONS_BUDGET // (8 * (max(int(k_max), 0) + 1)))
    if local:
        width = n if n <= 512 else int(k_max) + 1
        return int(MEMORY_BUDGET // (24 * max(width, 1)))
    return int(OPERATIONS_BUDGET // n)


def needed_p(n_tests: int, correction: str, alpha: float) -> float:
    """The p-value a single extreme area needs to be significant after the correction.

    ``alpha / n`` for Bonferroni and, as the worst case (one discovery), for
    Benjamini-Hochberg; ``alpha`` without correction.

    Parameters
    ----------
    n_tests : int
        Number of tests (areas with neighbours).
    correction : str
        ``fdr``, ``bonferroni`` or ``none``.
    alpha : float
        Level.

    Returns
    -------
    float
        The p-value needed.

    Examples
    --------
    >>> round(needed_p(419, "fdr", 0.05), 8), needed_p(419, "none", 0.05)
    (0.00011933, 0.05)
    """
    if correction not in CORRECTIONS:
        raise KernelError("correction", f"correction must be one of {CORRECTIONS}",
                          correction=correction)
    return alpha if correction == "none" else alpha / max(int(n_tests), 1)


def planned_draws(need: float, *, batch: int = BATCH, margin: float = AUTO_MARGIN) -> int:
    """The maximum number of draws that resolves p-values around the level ``need``.

    The smallest reachable p, ``1 / (max + 1)``, lies ``margin`` times below ``need``.
    Where that takes more than :data:`RESOLUTION_DRAWS` draws (many areas, a strict
    correction), the maximum is :data:`RESOLUTION_DRAWS`, but never less than
    :data:`MIN_MARGIN` times what passing needs: an area with no extreme draw always
    passes, and time goes into resolution only as far as it is cheap. Rounded up to a
    multiple of ``batch`` (at least one batch).

    Parameters
    ----------
    need : float
        The p-value an area must reach.
    batch : int
        Draws per batch.
    margin : float
        How far below ``need`` the smallest reachable p lies where that is cheap.

    Returns
    -------
    int
        The maximum.

    Examples
    --------
    >>> planned_draws(0.05 / 419), planned_draws(0.05 / 10_979)
    (83916, 439560)
    >>> planned_draws(5 * 0.05 / 10_979)
    100899
    """
    target = int(np.ceil(margin / need - 1.0 - 1e-9))
    if target > RESOLUTION_DRAWS:
        least = int(np.ceil(min(margin, MIN_MARGIN) / need - 1.0 - 1e-9))
        target = max(RESOLUTION_DRAWS, least)
    return max(batch, int(np.ceil(target / batch)) * batch)


def late_stop(h: int, max_draws: int, need: float) -> tuple[int, int] | None:
    """``(LATE_DRAWS, h_late)`` where areas still drawing late may stop sooner.

    An area that stops at draw ``L`` after :data:`LATE_DRAWS` with ``h_late`` extreme
    draws gets ``p = h_late / L >= h_late / max_draws``. ``h_late`` is the smallest count
    for which that is above ``need`` (at most half of ``h``): such an area could not reach
    the level of a first discovery whatever it drew next, so drawing on to ``h``
    extremes would only sharpen a p that decides nothing. This applies where the maximum
    is only a few times ``1 / need`` (many areas; for all German municipalities
    ``h_late = 3``). The boundary is fixed before drawing and does not rise, so the
    p-values stay valid
    (:func:`~geosozial.kernel.crand.sequential_extremes`). ``None`` elsewhere.

    Parameters
    ----------
    h : int
        The stopping count.
    max_draws : int
        The planned maximum.
    need : float
        The p-value one extreme area needs (:func:`needed_p`).

    Returns
    -------
    tuple of (int, int) or None
        From which draw on, and the stopping count from then.

    Examples
    --------
    >>> late_stop(10, 440_559, 0.05 / 10_979), late_stop(10, 83_916, 0.05 / 419)
    ((10000, 3), None)
    >>> late_stop(10, 100_899, 5 * 0.05 / 10_979)
    (10000, 3)
    """
    h_late = min((int(h) + 1) // 2, int(np.floor(need * max_draws)) + 1)
    if h_late >= h or max_draws <= LATE_DRAWS or h_late / max_draws <= need:
        return None
    return LATE_DRAWS, h_late


def auto_permutations(n_tests: int, k_max: int, correction: str = "fdr", alpha: float = 0.05,
                      *, batch: int = BATCH, margin: float = AUTO_MARGIN) -> tuple[int, bool]:
    """The maximum number of draws of ``permutations="auto"`` and whether a bound cut it.

    The smallest reachable p, ``1 / (max + 1)``, lies ``margin`` times below what one
    extreme area needs (:func:`needed_p`), or where that takes more than
    :data:`RESOLUTION_DRAWS` draws at least :data:`MIN_MARGIN` times
    (:func:`planned_draws`), and the maximum is bounded by :func:`max_permutations`
    (``sequential=True``).

    Parameters
    ----------
    n_tests : int
        Number of tests (areas with neighbours).
    k_max : int
        Largest number of neighbours.
    correction : str
        ``fdr`` (default), ``bonferroni`` or ``none``.
    alpha : float
        Level of the correction.
    batch : int
        Draws per batch.
    margin : float
        How far below the needed level the smallest reachable p lies.

    Returns
    -------
    tuple of (int, bool)
        The maximum and whether the time bound reduced it.

    Examples
    --------
    >>> auto_permutations(419, 18)
    (83916, False)
    >>> auto_permutations(10_997, 31)
    (440559, False)
    >>> auto_permutations(53, 8, "none")
    (999, False)
    """
    wanted = planned_draws(needed_p(n_tests, correction, alpha), batch=batch, margin=margin)
    bound = max_permutations(n_tests, k_max, local=True, sequential=True)
    if wanted > bound:
        return max(batch, (bound // batch) * batch), True
    return wanted, False


def adaptive_max(p: np.ndarray, correction: str, alpha: float, bound: int, *,
                 batch: int = BATCH, margin: float = AUTO_MARGIN) -> int:
    """The sequential maximum once provisional p-values are known (FDR only).

    Under Benjamini-Hochberg an area need not reach ``alpha / m``: with ``R``
    discoveries among the provisional p-values, one more area is discovered at
    ``(R + 1) alpha / m``. The maximum shrinks to what that level needs
    (:func:`planned_draws`, never above ``bound``), so that a
    strongly clustered field with hundreds of significant areas does not draw millions
    of permutations for areas that are significant anyway. Bonferroni and no correction
    keep ``bound`` (their level does not depend on the other areas). Like choosing the
    number of permutations after a pilot run, the p-values stay valid for the maximum
    that was used; under the null there are hardly any discoveries and nothing changes.

    Parameters
    ----------
    p : numpy.ndarray
        Provisional p-values (NaN: not tested).
    correction, alpha
        The correction and its level.
    bound : int
        The maximum planned (:func:`auto_permutations`).
    batch, margin
        As :func:`auto_permutations`.

    Returns
    -------
    int
        The maximum for the draws still to come.

    Examples
    --------
    >>> p = np.r_[np.full(2000, 0.001), np.full(9000, 0.5)]
    >>> adaptive_max(p, "fdr", 0.05, 2_195_802), adaptive_max(p, "bonferroni", 0.05, 99_900)
    (1998, 99900)
    >>> adaptive_max(np.full(11000, 0.5), "fdr", 0.05, 440_559)
    440559
    """
    if correction != "fdr":
        return int(bound)
    valid = np.asarray(p, dtype=float)
    valid = valid[~np.isnan(valid)]
    m = len(valid)
    if m == 0:
        return int(bound)
    ordered = np.sort(valid[valid <= alpha])  # a p above alpha is never a discovery
    passed = np.flatnonzero(ordered <= alpha * np.arange(1, len(ordered) + 1) / m)
    discoveries = int(passed[-1]) + 1 if len(passed) else 0
    need = min(alpha, (discoveries + 1) * alpha / m)
    return int(min(bound, planned_draws(need, batch=batch, margin=margin)))


def q_values(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (q-values); NaN stays NaN.

    ``q_(i) = min_{j >= i} m p_(j) / j`` over the sorted valid p-values (step-up,
    monotone in p, capped at 1). An area is significant under FDR at level alpha
    exactly when ``q <= alpha``.

    Parameters
    ----------
    p : numpy.ndarray
        p-values, NaN for areas without a test (islands).

    Returns
    -------
    numpy.ndarray
        q-values, NaN where p is NaN.

    Examples
    --------
    >>> q_values(np.array([0.01, 0.04, 0.03, np.nan, 0.5])).round(4).tolist()
    [0.04, 0.0533, 0.0533, nan, 0.5]
    """
    p = np.asarray(p, dtype=float)
    q = np.full(p.shape, np.nan)
    valid = np.flatnonzero(~np.isnan(p))
    m = len(valid)
    if m == 0:
        return q
    order = valid[np.argsort(p[valid], kind="stable")]
    scaled = p[order] * m / np.arange(1, m + 1)
    q[order] = np.minimum(np.minimum.accumulate(scaled[::-1])[::-1], 1.0)
    q[order] = np.maximum(q[order], p[order])  # p * m / m may round one ulp below p
    return q


def significance_levels(p: np.ndarray, correction: str = "fdr",
                        levels: tuple[float, ...] = LEVELS) -> np.ndarray:
    """Significance level per area: 0 not significant, 1, 2, 3 for 0.05, 0.01, 0.001.

    Each level is corrected on its own (Benjamini-Hochberg at 0.01 is not the FDR
    threshold at 0.05 divided by 5), as GeoDa's significance map does for
    uncorrected p and as the Gi* bins do.

    Parameters
    ----------
    p : numpy.ndarray
        p-values (NaN: never significant).
    correction : str
        ``fdr``, ``bonferroni`` or ``none``.
    levels : tuple of float
        Decreasing levels; level ``k`` means significant at ``levels[k - 1]``.

    Returns
    -------
    numpy.ndarray
        Integer levels 0..len(levels).

    Examples
    --------
    >>> significance_levels(np.array([0.0004, 0.004, 0.04, 0.4]), "none").tolist()
    [3, 2, 1, 0]
    """
    out = np.zeros(np.shape(p), dtype=np.int64)
    for k, level in enumerate(levels, start=1):
        significant, _ = correct(p, correction, level)
        out[significant] = k
    return out


def inference_warnings(n: int, n_tests: int, correction: str, alpha: float,
                       max_draws: int, *, sequential: bool) -> list[KernelWarning]:
    """Warnings about a set-up whose answer cannot be trusted or cannot be "significant".

    ``few_areas``: fewer than :data:`FEW_AREAS` areas (a map of a handful of areas
    has little to say about clustering). ``unreachable``: the smallest reachable p,
    ``1 / (max_draws + 1)``, is above what one extreme area needs after the correction
    (:func:`needed_p`); with Benjamini-Hochberg ``areas_needed`` says how many areas
    must be extreme together before any can be significant (more than ``n_tests``:
    none can).

    Parameters
    ----------
    n : int
        Number of areas.
    n_tests : int
        Areas with neighbours (tests).
    correction, alpha
        The correction and its level.
    max_draws : int
        Permutations (fixed) or the maximum of a sequential run (0: normal p).
    sequential : bool
        Whether the draws are sequential (named in the warning).

    Returns
    -------
    list of KernelWarning
        Possibly empty.

    Examples
    --------
    >>> [w.code for w in inference_warnings(419, 419, "fdr", 0.05, 999, sequential=False)]
    ['unreachable']
    >>> inference_warnings(7, 7, "fdr", 0.05, 999, sequential=False)[0].params["n"]
    7
    """
    out: list[KernelWarning] = []
    if n < FEW_AREAS:
        out.append(KernelWarning("few_areas", n=int(n), minimum=FEW_AREAS))
    if max_draws > 0 and n_tests > 0:
        min_p = 1.0 / (max_draws + 1.0)
        need = needed_p(n_tests, correction, alpha)
        if min_p > need:
            params = {"min_p": min_p, "needed": need, "correction": correction,
                      "alpha": alpha, "permutations": int(max_draws),
                      "sequential": bool(sequential), "n_tests": int(n_tests)}
            if correction == "fdr":
                params["areas_needed"] = int(np.ceil(min_p * n_tests / alpha - 1e-9))
            out.append(KernelWarning("unreachable", **params))
    return out
