"""Downloads: the tables of a page as CSV (Excel-ready) and XLSX.

CSV: UTF-8 with BOM (Excel recognises the encoding), ``;`` as separator, ``\\r\\n`` line
ends, German decimal comma without thousands separators, quotes where a cell needs them.
XLSX: one sheet per table (:mod:`geosozial.atlas.xlsx`, deterministic). Both start with
a header note: what the file is, the method, the confidentiality rule, the Gebietsstand
and the Stand. A withheld value is written as words ("geheim gehalten"), never as a
number.

Text cells that begin with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return) get an
apostrophe in front (:func:`escape_text`), so a spreadsheet never reads them as a
formula; numbers stay numbers.

Examples
--------
>>> escape_text("=HYPERLINK(1)"), escape_text("-Nord"), escape_text("Nord")
("'=HYPERLINK(1)", "'-Nord", 'Nord')
>>> csv_number(-1234.56, 1)
'-1234,6'
"""

from __future__ import annotations

from collections.abc import Sequence

from geosozial.atlas.numbers import number_text
from geosozial.atlas.tables import Link, Num, Table, cell_text
from geosozial.atlas.xlsx import xlsx_bytes

__all__ = ["csv_bytes", "csv_number", "escape_text", "xlsx_download"]

#: first characters that make a spreadsheet read text as a formula
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def escape_text(text: str) -> str:
    """Text for a spreadsheet cell: an apostrophe before a formula-like start.

    Parameters
    ----------
    text : str

    Returns
    -------
    str

    Examples
    --------
    >>> escape_text("@SUM(A1)"), escape_text("+49 351"), escape_text("")
    ("'@SUM(A1)", "'+49 351", '')
    """
    text = str(text)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_number(value: float, digits: int) -> str:
    """A number for a German CSV: decimal comma, no thousands separator.

    Examples
    --------
    >>> csv_number(1234567.0, 0), csv_number(0.05, 1)
    ('1234567', '0,1')
    """
    return (number_text(value, digits, "de") or "").replace(".", "")


def _csv_field(text: str) -> str:
    if any(c in text for c in ';"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _csv_cell(cell: object, lang: str) -> str:
    if isinstance(cell, Num):
        if cell.value is None:
            return _csv_field(escape_text(cell.text(lang)))
        return csv_number(cell.value, cell.digits)
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        return csv_number(float(cell), 0 if float(cell).is_integer() else 3)
    return _csv_field(escape_text(cell_text(cell, lang)))


def csv_bytes(tables: Sequence[Table], note: Sequence[str], lang: str = "de") -> bytes:
    """The tables one after another as one CSV file (header note first).

    Parameters
    ----------
    tables : sequence of Table
    note : sequence of str
        Lines of the header note (one cell each).
    lang : str

    Returns
    -------
    bytes
        UTF-8 with BOM, ``;``, ``\\r\\n``.

    Examples
    --------
    >>> data = csv_bytes([Table("t", "T", ["Gebiet", "Wert"], [["=1+1", Num(2.5)]])],
    ...                  ["Atlas"])
    >>> data.decode("utf-8-sig").splitlines()
    ['Atlas', '', 'T', 'Gebiet;Wert', "'=1+1;2,5"]
    """
    lines = [_csv_field(escape_text(line)) for line in note]
    for table in tables:
        lines.append("")
        lines.append(_csv_field(escape_text(table.title)))
        lines.append(";".join(_csv_field(escape_text(h)) for h in table.header))
        for row in table.rows:
            lines.append(";".join(_csv_cell(c, lang) for c in row))
        if table.note:
            lines.append(_csv_field(escape_text(table.note)))
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def _xlsx_cell(cell: object, lang: str) -> tuple[object, int]:
    if isinstance(cell, Num):
        if cell.value is None:
            return escape_text(cell.text(lang)), 0
        shown = number_text(cell.value, cell.digits, "en") or ""
        return float(shown.replace(",", "")), cell.digits
    if isinstance(cell, Link):
        return escape_text(cell.text), 0
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        return cell, 0 if float(cell).is_integer() else 3
    text = cell_text(cell, lang)
    return (escape_text(text) if text else None), 0


def xlsx_download(tables: Sequence[Table], note: Sequence[str], lang: str = "de") -> bytes:
    """The tables as an XLSX workbook, one sheet per table, each with the header note.

    Parameters
    ----------
    tables : sequence of Table
    note : sequence of str
    lang : str

    Returns
    -------
    bytes

    Examples
    --------
    >>> xlsx_download([Table("t", "T", ["A"], [["x"]])], ["Atlas"])[:2]
    b'PK'
    """
    sheets: dict[str, list[list[object]]] = {}
    digits: dict[str, list[list[int]]] = {}
    for table in tables:
        rows: list[list[object]] = [[escape_text(line)] for line in note]
        places: list[list[int]] = [[0] for _ in note]
        rows.append([])
        places.append([])
        rows.append([escape_text(table.title)])
        places.append([0])
        rows.append([escape_text(h) for h in table.header])
        places.append([0] * len(table.header))
        for row in table.rows:
            cells = [_xlsx_cell(c, lang) for c in row]
            rows.append([c for c, _ in cells])
            places.append([d for _, d in cells])
        if table.note:
            rows.append([escape_text(table.note)])
            places.append([0])
        name = table.title
        while name in sheets:
            name += " "
        sheets[name] = rows
        digits[name] = places
    return xlsx_bytes(sheets, digits=digits, header_rows=len(note))
