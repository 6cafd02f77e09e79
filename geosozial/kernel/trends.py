"""Trends over years: Mann-Kendall, Sen's slope and emerging hot-spot categories.

For each area the Gi* z-values of the years form a series; the Mann-Kendall test says
whether they rise or fall (ties corrected, normal approximation), and the Gi* bins of
the years give the emerging hot-spot category, with the rules of ArcGIS's Emerging
Hot Spot Analysis (a location is "hot in 90 % of the years" when at least 90 % of its
years are significant hot spots):

- ``oscillating``: hot in the last year, cold in some earlier year (checked first);
- ``new``: hot in the last year only (never before);
- ``consecutive``: one uninterrupted run of at least two hot years at the end, never
  hot before the run, hot in less than 90 % of the years;
- ``intensifying`` / ``persistent`` / ``diminishing``: hot in at least 90 % of the
  years including the last, with a significant rising / no / a significant falling
  Mann-Kendall trend of the z-values;
- ``sporadic``: hot in the last year, hot in less than 90 % of the years, never cold;
- ``historical``: not hot in the last year, but hot in at least 90 % of the years;

and the same for cold spots (``new_cold`` ...); ``none`` otherwise.

Example:
    >>> mann_kendall([1.0, 2.0, 3.0, 4.0, 5.0])["s"]
    10.0
    >>> emerging_category([0, 0, 0, 2], [0.1, 0.3, 0.2, 2.4])
    'new'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import ndtr

#: the categories, hot first; cold ones carry the suffix ``_cold``
CATEGORIES = ("new", "consecutive", "intensifying", "persistent", "diminishing", "sporadic",
              "oscillating", "historical")


def mann_kendall(values: Sequence[float]) -> dict[str, float]:
    """The Mann-Kendall trend test of a series (ties corrected, two-sided normal p).

    Returns ``s``, ``var``, ``z`` (continuity corrected), ``p`` and ``tau``; a series
    shorter than 3 or without variation has ``p = 1``.

    Examples
    --------
    >>> r = mann_kendall([3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0])
    >>> r["s"], round(r["var"], 4), round(r["z"], 4), round(r["p"], 4)
    (11.0, 64.3333, 1.2468, 0.2125)
    """
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    n = len(x)
    if n < 3:
        return {"s": 0.0, "var": 0.0, "z": 0.0, "p": 1.0, "tau": 0.0}
    diff = np.sign(x[None, :] - x[:, None])
    s = float(np.triu(diff, 1).sum())
    _, counts = np.unique(x, return_counts=True)
    var = (n * (n - 1) * (2 * n + 5) - float((counts * (counts - 1) * (2 * counts + 5)).sum())
           ) / 18.0
    if var <= 0:
        return {"s": s, "var": 0.0, "z": 0.0, "p": 1.0, "tau": 0.0}
    z = (s - np.sign(s)) / np.sqrt(var)
    p = float(2 * (1 - ndtr(abs(z))))
    return {"s": s, "var": float(var), "z": float(z), "p": min(p, 1.0),
            "tau": s / (n * (n - 1) / 2)}


def sen_slope(values: Sequence[float], times: Sequence[float] | None = None) -> float:
    """The median of all pairwise slopes (Theil-Sen), per unit of ``times`` (default 1).

    Examples
    --------
    >>> sen_slope([1.0, 2.0, 3.0, 10.0])
    2.0
    """
    y = np.asarray(values, dtype=float)
    t = np.arange(len(y), dtype=float) if times is None else np.asarray(times, dtype=float)
    keep = ~np.isnan(y)
    y, t = y[keep], t[keep]
    i, j = np.triu_indices(len(y), 1)
    if not len(i):
        return float("nan")
    return float(np.median((y[j] - y[i]) / (t[j] - t[i])))


def emerging_category(bins: Sequence[int], z: Sequence[float], *, alpha: float = 0.05,
                      share: float = 0.9) -> str:
    """The emerging hot-spot category of one area from its yearly Gi* bins and z-values.

    ``bins`` are the corrected Gi* bins of the years in order (-3..3, 0 not
    significant); the trend is the Mann-Kendall test of ``z`` at level ``alpha``.

    Examples
    --------
    >>> emerging_category([2, 2, 3, 3, 3], [2.1, 2.4, 2.9, 3.2, 3.8])
    'intensifying'
    >>> emerging_category([0, -2, 0, 2], [0.0, -2.2, 0.1, 2.3])
    'oscillating'
    >>> emerging_category([-1, -2, -2, -1, -2, -1, -2, -1, -3, 0], [-2.0] * 9 + [-0.5])
    'historical_cold'
    """
    b = np.sign(np.asarray(bins, dtype=float))
    hot = _category(b, np.asarray(z, dtype=float), alpha, share)
    if hot != "none":
        return hot
    cold = _category(-b, -np.asarray(z, dtype=float), alpha, share)
    return f"{cold}_cold" if cold != "none" else "none"


def _category(b: np.ndarray, z: np.ndarray, alpha: float, share: float) -> str:
    hot = b > 0
    cold = b < 0
    n = len(b)
    if n == 0 or not hot.any():
        return "none"
    mostly = hot.sum() >= share * n
    if not hot[-1]:
        return "historical" if mostly else "none"
    if mostly:
        trend = mann_kendall(z)
        if trend["p"] <= alpha and trend["s"] > 0:
            return "intensifying"
        if trend["p"] <= alpha and trend["s"] < 0:
            return "diminishing"
        return "persistent"
    if cold.any():  # a history of being a cold spot comes first
        return "oscillating"
    if hot.sum() == 1:
        return "new"
    run = int(np.argmin(hot[::-1])) if not hot.all() else n
    if run >= 2 and not hot[: n - run].any():
        return "consecutive"
    return "sporadic"


def emerging_hotspots(bins: np.ndarray, z: np.ndarray, **kwargs: Any) -> np.ndarray:
    """The category of every area from ``(years, areas)`` arrays of bins and z-values.

    Examples
    --------
    >>> emerging_hotspots(np.array([[0, 2], [0, 2], [2, 2]]),
    ...                   np.array([[0.0, 2.1], [0.1, 2.2], [2.5, 2.3]])).tolist()
    ['new', 'persistent']
    """
    bins = np.asarray(bins)
    z = np.asarray(z, dtype=float)
    return np.array([emerging_category(bins[:, i], z[:, i], **kwargs)
                     for i in range(bins.shape[1])], dtype=object)


#: fewest years for which a Mann-Kendall trend can reach p <= 0.05 (two-sided): with 4
#: years the strongest trend has p = 0.089
MIN_TREND_YEARS = 5


@dataclass(frozen=True)
class EmergingResult:
    """Emerging hot spots over years: Gi* per year, the trend of z and the categories.

    ``z`` and ``bins`` are ``(years, areas)``: the Gi* z-value (NaN where the area had
    no value that year or is an island) and the corrected bin (0 then);
    ``categories`` the category per area (:data:`CATEGORIES`, ``_cold`` suffix, or
    ``none``); ``trend_z``, ``trend_p``, ``trend_tau`` the Mann-Kendall test of each
    area's z-values; ``warnings`` short codes (``few_years``) for the front doors.
    """

    years: tuple[int, ...]
    z: np.ndarray
    bins: np.ndarray
    categories: np.ndarray
    trend_z: np.ndarray
    trend_p: np.ndarray
    trend_tau: np.ndarray
    method: dict[str, Any]
    warnings: tuple[str, ...] = ()


def emerging_hotspots_years(years: Sequence[int], values: np.ndarray, w: Any, *,
                            trend_alpha: float = 0.05, share: float = 0.9, **inference: Any
                            ) -> EmergingResult:
    """Emerging hot-spot analysis: Gi* of every year, then trend and category per area.

    Each year runs :func:`geosozial.kernel.local.local_g` with the same weights and
    the same inference options (``permutations``, ``seed``, ``correction``, ``alpha``),
    so a year's bins equal those of a single-year hot-spot analysis with the same
    seed. Areas without a value in a year are left out of that year's Gi* (the weights
    restricted to the others, :meth:`~geosozial.kernel.weights.Weights.subset`) and
    count as "not significant" there. The trend is the Mann-Kendall test of the
    z-values at ``trend_alpha``; the category follows :func:`emerging_category`. With fewer
    than :data:`MIN_TREND_YEARS` years no trend can be significant, so "intensifying"
    and "diminishing" cannot occur (warning ``few_years``).

    Parameters
    ----------
    years : sequence of int
        The years, ascending.
    values : numpy.ndarray
        ``(len(years), n)`` values (NaN where missing).
    w : Weights
        Weights of the ``n`` areas (one Gebietsstand).
    trend_alpha, share : float
        Trend level and the share of years that makes a location "mostly" hot.
    **inference
        Passed to :func:`~geosozial.kernel.local.local_g`.

    Returns
    -------
    EmergingResult

    Examples
    --------
    >>> from geosozial.kernel.weights import Weights
    >>> w = Weights.from_pairs(20, np.arange(19), np.arange(1, 20))  # a path of 20 areas
    >>> v = np.ones((3, 20))
    >>> v[0, 3] = 2.0
    >>> v[1:, -4:] = 9.0  # the last four areas are high in the last two years
    >>> r = emerging_hotspots_years([2021, 2022, 2023], v, w, permutations=0,
    ...                             correction="none")
    >>> r.categories.tolist()[-1], r.bins[:, -1].tolist(), r.warnings
    ('consecutive', [0, 3, 3], ('few_years',))
    """
    from geosozial.kernel.errors import KernelError
    from geosozial.kernel.local import local_g

    years = tuple(int(y) for y in years)
    values = np.asarray(values, dtype=float)
    if values.ndim != 2 or values.shape[0] != len(years):
        raise ValueError("values must be (years, areas)")
    if list(years) != sorted(set(years)):
        raise ValueError("years must be ascending and distinct")
    t, n = values.shape
    z = np.full((t, n), np.nan)
    bins = np.zeros((t, n), dtype=np.int64)
    per_year = []
    for k in range(t):
        keep = ~np.isnan(values[k])
        sub = w if keep.all() else w.subset(keep)
        try:
            res = local_g(values[k, keep], sub, **inference)
        except KernelError as exc:  # the front doors name the year
            exc.params["year"] = years[k]
            raise
        z[k, keep] = res.z
        bins[k, keep] = res.bins
        per_year.append(res.method)
    trend = [mann_kendall(z[:, i]) for i in range(n)]
    categories = np.array([emerging_category(bins[:, i], np.nan_to_num(z[:, i]),
                                             alpha=trend_alpha, share=share)
                           for i in range(n)], dtype=object)
    method = dict(per_year[-1]) if per_year else {}
    method.update({"statistic": "emerging_hotspots", "years": list(years),
                   "trend": "Mann-Kendall", "trend_alpha": trend_alpha, "share": share})
    return EmergingResult(
        years=years, z=z, bins=bins, categories=categories,
        trend_z=np.array([r["z"] for r in trend]), trend_p=np.array([r["p"] for r in trend]),
        trend_tau=np.array([r["tau"] for r in trend]), method=method,
        warnings=("few_years",) if t < MIN_TREND_YEARS else ())
