"""Years on one Gebietsstand in QGIS: crosswalks, emerging hot spots, change and trend.

tests/test_qgis_plugin.py ran ``geosozial crosswalk derive`` (Saxony 2015 onto VG5000
2021, prefix 14), ``geosozial crosswalk apply`` (the 2015 population of Saxony with a
derived crosswalk and with a BBSR workbook; a rate column and a workbook without a
chosen sheet, which it refuses), ``geosozial trends`` (the per-year GeoPackages of
``geosozial demo``; a year with one area fewer, which it refuses), ``geosozial join
--crosswalk`` (the 2015 population onto VG5000 2021 of Saxony) and ``geosozial trends
--change K`` / ``gs.dynamics`` and wrote the cases into ``expected/parity.json`` (key
``years``). Here geosozial:crosswalkderive, geosozial:crosswalkapply,
geosozial:emerginghotspots, geosozial:join (CROSSWALK) and geosozial:dynamics run on the
same inputs: the same rows, values, flags, categories, z-values, reports and messages.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from conftest import DEMO, EXPECTED, log_feedback

NEW_ALGORITHMS = ("crosswalkapply", "crosswalkderive", "emerginghotspots", "dynamics")


def _cases(kind: str) -> list:
    path = EXPECTED / "parity.json"
    if not path.exists():  # the suite must never pass by having nothing to compare
        return [pytest.param(None, id="parity.json-fehlt")]
    cases = json.loads(path.read_text(encoding="utf-8")).get("years", {}).get(kind)
    if not cases:
        return [pytest.param(None, id="keine-Faelle")]
    return [pytest.param(case, id=case["id"]) for case in cases]


def _case(kind: str, name: str) -> dict:
    cases = json.loads((EXPECTED / "parity.json").read_text(encoding="utf-8"))["years"]
    return next(c for c in cases[kind] if c["id"] == name)


def _run_logged(alg: str, params: dict, context=None):
    import processing
    from qgis.core import QgsProcessingContext, QgsProject

    context = context or QgsProcessingContext()
    context.setProject(QgsProject.instance())
    log = log_feedback()
    return processing.run(alg, params, context=context, feedback=log), log.lines


def _plain(value):
    from qgis.core import NULL

    if value is None or value == NULL or (isinstance(value, float) and value != value):
        return None
    return value


def _layer(path: str):
    from qgis.core import QgsVectorLayer

    layer = QgsVectorLayer(path, "x", "ogr")
    assert layer.isValid(), path
    return layer


def _rows(path: str) -> tuple[list[str], list[dict]]:
    """Field names and the rows of a written layer, in the order written."""
    layer = _layer(path)
    names = [f.name() for f in layer.fields() if f.name() != "fid"]
    rows = [{n: _plain(feature[n]) for n in names} for feature in layer.getFeatures()]
    return names, rows


def _cli_csv(path: str) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def _number(text: str) -> float:
    return float(text.replace(",", "."))


def _table_layer(path: str):
    from qgis.core import QgsVectorLayer

    layer = QgsVectorLayer(f"file://{path}?delimiter=;&detectTypes=no&encoding=UTF-8",
                           "tabelle", "delimitedtext")
    assert layer.isValid(), path
    return layer


def _in_qgis_words(text: str) -> str:
    """A command-line message as the plugin words it: parameters instead of options."""
    return text.replace("--sheet", "CROSSWALK_SHEET").replace("--share", "CROSSWALK_SHARE")


# --- the provider ------------------------------------------------------------------------


def test_new_algorithms_have_their_own_icons_and_german_help(qgis_app):
    from qgis.core import QgsApplication

    provider = QgsApplication.processingRegistry().providerById("geosozial")
    algorithms = {a.name(): a for a in provider.algorithms()}
    assert set(NEW_ALGORITHMS) <= set(algorithms)
    others = {Path(a.svgIconPath()).read_bytes() for name, a in algorithms.items()
              if name not in NEW_ALGORITHMS}
    icons = set()
    for name in NEW_ALGORITHMS:
        alg = algorithms[name]
        path = Path(alg.svgIconPath())
        assert path.is_file() and path.name == f"{name}.svg", path
        assert not alg.icon().isNull()
        icons.add(path.read_bytes())
        assert alg.group() == "Sozialraumanalyse" and alg.shortHelpString()
        assert path.read_bytes() not in others, name
    assert len(icons) == len(NEW_ALGORITHMS)
    assert algorithms["crosswalkapply"].displayName().startswith("Tabelle auf einen neuen")
    assert "Mann-Kendall" in algorithms["emerginghotspots"].shortHelpString()
    ehs = {p.name(): p for p in algorithms["emerginghotspots"].parameterDefinitions()}
    assert ehs["LAYERS"].type() == "multilayer" and ehs["KEY_FIELD"].defaultValue() == "key"
    assert ehs["PERMUTATIONS"].defaultValue() == "auto"
    derive = {p.name(): p for p in algorithms["crosswalkderive"].parameterDefinitions()}
    assert derive["TOLERANCE"].defaultValue() == 0.2
    assert derive["OLD_KEY_FIELD"].defaultValue() == "AGS"
    assert algorithms["dynamics"].displayName() == "Veränderung und Trend über Jahre"
    dyn = {p.name(): p for p in algorithms["dynamics"].parameterDefinitions()}
    assert dyn["LAYERS"].type() == "multilayer" and dyn["KEY_FIELD"].defaultValue() == "key"
    assert dyn["YEARS_SPAN"].defaultValue() == 1 and dyn["YEARS_SPAN"].minimum() == 1
    assert dyn["KIND"].options()[0].startswith("automatisch") and len(dyn["KIND"].options()) == 4
    assert "Prozentpunkten" in algorithms["dynamics"].shortHelpString()
    join = {p.name(): p for p in algorithms["join"].parameterDefinitions()}
    assert {"CROSSWALK", "CROSSWALK_SHEET", "CROSSWALK_SHARE"} <= set(join)
    assert join["CROSSWALK"].flags() & join["CROSSWALK"].FlagOptional


# --- geosozial:crosswalkderive -----------------------------------------------------------


@pytest.mark.parametrize("case", _cases("derive"))
def test_crosswalkderive_equals_the_command_line(qgis_app, tmp_path, case):
    """The same rows (old key, names, new key, share, Gebietsstand) in the same order and
    the same changes, generalisation differences and notices in the log as ``geosozial
    crosswalk derive --prefix 14`` (both with the BETA2007 datum grid)."""
    assert case is not None, "expected/parity.json fehlt (tests/test_qgis_plugin.py)"
    out = str(tmp_path / "umsteiger.gpkg")
    result, lines = _run_logged("geosozial:crosswalkderive", {**case["params"],
                                                              "OUTPUT": out})
    names, ours = _rows(out)
    assert names == ["alt", "name_alt", "neu", "name_neu", "anteil", "gebietsstand"]
    theirs = _cli_csv(case["crosswalk"])
    assert len(ours) == len(theirs) == 426
    for a, b in zip(ours, theirs, strict=True):
        assert (a["alt"], a["name_alt"], a["neu"], a["name_neu"], a["gebietsstand"]) == \
            (b["alt"], b["name_alt"], b["neu"], b["name_neu"], b["gebietsstand"])
        assert a["anteil"] == pytest.approx(_number(b["anteil"]), abs=1e-6)
    # 8 municipalities vanished, e.g. Aue and Bad Schlema into 14521035, Pfaffroda into
    # Olbernhau
    successor = {r["alt"]: r["neu"] for r in ours}
    vanished = {k: v for k, v in successor.items() if k not in set(successor.values())}
    assert len(vanished) == 8
    assert vanished["14521030"] == vanished["14521050"] == "14521035"
    assert vanished["14521470"] == "14521460"
    # every change in the log, in the command line's words and order
    count = len(case["changes"])
    start = lines.index(f"Änderungen: {count}") + 1
    assert [line.strip() for line in lines[start:start + count]] == case["changes"]
    assert result["CHANGES"] == len(case["changes"]) == 7
    assert result["REPORT"].splitlines() == case["changes"]
    # the generalisation differences, largest first, and the notices (reprojection,
    # repaired geometries, slivers) as the command line prints them; the files are named
    # by their layers
    header = case["differences_header"]
    start = lines.index(header) + 1
    assert lines[start:start + len(case["differences"])] == \
        ["  " + line for line in case["differences"]]
    assert len(case["differences"]) > 100 and "weitere unter 1 %" in case["differences"][-1]
    for notice in case["notices"]:
        text = notice.replace(case["params"]["OLD"], Path(case["params"]["OLD"]).stem) \
            .replace(case["params"]["NEW"], Path(case["params"]["NEW"]).stem)
        assert text in lines, (text, lines)


def test_crosswalkderive_output_is_read_back_by_crosswalkapply(run, tmp_path):
    """The derived crosswalk, saved as CSV by QGIS, is a crosswalk file for
    geosozial:crosswalkapply (and gives the command line's numbers)."""
    derive = _case("derive", "derive_sachsen")
    saved = str(tmp_path / "umsteiger.csv")
    run("geosozial:crosswalkderive", {**derive["params"], "OUTPUT": saved})
    case = _case("apply", "apply_sachsen")
    out = str(tmp_path / "neu.gpkg")
    run("geosozial:crosswalkapply", {**case["params"], "CROSSWALK": saved, "OUTPUT": out})
    _, ours = _rows(out)
    theirs = _cli_csv(case["output"])
    assert [r["AGS"] for r in ours] == [r["AGS"] for r in theirs]
    assert [r["Einwohner"] for r in ours] == [_number(r["Einwohner"]) for r in theirs]


def test_crosswalkderive_tolerance_zero_makes_splits(run, tmp_path):
    """TOLERANCE as --tolerance: with 0 every sliver is a split (shares below 1)."""
    case = _case("derive", "derive_sachsen")
    out = str(tmp_path / "umsteiger.gpkg")
    result = run("geosozial:crosswalkderive", {**case["params"], "TOLERANCE": 0.0,
                                                "OUTPUT": out})
    _, rows = _rows(out)
    assert any(r["anteil"] < 1 for r in rows) and result["CHANGES"] > 7
    totals: dict[str, float] = {}
    for r in rows:
        totals[r["alt"]] = totals.get(r["alt"], 0.0) + r["anteil"]
    assert all(abs(t - 1) < 1e-9 for t in totals.values())


# --- geosozial:crosswalkapply ------------------------------------------------------------


def _apply(case: dict, tmp_path, context=None):
    params = dict(case["params"])
    if case["table_layer"]:
        params["TABLE"] = _table_layer(case["table_layer"])
    out = str(tmp_path / "umgerechnet.gpkg")
    result, lines = _run_logged("geosozial:crosswalkapply", {**params, "OUTPUT": out},
                                context)
    return out, result, lines


@pytest.mark.parametrize("case", _cases("apply"))
def test_crosswalkapply_equals_the_command_line(qgis_app, tmp_path, case):
    """Keys, names, values (the symbol where there is none), Kennzeichen and Gebietsstand
    row by row as ``geosozial crosswalk apply``; refused with its German message."""
    from qgis.core import QgsProcessingException

    assert case is not None, "expected/parity.json fehlt (tests/test_qgis_plugin.py)"
    if case["error"]:
        with pytest.raises(QgsProcessingException) as info:
            _apply(case, tmp_path)
        assert str(info.value) == _in_qgis_words(case["error"])
        return
    out, result, lines = _apply(case, tmp_path)
    names, ours = _rows(out)
    theirs = _cli_csv(case["output"])
    header = list(theirs[0])
    values = header[2:-2]
    assert header[:2] == ["AGS", "Name"] and header[-2:] == ["Kennzeichen", "Gebietsstand"]
    expected_names = ["AGS", "Name"] + [n for v in values for n in (v, f"{v}_flag")] + \
        ["Kennzeichen", "Gebietsstand"]
    assert names == expected_names
    assert len(ours) == len(theirs) == result["ROWS"]
    for a, b in zip(ours, theirs, strict=True):
        assert (a["AGS"], a["Name"], a["Kennzeichen"] or "", a["Gebietsstand"] or "") == \
            (b["AGS"], b["Name"], b["Kennzeichen"], b["Gebietsstand"]), a
        for column in values:
            value, flag = a[column], a[f"{column}_flag"] or ""
            if value is None:  # the command line writes the symbol
                shown = flag if flag in (".", "x", "/", "...", "*") else "."
                assert shown == b[column], (a["AGS"], column, flag, b[column])
            else:
                assert value == pytest.approx(_number(b[column]), abs=1e-6), (a["AGS"],
                                                                               column)
                if "," not in b[column]:  # whole numbers: exactly
                    assert value == _number(b[column]), (a["AGS"], column)
    assert result["GEBIETSSTAND_OUT"] == theirs[0]["Gebietsstand"]
    # the conversion notices in German, as the command line prints them
    for notice in case["notices"]:
        text = notice.replace(case["table_layer"], "tabelle") if case["table_layer"] \
            else notice
        if "Textspalten" in text:  # how a file's columns are read is the file's notice
            continue
        assert text in lines, (text, lines)
    assert any("umgerechnet:" in line for line in lines)


def test_crosswalkapply_sums_merges_and_keeps_withheld_values_withheld(qgis_app, tmp_path):
    case = _case("apply", "apply_sachsen")
    out, result, lines = _apply(case, tmp_path)
    _, rows = _rows(out)
    by_key = {r["AGS"]: r for r in rows}
    table = _cli_csv(case["params"]["TABLE_FILE"])
    source = {r["AGS"]: r for r in table}
    assert "14521030" not in by_key and "14521470" not in by_key
    aue = by_key["14521035"]
    assert aue["Einwohner"] == float(source["14521030"]["Einwohner"]) + \
        float(source["14521050"]["Einwohner"])
    assert aue["Einwohner_flag"] == "umgeschluesselt" and aue["Name"] == "Aue-Bad Schlema"
    olbernhau = by_key["14521460"]
    assert olbernhau["Einwohner"] == float(source["14521460"]["Einwohner"]) + \
        float(source["14521470"]["Einwohner"])
    # Pfaffroda's women were withheld: Olbernhau's sum is withheld too, never a zero
    assert olbernhau["weiblich"] is None and olbernhau["weiblich_flag"] == "."
    assert sum(r["Einwohner"] for r in rows) == sum(float(r["Einwohner"]) for r in table)
    assert result["ROWS"] == 419 and result["GEBIETSSTAND_OUT"] == "31.12.2021"
    assert {r["Gebietsstand"] for r in rows} == {"31.12.2021"}
    assert "Gebietsänderungen im Umsteigeschlüssel: 7" in lines
    assert "[repair]" in result["NOTICES"]


def test_crosswalkapply_splits_are_estimated(qgis_app, tmp_path):
    case = _case("apply", "apply_bbsr_split")
    out, _, _ = _apply(case, tmp_path)
    _, rows = _rows(out)
    by_key = {r["AGS"]: r for r in rows}
    table = {r["AGS"]: r for r in _cli_csv(case["params"]["TABLE_FILE"])}
    total = float(table["14521460"]["Einwohner"])
    assert by_key["14521460"]["Einwohner"] == pytest.approx(0.9 * total)
    assert by_key["14521999"]["Einwohner"] == pytest.approx(0.1 * total)
    assert by_key["14521999"]["Einwohner_flag"] == "geschaetzt"
    assert by_key["14521999"]["Kennzeichen"] == "geschaetzt"
    assert by_key["14521999"]["Name"] == "Neudorf (Test)"


def test_crosswalkapply_refuses_a_rate_naming_the_column(run, tmp_path):
    from qgis.core import QgsProcessingException

    case = _case("apply", "apply_rate_refused")
    with pytest.raises(QgsProcessingException) as info:
        _apply(case, tmp_path)
    text = str(info.value)
    assert "Spalte Anteil_weiblich ist keine Anzahl" in text and "Quoten" in text
    # choosing the counts only works
    _, result, _ = _apply({**case, "params": {**case["params"], "FIELDS": ["Einwohner"]}},
                          tmp_path)
    assert result["ROWS"] == 419


def test_crosswalkapply_names_its_parameters_in_messages(run, tmp_path):
    from qgis.core import QgsProcessingException

    case = _case("apply", "apply_bbsr_split")
    with pytest.raises(QgsProcessingException) as info:
        _apply({**case, "params": {**case["params"], "CROSSWALK_SHARE": "kinder"}}, tmp_path)
    assert "CROSSWALK_SHARE 'kinder' ist unbekannt" in str(info.value)
    with pytest.raises(QgsProcessingException) as info:
        _apply({**case, "params": {**case["params"], "CROSSWALK_SHEET": "1999"}}, tmp_path)
    assert "CROSSWALK_SHEET '1999'" in str(info.value)
    with pytest.raises(QgsProcessingException) as info:
        _apply({**case, "params": {k: v for k, v in case["params"].items()
                                   if k != "TABLE_FILE"}}, tmp_path)
    assert "genau eine Tabelle" in str(info.value)


# --- geosozial:emerginghotspots ----------------------------------------------------------


def _map_data(path: str) -> tuple[dict, str]:
    page = Path(path).read_text(encoding="utf-8")
    data = json.loads(re.search(r'id="gs-data">(.*?)</script>', page, re.S).group(1))
    method = re.search(r"<p>Methode: (.*?)</p>", page, re.S).group(1)
    return data, method


def _by_key(layer: dict, keys: list[str]) -> dict:
    n = len(keys)
    out = {}
    for name, value in layer.items():
        if name == "columns":
            out[name] = [{**c, "values": dict(zip(keys, c["values"], strict=True))}
                         for c in value]
        elif isinstance(value, list) and len(value) == n and name != "classes":
            out[name] = dict(zip(keys, value, strict=True))
        else:
            out[name] = value
    return out


def _ehs(case: dict, tmp_path, context=None):
    out, html = str(tmp_path / "ehs.gpkg"), str(tmp_path / "ehs.html")
    result, lines = _run_logged("geosozial:emerginghotspots",
                                {**case["params"], "OUTPUT": out, "HTML": html}, context)
    return out, html, result, lines


@pytest.mark.parametrize("case", _cases("emerging"))
def test_emerginghotspots_equals_the_command_line(qgis_app, tmp_path, case):
    """Categories, trend z/p/tau, Gi* z and bins of every year, key by key, as
    ``geosozial trends`` with the same seed; years, categories and method as it prints
    them, its warnings in the log, the same category layer in the HTML map."""
    from qgis.core import QgsProcessingException

    assert case is not None, "expected/parity.json fehlt (tests/test_qgis_plugin.py)"
    if case["error"]:
        with pytest.raises(QgsProcessingException) as info:
            _ehs(case, tmp_path)
        assert str(info.value) == case["error"]
        return
    out, html, result, lines = _ehs(case, tmp_path)
    ours_layer, theirs_layer = _layer(out), _layer(case["output"])
    years = [int(y) for y in case["years"].split(", ")]
    columns = ["ehs_kategorie", "ehs_trend_z", "ehs_trend_p", "ehs_tau"] + \
        [c for y in years for c in (f"gi_z_{y}", f"gi_bin_{y}")]
    # the result columns at the end, with the core's types
    assert [f.name() for f in ours_layer.fields()][-len(columns):] == columns
    types = {f.name(): f for f in ours_layer.fields()}
    assert types["ehs_kategorie"].type() == types["key"].type()  # text
    for column in columns[1:]:
        assert types[column].isNumeric(), column
        integer = column.startswith("gi_bin_")
        assert (types[column].typeName().lower().startswith("int")) == integer, \
            (column, types[column].typeName())
    theirs = {str(f["key"]): f for f in theirs_layer.getFeatures()}
    ours = {str(f["key"]): f for f in ours_layer.getFeatures()}
    assert sorted(ours) == sorted(theirs) and len(ours) == 50
    for key, feature in theirs.items():
        for column in columns:
            a, b = _plain(ours[key][column]), _plain(feature[column])
            if isinstance(b, float):
                assert a == pytest.approx(b, rel=1e-12, abs=1e-12), (key, column, a, b)
            else:
                assert a == b, (key, column, a, b)
    # the areas with values: the whole last year's layer, attributes kept
    assert ours["14999010"]["name"] == theirs["14999010"]["name"]
    assert result["YEARS_OUT"] == case["years"]
    assert result["CATEGORIES"] == case["categories"]
    assert f"Kategorien: {case['categories']}" in lines
    assert result["METHOD"] == case["method"] and f"Methode: {case['method']}" in lines
    for warning in case["warnings"]:
        assert warning in lines, (warning, lines)
    assert any("Mann-Kendall" in w for w in case["warnings"])  # 3 years: the warning
    # the map: the same category layer (classes, colours, per-area classes, values and
    # columns) and the same method note
    ours_map, our_method = _map_data(html)
    theirs_map, their_method = _map_data(case["html"])
    assert our_method == their_method
    assert sorted(ours_map["keys"]) == sorted(theirs_map["keys"])
    a = _by_key(ours_map["layers"][0], ours_map["keys"])
    b = _by_key(theirs_map["layers"][0], theirs_map["keys"])
    assert a == b, {k: (a[k], b.get(k)) for k in a if a[k] != b.get(k)}
    a = _by_key(ours_map["layers"][1], ours_map["keys"])
    b = _by_key(theirs_map["layers"][1], theirs_map["keys"])
    assert a["values"] == b["values"] and a["label"] == b["label"]


def test_emerginghotspots_layer_is_styled_by_category_in_words(qgis_app, tmp_path):
    from qgis.core import QgsProcessingContext, QgsProcessingUtils, QgsVectorLayer

    from geosozial.maps.analysis import EMERGING_COLOURS

    case = _case("emerging", "ehs_demo_999_none")
    context = QgsProcessingContext()
    out, _, result, _ = _ehs(case, tmp_path, context)
    layer = QgsProcessingUtils.mapLayerFromString(result["OUTPUT"], context)
    saved = QgsVectorLayer(out, "gespeichert", "ogr")
    present = {str(f["ehs_kategorie"]) for f in saved.getFeatures()}
    for candidate in (layer, saved):
        renderer = candidate.renderer()
        assert renderer.type() == "categorizedSymbol"
        assert renderer.classAttribute() == "ehs_kategorie"
        styles = {c.value(): (c.symbol().color().name(), c.label())
                  for c in renderer.categories()}
        assert set(styles) == present
        assert styles["persistent"] == (EMERGING_COLOURS["persistent"],
                                        "beständiger Hot Spot")
        assert styles["new_cold"] == (EMERGING_COLOURS["new_cold"], "neuer Cold Spot")
        assert styles["none"] == (EMERGING_COLOURS["none"], "kein Muster")


def test_emerginghotspots_years_from_layer_names_or_the_parameter(run, qgis_app, tmp_path):
    """Without YEARS the years come from the layer or file names (in any order given);
    YEARS must name as many years as layers, each once."""
    from qgis.core import QgsProcessingException, QgsVectorLayer

    case = _case("emerging", "ehs_demo")
    layers = case["params"]["LAYERS"]
    result, _ = _run_logged("geosozial:emerginghotspots", {
        **case["params"], "LAYERS": [layers[1], layers[2], layers[0]],
        "OUTPUT": str(tmp_path / "a.gpkg")})
    assert result["YEARS_OUT"] == "2021, 2022, 2023"
    assert result["CATEGORIES"] == case["categories"]
    # a loaded layer called "gemeinden": the year from its file name
    loaded = [QgsVectorLayer(p, "gemeinden", "ogr") for p in layers]
    result = run("geosozial:emerginghotspots", {**case["params"], "LAYERS": loaded,
                                                "OUTPUT": str(tmp_path / "b.gpkg")})
    assert result["CATEGORIES"] == case["categories"]
    for years, text in (("2021;2022", "YEARS nennt 2 Jahre (2021, 2022), angegeben sind 3"),
                        ("2021;2021;2023", "Das Jahr 2021 kommt zweimal vor"),
                        ("2021;zweiundzwanzig;2023", "YEARS: 'zweiundzwanzig' ist keine")):
        with pytest.raises(QgsProcessingException) as info:
            run("geosozial:emerginghotspots", {**case["params"], "YEARS": years,
                                               "OUTPUT": str(tmp_path / "c.gpkg")})
        assert text in str(info.value), str(info.value)
    plain = str(tmp_path / "gemeinden.gpkg")
    run("native:savefeatures", {"INPUT": layers[0], "OUTPUT": plain})
    with pytest.raises(QgsProcessingException) as info:
        run("geosozial:emerginghotspots", {**case["params"], "LAYERS": [plain, *layers[1:]],
                                           "OUTPUT": str(tmp_path / "d.gpkg")})
    assert "kein Jahr erkennbar" in str(info.value) and "YEARS" in str(info.value)
    with pytest.raises(QgsProcessingException) as info:
        run("geosozial:emerginghotspots", {**case["params"], "LAYERS": layers[:1],
                                           "OUTPUT": str(tmp_path / "e.gpkg")})
    assert "mindestens 2 Jahre" in str(info.value)


def test_emerginghotspots_refuses_other_areas_naming_year_and_key(run, tmp_path):
    from qgis.core import QgsProcessingException

    case = _case("emerging", "ehs_keys_differ")
    with pytest.raises(QgsProcessingException) as info:
        run("geosozial:emerginghotspots", {**case["params"], "OUTPUT": str(tmp_path / "x.gpkg")})
    text = str(info.value)
    assert "dieselben Gebiete in derselben Reihenfolge" in text and "2022 weicht ab bei" in text
    assert "Umsteigeschlüssel" in text
    with pytest.raises(QgsProcessingException) as info:
        run("geosozial:emerginghotspots", {**_case("emerging", "ehs_demo")["params"],
                                           "FIELD": "gibtsnicht",
                                           "OUTPUT": str(tmp_path / "y.gpkg")})
    assert "gibtsnicht" in str(info.value)


def test_emerginghotspots_takes_ags_where_there_is_no_key_field(run, tmp_path):
    """The default key field ``key`` of the per-year GeoPackages; a layer without it is
    read by AGS (as ``geosozial trends`` reads files other than its own)."""
    layer = f"{DEMO / 'gemeinden.gpkg'}|layername=gemeinden"
    result = run("geosozial:emerginghotspots", {
        "LAYERS": [layer, layer], "YEARS": "2022;2023", "FIELD": "EWZ",
        "PERMUTATIONS": "99", "OUTPUT": str(tmp_path / "ags.gpkg")})
    _, rows = _rows(str(tmp_path / "ags.gpkg"))
    assert len(rows) == 50 and {"gi_z_2022", "gi_bin_2023"} <= set(rows[0])
    assert "99 Permutationen" in result["METHOD"]


# --- geosozial:join with a crosswalk ------------------------------------------------------


def _join(case: dict, tmp_path, **extra):
    report = str(tmp_path / "bericht.json")
    result, lines = _run_logged("geosozial:join", {
        **case["params"], **extra, "OUTPUT": str(tmp_path / "verknuepft.gpkg"),
        "REPORT": report})
    return result, lines, json.loads(Path(report).read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", _cases("join"))
def test_join_with_crosswalk_equals_the_command_line(qgis_app, tmp_path, case):
    """The report of ``geosozial join --crosswalk --json``: the territories changed under
    the same key, the table rows without geometry with their successors, the areas
    without data and the notices; in the log every report line as the command line
    prints it ("umfasst jetzt ...", "Gebietsstand prüfen: gehört jetzt zu ...")."""
    assert case is not None, "expected/parity.json fehlt (tests/test_qgis_plugin.py)"
    result, lines, ours = _join(case, tmp_path)
    theirs = case["report"]
    for key in ("territory_changed", "table_rows_without_geometry",
                "geometries_without_data", "duplicate_table_keys", "notices", "matched",
                "areas_count", "table_rows", "key", "table"):
        assert ours[key] == theirs[key], (key, ours[key], theirs[key])
    # the report's lines after its first (which names the areas: file or layer)
    assert [line for line in lines if line.startswith("  ")] == case["lines"]
    assert result["REPORT_TEXT"].splitlines()[1:] == case["lines"]
    assert result["TABLE_ONLY"] == 8 and result["AREAS_ONLY"] == 1
    if case["cli"]:
        assert len(ours["territory_changed"]) == 6
        assert "    14521460 Olbernhau: umfasst jetzt 14521470 Pfaffroda" in lines
        assert "    14521470 Pfaffroda (Zeile 157, Gemeinde) – Gebietsstand prüfen: gehört " \
            "jetzt zu 14521460 Olbernhau" in lines
        successors = {r["key"]: r["successor"][0]
                      for r in ours["table_rows_without_geometry"]}
        assert len(successors) == 8
        assert successors["14521030"] == successors["14521050"] == "14521035"
        assert any("anderen Gebietsstand als die Geometrien: 6 Gemeinden" in line
                   for line in lines)
    else:
        assert not ours["territory_changed"]
        assert not any("Gebietsstand prüfen" in line for line in lines)


def test_join_with_a_bbsr_crosswalk_names_its_sheet_parameter(qgis_app, tmp_path):
    """A BBSR workbook needs its sheet (CROSSWALK_SHEET, named in the message); with it
    the reader's notice is in the log and the successors in the report."""
    from qgis.core import QgsProcessingException

    case = _case("join", "join_crosswalk_sachsen")
    bbsr = _case("apply", "apply_bbsr_split")["params"]["CROSSWALK"]
    with pytest.raises(QgsProcessingException) as info:
        _join(case, tmp_path, CROSSWALK=bbsr)
    assert "CROSSWALK_SHEET" in str(info.value), str(info.value)
    _, lines, report = _join(case, tmp_path, CROSSWALK=bbsr, CROSSWALK_SHEET="2015",
                             CROSSWALK_SHARE="bevoelkerung")
    successors = {r["key"]: r.get("successor") for r in report["table_rows_without_geometry"]}
    assert successors["14521030"] == ["14521035", "Aue-Bad Schlema"]
    assert any(line.startswith("[info] Umsteigeschlüssel ") and "Tabellenblatt 2015-2020"
               in line for line in lines), lines


# --- geosozial:dynamics ------------------------------------------------------------------


def _dynamics(case: dict, tmp_path, context=None, **extra):
    out = str(tmp_path / "dynamik.gpkg")
    result, lines = _run_logged("geosozial:dynamics", {**case["params"], **extra,
                                                       "OUTPUT": out}, context)
    return out, result, lines


def _values(path: str, columns: list[str]) -> dict:
    return {str(f["key"]): {c: _plain(f[c]) for c in columns}
            for f in _layer(path).getFeatures()}


@pytest.mark.parametrize("case", _cases("dynamics"))
def test_dynamics_equals_the_command_line(qgis_app, tmp_path, case):
    """<field>_diff<k>, its flag, <field>_trend and its flag key by key (1e-12) as
    ``geosozial trends --change K`` and ``gs.dynamics``; kind and unit as gs.dynamics
    records them, the unit in the log."""
    assert case is not None, "expected/parity.json fehlt (tests/test_qgis_plugin.py)"
    out, result, lines = _dynamics(case, tmp_path)
    columns = case["columns"]
    layer = _layer(out)
    types = {f.name(): f for f in layer.fields()}
    for column in columns:
        assert types[column].isNumeric() != column.endswith("_flag"), column
    ours = _values(out, columns)
    assert len(ours) == 50
    for reference in (case["output"], case["api"]):
        if reference is None:
            continue
        theirs = _values(reference, columns)
        assert sorted(ours) == sorted(theirs)
        for key, row in theirs.items():
            for column, b in row.items():
                a = ours[key][column]
                if column.endswith("_flag"):
                    assert (a or "") == (b or ""), (key, column, a, b)
                elif b is None:
                    assert a is None, (key, column, a)
                else:
                    assert a == pytest.approx(b, rel=1e-12, abs=1e-12), (key, column, a, b)
    assert result["KIND_OUT"] == case["kind"] and result["UNIT"] == case["unit"]
    assert result["YEARS_OUT"] == "2021, 2022, 2023"
    unit = case["unit"] or "Einheit des Feldes"
    assert any(line.startswith(f"Veränderung {columns[0]}: 2023 gegen {2023 - case['k']} ")
               and line.endswith(f"Einheit: {unit}") for line in lines), lines
    flags = [r[columns[1]] or "" for r in ours.values()]
    assert result["SUPPRESSED"] == flags.count("geheim")
    assert result["NOT_COMPUTABLE"] == flags.count("nicht_berechenbar")
    # the whole last year's layer, attributes kept
    assert {str(f["key"]): f["name"] for f in layer.getFeatures()}["14999010"]


def test_dynamics_withheld_values_make_the_change_withheld(qgis_app, tmp_path):
    """kinderarmut is withheld for two municipalities in 2023: their change is NULL and
    'geheim', never a number; their trend (two years left) is not computable."""
    case = _case("dynamics", "dyn_kinderarmut_2")
    out, result, lines = _dynamics(case, tmp_path)
    rows = _values(out, [*case["columns"], "kinderarmut_flag"])
    withheld = [k for k, r in rows.items() if r["kinderarmut_flag"] == "geheim"]
    assert len(withheld) == 2 and result["SUPPRESSED"] == 2
    for key in withheld:
        assert rows[key]["kinderarmut_diff2"] is None
        assert rows[key]["kinderarmut_diff2_flag"] == "geheim"
        assert rows[key]["kinderarmut_trend"] is None
        assert rows[key]["kinderarmut_trend_flag"] == "nicht_berechenbar"
    assert result["UNIT"] == "Prozentpunkte" and result["TREND_UNIT"] == \
        "Prozentpunkte je Jahr"
    assert "  berechnet: 48, geheim: 2, nicht berechenbar: 0" in lines


def test_dynamics_layer_is_styled_symmetric_around_zero(qgis_app, tmp_path):
    """The change map's classes (symmetric around 0, decrease blue, increase red, signed
    labels) and 'geheim gehalten' / 'keine Daten', on the layer and saved in the file."""
    from qgis.core import QgsProcessingContext, QgsProcessingUtils, QgsVectorLayer

    from geosozial.maps.layers import choropleth_layer
    from geosozial.maps.palettes import CHANGE_PALETTE, NO_DATA, SUPPRESSED

    case = _case("dynamics", "dyn_kinderarmut_2")
    context = QgsProcessingContext()
    out, result, _ = _dynamics(case, tmp_path, context)
    rows = _values(out, case["columns"])
    column = case["columns"][0]
    expected = choropleth_layer([r[column] for r in rows.values()], id=column, label=column,
                                flags=[r[case["columns"][1]] or "" for r in rows.values()],
                                scheme="diverging", k=5, palette_name=CHANGE_PALETTE,
                                reverse=True)
    wanted = [(c.label, c.colour) for c in expected.classes] + \
        [(SUPPRESSED.labels["de"], SUPPRESSED.fill), (NO_DATA.labels["de"], NO_DATA.fill)]
    assert wanted[0][1] == "#0571b0" and wanted[4][1] == "#ca0020"  # blue down, red up
    assert wanted[2][0].startswith("−") and " bis +" in wanted[2][0]  # around 0
    layer = QgsProcessingUtils.mapLayerFromString(result["OUTPUT"], context)
    saved = QgsVectorLayer(out, "gespeichert", "ogr")
    for candidate in (layer, saved):
        renderer = candidate.renderer()
        assert renderer.type() == "RuleRenderer"
        rules = renderer.rootRule().children()
        assert [(r.label(), r.symbol().color().name()) for r in rules] == wanted
    # every area falls into exactly one rule: the class the map gives it
    features = {str(f["key"]): f for f in saved.getFeatures()}
    renderer = saved.renderer().clone()
    from qgis.core import QgsRenderContext

    render = QgsRenderContext()
    renderer.startRender(render, saved.fields())
    for key, klass in zip(rows, expected.class_of, strict=True):
        symbols = renderer.symbolsForFeature(features[key], render)
        colour = wanted[klass][1] if klass >= 0 else \
            (SUPPRESSED.fill if klass == -2 else NO_DATA.fill)
        assert [s.color().name() for s in symbols] == [colour], (key, klass)
    renderer.stopRender(render)


def test_dynamics_replaces_fields_of_the_same_name(qgis_app, tmp_path):
    """The demo's GeoPackages already carry sgb2_quote_diff2: it is replaced in place
    (named in the log), not doubled."""
    case = _case("dynamics", "dyn_sgb2_quote_2")
    out, _, lines = _dynamics(case, tmp_path)
    names = [f.name() for f in _layer(out).fields()]
    assert names.count("sgb2_quote_diff2") == 1 and names.count("sgb2_quote_trend") == 1
    source = [f.name() for f in _layer(case["params"]["LAYERS"][-1]).fields()]
    assert names == source
    assert any(line.startswith("[info] ") and "Feld sgb2_quote_diff2 gibt es schon" in line
               for line in lines), lines
    # a field the layers do not have is appended
    out, _, _ = _dynamics(_case("dynamics", "dyn_bev_insg_1"), tmp_path)
    assert [f.name() for f in _layer(out).fields()][-4:] == \
        ["bev_insg_diff1", "bev_insg_diff1_flag", "bev_insg_trend", "bev_insg_trend_flag"]


def test_dynamics_refuses_with_the_core_messages(qgis_app, run, tmp_path):
    """A span without its start year, a missing field, other areas in one year, and the
    years as geosozial:emerginghotspots reads them."""
    from qgis.core import QgsProcessingException

    case = _case("dynamics", "dyn_sgb2_quote_2")
    for extra, text in (({"YEARS_SPAN": 3}, "es fehlt das Jahr 2020 (vorhanden: 2021, 2022, "
                                           "2023)"),
                        ({"FIELD": "gibtsnicht"}, "gibtsnicht"),
                        ({"LAYERS": case["params"]["LAYERS"][-1:]},
                         "es fehlt das Jahr 2021 (vorhanden: 2023)"),
                        ({"YEARS": "2021;2022"}, "YEARS nennt 2 Jahre")):
        with pytest.raises(QgsProcessingException) as info:
            _dynamics(case, tmp_path, **extra)
        assert text in str(info.value), (extra, str(info.value))
    differ = _case("emerging", "ehs_keys_differ")["params"]["LAYERS"]
    with pytest.raises(QgsProcessingException) as info:
        _dynamics(case, tmp_path, LAYERS=differ)
    assert "2022 weicht ab bei" in str(info.value) and "Umsteigeschlüssel" in str(info.value)
    # years from the layer names in any order; KEY_FIELD key falls back to AGS
    layers = case["params"]["LAYERS"]
    _, result, _ = _dynamics(case, tmp_path, LAYERS=[layers[2], layers[0], layers[1]])
    assert result["YEARS_OUT"] == "2021, 2022, 2023"
    plain = f"{DEMO / 'gemeinden.gpkg'}|layername=gemeinden"
    _, result, _ = _dynamics(case, tmp_path, LAYERS=[plain, plain], YEARS="2022;2023",
                             FIELD="EWZ", YEARS_SPAN=1)
    assert result["KIND_OUT"] == "count" and result["UNIT"] == "%"
