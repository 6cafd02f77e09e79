"""Maps written by the ``geosozial`` command from real data, opened in Debian's Chromium.

Every map kind (choropleth, LISA clusters, Gi* hot spots, significance, local Geary,
quantile LISA) is written by
the CLI from the demo municipalities, three of them renamed to hostile strings. Each
page is opened with every non-file request aborted and counted: no request, no page
error, every area drawn, a tooltip with umlauts and German numbers, hostile names as
plain text and no dialog. The national map (10,997 areas) and the high-resolution RLP
map (2,259 areas) are drawn in full.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
import shapely
from datasets import DEMO, RLP, VG5000, rlp_municipalities
from test_maps_browser import HOSTILE, assert_clean

from geosozial.cli import main

PageWatch = Any  # tests/browser/conftest.py
RENAMED = {3: HOSTILE[0], 5: HOSTILE[1], 7: HOSTILE[2]}
KIND_COMMANDS = {
    "choropleth": ["map", "--field", "EWZ", "--out"],
    "lisa": ["lisa", "--field", "EWZ", "--html"],
    "gi": ["hotspots", "--field", "EWZ", "--html"],
    "significance": ["lisa", "--field", "EWZ", "--html"],
    "geary": ["lisa", "--field", "EWZ", "--statistic", "geary", "--html"],
    "quantile": ["lisa", "--field", "EWZ", "--statistic", "quantile", "--quantiles", "4",
                 "--html"],
}


@pytest.fixture(scope="module")
def demo_areas(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, gpd.GeoDataFrame]:
    """The demo municipalities with three hostile names."""
    frame = gpd.read_file(DEMO / "gemeinden.gpkg")
    for position, name in RENAMED.items():
        frame.loc[position, "GEN"] = name
    path = tmp_path_factory.mktemp("hostile") / "gemeinden.gpkg"
    frame.to_file(path, layer="gemeinden")
    return path, frame


def cli_map(kind: str, areas: Path, out: Path) -> Path:
    command, *options = KIND_COMMANDS[kind]
    assert main([command, str(areas), *options, str(out)]) == 0
    return out


def paths(page: Any) -> int:
    return page.locator("path.leaflet-interactive").count()


def hover_area(page: Any, geometry: Any) -> str:
    """Move the mouse onto a point inside ``geometry`` (lon/lat) and return the tooltip."""
    point = shapely.point_on_surface(geometry)
    page.mouse.move(0, 0)
    x, y = page.evaluate(
        "([lat, lon]) => { const m = window.geosozialMap.map;"
        " const p = m.latLngToContainerPoint([lat, lon]);"
        " const r = m.getContainer().getBoundingClientRect();"
        " return [r.left + p.x, r.top + p.y]; }", [point.y, point.x])
    page.mouse.move(x, y)
    tip = page.locator(".leaflet-tooltip")
    tip.wait_for(state="visible")
    return tip.inner_text()


@pytest.mark.parametrize("kind", list(KIND_COMMANDS))
def test_each_kind_from_the_cli_is_clean_complete_and_safe(
        watch: PageWatch, tmp_path: Path, demo_areas: tuple[Path, gpd.GeoDataFrame],
        kind: str) -> None:
    areas, frame = demo_areas
    page = watch.open(cli_map(kind, areas, tmp_path / f"{kind}.html"))
    if kind == "significance":
        page.evaluate("window.geosozialMap.showLayer('signifikanz')")
        assert "q ≤ 0,05" in page.locator("#gs-legend").inner_text()  # the corrected p
    assert paths(page) == len(frame)
    lonlat = frame.to_crs(4326).geometry
    umlaut = int(frame.index[frame["GEN"] == "Lößnitztal"][0])
    text = hover_area(page, lonlat[umlaut])
    assert "Lößnitztal" in text and "14999260" in text
    if kind == "significance":
        assert "q-Wert (FDR-korrigiertes p)" in text
    else:
        ewz = f"{int(frame.loc[umlaut, 'EWZ']):,}".replace(",", ".")
        assert ewz in text  # German thousands separator
    for position, name in RENAMED.items():
        assert name in hover_area(page, lonlat[position])
        assert page.locator(".leaflet-tooltip img, .leaflet-tooltip script").count() == 0
    table = page.locator("#gs-table tbody th").all_inner_texts()
    assert all(name in table for name in RENAMED.values())
    assert page.locator("#gs-table img, #gs-legend img").count() == 0
    assert_clean(watch)


@pytest.mark.skipif(not VG5000.exists(), reason="VG5000 not available")
def test_all_german_municipalities_are_drawn(watch: PageWatch, tmp_path: Path) -> None:
    frame = gpd.read_file(VG5000)
    frame["flaeche_km2"] = frame.area / 1e6
    areas = tmp_path / "vg5000.gpkg"
    frame.to_file(areas)
    out = tmp_path / "deutschland.html"
    assert main(["map", str(areas), "--field", "flaeche_km2", "--scheme", "natural_breaks",
                 "--out", str(out)]) == 0
    assert out.stat().st_size <= 3_000_000
    page = watch.open(out)
    assert paths(page) == 10_997
    assert page.locator("path.leaflet-interactive[fill='#bd0026']").count() > 0
    assert_clean(watch)


@pytest.mark.skipif(not RLP.exists(), reason="RLP data not available")
def test_high_resolution_rlp_map_is_drawn(watch: PageWatch, tmp_path: Path) -> None:
    frame = rlp_municipalities()
    frame["flaeche_km2"] = frame.area / 1e6
    areas = tmp_path / "rlp.gpkg"
    frame.to_file(areas)
    out = tmp_path / "rlp.html"
    assert main(["map", str(areas), "--field", "flaeche_km2", "--out", str(out)]) == 0
    assert out.stat().st_size <= 1_000_000
    page = watch.open(out)
    assert paths(page) == len(frame) == 2259
    names = frame.to_crs(4326)
    row = int(names.index[names["name"] == "Rhens, Stadt"][0])
    assert "Rhens, Stadt" in hover_area(page, names.geometry[row])
    assert_clean(watch)
