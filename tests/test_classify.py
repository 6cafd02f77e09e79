"""Choropleth classes and legend labels (geosozial.maps.classify, geosozial.maps.palettes).

mapclassify is the reference for quantiles, equal intervals and Fisher-Jenks; it is a
test dependency only.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from datasets import VG5000

from geosozial.core.messages import GeosozialError, set_language
from geosozial.maps.classify import (
    class_labels,
    classify,
    equal_interval,
    fisher_jenks,
    format_number,
    manual,
    natural_breaks,
    quantiles,
)
from geosozial.maps.palettes import (
    DIVERGING,
    GI_COLOURS,
    LISA_COLOURS,
    NO_DATA,
    SEQUENTIAL,
    SUPPRESSED,
    gi_label,
    lisa_label,
    palette,
    palette_kind,
    special_label,
)

mapclassify = pytest.importorskip("mapclassify")


@pytest.fixture(scope="module")
def areas() -> np.ndarray:
    """Areas of the 10,997 VG5000 municipalities in km²: a strongly skewed distribution."""
    if not VG5000.exists():
        pytest.skip("VG5000 not available")
    import geopandas as gpd

    frame = gpd.read_file(VG5000)
    return np.round(frame.to_crs(25832).area.to_numpy() / 1e6, 3)


def _lognormal(n: int, seed: int) -> np.ndarray:
    return np.round(np.random.default_rng(seed).lognormal(3, 1, n), 1)


def _mc(cls, y, k):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cls(y, k)


# --- against mapclassify ---------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("k", [3, 5, 7])
def test_schemes_match_mapclassify_on_municipality_areas(areas, k):
    # mapclassify's Fisher-Jenks is O(k n^2) in Python (minutes for all 10,997 areas):
    # it is compared on every tenth municipality; quantiles and equal interval on all.
    for ours, ref, y in ((quantiles, mapclassify.Quantiles, areas),
                         (equal_interval, mapclassify.EqualInterval, areas),
                         (natural_breaks, mapclassify.FisherJenks, areas[::10])):
        result = ours(y, k)
        expected = _mc(ref, y, k)
        np.testing.assert_allclose(result.breaks, expected.bins, rtol=1e-12)
        np.testing.assert_array_equal(result.classes, expected.yb)
        assert result.counts == tuple(expected.counts.tolist())


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fisher_jenks_matches_mapclassify_on_skewed_samples(seed):
    y = _lognormal(400, seed)
    for k in (2, 4, 6, 8):
        expected = _mc(mapclassify.FisherJenks, y, k)
        np.testing.assert_allclose(natural_breaks(y, k).breaks, expected.bins)


def _brute_force_cost(x: np.ndarray, w: np.ndarray, k: int) -> float:
    """Optimal weighted within-class sum of squares by the plain O(k n²) recursion."""
    n = len(x)
    c0, c1, c2 = (np.r_[0, np.cumsum(w * x**p)] for p in (0, 1, 2))
    best = np.full((k + 1, n + 1), np.inf)
    best[0, 0] = 0
    for j in range(1, k + 1):
        for i in range(j, n + 1):
            best[j, i] = min(best[j - 1, m] + c2[i] - c2[m] - (c1[i] - c1[m]) ** 2
                             / (c0[i] - c0[m]) for m in range(j - 1, i))
    return best[k, n]


def _cost(x: np.ndarray, w: np.ndarray, ends: np.ndarray) -> float:
    total, start = 0.0, 0
    for end in ends:
        seg, wt = x[start:end], w[start:end]
        total += float(np.sum(wt * (seg - np.average(seg, weights=wt)) ** 2))
        start = end
    return total


def test_fisher_jenks_is_exact_for_small_inputs():
    rng = np.random.default_rng(11)
    for _ in range(60):
        x = np.unique(np.round(rng.lognormal(0, 1, rng.integers(2, 30)), 2))
        w = rng.integers(1, 4, len(x)).astype(float)
        for k in range(1, min(len(x), 6) + 1):
            ends = fisher_jenks(x, w, k)
            assert len(ends) == k and ends[-1] == len(x) and np.all(np.diff(ends) > 0)
            assert _cost(x, w, ends) == pytest.approx(_brute_force_cost(x, w, k),
                                                      rel=1e-9, abs=1e-12)


def test_natural_breaks_is_fast_for_many_values():
    y = np.random.default_rng(0).lognormal(0, 1, 50_000)
    result = natural_breaks(y, 6)
    assert result.k == 6 and result.breaks[-1] == y.max()


# --- edge cases --------------------------------------------------------------------------


def test_missing_values_get_class_minus_one():
    result = quantiles(np.array([1.0, np.nan, 3, 4, 5, np.nan]), 2)
    assert result.classes.tolist() == [0, -1, 0, 1, 1, -1]
    assert result.notices[0]["code"] == "classify.missing"
    assert sum(result.counts) == 4


def test_ties_give_fewer_quantile_classes_with_a_message():
    y = np.array([1.0] * 8 + [2.0, 3.0, 4.0, 5.0])
    result = quantiles(y, 4)
    expected = _mc(mapclassify.Quantiles, y, 4)
    np.testing.assert_allclose(result.breaks, expected.bins)
    assert result.k < 4 and result.k_requested == 4
    notice = result.notices[0]
    assert notice["code"] == "classify.ties"
    assert "statt 4 Klassen" in notice["text"]


def test_k_larger_than_distinct_values_gives_fewer_classes():
    y = np.array([1.0, 1, 2, 2, 5, 5, 5])
    for scheme in (quantiles, natural_breaks):
        result = scheme(y, 5)
        assert result.k <= 3
        assert result.notices[0]["code"] == "classify.fewer_classes"
        assert "nur 3 verschiedene Werte" in result.notices[0]["text"]
    assert natural_breaks(y, 5).breaks == (1.0, 2.0, 5.0)


def test_constant_values_are_an_error():
    with pytest.raises(GeosozialError, match="Alle Werte sind gleich"):
        natural_breaks(np.array([4.2, 4.2, 4.2, np.nan]), 3)
    with pytest.raises(GeosozialError, match="alle Werte fehlen"):
        quantiles(np.array([np.nan, np.nan]), 3)
    with pytest.raises(GeosozialError, match="unendlich"):
        equal_interval(np.array([1.0, np.inf]), 3)
    with pytest.raises(GeosozialError, match="ab 2"):
        quantiles(np.array([1.0, 2.0]), 1)


def test_equal_interval_reports_empty_classes():
    result = equal_interval(np.array([0.0, 1, 2, 100]), 4)
    assert result.counts == (3, 0, 0, 1)
    assert result.notices[-1]["code"] == "classify.empty_classes"


def test_manual_breaks_are_validated_and_cover_the_data():
    y = np.array([0.5, 10, 10.01, 20, 35])
    result = manual(y, [10, 20])
    expected = mapclassify.UserDefined(y, [10, 20])
    np.testing.assert_allclose(result.breaks, expected.bins)
    np.testing.assert_array_equal(result.classes, expected.yb)
    assert result.labels() == ["bis 10", "10 bis 20", "über 20"]
    assert "1 Werte liegen über der höchsten Klassengrenze 20" in result.notices[0]["text"]
    covered = manual(y, [10, 40])
    assert covered.breaks == (10.0, 40.0) and covered.notices == []
    for bad in ([], [10, 10], [20, 10], [1, float("nan")]):
        with pytest.raises(GeosozialError, match="streng aufsteigend"):
            manual(y, bad)


def test_classify_by_name():
    y = np.array([1.0, 2, 3, 4, 5, 6])
    assert classify(y, "equal_interval", 2).breaks == (3.5, 6.0)
    assert classify(y, "manual", breaks=[2, 6]).breaks == (2.0, 6.0)
    with pytest.raises(GeosozialError, match="Unbekanntes"):
        classify(y, "jenks_caspall", 3)


# --- labels ------------------------------------------------------------------------------


def test_german_and_english_number_format():
    assert format_number(1234.5, 1) == "1.234,5"
    assert format_number(1234567.891, 2) == "1.234.567,89"
    # ties away from zero, as JavaScript's toFixed in the map page (1234.5 is exact)
    assert format_number(-1234.5, 0) == "-1.235"
    assert format_number(-0.01, 1) == "0,0"
    assert format_number(0.5, 3) == "0,500"
    assert format_number(1234.5, 1, "en") == "1,234.5"
    assert format_number(float("nan")) == "keine Daten"


def test_legend_labels():
    assert class_labels([12.5, 20.0, 31.0]) == ["bis 12,5", "12,5 bis 20,0", "über 20,0"]
    assert class_labels([12.5, 20.0, 31.0], lang="en") == [
        "up to 12.5", "12.5 to 20.0", "over 20.0"]
    assert class_labels([1500.0, 25000.0]) == ["bis 1.500", "über 1.500"]
    assert class_labels([5.0], minimum=1.0) == ["1 bis 5"]
    # digits adapt so that neighbouring breaks stay distinguishable
    assert class_labels([0.101, 0.104, 0.2]) == ["bis 0,101", "0,101 bis 0,104", "über 0,104"]
    set_language("en")
    assert quantiles(np.array([1.0, 2, 3, 4]), 2).labels() == ["up to 2.5", "over 2.5"]


# --- palettes ------------------------------------------------------------------------------


def test_palettes_at_defined_counts_only():
    assert palette("YlOrRd", 5) == ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"]
    assert palette("RdBu", 11)[0] == "#67001f" and palette("RdBu", 11)[5] == "#f7f7f7"
    assert palette("RdBu", 3, reverse=True) == ["#67a9cf", "#f7f7f7", "#ef8a62"]
    for name in ("YlOrRd", "OrRd", "Reds", "Blues", "Greens", "Purples", "YlGnBu"):
        assert palette_kind(name) == "sequential"
        assert sorted(SEQUENTIAL[name]) == list(range(3, 10))
    for name in ("RdBu", "RdYlBu", "PuOr", "BrBG"):
        assert palette_kind(name) == "diverging"
        assert sorted(DIVERGING[name]) == list(range(3, 12))
    with pytest.raises(GeosozialError, match="nur für 3 bis 9 Klassen"):
        palette("Blues", 10)
    with pytest.raises(GeosozialError, match="nur für 3 bis 9"):
        palette("Blues", 2)
    with pytest.raises(GeosozialError, match="Unbekannte Farbpalette"):
        palette("Viridis", 5)


def test_palettes_agree_with_colorbrewer_as_shipped_by_branca():
    import json
    from pathlib import Path

    branca = pytest.importorskip("branca")
    schemes = json.loads((Path(branca.__file__).parent / "_schemes.json").read_text())
    for table in (SEQUENTIAL, DIVERGING):
        for name, counts in table.items():
            for k in counts:
                assert palette(name, k) == [c.lower() for c in schemes[f"{name}_{k:02d}"]]


def test_fixed_class_colours_and_labels():
    assert LISA_COLOURS == {"HH": "#FF0000", "LL": "#0000FF", "LH": "#a7adf9",
                            "HL": "#f4ada8", "ns": "#eeeeee", "isolated": "#999999"}
    assert [GI_COLOURS[b] for b in range(-3, 4)] == [
        "#4575B5", "#849EBA", "#C0CCBE", "#FFFFBF", "#FAB984", "#ED7551", "#D62F27"]
    assert lisa_label("HH") == "Hoch-Hoch (HH)"
    assert lisa_label("LL", "en") == "Low-Low (LL)"
    assert [gi_label(b) for b in (3, 2, 1, 0, -1, -2, -3)] == [
        "Hot Spot 99 %", "Hot Spot 95 %", "Hot Spot 90 %", "nicht signifikant",
        "Cold Spot 90 %", "Cold Spot 95 %", "Cold Spot 99 %"]
    assert gi_label(3, "en") == "Hot spot 99%"
    assert special_label("no_data") == "keine Daten"
    assert special_label("suppressed", "en") == "suppressed (confidential)"
    fills = {NO_DATA.fill, SUPPRESSED.fill, *LISA_COLOURS.values(), *GI_COLOURS.values()}
    assert len(fills) == 2 + 6 + 7  # the extra classes are distinct from every class colour
    assert SUPPRESSED.hatch and not NO_DATA.hatch
