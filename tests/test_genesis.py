"""GENESIS / Regionalstatistik readers: the four real exports, a flat-file fixture, edge cases.

The real exports are read from ``../shared/data/genesis`` (never copied here).

``fixtures/tables/12411-02-03-4_de_flat.csv`` is hand-made in the current GENESIS flat-file
layout (ffcsv, ``statistics_code;...;1_variable_attribute_code;...;value;value_unit;
value_variable_code;value_variable_label;value_q``, as described in Destatis' 2024
announcement of the new format and shown in public examples such as wahlatlas/genesis and
Zensus 2022 downloads). Its numbers are the 31.12.2018 values of the classic Kreis export
(01001, 14522, 14612 by sex; 14161 '-'; Berlin-Mitte '.'), rows deliberately unsorted, and
the Berlin district under a second regional variable (GEMEIN) as in mixed-level exports.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from geosozial.core.messages import GeosozialError
from geosozial.core.tables.genesis import (
    footer_meta,
    is_flat_header,
    read_genesis_csv,
    read_genesis_flat,
    read_genesis_xlsx,
)
from geosozial.core.tables.read import detect_layout, read_table

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "genesis"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "tables"
KREISE = DATA / "regionalstatistik_12411-02-03-5-B_kreise_2018_classic.csv"
DEATHS = DATA / "genesis_destatis_12613-0004.csv"
DAMAGED = DATA / "genesis_destatis_12411-0006.csv"
XLSX = DATA / "regionalstatistik_13111-01-03-4_kreise_2019.xlsx"

needs_data = pytest.mark.skipif(not DATA.is_dir(), reason="../shared/data not available")


def write(tmp_path: Path, text: str, name: str = "t.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def only_row(table, key: str) -> int:
    """The position of the one row with ``key`` (fails if there is none or more than one)."""
    rows = [i for i, k in enumerate(table.keys) if k == key]
    assert len(rows) == 1, rows
    return rows[0]


# --------------------------------------------------------------------------- Kreis file


@pytest.fixture(scope="module")
def kreise():
    return read_genesis_csv(KREISE)


@needs_data
def test_kreis_rows_and_keys(kreise):
    keys = kreise.keys
    # 474 Kreise (5 digits) plus 15 cities / Berlin districts with 8-digit keys
    assert len(kreise) == 489
    assert sum(len(k) == 5 for k in keys) == 474
    assert sum(len(k) == 8 for k in keys) == 15
    assert all(isinstance(k, str) for k in keys)
    assert keys[0] == "01001" and "1001" not in set(keys)
    assert {"11001001", "03241001", "16077"} <= set(keys)
    assert len(set(keys)) == len(keys)
    assert kreise.lines[0] == 10 and kreise.lines[-1] == 498


@needs_data
def test_kreis_symbols_are_value_plus_flag(kreise):
    assert list(kreise.flags) == kreise.value_columns
    values = np.column_stack([kreise.values[c] for c in kreise.value_columns])
    flags = np.column_stack([np.asarray(kreise.flags[c], dtype=object)
                             for c in kreise.value_columns])
    assert values.shape == flags.shape == (489, 54)
    assert kreise.count_flags("-") == 3942
    assert kreise.count_flags(".") == 648
    assert (values[flags == "-"] == 0.0).all()  # '-' is zero, not missing
    assert np.isnan(values[flags == "."]).all()
    assert not np.isnan(values[flags == ""]).any()
    assert set(np.unique(flags)) == {"", "-", "."}


@needs_data
def test_kreis_known_values(kreise):
    assert kreise.names[0] == "Flensburg, Kreisfreie Stadt"
    assert kreise.value("01001", "Insgesamt | Insgesamt") == 89504.0
    assert kreise.value("01001", "männlich | Insgesamt") == 44599.0
    assert kreise.value("01001", "weiblich | Insgesamt") == 44905.0
    assert kreise.value("01001", "Insgesamt | unter 3 Jahre") == 2629.0
    assert kreise.flag("01001", "Insgesamt | Insgesamt") == ""
    row = only_row(kreise, "14161")
    assert kreise.names[row] == "Chemnitz, Kreisfreie Stadt"
    assert all(flags[row] == "-" for flags in kreise.flags.values())
    assert all(kreise.values[c][row] == 0.0 for c in kreise.value_columns)


@needs_data
def test_kreis_labels_and_meta(kreise):
    labels = kreise.value_columns
    assert len(labels) == 54
    assert labels[0] == "Insgesamt | unter 3 Jahre"
    assert "männlich | Insgesamt" in labels and "weiblich | 75 Jahre und mehr" in labels
    assert not any("Altersgruppen" in label for label in labels)
    assert kreise.meta["Stand"] == "24.11.2020 / 09:48:13"
    assert kreise.meta["Stichtag"] == "31.12.2018"
    assert kreise.meta["table"] == "12411-02-03-5-B"
    assert kreise.meta["header_common"] == "Altersgruppen (unter 1 bis 75 u.m.)"
    assert kreise.meta["copyright"].startswith("© Statistische Ämter")
    assert kreise.notices == []


@needs_data
def test_kreis_footer_is_not_data(kreise):
    keys = set(kreise.keys)
    assert not any(k.startswith(("_", "01.01.", '"', "Stand", "©")) for k in keys)
    assert "01.01.2009" in kreise.meta["note"]
    assert kreise.keys[-1] == "16077"


# --------------------------------------------------------------------------- Destatis


@needs_data
def test_deaths_table_composite_key():
    t = read_genesis_csv(DEATHS)
    assert len(t) == 21 * 103
    assert t.meta["key_columns"] == "1+2"
    assert len(set(t.keys)) == len(t.keys)
    assert t.value_columns[:3] == ["männlich | Deutsche", "männlich | Ausländer",
                                   "männlich | Insgesamt"]
    # line 1088 of the file: 2010;49-Jährige;2375;122;2497;1347;51;1398;3722;173;3895
    assert t.value("2010 | 49-Jährige", "männlich | Deutsche") == 2375.0
    assert t.value("2010 | 49-Jährige", "Insgesamt | Insgesamt") == 3895.0
    assert t.names[only_row(t, "2010 | 49-Jährige")] == "49-Jährige"
    assert t.flag("2020 | Alter unbekannt", "weiblich | Ausländer") == "-"
    assert t.value("2020 | Alter unbekannt", "weiblich | Ausländer") == 0.0
    assert t.flag("2018 | 11-Jährige", "männlich | Deutsche") == "."
    assert math.isnan(t.value("2018 | 11-Jährige", "männlich | Deutsche"))
    assert t.value("2020 | Insgesamt", "Insgesamt | Insgesamt") == 985572.0
    assert t.meta["Stand"] == "17.07.2022 / 21:36:16"
    assert t.meta["copyright"] == "© Statistisches Bundesamt (Destatis), 2022"
    assert t.meta["encoding"] == "cp1252"


@needs_data
def test_damaged_encoding_warns_and_parses():
    t = read_genesis_csv(DAMAGED)
    warnings = [n for n in t.notices if n.code == "genesis.replacement"]
    assert len(warnings) == 1 and warnings[0].severity == "warning"
    assert warnings[0].params["count"] == 4375
    assert "4375" in warnings[0].text("de") and "4375" in warnings[0].text("en")
    assert DAMAGED.name in warnings[0].text("en") and "umlauts" in warnings[0].text("en")
    assert len(t) == 52 * 87
    assert t.value_columns == ["m\ufffdnnlich", "weiblich", "Insgesamt"]
    assert t.value("31.12.2021 | Insgesamt", "Insgesamt") == 83237124.0
    assert t.value("31.12.1970 | unter 1 Jahr", "m\ufffdnnlich") == 401679.0
    assert t.meta["header_common"] == "Geschlecht"


# --------------------------------------------------------------------------- XLSX


@needs_data
def test_xlsx_export():
    t = read_genesis_xlsx(XLSX)
    assert t.meta["layout"] == "genesis-xlsx" and t.meta["table"] == "13111-01-03-4"
    assert len(t) == 538  # DG, Länder, Regierungsbezirke, Kreise; 12 Stichtage as blocks
    assert len(t.value_columns) == 12 * 6
    assert t.value_columns[0] == "30.06.2019 | Insgesamt"
    assert "30.06.2008 | Ausländer(innen)-weiblich" in t.value_columns
    assert t.keys[:3] == ["DG", "01", "01001"]
    assert t.value("DG", "30.06.2019 | Insgesamt") == 33407262.0
    assert t.value("DG", "30.06.2008 | Insgesamt") == 27695398.0
    assert t.value("01001", "30.06.2019 | Insgesamt") == 44607.0
    assert t.names[only_row(t, "01001")] == "Flensburg, Kreisfreie Stadt"
    assert not any(name.startswith(" ") for name in t.names)
    assert t.flag("14161", "30.06.2019 | männlich") == "-"
    assert t.value("14161", "30.06.2019 | männlich") == 0.0
    assert t.count_flags("-") == 5898 and t.count_flags(".") == 292
    assert t.meta["Stand"] == "13.12.2020 / 23:22:46"
    assert t.meta["title"].startswith("Sozialversicherungspflichtig Beschäftigte")
    assert t.lines[:3] == [4, 5, 6]


@needs_data
@pytest.mark.parametrize("path,layout", [(KREISE, "genesis-csv"), (DEATHS, "genesis-csv"),
                                         (DAMAGED, "genesis-csv"), (XLSX, "genesis-xlsx")])
def test_read_table_detects_real_files(path, layout):
    assert detect_layout(path) == layout
    assert read_table(path).meta["layout"] == layout


# --------------------------------------------------------------------------- small cases

CLASSIC = """GENESIS-Tabelle: 99999-01
Testtabelle;;;
Stichtag: 31.12.2020;;;
;;männlich;weiblich
{rows}__________
"Hinweis:
01.01.2009;;;
"
Stand: 01.02.2021 / 10:00:00
"""


def classic(rows: str) -> str:
    return CLASSIC.format(rows=rows)


def test_unknown_symbol_names_file_line_column_and_text(tmp_path):
    path = write(tmp_path, classic("01001;Flensburg;12;13\n01002;Kiel;7;n.v.\n"))
    with pytest.raises(GeosozialError) as err:
        read_genesis_csv(path)
    assert err.value.code == "table.bad_cell"
    assert err.value.params == {"file": str(path), "line": 6, "column": "weiblich",
                                "text": "n.v."}
    assert "Zeile 6" in err.value.text("de") and "'n.v.'" in err.value.text("en")


def test_wrong_field_count_names_file_and_line(tmp_path):
    path = write(tmp_path, classic("01001;Flensburg;12;13\n01002;Kiel;7\n"))
    with pytest.raises(GeosozialError) as err:
        read_genesis_csv(path)
    assert err.value.code == "table.field_count"
    assert err.value.params["line"] == 6 and str(path) in str(err.value)


def test_footer_note_looking_like_data_is_skipped(tmp_path):
    t = read_genesis_csv(write(tmp_path, classic("01001;Flensburg;12;-\n14522450;Roßwein;.;3\n")))
    assert t.keys == ["01001", "14522450"]
    assert t.meta["Stand"] == "01.02.2021 / 10:00:00" and t.meta["Stichtag"] == "31.12.2020"
    assert t.value_columns == ["männlich", "weiblich"]
    assert t.flag("01001", "weiblich") == "-" and t.value("01001", "weiblich") == 0.0
    assert "01.01.2009" in t.meta["note"]


def test_footer_without_underscores(tmp_path):
    text = ";;a;b\n01;Schleswig-Holstein;1;2\n© Destatis\nStand: 01.01.2020\n"
    t = read_genesis_csv(write(tmp_path, text))
    assert t.keys == ["01"]
    assert t.meta["Stand"] == "01.01.2020" and t.meta["copyright"] == "© Destatis"


def test_keys_keep_text_and_whitespace_is_stripped(tmp_path):
    t = read_genesis_csv(write(tmp_path, classic(" 01001 ; Flensburg ;1;2\nDG;Deutschland;3;4\n")))
    assert t.keys == ["01001", "DG"]
    assert t.names == ["Flensburg", "Deutschland"]


def test_latin1_is_detected(tmp_path):
    t = read_genesis_csv(write(tmp_path, classic("14522450;Roßwein;1;2\n"), encoding="latin-1"))
    assert t.names == ["Roßwein"] and t.value_columns[0] == "männlich"
    assert t.meta["encoding"] == "cp1252"


def test_duplicate_label_is_an_error(tmp_path):
    path = write(tmp_path, ";;a;b;a\n01;x;1;2;3\n")
    with pytest.raises(GeosozialError) as err:
        read_genesis_csv(path)
    assert err.value.code == "table.duplicate_column" and err.value.params["label"] == "a"


@pytest.mark.parametrize("delimiter,name", [(",", "Komma"), ("\t", "Tabulator")])
def test_other_delimiter_is_named(tmp_path, delimiter, name):
    text = CLASSIC.replace(";", delimiter).format(rows=f"01001{delimiter}Flensburg{delimiter}1"
                                                       f"{delimiter}2\n")
    path = write(tmp_path, text)
    for reader in (read_genesis_csv, read_table):
        with pytest.raises(GeosozialError) as err:
            reader(path)
        assert err.value.code == "genesis.delimiter"
        assert name in err.value.text("de") and str(path) in err.value.text("en")


def test_no_header_rows(tmp_path):
    with pytest.raises(GeosozialError) as err:
        read_genesis_csv(write(tmp_path, "GENESIS-Tabelle: 1\nTitel\n"))
    assert err.value.code == "genesis.no_header"


def test_blocks_become_column_prefixes(tmp_path):
    rows = ("31.12.2019;;;\n01001;Flensburg;1;2\n01002;Kiel;3;4\n"
            "31.12.2020;;;\n01001;Flensburg;5;-\n")
    t = read_genesis_csv(write(tmp_path, classic(rows)))
    assert t.keys == ["01001", "01002"]
    assert t.value_columns == ["31.12.2019 | männlich", "31.12.2019 | weiblich",
                               "31.12.2020 | männlich", "31.12.2020 | weiblich"]
    assert t.value("01001", "31.12.2020 | weiblich") == 0.0
    assert t.flag("01001", "31.12.2020 | weiblich") == "-"
    assert math.isnan(t.value("01002", "31.12.2020 | männlich"))
    assert t.meta["blocks"] == "31.12.2019, 31.12.2020"


def test_footer_meta():
    meta = footer_meta(["- Version 2.0. | Stand: 13.12.2020 / 23:22:46", "© Destatis"])
    assert meta == {"Stand": "13.12.2020 / 23:22:46", "note": "- Version 2.0.",
                    "copyright": "© Destatis"}


def test_xlsx_numeric_keys(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "99999-01-01-4"
    ws.append([None, None, "Merkmal", None])
    ws.append(["id", "name", "a", "b"])
    ws.append(["DG", "Deutschland", 10, "-"])
    ws.append([1001, "  Flensburg", 3, "."])
    ws.append([10515163, "  Gemeindeverband?", 1, 2])
    ws.append(["14522", "  Mittelsachsen", "1.234", "(5)"])
    wb.create_sheet("footnote").append(["______"])
    wb["footnote"].append(["Stand: 01.01.2021"])
    path = tmp_path / "t.xlsx"
    wb.save(path)
    assert detect_layout(path) == "genesis-xlsx"
    t = read_table(path)
    assert t.keys == ["DG", "01001", "10515163", "14522"]
    assert t.names[1] == "Flensburg"
    assert t.value_columns == ["a", "b"] and t.meta["header_common"] == "Merkmal"
    assert t.value("14522", "a") == 1234.0 and t.flag("14522", "b") == "()"
    assert t.flag("DG", "b") == "-" and t.value("DG", "b") == 0.0
    codes = {n.code: n for n in t.notices}
    assert codes["table.key_repaired"].severity == "repair"
    assert "1001 -> 01001" in codes["table.key_repaired"].text("en")
    assert codes["table.key_ambiguous"].severity == "warning"
    assert "10515163" in codes["table.key_ambiguous"].text("de")
    assert t.meta["Stand"] == "01.01.2021"


def test_xlsx_with_title_header_and_footer_in_one_sheet(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in [
        ["GENESIS-Tabelle: 12411-0015"],
        ["Bevölkerung: Kreise, Stichtag"],
        ["Stichtag: 31.12.2022"],
        [None, None, "Geschlecht", None, None],  # merged cell: only the first one is filled
        [None, None, "männlich", "weiblich", "Insgesamt"],
        ["14522", "Mittelsachsen, Landkreis", 148000, "150.000", 298000],
        ["14161", "Chemnitz, Kreisfreie Stadt", "-", "-", "-"],
        ["__________"],
        ["01.01.2009", None, None, None, None],
        ["© Statistisches Bundesamt (Destatis), 2023"],
        ["Stand: 20.06.2023 / 10:00:00"],
    ]:
        ws.append(row)
    path = tmp_path / "12411-0015.xlsx"
    wb.save(path)
    t = read_table(path)
    assert t.meta["layout"] == "genesis-xlsx" and t.meta["table"] == "12411-0015"
    assert t.meta["Stichtag"] == "31.12.2022" and t.meta["Stand"] == "20.06.2023 / 10:00:00"
    assert t.keys == ["14522", "14161"]
    assert t.value_columns == ["männlich", "weiblich", "Insgesamt"]
    assert t.value("14522", "weiblich") == 150000.0 and t.value("14161", "Insgesamt") == 0.0
    assert t.lines == [6, 7]


# --------------------------------------------------------------------------- flat CSV

FLAT = FIXTURES / "12411-02-03-4_de_flat.csv"


def test_flat_fixture_pivots_to_one_row_per_area():
    assert detect_layout(FLAT) == "genesis-flat"
    t = read_table(FLAT)
    assert t.meta["layout"] == "genesis-flat"
    assert t.keys == ["14522", "01001", "11001001", "14612", "14161"]
    assert t.value_columns == ["weiblich", "männlich"]
    assert t.value("01001", "männlich") == 44599.0 and t.value("01001", "weiblich") == 44905.0
    assert t.names[only_row(t, "14522")] == "Mittelsachsen, Landkreis"
    assert t.flag("14161", "männlich") == "-" and t.value("14161", "männlich") == 0.0
    assert t.flag("11001001", "weiblich") == "." and math.isnan(t.value("11001001", "weiblich"))
    assert t.meta["Stichtag"] == "2018-12-31" and t.meta["table"] == "12411"
    assert t.meta["unit"] == "Anzahl" and t.meta["key_variable"] == "GEMEIN, KREISE"
    assert t.meta["header_common"] == "Bevölkerungsstand"
    assert t.lines[:2] == [2, 3]


OLD_FLAT = (
    "Statistik_Code;Statistik_Label;Zeit_Code;Zeit_Label;Zeit;1_Merkmal_Code;1_Merkmal_Label;"
    "1_Auspraegung_Code;1_Auspraegung_Label;BEVSTD__Bevoelkerungsstand__Anzahl;"
    "BEVSTD__Bevoelkerungsstand__q;BEV010__Durchschnittsalter__Jahre;"
    "BEV010__Durchschnittsalter__q\n"
    "12411;Bevoelkerung;STAG;Stichtag;31.12.2019;KREISE;Kreise;14522;Mittelsachsen;"
    "304000;e;49,1;e\n"
    "12411;Bevoelkerung;STAG;Stichtag;31.12.2020;KREISE;Kreise;14522;Mittelsachsen;"
    "302000;p;49,4;v\n"
    "12411;Bevoelkerung;STAG;Stichtag;31.12.2020;KREISE;Kreise;14612;Dresden;x;;42,9;e\n"
)


def test_flat_old_layout_with_quality_columns(tmp_path):
    path = write(tmp_path, OLD_FLAT)
    assert is_flat_header(OLD_FLAT.splitlines()[0])
    t = read_table(path)
    assert t.value_columns == ["31.12.2019 | Bevoelkerungsstand", "31.12.2019 | Durchschnittsalter",
                               "31.12.2020 | Bevoelkerungsstand", "31.12.2020 | Durchschnittsalter"]
    assert t.value("14522", "31.12.2020 | Bevoelkerungsstand") == 302000.0
    assert t.flag("14522", "31.12.2020 | Bevoelkerungsstand") == "p"
    assert t.flag("14522", "31.12.2019 | Bevoelkerungsstand") == ""
    assert t.value("14522", "31.12.2020 | Durchschnittsalter") == 49.4
    assert t.flag("14612", "31.12.2020 | Bevoelkerungsstand") == "x"
    assert math.isnan(t.value("14612", "31.12.2019 | Bevoelkerungsstand"))
    assert [n.code for n in t.notices] == ["genesis.flat_quality"]
    assert "'v' (1)" in t.notices[0].text("en")
    assert t.meta["decimal"] == ","


def test_flat_errors_and_key_variable(tmp_path):
    head = ("statistics_code;statistics_label;time_code;time_label;time;1_variable_code;"
            "1_variable_label;1_variable_attribute_code;1_variable_attribute_label;value;"
            "value_unit;value_variable_code;value_variable_label;value_q\n")
    row = "61111;VPI;JAHR;Jahr;{t};WOHNOR;Wohnort;{k};Ort;{v};%;PREIS1;Index;e\n"
    path = write(tmp_path, head + row.format(t=2022, k="A1", v="1.5"))
    with pytest.raises(GeosozialError) as err:
        read_genesis_flat(path)
    assert err.value.code == "genesis.flat_region" and "WOHNOR" in str(err.value)
    t = read_genesis_flat(path, key_variable="WOHNOR")
    assert t.value("A1", "Index") == 1.5 and t.meta["decimal"] == "."
    bad = write(tmp_path, head + row.format(t=2022, k="A1", v="1.5")
                + row.format(t=2023, k="A1", v="k.A."), name="bad.csv")
    with pytest.raises(GeosozialError) as err:
        read_genesis_flat(bad, key_variable="WOHNOR")
    assert err.value.code == "table.bad_cell" and err.value.params["line"] == 3
    dup = write(tmp_path, head + row.format(t=2022, k="A1", v="1") * 2, name="dup.csv")
    with pytest.raises(GeosozialError) as err:
        read_genesis_flat(dup, key_variable="WOHNOR")
    assert err.value.code == "genesis.flat_duplicate"


def test_flat_zip(tmp_path):
    import zipfile

    path = tmp_path / "12411-02-03-4_de_flat.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.write(FLAT, FLAT.name)
    t = read_table(path)
    assert t.meta["layout"] == "genesis-flat" and t.value("14612", "weiblich") == 277920.0
