"""Global statistics: Moran's I, Geary's C, Getis-Ord General G, bivariate Moran,
Moran's I of EB-standardised rates. Values and moments as esda; permutation p-values
with a named alternative and a recorded seed.

Example:
    >>> import numpy as np
    >>> from geosozial.kernel.weights import Weights
    >>> w = Weights.from_pairs(5, np.arange(4), np.arange(1, 5))
    >>> r = moran(np.array([1.0, 2, 3, 4, 5]), w, permutations=99, seed=7)
    >>> round(r.value, 4), r.expected
    (0.6, -0.25)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from scipy import sparse

from geosozial.kernel.checks import check_values, check_weights
from geosozial.kernel.errors import KernelError
from geosozial.kernel.inference import (
    DEFAULT_PERMUTATIONS,
    DEFAULT_SEED,
    check_alternative,
    check_permutations,
    extreme_counts,
    generator,
    inference_warnings,
    normal_p,
    pseudo_p,
)
from geosozial.kernel.local import base_warnings, eb_rates
from geosozial.kernel.weights import Weights


@dataclass
class GlobalResult:
    """A global statistic with analytic and permutation inference.

    ``z``/``p`` are the headline numbers: the randomisation z-score and the
    permutation p (normal p if ``permutations == 0``); the other fields keep every
    moment. ``as_row`` gives the table row of DESIGN.md; ``warnings`` holds
    ``few_areas`` (fewer than 30 areas) as data for the front doors.
    """

    statistic: str
    value: float
    expected: float
    variance_norm: float
    variance_rand: float
    z_norm: float
    z_rand: float
    p_norm: float
    p_rand: float
    p_sim: float | None
    z: float
    p: float
    permutations: int
    seed: int | None
    alternative: str
    weights: str
    transform: str
    correction: str = "none"
    #: warnings as data (``few_areas``), each ``{"code": ..., **params}``
    warnings: list[dict[str, Any]] = field(default_factory=list)

    def as_row(self) -> dict[str, Any]:
        """statistic, value, expected, z, p, permutations, seed, weights, correction."""
        return {"statistic": self.statistic, "value": self.value, "expected": self.expected,
                "z": self.z, "p": self.p, "permutations": self.permutations,
                "seed": self.seed, "alternative": self.alternative,
                "weights": f"{self.weights} ({self.transform})", "correction": self.correction}

    def as_dict(self) -> dict[str, Any]:
        """Every field, JSON-ready."""
        return {k: (None if isinstance(v, float) and np.isnan(v) else v)
                for k, v in asdict(self).items()}


def _moments_s(wmat: sparse.csr_array) -> tuple[float, float, float]:
    s0 = float(wmat.sum())
    sym = wmat + wmat.T
    s1 = float((sym.multiply(sym)).sum()) / 2.0
    s2 = float(((np.asarray(wmat.sum(axis=1)).ravel()
                 + np.asarray(wmat.sum(axis=0)).ravel()) ** 2).sum())
    return s0, s1, s2


def _permuted(values: np.ndarray, permutations: int, seed: int | None, stat) -> np.ndarray:
    rng = generator(seed)
    out = np.empty(permutations)
    chunk = max(1, min(permutations, 4_000_000 // max(len(values), 1)))
    for start in range(0, permutations, chunk):
        size = min(chunk, permutations - start)
        block = rng.permuted(np.broadcast_to(values, (size, len(values))), axis=1)
        out[start:start + size] = stat(block)
    return out


def _finish(name: str, value: float, expected: float, vn: float, vr: float,
            sims: np.ndarray | None, permutations: int, seed: int | None,
            alternative: str, w: Weights, transform: str) -> GlobalResult:
    zn = (value - expected) / np.sqrt(vn) if vn > 0 else np.nan
    zr = (value - expected) / np.sqrt(vr) if vr > 0 else np.nan
    pn, pr = float(normal_p(zn, alternative)), float(normal_p(zr, alternative))
    p_sim = None
    if sims is not None:
        count = extreme_counts(sims[None, :], np.array([value]), np.array([expected]),
                               alternative)[0]
        p_sim = float(pseudo_p(np.array([count]), permutations)[0])
    notes = [x.as_dict() for x in inference_warnings(w.n, w.n, "none", 0.05, 0,
                                                      sequential=False)]
    return GlobalResult(name, float(value), float(expected), float(vn), float(vr),
                        float(zn), float(zr), pn, pr, p_sim, float(zr),
                        p_sim if p_sim is not None else pr, int(permutations), seed,
                        alternative, w.kind, transform, warnings=notes)


def _prepare(y, w: Weights, transform: str, alternative: str) -> tuple[np.ndarray, Weights]:
    check_alternative(alternative)
    y = check_values(y)
    check_weights(w, len(y))
    wt = w.transformed(transform)
    if wt.s0 == 0:
        raise KernelError("no_neighbours", "no observation has a neighbour")
    return y, wt


def moran(y: np.ndarray, w: Weights, *, permutations: int = DEFAULT_PERMUTATIONS,
          seed: int | None = DEFAULT_SEED, alternative: str = "two-sided",
          transform: str = "R") -> GlobalResult:
    """Moran's I with normality and randomisation moments and a permutation p.

    Example:
        >>> w = Weights.from_pairs(4, np.array([0, 1, 2]), np.array([1, 2, 3]))
        >>> round(moran(np.array([1.0, 2, 8, 9]), w, permutations=0).value, 4)
        0.54
    """
    y, wt = _prepare(y, w, transform, alternative)
    n = len(y)
    wmat = wt.sparse
    s0, s1, s2 = _moments_s(wmat)
    z = y - y.mean()
    z2ss = (z * z).sum()
    value = n / s0 * (z @ (wmat @ z)) / z2ss
    expected = -1.0 / (n - 1)
    vn = (n * n * s1 - n * s2 + 3 * s0 * s0) / ((n - 1) * (n + 1) * s0 * s0) - expected**2
    k = (((z * z) * (z * z)).sum() / n) / (z2ss / n) ** 2  # no pow: the same bits in QGIS
    a = n * ((n * n - 3 * n + 3) * s1 - n * s2 + 3 * s0 * s0)
    b = k * ((n * n - n) * s1 - 2 * n * s2 + 6 * s0 * s0)
    vr = (a - b) / ((n - 1) * (n - 2) * (n - 3) * s0 * s0) - expected**2
    sims = None
    if permutations > 0:
        sims = _permuted(z, permutations, seed,
                         lambda zz: n / s0 * np.einsum("ij,ij->i", zz, (wmat @ zz.T).T) / z2ss)
    return _finish("moran", value, expected, vn, vr, sims, permutations, seed, alternative,
                   w, transform)


def moran_rate(events: np.ndarray, base: np.ndarray, w: Weights, **kwargs: Any
               ) -> GlobalResult:
    """Moran's I of EB-standardised rates (Assunção–Reis), as esda ``Moran_Rate``.

    ``warnings`` gets ``small_bases`` where :func:`~.local.base_warnings` gives one.

    Example:
        >>> w = Weights.from_pairs(4, np.array([0, 1, 2]), np.array([1, 2, 3]))
        >>> moran_rate([1, 2, 8, 9], [100, 100, 100, 100], w, permutations=0).statistic
        'moran_rate'
    """
    result = moran(eb_rates(events, base), w, **kwargs)
    result.statistic = "moran_rate"
    result.warnings += [x.as_dict() for x in base_warnings(base)]
    return result


def moran_bv(x: np.ndarray, y: np.ndarray, w: Weights, *,
             permutations: int = DEFAULT_PERMUTATIONS, seed: int | None = DEFAULT_SEED,
             alternative: str = "two-sided", transform: str = "R") -> GlobalResult:
    """Bivariate Moran's I of x against the lag of y (esda ``Moran_BV``).

    Analytic moments are not defined here; z and p come from the permutations.

    Example:
        >>> w = Weights.from_pairs(4, np.array([0, 1, 2]), np.array([1, 2, 3]))
        >>> r = moran_bv(np.array([1.0, 2, 8, 9]), np.array([2.0, 1, 9, 8]), w,
        ...              permutations=99)
        >>> r.statistic
        'moran_bv'
    """
    x = check_values(x, "x")
    y, wt = _prepare(y, w, transform, alternative)
    n = len(y)
    wmat = wt.sparse
    zx = (x - x.mean()) / x.std(ddof=1)
    zy = (y - y.mean()) / y.std(ddof=1)
    value = (zx @ (wmat @ zy)) / (n - 1.0)
    sims = None
    z = p = np.nan
    if permutations > 0:
        sims = _permuted(zy, permutations, seed,
                         lambda zz: (wmat @ zz.T).T @ zx / (n - 1.0))
        z = (value - sims.mean()) / sims.std() if sims.std() > 0 else np.nan
    result = _finish("moran_bv", value, np.nan, np.nan, np.nan, sims, permutations, seed,
                     alternative, w, transform)
    if sims is not None:
        count = extreme_counts(sims[None, :], np.array([value]), np.array([sims.mean()]),
                               alternative)[0]
        result.p_sim = result.p = float(pseudo_p(np.array([count]), permutations)[0])
        result.z = float(z)
    else:
        result.p = p
    return result


def geary(y: np.ndarray, w: Weights, *, permutations: int = DEFAULT_PERMUTATIONS,
          seed: int | None = DEFAULT_SEED, alternative: str = "two-sided",
          transform: str = "R") -> GlobalResult:
    """Geary's C with normality and randomisation moments (esda ``Geary``).

    Example:
        >>> w = Weights.from_pairs(4, np.array([0, 1, 2]), np.array([1, 2, 3]))
        >>> round(geary(np.array([1.0, 2, 8, 9]), w, permutations=0).value, 4)
        0.2925
    """
    y, wt = _prepare(y, w, transform, alternative)
    n = len(y)
    wmat = wt.sparse.tocoo()
    s0, s1, s2 = _moments_s(wt.sparse)
    yd = y - y.mean()
    den = (yd * yd).sum() * s0 * 2.0
    focal, neigh, weights = wmat.row, wmat.col, wmat.data

    def stat(values: np.ndarray) -> np.ndarray:
        diff = values[..., focal] - values[..., neigh]
        return (n - 1) * (weights * diff**2).sum(axis=-1) / den

    value = float(stat(y))
    yd2 = yd * yd
    k = ((yd2 * yd2).sum() / n) / (yd2.sum() / n) ** 2
    a = (n - 1) * s1 * (n * n - 3 * n + 3 - (n - 1) * k)
    b = 0.25 * ((n - 1) * s2 * (n * n + 3 * n - 6 - (n * n - n + 2) * k))
    c = s0 * s0 * (n * n - 3 - (n - 1) ** 2 * k)
    vr = (a - b + c) / (n * (n - 2) * (n - 3) * s0 * s0)
    vn = (1 / (2 * (n + 1) * s0 * s0)) * ((2 * s1 + s2) * (n - 1) - 4 * s0 * s0)
    sims = _permuted(y, permutations, seed, stat) if permutations > 0 else None
    return _finish("geary", value, 1.0, vn, vr, sims, permutations, seed, alternative, w,
                   transform)


def general_g(y: np.ndarray, w: Weights, *, permutations: int = DEFAULT_PERMUTATIONS,
              seed: int | None = DEFAULT_SEED, alternative: str = "two-sided"
              ) -> GlobalResult:
    """Getis-Ord General G on binary weights (esda ``G``); values must be >= 0.

    Example:
        >>> w = Weights.from_pairs(4, np.array([0, 1, 2]), np.array([1, 2, 3]))
        >>> round(general_g(np.array([1.0, 2, 8, 9]), w, permutations=0).value, 4)
        0.72
    """
    y, wt = _prepare(y, w, "B", alternative)
    if (y < 0).any():
        raise KernelError("negative", "General G needs values >= 0",
                          positions=np.flatnonzero(y < 0)[:10].tolist())
    n = len(y)
    wmat = wt.sparse
    s0, s1, s2 = _moments_s(wmat)
    den = y.sum() ** 2 - (y * y).sum()
    value = float(y @ (wmat @ y) / den)
    expected = s0 / (n * (n - 1))
    b0 = (n * n - 3 * n + 3) * s1 - n * s2 + 3 * s0 * s0
    b1 = -((n * n - n) * s1 - 2 * n * s2 + 6 * s0 * s0)
    b2 = -(2 * n * s1 - (n + 3) * s2 + 6 * s0 * s0)
    b3 = 4 * (n - 1) * s1 - 2 * (n + 1) * s2 + 8 * s0 * s0
    b4 = s1 - s2 + s0 * s0
    y2 = y * y  # products, not pow: numpy versions differ in pow's last bit
    y3, y4, total = y2 * y, y2 * y2, float(y.sum())
    eg2 = (b0 * y2.sum() ** 2 + b1 * y4.sum() + b2 * total * total * y2.sum()
           + b3 * total * y3.sum() + b4 * (total * total) * (total * total))
    eg2 /= (y.sum() ** 2 - y2.sum()) ** 2 * n * (n - 1) * (n - 2) * (n - 3)
    variance = eg2 - expected**2
    sims = None
    if permutations > 0:
        sims = _permuted(y, permutations, seed,
                         lambda yy: np.einsum("ij,ij->i", yy, (wmat @ yy.T).T) / den)
    return _finish("general_g", value, expected, variance, variance, sims, permutations,
                   seed, alternative, w, "B")


def global_statistics(y: np.ndarray, w: Weights, *, permutations: int | str = 999,
                      seed: int | None = 12345, alternative: str = "two-sided"
                      ) -> list[GlobalResult]:
    """The global statistics every door reports: Moran's I, Geary's C and, when all
    values are >= 0 (General G needs them), General G.

    Parameters
    ----------
    y : ndarray
        The values, one per area.
    w : Weights
        Spatial weights (Moran and General G use them row-standardised / binary as
        their functions define).
    permutations, seed, alternative
        Permutation inference, as for :func:`moran`; ``"auto"`` (the front doors'
        default, shared with the local statistics) is :data:`DEFAULT_PERMUTATIONS`
        (999): a global statistic is one test, so p down to 0.001 needs no more.

    Returns
    -------
    list of GlobalResult

    Examples
    --------
    >>> from geosozial.kernel.weights import Weights
    >>> w = Weights.from_pairs(4, np.array([0, 1, 2]), np.array([1, 2, 3]))
    >>> [r.statistic for r in global_statistics(np.array([1.0, 2, 3, 5]), w, permutations=9)]
    ['moran', 'geary', 'general_g']
    """
    permutations = check_permutations(permutations)
    if permutations == "auto":
        permutations = DEFAULT_PERMUTATIONS
    kwargs = {"permutations": permutations, "seed": seed, "alternative": alternative}
    results = [moran(y, w, **kwargs), geary(y, w, **kwargs)]
    if (np.asarray(y, dtype=float) >= 0).all():
        results.append(general_g(y, w, **kwargs))
    return results
