"""The pure-Python XLSX reader gives what openpyxl's read-only values_only mode gives.

Every workbook is read with :func:`geosozial.core.tables.xlsx.read_workbook` and with the
openpyxl code it replaces; sheets, row numbers and cell values (types included: int vs
float, datetime vs date vs time) must be equal. Real workbooks come from
``/work/shared/data`` (read in place, never copied), synthetic ones are written with
openpyxl or as raw XML parts for the cases openpyxl does not write (shared and rich-text
strings, cached formula results, prefixed or strict namespaces, missing references).
"""

from __future__ import annotations

import datetime
import os
import random
import subprocess
import sys
import time
import warnings
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from geosozial.core.messages import GeosozialError
from geosozial.core.tables.xlsx import read_workbook, sheet_names, write_minimal_xlsx

openpyxl = pytest.importorskip("openpyxl")

SHARED_DATA = Path(os.environ.get("GEOSOZIAL_SHARED_DATA", "/work/shared/data"))
REAL_XLSX = sorted(SHARED_DATA.rglob("*.xlsx")) if SHARED_DATA.is_dir() else []
REPO = Path(__file__).resolve().parents[1]

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STRICT = "http://purl.oclc.org/ooxml/spreadsheetml/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def openpyxl_rows(path: Path) -> dict[str, list[tuple[int, list[object]]]]:
    """The code read_workbook replaces (geosozial's former xlsx_sheets)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            return {ws.title: [(i, list(r)) for i, r in
                               enumerate(ws.iter_rows(values_only=True), 1)]
                    for ws in wb.worksheets}
        finally:
            wb.close()


def assert_same(path: Path) -> int:
    """Assert both readers agree on ``path``; return the number of cells compared."""
    return assert_equal_rows(openpyxl_rows(path), read_workbook(path))


def assert_equal_rows(expected: dict, actual: dict) -> int:
    """Same sheets, row numbers and values of the same types; the number of cells."""
    assert list(actual) == list(expected), "sheet titles or their order differ"
    cells = 0
    for title, rows in expected.items():
        got = actual[title]
        assert [i for i, _ in got] == [i for i, _ in rows], f"{title}: row numbers differ"
        for (number, want), (_, have) in zip(rows, got, strict=True):
            assert len(have) == len(want), f"{title} row {number}: {have} != {want}"
            for column, (a, b) in enumerate(zip(want, have, strict=True), 1):
                assert type(a) is type(b) and a == b, (
                    f"{title} row {number} column {column}: {b!r} != openpyxl {a!r}")
            cells += len(want)
    return cells


def raw_xlsx(path: Path, sheets: dict[str, str], *, shared: str | None = None,
             styles: str | None = None, workbook_pr: str = "", absolute: bool = False,
             ns: str = MAIN, prefix: str = "") -> Path:
    """A workbook from hand-written sheet XML (``sheets``: title -> sheet XML body).

    ``prefix`` (e.g. ``"x:"``) writes the spreadsheet elements of the workbook part with a
    namespace prefix; the sheet XML passed in is used as it is.
    """
    p = prefix
    xmlns = f'xmlns{":" + p[:-1] if p else ""}="{ns}"'
    types = ['<Default Extension="rels" ContentType="application/vnd.openxmlformats-'
             'package.relationships+xml"/><Default Extension="xml" '
             'ContentType="application/xml"/>',
             '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.'
             'openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>']
    rels, entries = [], []
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, (title, body) in enumerate(sheets.items(), 1):
            z.writestr(f"xl/worksheets/sheet{n}.xml", HEAD + body)
            target = f"/xl/worksheets/sheet{n}.xml" if absolute else f"worksheets/sheet{n}.xml"
            rels.append(f'<Relationship Id="rId{n}" Type="{REL}/worksheet" Target="{target}"/>')
            entries.append(f'<{p}sheet name="{title}" sheetId="{n}" r:id="rId{n}"/>')
        if shared is not None:
            z.writestr("xl/sharedStrings.xml", HEAD + shared)
            rels.append(f'<Relationship Id="rIdS" Type="{REL}/sharedStrings" '
                        'Target="sharedStrings.xml"/>')
            types.append('<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                         'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>')
        if styles is not None:
            z.writestr("xl/styles.xml", HEAD + styles)
            rels.append(f'<Relationship Id="rIdY" Type="{REL}/styles" Target="styles.xml"/>')
        z.writestr("[Content_Types].xml", HEAD + '<Types xmlns="http://schemas.openxmlformats'
                   '.org/package/2006/content-types">' + "".join(types) + "</Types>")
        z.writestr("_rels/.rels", HEAD + f'<Relationships xmlns="{PKG}"><Relationship '
                   f'Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/>'
                   "</Relationships>")
        z.writestr("xl/_rels/workbook.xml.rels", HEAD + f'<Relationships xmlns="{PKG}">'
                   + "".join(rels) + "</Relationships>")
        z.writestr("xl/workbook.xml", HEAD + f'<{p}workbook {xmlns} xmlns:r="{REL}">'
                   f"{workbook_pr}<{p}sheets>" + "".join(entries) + f"</{p}sheets></{p}workbook>")
    return path


def sheet(data: str, dimension: str | None = None, ns: str = MAIN) -> str:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f'<worksheet xmlns="{ns}">{dim}<sheetData>{data}</sheetData></worksheet>'


def styles_xml(*formats: tuple[int, str | None]) -> str:
    """Cell style i+1 has numFmtId ``formats[i][0]``; a code defines a custom format."""
    custom = "".join(f'<numFmt numFmtId="{i}" formatCode="{escape(code, {chr(34): "&quot;"})}"/>'
                     for i, code in formats if code is not None)
    xfs = '<xf numFmtId="0"/>' + "".join(f'<xf numFmtId="{i}"/>' for i, _ in formats)
    return (f'<styleSheet xmlns="{MAIN}"><numFmts>{custom}</numFmts>'
            f"<cellXfs>{xfs}</cellXfs></styleSheet>")


# --- real workbooks --------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.skipif(not REAL_XLSX, reason=f"no .xlsx files under {SHARED_DATA}")
@pytest.mark.parametrize("path", REAL_XLSX, ids=lambda p: str(p.relative_to(SHARED_DATA)))
def test_real_workbooks_equal_openpyxl(path):
    cells = assert_same(path)
    assert cells > 0
    assert sheet_names(path) == list(openpyxl_rows(path))


@pytest.mark.skipif(not REAL_XLSX, reason=f"no .xlsx files under {SHARED_DATA}")
def test_regionalstatistik_export_content():
    """The GENESIS export described in the README: 3 sheets, indented names, 6,490 rows."""
    path = SHARED_DATA / "genesis" / "regionalstatistik_13111-01-03-4_kreise_2019.xlsx"
    if not path.exists():
        pytest.skip("Regionalstatistik export not present")
    sheets = read_workbook(path)
    assert list(sheets) == ["13111-01-03-4", "metadata", "footnote"]
    rows = sheets["13111-01-03-4"]
    assert len(rows) == 6490 and all(len(r) == 8 for _, r in rows)
    assert rows[3] == (4, ["DG", "Deutschland", 33407262, 17988091, 15419171, 4153014,
                           2638922, 1514092])
    assert any(isinstance(r[1], str) and r[1].startswith("  ") for _, r in rows)


# --- synthetic workbooks written with openpyxl -----------------------------------------


def test_dates_times_durations_1900(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    values = [datetime.datetime(1900, 1, 1), datetime.datetime(1900, 2, 28),
              datetime.datetime(1900, 3, 1), datetime.datetime(2023, 12, 31, 23, 59, 59),
              datetime.datetime(2024, 2, 29, 12, 0, 0, 500000), datetime.date(2019, 6, 30),
              datetime.time(0, 0), datetime.time(13, 45, 30), datetime.timedelta(hours=30),
              datetime.timedelta(minutes=-5)]
    for i, value in enumerate(values, 1):
        ws.cell(i, 1, value)
    for i, fmt in enumerate(["dd.mm.yyyy", "[$-407]dd/mm/yyyy;@", "hh:mm", "[h]:mm",
                             "mmm yy", "yyyy-mm-dd hh:mm:ss", '0.0 "Tage"', "[Red]0.00",
                             '#,##0 "m²"', "@", "General", "0%", "[mm]:ss"], 1):
        cell = ws.cell(i, 2, 43831.75)
        cell.number_format = fmt
    path = tmp_path / "dates.xlsx"
    wb.save(path)
    assert assert_same(path) == 26
    col = {i: r for i, r in read_workbook(path)["Sheet"]}
    assert col[1][0] == datetime.datetime(1900, 1, 1)
    assert col[3][0] == datetime.datetime(1900, 3, 1)
    assert col[6][0] == datetime.datetime(2019, 6, 30)  # a date comes back as datetime
    assert col[8][0] == datetime.time(13, 45, 30)
    assert col[9][0] == datetime.timedelta(hours=30)
    assert col[1][1] == datetime.datetime(2020, 1, 1, 18, 0)
    assert col[7][1] == 43831.75 and col[8][1] == 43831.75  # quoted "Tage", [Red]
    assert col[4][1] == datetime.timedelta(days=43831, hours=18)


def test_dates_1904_and_iso_dates(tmp_path):
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    for iso in (False, True):
        wb = openpyxl.Workbook(iso_dates=iso)
        wb.epoch = CALENDAR_MAC_1904
        ws = wb.active
        ws.append([datetime.datetime(1904, 1, 1), datetime.datetime(2021, 7, 14, 8, 30),
                   datetime.date(1999, 12, 31), datetime.time(6, 15)])
        path = tmp_path / f"mac{iso}.xlsx"
        wb.save(path)
        assert "date1904" in zipfile.ZipFile(path).read("xl/workbook.xml").decode()
        assert assert_same(path) == 4
        row = read_workbook(path)["Sheet"][0][1]
        assert row[1] == datetime.datetime(2021, 7, 14, 8, 30)
        assert row[3] == datetime.time(6, 15)


def test_types_formulas_errors_and_layout(tmp_path):
    from openpyxl.chart import BarChart, Reference

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Übersicht Größe"
    ws["C3"] = 5
    ws["D3"] = 5.5
    ws["E3"] = 5.0
    ws["F3"] = -1234567890123
    ws["G3"] = 1e-12
    ws["H3"] = 2.5e300
    ws["C5"] = True
    ws["D5"] = False
    ws["E5"] = "=C3+1"
    ws["F5"] = "#N/A"
    ws["G5"] = "#DIV/0!"
    ws["C8"] = "  Leerzeichen  "
    ws["K8"] = "Zeile\nUmbruch & <Zeichen>"
    ws["Z9"] = ""
    other = wb.create_sheet("Hinweise")
    other["A1"] = "Quelle: Statistisches Landesamt"
    other.sheet_state = "hidden"
    wb.create_sheet("leer")
    chart = BarChart()
    chart.add_data(Reference(ws, min_col=3, min_row=3, max_col=4, max_row=3))
    wb.create_chartsheet("Diagramm").add_chart(chart)
    path = tmp_path / "types.xlsx"
    wb.save(path)
    assert assert_same(path) > 100
    sheets = read_workbook(path)
    assert list(sheets) == ["Übersicht Größe", "Hinweise", "leer"]
    assert sheet_names(path) == ["Übersicht Größe", "Hinweise", "leer"]
    rows = sheets["Übersicht Größe"]
    assert [i for i, _ in rows] == list(range(1, 10))  # rows 1, 2, 4, 6, 7 are empty
    assert rows[0] == (1, [None] * 26) and rows[8] == (9, [None] * 26)  # Z9 = "": no value
    values = rows[2][1]
    assert values[2:8] == [5, 5.5, 5, -1234567890123, 1e-12, 2.5e300]
    assert [type(v) for v in values[2:5]] == [int, float, int]
    assert rows[4][1][2:7] == [True, False, None, "#N/A", "#DIV/0!"]
    assert rows[7][1][2] == "  Leerzeichen  " and rows[7][1][10].startswith("Zeile\n")
    assert sheets["leer"] == []


def test_random_sparse_workbooks(tmp_path):
    """Random values at random places, some rows and columns left out."""
    rng = random.Random(20240611)
    kinds = [lambda: rng.randint(-10**6, 10**6), lambda: rng.uniform(-1e6, 1e6),
             lambda: rng.choice([True, False]), lambda: rng.choice(["a", "Ä ö", " x ", "-"]),
             lambda: datetime.datetime(2000, 1, 1) + datetime.timedelta(
                 days=rng.randint(0, 9000), seconds=rng.randint(0, 86399)),
             lambda: rng.choice(["#N/A", "#VALUE!"]), lambda: "=1+1"]
    total = 0
    for n in range(6):
        wb = openpyxl.Workbook()
        for s in range(rng.randint(1, 3)):
            ws = wb.active if s == 0 else wb.create_sheet(f"Blatt {s}")
            for _ in range(rng.randint(0, 200)):
                ws.cell(rng.randint(1, 60), rng.randint(1, 30), rng.choice(kinds)())
        path = tmp_path / f"random{n}.xlsx"
        wb.save(path)
        total += assert_same(path)
    assert total > 1000


def test_minimal_writer_agrees_with_openpyxl(tmp_path):
    path = tmp_path / "minimal.xlsx"
    write_minimal_xlsx(path, {"Daten": [["AGS", "Wert", "Stand"],
                                        ["01001000", 1.5, datetime.date(2020, 2, 29)],
                                        [],
                                        [None, None, datetime.datetime(1900, 2, 1, 6)],
                                        [True, datetime.time(8, 0), "x & <y>"]],
                              "Zweites Blatt": [[1]]})
    assert assert_same(path) == 16
    assert read_workbook(path)["Daten"][1][1][2] == datetime.datetime(2020, 2, 29)


# --- hand-written parts: what openpyxl does not write ----------------------------------


def test_shared_rich_text_and_cached_formula_values(tmp_path):
    shared = (f'<sst xmlns="{MAIN}" count="6" uniqueCount="6">'
              "<si><t>Kreis</t></si>"
              '<si><r><rPr><b/></rPr><t>Fett</t></r><r><t xml:space="preserve"> und '
              "normal </t></r></si>"
              '<si><t xml:space="preserve">  eingerückt</t></si>'
              "<si><t/></si>"
              "<si><t>漢字</t><rPh sb=\"0\" eb=\"2\"><t>カンジ</t></rPh></si>"
              "<si><t>a_x005F_x000D_b</t></si>"
              "</sst>")
    data = ('<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
            '<c r="C1" t="s"><v>2</v></c><c r="D1" t="s"><v>3</v></c>'
            '<c r="E1" t="s"><v>4</v></c><c r="F1" t="s"><v>5</v></c></row>'
            '<row r="2"><c r="A2" t="str"><f>A1&amp;"x"</f><v>Kreisx</v></c>'
            '<c r="B2"><f>1+1</f><v>2</v></c><c r="C2"><f>1/3</f><v>0.33333333333333331</v></c>'
            '<c r="D2" t="e"><f>NA()</f><v>#N/A</v></c><c r="E2" t="b"><f>TRUE()</f><v>1</v></c>'
            '<c r="F2"><f>A9</f><v></v></c><c r="G2" t="str"><f>""</f><v></v></c></row>'
            '<row r="3"><c r="A3" t="inlineStr"><is><r><t>in</t></r><r><t>line</t></r></is></c>'
            '<c r="B3" t="inlineStr"/><c r="C3" t="n"><v>1E3</v></c><c r="D3"><v>-0</v></c>'
            '<c r="E3" t="d"><v>2021-03-04</v></c><c r="F3" t="d"><v>2021-03-04T05:06:07</v></c>'
            '<c r="G3" t="d"><v>10:20:30</v></c></row>')
    path = raw_xlsx(tmp_path / "shared.xlsx", {"Tabelle1": sheet(data, "A1:G3")}, shared=shared)
    assert assert_same(path) == 21
    rows = read_workbook(path)["Tabelle1"]
    assert rows[0][1] == ["Kreis", "Fett und normal ", "  eingerückt", "", "漢字",
                          "a_x000D_b", None]
    assert rows[1][1] == ["Kreisx", 2, 0.3333333333333333, "#N/A", True, None, None]
    assert rows[2][1][:4] == ["inline", None, 1000.0, 0]
    assert rows[2][1][4:] == [datetime.date(2021, 3, 4), datetime.datetime(2021, 3, 4, 5, 6, 7),
                              datetime.time(10, 20, 30)]


def test_date_styles_builtin_and_custom(tmp_path):
    formats = [(14, None), (22, None), (45, None), (46, None), (47, None), (10, None),
               (49, None), (164, "dd.mm.yyyy"), (165, '0" Std"'), (166, "[$-F800]dddd"),
               (167, "\\d0"), (168, "_d0"), (169, "yyyy;@"), (170, "0;[Red]dd"),
               (30, None)]
    cells = "".join(f'<c r="{chr(65 + i)}1" s="{i + 1}"><v>45000.5</v></c>'
                    for i in range(len(formats)))
    cells += '<c r="P1" s="1"><v>1E10</v></c><c r="Q1" s="1"><v>0.25</v></c>'
    cells += ('<c r="R1" s="1"><v>60</v></c><c r="S1" s="1"><v>61</v></c>'
              '<c r="T1" s="99"><v>3</v></c>')
    path = raw_xlsx(tmp_path / "styles.xlsx", {"S": sheet(f'<row r="1">{cells}</row>', "A1:T1")},
                    styles=styles_xml(*formats))
    assert assert_same(path) == 20
    row = read_workbook(path)["S"][0][1]
    assert row[0] == datetime.datetime(2023, 3, 15, 12, 0)
    assert row[3] == datetime.timedelta(days=45000, hours=12)
    assert [type(v) for v in row[5:7]] == [float, float]
    assert row[7] == datetime.datetime(2023, 3, 15, 12, 0)
    assert row[8] == 45000.5 and row[10] == 45000.5 and row[11] == 45000.5
    assert row[15] == "#VALUE!"  # out of range, as openpyxl
    assert row[16] == datetime.time(6, 0)
    assert row[17:19] == [datetime.datetime(1900, 2, 28), datetime.datetime(1900, 3, 1)]
    assert row[19] == 3  # a style index beyond cellXfs
    override = raw_xlsx(tmp_path / "override.xlsx",
                        {"S": sheet('<row r="1"><c r="A1" s="1"><v>45000.5</v></c></row>', "A1")},
                        styles=styles_xml((14, "0.00")))
    assert assert_same(override) == 1
    assert read_workbook(override)["S"] == [(1, [45000.5])]  # custom code replaces id 14


def test_prefixed_namespace_missing_references_absolute_targets(tmp_path):
    x = 'xmlns:x="' + MAIN + '"'
    body = (f"<x:worksheet {x}><x:dimension ref=\"A1:D4\"/><x:sheetData>"
            '<x:row><x:c><x:v>1</x:v></x:c><x:c t="inlineStr"><x:is><x:t>b</x:t></x:is></x:c>'
            "</x:row><x:row/>"
            '<x:row r="4"><x:c r="B4"><x:v>2.5</x:v></x:c><x:c><x:v>3</x:v></x:c></x:row>'
            "</x:sheetData></x:worksheet>")
    path = raw_xlsx(tmp_path / "prefixed.xlsx", {"Präfix": body}, absolute=True, prefix="x:")
    assert assert_same(path) == 16
    assert read_workbook(path) == {"Präfix": [(1, [1, "b", None, None]), (2, [None] * 4),
                                              (3, [None] * 4), (4, [None, 2.5, 3, None])]}


def test_missing_and_partial_dimension(tmp_path):
    data = ('<row r="2"><c r="B2"><v>1</v></c></row><row r="4"/>'
            '<row r="5"><c r="A5" s="0"/><c r="D5"><v>4</v></c></row>'
            '<row r="6"><c r="C6" s="1"/></row>')
    path = raw_xlsx(tmp_path / "nodim.xlsx", {"ohne": sheet(data), "Spalten": sheet(data, "A:F"),
                                              "Zeilen": sheet(data, "2:9"),
                                              "zu groß": sheet(data, "A1:H20")})
    assert assert_same(path) > 0
    sheets = read_workbook(path)
    assert sheets["ohne"] == [(1, []), (2, [None, 1]), (3, []), (4, []),
                              (5, [None, None, None, 4]), (6, [None, None, None])]
    assert sheets["zu groß"][-1] == (6, [None] * 8)  # no padding up to row 20


def test_dimension_limits_rows_like_openpyxl(tmp_path):
    """Rows with formatting only beyond the dimension are not data."""
    data = ('<row r="1"><c r="A1"><v>1</v></c><c r="B1"><v>2</v></c></row>'
            '<row r="3" ht="30" customHeight="1"/><row r="9" ht="30" customHeight="1"/>')
    path = raw_xlsx(tmp_path / "formatted.xlsx", {"T": sheet(data, "A1:B5")})
    assert assert_same(path) == 10
    assert read_workbook(path)["T"][-1] == (5, [None, None])


def test_values_beyond_a_wrong_dimension_are_kept(tmp_path):
    """The one difference: openpyxl cuts a sheet to a too small <dimension>; we do not."""
    data = ('<row r="1"><c r="A1"><v>1</v></c><c r="C1"><v>3</v></c></row>'
            '<row r="2"><c r="A2"><v>4</v></c></row>'
            '<row r="2"><c r="B2"><v>5</v></c></row>'
            '<row r="3"><c r="A3" s="1"/></row><row r="4"><c r="D4"><v>7</v></c></row>')
    path = raw_xlsx(tmp_path / "wrongdim.xlsx", {"T": sheet(data, "A1")})
    assert openpyxl_rows(path) == {"T": [(1, [1])]}
    assert read_workbook(path) == {"T": [(1, [1, None, 3, None]), (2, [4, 5, None, None]),
                                         (3, [None] * 4), (4, [None, None, None, 7])]}


def test_strict_ooxml_namespace(tmp_path):
    styles = styles_xml((14, None)).replace(MAIN, STRICT)
    data = ('<row r="1"><c r="A1" t="inlineStr"><is><t>Schlüssel</t></is></c>'
            '<c r="B1" s="1"><v>43831</v></c><c r="C1" t="s"><v>0</v></c></row>')
    path = raw_xlsx(tmp_path / "strict.xlsx", {"Strikt": sheet(data, "A1:C1", STRICT)},
                    shared=f'<sst xmlns="{STRICT}"><si><t>geteilt</t></si></sst>',
                    styles=styles, ns=STRICT, workbook_pr='<workbookPr date1904="0"/>')
    assert read_workbook(path) == {
        "Strikt": [(1, ["Schlüssel", datetime.datetime(2020, 1, 1), "geteilt"])]}


def test_date1904_flag_values(tmp_path):
    data = '<row r="1"><c r="A1" s="1"><v>0.5</v></c><c r="B1" s="1"><v>366</v></c></row>'
    for flag, year in (("1", 1905), ("true", 1905), ("false", 1900), ("0", 1900)):
        path = raw_xlsx(tmp_path / f"e{flag}.xlsx", {"T": sheet(data, "A1:B1")},
                        styles=styles_xml((14, None)),
                        workbook_pr=f'<workbookPr date1904="{flag}"/>')
        assert assert_same(path) == 2
        assert read_workbook(path)["T"][0][1][1].year == year


# --- broken files ----------------------------------------------------------------------


def _assert_not_xlsx(path: Path) -> None:
    with pytest.raises(GeosozialError) as info:
        read_workbook(path)
    assert info.value.code == "table.not_xlsx"
    assert info.value.params == {"file": str(path)}
    assert str(path) in info.value.text("de") and "keine Excel-Arbeitsmappe" in str(info.value)
    assert "not an Excel workbook" in info.value.text("en")


def test_renamed_csv_empty_file_and_other_non_workbooks(tmp_path):
    csv = tmp_path / "tabelle.xlsx"
    csv.write_text("AGS;Name\n01001000;Flensburg\n", encoding="utf-8")
    _assert_not_xlsx(csv)
    empty = tmp_path / "leer.xlsx"
    empty.write_bytes(b"")
    _assert_not_xlsx(empty)
    xls = tmp_path / "alt.xlsx"
    xls.write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 504)  # OLE2, i.e. XLS
    _assert_not_xlsx(xls)
    other_zip = tmp_path / "archiv.xlsx"
    with zipfile.ZipFile(other_zip, "w") as z:
        z.writestr("daten.csv", "a;b\n")
    _assert_not_xlsx(other_zip)
    with pytest.raises(GeosozialError):
        sheet_names(csv)


def test_corrupt_parts(tmp_path):
    good = {"T": sheet('<row r="1"><c r="A1"><v>1</v></c></row>', "A1")}
    cases = {
        "sheet": ({"T": sheet('<row r="1"><c r="A1"><v>1</v></c></row>')[:-20]}, None),
        "shared": ({"T": sheet('<row r="1"><c r="A1" t="s"><v>0</v></c></row>', "A1")},
                   "<sst><si><t>offen"),
        "index": ({"T": sheet('<row r="1"><c r="A1" t="s"><v>7</v></c></row>', "A1")},
                  f'<sst xmlns="{MAIN}"><si><t>eins</t></si></sst>'),
        "reference": ({"T": sheet('<row r="1"><c r="1A"><v>1</v></c></row>', "A1")}, None),
        "number": ({"T": sheet('<row r="x"><c r="A1"><v>1</v></c></row>', "A1")}, None),
    }
    for name, (sheets, shared) in cases.items():
        _assert_not_xlsx(raw_xlsx(tmp_path / f"{name}.xlsx", sheets, shared=shared))
    broken_workbook = raw_xlsx(tmp_path / "workbook.xlsx", good)
    truncated = tmp_path / "truncated.xlsx"
    with zipfile.ZipFile(broken_workbook) as src, zipfile.ZipFile(truncated, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            dst.writestr(item, data[:40] if item.filename == "xl/workbook.xml" else data)
    _assert_not_xlsx(truncated)
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(broken_workbook.read_bytes()[:300])
    _assert_not_xlsx(cut)
    with pytest.raises(FileNotFoundError):
        read_workbook(tmp_path / "fehlt.xlsx")


# --- speed and the QGIS condition ------------------------------------------------------


@pytest.mark.slow
def test_ten_thousand_rows_quickly(tmp_path):
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Gemeinden")
    ws.append(["AGS", "Name"] + [f"Merkmal {i}" for i in range(8)])
    for i in range(10_000):
        ws.append([f"{i:08d}", f"Gemeinde {i}", i, i * 0.5, -i, i % 7 == 0, None, i / 3,
                   "x", 10**9 + i])
    path = tmp_path / "gross.xlsx"
    wb.save(path)
    start = time.perf_counter()
    sheets = read_workbook(path)
    ours = time.perf_counter() - start
    start = time.perf_counter()
    reference = openpyxl_rows(path)
    theirs = time.perf_counter() - start
    assert len(sheets["Gemeinden"]) == 10_001
    assert assert_equal_rows(reference, sheets) == 100_010
    assert ours < 2.0, f"read_workbook took {ours:.2f} s (openpyxl {theirs:.2f} s)"


def test_works_without_openpyxl_numpy_pandas(tmp_path):
    """Inside QGIS there is no openpyxl: the reader must not need it (nor numpy, pandas)."""
    code = f"""
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("openpyxl", "numpy", "pandas"):
            raise ImportError("blocked: " + name)
sys.meta_path.insert(0, Block())
from geosozial.core.tables.xlsx import read_workbook, write_minimal_xlsx
write_minimal_xlsx({str(tmp_path / "q.xlsx")!r}, [["a", 1]])
print(read_workbook({str(tmp_path / "q.xlsx")!r}))
"""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, check=False, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "{'Tabelle1': [(1, ['a', 1])]}"
