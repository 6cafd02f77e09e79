"""Permutation inference helpers: pseudo p-values, alternatives, multiple testing.

pseudo p = (extreme + 1) / (permutations + 1), never above 1. ``alternative`` is
``two-sided`` (default: at least as far from the null expectation, either side),
``greater``, ``less`` or ``folded`` (the smaller tail, as esda/GeoDa report it).

Example:
    >>> import numpy as np
    >>> pseudo_p(np.array([0, 999]), 999).tolist()
    [0.001, 1.0]
    >>> significant, threshold = correct(np.array([0.001, 0.02, 0.04, 0.5]), "fdr", 0.05)
    >>> significant.tolist(), threshold
    ([True, True, False, False], 0.02)
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr

from geosozial.kernel.errors import KernelError

ALTERNATIVES = ("two-sided", "greater", "less", "folded")
CORRECTIONS = ("fdr", "bonferroni", "none")
DEFAULT_PERMUTATIONS = 999
DEFAULT_SEED = 12345


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


def max_permutations(n: int, k_max: int, *, local: bool) -> int:
    """The largest number of permutations one run may draw for ``n`` areas.

    Local statistics keep one draw of ``n`` values (up to 512 areas) or ``k_max + 1``
    values per permutation at once (three arrays of 8 bytes each), which must fit into
    :data:`MEMORY_BUDGET`; global statistics permute all ``n`` values per permutation,
    which must fit into :data:`OPERATIONS_BUDGET`.

    Examples
    --------
    >>> max_permutations(53, 8, local=True) > 99_999, max_permutations(53, 8, local=False) > 10**7
    (True, True)
    >>> max_permutations(10_997, 20, local=False)
    545603
    """
    n = max(int(n), 1)
    if local:
        width = n if n <= 512 else int(k_max) + 1
        return int(MEMORY_BUDGET // (24 * max(width, 1)))
    return int(OPERATIONS_BUDGET // n)
