"""Parity: the same inputs through ``geosozial`` (command line) and ``processing.run``.

tests/test_qgis_plugin.py ran the command line on every case of ``expected/parity.json``
(demo project, the Mittelsachsen municipalities of VG5000, synthetic tables with text
columns, small counts, duplicate keys, official symbols, a classic GENESIS layout and an
XLSX workbook) and wrote down the equivalent ``processing.run`` parameters. Here each
case runs in QGIS and the layers are compared cell by cell: the same result columns in
the same order, the same values, the same flags (``geheim`` in the same cells), the same
text attributes, the same join report (matched, both unmatched lists, duplicates), the
same error for what the command line refuses; for ``aggregate`` the same Sozialraum and
municipal values and flags; for the LISA variants the same I, z, p and classes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import EXPECTED, log_feedback

#: area fields the command line adds to its GeoPackages (its frames carry them)
CLI_ONLY = ("fid", "key", "name")
#: report entries that name the sources (a layer is named differently from its file)
SOURCES = ("table", "areas")


def _cases(kind: str) -> list:
    path = EXPECTED / "parity.json"
    if not path.exists():  # the suite must never pass by having nothing to compare
        return [pytest.param(None, id="parity.json-fehlt")]
    cases = json.loads(path.read_text(encoding="utf-8"))[kind]
    return [pytest.param(case, id=case["id"]) for case in cases]


def _plain(value):
    """A cell for comparison: NULL/NaN -> None; dates as the text the command line writes
    for them (its GeoPackage stores area attributes that are no numbers as text)."""
    from qgis.core import NULL

    if value is None or value == NULL or (isinstance(value, float) and value != value):
        return None
    for method in ("toPyDateTime", "toPyDate"):
        if hasattr(value, method):
            return str(getattr(value, method)())
    return value


def _layer(path: str, layername: str | None = None):
    from qgis.core import QgsVectorLayer

    uri = f"{path}|layername={layername}" if layername else path
    layer = QgsVectorLayer(uri, layername or "x", "ogr")
    assert layer.isValid(), uri
    return layer


def _columns(layer) -> list[str]:
    return [f.name() for f in layer.fields() if f.name() not in CLI_ONLY]


def _rows(layer, key: str) -> dict[str, dict]:
    names = [f.name() for f in layer.fields()]
    out = {}
    for feature in layer.getFeatures():
        row = {n: _plain(v) for n, v in zip(names, feature.attributes(), strict=True)}
        assert str(row[key]) not in out, f"key {row[key]} twice"
        row["_area"] = feature.geometry().area()
        out[str(row[key])] = row
    return out


def _table_layer(path: str):
    from qgis.core import QgsVectorLayer

    layer = QgsVectorLayer(f"file://{path}?delimiter=;&detectTypes=no&encoding=UTF-8",
                           "tabelle", "delimitedtext")
    assert layer.isValid(), path
    return layer


def _same_cells(ours: dict, theirs: dict, columns: list[str], what: str) -> None:
    assert sorted(ours) == sorted(theirs), what
    for key in theirs:
        for column in columns:
            a, b = ours[key][column], theirs[key][column]
            if isinstance(b, str) or b is None:
                assert a == b, (what, key, column, a, b)
            else:
                assert a == pytest.approx(b, rel=1e-12, abs=1e-12), (what, key, column, a, b)


def _notices(report: dict) -> list[tuple[str, str]]:
    """Notices of table, join and confidentiality (the areas' own are named per door)."""
    return [(n["code"], n["text"]) for n in report["notices"]
            if not n["code"].startswith(("geo.", "qgis.")) and n["code"] != "join.dup_areas"]


def expected_text_columns(case: dict) -> list[str]:
    """The text attribute columns the command line's join reported."""
    report = json.loads(Path(case["report"]).read_text(encoding="utf-8"))
    return [c.strip() for n in report["notices"] if n["code"] == "join.text_columns"
            for c in n["params"]["columns"].split(",")]


def run_join(run, case: dict, tmp_path) -> tuple[dict, str, dict]:
    params = dict(case["params"])
    if case["table_layer"]:
        params["TABLE"] = _table_layer(case["table_layer"])
    out, report = tmp_path / "joined.gpkg", tmp_path / "bericht.json"
    params.update(OUTPUT=str(out), REPORT=str(report))
    result = run("geosozial:join", params)
    return result, str(out), json.loads(report.read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", _cases("join"))
def test_join_equals_the_command_line(run, tmp_path, case):
    from qgis.core import QgsProcessingException

    assert case is not None, "expected/parity.json fehlt (tests/test_qgis_plugin.py)"
    if case["error"]:  # refused by the CLI: refused in QGIS with the same German message
        with pytest.raises(QgsProcessingException) as info:
            run_join(run, case, tmp_path)
        message = case["error"]
        if case["table_layer"]:  # the layer is called by its layer name
            message = message.replace(case["table_layer"], "tabelle")
        assert str(info.value) == message
        return
    result, out, report = run_join(run, case, tmp_path)
    theirs_layer, ours_layer = _layer(case["output"]), _layer(out)
    # the same result columns, in the same order, with the same types
    assert _columns(ours_layer) == _columns(theirs_layer)
    types = {f.name(): f.type() for f in theirs_layer.fields()}
    value_fields = [c for c in _columns(theirs_layer) if f"{c}_flag" in types]
    for f in ours_layer.fields():
        if f.name() in value_fields:
            assert f.isNumeric(), f.name()
        if f.name().endswith("_flag"):
            assert f.type() == types[f.name()], f.name()
    text_fields = [c for c in expected_text_columns(case) if c in types]
    for f in ours_layer.fields():
        if f.name() in text_fields:
            assert f.type() == types[f.name()], f.name()
    # the same values, flags and text attributes, key by key
    theirs, ours = _rows(theirs_layer, "key"), _rows(ours_layer, "AGS")
    _same_cells(ours, theirs, _columns(theirs_layer), case["id"])
    for key in theirs:  # merged areas (duplicate keys) have the same extent
        assert ours[key]["_area"] == pytest.approx(theirs[key]["_area"], rel=1e-6), key
    # the same report: matched, both unmatched lists, duplicates, notices
    expected = json.loads(Path(case["report"]).read_text(encoding="utf-8"))
    for entry in expected:
        if entry == "notices":
            if not case["table_layer"]:
                assert _notices(report) == _notices(expected)
        elif entry not in SOURCES or (entry == "table" and not case["table_layer"]):
            assert report[entry] == expected[entry], entry
    assert (result["MATCHED"], result["TABLE_ONLY"], result["AREAS_ONLY"],
            result["DUPLICATES"], result["DUPLICATE_AREAS"]) == (
        expected["matched"], len(expected["table_rows_without_geometry"]),
        len(expected["geometries_without_data"]), len(expected["duplicate_table_keys"]),
        len(expected["duplicate_area_keys"]))


@pytest.mark.parametrize("case", _cases("aggregate"))
def test_aggregate_equals_the_command_line(run, tmp_path, case):
    assert case is not None, "expected/parity.json fehlt (tests/test_qgis_plugin.py)"
    joined = str(tmp_path / "joined.gpkg")
    run("geosozial:join", {**case["join"], "OUTPUT": joined})
    regions, members = str(tmp_path / "sr.gpkg"), str(tmp_path / "gemeinden.gpkg")
    result = run("geosozial:aggregate", {**case["params"], "INPUT": joined,
                                         "OUTPUT": regions, "MUNICIPALITIES": members})
    # Sozialräume: the same columns, values, flags and merged geometries
    theirs_layer = _layer(case["output"], "sozialraeume")
    ours_layer = _layer(regions)
    columns = [f.name() for f in theirs_layer.fields() if f.name() != "fid"]
    assert [f.name() for f in ours_layer.fields() if f.name() != "fid"] == columns
    theirs, ours = _rows(theirs_layer, "key"), _rows(ours_layer, "key")
    _same_cells(ours, theirs, columns, case["id"])
    for key in theirs:
        assert ours[key]["_area"] == pytest.approx(theirs[key]["_area"], rel=1e-6), key
    # municipalities: protected the same way, with their Sozialraum
    theirs_layer = _layer(case["output"], "gemeinden")
    ours_layer = _layer(members)
    columns = _columns(theirs_layer)
    assert _columns(ours_layer) == columns
    _same_cells(_rows(ours_layer, "AGS"), _rows(theirs_layer, "key"), columns, case["id"])
    flags = [r[c] for r in _rows(theirs_layer, "key").values() for c in columns
             if c.endswith("_flag")]
    assert "geheim" in flags or "nicht_berechenbar" in flags, "a case without protection"
    assert isinstance(result["NOTICES"], str)
    # every input column is accounted for, as on the command line
    assert "Spalten der Sozialräume: als Anzahlen summiert:" in result["NOTICES"]
    if "--sum" in case["cli"]:
        column = case["cli"][case["cli"].index("--sum") + 1]
        assert column in columns or column in [f.name() for f in _layer(regions).fields()]
        assert f"als Summe übernommen (--sum): {column}" in result["NOTICES"]


@pytest.mark.parametrize("case", _cases("lisa"))
def test_lisa_variants_equal_the_command_line(run, tmp_path, case):
    assert case is not None, "expected/parity.json fehlt (tests/test_qgis_plugin.py)"
    out = str(tmp_path / "lisa.gpkg")
    result = run("geosozial:lisa", {**case["params"], "OUTPUT": out})
    theirs, ours = _rows(_layer(case["output"]), "AGS"), _rows(_layer(out), "AGS")
    assert sorted(ours) == sorted(theirs)
    for key in theirs:
        for column in ("lisa_I", "lisa_z", "lisa_p"):
            a, b = ours[key][column], theirs[key][column]
            assert (a is None and b is None) or a == pytest.approx(b, rel=1e-12), (key, column)
        assert ours[key]["lisa_cluster"] == theirs[key]["lisa_cluster"], key
    # p-values are permutation counts: identical, not just close
    assert [ours[k]["lisa_p"] for k in sorted(ours)] == [theirs[k]["lisa_p"] for k in
                                                         sorted(ours)]
    variant = case["params"].get("NEIGHBOUR_FIELD") or case["params"].get("BASE_FIELD")
    assert variant and "Seed 12345" in result["METHOD"]


# --- the findings of issue 9 that concern QGIS, each failing on the old plugin ----------


def _case(kind: str, name: str) -> dict:
    cases = json.loads((EXPECTED / "parity.json").read_text(encoding="utf-8"))[kind]
    return next(c for c in cases if c["id"] == name)


def _municipalities_only(path: str, tmp_path) -> str:
    """The table without its Kreis row (which the old plugin refused as a key)."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    target = tmp_path / "gemeinden.csv"
    target.write_text("\n".join(line for line in lines if not line.startswith("14522;"))
                      + "\n", encoding="utf-8")
    return str(target)


def test_small_counts_are_withheld_as_on_the_command_line(run, tmp_path):
    """Old plugin: no MIN_COUNT, counts 1 and 2 published with an empty flag."""
    case = _case("join", "text_layer")
    out = str(tmp_path / "j.gpkg")
    table = _municipalities_only(case["table_layer"], tmp_path)
    # parameters the old plugin took as well
    run("geosozial:join", {"INPUT": case["params"]["INPUT"], "KEY_FIELD": "AGS",
                           "TABLE": _table_layer(table),
                           "TABLE_KEY_FIELD": "AGS", "FIELDS": ["Faelle"], "OUTPUT": out})
    rows = _rows(_layer(out), "AGS")
    small = [k for k, r in rows.items() if r["Faelle_flag"] == "geheim"]
    assert len(small) >= 2 and all(rows[k]["Faelle"] is None for k in small)
    assert not [r for r in rows.values() if r["Faelle"] in (1, 2)]
    # MIN_COUNT and NO_CONFIDENTIALITY as --min-count and --no-confidentiality
    run("geosozial:join", {"INPUT": case["params"]["INPUT"], "KEY_FIELD": "AGS",
                           "TABLE": _table_layer(table), "NO_CONFIDENTIALITY": True,
                           "OUTPUT": out})
    assert sorted(r["Faelle"] for r in _rows(_layer(out), "AGS").values()
                  if r["Faelle"] in (1, 2)) == [1, 2]


def test_conflicting_duplicate_rows_are_refused_not_first_row(run, tmp_path):
    """Old plugin: a second row with the same key was silently dropped."""
    from qgis.core import QgsProcessingException

    case = _case("join", "duplicates_conflicting_layer")
    with pytest.raises(QgsProcessingException) as info:
        run("geosozial:join", {"INPUT": case["params"]["INPUT"], "KEY_FIELD": "AGS",
                               "TABLE": _table_layer(case["table_layer"]),
                               "TABLE_KEY_FIELD": "AGS", "OUTPUT": str(tmp_path / "j.gpkg")})
    assert "mit verschiedenen Werten" in str(info.value) and "[6, 12]" in str(info.value)
    identical = _case("join", "duplicates_identical_layer")
    report = tmp_path / "bericht.json"
    result = run("geosozial:join", {"INPUT": case["params"]["INPUT"], "KEY_FIELD": "AGS",
                                    "TABLE": _table_layer(identical["table_layer"]),
                                    "OUTPUT": str(tmp_path / "k.gpkg"), "REPORT": str(report)})
    assert result["DUPLICATES"] == 2
    assert [d["lines"] for d in json.loads(report.read_text(encoding="utf-8"))[
        "duplicate_table_keys"]] == [[6, 12], [23, 56]]


def test_empty_fields_with_a_name_column_joins_all_value_columns(run, tmp_path):
    """Old plugin: FIELDS empty crashed with ``UnknownSymbol: Augustusburg``."""
    case = _case("join", "text_layer")
    out = str(tmp_path / "j.gpkg")
    run("geosozial:join", {"INPUT": case["params"]["INPUT"], "KEY_FIELD": "AGS",
                           "TABLE": _table_layer(_municipalities_only(case["table_layer"],
                                                                      tmp_path)),
                           "TABLE_KEY_FIELD": "AGS", "OUTPUT": out})
    layer = _layer(out)
    names = [f.name() for f in layer.fields()]
    for column in ("Einwohner", "Frauen", "Faelle"):
        assert column in names and f"{column}_flag" in names
    assert "Gemeinde" not in names  # the name column is the table's name, not a value
    rows = _rows(layer, "AGS")
    assert rows["14522010"]["Landkreis"] == "Mittelsachsen"
    assert rows["14522010"]["Bemerkung"] == "vorläufig"
    assert layer.fields().field("Landkreis").type() == layer.fields().field("AGS").type()


def test_classic_regionalstatistik_csv_joins_as_a_file(run, tmp_path):
    """Old plugin: a classic Regionalstatistik CSV could not be joined at all."""
    from conftest import DEMO

    out = str(tmp_path / "j.gpkg")
    result = run("geosozial:join", {"INPUT": str(DEMO / "gemeinden.gpkg"), "KEY_FIELD": "AGS",
                                    "TABLE_FILE": str(DEMO / "sgb2_2023.csv"), "OUTPUT": out})
    assert (result["MATCHED"], result["TABLE_ONLY"], result["AREAS_ONLY"]) == (50, 1, 0)
    assert "14999 Musterkreis (fiktiv) (Zeile 9, Kreis)" in result["REPORT_TEXT"]
    rows = _rows(_layer(out), "AGS")
    assert rows["14999010"]["Insgesamt"] == 111  # Ährenfeld, as in the file


def test_join_needs_exactly_one_table(run, tmp_path):
    from qgis.core import QgsProcessingException

    case = _case("join", "text_file")
    both = {**case["params"], "TABLE": _table_layer(case["params"]["TABLE_FILE"]),
            "OUTPUT": str(tmp_path / "j.gpkg")}
    with pytest.raises(QgsProcessingException, match="genau eine Tabelle"):
        run("geosozial:join", both)
    with pytest.raises(QgsProcessingException, match="genau eine Tabelle"):
        run("geosozial:join", {"INPUT": case["params"]["INPUT"], "KEY_FIELD": "AGS",
                               "OUTPUT": str(tmp_path / "k.gpkg")})


def test_lisa_variants_are_exclusive(run, tmp_path):
    from qgis.core import QgsProcessingException

    case = _case("lisa", "lisa_eb_ms")
    with pytest.raises(QgsProcessingException, match="nicht kombinieren"):
        run("geosozial:lisa", {**case["params"], "NEIGHBOUR_FIELD": "flaeche_km2",
                               "OUTPUT": str(tmp_path / "l.gpkg")})


def test_text_report_and_json_report(run, tmp_path):
    case = _case("join", "text_file")
    text = tmp_path / "bericht.txt"
    result = run("geosozial:join", {**case["params"], "OUTPUT": str(tmp_path / "j.gpkg"),
                                    "REPORT": str(text)})
    written = text.read_text(encoding="utf-8")
    assert written.strip() == result["REPORT_TEXT"].strip()
    assert "Geometrien ohne Daten: 2" in written and "14522999 Nirgendwo" in written
    assert not list(tmp_path.glob("*.tmp-*"))  # written atomically


# --- local statistics: LISA, Gi*, local Geary, quantile LISA, join counts ------------------


def _run_logged(alg: str, params: dict):
    import processing
    from qgis.core import QgsProcessingContext, QgsProject

    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    log = log_feedback()
    return processing.run(alg, params, context=context, feedback=log), log.lines


def _kind(alg: str) -> str:
    return {"geosozial:lisa": "lisa", "geosozial:hotspots": "gi",
            "geosozial:localgeary": "geary"}.get(alg, "joincount")


@pytest.mark.parametrize("case", _cases("local"))
def test_local_statistics_equal_the_command_line(qgis_app, tmp_path, case):
    """Values, p, q and classes cell by cell, the class counts and the method line as the
    command line prints them, and its warnings (e.g. an unreachable correction with 999
    fixed permutations) in the log."""
    assert case is not None, "expected/parity.json fehlt (tests/test_qgis_plugin.py)"
    from geosozial.core.results import RESULT_COLUMNS, ROLES

    out = str(tmp_path / "local.gpkg")
    result, lines = _run_logged(case["alg"], {**case["params"], "OUTPUT": out})
    kind = _kind(case["alg"])
    ours_layer, theirs_layer = _layer(out), _layer(case["output"])
    names = [name for name, _ in RESULT_COLUMNS[kind]]
    # all result columns of the kind, appended at the end, as the command line has them
    assert [f.name() for f in ours_layer.fields()][-len(names):] == names
    assert [c for c in _columns(theirs_layer) if c in names] == names
    theirs, ours = _rows(theirs_layer, "AGS"), _rows(ours_layer, "AGS")
    assert sorted(ours) == sorted(theirs) and len(ours) >= 50
    _, p_col, q_col, _ = ROLES[kind]
    for key in theirs:
        for name, typ in RESULT_COLUMNS[kind]:
            a, b = ours[key][name], theirs[key][name]
            if typ == "real" and name not in (p_col, q_col) and b is not None:
                assert a == pytest.approx(b, rel=1e-12, abs=1e-12), (key, name, a, b)
            else:  # p and q are permutation counts, classes are words: identical
                assert a == b, (key, name, a, b)
    # the case tests something: areas with a p that varies (join counts test the ones only)
    tested = 8 if kind == "joincount" else 25
    assert sum(theirs[k][p_col] is not None for k in theirs) >= tested
    assert sum(theirs[k][q_col] is not None for k in theirs) >= tested
    assert len({theirs[k][p_col] for k in theirs}) >= 3
    assert result["METHOD"] == case["method"]
    assert result["CLASSES"] == case["classes"] and f"Klassen: {case['classes']}" in lines
    assert f"Methode: {case['method']}" in lines
    for warning in case["warnings"]:
        assert warning in lines, (warning, lines)
    if "--permutations" not in case["cli"]:
        assert "sequenziell, h = 10, höchstens " in case["method"]
    else:
        fixed = case["cli"][case["cli"].index("--permutations") + 1]
        assert f", {fixed} Permutationen, Seed 12345" in f", {case['method']}"


def _map_data(path: str) -> tuple[dict, str]:
    import re

    page = Path(path).read_text(encoding="utf-8")
    data = json.loads(re.search(r'id="gs-data">(.*?)</script>', page, re.S).group(1))
    method = re.search(r"<p>Methode: (.*?)</p>", page, re.S).group(1)
    return data, method


def _by_key(layer: dict, keys: list[str]) -> dict:
    """A map layer with its per-area arrays keyed by area key (the order of the areas is
    the door's)."""
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


def _html_cases() -> list:
    return [c for c in _cases("local") if c.values[0] is None or "html" in c.values[0]]


@pytest.mark.parametrize("case", _html_cases())
def test_htmlmap_of_a_local_statistic_equals_the_command_line(run, tmp_path, case):
    """``geosozial lisa/hotspots --html`` and geosozial:htmlmap: the same class layer
    (classes, counts, colours, per-area classes, values and result columns with q) and
    the same significance layer (the corrected p at the same levels), the same method."""
    assert case is not None, "expected/parity.json fehlt (tests/test_qgis_plugin.py)"
    out = str(tmp_path / "karte.html")
    run("geosozial:htmlmap", {**case["html"]["params"], "OUTPUT": out})
    ours, our_method = _map_data(out)
    theirs, their_method = _map_data(case["html"]["output"])
    assert our_method == their_method == case["method"]
    assert sorted(ours["keys"]) == sorted(theirs["keys"])
    for i in (0, 1):  # the statistic's layer and the significance layer
        a = _by_key(ours["layers"][i], ours["keys"])
        b = _by_key(theirs["layers"][i], theirs["keys"])
        assert a == b, (i, {k: (a[k], b.get(k)) for k in a if a[k] != b.get(k)})
    significance = ours["layers"][1]
    symbol = "p·n" if "Bonferroni" in case["method"] else "q"
    assert significance["classes"][0]["label"] == f"{symbol} ≤ 0,001"
    levels = [c["label"] for c in significance["classes"] if "≤" in c["label"]]
    wide = "gi" in case["id"] or "--alpha" in case["cli"]
    assert levels[-1] == (f"{symbol} ≤ 0,1" if wide else f"{symbol} ≤ 0,05")
    columns = [c["name"] for c in ours["layers"][0]["columns"]]
    assert any(c.endswith("_q") for c in columns), columns
