"""Hostile indicator tables: numbers, encodings, broken files and large tables read right.

Every test feeds one hostile table to the readers and asserts one of two outcomes:

- refused: a :class:`GeosozialError` (never another exception) whose German and English
  text name the file and the line, column, key or cells concerned;
- read: the right values, with the notice that says what was repaired.

In both cases the input file's bytes are unchanged (hash before and after).
"""

from __future__ import annotations

import codecs
import gc
import hashlib
import random
import weakref
import zipfile
from pathlib import Path

import numpy as np
import pytest

from geosozial.core.join import join_table
from geosozial.core.messages import GeosozialError, render
from geosozial.core.sozialraum import read_mapping
from geosozial.core.symbols import parse_cell
from geosozial.core.tables.cells import parse_column, parse_value
from geosozial.core.tables.genesis import read_genesis_csv, read_genesis_xlsx
from geosozial.core.tables.plain import build_plain_table, read_plain_csv, read_plain_xlsx
from geosozial.core.tables.read import detect_layout, read_table
from geosozial.core.tables.textfile import decode_table_bytes
from geosozial.core.tables.xlsx import read_workbook, sheet_names, write_minimal_xlsx

SETTLE = "--decimal , | ."


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write(tmp_path: Path, name: str, data: str | bytes, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode(encoding) if isinstance(data, str) else data)
    return path


def refused(path: Path, code: str, *needles: str, reader=read_table, **kwargs) -> GeosozialError:
    """Read ``path``: it must fail with ``code``; both languages name the file and ``needles``."""
    before = digest(path)
    with pytest.raises(GeosozialError) as info:
        reader(path, **kwargs)
    err = info.value
    assert err.code == code, (err.code, err.text())
    de, en = err.text("de"), err.text("en")
    assert str(path) in de and str(path) in en, de
    for needle in needles:
        assert needle in de and needle in en, (needle, de, en)
    assert "{" not in de + en
    assert digest(path) == before
    return err


def read_ok(path: Path, reader=read_table, **kwargs):
    before = digest(path)
    table = reader(path, **kwargs)
    assert digest(path) == before
    return table


def notice(table, code: str):
    found = [n for n in table.notices if n.code == code]
    assert len(found) == 1, [n.code for n in table.notices]
    return found[0]


def with_sheet_xml(path: Path, sheet_xml: str) -> Path:
    """Replace the first worksheet of the workbook at ``path`` with ``sheet_xml``."""
    data = {}
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            data[name] = z.read(name)
    data["xl/worksheets/sheet1.xml"] = sheet_xml.encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in data.items():
            z.writestr(name, content)
    return path


SHEET_HEAD = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
              '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')


def inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


# --------------------------------------------------------------------------- numbers


def test_thousands_dot_next_to_a_dot_decimal_column_is_refused_and_settled(tmp_path):
    """The issue's case: 1.560 (thousands) in a ';' file whose other column has 8.1."""
    path = write(tmp_path, "quote.csv", "AGS;Name;Quote;Einwohner\n"
                                        "14522450;Roßwein;8.1;1.560\n"
                                        "14522080;Döbeln;12.4;2.012\n")
    err = refused(path, "table.decimal_ambiguous", "'Einwohner'", "'1.560'", "'Quote'", SETTLE)
    assert err.params["line"] == 2 and "Zeile 2" in err.text("de") and "line 2" in err.text("en")
    assert "1560" in err.text("de") and "1.560" in err.text("en")
    german = read_ok(path, decimal=",")
    assert german.values["Einwohner"].tolist() == [1560.0, 2012.0]
    assert german.values["Quote"].tolist() == [8.1, 12.4]  # no dot group: one reading only
    dot = read_ok(path, decimal=".")
    assert dot.values["Einwohner"].tolist() == [1.56, 2.012]
    with pytest.raises(GeosozialError) as info:  # the plain reader refuses the same way
        read_plain_csv(path)
    assert info.value.code == "table.decimal_ambiguous"


def test_dot_decimals_in_the_same_column_decide_it(tmp_path):
    path = write(tmp_path, "punkt.csv", "AGS;Quote\n14522450;8.1\n14522080;1.560\n")
    table = read_ok(path)
    assert table.values["Quote"].tolist() == [8.1, 1.56]
    assert not [n for n in table.notices if n.code == "table.thousands"]


def test_german_files_keep_their_reading(tmp_path):
    """Unambiguous German evidence: 1.560 is 1560 (another column writes 12,5)."""
    path = write(tmp_path, "de.csv", "AGS;Quote;Einwohner;Betrag\n"
                                     "14522450;12,5;1.560;1.234,5\n"
                                     "14522080;-;2.012;7.000\n", encoding="cp1252")
    table = read_ok(path)
    assert table.values["Einwohner"].tolist() == [1560.0, 2012.0]
    assert table.values["Betrag"].tolist() == [1234.5, 7000.0]
    assert table.values["Quote"].tolist() == [12.5, 0.0] and table.flags["Quote"] == ["", "-"]
    warning = notice(table, "table.thousands")  # Einwohner: read with a thousands dot
    assert warning.params["column"] == "Einwohner" and warning.params["value"] == "1560"
    assert str(path) in warning.text("de") and "--decimal ." in warning.text("de")


def test_column_mixing_decimal_comma_and_point_is_refused(tmp_path):
    path = write(tmp_path, "gemischt.csv", "AGS;Quote\n14522450;8.1\n14522080;12,5\n")
    err = refused(path, "table.decimal_mixed", "'Quote'", "'12,5'", "'8.1'", SETTLE)
    assert err.params["german_line"] == 3 and err.params["english_line"] == 2
    assert read_ok(path, decimal=",").values["Quote"].tolist() == [8.1, 12.5]


def test_comma_group_in_a_comma_separated_file_is_refused(tmp_path):
    path = write(tmp_path, "komma.csv", 'AGS,Quote\n14522450,"12,5"\n14522080,"1,250"\n')
    err = refused(path, "table.decimal_comma_file", "'Quote'", "'1,250'", SETTLE)
    assert err.params["line"] == 3 and "Zeile 3" in err.text("de")
    assert read_ok(path, decimal=".").values["Quote"].tolist() == [12.5, 1250.0]
    assert read_ok(path, decimal=",").values["Quote"].tolist() == [12.5, 1.25]


def test_comma_group_next_to_a_dot_decimal_column_is_refused(tmp_path):
    path = write(tmp_path, "semi.csv", "AGS;Anteil;Faelle\n14522450;0.5;1,250\n")
    refused(path, "table.decimal_ambiguous", "'Faelle'", "'1,250'", "'Anteil'", SETTLE)


def test_thousands_dot_in_xlsx_text_cells_is_refused_too(tmp_path):
    path = tmp_path / "text.xlsx"
    write_minimal_xlsx(path, [["AGS", "Quote", "Einwohner"], ["14522450", "8.1", "1.560"],
                              ["14522080", 3.5, 2012]])
    refused(path, "table.decimal_ambiguous", "'Einwohner'", "'1.560'", SETTLE)
    table = read_ok(path, decimal=",")
    assert table.values["Einwohner"].tolist() == [1560.0, 2012.0]


def test_genesis_table_with_dot_decimals_next_to_thousands_dot_is_refused(tmp_path):
    path = write(tmp_path, "genesis.csv", "GENESIS-Tabelle: 12411-0001\nTitel\n"
                                          ";;Quote;Einwohner\n"
                                          "14522450;Roßwein;8.1;1.560\n"
                                          "14522080;Döbeln;3.5;2.000\n")
    refused(path, "table.decimal_ambiguous", "'Einwohner'", "'1.560'", SETTLE)
    table = read_ok(path, reader=read_genesis_csv, decimal=",")
    assert table.values["Einwohner"].tolist() == [1560.0, 2000.0]


@pytest.mark.parametrize("text", ["inf", "-Infinity", "nan", "NaN", "1e999", "9" * 400])
def test_non_finite_values_are_refused(tmp_path, text):
    path = write(tmp_path, "inf.csv",
                 f"AGS;Name;Wert\n14522450;Roßwein;1\n14522080;Döbeln;{text}\n")
    err = refused(path, "table.not_finite", "'Wert'")
    assert err.params["line"] == 3 and "Zeile 3" in err.text("de") and "line 3" in err.text("en")
    assert len(err.text("de")) < 600  # a 400-digit number is cut in the message


def test_non_finite_numbers_in_xlsx_cells_are_refused(tmp_path):
    path = tmp_path / "nan.xlsx"
    write_minimal_xlsx(path, [["AGS", "Wert"], ["14522450", 1.0]])
    with_sheet_xml(path, SHEET_HEAD + '<sheetData><row r="1">' + inline("A1", "AGS")
                   + inline("B1", "Wert") + '</row><row r="2">' + inline("A2", "14522450")
                   + '<c r="B2"><v>NaN</v></c></row></sheetData></worksheet>')
    err = refused(path, "table.not_finite", "'Wert'")
    assert err.params["line"] == 2


def test_unknown_decimal_option_is_named(tmp_path):
    path = write(tmp_path, "a.csv", "AGS;Wert\n14522450;1\n")
    with pytest.raises(GeosozialError) as info:
        read_table(path, decimal=";")
    assert info.value.code == "table.decimal_option" and SETTLE in info.value.text("en")


# --------------------------------------------------------------------------- XLSX


def test_formula_cells_without_cached_values_are_named(tmp_path):
    path = tmp_path / "formeln.xlsx"
    write_minimal_xlsx(path, [["AGS", "Wert"]])
    rows = "".join(f'<row r="{r}">{inline(f"A{r}", f"1452245{r}")}<c r="B{r}"><f>C{r}*2</f></c>'
                   f'<c r="C{r}"><v>{r}</v></c></row>' for r in range(2, 10))
    with_sheet_xml(path, SHEET_HEAD + '<sheetData><row r="1">' + inline("A1", "AGS")
                   + inline("B1", "Wert") + "</row>" + rows + "</sheetData></worksheet>")
    err = refused(path, "table.formula_uncached", "'Tabelle1'", "B2, B3", "LibreOffice", "Excel")
    assert err.params["count"] == 8 and "8" in err.text("de")
    refused(path, "table.formula_uncached", "B2", reader=read_plain_xlsx)
    refused(path, "table.formula_uncached", "B2", reader=read_genesis_xlsx)
    assert read_workbook(path)["Tabelle1"][1][1][1] is None  # openpyxl parity kept


def test_cached_formula_values_are_read(tmp_path):
    path = tmp_path / "gerechnet.xlsx"
    write_minimal_xlsx(path, [["AGS", "Wert"]])
    with_sheet_xml(path, SHEET_HEAD + '<sheetData><row r="1">' + inline("A1", "AGS")
                   + inline("B1", "Wert") + '</row><row r="2">' + inline("A2", "14522450")
                   + '<c r="B2"><f>1+1</f><v>2</v></c></row></sheetData></worksheet>')
    assert read_ok(path).value("14522450", "Wert") == 2.0


@pytest.mark.parametrize("reader", [read_table, read_plain_xlsx, read_genesis_xlsx, detect_layout,
                                    sheet_names, read_workbook])
def test_csv_renamed_xlsx_is_named_by_every_reader(tmp_path, reader):
    path = write(tmp_path, "tabelle.xlsx", "AGS;Wert\n14522450;1\n")
    refused(path, "table.not_xlsx", "XLSX", reader=reader)


def test_truncated_workbook_is_not_a_traceback(tmp_path):
    whole = tmp_path / "ganz.xlsx"
    write_minimal_xlsx(whole, [["AGS", "Wert"], ["14522450", 1]])
    data = whole.read_bytes()
    for cut in (30, 300, len(data) // 2, len(data) - 30):
        path = write(tmp_path, f"cut{cut}.xlsx", data[:cut])
        refused(path, "table.not_xlsx")


def test_workbook_renamed_csv_is_read_as_workbook(tmp_path):
    path = tmp_path / "tabelle.csv"
    write_minimal_xlsx(path, [["AGS", "Wert"], ["14522450", 7]])
    table = read_ok(path)
    assert table.value("14522450", "Wert") == 7.0 and table.meta["layout"] == "plain-xlsx"
    assert str(path) in notice(table, "table.xlsx_content").text("en")


def test_empty_sheet_and_header_only_sheet(tmp_path):
    path = tmp_path / "leer.xlsx"
    write_minimal_xlsx(path, {"Daten": [["AGS", "Wert"], ["14522450", 1]], "Leer": [],
                              "Kopf": [["AGS", "Wert"]]})
    refused(path, "table.empty_sheet", "'Leer'", sheet="Leer")
    refused(path, "table.no_rows", sheet="Kopf")
    assert read_ok(path, sheet="Daten").value("14522450", "Wert") == 1.0


# --------------------------------------------------------------------------- encodings


def test_one_latin1_line_in_a_utf8_file_damages_only_that_line(tmp_path):
    data = ("AGS;Empfänger;Wert\n14522450;Müller;1\n".encode()
            + "14522080;Jörg;2\n".encode("latin-1") + "14522010;Schäfer;3\n".encode())
    path = write(tmp_path, "gemischt.csv", data)
    table = read_ok(path, columns=["Wert"])
    assert table.meta["encoding"] == "utf-8"
    assert table.text_columns == ["Empfänger"]  # not 'EmpfÃ¤nger'
    assert table.texts["Empfänger"] == ["Müller", "J\ufffdrg", "Schäfer"]
    warning = notice(table, "table.bad_bytes")
    assert warning.params["lines"] == "3" and warning.params["count"] == 1
    assert "Zeile 3" in warning.text("de") and "line 3" in warning.text("en")


def test_cp1252_throughout_stays_cp1252(tmp_path):
    path = write(tmp_path, "ansi.csv", "AGS;Empfänger;Wert\n14522450;Müller;1\n14522080;Jörg;2\n",
                 encoding="cp1252")
    table = read_ok(path)
    assert table.meta["encoding"] == "cp1252"
    assert table.text_columns == ["Empfänger"] and table.texts["Empfänger"][1] == "Jörg"
    assert not [n for n in table.notices if n.code in ("table.bad_bytes", "table.mixed_encoding")]


def test_one_utf8_line_in_a_cp1252_file_is_reported(tmp_path):
    data = ("AGS;Name;Wert\n14522450;Müller;1\n14522080;Jörg;2\n14522010;Bärbel;3\n"
            .encode("cp1252") + "14522020;Schäfer;4\n".encode())
    path = write(tmp_path, "ansi_utf8.csv", data)
    table = read_ok(path)
    assert table.meta["encoding"] == "cp1252" and table.names[0] == "Müller"
    warning = notice(table, "table.mixed_encoding")
    assert warning.params["lines"] == "5" and "Zeile 5" in warning.text("de")


@pytest.mark.parametrize("codec, bom", [("utf-16-le", True), ("utf-16-le", False),
                                        ("utf-16-be", True), ("utf-16-be", False),
                                        ("utf-8", True)])
def test_unicode_exports_with_and_without_bom(tmp_path, codec, bom):
    """Excel's "Unicode-Text" is UTF-16 LE with BOM and tab-separated."""
    text = "AGS\tGemeinde\tQuote\n14522450\tRoßwein\t12,5\n14522080\tDöbeln\t-\n"
    marks = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE,
             "utf-8": codecs.BOM_UTF8}
    path = write(tmp_path, "unicode.txt", (marks[codec] if bom else b"") + text.encode(codec))
    table = read_ok(path)
    assert table.keys == ["14522450", "14522080"] and table.names == ["Roßwein", "Döbeln"]
    assert table.values["Quote"].tolist() == [12.5, 0.0]
    assert table.meta["encoding"] == codec and table.meta["delimiter"] == "\t"


def test_encoding_override_keeps_working_and_is_checked(tmp_path):
    path = write(tmp_path, "bom.csv", b"\xef\xbb\xbfAGS;Wert\n14522450;1\n")
    assert read_ok(path, encoding="utf-8").keys == ["14522450"]  # the BOM is no part of 'AGS'
    ansi = write(tmp_path, "ansi.csv", "AGS;Name;Wert\n14522450;Roßwein;1\n", encoding="cp1252")
    refused(ansi, "table.encoding", "utf-8", encoding="utf-8")
    refused(ansi, "table.encoding", "klingonisch", encoding="klingonisch")
    assert read_ok(ansi, encoding="latin-1").names == ["Roßwein"]


def test_invisible_characters_in_key_cells_are_removed_and_reported(tmp_path):
    path = write(tmp_path, "bom_keys.csv", "AGS;Wert\n\ufeff14522450;1\n14522080\u200b;2\n"
                                          "14522\u00a0010;3\n\u2060 14522020;4\n14522030;5\n")
    table = read_ok(path)
    assert table.keys == ["14522450", "14522080", "14522010", "14522020", "14522030"]
    repair = notice(table, "table.key_invisible")
    assert repair.severity == "repair" and repair.params["count"] == 4
    assert repair.params["line"] == 2 and "\\ufeff14522450" in repair.text("de")
    result = join_table(["14522450", "14522080", "14522010", "14522020", "14522030"],
                        list("ABCDE"), table)
    assert result.report.matched == 5
    assert not result.report.table_only and not result.report.areas_only


def test_invisible_characters_in_genesis_and_mapping_keys(tmp_path):
    genesis = write(tmp_path, "genesis.csv", "GENESIS-Tabelle: 12411-0001\nTitel\n"
                                             ";;männlich;weiblich\n"
                                             "\ufeff14522450;Roßwein;1;2\n"
                                             "14522080\u200d;Döbeln;3;4\n")
    table = read_ok(genesis)
    assert table.keys == ["14522450", "14522080"]
    assert notice(table, "table.key_invisible").params["count"] == 2
    mapping = write(tmp_path, "sozialraeume.csv",
                    "AGS;Sozialraum\n\ufeff14522450;Nord\n14522080\u200b;Süd\n")
    before = digest(mapping)
    m = read_mapping(mapping)
    assert m.assignment == {"14522450": "Nord", "14522080": "Süd"}
    assert [n.code for n in m.notices] == ["map.repaired"] and m.notices[0].params["n"] == 2
    assert digest(mapping) == before
    utf16 = write(tmp_path, "sozialraeume16.csv", "AGS;Sozialraum\n14522450;Süd\n",
                  encoding="utf-16")
    assert read_mapping(utf16).assignment == {"14522450": "Süd"}


# --------------------------------------------------------------------------- broken files


def test_csv_cell_over_128_kb_is_read_or_named(tmp_path):
    big = "Ä" * 200_000
    path = write(tmp_path, "gross.csv", f"AGS;Name;Bemerkung;Wert\n14522450;Roßwein;{big};1\n")
    table = read_ok(path)
    assert table.value("14522450", "Wert") == 1.0 and len(table.texts["Bemerkung"][0]) == 200_000
    bad = write(tmp_path, "gross_wert.csv", f"AGS;Wert\n14522450;1\n14522080;{'x' * 200_000}\n"
                                             "14522010;2\n")
    err = refused(bad, "table.bad_cell", "'Wert'", columns=["Wert"])
    assert err.params["line"] == 3 and len(err.text("de")) < 400
    genesis = write(tmp_path, "gross_genesis.csv", "GENESIS-Tabelle: 1\nTitel\n;;a;b\n"
                                                   f"14522450;{big};1;2\n")
    assert read_ok(genesis).value("14522450", "a") == 1.0


def test_unclosed_quotation_mark_is_named(tmp_path):
    path = write(tmp_path, "quote.csv", 'AGS;Name;Wert\n14522450;"Roßwein;1\n14522080;Döbeln;2\n'
                                        "14522010;Hartha;3\n")
    err = refused(path, "table.open_quote", "2")
    assert err.params["line"] == 2


def test_quoted_line_breaks_are_reported_with_their_lines(tmp_path):
    path = write(tmp_path, "umbruch.csv", 'AGS;Name;Wert\n14522450;"Roß\nwein";1\n'
                                          "14522080;Döbeln;2\n")
    table = read_ok(path)
    assert table.lines == [2, 4] and table.values["Wert"].tolist() == [1.0, 2.0]
    warning = notice(table, "table.multiline")
    assert warning.params["line"] == 2 and warning.params["end"] == 3


def test_truncated_csv_names_the_cut_line(tmp_path):
    path = write(tmp_path, "abgeschnitten.csv", "AGS;Name;Wert\n14522450;Roßwein;1\n14522080;Dö")
    err = refused(path, "table.field_count", "3")
    assert err.params == {"file": str(path), "line": 3, "found": 2, "expected": 3}


@pytest.mark.parametrize("name, data, code", [
    ("gemeinden.csv", b"SQLite format 3\x00" + bytes(200), "table.binary_sqlite"),
    ("alt.csv", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(200), "table.binary_xls"),
    ("nul.csv", b"AGS;Wert\n14522450;1\n14522080;2\x00\n", "table.binary"),
    ("muell.csv", bytes(range(256)) * 8, "table.binary"),
    ("leer.csv", b"", "table.empty"),
    ("leerzeilen.csv", b"\n \r\n\t\n", "table.empty"),
    ("kopf.csv", b"AGS;Wert\n", "table.no_rows"),
])
def test_files_that_are_no_table(tmp_path, name, data, code):
    path = write(tmp_path, name, data)
    err = refused(path, code)
    if name == "nul.csv":
        assert err.params["line"] == 3


def test_zip_without_a_table_and_missing_or_folder_paths(tmp_path):
    path = tmp_path / "archiv.csv"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("liesmich.txt", "nichts")
    refused(path, "table.zip_content", "liesmich.txt")
    with pytest.raises(GeosozialError) as info:
        read_table(tmp_path / "fehlt.csv")
    assert info.value.code == "table.unreadable" and "fehlt.csv" in info.value.text("en")
    folder = tmp_path / "ordner.csv"
    folder.mkdir()
    with pytest.raises(GeosozialError) as info:
        read_table(folder)
    assert info.value.code == "table.unreadable" and "ordner.csv" in info.value.text("de")


def test_fuzzed_tables_give_messages_not_tracebacks(tmp_path):
    """Truncated, bit-flipped and spliced copies of valid tables: a message or a table."""
    workbook = tmp_path / "vorlage.xlsx"
    write_minimal_xlsx(workbook, [["AGS", "Name", "Wert"], ["14522450", "Roßwein", 1.5],
                                  ["14522080", "Döbeln", "(12)"]])
    sources = {
        "x.xlsx": workbook.read_bytes(),
        "p.csv": "AGS;Name;Wert;Quote\n14522450;Roßwein;1.234;12,5\n14522080;Döbeln;-;x\n"
                 .encode(),
        "g.csv": "GENESIS-Tabelle: 12411-0001\nTitel\n;;männlich;weiblich\n"
                 "14522450;Roßwein;1;2\n__________\nStand: 01.01.2020\n".encode("cp1252"),
        "f.csv": (b"statistics_code;time;1_variable_code;1_variable_attribute_code;"
                  b"1_variable_attribute_label;value;value_q\n"
                  b"12411;2018;KREISE;14522;Mittelsachsen;305123;e\n"),
    }
    rng = random.Random(20240601)
    outcomes = {"ok": 0, "refused": 0}
    for name, data in sources.items():
        for k in range(40):
            mutated = bytearray(data)
            kind = k % 4
            if kind == 0:
                mutated = mutated[:rng.randrange(len(mutated))]
            elif kind == 1:
                for _ in range(rng.randint(1, 8)):
                    mutated[rng.randrange(len(mutated))] = rng.randrange(256)
            elif kind == 2:
                at = rng.randrange(len(mutated))
                mutated[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 40)))
            else:
                mutated += mutated[: rng.randrange(len(mutated))]
            path = write(tmp_path, f"{k}_{name}", bytes(mutated))
            before = digest(path)
            try:
                read_table(path)
                outcomes["ok"] += 1
            except GeosozialError as err:
                assert str(path) in err.text("de") and str(path) in err.text("en"), err.text()
                outcomes["refused"] += 1
            assert digest(path) == before
    assert outcomes["refused"] > 20 and outcomes["ok"] > 5, outcomes


# --------------------------------------------------------------------------- large tables


def test_bulk_parsing_agrees_with_parse_cell_cell_by_cell():
    """The fast column path gives exactly the values and flags of parse_cell (both marks)."""
    rng = random.Random(7)
    pool = ["-", ".", "x", "/", "...", "–", "", " ", "(12)", "345p", "12 r", "1.234", "12,5",
            "1.234,5", "0.125", "1.234.567", "007", "+3", "-0", "12.", ".5", "1e3", "٣",
            "12\u00a0345", " 7 ", "1 234", "--1", "1,2,3"]

    def cell() -> str:
        r = rng.random()
        if r < 0.5:
            return str(rng.randint(-10**9, 10**9))
        if r < 0.7:
            return f"{rng.randint(0, 999)}.{rng.randint(0, 999):03d}"
        if r < 0.8:
            return f"{rng.randint(0, 10**6)},{rng.randint(0, 99)}"
        if r < 0.9:
            return f"{rng.randint(0, 10**6)}.{rng.randint(0, 99)}"
        return rng.choice(pool)

    cells = [cell() for _ in range(20_000)]
    for decimal in (",", "."):
        parsed = parse_column(cells, decimal, source="s", column="c",
                              lines=range(2, 20_002))
        for row, text in enumerate(cells):
            try:
                want = parse_value(text, source="s", line=row + 2, column="c", decimal=decimal)
            except GeosozialError:
                continue
            got = (parsed.values[row], parsed.flags[row])
            assert (got[0] == want[0] or (np.isnan(got[0]) and np.isnan(want[0]))) \
                and got[1] == want[1], (decimal, text, got, want)
        assert parsed.values[cells.index("1.234")] == parse_cell("1.234", decimal)[0]


def test_large_table_reads_in_columns_with_right_lines(tmp_path):
    """A 30,000-row file with a blank line and symbols: values, flags and lines right."""
    rows = [f"{14000000 + i};Gemeinde {i};{i * 1000 + 7:,};{i % 97},5;{'x' if i % 50 else i}"
            .replace(",", ".", 1 if i < 1000 else 2) for i in range(1, 30_001)]
    rows.insert(100, "")
    path = write(tmp_path, "gross.csv", "AGS;Name;Einwohner;Quote;Faelle\n" + "\n".join(rows)
                 + "\n")
    table = read_ok(path)
    assert len(table) == 30_000 and table.lines[99] == 101 and table.lines[100] == 103
    assert table.value("14000150", "Einwohner") == 150007.0
    assert table.value("14012345", "Einwohner") == 12345007.0
    assert table.value("14000150", "Quote") == 53.5
    assert table.flag("14000151", "Faelle") == "x" and table.value("14000150", "Faelle") == 150.0
    rows_table = build_plain_table(["AGS", "Quote"], [(2, ["14000001", "1,5"])], source="s",
                                   decimal=None)
    assert rows_table.value("14000001", "Quote") == 1.5


def test_reading_keeps_no_caller_alive(tmp_path):
    """No reference cycle holds the callers' frames: an output a caller holds (a QGIS
    feature sink) is closed when the caller returns, not at the next cyclic collection."""
    csv_path = write(tmp_path, "text.csv", "AGS;Gemeinde;Landkreis;Wert;Bemerkung\n"
                                          "14522450;Roßwein;Mittelsachsen;1;vorläufig\n")
    xlsx_path = tmp_path / "text.xlsx"
    write_minimal_xlsx(xlsx_path, [["AGS", "Landkreis", "Wert"], [14522450, "Mittelsachsen", 1]])

    class Output:
        pass

    def door(path: Path) -> weakref.ref:
        output = Output()
        table = read_table(path)
        join_table(["14522450"], ["Roßwein"], table)
        return weakref.ref(output)

    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for path in (csv_path, xlsx_path):
            assert door(path)() is None, path
    finally:
        if was_enabled:
            gc.enable()


# --------------------------------------------------------------------------- messages


@pytest.mark.parametrize("code", [
    "table.decimal_ambiguous", "table.decimal_mixed", "table.decimal_comma_file",
    "table.not_finite", "table.formula_uncached", "table.bad_bytes", "table.mixed_encoding",
    "table.binary", "table.binary_sqlite", "table.binary_xls", "table.binary_zip",
    "table.key_invisible", "table.csv_syntax", "table.open_quote", "table.multiline",
    "table.unreadable", "table.unreadable_content", "table.empty_sheet", "table.xlsx_content",
    "table.zip_content", "table.thousands",
])
def test_new_messages_exist_in_both_languages(code):
    params = {"file": "a.csv", "line": 3, "column": "c", "example": "1.560", "thousands": "1560",
              "decimal_de": "1,560", "decimal_en": "1.560", "evidence_column": "q",
              "evidence_line": 2, "evidence": "8.1", "german": "12,5", "german_line": 2,
              "english": "8.1", "english_line": 3, "text": "inf", "sheet": "s", "count": 2,
              "cells": "B2, B3", "lines": "3", "encoding": "utf-8", "reason": "r", "end": 4,
              "members": "x.txt", "value": "1560"}
    de, en = render(code, params, "de"), render(code, params, "en")
    assert de != en and "a.csv" in de and "a.csv" in en and "{" not in de + en


def test_decoder_examples_directly():
    assert decode_table_bytes(b"\xff\xfeA\x00").text == "A"
    assert decode_table_bytes("Döbeln".encode("utf-16-be")).encoding == "utf-16-be"
    damaged = decode_table_bytes(b"\xff\xfeA\x00B")  # odd length: the last byte is damaged
    assert damaged.text.startswith("A") and damaged.notices[0].code == "table.bad_bytes"
