"""Plain CSV / XLSX tables with a key column, and the read_table dispatcher."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from geosozial.core.tables.plain import (
    KeyRepairs,
    read_plain_csv,
    read_plain_xlsx,
    sniff_decimal,
    sniff_delimiter,
)
from geosozial.core.tables.read import detect_layout, read_table
from geosozial.core.messages import GeosozialError, render


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
    assert t.keys.tolist() == ["01001000", "14522450"]  # leading zero kept
    assert t.frame["name"].tolist() == ["Flensburg", "Roßwein"]
    assert t.value_columns == ["Quote", "Einwohner"]
    assert t.value("01001000", "Quote") == 12.5 and t.value("01001000", "Einwohner") == 89504.0
    assert t.value("14522450", "Quote") == 0.0 and t.flag("14522450", "Quote") == "-"
    assert math.isnan(t.value("14522450", "Einwohner")) and t.flag("14522450", "Einwohner") == "."
    assert t.lines == [2, 3] and t.meta["key_column"] == "AGS"


def test_comma_and_tab_delimited(tmp_path):
    t = read_plain_csv(write(tmp_path, 'ars,name,rate\n010010000000,"Flensburg, Stadt",0.25\n'))
    assert t.keys.tolist() == ["010010000000"] and t.value("010010000000", "rate") == 0.25
    assert t.frame["name"].item() == "Flensburg, Stadt" and t.meta["delimiter"] == ","
    t = read_plain_csv(write(tmp_path, "Kennziffer\tWert\n09162\t1,5\n", name="tab.txt"))
    assert t.keys.tolist() == ["09162"] and t.value("09162", "Wert") == 1.5


@pytest.mark.parametrize("column", ["AGS", "ags", "ARS", "Schlüssel", "Gemeindeschlüssel",
                                    "RS", "kennziffer"])
def test_key_column_detected_case_insensitive(tmp_path, column):
    t = read_plain_csv(write(tmp_path, f"Name;{column};x\nDöbeln;14522080;1\n"))
    assert t.keys.tolist() == ["14522080"] and t.meta["key_column"] == column
    assert t.frame["name"].item() == "Döbeln" and t.value_columns == ["x"]


def test_key_and_name_column_given(tmp_path):
    path = write(tmp_path, "Nr;Ort;Kinder\n14522450;Roßwein;(12)\n")
    t = read_table(path, key_column="nr", name_column="Ort")
    assert t.keys.tolist() == ["14522450"] and t.frame["name"].item() == "Roßwein"
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
    assert math.isnan(t.frame["Wert"].iloc[0]) and t.flags["Wert"].iloc[0] == ""


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
    assert t.keys.tolist() == ["14522450", "01001000", "09162000"]
    assert t.value("01001000", "Einwohner") == 89504.0
    assert t.flag("14522450", "SGB II") == "-" and t.value("14522450", "SGB II") == 0.0
    assert t.value("09162000", "SGB II") == 12.5
    assert t.lines == [2, 3, 5]
    assert [n.code for n in t.notices] == ["table.key_repaired"]
    other = read_plain_xlsx(path, sheet="Zweites")
    assert other.keys.tolist() == ["09162000"] and other.meta["key_column"] == "Schlüssel"
    assert read_table(path, sheet=1).value("09162000", "Wert") == 7.0
    with pytest.raises(GeosozialError) as err:
        read_table(path, sheet="Fehlt")
    assert err.value.code == "table.no_sheet" and "Daten, Zweites" in str(err.value)


def test_plain_xlsx_bad_cell(tmp_path):
    path = xlsx(tmp_path, [["ARS", "Wert"], ["145220450450", "viel"]])
    with pytest.raises(GeosozialError) as err:
        read_plain_xlsx(path)
    assert err.value.code == "table.bad_cell"
    assert err.value.params["line"] == 2 and err.value.params["text"] == "viel"


def test_comma_file_that_is_plain_is_read_as_plain(tmp_path):
    path = write(tmp_path, "AGS,Wert\n14522450,1\n,,\n")
    assert detect_layout(path) == "genesis-csv"  # ',,' looks like a GENESIS header row
    assert read_table(path).keys.tolist() == ["14522450"]


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
