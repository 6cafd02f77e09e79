"""Local statistics: local Moran (LISA), Gi and Gi*, bivariate and EB-rate LISA.

Values match esda (``Moran_Local``, ``G_Local``, ``Moran_Local_BV``,
``Moran_Local_Rate``); inference is conditional permutation (:mod:`.crand`) with the
alternative named, multiple testing corrected (Benjamini–Hochberg by default), islands
in their own class ``isolated`` and never significant.

Example:
    >>> import numpy as np
    >>> from geosozial.kernel.weights import Weights
    >>> i, j = np.arange(9), np.arange(1, 10)
    >>> w = Weights.from_pairs(10, i, j, kind="chain")
    >>> r = local_moran(np.arange(10.0), w, permutations=99, seed=1)
    >>> r.clusters[:2].tolist(), r.method["permutations"]
    (['ns', 'ns'], 99)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse

from geosozial.kernel.checks import check_values, check_weights
from geosozial.kernel.crand import lag_extremes
from geosozial.kernel.errors import KernelError
from geosozial.kernel.inference import (
    DEFAULT_PERMUTATIONS,
    DEFAULT_SEED,
    check_alternative,
    correct,
    normal_p,
    pseudo_p,
)
from geosozial.kernel.weights import Weights

LISA_CLASSES = ("HH", "LL", "LH", "HL", "ns", "isolated")
GI_LEVELS = (0.01, 0.05, 0.10)  # bins 3, 2, 1 (99 / 95 / 90 % confidence)


@dataclass
class LocalResult:
    """One local statistic per observation, with the method that produced it.

    ``values`` the statistic (local I or G), ``z`` its analytic z-score, ``p`` the
    p-value (permutation pseudo p, or normal if ``permutations == 0``), ``lag`` the
    spatial lag used for the quadrant, ``significant`` after correction,
    ``clusters`` (LISA classes) or ``bins`` (Gi* bins -3..3), ``islands`` a mask.
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

    def counts(self) -> dict[str, int]:
        """Number of observations per class (LISA) or bin (Gi*)."""
        labels = self.clusters if self.clusters is not None else self.bins
        keys, n = np.unique(labels.astype(str), return_counts=True)
        return {str(k): int(c) for k, c in zip(keys, n, strict=True)}


def _method(name: str, w: Weights, permutations: int, seed: int | None, alternative: str,
            correction: str, alpha: float, transform: str) -> dict[str, Any]:
    return {"statistic": name, "weights": w.kind, "transform": transform,
            "permutations": int(permutations), "seed": seed, "alternative": alternative,
            "correction": correction, "alpha": alpha, "islands": len(w.islands)}


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
                      permutations: int, seed: int | None, alternative: str,
                      correction: str, alpha: float, transform: str,
                      keep_simulations: bool) -> LocalResult:
    n = len(zx)
    wt = w.transformed(transform)
    wmat = wt.sparse
    lag = wmat @ zy
    den = (zx * zx).sum()
    values = (n - 1) * zx * lag / den
    islands = wt.cardinalities == 0
    # analytic moments under randomisation (esda Moran_Local.EI / VI)
    m2 = den / n
    wi = np.asarray(wmat.sum(axis=1)).ravel()
    wi2 = np.asarray(wmat.multiply(wmat).sum(axis=1)).ravel()
    b2 = ((zx**4).sum() / n) / m2**2
    ei = -wi / (n - 1)
    vi = wi2 * (n - b2) / (n - 1) + (wi**2 - wi2) * (2 * b2 - n) / ((n - 1) * (n - 2))
    vi -= ei**2
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(islands, np.nan, (values - ei) / np.sqrt(vi))
    sims = None
    if permutations > 0:
        counts, sims = _signed_counts(zy, wmat, lag, np.sign(zx), alternative, permutations,
                                      seed, keep_simulations)
        p = pseudo_p(counts, permutations)
        if sims is not None:
            sims = (n - 1) * zx[:, None] * sims / den
    else:
        p = normal_p(z, alternative)
    p = np.where(islands, np.nan, p)
    significant, threshold = correct(p, correction, alpha)
    return LocalResult(
        statistic=name, values=values, z=z, p=p, lag=lag, significant=significant,
        threshold=threshold, islands=islands,
        method=_method(name, w, permutations, seed, alternative, correction, alpha, transform),
        clusters=lisa_classes(zx, lag, significant, islands), simulations=sims)


def local_moran(
    y: np.ndarray,
    w: Weights,
    *,
    permutations: int = DEFAULT_PERMUTATIONS,
    seed: int | None = DEFAULT_SEED,
    alternative: str = "two-sided",
    correction: str = "fdr",
    alpha: float = 0.05,
    transform: str = "R",
    keep_simulations: bool = False,
) -> LocalResult:
    """Local Moran's I_i = (n-1) z_i (W z)_i / sum(z²) with z standardised (as esda).

    Example:
        >>> from geosozial.kernel.weights import Weights
        >>> w = Weights.from_pairs(4, np.array([0, 1, 2]), np.array([1, 2, 3]))
        >>> r = local_moran(np.array([1.0, 2.0, 8.0, 9.0]), w, permutations=0)
        >>> np.round(r.values, 4).tolist()
        [0.72, 0.09, 0.09, 0.72]
    """
    check_alternative(alternative)
    y = check_values(y)
    check_weights(w, len(y))
    z = (y - y.mean()) / y.std()
    return _local_moran_core(z, z, w, "local_moran", permutations, seed, alternative,
                             correction, alpha, transform, keep_simulations)


def local_moran_bv(
    x: np.ndarray,
    y: np.ndarray,
    w: Weights,
    *,
    permutations: int = DEFAULT_PERMUTATIONS,
    seed: int | None = DEFAULT_SEED,
    alternative: str = "two-sided",
    correction: str = "fdr",
    alpha: float = 0.05,
    transform: str = "R",
) -> LocalResult:
    """Bivariate local Moran: x at i against the lag of y (esda ``Moran_Local_BV``).

    Example:
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
                             correction, alpha, transform, False)


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


def local_moran_rate(events: np.ndarray, base: np.ndarray, w: Weights, **kwargs: Any
                     ) -> LocalResult:
    """Local Moran of EB-standardised rates (esda ``Moran_Local_Rate``, adjusted).

    Example:
        >>> from geosozial.kernel.weights import Weights
        >>> w = Weights.from_pairs(4, np.array([0, 1, 2]), np.array([1, 2, 3]))
        >>> local_moran_rate([1, 2, 8, 9], [100, 100, 100, 100], w,
        ...                  permutations=0).statistic
        'local_moran_rate'
    """
    result = local_moran(eb_rates(events, base), w, **kwargs)
    result.statistic = "local_moran_rate"
    result.method["statistic"] = "local_moran_rate"
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
    permutations: int = DEFAULT_PERMUTATIONS,
    seed: int | None = DEFAULT_SEED,
    alternative: str = "two-sided",
    correction: str = "fdr",
    alpha: float = 0.05,
    transform: str = "B",
    keep_simulations: bool = False,
) -> LocalResult:
    """Getis-Ord Gi* (``star=True``: the area itself counts, weight 1 before the
    transform) or Gi; analytic z as esda ``G_Local``, permutation p, bins -3..3.

    Binary weights (``transform="B"``, the default) give the z-score of Getis and Ord
    (1995) that ArcGIS reports; esda's moment formula with row-standardised weights
    treats every row as a single neighbour and understates z, so ``R`` is only offered
    for comparison. The permutation p is the same for both.

    Example:
        >>> from geosozial.kernel.weights import Weights
        >>> w = Weights.from_pairs(4, np.array([0, 1, 2]), np.array([1, 2, 3]))
        >>> r = local_g(np.array([1.0, 2, 8, 9]), w, permutations=0)
        >>> r.statistic, r.bins.tolist()
        ('gi_star', [0, 0, 0, 0])
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
    n = len(y)
    base = w.binary().sparse
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
    if permutations > 0:
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
    return LocalResult(
        statistic=name, values=stat, z=z, p=p, lag=lag, significant=significant,
        threshold=threshold, islands=islands,
        method=_method(name, w, permutations, seed, alternative, correction, alpha, transform),
        bins=gi_bins(z, p, correction, islands), simulations=sims)
