"""The demo atlas in Debian's Chromium (Playwright), opened from ``file://``.

The start page, an indicator page, a Sozialdatenblatt and the comparison page are
reached by following links; on each, no request leaves the site folder, the console
stays free of errors, no Content-Security-Policy violation happens and axe-core (npm
package ``axe-core``, injected through the DevTools protocol) finds no WCAG 2.1 A/AA
violation. The comparison is used with the keyboard only; the search box finds an
area; the Sozialdatenblätter fit the width of an A4 page in the print layout.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from axe_helper import axe_source

pytestmark = pytest.mark.browser

PageWatch = Any   # tests/browser/conftest.py
REPO = Path(__file__).resolve().parents[2]
PROJECT = REPO / "geodata" / "musterkreis" / "projekt.toml"
#: A4 (210 mm) less the print margins of atlas.css (2 x 14 mm), in CSS pixels
A4_CONTENT_PX = round((210 - 28) / 25.4 * 96)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from geosozial.atlas.build import build_atlas
    from geosozial.pipeline.project import run_project

    out = tmp_path_factory.mktemp("atlas_browser")
    run_project(PROJECT, out)
    build_atlas(PROJECT, out)
    return out


def axe_violations(page: Any) -> list[Any]:
    """WCAG 2.1 A/AA violations; ``preload: false``: axe must not fetch the stylesheet
    (the pages' policy allows no connection, and axe would be the one to make it)."""
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.evaluate(axe_source() + "\n;undefined")  # DevTools protocol: the CSP stays
    result = page.evaluate(
        "axe.run(document, {preload: false, runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})")
    assert result["passes"], "axe-core ran no check"
    return [(v["id"], v["help"], [n["html"][:160] for n in v["nodes"]][:3])
            for v in result["violations"]]


def assert_clean(watch: PageWatch, site: Path) -> None:
    assert watch.external == [], watch.external
    assert watch.errors == [] and watch.console_errors == [], (watch.errors,
                                                               watch.console_errors)
    assert watch.dialogs == [] and watch.csp_violations() == []
    assert watch.page.url.startswith(site.resolve().as_uri())


def test_follow_links_from_the_start_page(watch: PageWatch, site: Path) -> None:
    axe_source()
    requested: list[str] = []
    watch.page.on("request", lambda r: requested.append(r.url))
    page = watch.page
    page.goto((site / "index.html").as_uri())
    assert page.locator("h1").inner_text() == "Musterkreis (fiktive Demodaten)"
    assert axe_violations(page) == []
    assert_clean(watch, site)
    # an indicator page through the Handlungsfeld list
    page.locator("#indikatoren").get_by_role("link", name="SGB II-Quote", exact=True).click()
    page.wait_for_load_state()
    assert page.url.endswith("/indikatoren/sgb2_quote.html")
    assert page.locator("h1").inner_text() == "SGB II-Quote"
    assert axe_violations(page) == []
    assert_clean(watch, site)
    # a Sozialdatenblatt through the ranking table
    page.locator("#rang-gemeinden").get_by_role("link", name="Musterstadt", exact=True).click()
    page.wait_for_load_state()
    assert page.url.endswith("/gemeinden/14999300.html")
    assert page.locator("h1").inner_text() == "Sozialdatenblatt Musterstadt"
    assert axe_violations(page) == []
    # its Sozialraum through the lead line, then the comparison through the navigation
    page.locator("p.lead").get_by_role("link").click()
    page.wait_for_load_state()
    assert "/sozialraeume/" in page.url and axe_violations(page) == []
    page.get_by_role("navigation").get_by_role("link", name="Vergleich").click()
    page.wait_for_load_state()
    assert page.url.endswith("/vergleich.html")
    assert axe_violations(page) == []
    assert_clean(watch, site)
    root = site.resolve().as_uri()
    assert requested and all(url.startswith(root) for url in requested), requested


def test_compare_two_areas_with_the_keyboard(watch: PageWatch, site: Path) -> None:
    page = watch.page
    page.goto((site / "vergleich.html").as_uri())
    first = page.get_by_label("Gebiet 1", exact=True)
    first.focus()
    page.keyboard.press("ArrowDown")            # the Kreis
    page.keyboard.press("ArrowDown")            # the first Sozialraum
    chosen_first = first.evaluate("s => s.options[s.selectedIndex].text")
    page.keyboard.press("Tab")
    second = page.get_by_label("Gebiet 2", exact=True)
    assert page.evaluate("document.activeElement.id") == "wahl-2"
    for _ in range(9):                          # past the six Sozialräume: a Gemeinde
        page.keyboard.press("ArrowDown")
    chosen_second = second.evaluate("s => s.options[s.selectedIndex].text")
    head = page.locator("#vergleich-tabelle thead th").all_inner_texts()
    assert head[2:] == [chosen_first, chosen_second], head
    assert chosen_first.startswith("Sozial") and not chosen_second.startswith("Sozialr")
    rows = page.locator("#vergleich-tabelle tbody tr")
    assert rows.count() == 12 and rows.nth(0).locator("td").count() == 3
    assert page.locator("#vergleich-balken figure").count() == 12
    assert page.locator("#vergleich-balken svg[role=img]").first.get_attribute(
        "aria-label").count(";") == 1
    assert "2 Gebiete gewählt" in page.locator("#vergleich-status").inner_text()
    assert axe_violations(page) == []
    assert_clean(watch, site)


def test_offline_search_finds_an_area(watch: PageWatch, site: Path) -> None:
    page = watch.page
    page.goto((site / "index.html").as_uri())
    box = page.get_by_label("Gebiet oder Indikator suchen")
    box.focus()
    page.keyboard.type("buchh")
    hits = page.locator("#treffer a")
    assert hits.first.inner_text() == "Buchholzau"
    assert "Treffer" in page.locator("#suche-status").inner_text()
    box.fill("quote")
    assert "SGB II-Quote" in hits.all_inner_texts()
    hits.filter(has_text="SGB II-Quote").first.click()
    page.wait_for_load_state()
    assert page.url.endswith("/indikatoren/sgb2_quote.html")
    assert_clean(watch, site)


def test_skip_link_and_visible_focus(watch: PageWatch, site: Path) -> None:
    page = watch.page
    page.goto((site / "gemeinden" / "14999050.html").as_uri())
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className")
    assert focused == "skip"
    style = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert style not in ("", "none")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "inhalt"
    assert_clean(watch, site)


@pytest.mark.parametrize("sheet", ["gemeinden/14999300.html", "gemeinden/14999410.html",
                                   "sozialraeume/sozialregion-ost.html"])
def test_sheets_fit_an_a4_page_when_printed(watch: PageWatch, site: Path, sheet: str) -> None:
    page = watch.page
    page.set_viewport_size({"width": A4_CONTENT_PX, "height": 1000})
    page.emulate_media(media="print")
    page.goto((site / sheet).as_uri())
    overflow = page.evaluate(
        "w => Array.from(document.querySelectorAll('body *')).filter(e => {"
        " const r = e.getBoundingClientRect(); return r.width > 0 && r.right > w + 1; })"
        ".map(e => e.tagName + '.' + e.className).slice(0, 5)", A4_CONTENT_PX)
    assert overflow == []
    assert page.evaluate("document.documentElement.scrollWidth") <= A4_CONTENT_PX
    assert page.locator("nav").is_hidden() and page.locator(".downloads").is_hidden()
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    assert pdf.startswith(b"%PDF")
    assert_clean(watch, site)


def test_site_opens_from_a_copied_folder(watch: PageWatch, site: Path, tmp_path: Path) -> None:
    """A file share: the folder copied elsewhere works the same (relative links only)."""
    copy = tmp_path / "freigabe" / "atlas"
    shutil.copytree(site, copy)
    page = watch.page
    page.goto((copy / "index.html").as_uri())
    page.get_by_role("link", name="Buchholzau", exact=True).first.click()
    page.wait_for_load_state()
    assert page.url == (copy / "gemeinden" / "14999050.html").resolve().as_uri()
    assert_clean(watch, copy)
