"""Emerging hot spots over years (issue "Years on one Gebietsstand", item 6)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import box

from geosozial.core.emerging import CATEGORY_WORDS, category_counts, emerging_notices
from geosozial.core.messages import GeosozialError
from geosozial.geo.analysis import local_analysis
from geosozial.geo.emerging import emerging_analysis
from geosozial.kernel.local import local_g
from geosozial.kernel.trends import emerging_category, emerging_hotspots_years
from geosozial.kernel.weights import Weights


def _grid(values: np.ndarray, side: int = 8) -> gpd.GeoDataFrame:
    cells = [box(x, y, x + 1000, y + 1000) for y in range(0, side * 1000, 1000)
             for x in range(0, side * 1000, 1000)]
    return gpd.GeoDataFrame({"key": [f"1499{i:04d}" for i in range(side * side)],
                             "name": [f"G{i}" for i in range(side * side)], "v": values},
                            geometry=cells, crs=25833)


def _years(n_years: int, seed: int = 1) -> dict[int, gpd.GeoDataFrame]:
    rng = np.random.default_rng(seed)
    out = {}
    for k in range(n_years):
        v = rng.gamma(4.0, 2.0, 64)
        v[[0, 1, 2, 8, 9, 10, 16, 17, 18]] += 3.0 * k  # a corner heating up year by year
        out[2016 + k] = _grid(v)
    return out


def test_each_year_equals_the_single_year_hot_spot_analysis():
    frames = _years(4)
    a = emerging_analysis(frames, "v", permutations=999, seed=7)
    for year, frame in frames.items():
        single = local_analysis(frame, "v", kind="gi", permutations=999, seed=7)
        assert np.array_equal(a.frame[f"gi_bin_{year}"], single.frame["gi_bin"])
        assert np.allclose(a.frame[f"gi_z_{year}"], single.frame["gi_z"])


def test_categories_follow_the_rules_per_area():
    frames = _years(6)
    a = emerging_analysis(frames, "v", permutations=0)
    years = sorted(frames)
    bins = np.array([a.frame[f"gi_bin_{y}"] for y in years])
    z = np.array([a.frame[f"gi_z_{y}"] for y in years])
    for i in range(64):
        assert a.frame["ehs_kategorie"].iloc[i] == emerging_category(bins[:, i], z[:, i])
    assert set(a.frame["ehs_kategorie"]) <= set(CATEGORY_WORDS)
    assert a.frame["ehs_kategorie"].iloc[0] in ("intensifying", "consecutive", "persistent")
    assert not a.notices  # six years: trends can be significant


def test_few_years_are_named_and_intensifying_is_unreachable():
    a = emerging_analysis(_years(3), "v", permutations=0)
    notice = next(n for n in a.notices if n.code == "ehs.few_years")
    assert notice.params["minimum"] == 5 and "2016, 2017, 2018" in notice.text()
    assert not {"intensifying", "diminishing"} & set(a.frame["ehs_kategorie"])
    assert (a.frame["ehs_trend_p"] > 0.05).all()  # the reason: p of 3 points >= 0.3


def test_missing_values_leave_the_area_out_of_that_year_only():
    frames = _years(3)
    frames[2017].loc[5, "v"] = np.nan
    a = emerging_analysis(frames, "v", permutations=0)
    assert np.isnan(a.frame["gi_z_2017"].iloc[5]) and a.frame["gi_bin_2017"].iloc[5] == 0
    assert not np.isnan(a.frame["gi_z_2016"].iloc[5])
    keep = np.ones(64, dtype=bool)
    keep[5] = False
    w = a.weights.subset(keep)
    direct = local_g(frames[2017]["v"].to_numpy()[keep], w, permutations=0)
    assert np.allclose(a.frame["gi_z_2017"].to_numpy()[keep], direct.z)


def test_years_on_different_keys_are_refused():
    frames = _years(2)
    frames[2016] = frames[2016].iloc[::-1].reset_index(drop=True)
    with pytest.raises(GeosozialError) as exc:
        emerging_analysis(frames, "v", source="t")
    assert exc.value.code == "ehs.keys" and exc.value.params["year"] == 2016
    with pytest.raises(GeosozialError, match="mindestens 2 Jahre"):
        emerging_analysis({2016: frames[2017]}, "v")


def test_kernel_checks_shape_and_names_the_constant_year():
    w = Weights.from_pairs(4, np.arange(3), np.arange(1, 4))
    with pytest.raises(ValueError):
        emerging_hotspots_years([2020, 2021], np.ones((3, 4)), w)
    from geosozial.kernel.errors import KernelError

    with pytest.raises(KernelError) as exc:
        emerging_hotspots_years([2020, 2021], np.array([[1, 2, 3, 4.0], [2, 2, 2, 2]]), w,
                                permutations=0)
    assert exc.value.params["year"] == 2021


def test_counts_in_words():
    assert category_counts(["persistent", "none", "persistent_cold"], "en") == \
        "persistent hot spot: 1, persistent cold spot: 1, no pattern: 1"

    class R:
        years, warnings = (2020, 2021, 2022, 2023, 2024), ()
    assert emerging_notices(R(), "x", "v") == []
