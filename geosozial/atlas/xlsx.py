"""A minimal, deterministic XLSX writer for the atlas downloads.

:func:`geosozial.core.tables.xlsx.write_minimal_xlsx` stamps every zip member with the
current time, so two builds would differ; this writer fixes the member dates
(1980-01-01), the member order and the compression, and writes to bytes (the build
compares them with the file on disk before writing). Cells are inline strings and
numbers; numbers get a style with the decimals they are shown with; the first rows
(the header note) and the column header are bold.

Examples
--------
>>> data = xlsx_bytes({"Tabelle": [["Gebiet", "Wert"], ["Adorf", 12.5]]}, header_rows=1)
>>> data[:2], data == xlsx_bytes({"Tabelle": [["Gebiet", "Wert"], ["Adorf", 12.5]]},
...                              header_rows=1)
(b'PK', True)
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from collections.abc import Mapping, Sequence

from geosozial.core.tables.xlsx import column_letters

__all__ = ["sheet_name", "xlsx_bytes"]

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_DATE = (1980, 1, 1, 0, 0, 0)
#: number formats: decimals -> numFmtId (custom ids from 164)
_FORMATS = {0: "0", 1: "0.0", 2: "0.00", 3: "0.000"}
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _esc(text: str) -> str:
    text = _XML_BAD.sub("", text)
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def sheet_name(name: str, used: set[str]) -> str:
    """A valid, unique sheet name (≤ 31 characters, no ``[]:*?/\\``).

    Examples
    --------
    >>> used = set()
    >>> sheet_name("Rangfolge: 2023", used), sheet_name("Rangfolge: 2023", used)
    ('Rangfolge 2023', 'Rangfolge 2023 (2)')
    """
    base = re.sub(r"[\[\]:*?/\\]", "", name).strip().strip("'")[:31] or "Tabelle"
    out, n = base, 1
    while out.lower() in used:
        n += 1
        suffix = f" ({n})"
        out = base[:31 - len(suffix)] + suffix
    used.add(out.lower())
    return out


def _sheet(rows: Sequence[Sequence[object]], digits: Sequence[Sequence[int]] | None,
           header_rows: int) -> str:
    body = []
    width = 0
    for r, row in enumerate(rows, 1):
        cells = []
        bold = r <= header_rows
        for c, value in enumerate(row, 1):
            if value is None or value == "":
                continue
            width = max(width, c)
            ref = f"{column_letters(c)}{r}"
            if isinstance(value, bool):
                value = "ja" if value else "nein"
            if isinstance(value, (int, float)):
                number = float(value)
                if not math.isfinite(number):
                    continue
                d = 0
                if digits is not None and r - 1 < len(digits) and c - 1 < len(digits[r - 1]):
                    d = digits[r - 1][c - 1]
                style = 2 + min(3, max(0, d))
                shown = repr(int(number)) if number.is_integer() else repr(number)
                cells.append(f'<c r="{ref}" s="{style}"><v>{shown}</v></c>')
            else:
                style = ' s="1"' if bold else ""
                cells.append(f'<c r="{ref}" t="inlineStr"{style}><is><t xml:space="preserve">'
                             f"{_esc(str(value))}</t></is></c>")
        body.append(f'<row r="{r}">{"".join(cells)}</row>')
    dimension = f"A1:{column_letters(width)}{len(rows)}" if width else "A1"
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<worksheet xmlns="{_MAIN}"><dimension ref="{dimension}"/>'
            f'<sheetData>{"".join(body)}</sheetData></worksheet>')


def _styles() -> str:
    formats = "".join(f'<numFmt numFmtId="{164 + d}" formatCode="{code}"/>'
                      for d, code in _FORMATS.items())
    xfs = ('<xf numFmtId="0" fontId="0"/><xf numFmtId="0" fontId="1" applyFont="1"/>'
           + "".join(f'<xf numFmtId="{164 + d}" fontId="0" applyNumberFormat="1"/>'
                     for d in _FORMATS))
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<styleSheet xmlns="{_MAIN}"><numFmts count="{len(_FORMATS)}">{formats}</numFmts>'
            '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
            '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
            '<fills count="2"><fill><patternFill patternType="none"/></fill>'
            '<fill><patternFill patternType="gray125"/></fill></fills>'
            '<borders count="1"><border/></borders>'
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0"/></cellStyleXfs>'
            f'<cellXfs count="{2 + len(_FORMATS)}">{xfs}</cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
            "</cellStyles></styleSheet>")


def xlsx_bytes(sheets: Mapping[str, Sequence[Sequence[object]]], *,
               digits: Mapping[str, Sequence[Sequence[int]]] | None = None,
               header_rows: int = 0) -> bytes:
    """A workbook as bytes: one sheet per entry of ``sheets`` (rows of cells).

    Parameters
    ----------
    sheets : mapping of str to rows
        Sheet name (made valid with :func:`sheet_name`) -> rows; a cell is None, str,
        int or float (NaN and infinity are left empty).
    digits : mapping, optional
        Per sheet and cell the decimals of a number (its number format).
    header_rows : int
        The first rows of every sheet are bold.

    Returns
    -------
    bytes
        The same bytes for the same arguments.

    Examples
    --------
    >>> import zipfile, io
    >>> names = zipfile.ZipFile(io.BytesIO(xlsx_bytes({"A": [["x"]]}))).namelist()
    >>> names[0], "xl/worksheets/sheet1.xml" in names
    ('[Content_Types].xml', True)
    """
    used: set[str] = set()
    named = [(sheet_name(name, used), name, rows) for name, rows in sheets.items()]
    members: list[tuple[str, str]] = []
    overrides = ['<Override PartName="/xl/workbook.xml" ContentType="application/'
                 'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>',
                 '<Override PartName="/xl/styles.xml" ContentType="application/'
                 'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>']
    rels = [f'<Relationship Id="rIdStyles" Type="{_REL}/styles" Target="styles.xml"/>']
    listing = []
    for number, (shown, original, rows) in enumerate(named, 1):
        overrides.append(f'<Override PartName="/xl/worksheets/sheet{number}.xml" '
                         'ContentType="application/vnd.openxmlformats-officedocument.'
                         'spreadsheetml.worksheet+xml"/>')
        rels.append(f'<Relationship Id="rId{number}" Type="{_REL}/worksheet" '
                    f'Target="worksheets/sheet{number}.xml"/>')
        listing.append(f'<sheet name="{_esc(shown)}" sheetId="{number}" r:id="rId{number}"/>')
        members.append((f"xl/worksheets/sheet{number}.xml",
                        _sheet(rows, (digits or {}).get(original), header_rows)))
    head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    members[:0] = [
        ("[Content_Types].xml", head + '<Types xmlns="http://schemas.openxmlformats.org/'
         'package/2006/content-types"><Default Extension="rels" ContentType="application/'
         'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
         'ContentType="application/xml"/>' + "".join(overrides) + "</Types>"),
        ("_rels/.rels", head + f'<Relationships xmlns="{_PKG}"><Relationship Id="rId1" '
         f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
        ("xl/_rels/workbook.xml.rels", head + f'<Relationships xmlns="{_PKG}">'
         + "".join(rels) + "</Relationships>"),
        ("xl/workbook.xml", head + f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>'
         + "".join(listing) + "</sheets></workbook>"),
        ("xl/styles.xml", _styles()),
    ]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members:
            info = zipfile.ZipInfo(name, date_time=_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            archive.writestr(info, content.encode("utf-8"), compresslevel=6)
    return buffer.getvalue()
