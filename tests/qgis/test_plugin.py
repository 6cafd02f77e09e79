"""The geosozial Processing provider inside real QGIS: every algorithm through
``processing.run`` on the demo project and on the Mittelsachsen municipalities of
VG5000, values, styles and parity with the ``geosozial`` command line."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
from conftest import DEMO, EXPECTED, SHARED, log_feedback

DEMO_LAYER = f"{DEMO / 'gemeinden.gpkg'}|layername=gemeinden"
MITTELSACHSEN = str(EXPECTED / "mittelsachsen.gpkg")
IDS = ["join", "aggregate", "weights", "moran", "lisa", "hotspots", "localgeary",
       "quantilelisa", "joincount", "htmlmap", "crosswalkapply", "crosswalkderive",
       "emerginghotspots", "dynamics", "report"]
STANDARD_PARAMETERS = {"source", "field", "enum", "number", "sink", "fileDestination",
                       "string", "boolean", "file", "multilayer"}


def null(value) -> bool:
    """NULL as PyQGIS returns it (a NULL QVariant), None, or NaN."""
    from qgis.core import NULL

    return value is None or value == NULL or (isinstance(value, float) and value != value)


def features(path: str) -> list:
    from qgis.core import QgsVectorLayer

    layer = QgsVectorLayer(path, "x", "ogr")
    assert layer.isValid(), path
    return list(layer.getFeatures())


def by_key(path: str, key: str = "AGS") -> dict:
    return {str(f[key]): f for f in features(path)}


def core_text(code: str, **params) -> str:
    """A core message in German, as the command line prints it (``Fehler: `` left off)."""
    # imported for the messages they define (ana.*, geo.*, weights.*)
    import geosozial.core.analysis
    import geosozial.core.weights_spec  # noqa: F401
    from geosozial.core.messages import render

    return render(code, params, "de")


def notice_line(code: str, severity: str, **params) -> str:
    """A core notice as the plugin's log and the command line print it."""
    return f"[{severity}] {core_text(code, **params)}"


def with_bezirk(run, tmp_path, formula: str) -> str:
    """The Mittelsachsen municipalities with a text field ``bezirk`` = ``formula``."""
    areas = str(tmp_path / "areas.gpkg")
    run("native:fieldcalculator", {
        "INPUT": MITTELSACHSEN, "FIELD_NAME": "bezirk", "FIELD_TYPE": 2, "FIELD_LENGTH": 10,
        "FORMULA": formula, "OUTPUT": areas})
    return areas


# --- installation -----------------------------------------------------------------------


def test_no_pip_binary_wheels_and_library_from_the_plugin(run, tmp_path):
    import importlib.util
    import sys

    # whatever is importable comes from Debian packages, never from pip
    for module in ("shapely", "pyproj", "pyogrio", "fiona", "rasterio", "pandas", "geopandas",
                   "numpy", "scipy", "jinja2"):
        spec = importlib.util.find_spec(module)
        assert spec is None or spec.origin.startswith("/usr/lib/python3/dist-packages/"), \
            (module, spec.origin)
    import folium

    import geosozial

    assert "geosozial_qgis/ext" in geosozial.__file__.replace("\\", "/")
    assert "geosozial_qgis/ext" in folium.__file__.replace("\\", "/")
    # and the plugin loads none of the binary packages that would clash with QGIS
    run("geosozial:lisa", {"INPUT": DEMO_LAYER, "KEY_FIELD": "AGS", "FIELD": "EWZ",
                           "OUTPUT": str(tmp_path / "l.gpkg")})
    run("geosozial:htmlmap", {"INPUT": DEMO_LAYER, "KEY_FIELD": "AGS", "FIELD": ["EWZ"],
                              "OUTPUT": str(tmp_path / "k.html")})
    loaded = {"shapely", "pyproj", "pyogrio", "fiona", "rasterio", "geopandas"} & \
        {name.split(".")[0] for name in sys.modules}
    assert loaded == set()


def test_provider_and_algorithms_use_standard_parameters(qgis_app):
    from qgis.core import QgsApplication

    provider = QgsApplication.processingRegistry().providerById("geosozial")
    assert provider is not None
    algorithms = {a.name(): a for a in provider.algorithms()}
    assert sorted(algorithms) == sorted(IDS)
    assert Path(provider.svgIconPath()).is_file() and not provider.icon().isNull()
    icons = set()
    for alg in algorithms.values():
        assert alg.shortHelpString() and alg.group() == "Sozialraumanalyse"
        # each algorithm has an icon of its own in the toolbox (an SVG in the plugin)
        path = Path(alg.svgIconPath())
        assert path.is_file() and path.name == f"{alg.name()}.svg", path
        assert not alg.icon().isNull()
        icons.add(path.read_bytes())
        for param in alg.parameterDefinitions():
            assert param.type() in STANDARD_PARAMETERS, (alg.name(), param.type())
    assert len(icons) == len(algorithms)  # no two share one
    lisa = algorithms["lisa"]
    names = {p.name() for p in lisa.parameterDefinitions()}
    assert {"INPUT", "KEY_FIELD", "FIELD", "WEIGHTS", "PERMUTATIONS", "SEED", "CORRECTION",
            "ALPHA", "OUTPUT"} <= names
    assert lisa.displayName() == "Lokale Cluster (LISA)"
    assert {"NEIGHBOUR_FIELD", "BASE_FIELD"} <= names
    join = {p.name(): p for p in algorithms["join"].parameterDefinitions()}
    assert {"TABLE_FILE", "TABLE", "TABLE_KEY_FIELD", "FIELDS", "SHEET", "MIN_COUNT",
            "NO_CONFIDENTIALITY", "RELATIONS", "REPORT"} <= set(join)
    assert join["TABLE"].flags() & join["TABLE"].FlagOptional  # a file or a layer
    assert join["MIN_COUNT"].defaultValue() == 3 and join["MIN_COUNT"].minimum() == 1
    aggregate = {p.name() for p in algorithms["aggregate"].parameterDefinitions()}
    assert {"MAPPING_FILE", "GROUP_FIELD", "COUNT_FIELDS", "VARIABLES", "INDICATORS",
            "MIN_COUNT", "NO_CONFIDENTIALITY", "RELATIONS", "OUTPUT",
            "MUNICIPALITIES"} <= aggregate


def test_missing_scipy_says_what_to_install(qgis_app, monkeypatch):
    import sys

    from geosozial_qgis.deps import require_numpy_scipy
    from qgis.core import QgsProcessingException

    monkeypatch.setitem(sys.modules, "scipy", None)
    with pytest.raises(QgsProcessingException) as info:
        require_numpy_scipy()
    text = str(info.value)
    assert "scipy" in text and "OSGeo4W" in text and "apt install" in text and "macOS" in text


# --- parity with the command line -------------------------------------------------------


@pytest.mark.parametrize("dataset", ["demo", "mittelsachsen"])
@pytest.mark.parametrize("kind", ["lisa", "hotspots"])
def test_local_statistics_equal_the_command_line(run, tmp_path, dataset, kind):
    """The defaults of both doors (PERMUTATIONS auto, sequential p-values) agree."""
    source = DEMO_LAYER if dataset == "demo" else MITTELSACHSEN
    field = "EWZ" if dataset == "demo" else "flaeche_km2"
    out = str(tmp_path / f"{kind}.gpkg")
    result = run(f"geosozial:{kind}", {"INPUT": source, "KEY_FIELD": "AGS", "FIELD": field,
                                       "SEED": 12345, "OUTPUT": out})
    assert result["METHOD"].startswith("sequenziell, h = 10, höchstens ")
    ours = by_key(out)
    expected = by_key(str(EXPECTED / f"{dataset}_{kind}.gpkg"), "AGS")
    assert sorted(ours) == sorted(expected)
    columns = ("lisa_I", "lisa_z", "lisa_p", "lisa_q") if kind == "lisa" else \
        ("gi_z", "gi_p", "gi_q")
    label = "lisa_cluster" if kind == "lisa" else "gi_bin"
    for key, feature in ours.items():
        for column in columns:
            a, b = feature[column], expected[key][column]
            if null(b):
                assert null(a)
            else:
                assert a == pytest.approx(b, rel=1e-9, abs=1e-12), (key, column)
        assert feature[label] == expected[key][label], key
    # p-values are permutation counts: identical, not just close
    for column in columns[-2:]:
        assert [ours[k][column] for k in sorted(ours)] == \
            [expected[k][column] for k in sorted(ours)]


def test_cli_geopackages_open_in_qgis_without_a_version_warning(qgis_app):
    """The command line writes GeoPackage 1.2 (user_version 10200); Debian's QGIS opens
    its files without "This version of GeoPackage ... may only be partially supported"."""
    from qgis.core import QgsApplication, QgsVectorLayer

    messages: list[str] = []

    def keep(message, tag, level):
        messages.append(f"{tag}: {message}")

    log = QgsApplication.messageLog()
    log.messageReceived.connect(keep)
    try:
        for name in ("demo_lisa.gpkg", "mittelsachsen_hotspots.gpkg"):
            path = EXPECTED / name
            with sqlite3.connect(path) as db:
                assert db.execute("PRAGMA user_version").fetchone()[0] == 10200
            layer = QgsVectorLayer(str(path), name, "ogr")
            assert layer.isValid() and layer.featureCount() > 0
            assert len(list(layer.getFeatures())) == layer.featureCount()
            QgsApplication.processEvents()
    finally:
        log.messageReceived.disconnect(keep)
    assert not [m for m in messages if "partially supported" in m or "user_version" in m], \
        messages


def test_lisa_output_is_styled_with_design_colours(run, tmp_path):
    from qgis.core import QgsProcessingContext, QgsProcessingUtils, QgsVectorLayer

    out = str(tmp_path / "lisa.gpkg")
    context = QgsProcessingContext()
    result = run("geosozial:lisa", {"INPUT": DEMO_LAYER, "KEY_FIELD": "AGS", "FIELD": "EWZ",
                                    "OUTPUT": out}, context)
    layer = QgsProcessingUtils.mapLayerFromString(result["OUTPUT"], context)
    for candidate in (layer, QgsVectorLayer(out, "gespeichert", "ogr")):
        renderer = candidate.renderer()
        assert renderer.type() == "categorizedSymbol" and renderer.classAttribute() == \
            "lisa_cluster"
        styles = {c.value(): (c.symbol().color().name(), c.label())
                  for c in renderer.categories()}
        assert styles["HH"] == ("#ff0000", "Hoch-Hoch (HH)")
        assert styles["LL"] == ("#0000ff", "Niedrig-Niedrig (LL)")
        assert styles["isolated"] == ("#999999", "ohne Nachbarn (isoliert)")
    with sqlite3.connect(out) as db:  # the style is stored in the GeoPackage
        assert db.execute("select count(*) from layer_styles where useAsDefault").fetchone()[0]
    assert "Seed 12345" in result["METHOD"] and "FDR 5 %" in result["METHOD"]


def test_hotspots_style_has_seven_bins(run, tmp_path):
    out = str(tmp_path / "gi.gpkg")
    run("geosozial:hotspots", {"INPUT": MITTELSACHSEN, "KEY_FIELD": "AGS",
                               "FIELD": "flaeche_km2", "OUTPUT": out})
    from qgis.core import QgsVectorLayer

    layer = QgsVectorLayer(out, "gi", "ogr")  # keep the layer: it owns the renderer
    renderer = layer.renderer()
    colours = [c.symbol().color().name() for c in renderer.categories()]
    assert colours == ["#d62f27", "#ed7551", "#fab984", "#ffffbf", "#c0ccbe", "#849eba",
                       "#4575b5"]
    assert renderer.categories()[0].label() == "Hot Spot 99 %"


DATASETS = {"demo": (DEMO_LAYER, "EWZ"), "mittelsachsen": (MITTELSACHSEN, "flaeche_km2")}


@pytest.mark.parametrize("dataset", list(DATASETS))
def test_moran_outputs_equal_the_command_line(run, tmp_path, dataset):
    source, field = DATASETS[dataset]
    html = tmp_path / "moran.html"
    result = run("geosozial:moran", {"INPUT": source, "KEY_FIELD": "AGS", "FIELD": field,
                                     "OUTPUT": str(html)})
    expected = json.loads((EXPECTED / f"{dataset}_moran.json").read_text(encoding="utf-8"))
    moran = expected["statistics"][0]
    assert result["MORAN_I"] == pytest.approx(moran["value"], rel=1e-12)
    assert result["MORAN_EXPECTED"] == pytest.approx(moran["expected"], rel=1e-12)
    assert result["MORAN_P"] == moran["p"]
    assert result["GEARY_C"] == pytest.approx(expected["statistics"][1]["value"], rel=1e-12)
    text = html.read_text(encoding="utf-8")
    assert "999 Permutationen, Seed 12345, Queen-Nachbarschaft" in text
    shown = f"{moran['value']:.4f}".replace(".", ",").replace("-0,", "-0,")
    assert f"<td>{shown}</td>" in text  # German decimal comma


# --- weights, CRS, selection ------------------------------------------------------------


def test_weights_report_islands_and_file(run, tmp_path):
    out = tmp_path / "w.json"
    result = run("geosozial:weights", {"INPUT": DEMO_LAYER, "KEY_FIELD": "AGS",
                                       "OUTPUT": str(out)})
    assert result["N"] == 50 and result["ISLANDS"] == 1 and result["COMPONENTS"] == 2
    assert "14999410" in result["REPORT"]
    from geosozial.kernel.weights import Weights

    assert Weights.load(out).n == 50
    knn = run("geosozial:weights", {"INPUT": DEMO_LAYER, "KEY_FIELD": "AGS", "WEIGHTS": 2,
                                    "K": 4})
    assert knn["ISLANDS"] == 0


def test_geographic_crs_is_transformed_not_measured_in_degrees(run, tmp_path):
    from qgis.core import QgsVectorLayer

    projected = run("geosozial:weights", {"INPUT": DEMO_LAYER, "KEY_FIELD": "AGS",
                                          "WEIGHTS": 3, "DISTANCE": 4000})
    lonlat = str(tmp_path / "lonlat.gpkg")
    run("native:reprojectlayer", {"INPUT": DEMO_LAYER, "TARGET_CRS": "EPSG:4326",
                                  "OUTPUT": lonlat})
    assert QgsVectorLayer(lonlat, "x", "ogr").crs().isGeographic()
    geographic = run("geosozial:weights", {"INPUT": lonlat, "KEY_FIELD": "AGS", "WEIGHTS": 3,
                                           "DISTANCE": 4000})
    # a 4 km band in degrees would connect everything or nothing; in metres it matches
    assert geographic["ISLANDS"] == projected["ISLANDS"]
    assert 0 < projected["ISLANDS"] < 50


def test_selected_features_only(run, tmp_path):
    from qgis.core import QgsProcessingFeatureSourceDefinition, QgsProject, QgsVectorLayer

    layer = QgsVectorLayer(DEMO_LAYER, "gemeinden", "ogr")
    QgsProject.instance().addMapLayer(layer)
    layer.selectByExpression("\"AGS\" < '14999250'")
    selected = layer.selectedFeatureCount()
    assert 0 < selected < 50
    out = str(tmp_path / "sel.gpkg")
    run("geosozial:lisa", {"INPUT": QgsProcessingFeatureSourceDefinition(layer.id(), True),
                           "KEY_FIELD": "AGS", "FIELD": "EWZ", "OUTPUT": out})
    assert len(features(out)) == selected
    QgsProject.instance().removeMapLayer(layer.id())


def test_vg5000_subset_in_qgis_gives_the_53_municipalities(run, tmp_path):
    from qgis.core import QgsVectorLayer

    layer = QgsVectorLayer(str(SHARED / "vg5000_gem_2021" / "VG5000_GEM.shp"), "vg", "ogr")
    layer.setSubsetString("\"AGS\" LIKE '14522%'")
    assert layer.featureCount() == 53
    result = run("geosozial:weights", {"INPUT": layer, "KEY_FIELD": "AGS"})
    assert result["N"] == 53 and result["ISLANDS"] == 0 and result["COMPONENTS"] == 1


# --- HTML map ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [0, 1, 2, 3, 4, 5])
def test_htmlmap_is_self_contained_complete_and_small(run, tmp_path, kind):
    out = tmp_path / "karte.html"
    result = run("geosozial:htmlmap", {"INPUT": MITTELSACHSEN, "KEY_FIELD": "AGS",
                                       "NAME_FIELD": "GEN",
                                       "FIELD": ["nord" if kind == 5 else "flaeche_km2"],
                                       "KIND": kind, "TITLE": "Mittelsachsen",
                                       "OUTPUT": str(out)})
    page = out.read_text(encoding="utf-8")
    assert result["SIZE"] == len(page.encode("utf-8")) <= 300_000
    markup = re.sub(r"<script[^>]*>.*?</script>", "", page, flags=re.S)
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", markup)
    assert "default-src &#x27;none&#x27;" in page and "L.map(" in page
    geometry = json.loads(re.search(r'id="gs-geometry">(.*?)</script>', page, re.S).group(1))
    assert sorted(f["properties"]["i"] for f in geometry["features"]) == list(range(53))
    from qgis.core import QgsGeometry

    for feature in geometry["features"]:
        geom = QgsGeometry.fromWkt(_wkt(feature["geometry"]))
        assert geom.isGeosValid()
    data = json.loads(re.search(r'id="gs-data">(.*?)</script>', page, re.S).group(1))
    assert "Döbeln" in data["names"]
    assert data["attribution"].startswith("© GeoBasis-DE / BKG (20")  # year from WSK
    assert re.search(r"Stand: \d\d\.\d\d\.20\d\d", page)
    expected_kind = ["choropleth", "lisa", "gi", "geary", "joincount", "joincount"][kind]
    assert data["layers"][0]["kind"] == expected_kind
    if kind:  # a local statistic: its layer, the significance of the corrected p, values
        assert [layer["kind"] for layer in data["layers"]] == [expected_kind, "significance",
                                                               "choropleth"]
        assert data["layers"][1]["classes"][0]["label"] == "q ≤ 0,001"


@pytest.mark.parametrize("region", ["mittelsachsen", "bayern"])
def test_htmlmap_coverage_has_no_overlaps(run, tmp_path, region):
    from qgis.core import QgsGeometry, QgsVectorLayer

    if region == "mittelsachsen":
        source, budget = MITTELSACHSEN, 230_000
    else:  # 2,056 municipalities and the unincorporated areas, default budget: crossings
        source = QgsVectorLayer(str(SHARED / "vg5000_gem_2021" / "VG5000_GEM.shp"), "by", "ogr")
        source.setSubsetString("\"AGS\" LIKE '09%'")
        budget = 280_000 + 300 * source.featureCount()  # html_budget
        assert source.featureCount() > 2056
    out = tmp_path / "karte.html"
    result = run("geosozial:htmlmap", {"INPUT": source, "KEY_FIELD": "AGS", "FIELD": ["IBZ"]
                                       if region == "bayern" else ["flaeche_km2"],
                                       "KIND": 0, "MAX_BYTES": budget if region ==
                                       "mittelsachsen" else 0, "OUTPUT": str(out)})
    assert result["SIZE"] <= budget
    page = out.read_text(encoding="utf-8")
    features_ = json.loads(re.search(r'id="gs-geometry">(.*?)</script>', page,
                                     re.S).group(1))["features"]
    geoms = [QgsGeometry.fromWkt(_wkt(f["geometry"])) for f in features_ if f["geometry"]]
    assert all(g.isGeosValid() for g in geoms)
    total = sum(g.area() for g in geoms)
    union = QgsGeometry.unaryUnion(geoms)
    assert union.area() == pytest.approx(total, rel=1e-6)  # no overlaps


def test_htmlmap_draws_kreis_outlines_on_the_area_edges(run, tmp_path):
    from qgis.core import QgsVectorLayer

    layer = QgsVectorLayer(str(SHARED / "vg5000_gem_2021" / "VG5000_GEM.shp"), "vg", "ogr")
    layer.setSubsetString("\"AGS\" LIKE '14%'")  # Saxony: 419 municipalities, 13 Kreise
    out = tmp_path / "sachsen.html"
    result = run("geosozial:htmlmap", {"INPUT": layer, "KEY_FIELD": "AGS", "NAME_FIELD": "GEN",
                                       "FIELD": ["IBZ"], "OUTPUT": str(out)})
    page = out.read_text(encoding="utf-8")
    assert result["SIZE"] <= 280_000 + 300 * 419
    outlines = json.loads(re.search(r'id="gs-outlines">(.*?)</script>', page, re.S).group(1))
    geometry = json.loads(re.search(r'id="gs-geometry">(.*?)</script>', page, re.S).group(1))
    assert len(geometry["features"]) == 419 and outlines["features"]
    vertices = set()
    for feature in geometry["features"]:
        coordinates = feature["geometry"]["coordinates"]
        polys = [coordinates] if feature["geometry"]["type"] == "Polygon" else coordinates
        vertices |= {tuple(c) for poly in polys for ring in poly for c in ring}
    line_points = {tuple(c) for f in outlines["features"] for c in f["geometry"]["coordinates"]}
    assert len(line_points & vertices) >= 0.99 * len(line_points)  # borders lie on area edges


def _wkt(geometry: dict) -> str:
    def ring(r):
        return "(" + ",".join(f"{x} {y}" for x, y in r) + ")"

    def poly(p):
        return "(" + ",".join(ring(r) for r in p) + ")"

    if geometry["type"] == "Polygon":
        return "POLYGON" + poly(geometry["coordinates"])
    return "MULTIPOLYGON(" + ",".join(poly(p) for p in geometry["coordinates"]) + ")"


# --- join and aggregate -----------------------------------------------------------------


@pytest.mark.parametrize("dataset", list(DATASETS))
def test_join_reports_both_directions_and_flags(run, tmp_path, dataset):
    source = DATASETS[dataset][0]
    table = tmp_path / "tabelle.csv"
    lines = ["AGS;Wert"]
    keys = sorted(by_key(source))
    for n, key in enumerate(keys[:-2]):
        lines.append(f"{key};{'.' if n == 0 else '-' if n == 1 else n + 10}")
    lines += ["14999999;7", f"{keys[3]};13"]  # the same row twice: used once, reported
    table.write_text("\n".join(lines) + "\n", encoding="utf-8")
    uri = f"file://{table}?delimiter=;&detectTypes=no"
    from qgis.core import QgsVectorLayer

    layer = QgsVectorLayer(uri, "tabelle", "delimitedtext")
    assert layer.isValid()
    out = str(tmp_path / "joined.gpkg")
    result = run("geosozial:join", {"INPUT": source, "KEY_FIELD": "AGS", "TABLE": layer,
                                    "TABLE_KEY_FIELD": "AGS", "OUTPUT": out,
                                    "REPORT": str(tmp_path / "bericht.txt")})
    assert (result["MATCHED"], result["TABLE_ONLY"], result["AREAS_ONLY"],
            result["DUPLICATES"]) == (len(keys) - 2, 1, 2, 1)
    assert "14999999" in result["REPORT_TEXT"] and keys[-1] in result["REPORT_TEXT"]
    joined = by_key(out)
    assert null(joined[keys[0]]["Wert"]) and joined[keys[0]]["Wert_flag"] == "."
    assert joined[keys[1]]["Wert"] == 0 and joined[keys[1]]["Wert_flag"] == "-"
    assert joined[keys[3]]["Wert"] == 13 and joined[keys[3]]["Wert_flag"] == ""
    report = (tmp_path / "bericht.txt").read_text(encoding="utf-8")
    assert f"{keys[3]}: [5, {len(keys) + 1}]" in report  # the lines of both rows


def test_aggregate_ratio_of_sums_and_confidentiality(run, tmp_path):
    mapping = DEMO / "sozialraeume.csv"
    header = mapping.read_text(encoding="utf-8").splitlines()[0]
    delimiter = ";" if ";" in header else ","
    groups: dict[str, list[str]] = {}
    for line in mapping.read_text(encoding="utf-8").splitlines()[1:]:
        key, group = line.split(delimiter)[:2]
        groups.setdefault(group.strip(), []).append(key.strip())
    small_group = sorted(groups)[0]
    first, *rest = groups[small_group]
    zeros = ",".join(f"'{k}'" for k in rest) or "''"
    areas = str(tmp_path / "areas.gpkg")
    # one Sozialraum with a case count of 1 in all, the others 10 per municipality
    run("native:fieldcalculator", {
        "INPUT": DEMO_LAYER, "FIELD_NAME": "faelle", "FIELD_TYPE": 1, "FIELD_LENGTH": 10,
        "FORMULA": f"CASE WHEN \"AGS\" = '{first}' THEN 1 WHEN \"AGS\" IN ({zeros}) THEN 0 "
                   "ELSE 10 END", "OUTPUT": areas})
    out, members_out = str(tmp_path / "sr.gpkg"), str(tmp_path / "gemeinden.gpkg")
    run("geosozial:aggregate", {"INPUT": areas, "KEY_FIELD": "AGS", "MAPPING_FILE": str(mapping),
                                "COUNT_FIELDS": ["faelle", "EWZ"],
                                "INDICATORS": "quote=faelle/EWZ*100", "MIN_COUNT": 3,
                                "OUTPUT": out, "MUNICIPALITIES": members_out})
    regions = {r["name"]: r for r in features(out)}
    members = by_key(areas)
    assert sorted(regions) == sorted(groups)
    hidden = [name for name, r in regions.items() if r["faelle_flag"] == "geheim"]
    # the small count (1) is withheld, and a second Sozialraum with it: otherwise the
    # public Kreis total minus the other sums would reveal it
    assert small_group in hidden and len(hidden) >= 2
    assert null(regions[small_group]["faelle"]) and null(regions[small_group]["quote"])
    assert regions[small_group]["quote_flag"] == "geheim"
    for name, region in regions.items():
        keys = groups[name]
        assert region["anzahl_gemeinden"] == len(keys)
        assert region["gemeinden"] == ", ".join(keys)
        if name not in hidden:
            num = sum(members[k]["faelle"] for k in keys)
            den = sum(members[k]["EWZ"] for k in keys)
            assert region["faelle"] == num
            assert region["quote"] == pytest.approx(num / den * 100, rel=1e-12)
        assert region.geometry().area() == pytest.approx(
            sum(members[k].geometry().area() for k in keys), rel=1e-6)
    # the municipalities come back protected, with their Sozialraum
    protected = by_key(members_out)
    assert protected[first]["faelle_flag"] == "geheim" and null(protected[first]["faelle"])
    assert protected[first]["sozialraum"] == small_group
    assert protected[first]["GEN"] == members[first]["GEN"]  # other fields as they were


def test_aggregate_by_group_field_on_mittelsachsen(run, tmp_path):
    areas = with_bezirk(run, tmp_path, "'B' || substr(\"AGS\", 6, 1)")
    out = str(tmp_path / "sr.gpkg")
    run("geosozial:aggregate", {"INPUT": areas, "KEY_FIELD": "AGS", "GROUP_FIELD": "bezirk",
                                "COUNT_FIELDS": ["flaeche_km2"],
                                "INDICATORS": "quote=flaeche_km2/flaeche_km2*100",
                                "MIN_COUNT": 1, "OUTPUT": out})
    regions = features(out)
    members = features(areas)
    assert sum(r["anzahl_gemeinden"] for r in regions) == 53
    assert sorted(r["name"] for r in regions) == sorted({m["bezirk"] for m in members})
    assert [(r["quote_flag"], r["quote"]) for r in regions] == \
        [("", pytest.approx(100.0))] * len(regions)
    total = sum(r["flaeche_km2"] for r in regions)
    assert total == pytest.approx(sum(m["flaeche_km2"] for m in members), rel=1e-12)


def test_aggregate_group_field_goes_through_the_mapping_rules(run, tmp_path):
    from qgis.core import QgsProcessingException

    # two spellings of one Sozialraum: refused as read_mapping refuses it in a file
    areas = with_bezirk(run, tmp_path,
                        "CASE WHEN \"AGS\" < '14522300' THEN 'Nord' ELSE 'nord' END")
    with pytest.raises(QgsProcessingException, match="Groß-/Kleinschreibung") as info:
        run("geosozial:aggregate", {"INPUT": areas, "KEY_FIELD": "AGS",
                                    "GROUP_FIELD": "bezirk", "COUNT_FIELDS": ["flaeche_km2"],
                                    "OUTPUT": str(tmp_path / "sr.gpkg")})
    assert "(Feld bezirk)" in str(info.value)


def test_aggregate_group_field_names_the_feature_and_variables_the_core_syntax(run, tmp_path):
    from qgis.core import QgsProcessingException

    areas = with_bezirk(run, tmp_path, "CASE WHEN \"AGS\" = '14522080' THEN NULL ELSE 'Nord' END")
    row = [str(f["AGS"]) for f in features(areas)].index("14522080") + 1
    common = {"INPUT": areas, "KEY_FIELD": "AGS", "GROUP_FIELD": "bezirk",
              "COUNT_FIELDS": ["flaeche_km2"], "OUTPUT": str(tmp_path / "sr.gpkg")}
    # the line of an assignment from a field is the feature number (1-based)
    with pytest.raises(QgsProcessingException, match=f"\\(Feld bezirk\\), Zeile {row}: "
                       "Gemeinde 14522080 hat keinen Sozialraum"):
        run("geosozial:aggregate", common)
    with pytest.raises(QgsProcessingException, match="Variable 'kaputt' nicht verstanden"):
        run("geosozial:aggregate", {**common, "GROUP_FIELD": "AGS", "VARIABLES": "kaputt"})


def test_invalid_input_geometries_are_repaired_and_named(qgis_app, tmp_path):
    import processing
    from qgis.core import QgsFeatureRequest, QgsProcessingContext, QgsVectorLayer

    layer = QgsVectorLayer(str(SHARED / "vg5000_gem_2021" / "VG5000_GEM.shp"), "vg", "ogr")
    layer.setSubsetString("\"AGS\" LIKE '09%'")
    invalid = [f["AGS"] for f in layer.getFeatures() if not f.geometry().isGeosValid()]
    assert invalid  # the real data has invalid polygons
    context = QgsProcessingContext()
    context.setInvalidGeometryCheck(QgsFeatureRequest.GeometryAbortOnInvalid)  # QGIS default
    log = log_feedback()
    result = processing.run("geosozial:weights", {"INPUT": layer, "KEY_FIELD": "AGS"},
                            context=context, feedback=log)
    assert result["N"] == layer.featureCount()
    # the command line's notice (geo.invalid_repaired), not a text of the plugin's own
    assert notice_line("geo.invalid_repaired", "repair", file="vg", n=len(invalid),
                       keys=", ".join(invalid[:20])) in log.lines


def test_numeric_area_keys_are_repaired_by_the_core_rule(qgis_app, tmp_path):
    import processing
    from qgis.core import QgsProcessingContext, QgsVectorLayer

    layer = QgsVectorLayer(str(SHARED / "vg5000_gem_2021" / "VG5000_GEM.shp"), "vg", "ogr")
    layer.setSubsetString("\"AGS\" LIKE '01051%'")
    numeric = str(tmp_path / "zahlen.gpkg")
    processing.run("native:refactorfields", {
        "INPUT": layer, "OUTPUT": numeric, "FIELDS_MAPPING": [
            {"expression": "to_int(\"AGS\")", "name": "AGS", "type": 2, "length": 0,
             "precision": 0},
            {"expression": "\"GEN\"", "name": "GEN", "type": 10, "length": 0,
             "precision": 0}]})
    log = log_feedback()
    result = processing.run("geosozial:weights", {"INPUT": numeric, "KEY_FIELD": "AGS"},
                            context=QgsProcessingContext(), feedback=log)
    assert result["N"] == layer.featureCount()
    note = next(line for line in log.lines if "ohne führende Null" in line)
    assert note.startswith("[repair] zahlen") and "→ 01051" in note


def map_data(page: str) -> dict:
    return json.loads(re.search(r'id="gs-data">(.*?)</script>', page, re.S).group(1))


def test_htmlmap_without_name_field_shows_the_keys(run, tmp_path):
    """No name field: names are "" (as the geopandas door reads them) and the map shows
    the key in tooltip and table (:func:`geosozial.maps.html.render_map`)."""
    bare = str(tmp_path / "ohne_namen.gpkg")
    run("native:retainfields", {"INPUT": DEMO_LAYER, "FIELDS": ["AGS", "EWZ"],
                                "OUTPUT": bare})
    out = tmp_path / "karte.html"
    run("geosozial:htmlmap", {"INPUT": bare, "KEY_FIELD": "AGS", "FIELD": ["EWZ"],
                              "OUTPUT": str(out)})
    data = map_data(out.read_text(encoding="utf-8"))
    keys = sorted(str(f["AGS"]) for f in features(bare))
    assert sorted(data["keys"]) == keys and "14999040" in keys
    assert data["names"] == data["keys"]  # tooltip name, table column and summary


def test_htmlmap_hotspots_mark_islands_as_isolated(run, tmp_path):
    """Gi*: islands have bin 0 and are shown as isolated on the significance map, by the
    core's rule (:func:`geosozial.maps.layers.significance_flags`)."""
    out = tmp_path / "karte.html"
    run("geosozial:htmlmap", {"INPUT": DEMO_LAYER, "KEY_FIELD": "AGS", "FIELD": ["EWZ"],
                              "KIND": 2, "OUTPUT": str(out)})
    data = map_data(out.read_text(encoding="utf-8"))
    sig = next(layer for layer in data["layers"] if layer["id"] == "signifikanz")
    isolated = [c["label"] for c in sig["classes"]].index("ohne Nachbarn (isoliert)")
    island = data["keys"].index("14999410")
    assert sig["cls"][island] == isolated
    assert sig["cls"].count(isolated) == 1 == sig["classes"][isolated]["count"]


def test_htmlmap_basemap_only_on_request(run, tmp_path):
    plain, tiles = tmp_path / "ohne.html", tmp_path / "mit.html"
    common = {"INPUT": DEMO_LAYER, "KEY_FIELD": "AGS", "FIELD": ["EWZ"]}
    run("geosozial:htmlmap", {**common, "OUTPUT": str(plain)})
    run("geosozial:htmlmap", {**common, "BASEMAP": 1, "OUTPUT": str(tiles)})
    assert "geodatenzentrum" not in plain.read_text(encoding="utf-8")
    page = tiles.read_text(encoding="utf-8")
    assert "img-src data: https://sgx.geodatenzentrum.de" in page
    assert "basemap.de / © GeoBasis-DE / BKG" in page


# --- messages: the command line's texts (the core's), not the plugin's own ---------------
#
# ``geosozial lisa werte.gpkg --field ...`` prints each of these messages with the path
# where QGIS names the layer ("werte"); the core renders them for both doors.


def with_field(run, tmp_path, name: str, field_type: int, formula: str) -> str:
    """The demo municipalities with a field ``name`` = ``formula``, as ``werte.gpkg``
    (field type as native:fieldcalculator: 0 decimal, 2 text)."""
    areas = str(tmp_path / "werte.gpkg")
    run("native:fieldcalculator", {"INPUT": DEMO_LAYER, "FIELD_NAME": name,
                                   "FIELD_TYPE": field_type, "FIELD_LENGTH": 20,
                                   "FIELD_PRECISION": 3, "FORMULA": formula,
                                   "OUTPUT": areas})
    return areas


def lisa_error(run, tmp_path, areas: str, field: str, **params) -> str:
    from qgis.core import QgsProcessingException

    with pytest.raises(QgsProcessingException) as info:
        run("geosozial:lisa", {"INPUT": areas, "KEY_FIELD": "AGS", "FIELD": field,
                               "OUTPUT": str(tmp_path / "l.gpkg"), **params})
    return str(info.value)


def test_text_in_the_analysed_field_names_key_and_field(run, tmp_path):
    areas = with_field(run, tmp_path, "anzahl", 2,
                       "CASE WHEN \"AGS\" = '14999040' THEN 'viele' ELSE to_string(\"EWZ\") END")
    # CLI: "werte.gpkg: Feld anzahl ist keine Zahl (z. B. 'viele' bei 14999040)."
    assert lisa_error(run, tmp_path, areas, "anzahl") == core_text(
        "ana.not_numeric", file="werte", field="anzahl", example="viele", key="14999040")


def test_missing_values_are_an_error_naming_the_keys_or_left_out_and_named(qgis_app,
                                                                           run, tmp_path):
    import processing
    from qgis.core import QgsProcessingContext

    areas = with_field(run, tmp_path, "luecke", 0,
                       "CASE WHEN \"AGS\" IN ('14999030', '14999060') THEN NULL "
                       "ELSE \"EWZ\" END")
    # the command line names --dropna, the plugin its DROP_MISSING parameter
    assert lisa_error(run, tmp_path, areas, "luecke") == core_text(
        "ana.missing", file="werte", field="luecke", n=2, keys="14999030, 14999060",
        option="'Gebiete ohne Wert auslassen'")
    log = log_feedback()  # --dropna / DROP_MISSING: left out and named (a warning)
    processing.run("geosozial:lisa", {"INPUT": areas, "KEY_FIELD": "AGS", "FIELD": "luecke",
                                      "DROP_MISSING": True,
                                      "OUTPUT": str(tmp_path / "l.gpkg")},
                   context=QgsProcessingContext(), feedback=log)
    assert notice_line("ana.dropped", "warning", file="werte", field="luecke", n=2,
                       keys="14999030, 14999060") in log.lines
    assert len(features(str(tmp_path / "l.gpkg"))) == 48


def test_a_constant_field_gets_the_command_lines_kernel_message(run, tmp_path):
    areas = with_field(run, tmp_path, "konstant", 0, "7")
    # CLI: "werte.gpkg: Feld konstant ist überall gleich (7.0); es gibt kein räumliches ..."
    message = lisa_error(run, tmp_path, areas, "konstant")
    assert message == core_text("ana.constant", file="werte", field="konstant", value=7.0)
    assert message.startswith("werte: Feld konstant ist überall gleich (7.0); ")


def test_a_constant_neighbours_field_is_named(run, tmp_path):
    """Bivariate LISA: the neighbours' field, not the analysed one, is named
    (:func:`geosozial.core.analysis.check_second_field`, as ``geosozial lisa --field EWZ
    --neighbour-field konstant``)."""
    areas = with_field(run, tmp_path, "konstant", 0, "7")
    message = lisa_error(run, tmp_path, areas, "EWZ", NEIGHBOUR_FIELD="konstant")
    assert message == core_text("ana.constant", file="werte", field="konstant", value=7.0)


def test_duplicate_keys_are_refused_for_weights(run, tmp_path):
    """``geosozial lisa`` refuses areas whose key occurs twice ("Schlüssel in ... kommen
    mehrfach vor: 14999080. Nachbarschaften brauchen eindeutige Schlüssel."); the plugin
    names the key field."""
    once = str(tmp_path / "einmal.gpkg")
    run("native:extractbyexpression", {"INPUT": DEMO_LAYER,
                                       "EXPRESSION": "\"AGS\" = '14999080'", "OUTPUT": once})
    twice = str(tmp_path / "doppelt.gpkg")
    run("native:mergevectorlayers", {"LAYERS": [DEMO_LAYER, once], "OUTPUT": twice})
    message = lisa_error(run, tmp_path, twice, "EWZ")
    assert message == core_text("weights.ids_duplicate", column="AGS", keys="14999080")
    assert "AGS" in message and "kommen mehrfach vor: 14999080" in message


def test_weights_checks_and_reprojection_are_core_notices(qgis_app, run, tmp_path):
    import processing
    from qgis.core import QgsProcessingContext, QgsProcessingException

    lonlat = str(tmp_path / "lonlat.gpkg")
    run("native:reprojectlayer", {"INPUT": DEMO_LAYER, "TARGET_CRS": "EPSG:4326",
                                  "OUTPUT": lonlat})
    log = log_feedback()
    result = processing.run("geosozial:weights", {"INPUT": lonlat, "KEY_FIELD": "AGS"},
                            context=QgsProcessingContext(), feedback=log)
    assert notice_line("geo.reprojected", "repair", file="lonlat", source="EPSG:4326",
                       target="EPSG:25833") in log.lines
    islands = [line for line in log.lines if line.startswith(
        "[info] lonlat: 1 Gebiet ohne Nachbarn (queen): ")]
    assert len(islands) == 1 and "14999410" in islands[0]
    assert "es bildet die Klasse 'isolated' und ist nie signifikant." in islands[0]
    assert islands[0].removeprefix("[info] ") in result["REPORT"]
    # no neighbours at all: the command line's error
    with pytest.raises(QgsProcessingException) as info:
        run("geosozial:lisa", {"INPUT": DEMO_LAYER, "KEY_FIELD": "AGS", "FIELD": "EWZ",
                               "WEIGHTS": 3, "DISTANCE": 1, "OUTPUT": str(tmp_path / "l.gpkg")})
    assert str(info.value) == core_text("ana.no_neighbours", file="gemeinden",
                                        weights="distance:1")


# --- permutations auto, the new local statistics, their styles and logs -------------------

LOCAL = ["lisa", "hotspots", "localgeary", "quantilelisa", "joincount"]


def test_permutations_parameter_is_auto_or_a_number(qgis_app):
    from qgis.core import QgsApplication

    provider = QgsApplication.processingRegistry().providerById("geosozial")
    for alg in [*LOCAL, "moran", "htmlmap"]:
        param = provider.algorithm(alg).parameterDefinition("PERMUTATIONS")
        assert param.type() == "string" and param.defaultValue() == "auto", alg
        assert "sequenzielle p-Werte" in param.help() and "999" in param.help(), alg


@pytest.mark.parametrize("alg", [*LOCAL, "moran", "htmlmap"])
def test_permutations_text_that_is_no_number_is_refused_naming_the_parameter(run, tmp_path,
                                                                             alg):
    from qgis.core import QgsProcessingException

    params = {"INPUT": DEMO_LAYER, "KEY_FIELD": "AGS", "FIELD": "EWZ",
              "PERMUTATIONS": "abc", "OUTPUT": str(tmp_path / "x.gpkg")}
    if alg == "htmlmap":
        params.update(FIELD=["EWZ"], KIND=1, OUTPUT=str(tmp_path / "x.html"))
    with pytest.raises(QgsProcessingException) as info:
        run(f"geosozial:{alg}", params)
    assert str(info.value) == (
        "gemeinden: PERMUTATIONS (Permutationen) 'abc' ist nicht möglich; erlaubt sind auto "
        "(Standard: sequenziell so viele, wie die Korrektur braucht) oder eine ganze Zahl, "
        "z. B. 999 oder 9.999.")
    assert not (tmp_path / "x.gpkg").exists() and not (tmp_path / "x.html").exists()


def test_permutations_out_of_range_get_the_core_message(run, tmp_path):
    from qgis.core import QgsProcessingException

    with pytest.raises(QgsProcessingException) as info:
        run("geosozial:lisa", {"INPUT": DEMO_LAYER, "KEY_FIELD": "AGS", "FIELD": "EWZ",
                               "PERMUTATIONS": "-5", "OUTPUT": str(tmp_path / "x.gpkg")})
    # check_inference, as ``geosozial lisa --permutations -5``
    assert str(info.value).startswith("gemeinden: --permutations -5 ist nicht möglich; "
                                      "erlaubt sind auto")


def test_permutations_as_text_number_and_thousands_agree(run, tmp_path):
    common = {"INPUT": DEMO_LAYER, "KEY_FIELD": "AGS", "FIELD": "EWZ", "SEED": 3}
    results = {}
    for given in (499, "499", " 499 ", 499.0):
        out = str(tmp_path / f"l{len(results)}.gpkg")
        result = run("geosozial:lisa", {**common, "PERMUTATIONS": given, "OUTPUT": out})
        assert result["METHOD"].startswith("499 Permutationen, Seed 3"), given
        results[repr(given)] = [f["lisa_p"] for f in features(out)]
    assert len({tuple(v) for v in results.values()}) == 1
    thousands = run("geosozial:hotspots", {**common, "PERMUTATIONS": "1.999",
                                           "OUTPUT": str(tmp_path / "g.gpkg")})
    assert thousands["METHOD"].startswith("1.999 Permutationen, Seed 3")
    auto = run("geosozial:hotspots", {**common, "PERMUTATIONS": "AUTO",
                                      "OUTPUT": str(tmp_path / "a.gpkg")})
    assert auto["METHOD"].startswith("sequenziell, h = 10, höchstens ")
    moran = run("geosozial:moran", {**common, "PERMUTATIONS": "auto"})
    assert json.loads(moran["JSON"])["statistics"][0]["permutations"] == 999


@pytest.mark.parametrize("alg", LOCAL)
def test_the_log_names_classes_in_words_not_codes(qgis_app, tmp_path, alg):
    import processing
    from qgis.core import QgsProcessingContext

    field = "nord" if alg == "joincount" else "flaeche_km2"
    log = log_feedback()
    result = processing.run(f"geosozial:{alg}", {
        "INPUT": MITTELSACHSEN, "KEY_FIELD": "AGS", "FIELD": field,
        "OUTPUT": str(tmp_path / "x.gpkg")}, context=QgsProcessingContext(), feedback=log)
    line = next(line for line in log.lines if line.startswith("Klassen: "))
    assert line == f"Klassen: {result['CLASSES']}"
    assert "nicht signifikant: " in line
    codes = r"(^|[ ,])(ns|HH|LL|HL|LH|cluster|High-High|Low-Low|Negative|-?[0-3]): "
    assert not re.search(codes, line.removeprefix("Klassen: ")), line
    counts = [int(n) for n in re.findall(r": (\d+)", line)]
    assert sum(counts) == 53


def test_local_geary_is_styled_in_geoda_colours_uni_and_multivariate(run, tmp_path):
    from qgis.core import QgsVectorLayer

    uni, multi = str(tmp_path / "uni.gpkg"), str(tmp_path / "multi.gpkg")
    common = {"INPUT": MITTELSACHSEN, "KEY_FIELD": "AGS", "FIELD": "flaeche_km2"}
    run("geosozial:localgeary", {**common, "OUTPUT": uni})
    result = run("geosozial:localgeary", {**common, "FIELDS": ["umfang_km", "ew"],
                                          "OUTPUT": multi})
    assert result["METHOD"].startswith("multivariat über flaeche_km2, umfang_km, ew, ")
    layer = QgsVectorLayer(uni, "uni", "ogr")
    renderer = layer.renderer()
    assert renderer.classAttribute() == "geary_cluster"
    styles = {c.value(): (c.symbol().color().name(), c.label()) for c in renderer.categories()}
    assert styles["High-High"] == ("#b2182b", "Hoch-Hoch")
    assert styles["Negative"] == ("#67adc7", "negativ (unähnliche Nachbarn)")
    assert styles["ns"] == ("#eeeeee", "nicht signifikant") and "Positive" not in styles
    layer = QgsVectorLayer(multi, "multi", "ogr")
    styles = {c.value(): c.symbol().color().name() for c in layer.renderer().categories()}
    assert styles == {"Positive": "#336ea1", "Negative": "#67adc7", "ns": "#eeeeee",
                      "isolated": "#999999"}
    assert {f["geary_cluster"] for f in features(multi)} <= set(styles)


@pytest.mark.parametrize("alg", ["quantilelisa", "joincount"])
def test_join_counts_default_to_greater_and_are_styled_green(run, tmp_path, alg):
    from qgis.core import QgsApplication, QgsVectorLayer

    definition = QgsApplication.processingRegistry().algorithmById(
        f"geosozial:{alg}").parameterDefinition("ALTERNATIVE")
    assert definition.options()[definition.defaultValue()] == "einseitig (größer)"
    out = str(tmp_path / "jc.gpkg")
    result = run(f"geosozial:{alg}", {"INPUT": MITTELSACHSEN, "KEY_FIELD": "AGS",
                                      "FIELD": "nord" if alg == "joincount" else
                                      "nord_km",
                                      "OUTPUT": out})
    assert result["METHOD"].endswith(", einseitig (größer)")
    if alg == "quantilelisa":  # Q defaults to K: the highest of 5 classes
        assert result["METHOD"].startswith("Quantil 5 von 5, ")
    layer = QgsVectorLayer(out, "jc", "ogr")  # keep the layer: it owns the renderer
    renderer = layer.renderer()
    assert renderer.classAttribute() == "jc_cluster"
    styles = {c.value(): (c.symbol().color().name(), c.label()) for c in renderer.categories()}
    assert styles["cluster"] == ("#348124", "Cluster (Häufung)")
    rows = features(out)
    assert {f["jc_cluster"] for f in rows} >= {"cluster", "ns"}
    assert all(null(f["jc_q"]) == null(f["jc_p"]) for f in rows)


def test_lisa_keeps_two_sided_and_hotspots_write_q(run, tmp_path):
    from qgis.core import QgsApplication

    registry = QgsApplication.processingRegistry()
    for alg in ("lisa", "hotspots", "localgeary", "moran"):
        definition = registry.algorithmById(f"geosozial:{alg}").parameterDefinition(
            "ALTERNATIVE")
        assert definition.options()[definition.defaultValue()] == "zweiseitig", alg
    out = str(tmp_path / "gi.gpkg")
    run("geosozial:hotspots", {"INPUT": MITTELSACHSEN, "KEY_FIELD": "AGS",
                               "FIELD": "flaeche_km2", "OUTPUT": out})
    rows = features(out)
    # q >= p (Benjamini-Hochberg never lowers a p) and some q differ from p
    assert all(f["gi_q"] >= f["gi_p"] - 1e-15 for f in rows)
    assert any(f["gi_q"] > f["gi_p"] for f in rows)


def test_join_counts_need_a_0_1_field(run, tmp_path):
    from qgis.core import QgsProcessingException

    with pytest.raises(QgsProcessingException) as info:
        run("geosozial:joincount", {"INPUT": DEMO_LAYER, "KEY_FIELD": "AGS", "FIELD": "EWZ",
                                    "OUTPUT": str(tmp_path / "j.gpkg")})
    keys = sorted(by_key(DEMO_LAYER))
    assert str(info.value).startswith("gemeinden: Feld EWZ muss für Join Counts 0 oder 1 "
                                      f"sein; nicht bei {keys[0]}, ")


def test_quantile_lisa_checks_k_and_q_with_the_core_message(run, tmp_path):
    from qgis.core import QgsProcessingException

    with pytest.raises(QgsProcessingException) as info:
        run("geosozial:quantilelisa", {"INPUT": DEMO_LAYER, "KEY_FIELD": "AGS",
                                       "FIELD": "EWZ", "QUANTILES": 4, "QUANTILE": 6,
                                       "OUTPUT": str(tmp_path / "q.gpkg")})
    assert str(info.value) == core_text("ana.quantiles", file="gemeinden", k=4, q=6, max_k=9)


def test_few_areas_warn_in_the_log(qgis_app, tmp_path, run):
    """Fewer than 30 areas: the kernel's warning as the core's notice."""
    import processing
    from qgis.core import QgsProcessingContext

    small = str(tmp_path / "klein.gpkg")
    run("native:extractbyexpression", {"INPUT": MITTELSACHSEN,
                                       "EXPRESSION": "\"AGS\" < '14522300'", "OUTPUT": small})
    n = len(features(small))
    assert 3 <= n < 30
    log = log_feedback()
    processing.run("geosozial:localgeary", {"INPUT": small, "KEY_FIELD": "AGS",
                                            "FIELD": "flaeche_km2", "WEIGHTS": 2, "K": 3,
                                            "OUTPUT": str(tmp_path / "g.gpkg")},
                   context=QgsProcessingContext(), feedback=log)
    assert notice_line("ana.few_areas", "warning", file="klein", n=n, minimum=30) in log.lines


def test_sozialraum_maps_credit_the_bkg_edition_from_a_selection(qgis_app, run, tmp_path):
    """Issue 14, item 1 in QGIS: a Kreis selected from VG5000 (Gebietsstand 2021; the
    Kreis's latest change is 2020) is credited "BKG (2021)", and so is the Sozialraum
    layer aggregated from it (it carries the edition's WSK) and its HTML map."""
    from qgis.core import QgsProcessingFeatureSourceDefinition, QgsProject, QgsVectorLayer

    layer = QgsVectorLayer(str(SHARED / "vg5000_gem_2021" / "VG5000_GEM.shp"), "vg5000", "ogr")
    assert layer.isValid()
    QgsProject.instance().addMapLayer(layer)
    try:
        layer.selectByIds([f.id() for f in layer.getFeatures()
                           if str(f["AGS"]).startswith("14522")])
        keys = sorted({f["AGS"] for f in layer.selectedFeatures()})
        assert len(keys) == 53
        assert max(str(f["WSK"].toString("yyyy-MM-dd")) for f in
                   layer.selectedFeatures()) < "2021"
        mapping = tmp_path / "sr.csv"
        mapping.write_text("AGS;Sozialraum\n" + "\n".join(
            f"{k};Region {int(k[5:]) % 3 + 1}" for k in keys) + "\n", encoding="utf-8")
        selected = QgsProcessingFeatureSourceDefinition(layer.id(), True)
        page = tmp_path / "gemeinden.html"
        run("geosozial:htmlmap", {"INPUT": selected, "KEY_FIELD": "AGS", "FIELD": ["IBZ"],
                                  "OUTPUT": str(page)})
        assert "© GeoBasis-DE / BKG (2021)" in page.read_text(encoding="utf-8")
        regions = str(tmp_path / "sr.gpkg")
        run("geosozial:aggregate", {"INPUT": selected, "KEY_FIELD": "AGS",
                                    "MAPPING_FILE": str(mapping), "COUNT_FIELDS": ["IBZ"],
                                    "NO_CONFIDENTIALITY": True, "OUTPUT": regions})
        out = QgsVectorLayer(regions, "sr", "ogr")
        assert {str(f["WSK"]) for f in out.getFeatures()} == {"2021-01-01"}
        page = tmp_path / "sozialraeume.html"
        run("geosozial:htmlmap", {"INPUT": regions, "KEY_FIELD": "key", "FIELD": ["IBZ"],
                                  "OUTPUT": str(page)})
        assert "© GeoBasis-DE / BKG (2021)" in page.read_text(encoding="utf-8")
    finally:
        QgsProject.instance().removeMapLayer(layer.id())


def test_snap_joins_gaps_and_the_islands_hint_names_it(qgis_app, run, tmp_path):
    """Saxony 2015 simplified to 200 m: Döbeln and Thiendorf lose their neighbours; the
    log names them with name and key and SNAP; SNAP 10 (as --snap 10) joins the gaps."""
    sachsen = str(SHARED / "sachsen_gemeinden_2015" / "sachsen_gemeinden_simplify200.geojson")
    import processing
    from qgis.core import QgsProcessingContext

    log = log_feedback()
    result = processing.run("geosozial:weights", {"INPUT": sachsen, "KEY_FIELD": "AGS"},
                            context=QgsProcessingContext(), feedback=log)
    assert result["ISLANDS"] == 2
    line = next(x for x in log.lines if "ohne Nachbarn (queen)" in x)
    assert "Döbeln (14522080)" in line and "Thiendorf (14627290)" in line
    assert "SNAP METER" in line and "Lücken zwischen den Grenzen" in line
    snapped = run("geosozial:weights", {"INPUT": sachsen, "KEY_FIELD": "AGS", "SNAP": 10})
    assert snapped["ISLANDS"] == 0 and snapped["COMPONENTS"] == 1
    lisa = run("geosozial:lisa", {"INPUT": sachsen, "KEY_FIELD": "AGS", "FIELD": "IBZ",
                                  "SNAP": 10, "PERMUTATIONS": "99",
                                  "OUTPUT": "TEMPORARY_OUTPUT"})  # nested JSON field
    assert "Queen-Nachbarschaft (Fangabstand 10 m)" in lisa["METHOD"]
