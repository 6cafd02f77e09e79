"""Plain CSV / XLSX tables with a key column, and the read_table dispatcher."""

from __future__ import annotations

import datetime
import math
from pathlib import Path

import pytest

from geosozial.core.messages import GeosozialError, render
from geosozial.core.tables.plain import (
    KeyRepairs,
    read_plain_csv,
    read_plain_xlsx,
    sniff_decimal,
    sniff_delimiter,
)
from geosozial.core.tables.read import detect_layout, read_table


def write(tmp_path: Path, text: str, name: str = "t.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def xlsx(tmp_path: Path, rows: list[list[object]], name: str = "t.xlsx") -> Path:
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Daten"
    for row in rows:
        ws.append(row)
    wb.create_sheet("Zweites").append(["Schlüssel", "Wert"])
    wb["Zweites"].append(["09162000", 7])
    path = tmp_path / name
    wb.save(path)
    return path


def test_semicolon_german_numbers_and_text_keys(tmp_path):
    path = write(tmp_path, "AGS;Gemeinde;Quote;Einwohner\n"
                           "01001000;Flensburg;12,5;89.504\n"
                           "14522450;Roßwein;-;.\n", encoding="cp1252")
    t = read_table(path)
    assert t.meta["layout"] == "plain-csv" and t.meta["decimal"] == ","
    assert t.keys == ["01001000", "14522450"]  # leading zero kept
    assert t.names == ["Flensburg", "Roßwein"]
    assert t.value_columns == ["Quote", "Einwohner"]
    assert t.value("01001000", "Quote") == 12.5 and t.value("01001000", "Einwohner") == 89504.0
    assert t.value("14522450", "Quote") == 0.0 and t.flag("14522450", "Quote") == "-"
    assert math.isnan(t.value("14522450", "Einwohner")) and t.flag("14522450", "Einwohner") == "."
    assert t.lines == [2, 3] and t.meta["key_column"] == "AGS"


def test_comma_and_tab_delimited(tmp_path):
    t = read_plain_csv(write(tmp_path, 'ars,name,rate\n010010000000,"Flensburg, Stadt",0.25\n'))
    assert t.keys == ["010010000000"] and t.value("010010000000", "rate") == 0.25
    assert t.names == ["Flensburg, Stadt"] and t.meta["delimiter"] == ","
    t = read_plain_csv(write(tmp_path, "Kennziffer\tWert\n09162\t1,5\n", name="tab.txt"))
    assert t.keys == ["09162"] and t.value("09162", "Wert") == 1.5


@pytest.mark.parametrize("column", ["AGS", "ags", "ARS", "Schlüssel", "Gemeindeschlüssel",
                                    "RS", "kennziffer"])
def test_key_column_detected_case_insensitive(tmp_path, column):
    t = read_plain_csv(write(tmp_path, f"Name;{column};x\nDöbeln;14522080;1\n"))
    assert t.keys == ["14522080"] and t.meta["key_column"] == column
    assert t.names == ["Döbeln"] and t.value_columns == ["x"]


def test_key_and_name_column_given(tmp_path):
    path = write(tmp_path, "Nr;Ort;Kinder\n14522450;Roßwein;(12)\n")
    t = read_table(path, key_column="nr", name_column="Ort")
    assert t.keys == ["14522450"] and t.names == ["Roßwein"]
    assert t.value("14522450", "Kinder") == 12.0 and t.flag("14522450", "Kinder") == "()"


def test_missing_key_column_lists_columns(tmp_path):
    path = write(tmp_path, "Gebiet;Wert\nDöbeln;1\n")
    with pytest.raises(GeosozialError) as err:
        read_table(path)
    assert err.value.code == "table.no_key_column"
    assert "'Gebiet', 'Wert'" in err.value.text("de") and "'Gebiet', 'Wert'" in err.value.text("en")
    with pytest.raises(GeosozialError) as err:
        read_table(path, key_column="AGS")
    assert err.value.code == "table.no_key_column" and "'AGS'" in str(err.value)


def test_empty_and_header_only(tmp_path):
    with pytest.raises(GeosozialError) as err:
        read_table(write(tmp_path, "", name="empty.csv"))
    assert err.value.code == "table.empty"
    with pytest.raises(GeosozialError) as err:
        read_table(write(tmp_path, "\n \n", name="blank.csv"))
    assert err.value.code == "table.empty"
    with pytest.raises(GeosozialError) as err:
        read_table(write(tmp_path, "AGS;Name;Wert\n", name="head.csv"))
    assert err.value.code == "table.no_rows"


def test_non_numeric_cell_names_file_row_column_text(tmp_path):
    path = write(tmp_path, "AGS;Name;Wert\n14522450;Roßwein;3\n14522080;Döbeln;k.A.\n")
    with pytest.raises(GeosozialError) as err:
        read_table(path)
    assert err.value.code == "table.bad_cell"
    assert err.value.params == {"file": str(path), "line": 3, "column": "Wert", "text": "k.A."}
    assert "Zeile 3" in err.value.text("de") and "line 3" in err.value.text("en")


def test_field_count_duplicate_columns_missing_key(tmp_path):
    with pytest.raises(GeosozialError) as err:
        read_table(write(tmp_path, "AGS;Wert\n14522450;3;4\n"))
    assert err.value.code == "table.field_count" and err.value.params["line"] == 2
    with pytest.raises(GeosozialError) as err:
        read_table(write(tmp_path, "AGS;Wert;Wert\n14522450;3;4\n", name="d.csv"))
    assert err.value.code == "table.duplicate_column"
    with pytest.raises(GeosozialError) as err:
        read_table(write(tmp_path, "AGS;Wert\n;3\n", name="k.csv"))
    assert err.value.code == "table.missing_key"


def test_empty_cells_and_duplicate_keys_give_notices(tmp_path):
    t = read_table(write(tmp_path, "AGS;Wert\n14522450;\n14522450;2\n"))
    codes = {n.code for n in t.notices}
    assert codes == {"table.empty_cells", "table.duplicate_keys"}
    assert math.isnan(t.values["Wert"][0]) and t.flags["Wert"][0] == ""


def test_plain_xlsx(tmp_path):
    path = xlsx(tmp_path, [
        ["AGS", "Name", "Einwohner", "SGB II"],
        ["14522450", "Roßwein", 7350, "-"],
        [1001000, "Flensburg", 89504, "."],
        [None, None, None, None],
        ["09162000", "München", 1484226.0, "12,5"],
    ])
    assert detect_layout(path) == "plain-xlsx"
    t = read_table(path)
    assert t.meta["layout"] == "plain-xlsx" and t.meta["sheet"] == "Daten"
    assert t.keys == ["14522450", "01001000", "09162000"]
    assert t.value("01001000", "Einwohner") == 89504.0
    assert t.flag("14522450", "SGB II") == "-" and t.value("14522450", "SGB II") == 0.0
    assert t.value("09162000", "SGB II") == 12.5
    assert t.lines == [2, 3, 5]
    assert [n.code for n in t.notices] == ["table.key_repaired"]
    other = read_plain_xlsx(path, sheet="Zweites")
    assert other.keys == ["09162000"] and other.meta["key_column"] == "Schlüssel"
    assert read_table(path, sheet=1).value("09162000", "Wert") == 7.0
    with pytest.raises(GeosozialError) as err:
        read_table(path, sheet="Fehlt")
    assert err.value.code == "table.no_sheet" and "Daten, Zweites" in str(err.value)


def test_plain_xlsx_column_of_words_is_text(tmp_path):
    """The only filled cell of 'Wert' is a word: a text column, unless chosen as values."""
    path = xlsx(tmp_path, [["ARS", "Wert"], ["145220450450", "viel"]])
    t = read_plain_xlsx(path)
    assert t.keys == ["145220450450"] and t.value_columns == [] and t.values == {}
    assert t.texts == {"Wert": ["viel"]} and t.text("145220450450", "Wert") == "viel"
    notices = [n for n in t.notices if n.code == "table.text_columns"]
    assert len(notices) == 1 and notices[0].severity == "info"
    assert notices[0].params["columns"] == "'Wert'"
    with pytest.raises(GeosozialError) as err:
        read_plain_xlsx(path, columns=["Wert"])
    assert err.value.code == "table.bad_cell"
    assert err.value.params["line"] == 2 and err.value.params["text"] == "viel"


def test_plain_xlsx_bad_cell(tmp_path):
    """A column of numbers with one stray word stays a value column: the word is an error."""
    path = xlsx(tmp_path, [["ARS", "Wert"], ["145220450450", 3], ["145220450460", "viel"],
                           ["145220450470", "5"]])
    with pytest.raises(GeosozialError) as err:
        read_plain_xlsx(path)
    assert err.value.code == "table.bad_cell"
    assert err.value.params == {"file": str(path), "line": 3, "column": "Wert", "text": "viel"}
    assert str(path) in err.value.text("de") and "Zeile 3" in err.value.text("de")
    assert "'Wert'" in err.value.text("de") and "line 3" in err.value.text("en")
    with pytest.raises(GeosozialError) as err:
        read_table(path)
    assert err.value.code == "table.bad_cell" and err.value.params["line"] == 3


# --- text attribute columns (Landkreis, Bemerkung, Stand) -------------------------------

LANDRATSAMT = ("AGS;Gemeinde;Landkreis;Einwohner;Frauen;Bemerkung\n"
               "14522010;Altmittweida;Mittelsachsen;2.012;1.003;\n"
               "14522020;Augustusburg;Mittelsachsen;4.567;2.301;vorläufig\n"
               "14522035;Bobritzsch-Hilbersdorf;Mittelsachsen;5.890;2.950;\n")
LRA_KEYS = ["14522010", "14522020", "14522035"]
LRA_NAMES = ["Altmittweida", "Augustusburg", "Bobritzsch-Hilbersdorf"]
LRA_VALUES = {"Einwohner": [2012.0, 4567.0, 5890.0], "Frauen": [1003.0, 2301.0, 2950.0]}
LRA_TEXTS = {"Landkreis": ["Mittelsachsen"] * 3, "Bemerkung": ["", "vorläufig", ""]}


def landratsamt_xlsx(tmp_path: Path) -> Path:
    """The Landratsamt export as XLSX: keys and numbers as numbers, text cells as text."""
    return xlsx(tmp_path, [
        ["AGS", "Gemeinde", "Landkreis", "Einwohner", "Frauen", "Bemerkung"],
        [14522010, "Altmittweida", "Mittelsachsen", 2012, 1003, None],
        [14522020, "Augustusburg", "Mittelsachsen", 4567, 2301, "vorläufig"],
        [14522035, "Bobritzsch-Hilbersdorf", "Mittelsachsen", 5890, 2950, None],
    ], name="landratsamt.xlsx")


def assert_landratsamt(t, columns: str = "'Landkreis', 'Bemerkung'") -> None:
    assert t.keys == LRA_KEYS and t.names == LRA_NAMES and len(t) == 3
    assert t.value_columns == ["Einwohner", "Frauen"]
    assert {c: v.tolist() for c, v in t.values.items()} == LRA_VALUES
    assert t.flags == {"Einwohner": [""] * 3, "Frauen": [""] * 3}
    assert t.text_columns == list(LRA_TEXTS) and t.texts == LRA_TEXTS
    assert t.text("14522020", "Bemerkung") == "vorläufig"
    assert t.text("14522035", "Landkreis") == "Mittelsachsen"
    assert t.value("14522020", "Einwohner") == 4567.0 and t.flag("14522020", "Frauen") == ""
    assert not t.missing("Einwohner").any() and not t.missing("Frauen").any()
    notices = [n for n in t.notices if n.code == "table.text_columns"]
    assert len(notices) == 1 and notices[0].severity == "info"
    assert notices[0].params == {"file": t.source, "columns": columns}
    assert "'Landkreis'" in notices[0].text("de") and "'Bemerkung'" in notices[0].text("de")
    assert "'Landkreis'" in notices[0].text("en") and "'Bemerkung'" in notices[0].text("en")
    assert "'Einwohner'" not in notices[0].text("de")


def test_landratsamt_csv_text_columns_are_attributes(tmp_path):
    path = write(tmp_path, LANDRATSAMT)
    for t in (read_table(path), read_plain_csv(path)):
        assert t.meta["layout"] == "plain-csv" and t.meta["decimal"] == ","
        assert t.meta["key_column"] == "AGS" and t.meta["name_column"] == "Gemeinde"
        assert_landratsamt(t)
        assert t.lines == [2, 3, 4]


def test_landratsamt_csv_chosen_columns(tmp_path):
    path = write(tmp_path, LANDRATSAMT)
    for t in (read_table(path, columns=["Einwohner", "Frauen"]),
              read_plain_csv(path, columns=["Einwohner", "Frauen"])):
        assert_landratsamt(t)
    t = read_table(path, columns=["Frauen"])  # the others, even numbers, are kept as text
    assert t.value_columns == ["Frauen"] and t.values["Frauen"].tolist() == LRA_VALUES["Frauen"]
    assert t.text_columns == ["Landkreis", "Einwohner", "Bemerkung"]
    assert t.texts["Einwohner"] == ["2.012", "4.567", "5.890"]


@pytest.mark.parametrize("reader", [read_table, read_plain_csv])
def test_landratsamt_csv_chosen_text_column_is_a_bad_cell(tmp_path, reader):
    path = write(tmp_path, LANDRATSAMT)
    with pytest.raises(GeosozialError) as err:
        reader(path, columns=["Landkreis"])
    assert err.value.code == "table.bad_cell"
    assert err.value.params == {"file": str(path), "line": 2, "column": "Landkreis",
                                "text": "Mittelsachsen"}
    assert str(path) in err.value.text("de") and "Zeile 2" in err.value.text("de")
    assert "'Landkreis'" in err.value.text("de") and "line 2" in err.value.text("en")
    with pytest.raises(GeosozialError) as err:
        reader(path, columns=["Einwohner", "Bemerkung"])
    assert err.value.code == "table.bad_cell"
    assert err.value.params["line"] == 3 and err.value.params["column"] == "Bemerkung"


@pytest.mark.parametrize("reader", [read_table, read_plain_csv])
def test_landratsamt_csv_unknown_column(tmp_path, reader):
    path = write(tmp_path, LANDRATSAMT)
    with pytest.raises(GeosozialError) as err:
        reader(path, columns=["Einwohner", "Nope"])
    assert err.value.code == "table.unknown_column"
    assert err.value.params["column"] == "Nope" and err.value.params["file"] == str(path)
    assert "'Nope'" in err.value.text("de") and "'Nope'" in err.value.text("en")
    assert "'Landkreis'" in err.value.text("de") and str(path) in err.value.text("en")


def test_landratsamt_xlsx_text_columns_are_attributes(tmp_path):
    path = landratsamt_xlsx(tmp_path)
    assert detect_layout(path) == "plain-xlsx"
    for t in (read_table(path), read_plain_xlsx(path)):
        assert t.meta["layout"] == "plain-xlsx" and t.meta["sheet"] == "Daten"
        assert_landratsamt(t)
        assert t.lines == [2, 3, 4]
    for t in (read_table(path, columns=["Einwohner", "Frauen"]),
              read_plain_xlsx(path, columns=["Einwohner", "Frauen"])):
        assert_landratsamt(t)


@pytest.mark.parametrize("reader", [read_table, read_plain_xlsx])
def test_landratsamt_xlsx_chosen_text_column_and_unknown_column(tmp_path, reader):
    path = landratsamt_xlsx(tmp_path)
    with pytest.raises(GeosozialError) as err:
        reader(path, columns=["Landkreis"])
    assert err.value.code == "table.bad_cell"
    assert err.value.params == {"file": str(path), "line": 2, "column": "Landkreis",
                                "text": "Mittelsachsen"}
    assert "Zeile 2" in err.value.text("de") and "'Landkreis'" in err.value.text("en")
    with pytest.raises(GeosozialError) as err:
        reader(path, columns=["Nope"])
    assert err.value.code == "table.unknown_column" and err.value.params["column"] == "Nope"
    assert str(path) in err.value.text("de")


def test_stand_dates_are_text(tmp_path):
    csv_path = write(tmp_path, "AGS;Gemeinde;Einwohner;Stand\n"
                               "14522010;Altmittweida;2.012;31.12.2023\n"
                               "14522020;Augustusburg;4.567;31.12.2023\n")
    xlsx_path = xlsx(tmp_path, [["AGS", "Gemeinde", "Einwohner", "Stand"],
                                ["14522010", "Altmittweida", 2012, datetime.datetime(2023, 12, 31)],
                                ["14522020", "Augustusburg", 4567, "31.12.2023"]])
    for path in (csv_path, xlsx_path):
        t = read_table(path)
        assert t.value_columns == ["Einwohner"], path
        assert t.values["Einwohner"].tolist() == [2012.0, 4567.0]
        assert t.texts == {"Stand": ["31.12.2023", "31.12.2023"]}
        assert [n.params["columns"] for n in t.notices if n.code == "table.text_columns"] == [
            "'Stand'"]


def test_comma_file_that_is_plain_is_read_as_plain(tmp_path):
    path = write(tmp_path, "AGS,Wert\n14522450,1\n,,\n")
    assert detect_layout(path) == "genesis-csv"  # ',,' looks like a GENESIS header row
    assert read_table(path).keys == ["14522450"]


def test_unsupported_format(tmp_path):
    with pytest.raises(GeosozialError) as err:
        read_table(write(tmp_path, "x", name="alt.xls"))
    assert err.value.code == "table.format"


def test_key_repairs_only_when_unambiguous():
    r = KeyRepairs("a.xlsx")
    assert r.key(1001) == "01001"  # Kreis, zero restored
    assert r.key(14522) == "14522"
    assert r.key(91620000000) == "091620000000"  # ARS
    assert r.key(10515163) == "10515163"  # AGS of Land 10 or Verband of Land 01: kept
    assert r.key(1.5) == "1.5"
    assert len(r.repaired) == 2 and len(r.ambiguous) == 2


def test_sniffers():
    assert sniff_delimiter("AGS;Name,Zusatz;Wert") == ";"
    assert sniff_delimiter("a,b,c") == "," and sniff_delimiter("a\tb") == "\t"
    assert sniff_decimal(["1.234"]) == "," and sniff_decimal(["3.5"]) == "."
    assert sniff_decimal(["3.5"], ",") == "."


@pytest.mark.parametrize("code", [
    "table.empty", "table.no_rows", "table.no_key_column", "table.bad_cell", "table.field_count",
    "table.duplicate_column", "table.missing_key", "table.no_sheet", "table.key_repaired",
    "table.key_ambiguous", "table.format", "genesis.delimiter", "genesis.replacement",
])
def test_messages_exist_in_both_languages(code):
    params = {"file": "a.csv", "line": 1, "column": "c", "text": "t", "found": 1, "expected": 2,
              "label": "l", "wanted": "w", "columns": "c", "sheet": "s", "sheets": "s",
              "count": 1, "examples": "e", "suffix": ".xls", "de_name": "Komma",
              "en_name": "commas"}
    de, en = render(code, params, "de"), render(code, params, "en")
    assert de != en and "a.csv" in de and "a.csv" in en and "{" not in de + en
