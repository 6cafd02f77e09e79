"""Changes over k years and linear trends per key (issue "Years on one Gebietsstand")."""

from __future__ import annotations

import math

import numpy as np
import pytest

from geosozial.core.dynamics import change, trend
from geosozial.core.messages import GeosozialError


def test_rate_change_in_percentage_points_and_count_change_in_percent():
    years = {2021: [8.2, 10.0, 4.0], 2022: [9.0, 9.0, 4.0], 2023: [8.9, 11.0, 0.0]}
    rate = change(years, k=2, kind="rate")
    assert np.allclose(rate.values, [0.7, 1.0, -4.0]) and rate.unit == "Prozentpunkte"
    assert rate.years == (2021, 2023)
    counts = change(years, k=1, kind="count")
    assert np.allclose(counts.values, [100 * (8.9 - 9) / 9, 100 * 2 / 9, -100.0])


def test_withheld_and_missing_values_are_never_zero():
    years = {2022: [5.0, 7.0, math.nan], 2023: [math.nan, 8.0, 3.0]}
    d = change(years, flags={2022: ["", "", ""], 2023: ["geheim", "", ""]})
    assert d.flags == ["geheim", "", "nicht_berechenbar"]
    assert math.isnan(d.values[0]) and d.values[1] == 1.0 and math.isnan(d.values[2])


def test_a_missing_year_is_an_error_naming_it():
    with pytest.raises(GeosozialError, match="2020"):
        change({2021: [1.0], 2023: [2.0]}, k=3)


def test_trend_is_the_least_squares_slope():
    years = {2019: [1.0, 2.0], 2020: [2.0, 2.0], 2021: [2.5, math.nan], 2022: [4.0, 2.0]}
    t = trend(years)
    expected = np.polyfit([2019, 2020, 2021, 2022], [1.0, 2.0, 2.5, 4.0], 1)[0]
    assert t.values[0] == pytest.approx(expected) and t.values[1] == pytest.approx(0.0)
    assert trend({2021: [1.0], 2022: [2.0]}).flags == ["nicht_berechenbar"]


def test_dynamics_replace_older_change_columns_of_a_frame():
    """Frames that already carry a change column (result files of an earlier run) get it
    recomputed, not kept."""
    import pandas as pd

    from geosozial.pipeline.timeline import DynamicsSpec, add_dynamics

    frames = {2021: pd.DataFrame({"key": ["a"], "q": [100.0]}),
              2022: pd.DataFrame({"key": ["a"], "q": [110.0], "q_diff1": [99.0],
                                  "q_diff1_flag": ["alt"]})}
    add_dynamics(frames, [DynamicsSpec("q", 1)], [], "p.toml")
    assert frames[2022]["q_diff1"].tolist() == [10.0]
    assert frames[2022]["q_diff1_flag"].tolist() == [""]
