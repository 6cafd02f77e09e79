"""Mann-Kendall, Sen's slope and the emerging hot-spot categories."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy.stats import kendalltau

from geosozial.kernel.trends import emerging_category, emerging_hotspots, mann_kendall, sen_slope


def _brute(x):
    s = sum(np.sign(x[j] - x[i]) for i, j in itertools.combinations(range(len(x)), 2))
    n = len(x)
    groups = [list(x).count(v) for v in set(x)]
    var = (n * (n - 1) * (2 * n + 5) - sum(g * (g - 1) * (2 * g + 5) for g in groups)) / 18
    return s, var


@pytest.mark.parametrize("seed", range(5))
def test_mann_kendall_equals_the_textbook_formula(seed):
    rng = np.random.default_rng(seed)
    x = np.round(rng.normal(size=12), 1)  # rounding makes ties
    r = mann_kendall(x)
    s, var = _brute(list(x))
    assert r["s"] == s and r["var"] == pytest.approx(var)
    z = (s - np.sign(s)) / math.sqrt(var)
    assert r["z"] == pytest.approx(z)
    # S is Kendall's numerator against time: the same sign and concordance as scipy's tau
    tau = kendalltau(np.arange(len(x)), x).statistic
    assert np.sign(tau) == np.sign(s) or s == 0


def test_sen_slope_is_the_median_pairwise_slope():
    y = [2.0, 4.0, 5.0, 4.0, 9.0]
    slopes = [(y[j] - y[i]) / (j - i) for i, j in itertools.combinations(range(5), 2)]
    assert sen_slope(y) == np.median(slopes)
    assert sen_slope(y, [2019, 2020, 2021, 2022, 2023]) == np.median(slopes)


@pytest.mark.parametrize("bins, z, category", [
    ([0, 0, 0, 0, 2], [0, 0, 0, 0, 2.2], "new"),
    ([0, 0, 0, 2, 3], [0, 0, 0, 2.2, 2.9], "consecutive"),
    ([2] * 10, [2.0 + i * 0.3 for i in range(10)], "intensifying"),
    ([2] * 10, [2.5, 2.4, 2.6, 2.5, 2.4, 2.6, 2.5, 2.4, 2.6, 2.5], "persistent"),
    ([3] * 10, [4.0 - i * 0.2 for i in range(10)], "diminishing"),
    ([2, 0, 2, 0, 2], [2.1, 0, 2.2, 0, 2.3], "sporadic"),
    ([-2, 0, 0, 2], [-2.1, 0, 0, 2.2], "oscillating"),
    ([2] * 9 + [0], [2.2] * 9 + [0.4], "historical"),
    ([0, 0, 0, -2], [0, 0, 0, -2.0], "new_cold"),
    ([0, 0, 0, 0], [0.1, -0.2, 0.3, 0.0], "none"),
])
def test_emerging_categories(bins, z, category):
    assert emerging_category(bins, z) == category


def test_emerging_hotspots_over_areas():
    bins = np.array([[0, 2, -2], [0, 2, -2], [2, 2, -2]])
    z = np.array([[0.1, 2.1, -2.5], [0.2, 2.3, -2.6], [2.4, 2.2, -2.4]])
    assert emerging_hotspots(bins, z).tolist() == ["new", "persistent", "persistent_cold"]
