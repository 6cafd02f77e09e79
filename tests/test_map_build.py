"""Maps from real data: size budgets, valid coverage, layers, PNG, CLI and determinism.

Budgets of the issue "Self-contained, privacy-safe interactive HTML maps": the
high-resolution RLP municipalities at most 1 MB, all German municipalities (VG5000)
at most 3 MB, a Landkreis of ~50 municipalities at most 300 KB - for the whole HTML
file, Leaflet and data included.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from datasets import DEMO, RLP, VG5000, grid_areas, rlp_municipalities
from PIL import Image
from shapely.geometry import box, shape

from geosozial.cli import main
from geosozial.core.messages import GeosozialError
from geosozial.geo.analysis import local_analysis
from geosozial.geo.areas import read_areas
from geosozial.geo.mapdoc import build_map, html_budget
from geosozial.geo.maps import analysis_map, geobasis_attribution, indicator_map
from geosozial.geo.png import map_png
from geosozial.maps.geometry import map_geometry
from geosozial.maps.layers import (
    choropleth_layer,
    class_colours,
    gi_layer,
    lisa_layer,
    significance_layer,
)
from geosozial.maps.palettes import GI_COLOURS, LISA_COLOURS, palette

KB = 1000


def embedded(page: str, element: str) -> dict:
    """The JSON of a ``<script type="application/json" id=...>`` block of the page."""
    match = re.search(rf'<script type="application/json" id="{element}">(.*?)</script>', page,
                      re.S)
    assert match is not None, element
    return json.loads(match.group(1))


def page_polygons(page: str) -> tuple[list[int], np.ndarray]:
    features = embedded(page, "gs-geometry")["features"]
    return ([f["properties"]["i"] for f in features],
            np.array([shape(f["geometry"]) for f in features], dtype=object))


def assert_clean_coverage(page: str, original: np.ndarray, crs) -> None:
    """Valid polygons, a valid coverage (no overlaps, no slivers) and no new holes."""
    _, polygons = page_polygons(page)
    assert shapely.is_valid(polygons).all()
    projected = gpd.GeoSeries(polygons, crs=4326).to_crs(crs).values
    assert shapely.coverage_is_valid(projected, gap_width=50.0)
    holes_after = sum(len(p.interiors) for p in shapely.get_parts(
        shapely.coverage_union_all(projected)))
    holes_before = sum(len(p.interiors) for p in shapely.get_parts(
        shapely.coverage_union_all(shapely.make_valid(original))))
    assert holes_after <= holes_before
    # the simplified area stays within 1 % of the original
    assert abs(shapely.area(projected).sum() / shapely.area(original).sum() - 1) < 0.01


# --- size budgets on the real data ------------------------------------------------------


def _quote(n: int) -> np.ndarray:
    return np.round(np.random.default_rng(7).gamma(4.0, 2.5, n), 1)


@pytest.mark.slow
@pytest.mark.skipif(not RLP.exists(), reason="RLP data not available")
def test_rlp_high_resolution_within_1_mb_and_coverage_valid():
    frame = rlp_municipalities()
    layer = choropleth_layer(_quote(len(frame)), id="q", label="Quote", unit="%")
    built = build_map(frame.geometry, names=frame["name"], keys=frame["AGS"], layers=[layer],
                      title="Rheinland-Pfalz", outline_groups=frame["AGS"].str[:5])
    assert html_budget(len(frame)) <= 1_000 * KB
    assert built.size <= 1_000 * KB, built.size
    indices, _ = page_polygons(built.html)
    assert sorted(indices) == list(range(len(frame)))
    assert_clean_coverage(built.html, frame.geometry.values, frame.crs)
    assert embedded(built.html, "gs-outlines")["features"]  # district borders drawn


@pytest.mark.slow
@pytest.mark.skipif(not VG5000.exists(), reason="VG5000 not available")
def test_all_german_municipalities_within_3_mb_and_coverage_valid():
    areas = read_areas(VG5000, key="AGS")
    frame = areas.frame
    built = indicator_map(frame.assign(q=_quote(len(frame))), ["q"], title="Deutschland")
    assert built.size <= 3_000 * KB, built.size
    indices, _ = page_polygons(built.html)
    assert sorted(indices) == list(range(len(frame)))
    assert_clean_coverage(built.html, frame.geometry.values, frame.crs)
    assert geobasis_attribution(frame) == "© GeoBasis-DE / BKG (2021)"
    assert "© GeoBasis-DE / BKG (2021)" in built.html


@pytest.mark.skipif(not VG5000.exists(), reason="VG5000 not available")
def test_landkreis_within_300_kb_with_all_layers():
    frame = read_areas(VG5000, key="AGS").frame
    kreis = frame[frame["key"].str.startswith("14522")].reset_index(drop=True)
    assert len(kreis) == 53
    kreis["q"] = _quote(len(kreis))
    analysis = local_analysis(kreis, "q", kind="lisa")
    built = analysis_map(kreis, analysis)
    assert built.size <= 300 * KB, built.size
    assert [layer.kind for layer in built.document.layers] == ["lisa", "significance",
                                                               "choropleth"]
    assert_clean_coverage(built.html, kreis.geometry.values, kreis.crs)


def test_explicit_tolerance_is_kept_and_over_budget_reported():
    frame = gpd.read_file(DEMO / "gemeinden.gpkg")
    layer = choropleth_layer(_quote(len(frame)), id="q", label="Quote")
    built = build_map(frame.geometry, names=frame["GEN"], keys=frame["AGS"], layers=[layer],
                      title="T", tolerance=0.0, max_bytes=200 * KB)
    assert built.geometry.tolerance == 0.0
    codes = [n["code"] for n in built.notices]
    assert "maps.doc.over_budget" in codes
    assert built.size > 200 * KB


def test_budget_is_met_by_more_simplification():
    frame = gpd.read_file(DEMO / "gemeinden.gpkg")
    layer = choropleth_layer(_quote(len(frame)), id="q", label="Quote")
    loose = build_map(frame.geometry, names=frame["GEN"], keys=frame["AGS"], layers=[layer],
                      title="T")
    tight = build_map(frame.geometry, names=frame["GEN"], keys=frame["AGS"], layers=[layer],
                      title="T", max_bytes=loose.size - 5 * KB)
    assert tight.size <= loose.size - 5 * KB
    assert tight.geometry.tolerance > loose.geometry.tolerance


# --- outlines ---------------------------------------------------------------------------


def test_group_outlines_lie_on_area_edges_and_each_edge_once():
    # 4 x 2 squares; groups: left half "a", right half "b" -> one inner border
    geoms = [box(400000 + c * 1000, 5650000 + r * 1000, 401000 + c * 1000, 5651000 + r * 1000)
             for r in range(2) for c in range(4)]
    groups = ["a", "a", "b", "b"] * 2
    layer = choropleth_layer([float(i) for i in range(8)], id="v", label="V")
    built = build_map(geoms, crs="EPSG:25833", names=[str(i) for i in range(8)],
                      keys=[str(i) for i in range(8)], layers=[layer], title="T",
                      outline_groups=groups, tolerance=0.0)
    lines = [shape(f["geometry"]) for f in json.loads(built.document.outlines)["features"]]
    merged = shapely.line_merge(shapely.union_all(lines))
    assert merged.geom_type == "LineString"  # one straight border, drawn once
    assert shapely.length(shapely.union_all(lines)) == pytest.approx(
        sum(shapely.length(line) for line in lines))
    _, polygons = page_polygons(built.html)
    vertices = {tuple(c) for p in polygons for c in shapely.get_coordinates(p).tolist()}
    assert {tuple(c) for c in shapely.get_coordinates(merged).tolist()} <= vertices


def test_no_outlines_for_a_single_group():
    squares = [[[np.array([[4e5 + i * 1000, 5.6e6], [4e5 + i * 1000 + 1000, 5.6e6],
                           [4e5 + i * 1000 + 1000, 5.601e6], [4e5 + i * 1000, 5.601e6]])]]
               for i in range(3)]
    assert map_geometry(squares, 25832, groups=["x", "x", "x"]).outlines is None
    assert map_geometry(squares, 25832, groups=["x", None, "x"]).outlines is None
    two = map_geometry(squares, 25832, groups=["x", "y", None])
    assert two.outlines.count("LineString") == 1  # x|y only; y|None and outer edge left out


# --- layers -----------------------------------------------------------------------------


def test_choropleth_layer_classes_palette_and_special_classes():
    values = [3.0, 5.0, 8.0, None, 13.0, 21.0, 34.0, 55.0]
    flags = ["", "", "", "", "geheim", "", "p", ""]
    layer = choropleth_layer(values, id="x", label="X", flags=flags, scheme="natural_breaks",
                             k=3, palette_name="Blues")
    assert [c.colour for c in layer.classes] == palette("Blues", 3)
    assert layer.class_of[3] == -1 and layer.class_of[4] == -2
    assert layer.values[4] is None  # suppressed values never reach the page
    assert layer.flags[4] == "geheim gehalten" and layer.flags[6] == "p"
    assert layer.class_of[-1] == 2 and layer.class_of[0] == 0


def test_official_confidentiality_symbols_are_suppressed_classes():
    layer = choropleth_layer([1.0, None, None, None, 5.0, 6.0], id="x", label="X", k=2,
                             flags=["", ".", "*", "x", "", ""])
    assert list(layer.class_of[:4]) == [0, -2, -2, -1]  # "." and BA "*" secret, "x" no data
    assert layer.flags[2] == "*"


def test_fewer_classes_than_asked_still_get_colourbrewer_colours():
    assert class_colours("YlOrRd", 2) == [palette("YlOrRd", 3)[0], palette("YlOrRd", 3)[2]]
    layer = choropleth_layer([1.0, 1.0, 2.0, 2.0], id="x", label="X", k=5)
    assert len(layer.classes) == 2


def test_lisa_and_gi_layers_use_design_colours():
    lisa = lisa_layer(["HH", "LL", "LH", "HL", "ns", "isolated", None], id="l", label="L")
    assert [c.colour for c in lisa.classes] == [LISA_COLOURS[c] for c in
                                                ("HH", "LL", "LH", "HL", "ns", "isolated")]
    assert list(lisa.class_of) == [0, 1, 2, 3, 4, 5, -1]
    gi = gi_layer([3, 2, 1, 0, -1, -2, -3], id="g", label="G")
    assert [c.colour for c in gi.classes] == [GI_COLOURS[b] for b in (3, 2, 1, 0, -1, -2, -3)]
    assert gi.classes[0].label == "Hot Spot 99 %"
    with pytest.raises(GeosozialError, match="LISA-Klasse 'XX' an Position 1"):
        lisa_layer(["HH", "XX"], id="l", label="L")
    with pytest.raises(GeosozialError, match="Gi\\*-Klasse 4 an Position 0"):
        gi_layer([4], id="g", label="G")


def test_significance_map_never_shows_more_than_the_corrected_result():
    p = [0.0004, 0.004, 0.04, 0.04, 0.6, None]
    significant = [True, True, True, False, False, False]
    layer = significance_layer(p, significant, id="s", label="S",
                               isolated=[False] * 5 + [True])
    assert list(layer.class_of) == [0, 1, 2, 3, 3, 4]
    assert layer.classes[4].label == "ohne Nachbarn (isoliert)"


def test_analysis_map_keeps_areas_left_out_as_no_data(tmp_path: Path):
    keys = [f"14999{i:03d}" for i in range(12)]
    values = [1.0, 2, 3, 8, 9, 10, 11, 2, 1, 3, None, 9]
    frame = read_areas(_grid_file(tmp_path, keys, values), key="AGS").frame
    analysis = local_analysis(frame, "q", kind="gi", dropna=True, permutations=99)
    built = analysis_map(frame, analysis)
    gi = built.document.layers[0]
    assert gi.kind == "gi" and gi.class_of[10] == -1
    gi_z = next(c for c in gi.columns if c.name == "gi_z").values
    expected = analysis.frame.set_index("key")["gi_z"]
    assert gi_z[10] is None  # left out (no value)
    for key, z in zip(keys[:10], gi_z[:10], strict=True):
        assert z == pytest.approx(expected[key])
    # the last square lost its only neighbour: an island, Gi* undefined, class "isolated"
    assert np.isnan(expected[keys[11]]) and gi_z[11] is None
    significance = built.document.layers[1]
    assert significance.classes[significance.class_of[11]].label == "ohne Nachbarn (isoliert)"
    assert "99 Permutationen, Seed 12345, Queen-Nachbarschaft, FDR 5 %, zweiseitig" \
        in built.html


def _grid_file(tmp_path: Path, keys: list[str], values: list) -> Path:
    path = tmp_path / "grid.gpkg"
    grid_areas(keys, q=values).to_file(path)
    return path


# --- PNG --------------------------------------------------------------------------------


@pytest.mark.slow
def test_png_shows_the_class_colours_and_is_repeatable(tmp_path: Path):
    frame = gpd.read_file(DEMO / "gemeinden.gpkg")
    lisa = lisa_layer(["HH"] * 10 + ["LL"] * 10 + ["ns"] * (len(frame) - 20), id="l",
                      label="Cluster")
    built = build_map(frame.geometry, names=frame["GEN"], keys=frame["AGS"], layers=[lisa],
                      title="Cluster")
    first = map_png(built, tmp_path / "a.png")
    second = map_png(built, tmp_path / "b.png")
    assert first.read_bytes() == second.read_bytes()
    pixels = np.asarray(Image.open(first).convert("RGB")).reshape(-1, 3)
    colours = {tuple(p) for p in np.unique(pixels, axis=0).tolist()}
    assert (255, 0, 0) in colours and (0, 0, 255) in colours  # HH red, LL blue


def test_png_names_areas_where_they_fit_and_sozialraeume_always(tmp_path: Path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from geosozial.geo.png import place_names

    frame = gpd.read_file(DEMO / "gemeinden.gpkg")
    layer = choropleth_layer(frame["EWZ"].tolist(), id="ewz", label="Einwohner", k=4)
    built = build_map(frame.geometry, names=frame["GEN"], keys=frame["AGS"], layers=[layer],
                      title="Einwohner")
    shapes = gpd.GeoSeries(built.geometry.simplified, crs=built.geometry.crs)

    def placed(mode):
        fig = plt.figure(figsize=(8.27, 9.1), dpi=150)
        ax = fig.add_axes((0.02, 0.2, 0.66, 0.72))
        ax.set_axis_off()
        ax.set_aspect("equal")
        shapes.plot(ax=ax)
        try:
            return place_names(fig, ax, shapes, built.document.names, mode)
        finally:
            plt.close(fig)

    fit = placed("fit")
    assert 10 <= len(fit) < len(frame)  # many municipalities named, not the smallest
    sizes = shapes.area.to_numpy()
    assert sizes[fit].mean() > sizes[np.setdiff1d(np.arange(len(frame)), fit)].mean()
    assert placed("all") == list(range(len(frame))) and placed("none") == []
    # the PNG differs with and without names; a Sozialraum map (few areas) names all
    with_names = map_png(built, tmp_path / "names.png")
    without = map_png(built, tmp_path / "plain.png", names="none")
    assert with_names.read_bytes() != without.read_bytes()
    regions = frame.dissolve(by=frame["AGS"].str[:6]).reset_index(drop=True)
    regional = build_map(regions.geometry, names=[f"Sozialraum {i}" for i in range(len(
        regions))], keys=[str(i) for i in range(len(regions))], title="Sozialräume",
        layers=[choropleth_layer(list(range(len(regions))), id="n", label="N", k=2)])
    regional_shapes = gpd.GeoSeries(regional.geometry.simplified, crs=regional.geometry.crs)
    fig = plt.figure(figsize=(8.27, 9.1), dpi=150)
    ax = fig.add_axes((0.02, 0.2, 0.66, 0.72))
    regional_shapes.plot(ax=ax)
    try:
        assert len(place_names(fig, ax, regional_shapes, regional.document.names, "all")) \
            == len(regions)
    finally:
        plt.close(fig)


def test_png_prints_the_method_line_once():
    from types import SimpleNamespace

    from geosozial.geo.png import footer_lines

    note = ("sequenziell, h = 10, höchstens 10.989 Permutationen, Seed 1, "
            "Queen-Nachbarschaft, FDR 5 %")
    doc = SimpleNamespace(lang="de", method_note=note + ", zweiseitig", source="Test",
                          attribution="", date="01.12.2026")
    lines = footer_lines(doc, SimpleNamespace(note=note))
    assert sum(note in line for line in lines) == 1
    assert lines[0] == f"Methode: {note}, zweiseitig"
    other = footer_lines(doc, SimpleNamespace(note="Klassen: Quantile"))
    assert "Klassen: Quantile" in other


# --- CLI --------------------------------------------------------------------------------


def test_cli_map_writes_html_and_png_byte_identical(tmp_path: Path, capsys):
    args = ["map", str(DEMO / "gemeinden.gpkg"), "--field", "EWZ", "--scheme",
            "natural_breaks", "--k", "4", "--palette", "Blues"]
    assert main([*args, "--out", str(tmp_path / "a.html"), "--png", str(tmp_path / "a.png")]) == 0
    assert main([*args, "--out", str(tmp_path / "b.html")]) == 0
    first = (tmp_path / "a.html").read_bytes()
    assert first == (tmp_path / "b.html").read_bytes()
    data = embedded(first.decode(), "gs-data")
    assert [c["colour"] for c in data["layers"][0]["classes"]] == palette("Blues", 4)
    assert (tmp_path / "a.png").stat().st_size > 10 * KB
    assert "geschrieben:" in capsys.readouterr().out


def test_cli_map_manual_breaks_and_several_fields(tmp_path: Path, capsys):
    out = tmp_path / "k.html"
    assert main(["map", str(DEMO / "gemeinden.gpkg"), "--field", "EWZ", "--field", "EWZ_2",
                 "--scheme", "manual", "--breaks", "1000;2500,5;5000", "--out", str(out)]) == 2
    # EWZ_2 does not exist: the error names file, field and the numeric fields
    err = capsys.readouterr().err
    assert "gemeinden.gpkg: Feld EWZ_2 gibt es nicht. Zahlenfelder: GF, EWZ" in err
    assert not out.exists()
    assert main(["map", str(DEMO / "gemeinden.gpkg"), "--field", "EWZ", "--scheme", "manual",
                 "--breaks", "1000;2500,5;5000", "--out", str(out)]) == 0
    labels = [c["label"] for c in embedded(out.read_text(), "gs-data")["layers"][0]["classes"]]
    assert labels[:2] == ["bis 1.000,0", "1.000,0 bis 2.500,5"]


def test_cli_map_errors_name_the_problem(tmp_path: Path, capsys):
    gpkg = str(DEMO / "gemeinden.gpkg")
    assert main(["map", gpkg, "--field", "nope", "--out", str(tmp_path / "x.html")]) == 2
    err = capsys.readouterr().err
    assert "Feld nope gibt es nicht" in err and "EWZ" in err
    assert main(["map", gpkg, "--field", "EWZ", "--scheme", "manual", "--breaks", "a,b",
                 "--out", str(tmp_path / "x.html")]) == 2
    assert "--breaks: 'a,b'" in capsys.readouterr().err
    assert main(["map", gpkg, "--field", "EWZ"]) == 2
    assert "--out" in capsys.readouterr().err
    assert main(["map", gpkg, "--field", "EWZ", "--outline", "Sozialraum",
                 "--out", str(tmp_path / "x.html")]) == 2
    assert "Feld Sozialraum für --outline" in capsys.readouterr().err
    assert not (tmp_path / "x.html").exists()


def test_cli_basemap_is_opt_in(tmp_path: Path):
    gpkg = str(DEMO / "gemeinden.gpkg")
    assert main(["map", gpkg, "--field", "EWZ", "--out", str(tmp_path / "a.html")]) == 0
    assert main(["map", gpkg, "--field", "EWZ", "--basemap", "grau", "--date", "31.12.2023",
                 "--out", str(tmp_path / "b.html")]) == 0
    assert "geodatenzentrum" not in (tmp_path / "a.html").read_text()
    page = (tmp_path / "b.html").read_text()
    assert "img-src data: https://sgx.geodatenzentrum.de" in page
    assert "basemap.de / © GeoBasis-DE / BKG (2023)" in page
    assert "de_basemapde_web_raster_grau" in page


def test_cli_lisa_and_hotspots_html_match_the_geopackage(tmp_path: Path):
    gpkg = str(DEMO / "gemeinden.gpkg")
    common = [gpkg, "--field", "EWZ", "--seed", "7", "--permutations", "199"]
    assert main(["lisa", *common, "--out", str(tmp_path / "l.gpkg"),
                 "--html", str(tmp_path / "l.html")]) == 0
    assert main(["hotspots", *common, "--html", str(tmp_path / "h.html")]) == 0
    result = gpd.read_file(tmp_path / "l.gpkg")
    layer = embedded((tmp_path / "l.html").read_text(), "gs-data")["layers"][0]
    columns = {c["name"]: c["values"] for c in layer["columns"]}
    assert columns["lisa_cluster"] == result["lisa_cluster"].tolist()
    # NaN in the GeoPackage (the island) is null in the page
    np.testing.assert_allclose([np.nan if v is None else v for v in columns["lisa_p"]],
                               result["lisa_p"])
    hot = embedded((tmp_path / "h.html").read_text(), "gs-data")["layers"][0]
    assert hot["kind"] == "gi" and len(hot["classes"]) == 7
    assert "199 Permutationen, Seed 7" in (tmp_path / "h.html").read_text()


@pytest.mark.slow
def test_demo_writes_maps_byte_identical(tmp_path: Path):
    assert main(["demo", "--out", str(tmp_path / "a")]) == 0
    assert main(["demo", "--out", str(tmp_path / "b")]) == 0
    maps = sorted(p.name for p in (tmp_path / "a").glob("*.html"))
    assert "karte_gemeinden_2023.html" in maps and "lisa_sgb2_quote_2023.html" in maps
    assert "hotspots_sgb2_quote_2023.html" in maps and "karte_sozialraeume_2023.html" in maps
    for name in [*maps, "karte_gemeinden_2023.png"]:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    page = (tmp_path / "a" / "karte_gemeinden_2023.html").read_text()
    data = embedded(page, "gs-data")
    assert len(data["layers"]) >= 10 and page.count('id="gs-geometry"') == 1
    assert embedded(page, "gs-outlines")["features"]  # Sozialraum outlines
    # suppressed municipality values are "geheim gehalten" and carry no value
    for layer in data["layers"]:
        for code, value in zip(layer["cls"], layer["values"], strict=True):
            if code == -2:
                assert value is None
    assert any(-2 in layer["cls"] for layer in data["layers"])


def test_hotspot_significance_map_marks_the_real_islands(tmp_path):
    # the isolated class of the Gi* significance map came from a boolean set {False, True}
    # and marked the first two areas instead of the area without neighbours
    from geosozial.geo.analysis import local_analysis
    from geosozial.geo.areas import read_areas
    from geosozial.geo.maps import analysis_map

    frame = read_areas(DEMO / "gemeinden.gpkg", key="AGS").frame
    analysis = local_analysis(frame, "EWZ", kind="gi")
    islands = sorted(frame["key"].iloc[analysis.weights.islands])
    assert islands  # the demo has an exclave island
    built = analysis_map(frame, analysis)
    layer = next(x for x in built.document.layers if x.kind == "significance")
    labels = [c.label for c in layer.classes]
    isolated = labels.index(next(lab for lab in labels if "Nachbarn" in lab or "isol" in lab))
    marked = sorted(frame["key"][i] for i, c in enumerate(layer.class_of) if c == isolated)
    assert marked == islands


def test_every_shown_value_visibly_lies_in_its_class():
    """Values close to a break: the legend and the values get enough decimals that no
    value is shown as 50,2 in "50,2 bis 50,4" while another 50,2 sits in "bis 50,2"."""
    import re

    from geosozial.maps.layers import choropleth_layer

    rng = np.random.default_rng(4)
    values = np.round(50.2 + rng.normal(scale=0.08, size=60), 3).tolist()
    layer = choropleth_layer(values, id="anteil", label="Anteil", unit="%", k=5)

    def number(text):
        return float(text.replace(".", "").replace(",", "."))

    bounds = []
    for c in layer.classes:
        found = [number(x) for x in re.findall(r"\d[\d.]*,\d+|\d+", c.label)]
        if c.label.startswith("bis"):
            bounds.append((-np.inf, found[0]))
        elif c.label.startswith("über"):
            bounds.append((found[0], np.inf))
        else:
            bounds.append((found[0], found[1]))
    assert layer.digits >= 2  # one decimal cannot separate these classes
    for value, cls in zip(layer.values, layer.class_of, strict=True):
        shown = number(f"{value:.{layer.digits}f}".replace(".", ","))
        low, high = bounds[cls]
        assert low < shown <= high, (value, shown, layer.classes[cls].label)
