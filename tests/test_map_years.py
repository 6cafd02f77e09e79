"""Maps of several years on one Gebietsstand (common classes, year control) and change
maps (classes symmetric around 0), without a browser.

The page itself (year control, keyboard, colours) is driven in Chromium by
tests/browser/test_year_switcher.py. Expected breaks come from mapclassify on the pooled
values or from the arithmetic of the scheme, never from geosozial's own output.
"""

from __future__ import annotations

import json
import re

import geopandas as gpd
import mapclassify
import numpy as np
import pytest
from shapely.geometry import box

from geosozial.core.messages import GeosozialError
from geosozial.geo.maps import field_layer, indicator_map, years_map
from geosozial.maps.classify import classify, common_breaks, diverging, signed_number
from geosozial.maps.html import LegendClass, MapDocument, MapLayer, render_map
from geosozial.maps.palettes import palette

YEARS = (2021, 2022, 2023)
N = 12
KEYS = [f"14522{k:03d}" for k in range(N)]


def year_frame(values: dict[str, list[float | None]], keys: list[str] = KEYS,
               flags: dict[str, list[str]] | None = None) -> gpd.GeoDataFrame:
    """Squares of 1 km in a row (EPSG:25833), one per key, with the given fields."""
    columns: dict[str, list] = {"key": keys, "name": [f"Gemeinde {k}" for k in keys]}
    columns.update({f: [np.nan if v is None else v for v in vs] for f, vs in values.items()})
    for f, fl in (flags or {}).items():
        columns[f"{f}_flag"] = fl
    geoms = [box(400000 + i * 1000, 5650000, 401000 + i * 1000, 5651000)
             for i in range(len(keys))]
    return gpd.GeoDataFrame(columns, geometry=geoms, crs=25833)


def random_years(seed: int = 3) -> dict[int, np.ndarray]:
    rng = np.random.default_rng(seed)
    out = {}
    for j, year in enumerate(YEARS):
        values = np.round(rng.gamma(4.0, 2.0 + j, N), 3)  # the level rises year by year
        out[year] = values
    out[2021][5] = out[2023][5] = 11.1                       # the same number in two years
    return out


def frames_of(values: dict[int, np.ndarray], **extra: dict[int, list]) -> dict:
    frames = {}
    for year, v in values.items():
        fields = {"quote": v.tolist()}
        for name, per_year in extra.items():
            if year in per_year:
                fields[name] = per_year[year]
        frames[year] = year_frame(fields)
    return frames


def layers_of(built, group: str) -> dict[int, MapLayer]:
    return {layer.year: layer for layer in built.document.layers if layer.group == group}


def class_by_rule(value: float, breaks: tuple[float, ...]) -> int:
    """Class c holds breaks[c-1] < v <= breaks[c] (upper bounds, as mapclassify)."""
    return int(sum(value > b for b in breaks[:-1]))


def embedded(page: str, element: str) -> dict:
    match = re.search(rf'<script type="application/json" id="{element}">(.*?)</script>', page,
                      re.S)
    assert match is not None, element
    return json.loads(match.group(1))


# --- common breaks -----------------------------------------------------------------------


@pytest.mark.parametrize(("scheme", "reference"), [
    ("quantiles", lambda y, k: mapclassify.Quantiles(y, k=k).bins),
    ("equal_interval", lambda y, k: mapclassify.EqualInterval(y, k=k).bins),
    ("natural_breaks", lambda y, k: mapclassify.FisherJenks(y, k=k).bins),
])
def test_common_breaks_are_the_breaks_of_the_pooled_values(scheme, reference) -> None:
    values = random_years()
    values[2022][[2, 7]] = np.nan                              # NaN is left out
    pooled = np.concatenate(list(values.values()))
    expected = reference(pooled[~np.isnan(pooled)], 5)
    got = common_breaks(values.values(), scheme, 5)
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    assert got == classify(pooled, scheme, 5).breaks
    # per year the breaks differ: that is what the common breaks are for
    assert common_breaks([values[2021]], scheme, 5) != got


def test_common_breaks_classify_every_year_into_the_same_classes() -> None:
    values = random_years()
    shared = common_breaks(values.values(), "quantiles", 4)
    for year, v in values.items():
        c = classify(v, "manual", breaks=shared)
        assert c.breaks == shared, year                        # no extra class in any year
        assert c.classes.tolist() == [class_by_rule(x, shared) for x in v]


def test_common_manual_breaks_are_extended_once_for_all_years() -> None:
    low, high = np.array([1.0, 5, 8]), np.array([3.0, 12, 30])
    shared = common_breaks([low, high], "manual", breaks=[4, 10])
    assert shared == (4.0, 10.0, 30.0)
    assert classify(low, "manual", breaks=shared).breaks == shared  # 'über 10' in both years


def test_common_breaks_need_values() -> None:
    with pytest.raises(GeosozialError, match="alle Werte fehlen"):
        common_breaks([np.array([np.nan]), np.array([np.nan, np.nan])])
    with pytest.raises(GeosozialError, match="alle Werte fehlen"):
        common_breaks([])


def test_fixed_breaks_classify_a_constant_or_empty_year() -> None:
    assert classify(np.array([7.0, 7.0]), "manual", breaks=[5, 10]).classes.tolist() == [1, 1]
    empty = classify(np.array([np.nan, np.nan]), "manual", breaks=[5, 10])
    assert empty.classes.tolist() == [-1, -1] and empty.breaks == (5.0, 10.0)
    with pytest.raises(GeosozialError, match="Alle Werte sind gleich"):
        classify(np.array([7.0, 7.0]), "quantiles", 2)


# --- the map of years --------------------------------------------------------------------


def test_every_year_uses_the_common_breaks_and_consistent_classes() -> None:
    values = random_years()
    built = years_map(frames_of(values), ["quote"], title="SGB II", k=4,
                      labels={"quote": ("SGB-II-Quote", "%")})
    per_year = layers_of(built, "quote")
    assert sorted(per_year) == list(YEARS)
    pooled = np.concatenate([values[y] for y in YEARS])
    bins = mapclassify.Quantiles(pooled, k=4).bins
    first = per_year[2023]
    for year, layer in per_year.items():
        assert layer.id == f"quote_{year}" and layer.label == "SGB-II-Quote"
        assert [c.label for c in layer.classes] == [c.label for c in first.classes]
        assert [c.colour for c in layer.classes] == palette("YlOrRd", 4)
        assert layer.digits == first.digits
        assert list(layer.class_of) == [class_by_rule(v, tuple(bins)) for v in values[year]]
    # 11.1 in 2021 and in 2023: the same class (per-year quantiles would differ)
    assert per_year[2021].class_of[5] == per_year[2023].class_of[5]
    own_2021 = mapclassify.Quantiles(values[2021], k=4).yb[5]
    own_2023 = mapclassify.Quantiles(values[2023], k=4).yb[5]
    assert own_2021 != own_2023, "the data should show why common breaks matter"


def test_legend_note_names_the_years_german_and_english() -> None:
    frames = frames_of(random_years())
    de = layers_of(years_map(frames, ["quote"], title="T"), "quote")[2022]
    assert "Klassen gemeinsam für 2021\u20132023 (Quantile)" in de.note
    en = layers_of(years_map(frames, ["quote"], title="T", lang="en"), "quote")[2022]
    assert "classes common to 2021\u20132023 (quantiles)" in en.note
    gaps = {2019: frames[2021], 2021: frames[2022], 2023: frames[2023]}
    note = layers_of(years_map(gaps, ["quote"], title="T"), "quote")[2019].note
    assert "2019, 2021 und 2023" in note


def test_page_opens_on_the_last_year_and_stores_the_geometry_once() -> None:
    values = random_years()
    frames = frames_of(values, rate={y: (values[y] / 2).tolist() for y in YEARS})
    built = years_map(frames, ["quote", "rate"], title="T")
    page = built.html
    first = built.document.layers[0]
    assert (first.group, first.year) == ("quote", 2023)
    geometry = embedded(page, "gs-geometry")
    assert len(geometry["features"]) == N
    ring = json.dumps(geometry["features"][4]["geometry"]["coordinates"], separators=(",", ":"))
    assert page.count(ring) == 1                               # one geometry for 6 layers
    assert page.count('"coordinates"') == N
    data = embedded(page, "gs-data")
    assert [(la["group"], la["year"]) for la in data["layers"]] == [
        ("quote", 2023), ("quote", 2022), ("quote", 2021),
        ("rate", 2023), ("rate", 2022), ("rate", 2021)]
    assert re.search(r'id="gs-active-label">[^<]* 2023<', page)
    assert '<label for="gs-year">Jahr</label><select id="gs-year">' in page


def test_suppressed_values_stay_out_of_the_breaks_and_the_page() -> None:
    values = random_years()
    secret = 987654.0                                          # would change every break
    per_year = {y: values[y].tolist() for y in YEARS}
    per_year[2022][3] = secret
    flags = [""] * N
    flags[3] = "geheim"
    frames = {y: year_frame({"quote": per_year[y]}, flags={"quote": flags} if y == 2022 else None)
              for y in YEARS}
    built = years_map(frames, ["quote"], title="T", scheme="equal_interval", k=3)
    pooled = np.concatenate([values[2021], np.delete(values[2022], 3), values[2023]])
    expected = mapclassify.EqualInterval(pooled, k=3).bins
    layer = layers_of(built, "quote")[2022]
    assert layer.class_of[3] == -2 and layer.values[3] is None
    assert [class_by_rule(v, tuple(expected)) for v in values[2023]] == \
        list(layers_of(built, "quote")[2023].class_of)
    assert "987654" not in built.html


def test_a_field_missing_in_one_year_is_no_data_there() -> None:
    values = random_years()
    frames = frames_of(values, rate={2022: values[2022].tolist(), 2023: values[2023].tolist()})
    per_year = layers_of(years_map(frames, ["rate"], title="T"), "rate")
    assert sorted(per_year) == list(YEARS)
    assert list(per_year[2021].class_of) == [-1] * N
    assert per_year[2021].values == [None] * N
    assert "2021" in per_year[2021].note and "keine Daten" in per_year[2021].note
    assert "gemeinsam für 2022\u20132023" in per_year[2023].note
    assert [c.label for c in per_year[2021].classes] == [c.label for c in per_year[2023].classes]
    with pytest.raises(GeosozialError, match="Feld gibtsnicht"):
        years_map(frames, ["gibtsnicht"], title="T")


def test_keys_must_be_the_same_in_every_year() -> None:
    values = random_years()
    frames = frames_of(values)
    swapped = KEYS.copy()
    swapped[3], swapped[4] = swapped[4], swapped[3]
    frames[2022] = year_frame({"quote": values[2022].tolist()}, keys=swapped)
    with pytest.raises(GeosozialError) as err:
        years_map(frames, ["quote"], title="T")
    text = str(err.value)
    assert "2022" in text and "14522004" in text and "Position 4" in text
    assert "Gebietsstand" in text
    frames = frames_of(values)
    frames[2021] = year_frame({"quote": values[2021][:-1].tolist()}, keys=KEYS[:-1])
    with pytest.raises(GeosozialError, match=r"2021.*14522011"):
        years_map(frames, ["quote"], title="T")
    with pytest.raises(GeosozialError):
        years_map({}, ["quote"], title="T")


# --- change maps -------------------------------------------------------------------------


@pytest.mark.parametrize("k", [3, 5, 7])
@pytest.mark.parametrize("seed", [1, 2])
def test_diverging_breaks_are_symmetric_with_zero_in_the_middle_class(k: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    y = rng.normal(0.4, 1.3, 40)                          # more increases than decreases
    c = diverging(y, k)
    b = np.array(c.breaks)
    assert c.k == k
    np.testing.assert_array_equal(b[:-1], -b[:-1][::-1])  # symmetric around 0
    assert b[-1] == pytest.approx(np.max(np.abs(y)))
    np.testing.assert_allclose(np.diff(b), 2 * np.max(np.abs(y)) / k)  # equal widths
    middle = k // 2
    assert b[middle - 1] < 0 < b[middle]                  # 0 lies in the middle class
    assert classify(np.array([0.0, 1.0]), "diverging", breaks=c.breaks).classes[0] == middle


def test_diverging_even_k_becomes_odd_and_labels_carry_signs() -> None:
    c = diverging(np.array([-1.0, 0.5, 2.0]), 4)
    assert c.k == 5 and c.notices[0]["code"] == "classify.diverging_odd"
    labels = c.labels()
    assert labels[0].startswith("bis \u2212") and labels[-1].startswith("über +")
    assert "\u2212" in labels[2] and "+" in labels[2]     # the middle class spans 0
    assert signed_number(-0.04, 1) == "0,0" and signed_number(1234.5, 1) == "+1.234,5"
    assert signed_number(-1.5, 1, "en") == "\u22121.5"


def test_change_field_on_a_single_map_and_over_years() -> None:
    change = {2022: [-2.0, -1.2, -0.4, 0.0, 0.1, 0.3, 0.6, 0.9, 1.4, 2.5, None, 0.2],
              2023: [-1.0, -0.2, 0.2, 0.4, 0.5, 0.7, 1.1, 1.9, 3.0, 0.0, 0.1, -0.3]}
    values = random_years()
    frames = frames_of(values, quote_diff_2=change)
    # one year, as the pipeline draws the change fields of one year
    single = indicator_map(frames[2023], ["quote", "quote_diff_2"], title="T", k=5,
                           diverging=["quote_diff_2"])
    layer = next(la for la in single.document.layers if la.id == "quote_diff_2")
    m = 3.0
    breaks = (-3 * m / 5, -m / 5, m / 5, 3 * m / 5, m)
    assert list(layer.class_of) == [class_by_rule(v, breaks) for v in change[2023]]
    assert [c.colour for c in layer.classes] == palette("RdBu", 5, reverse=True)
    assert layer.classes[0].colour == "#0571b0" and layer.classes[-1].colour == "#ca0020"
    assert layer.signed and "symmetrisch um 0" in layer.note
    assert layer.classes[3].label == "+0,6 bis +1,8"
    sequential = next(la for la in single.document.layers if la.id == "quote")
    assert [c.colour for c in sequential.classes] == palette("YlOrRd", 5)
    # over the years: symmetric breaks from the largest change of all years
    per_year = layers_of(years_map(frames, ["quote_diff_2"], title="T", k=5,
                                   diverging=["quote_diff_2"]), "quote_diff_2")
    assert list(per_year[2021].class_of) == [-1] * N       # no change field in 2021
    assert per_year[2022].class_of[10] == -1
    assert list(per_year[2022].class_of) == [
        -1 if v is None else class_by_rule(v, breaks) for v in change[2022]]
    # the classes come from the two years that have the field
    assert "Klassen gemeinsam für 2022\u20132023 (symmetrisch um 0)" in per_year[2022].note
    assert "Für 2021 fehlt das Feld" in per_year[2021].note
    data = embedded(render_map(single.document), "gs-data")
    assert next(la for la in data["layers"] if la["id"] == "quote_diff_2")["signed"] is True


def test_field_layer_keeps_flag_handling_for_changes() -> None:
    frame = year_frame({"d": [-1.0, 0.5, 2.0] + [0.1] * (N - 3)},
                       flags={"d": ["", "geheim", ""] + [""] * (N - 3)})
    layer = field_layer(frame, "d", k=3, diverging=True)
    assert layer.class_of[1] == -2 and layer.values[1] is None
    assert layer.classes[0].label.startswith("bis \u2212")


# --- the document checks -----------------------------------------------------------------


def _layer(id_: str, year: int | None, group: str = "") -> MapLayer:
    return MapLayer(id=id_, label="Q", unit="%", kind="choropleth",
                    classes=[LegendClass("a", "#ffffb2"), LegendClass("b", "#bd0026")],
                    class_of=[0, 1], values=[1.0, 2.0], year=year, group=group)


def _doc(layers: list[MapLayer]) -> MapDocument:
    return MapDocument(title="T", geojson='{"type":"FeatureCollection","features":[]}',
                       names=["a", "b"], keys=["1", "2"], layers=layers)


def test_year_layers_must_fill_the_grid() -> None:
    ok = render_map(_doc([_layer("q23", 2023, "q"), _layer("q22", 2022, "q")]))
    assert '"year":2023' in ok
    with pytest.raises(GeosozialError, match="kein Jahr"):
        render_map(_doc([_layer("q23", 2023, "q"), _layer("x", None)]))
    with pytest.raises(GeosozialError, match="mehr als eine Ebene"):
        render_map(_doc([_layer("a", 2023, "q"), _layer("b", 2023, "q")]))
    with pytest.raises(GeosozialError, match="keine Ebene für 2022"):
        render_map(_doc([_layer("q23", 2023, "q"), _layer("q22", 2022, "q"),
                         _layer("r23", 2023, "r")]))
    with pytest.raises(GeosozialError, match="keine ganze Zahl"):
        render_map(_doc([_layer("q23", "2023", "q")]))  # type: ignore[arg-type]
    plain = render_map(_doc([_layer("q", None)]))
    assert embedded(plain, "gs-data")["layers"][0]["year"] is None


def test_fixed_breaks_per_field_over_the_years() -> None:
    values = random_years()
    change = {2022: [-2.0, -0.5, 0.0, 0.4, 1.5, 2.2] * 2, 2023: [-1.0, 0.0, 0.2, 0.8, 3.5, 0.1] * 2}
    frames = frames_of(values, quote_diff_2=change)
    built = years_map(frames, ["quote", "quote_diff_2"], title="T", diverging=["quote_diff_2"],
                      breaks={"quote": [5, 10, 20], "quote_diff_2": [-1, 1, 4]})
    top = float(max(np.max(v) for v in values.values()))
    for year, layer in layers_of(built, "quote").items():
        expected = (5.0, 10.0, 20.0, top) if top > 20 else (5.0, 10.0, 20.0)
        assert list(layer.class_of) == [class_by_rule(v, expected) for v in values[year]]
        assert "(feste Grenzen)" in layer.note
    changes = layers_of(built, "quote_diff_2")
    assert [c.label for c in changes[2023].classes] == ["bis \u22121", "\u22121 bis +1",
                                                         "über +1"]
    assert list(changes[2023].class_of) == [class_by_rule(v, (-1, 1, 4))
                                            for v in change[2023]]
