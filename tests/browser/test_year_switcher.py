"""The year control of a map of three years in Debian's Chromium (Playwright).

A 3-year map of two indicators and a change field: the year is switched with the
keyboard, the fill colour of a known area and the legend counts follow the year, the
chosen indicator stays (and the year stays when the indicator changes); axe-core
(npm package ``axe-core``, injected into the page) finds no WCAG 2.1 A/AA violation.
The expected classes follow from the data: equal intervals over the pooled values 0 to
100 in 4 classes are 0-25, 25-50, 50-75, 75-100.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
from axe_helper import axe_source
from shapely.geometry import box

from geosozial.geo.maps import years_map
from geosozial.maps.palettes import palette

pytestmark = pytest.mark.browser

PageWatch = Any   # tests/browser/conftest.py
YEARS = (2021, 2022, 2023)
N = 8
# area 0 ("Döbeln") moves through the classes: 10 (class 0), 60 (class 2), 90 (class 3)
QUOTE = {2021: [10.0, 0.0, 20.0, 30.0, 40.0, 55.0, 70.0, 100.0],
         2022: [60.0, 5.0, 20.0, 30.0, 45.0, 55.0, 80.0, 95.0],
         2023: [90.0, 5.0, 15.0, 35.0, 45.0, 65.0, 80.0, 99.0]}
RATE = {y: [v / 10 for v in reversed(values)] for y, values in QUOTE.items()}
CHANGE = {2023: [3.0, -3.0, 0.2, -0.2, 1.0, -1.5, 2.5, 0.0]}
NAMES = ["Döbeln", "Roßwein", "Waldheim", "Hartha", "Leisnig", "Großweitzschen",
         "Jahnatal", "Mittweida"]
COLOURS = palette("YlOrRd", 4)


def expected_class(value: float) -> int:
    """Equal intervals 0-25, 25-50, 50-75, 75-100 (upper bounds inclusive)."""
    return min(3, max(0, int((value - 1e-9) // 25)))


def frames() -> dict[int, gpd.GeoDataFrame]:
    out = {}
    for year in YEARS:
        columns = {"key": [f"14522{k:03d}" for k in range(N)], "name": NAMES,
                   "quote": QUOTE[year], "rate": RATE[year]}
        if year in CHANGE:
            columns["quote_diff_2"] = CHANGE[year]
        geoms = [box(400000 + (k % 4) * 2000, 5650000 + (k // 4) * 2000,
                     402000 + (k % 4) * 2000, 5652000 + (k // 4) * 2000) for k in range(N)]
        out[year] = gpd.GeoDataFrame(columns, geometry=geoms, crs=25833)
    return out


def open_years_map(watch: PageWatch, tmp_path: Path, **options: Any) -> Any:
    built = years_map(frames(), ["quote", "rate", "quote_diff_2"], title="Drei Jahre",
                      scheme="equal_interval", k=4, diverging=["quote_diff_2"],
                      labels={"quote": ("SGB-II-Quote", "%"), "rate": ("Kinderarmut", "%"),
                              "quote_diff_2": ("Veränderung SGB-II-Quote",
                                               "Prozentpunkte")},
                      date="2024-12-31", **options)
    return watch.open(built.write(tmp_path / "jahre.html"))


def fill_of(page: Any, index: int) -> str:
    """Fill colour of the area with row index ``index``."""
    return page.evaluate(
        "i => { let f = null; window.geosozialMap.map.eachLayer(l => {"
        " if (l.feature && l.feature.properties.i === i) { f = l.getElement()"
        ".getAttribute('fill'); } }); return f; }", index)


def legend_counts(page: Any) -> list[int]:
    texts = page.locator("#gs-legend li .gs-count").all_inner_texts()
    return [int(t.split()[0]) for t in texts]


def expected_counts(values: list[float]) -> list[int]:
    return [sum(expected_class(v) == c for v in values) for c in range(4)]


def assert_clean(watch: PageWatch) -> None:
    assert watch.external == [], watch.external
    assert watch.errors == [] and watch.console_errors == [], (watch.errors,
                                                               watch.console_errors)
    assert watch.dialogs == [] and watch.csp_violations() == []


def test_year_switch_by_keyboard_keeps_the_indicator(watch: PageWatch, tmp_path: Path) -> None:
    page = open_years_map(watch, tmp_path)
    select = page.get_by_label("Jahr", exact=True)
    assert select.evaluate("s => s.tagName") == "SELECT"
    assert [o.strip() for o in select.locator("option").all_inner_texts()] == \
        [str(y) for y in YEARS]
    # the page opens on the last year and the first indicator
    assert select.input_value() == "2023"
    assert fill_of(page, 0) == COLOURS[expected_class(QUOTE[2023][0])]
    assert legend_counts(page) == expected_counts(QUOTE[2023])
    assert "gemeinsam für 2021\u20132023 (gleiche Abstände)" in page.locator(
        "#gs-legend .gs-note").inner_text()
    # choose the second indicator, then go back one year with the keyboard
    page.get_by_role("button", name="Kinderarmut", exact=True).click()
    # the rates 0 to 10 have their own classes: 0-2.5, 2.5-5, 5-7.5, 7.5-10
    assert fill_of(page, 7) == COLOURS[expected_class(RATE[2023][7] * 10)]
    select.focus()
    page.keyboard.press("ArrowUp")
    assert select.input_value() == "2022"
    rate_button = page.get_by_role("button", name="Kinderarmut", exact=True)
    assert rate_button.get_attribute("aria-pressed") == "true"
    assert page.get_by_role("button", name="SGB-II-Quote", exact=True).get_attribute(
        "aria-pressed") == "false"
    assert page.evaluate("window.geosozialMap.activeLayer()") == "rate_2022"
    assert "Kinderarmut 2022" in page.locator("#gs-status").inner_text()
    assert page.locator("#gs-active-label").inner_text() == "Kinderarmut 2022"
    assert fill_of(page, 7) == COLOURS[expected_class(RATE[2022][7] * 10)]
    assert fill_of(page, 7) != COLOURS[expected_class(RATE[2023][7] * 10)]
    # back to the first indicator: the year stays 2022
    page.get_by_role("button", name="SGB-II-Quote", exact=True).click()
    assert select.input_value() == "2022"
    assert fill_of(page, 0) == COLOURS[expected_class(QUOTE[2022][0])]
    assert legend_counts(page) == expected_counts(QUOTE[2022])
    # two steps further back by keyboard: 2021
    select.focus()
    page.keyboard.press("ArrowUp")
    assert select.input_value() == "2021"
    assert fill_of(page, 0) == COLOURS[expected_class(QUOTE[2021][0])]
    assert legend_counts(page) == expected_counts(QUOTE[2021])
    assert fill_of(page, 0) != COLOURS[expected_class(QUOTE[2023][0])]
    # table and tooltip show the chosen year
    header = page.locator("#gs-table thead th").nth(2).inner_text()
    assert header == "SGB-II-Quote 2021 (%)"
    cells = page.locator("#gs-table tbody tr").nth(0).locator("td").all_inner_texts()
    assert cells[1] == "10,0"
    page.mouse.move(0, 0)
    page.locator("path.leaflet-interactive").nth(0).hover()
    tip = page.locator(".leaflet-tooltip")
    tip.wait_for(state="visible")
    assert "10,0\u00a0%" in tip.inner_text() and "Döbeln" in tip.inner_text()
    # the select shows where the focus is
    select.focus()
    outline = select.evaluate("s => getComputedStyle(s).outlineStyle")
    assert outline != "none"
    assert_clean(watch)


def test_change_map_is_signed_and_blue_to_red(watch: PageWatch, tmp_path: Path) -> None:
    page = open_years_map(watch, tmp_path)
    page.get_by_role("button", name="Veränderung SGB-II-Quote", exact=True).click()
    labels = page.locator("#gs-legend li .gs-label").all_inner_texts()
    assert labels[0].startswith("bis \u2212") and labels[-1].startswith("über +")
    assert len(labels) == 5                                # k=4 became 5: 0 in the middle
    reds_and_blues = palette("RdBu", 5, reverse=True)
    assert fill_of(page, 0) == reds_and_blues[-1]          # +3,0: the largest increase
    assert fill_of(page, 1) == reds_and_blues[0]           # -3,0: the largest decrease
    assert fill_of(page, 7) == reds_and_blues[2]           # 0: the middle class
    cells = page.locator("#gs-table tbody tr").nth(1).locator("td").all_inner_texts()
    assert cells[1] == "\u22123,0"
    page.get_by_label("Jahr", exact=True).select_option("2022")   # no change field in 2022
    assert fill_of(page, 0) == "#ffffff"
    assert "keine Daten" in page.locator("#gs-legend").inner_text()
    assert_clean(watch)


@pytest.mark.parametrize("lang", ["de", "en"])
def test_axe_core_finds_no_violations(watch: PageWatch, tmp_path: Path, lang: str) -> None:
    source = axe_source()
    page = open_years_map(watch, tmp_path, lang=lang)
    page.get_by_label("Jahr" if lang == "de" else "Year", exact=True).focus()
    page.keyboard.press("ArrowUp")
    # evaluated through the DevTools protocol: the page's CSP stays as it is
    page.evaluate(source + "\n;undefined")
    result = page.evaluate(
        "axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})")
    violations = [(v["id"], v["help"], [n["html"][:120] for n in v["nodes"]][:3])
                  for v in result["violations"]]
    assert violations == []
    assert result["passes"], "axe-core ran no check"
    assert_clean(watch)
