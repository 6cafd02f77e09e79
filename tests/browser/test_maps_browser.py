"""The map pages in a real browser (Debian's Chromium via Playwright).

Each page is opened from a file:// URL; every request to anything but a file is aborted
and counted (must be 0), page errors, console errors, dialogs and Content-Security-Policy
violations must not occur. Skipped without Chromium/Playwright, except when CI is set.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from geosozial.maps.html import (
    Column,
    LegendClass,
    MapDocument,
    MapLayer,
    number_text,
    write_map,
)

KINDS = ("choropleth", "lisa", "gi", "significance")
PageWatch = Any   # tests/browser/conftest.py

# --- synthetic documents ------------------------------------------------------------

HOSTILE = ["<img src=x onerror=alert(1)>", "</script><script>alert(1)</script>",
           "${alert(1)}", "{{7*7}} {% raw %}"]
GERMAN = ["Döbeln", "Roßwein", "Großweitzschen", "Jahnatal", "Hartha", "Leisnig",
          "Waldheim", "Märkische Höhe", "Übigau-Wahrenbrück", "Öderan"]
COLS, ROWS = 6, 5
N = COLS * ROWS

LISA = [("Hoch-Hoch (HH)", "#FF0000"), ("Niedrig-Niedrig (LL)", "#0000FF"),
        ("Niedrig-Hoch (LH)", "#a7adf9"), ("Hoch-Niedrig (HL)", "#f4ada8"),
        ("nicht signifikant", "#eeeeee"), ("ohne Nachbarn (isoliert)", "#999999")]
GI = [("Hot Spot 99 %", "#D62F27"), ("Hot Spot 95 %", "#ED7551"),
      ("Hot Spot 90 %", "#FAB984"), ("nicht signifikant", "#FFFFBF"),
      ("Cold Spot 90 %", "#C0CCBE"), ("Cold Spot 95 %", "#849EBA"),
      ("Cold Spot 99 %", "#4575B5")]
REDS = ["#fee5d9", "#fcae91", "#fb6a4a", "#cb181d"]


def _square(col: int, row: int) -> list:
    x0, y0 = 12.2 + 0.4 * col, 50.4 + 0.2 * row
    return [[[x0, y0], [x0 + 0.4, y0], [x0 + 0.4, y0 + 0.2], [x0, y0 + 0.2], [x0, y0]]]


def grid_geojson(order: list[int] | None = None) -> str:
    """A 6 x 5 grid of squares around Saxony (lon/lat); feature k has property i=k."""
    features = []
    for k in order if order is not None else range(N):
        features.append({"type": "Feature", "properties": {"i": k},
                         "geometry": {"type": "Polygon",
                                      "coordinates": _square(k % COLS, k // COLS)}})
    return json.dumps({"type": "FeatureCollection", "features": features},
                      separators=(",", ":"))


def outlines_geojson() -> str:
    """Two 'Sozialräume': the west and the east half of the grid."""
    def rect(x0: float, x1: float) -> dict[str, Any]:
        ring = [[x0, 50.4], [x1, 50.4], [x1, 51.4], [x0, 51.4], [x0, 50.4]]
        return {"type": "Feature", "properties": {},
                "geometry": {"type": "Polygon", "coordinates": [ring]}}
    return json.dumps({"type": "FeatureCollection",
                       "features": [rect(12.2, 13.4), rect(13.4, 14.6)]})


def names() -> list[str]:
    """German names with umlauts and ß, hostile names, then plain ones."""
    out = [*GERMAN, *HOSTILE]
    return out + [f"Gemeinde {k}" for k in range(len(out), N)]


def choropleth_layer() -> MapLayer:
    """Values 0..2.900 with one missing (position 28) and one suppressed (position 29)."""
    values: list[float | None] = [k * 100.0 + 34.5 for k in range(N)]
    values[0] = 1234.5                       # Döbeln: "1.234,5"
    cls = [min(3, int(v // 750)) if v is not None else -1 for v in values]
    values[28], cls[28] = None, -1
    values[29], cls[29] = None, -2
    flags = [""] * N
    flags[29] = "."
    flags[3] = "p"
    return MapLayer(id="sgb2", label="Leistungsberechtigte SGB II", unit="je 1.000 EW",
                    kind="choropleth",
                    classes=[LegendClass("bis 750,0", REDS[0]),
                             LegendClass("750,0 bis 1.500,0", REDS[1]),
                             LegendClass("1.500,0 bis 2.250,0", REDS[2]),
                             LegendClass("über 2.250,0", REDS[3])],
                    class_of=cls, values=values, flags=flags, digits=1,
                    note="Klassen: gleiche Abstände")


def lisa_layer() -> MapLayer:
    """LISA clusters: HH in the north-west, LL in the south-east, a few others."""
    cls = [4] * N
    for k in (0, 1, 6, 7):
        cls[k] = 0
    for k in (22, 23, 28):
        cls[k] = 1
    cls[12], cls[17], cls[29] = 2, 3, 5
    lisa_i = [round(0.05 * (k % 7) - 0.1, 4) for k in range(N)]
    lisa_p = [0.001 + 0.03 * (k % 5) for k in range(N)]
    lisa_i[29] = lisa_p[29] = None
    code = ["HH", "LL", "LH", "HL", "ns", "isolated"]
    return MapLayer(id="lisa", label="SGB II: lokale Cluster", unit="je 1.000 EW",
                    kind="lisa", classes=[LegendClass(lab, col) for lab, col in LISA],
                    class_of=cls, values=[k * 100.0 + 34.5 for k in range(N)],
                    columns=[Column("lisa_I", lisa_i, digits=3),
                             Column("lisa_p", lisa_p, digits=3),
                             Column("lisa_cluster", [code[c] for c in cls])],
                    note="Lokales Moran's I, FDR 5 %")


def gi_layer() -> MapLayer:
    """Gi* bins from hot (north) to cold (south)."""
    cls = [min(6, k // 5) for k in range(N)]
    gi_z = [3.2 - 0.22 * k for k in range(N)]
    return MapLayer(id="gi", label="SGB II: Hot Spots", unit="", kind="gi",
                    classes=[LegendClass(lab, col) for lab, col in GI], class_of=cls,
                    values=gi_z, digits=2,
                    columns=[Column("gi_z", gi_z, digits=2),
                             Column("gi_p", [0.0005 * (k + 1) for k in range(N)], digits=4),
                             Column("gi_bin", [3 - c for c in cls], digits=0)])


def significance_layer() -> MapLayer:
    """Pseudo p-values in four classes."""
    p = [0.0005 + 0.004 * k for k in range(N)]
    cls = [0 if v <= 0.001 else 1 if v <= 0.01 else 2 if v <= 0.05 else 3 for v in p]
    return MapLayer(id="sig", label="Signifikanz der Cluster", unit="", kind="significance",
                    classes=[LegendClass("p ≤ 0,001", "#006d2c"),
                             LegendClass("p ≤ 0,01", "#31a354"),
                             LegendClass("p ≤ 0,05", "#a1d99b"),
                             LegendClass("nicht signifikant", "#eeeeee")],
                    class_of=cls, values=p, digits=3)


LAYERS = {"choropleth": choropleth_layer, "lisa": lisa_layer, "gi": gi_layer,
          "significance": significance_layer}


def document(kinds: tuple[str, ...] = ("choropleth", "lisa", "gi", "significance"),
             **extra: Any) -> MapDocument:
    """A synthetic map with the given layer kinds (in that order)."""
    fields: dict[str, Any] = {
        "title": "Sozialmonitoring Musterkreis: Grundsicherung",
        "geojson": grid_geojson(),
        "names": names(),
        "keys": [f"14522{k:03d}" for k in range(N)],
        "layers": [LAYERS[k]() for k in kinds],
        "outlines": outlines_geojson(),
        "attribution": "© GeoBasis-DE / BKG (2021)",
        "source": "Statistisches Landesamt Sachsen, Tabelle 12345-01 (synthetisch)",
        "date": "2024-12-31",
        "method_note": "999 Permutationen, Seed 12345, Queen-Nachbarschaft, FDR 5 %",
        "summary": "Synthetische Testdaten: ein Raster aus 30 Gebieten.",
    }
    fields.update(extra)
    return MapDocument(**fields)



# --- helpers ---------------------------------------------------------------------------



def open_map(watch: PageWatch, tmp_path: Path, name: str = "karte.html", **doc: Any) -> Any:
    path = write_map(document(**doc), tmp_path / name)
    return watch.open(path)


def assert_clean(watch: PageWatch) -> None:
    assert watch.external == [], f"requests to other hosts: {watch.external}"
    assert watch.errors == [], watch.errors
    assert watch.console_errors == [], watch.console_errors
    assert watch.dialogs == [], f"dialogs opened: {watch.dialogs}"
    assert watch.csp_violations() == []


def fills(page: Any) -> list[str]:
    return page.eval_on_selector_all("path.leaflet-interactive",
                                     "ps => ps.map(p => p.getAttribute('fill'))")


def hover_tooltip(page: Any, index: int) -> str:
    """Hover the index-th interactive path and return the tooltip text."""
    page.mouse.move(0, 0)
    page.locator("path.leaflet-interactive").nth(index).hover()
    tip = page.locator(".leaflet-tooltip")
    tip.wait_for(state="visible")
    return tip.inner_text()


def legend_labels(page: Any) -> list[str]:
    return page.locator("#gs-legend li .gs-label").all_inner_texts()


@pytest.mark.parametrize("kind", KINDS)
def test_each_map_kind_loads_cleanly(watch: PageWatch, tmp_path: Path, kind: str) -> None:
    page = open_map(watch, tmp_path, kinds=(kind,))
    assert page.locator("path.leaflet-interactive").count() == N
    layer = LAYERS[kind]()
    labels = legend_labels(page)
    assert labels[:len(layer.classes)] == [c.label for c in layer.classes]
    counts = page.locator("#gs-legend li .gs-count").all_inner_texts()
    assert sum(int(c.split()[0]) for c in counts) == N
    assert page.locator("#gs-switch").is_hidden()          # one layer: no switcher
    assert page.locator("h1").inner_text() == "Sozialmonitoring Musterkreis: Grundsicherung"
    assert "© GeoBasis-DE / BKG (2021)" in page.locator(".gs-attribution").inner_text()
    assert page.locator("#gs-table tbody tr").count() == N
    # outlines are drawn but not interactive
    assert page.locator(".leaflet-gs-outlines-pane path").count() == 2
    assert page.locator("img").count() == 0
    assert_clean(watch)


def test_lisa_legend_has_geoda_colours_and_counts(watch: PageWatch, tmp_path: Path) -> None:
    page = open_map(watch, tmp_path, kinds=("lisa",))
    items = page.locator("#gs-legend li")
    assert items.count() == 6
    first = items.nth(0)
    assert first.locator(".gs-label").inner_text() == "Hoch-Hoch (HH)"
    assert first.locator(".gs-count").inner_text().split()[0] == "4"
    colour = first.locator(".gs-swatch").evaluate("s => getComputedStyle(s).backgroundColor")
    assert colour == "rgb(255, 0, 0)"
    assert fills(page)[0] == "#ff0000" and fills(page)[22] == "#0000ff"
    assert_clean(watch)


def test_tooltip_german_umlauts_and_number(watch: PageWatch, tmp_path: Path) -> None:
    page = open_map(watch, tmp_path)
    text = hover_tooltip(page, 0)
    assert "Döbeln" in text and "14522000" in text
    assert "1.234,5\u00a0je 1.000 EW" in text
    assert "750,0 bis 1.500,0" in text
    text = hover_tooltip(page, 1)
    assert "Roßwein" in text and "134,5" in text
    assert "geheim gehalten" in hover_tooltip(page, 29)
    assert "keine Daten" in hover_tooltip(page, 28)
    assert_clean(watch)


def test_features_are_matched_by_property_i(watch: PageWatch, tmp_path: Path) -> None:
    page = open_map(watch, tmp_path, geojson=grid_geojson(list(reversed(range(N)))))
    # the last path is feature i=0 (Döbeln), drawn in the south-west corner
    assert "Döbeln" in hover_tooltip(page, N - 1)
    assert_clean(watch)


def test_hostile_names_are_literal_text(watch: PageWatch, tmp_path: Path) -> None:
    page = open_map(watch, tmp_path)
    for k, name in enumerate(HOSTILE, start=10):
        assert name in hover_tooltip(page, k)
        assert page.locator(".leaflet-tooltip img, .leaflet-tooltip script").count() == 0
    cells = page.locator("#gs-table tbody th").all_inner_texts()
    for name in HOSTILE:
        assert name in cells
    assert page.locator("img").count() == 0
    assert page.evaluate("document.scripts.length") == 6  # JSON x3, Leaflet, folium, map.js
    assert_clean(watch)


def test_switching_restyles_the_one_geometry(watch: PageWatch, tmp_path: Path) -> None:
    page = open_map(watch, tmp_path)
    before = fills(page)
    svg_paths = page.locator("path").count()
    assert legend_labels(page)[0] == "bis 750,0"
    assert before[0] == "#fcae91" and before[29] == "url(#gs-hatch)"
    button = page.get_by_role("button", name="SGB II: lokale Cluster", exact=True)
    button.click()
    assert button.get_attribute("aria-pressed") == "true"
    assert legend_labels(page)[0] == "Hoch-Hoch (HH)"
    assert page.locator("#gs-legend h3").inner_text() == "SGB II: lokale Cluster (je 1.000 EW)"
    assert page.locator("#gs-active-label").inner_text() == "SGB II: lokale Cluster"
    after = fills(page)
    assert after != before and after[0] == "#ff0000"
    assert page.locator("path").count() == svg_paths       # restyled, nothing added
    assert page.evaluate("window.geosozialMap.activeLayer()") == "lisa"
    text = hover_tooltip(page, 0)
    assert "Cluster" in text and "Hoch-Hoch (HH)" in text and "lisa_p" in text
    headers = page.locator("#gs-table thead th").all_inner_texts()
    assert headers[-3:] == ["lisa_I", "lisa_p", "lisa_cluster"]
    page.get_by_role("button", name="SGB II: Hot Spots", exact=True).click()
    assert legend_labels(page)[0] == "Hot Spot 99 %"
    assert fills(page)[0] == "#d62f27" and fills(page)[29] == "#849eba"
    assert "Angezeigt: SGB II: Hot Spots" in page.locator("#gs-status").inner_text()
    assert_clean(watch)


def test_table_sorts_by_keyboard(watch: PageWatch, tmp_path: Path) -> None:
    page = open_map(watch, tmp_path)
    header = page.locator("#gs-table thead th").nth(2)
    assert header.inner_text() == "Leistungsberechtigte SGB II (je 1.000 EW)"
    button = header.locator("button")
    button.focus()
    page.keyboard.press("Enter")
    assert header.get_attribute("aria-sort") == "ascending"
    rows = page.locator("#gs-table tbody th").all_inner_texts()
    assert rows[0] == "Roßwein"                       # 134,5 is the lowest value
    assert rows[-2:] == ["Gemeinde 28", "Gemeinde 29"]  # no data / suppressed last
    page.keyboard.press("Enter")
    assert header.get_attribute("aria-sort") == "descending"
    rows = page.locator("#gs-table tbody th").all_inner_texts()
    values = page.locator("#gs-table tbody td:nth-child(3)").all_inner_texts()
    assert rows[0] == "Gemeinde 27" and values[0] == "2.734,5"
    assert rows[-2:] == ["Gemeinde 28", "Gemeinde 29"]
    assert "absteigend" in page.locator("#gs-status").inner_text()
    # sorting by name with German collation: umlauts sort with their base letter
    page.locator("#gs-table thead th").nth(0).locator("button").focus()
    page.keyboard.press("Enter")
    rows = page.locator("#gs-table tbody th").all_inner_texts()
    german = [r for r in rows if r in {"Märkische Höhe", "Leisnig", "Öderan", "Roßwein"}]
    assert german == ["Leisnig", "Märkische Höhe", "Öderan", "Roßwein"]
    assert_clean(watch)


def test_keyboard_reaches_skip_link_switcher_and_table(watch: PageWatch,
                                                       tmp_path: Path) -> None:
    page = open_map(watch, tmp_path)
    focused = []
    for _ in range(25):
        page.keyboard.press("Tab")
        focused.append(page.evaluate(
            "(e => e.tagName + ':' + (e.id || e.textContent.slice(0, 40)))"
            "(document.activeElement)"))
    assert "DIV:map_gs" in focused, focused
    assert "BUTTON:SGB II: Hot Spots" in focused, focused
    assert "BUTTON:Schlüssel" in focused, focused
    assert focused[0] == "A:Zur Datentabelle springen"
    page.evaluate("document.activeElement.blur()")
    page.reload()
    page.wait_for_function("window.geosozialMap !== undefined")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "gs-skip"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "gs-table-heading"
    assert page.locator("#gs-map").get_attribute("aria-label").startswith("Karte: ")
    assert page.locator("#gs-switch").get_attribute("role") == "group"
    assert_clean(watch)


def test_number_format_matches_python(watch: PageWatch, tmp_path: Path) -> None:
    page = open_map(watch, tmp_path)    # browser locale is en-US: the page ignores it
    cases = [(1234.5, 1), (-1234567.891, 2), (0.5, 0), (2.5, 0), (-2.5, 0), (1.005, 2),
             (-0.04, 1), (999.95, 1), (0.125, 2), (0.375, 2), (123456789.0, 0),
             (1e-7, 3), (-0.0, 1), (7, 0), (0.1 + 0.2, 2), (1.45, 1), (2.675, 2)]
    got = page.evaluate("cases => cases.map(c => window.geosozialMap.formatNumber(c[0], c[1]))",
                        [list(c) for c in cases])
    assert got == [number_text(v, d) for v, d in cases]
    assert got[0] == "1.234,5"
    assert_clean(watch)


def test_english_page(watch: PageWatch, tmp_path: Path) -> None:
    page = open_map(watch, tmp_path, lang="en")
    text = hover_tooltip(page, 0)
    assert "1,234.5\u00a0je 1.000 EW" in text
    assert page.locator("#gs-table-heading").inner_text() == "Data table"
    assert page.evaluate("document.documentElement.lang") == "en"
    assert_clean(watch)


def test_basemap_opt_in_asks_only_basemap_de(watch: PageWatch, tmp_path: Path) -> None:
    page = open_map(watch, tmp_path, basemap=True)
    page.wait_for_timeout(300)
    assert watch.external, "the basemap should have asked for tiles"
    for url in watch.external:
        assert url.startswith("https://sgx.geodatenzentrum.de/wmts_basemapde/tile/1.0.0/"
                              "de_basemapde_web_raster_grau/default/GLOBAL_WEBMERCATOR/"), url
    attribution = page.locator(".gs-attribution").inner_text()
    assert "© GeoBasis-DE / BKG (2021)" in attribution
    assert "basemap.de / © GeoBasis-DE / BKG (2024), CC BY 4.0" in attribution
    assert watch.errors == [] and watch.dialogs == [] and watch.csp_violations() == []


def test_screenshot(watch: PageWatch, tmp_path: Path) -> None:
    page = open_map(watch, tmp_path)
    page.get_by_role("button", name="SGB II: lokale Cluster", exact=True).click()
    shot = page.screenshot(path=str(tmp_path / "karte.png"), full_page=True)
    assert shot[:8] == b"\x89PNG\r\n\x1a\n" and len(shot) > 20_000
    assert_clean(watch)


def test_document_builder_is_consistent() -> None:
    assert len(names()) == N
    assert len(json.loads(grid_geojson())["features"]) == N
