"""Read XLSX workbooks with the Python standard library only (no openpyxl).

QGIS ships without openpyxl, so geosozial reads Excel tables itself: :func:`read_workbook`
returns every worksheet as numbered rows of cell values, exactly what openpyxl's read-only
mode gives for::

    wb = load_workbook(path, read_only=True, data_only=True)
    {ws.title: [(i, list(r)) for i, r in enumerate(ws.iter_rows(values_only=True), 1)]
     for ws in wb.worksheets}

That is:

- rows start at row 1; missing rows (also leading ones) are lists of ``None``; every row
  is padded with ``None`` to the last column of the sheet's ``<dimension>``; a sheet
  without a ``<dimension>`` gives rows as long as their last cell (a missing row is ``[]``);
- numbers are ``int`` when written without ``.``/``E`` (``"5"``) and ``float`` otherwise
  (``"5.0"``, ``"1E3"``); numbers in a cell whose style has a date or time format are
  ``datetime.datetime`` (``datetime.time`` for serials below 1, ``datetime.timedelta`` for
  elapsed-time formats such as ``[h]:mm:ss``), in the 1900 system with Excel's leap-year
  bug or in the 1904 system when the workbook says ``date1904``;
- shared, inline and rich-text strings are ``str`` (runs concatenated, whitespace kept),
  cached formula results are read from ``<v>`` (``t="str"`` gives ``str``, no cached value
  gives ``None``), booleans are ``bool``, error cells the error text such as ``'#N/A'``,
  ``t="d"`` cells ISO dates (``datetime.date``/``datetime.datetime``/``datetime.time``).

One deliberate difference: where openpyxl would silently drop cell values because the
``<dimension>`` is smaller than the data (a writer bug) or rows are out of order, this
reader keeps them and pads to the extent of the data instead.

A file that is no ZIP archive (a renamed CSV or XLS file, an empty file), has no workbook
part, is encrypted or contains broken XML raises
:class:`~geosozial.core.messages.GeosozialError` with code ``table.not_xlsx``.

Formula cells without a cached value (``<f>`` without ``<v>``: the file was written by a
program that does not calculate, and never opened in Excel or LibreOffice) are ``None``
like openpyxl gives them; ``read_workbook(path, uncached={})`` collects their cell
references per sheet, and :func:`check_formulas` turns them into an error naming them.
:func:`write_minimal_xlsx` writes small workbooks for tests and examples.

Examples
--------
>>> import datetime, tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "tabelle.xlsx"
>>> write_minimal_xlsx(path, {"Daten": [["AGS", "Einwohner", "Stand"],
...                                     ["01001000", 89504, datetime.date(2023, 12, 31)],
...                                     [],
...                                     ["01002000", 2.5, None, True]]})
>>> read_workbook(path)["Daten"]  # doctest: +NORMALIZE_WHITESPACE
[(1, ['AGS', 'Einwohner', 'Stand', None]),
 (2, ['01001000', 89504, datetime.datetime(2023, 12, 31, 0, 0), None]),
 (3, [None, None, None, None]),
 (4, ['01002000', 2.5, None, True])]
>>> sheet_names(path)
['Daten']
"""

from __future__ import annotations

import datetime
import math
import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from xml.etree import ElementTree as ET

from geosozial.core.messages import GeosozialError, define

__all__ = ["check_formulas", "read_workbook", "sheet_names", "write_minimal_xlsx"]

define(
    "table.not_xlsx",
    de="Datei {file} ist keine Excel-Arbeitsmappe (XLSX); vielleicht eine umbenannte CSV- "
    "oder XLS-Datei? Bitte als XLSX oder CSV speichern.",
    en="file {file} is not an Excel workbook (XLSX); perhaps a renamed CSV or XLS file? "
    "Please save it as XLSX or CSV.",
)

define(
    "table.formula_uncached",
    de="Datei {file}, Tabellenblatt {sheet!r}: {count} Formelzelle(n) ohne gespeicherten Wert "
    "(z. B. {cells}). Die Datei wurde von einem Programm geschrieben, das Formeln nicht "
    "berechnet; die Werte wären alle leer. Bitte die Datei einmal in Excel oder LibreOffice "
    "öffnen und speichern.",
    en="file {file}, sheet {sheet!r}: {count} formula cell(s) without a stored value (e.g. "
    "{cells}). The file was written by a program that does not calculate formulas; all these "
    "values would be empty. Please open the file once in Excel or LibreOffice and save it.",
)

Rows = list[tuple[int, list[object]]]

#: everything a damaged or hostile package can raise while it is read
_BROKEN = (ET.ParseError, zipfile.BadZipFile, zlib.error, EOFError, KeyError, ValueError,
           IndexError, OverflowError, NotImplementedError, RuntimeError, TypeError,
           AttributeError, OSError)

_MAIN_NS = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",  # strict OOXML
)
_PREFIXES = (*(f"{{{ns}}}" for ns in _MAIN_NS), "")
_CONTENT_TYPES_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_WORKBOOK_TYPES = (  # the order openpyxl looks for them
    "application/vnd.ms-excel.template.macroEnabled.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
)
_SHARED_STRINGS_TYPE = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
)

_WINDOWS_EPOCH = datetime.datetime(1899, 12, 30)
_MAC_EPOCH = datetime.datetime(1904, 1, 1)

#: Excel's built-in number formats as openpyxl knows them (ids 14-22 and 45-47 are dates).
_BUILTIN_FORMATS = {
    0: "General", 1: "0", 2: "0.00", 3: "#,##0", 4: "#,##0.00",
    5: '"$"#,##0_);("$"#,##0)', 6: '"$"#,##0_);[Red]("$"#,##0)',
    7: '"$"#,##0.00_);("$"#,##0.00)', 8: '"$"#,##0.00_);[Red]("$"#,##0.00)',
    9: "0%", 10: "0.00%", 11: "0.00E+00", 12: "# ?/?", 13: "# ??/??",
    14: "mm-dd-yy", 15: "d-mmm-yy", 16: "d-mmm", 17: "mmm-yy", 18: "h:mm AM/PM",
    19: "h:mm:ss AM/PM", 20: "h:mm", 21: "h:mm:ss", 22: "m/d/yy h:mm",
    37: "#,##0_);(#,##0)", 38: "#,##0_);[Red](#,##0)", 39: "#,##0.00_);(#,##0.00)",
    40: "#,##0.00_);[Red](#,##0.00)",
    41: r'_(* #,##0_);_(* \(#,##0\);_(* "-"_);_(@_)',
    42: r'_("$"* #,##0_);_("$"* \(#,##0\);_("$"* "-"_);_(@_)',
    43: r'_(* #,##0.00_);_(* \(#,##0.00\);_(* "-"??_);_(@_)',
    44: r'_("$"* #,##0.00_)_("$"* \(#,##0.00\)_("$"* "-"??_)_(@_)',
    45: "mm:ss", 46: "[h]:mm:ss", 47: "mmss.0", 48: "##0.0E+0", 49: "@",
}
# quoted text and [...] except elapsed-time units such as [h], [mm], [ss]
_STRIP_FORMAT = re.compile(r'".*?"|\[(?!hh?\]|mm?\]|ss?\])[^\]]*\]')
_DATE_CODE = re.compile(r"(?<![_\\])[dmhysDMHYS]")
_TIMEDELTA_CODE = re.compile(
    r"\[hh?\](:mm(:ss(\.0*)?)?)?|\[mm?\](:ss(\.0*)?)?|\[ss?\](\.0*)?", re.IGNORECASE)
_RANGE = re.compile(r"^[$]?([A-Za-z]{1,3})?[$]?(\d+)?(:[$]?([A-Za-z]{1,3})?[$]?(\d+)?)?$")
_ISO_DATETIME = re.compile(
    r"(?P<date>(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2}))?T?"
    r"(?P<time>(?P<hour>\d{2}):(?P<minute>\d{2})"
    r"(:(?P<second>\d{2})(?P<microsecond>\.\d{1,3})?)?)?Z?")
_ISO_DURATION = re.compile(
    r"PT((?P<hours>\d+)H)?((?P<minutes>\d+)M)?((?P<seconds>\d+(\.\d{1,3})?)S)?")

_COLUMNS: dict[str, int] = {}


class _Corrupt(Exception):
    """Internal: the package is damaged; turned into ``table.not_xlsx``."""


def read_workbook(path: str | Path, *,
                  uncached: dict[str, list[str]] | None = None) -> dict[str, Rows]:
    """Every worksheet in workbook order as ``{sheet title: [(row number, cell values)]}``.

    Row numbers are 1-based and start at row 1; the values are those of openpyxl's
    ``load_workbook(path, read_only=True, data_only=True)`` with
    ``iter_rows(values_only=True)`` (see the module documentation). Chart sheets are
    left out.

    Parameters
    ----------
    path : str or Path
        The ``.xlsx`` (or ``.xlsm``) file.
    uncached : dict, optional
        If given, filled with ``{sheet title: [cell reference, ...]}`` of the formula cells
        without a cached value (sheets without such cells are left out).

    Returns
    -------
    dict of str to list of (int, list)
        Sheet title to its rows; every row is a new list of cell values (``None`` for an
        empty cell).

    Raises
    ------
    GeosozialError
        ``table.not_xlsx`` if the file is no ZIP archive, has no workbook part or a part
        is broken.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "t.xlsx"
    >>> write_minimal_xlsx(path, [["Schlüssel", "Wert"], ["14", 1.5]], title="Übersicht")
    >>> read_workbook(path)
    {'Übersicht': [(1, ['Schlüssel', 'Wert']), (2, ['14', 1.5])]}
    """
    with _open(path) as archive:
        try:
            book = _Book(archive)
            out = {}
            for title, member in book.sheets:
                found: list[str] = []
                out[title] = book.rows(member, found if uncached is not None else None)
                if found and uncached is not None:
                    uncached[title] = found
            return out
        except (_Corrupt, *_BROKEN) as exc:
            raise GeosozialError("table.not_xlsx", file=str(path)) from exc


def check_formulas(cells: Sequence[str], sheet: str, source: str) -> None:
    """Refuse a sheet with formula cells without a cached value, naming some of them.

    Parameters
    ----------
    cells : sequence of str
        The references (``C5``) collected by :func:`read_workbook` for ``sheet``.
    sheet : str
        The sheet title.
    source : str
        The file name.

    Raises
    ------
    GeosozialError
        ``table.formula_uncached`` with the count and up to five references.

    Examples
    --------
    >>> check_formulas([], "Daten", "t.xlsx")
    >>> check_formulas(["C5", "C6"], "Daten", "t.xlsx")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    geosozial.core.messages.GeosozialError: Datei t.xlsx, Tabellenblatt 'Daten': 2 ...
    """
    if cells:
        shown = ", ".join(cells[:5]) + (", …" if len(cells) > 5 else "")
        raise GeosozialError("table.formula_uncached", file=source, sheet=sheet,
                             count=len(cells), cells=shown)


def sheet_names(path: str | Path) -> list[str]:
    """The worksheet titles in workbook order, the keys of :func:`read_workbook`.

    Only the workbook part is read, not the sheets. Chart sheets are left out (openpyxl's
    ``Workbook.sheetnames`` lists them, its ``Workbook.worksheets`` does not).

    Parameters
    ----------
    path : str or Path
        The ``.xlsx`` (or ``.xlsm``) file.

    Returns
    -------
    list of str
        The titles.

    Raises
    ------
    GeosozialError
        ``table.not_xlsx`` as for :func:`read_workbook`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "t.xlsx"
    >>> write_minimal_xlsx(path, {"Daten": [[1]], "Hinweise": [["Quelle"]]})
    >>> sheet_names(path)
    ['Daten', 'Hinweise']
    """
    with _open(path) as archive:
        try:
            return [title for title, _ in _Book(archive, cells=False).sheets]
        except (_Corrupt, *_BROKEN) as exc:
            raise GeosozialError("table.not_xlsx", file=str(path)) from exc


def _open(path: str | Path) -> zipfile.ZipFile:
    """The ZIP archive at ``path``; ``table.not_xlsx`` if it is none."""
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, NotImplementedError,
            RuntimeError) as exc:
        raise GeosozialError("table.not_xlsx", file=str(path)) from exc


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _attribute(element: ET.Element, name: str) -> str | None:
    """An attribute by local name, namespaced (``r:id``) or not."""
    for key, value in element.attrib.items():
        if key.endswith("}" + name):
            return value
    return element.get(name)


def _xml(archive: zipfile.ZipFile, member: str) -> ET.Element:
    return ET.fromstring(archive.read(member))


def _resolve(source: str, target: str) -> str:
    """A relationship target as an archive member name, as openpyxl resolves it."""
    if target.startswith("/"):
        return target[1:]
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


class _Book:
    """The workbook-level parts: sheets, shared strings, date styles and epoch."""

    def __init__(self, archive: zipfile.ZipFile, *, cells: bool = True) -> None:
        self.archive = archive
        self.names = set(archive.namelist())
        content_types = {}
        if "[Content_Types].xml" in self.names:
            for el in _xml(archive, "[Content_Types].xml"):
                if el.tag in (_CONTENT_TYPES_NS + "Override", "Override"):
                    part = (el.get("PartName") or "").lstrip("/")
                    content_types.setdefault(el.get("ContentType"), part)
        workbook = self._workbook_part(content_types)
        rels = self._relationships(workbook)
        root = _xml(archive, workbook)
        if _local(root.tag) != "workbook":
            raise _Corrupt(workbook)

        self.epoch = _WINDOWS_EPOCH
        self.sheets: list[tuple[str, str]] = []
        for el in root:
            name = _local(el.tag)
            if name == "workbookPr":
                flag = el.get("date1904")
                if flag and flag not in ("false", "f", "0"):
                    self.epoch = _MAC_EPOCH
            elif name == "sheets":
                for sheet in el:
                    if _local(sheet.tag) != "sheet":
                        continue
                    rel = rels.get(_attribute(sheet, "id") or "")
                    if rel is None or rel[1] not in self.names or "chartsheet" in rel[0]:
                        continue
                    self.sheets.append((sheet.get("name") or "", rel[1]))
        if not cells:  # the sheet list is all sheet_names needs
            return

        strings = content_types.get(_SHARED_STRINGS_TYPE) or self._related(rels, "sharedStrings")
        self.shared: list[str] = self._shared_strings(strings) if strings else []
        self.date_styles, self.timedelta_styles = self._date_styles(
            self._related(rels, "styles") or "xl/styles.xml")
        self.style_dates: dict[str, bool] = {}  # cell style attribute -> has a date format

    def _workbook_part(self, content_types: dict[str | None, str]) -> str:
        candidates = [content_types.get(t) for t in _WORKBOOK_TYPES]
        if "_rels/.rels" in self.names:
            for rel_type, target in self._relationships("", "_rels/.rels").values():
                if rel_type.endswith("/officeDocument"):
                    candidates.append(target)
        candidates.append("xl/workbook.xml")
        for part in candidates:
            if part and part in self.names:
                return part
        raise _Corrupt("workbook part missing")

    def _relationships(self, part: str, rels: str | None = None) -> dict[str, tuple[str, str]]:
        """``{Id: (Type, member)}`` of the internal relationships of ``part``."""
        if rels is None:
            folder, name = posixpath.split(part)
            rels = posixpath.join(folder, "_rels", name + ".rels")
        if rels not in self.names:
            return {}
        result = {}
        for el in _xml(self.archive, rels):
            if _local(el.tag) != "Relationship" or el.get("TargetMode") == "External":
                continue
            target = el.get("Target")
            if target is not None:
                result[el.get("Id") or ""] = (el.get("Type") or "", _resolve(part, target))
        return result

    def _related(self, rels: dict[str, tuple[str, str]], kind: str) -> str | None:
        for rel_type, member in rels.values():
            if rel_type.endswith("/" + kind) and member in self.names:
                return member
        return None

    def _shared_strings(self, member: str) -> list[str]:
        if member not in self.names:
            return []
        tags = {prefix + "si" for prefix in _PREFIXES}
        strings = []
        with self.archive.open(member) as source:
            for _, el in ET.iterparse(source):
                if el.tag in tags:
                    strings.append(_text(el).replace("x005F_", ""))
                    el.clear()
        return strings

    def _date_styles(self, member: str) -> tuple[set[int], set[int]]:
        """Indices of the cell styles (``cellXfs``) with a date and an elapsed-time format."""
        if member not in self.names:
            return set(), set()
        custom: dict[int, str] = {}
        formats: list[int] = []
        for part in _xml(self.archive, member):
            name = _local(part.tag)
            if name == "numFmts":
                for fmt in part:
                    if _local(fmt.tag) == "numFmt" and fmt.get("numFmtId") is not None:
                        custom[int(fmt.get("numFmtId"))] = fmt.get("formatCode") or ""
            elif name == "cellXfs":
                formats = [int(xf.get("numFmtId") or 0) for xf in part if _local(xf.tag) == "xf"]
        dates, durations = set(), set()
        for idx, fmt_id in enumerate(formats):
            code = custom[fmt_id] if fmt_id in custom else _BUILTIN_FORMATS.get(fmt_id)
            if code is None:
                continue
            first = code.split(";")[0]
            if _DATE_CODE.search(_STRIP_FORMAT.sub("", first)):
                dates.add(idx)
            if _TIMEDELTA_CODE.search(first):
                durations.add(idx)
        return dates, durations

    def rows(self, member: str, uncached: list[str] | None = None) -> Rows:
        """The rows of the worksheet part ``member`` (``uncached`` collects formula cells
        without a cached value)."""
        row_tags = {prefix + "row" for prefix in _PREFIXES}
        dimension_tags = {prefix + "dimension" for prefix in _PREFIXES}
        data_tags = {prefix + "sheetData" for prefix in _PREFIXES}
        parsed: list[tuple[int, list[object]]] = []
        max_col = max_row = None
        before_data, lossy = True, False
        row_counter = 0
        with self.archive.open(member) as source:
            for _, el in ET.iterparse(source):
                tag = el.tag
                if tag in row_tags:
                    ref = el.get("r")
                    row_counter = row_counter + 1 if ref is None else _row_number(ref)
                    values, beyond = self._row_values(el, tag[:-3], max_col, row_counter,
                                                      uncached)
                    parsed.append((row_counter, values))
                    lossy = lossy or beyond
                    el.clear()
                elif before_data:
                    if tag in dimension_tags:
                        max_col, max_row = _dimension(el.get("ref") or "") or (None, None)
                        before_data = False
                    elif tag in data_tags:
                        before_data = False
        return _assemble(parsed, max_col, max_row, lossy)

    def _row_values(self, row: ET.Element, prefix: str, max_col: int | None,
                    number: int = 0,
                    uncached: list[str] | None = None) -> tuple[list[object], bool]:
        """The values of a ``<row>``, padded to ``max_col`` (without: to its last cell).

        The flag is True if a value lies beyond that width (openpyxl would drop it).
        ``uncached`` collects the references of formula cells without ``<v>``.
        """
        cell_tag, value_tag, inline_tag = prefix + "c", prefix + "v", prefix + "is"
        formula_tag = prefix + "f"
        columns = _COLUMNS
        shared = self.shared
        date_styles = self.date_styles
        style_dates = self.style_dates
        values: list[object] = [None] * max_col if max_col else []
        width = len(values)
        beyond = False
        column = 0
        for cell in row:
            if cell.tag != cell_tag:
                continue
            ref = cell.get("r")
            if ref:
                column = columns.get(ref.rstrip("0123456789")) or _column(ref)
            else:
                column += 1
            kind = cell.get("t")
            if kind is None or kind == "n":
                text = cell.findtext(value_tag)
                if not text:
                    if (uncached is not None and cell.find(value_tag) is None
                            and cell.find(formula_tag) is not None):
                        uncached.append(ref or f"{column_letters(column)}{number}")
                    continue
                try:  # openpyxl: int unless written with "." or an exponent
                    value: object = (float(text) if "." in text or "E" in text or "e" in text
                                     else int(text))
                except ValueError:
                    value = _number_text(text)
                else:
                    style = cell.get("s")
                    if style:
                        is_date = style_dates.get(style)
                        if is_date is None:
                            is_date = style_dates[style] = int(style) in date_styles
                        if is_date:
                            value = self._date(value, int(style))  # type: ignore[arg-type]
            elif kind == "s":
                text = cell.findtext(value_tag)
                if not text:
                    continue
                value = shared[int(text)]
            elif kind == "inlineStr":
                inline = cell.find(inline_tag)
                if inline is None:
                    continue
                value = _text(inline)
            else:
                text = cell.findtext(value_tag)
                if not text:
                    if (uncached is not None and cell.find(value_tag) is None
                            and cell.find(formula_tag) is not None):
                        uncached.append(ref or f"{column_letters(column)}{number}")
                    continue
                if kind == "b":
                    value = _boolean(text)
                elif kind == "d":
                    value = _iso_datetime(text)
                else:  # "str" (formula result), "e" (error such as #N/A) and unknown types
                    value = text
            if column <= width:
                values[column - 1] = value
            else:
                values.extend([None] * (column - width))
                values[column - 1] = value
                width = column
                beyond = beyond or max_col is not None
        if max_col is None:
            if width < column:  # as long as the last cell, even an empty one
                values.extend([None] * (column - width))
            elif width > column:  # cells out of order: openpyxl cuts at the last cell
                beyond = True
        return values, beyond

    def _date(self, value: float, style: int) -> object:
        try:
            return _from_excel(value, self.epoch, style in self.timedelta_styles)
        except (OverflowError, ValueError):
            return "#VALUE!"  # openpyxl: a date serial out of range is an error cell


def _number_text(text: str) -> object:
    """A number openpyxl's int()/float() split does not read (``"nan"``): float or text."""
    try:
        return float(text)
    except ValueError:
        return text


def _text(element: ET.Element) -> str:
    """The text of a shared or inline string (``<si>``/``<is>``), runs concatenated.

    As openpyxl: the last direct ``<t>`` plus the last ``<t>`` of every ``<r>`` run;
    phonetic runs (``<rPh>``) are not part of the text.
    """
    plain = None
    runs = []
    for child in element:
        name = _local(child.tag)
        if name == "t":
            plain = child.text
        elif name == "r":
            text = None
            for part in child:
                if _local(part.tag) == "t":
                    text = part.text
            if text is not None:
                runs.append(text)
    return (plain or "") + "".join(runs)


def _row_number(ref: str) -> int:
    try:
        return int(ref)
    except ValueError:
        number = float(ref)
        if not number.is_integer():
            raise
        return int(number)


def _column(ref: str) -> int:
    """The 1-based column of a cell reference such as ``B3``."""
    letters = ref.rstrip("0123456789").replace("$", "")
    column = _COLUMNS.get(letters)
    if column is None:
        if not letters.isalpha() or not letters.isascii() or len(letters) > 3:
            raise _Corrupt(f"cell reference {ref!r}")
        column = 0
        for letter in letters.upper():
            column = column * 26 + ord(letter) - 64
        _COLUMNS[letters] = column
    return column


def _dimension(ref: str) -> tuple[int | None, int | None] | None:
    """``(max column, max row)`` of a ``<dimension ref="A1:H20">``; None if unreadable."""
    match = _RANGE.match(ref)
    if not match:
        return None
    min_col, min_row, sep, max_col, max_row = match.groups()
    if sep and not (all((min_col, min_row, max_col, max_row))
                    or (min_col and max_col and not (min_row or max_row))
                    or (min_row and max_row and not (min_col or max_col))):
        return None
    col = max_col or min_col
    row = max_row or min_row
    try:
        return (_column(col + "1") if col else None), (int(row) if row else None)
    except _Corrupt:
        return None


def _assemble(parsed: list[tuple[int, list[object]]], max_col: int | None,
              max_row: int | None, lossy: bool) -> Rows:
    """Numbered rows as openpyxl's read-only worksheet gives them.

    If openpyxl would drop values (``lossy``: a ``<dimension>`` smaller than the data,
    cells or rows out of order), the rows are merged and sorted and the dimension is
    enlarged to the data instead.
    """
    if not lossy:
        rows, lost = _rows_like_openpyxl(parsed, max_col, max_row)
        if not lost:
            return rows
    merged: dict[int, list[object]] = {}
    for idx, values in parsed:
        row = merged.get(idx)
        if row is None:
            merged[idx] = list(values)
            continue
        if len(row) < len(values):
            row.extend([None] * (len(values) - len(row)))
        for i, value in enumerate(values):
            if value is not None:
                row[i] = value
    ordered = sorted(merged.items())
    if max_col is not None:
        max_col = max([max_col] + [len(values) for _, values in ordered])
        for _, values in ordered:
            values.extend([None] * (max_col - len(values)))
    if max_row is not None:
        max_row = max([max_row] + [idx for idx, values in ordered
                                   if any(v is not None for v in values)])
    return _rows_like_openpyxl(ordered, max_col, max_row)[0]


def _rows_like_openpyxl(parsed: list[tuple[int, list[object]]], max_col: int | None,
                        max_row: int | None) -> tuple[Rows, bool]:
    """openpyxl's ``ReadOnlyWorksheet._cells_by_row`` with ``min_row = min_col = 1``.

    Returns the numbered rows and whether rows with values were left out (rows out of
    order, repeated, or beyond ``max_row``).
    """
    width = max_col or 0
    rows: list[list[object]] = []
    lost = False
    counter = 1
    idx = 1
    for position, (idx, values) in enumerate(parsed):
        if max_row is not None and idx > max_row:
            lost = any(v is not None for _, later in parsed[position:] for v in later)
            break
        while counter < idx:
            rows.append([None] * width)
            counter += 1
        if counter <= idx:
            rows.append(values)
            counter += 1
        elif not lost:
            lost = any(v is not None for v in values)
    if max_row is not None and max_row < idx:
        while counter <= max_row:
            rows.append([None] * width)
            counter += 1
    return list(enumerate(rows, 1)), lost


def _boolean(text: str) -> bool:
    try:
        return bool(int(text))
    except ValueError:
        return text.strip().lower() == "true"


def _from_excel(value: float, epoch: datetime.datetime,
                timedelta: bool) -> datetime.datetime | datetime.time | datetime.timedelta:
    """A date serial as openpyxl's ``from_excel`` converts it (millisecond precision)."""
    if timedelta:
        delta = datetime.timedelta(days=value)
        if delta.microseconds:
            delta = datetime.timedelta(seconds=delta.total_seconds() // 1,
                                       microseconds=round(delta.microseconds, -3))
        return delta
    day, fraction = divmod(value, 1)
    diff = datetime.timedelta(milliseconds=round(fraction * 86400 * 1000))
    if 0 <= value < 1 and diff.days == 0:
        minutes, seconds = divmod(diff.seconds, 60)
        hours, minutes = divmod(minutes, 60)
        return datetime.time(hours, minutes, seconds, diff.microseconds)
    if 0 < value < 60 and epoch == _WINDOWS_EPOCH:
        day += 1  # Excel's 29 February 1900, which did not exist
    return epoch + datetime.timedelta(days=day) + diff


def _iso_datetime(text: str) -> object:
    """A ``t="d"`` cell as openpyxl's ``from_ISO8601`` reads it."""
    match = _ISO_DATETIME.match(text)
    if match and any(match.groups()):
        parts = match.groupdict()
        number = {k: int(parts[k] or 0) for k in ("year", "month", "day", "hour", "minute",
                                                   "second")}
        micro = int(float(parts["microsecond"]) * 1_000_000) if parts["microsecond"] else 0
        if not parts["date"]:
            return datetime.time(number["hour"], number["minute"], number["second"], micro)
        if not parts["time"]:
            return datetime.date(number["year"], number["month"], number["day"])
        return datetime.datetime(*number.values(), micro)
    match = _ISO_DURATION.match(text)
    if match and any(match.groups()):
        return datetime.timedelta(**{k: float(v) for k, v in match.groupdict().items() if v})
    raise _Corrupt(f"date {text!r}")


# --- writing (tests and examples) ------------------------------------------------------

_SPREADSHEET_NS = _MAIN_NS[0]
_DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_STYLES = (  # cell style index -> numFmtId
    ("date", 14), ("datetime", 22), ("time", 21),
)


def write_minimal_xlsx(path: str | Path,
                       rows: Mapping[str, Sequence[Sequence[object]]]
                       | Sequence[Sequence[object]],
                       *, title: str = "Tabelle1") -> None:
    """Write a small XLSX workbook (inline strings, one style per date kind), for tests.

    Parameters
    ----------
    path : str or Path
        The file to write.
    rows : mapping of str to rows, or rows
        ``{sheet title: rows}`` for several sheets, or the rows of one sheet called
        ``title``. A row is a sequence of cell values: ``None`` (no cell), ``str``,
        ``bool``, ``int``, ``float``, ``datetime.date``, ``datetime.datetime`` or
        ``datetime.time`` (dates in the 1900 system).
    title : str
        The sheet title when ``rows`` is not a mapping.

    Returns
    -------
    None

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "t.xlsx"
    >>> write_minimal_xlsx(path, [[None, "b"], [1, None]])
    >>> read_workbook(path)
    {'Tabelle1': [(1, [None, 'b']), (2, [1, None])]}
    """
    sheets = dict(rows) if isinstance(rows, Mapping) else {title: rows}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        overrides = [("/xl/workbook.xml", _WORKBOOK_TYPES[3]),
                     ("/xl/styles.xml", "application/vnd.openxmlformats-officedocument."
                      "spreadsheetml.styles+xml")]
        book_rels = [("rIdStyles", "styles", "styles.xml")]
        sheet_list = []
        for number, (name, sheet_rows) in enumerate(sheets.items(), 1):
            member = f"worksheets/sheet{number}.xml"
            archive.writestr("xl/" + member, _sheet_xml(sheet_rows))
            overrides.append((f"/xl/{member}", "application/vnd.openxmlformats-"
                              "officedocument.spreadsheetml.worksheet+xml"))
            book_rels.append((f"rId{number}", "worksheet", member))
            sheet_list.append(f'<sheet name="{_escape(name)}" sheetId="{number}" '
                              f'r:id="rId{number}"/>')
        archive.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            + "".join(f'<Override PartName="{p}" ContentType="{t}"/>' for p, t in overrides)
            + "</Types>"))
        archive.writestr("_rels/.rels", _rels_xml([("rId1", "officeDocument",
                                                    "xl/workbook.xml")]))
        archive.writestr("xl/_rels/workbook.xml.rels", _rels_xml(book_rels))
        archive.writestr("xl/workbook.xml", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<workbook xmlns="{_SPREADSHEET_NS}" xmlns:r="{_DOC_REL}"><sheets>'
            + "".join(sheet_list) + "</sheets></workbook>"))
        xfs = '<xf numFmtId="0"/>' + "".join(f'<xf numFmtId="{i}" applyNumberFormat="1"/>'
                                              for _, i in _STYLES)
        archive.writestr("xl/styles.xml", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<styleSheet xmlns="{_SPREADSHEET_NS}"><cellXfs count="{len(_STYLES) + 1}">'
            f"{xfs}</cellXfs></styleSheet>"))


def _escape(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def _rels_xml(rels: Iterable[tuple[str, str, str]]) -> str:
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Relationships xmlns="{_PKG_REL}">'
            + "".join(f'<Relationship Id="{i}" Type="{_DOC_REL}/{t}" Target="{target}"/>'
                      for i, t, target in rels)
            + "</Relationships>")


def column_letters(column: int) -> str:
    """The spreadsheet letters of a 1-based column number.

    Examples
    --------
    >>> column_letters(1), column_letters(27), column_letters(703)
    ('A', 'AA', 'AAA')
    """
    letters = ""
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _sheet_xml(rows: Sequence[Sequence[object]]) -> str:
    styles = {kind: idx for idx, (kind, _) in enumerate(_STYLES, 1)}
    body = []
    width = 0
    for r, row in enumerate(rows, 1):
        cells = []
        for c, value in enumerate(row, 1):
            if value is None:
                continue
            width = max(width, c)
            ref = f"{column_letters(c)}{r}"
            if isinstance(value, bool):
                cells.append(f'<c r="{ref}" t="b"><v>{int(value)}</v></c>')
            elif isinstance(value, (int, float)):
                if isinstance(value, float) and not math.isfinite(value):
                    raise ValueError(f"cell {ref}: {value} cannot be stored in XLSX")
                cells.append(f'<c r="{ref}"><v>{value!r}</v></c>')
            elif isinstance(value, str):
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">'
                             f"{_escape(value)}</t></is></c>")
            elif isinstance(value, (datetime.date, datetime.time)):
                kind = ("datetime" if isinstance(value, datetime.datetime) else
                        "date" if isinstance(value, datetime.date) else "time")
                cells.append(f'<c r="{ref}" s="{styles[kind]}"><v>{_serial(value)!r}</v></c>')
            else:
                raise TypeError(f"cell {ref}: cannot write {type(value).__name__}")
        body.append(f'<row r="{r}">{"".join(cells)}</row>')
    dimension = f"A1:{column_letters(width)}{len(rows)}" if width else "A1"
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<worksheet xmlns="{_SPREADSHEET_NS}"><dimension ref="{dimension}"/>'
            f'<sheetData>{"".join(body)}</sheetData></worksheet>')


def _serial(value: datetime.date | datetime.time) -> int | float:
    """The 1900-system serial of a date, datetime or time."""
    if isinstance(value, datetime.time):
        return (value.hour * 3600 + value.minute * 60 + value.second
                + value.microsecond / 1e6) / 86400
    if not isinstance(value, datetime.datetime):
        value = datetime.datetime.combine(value, datetime.time())
    days = (value - _WINDOWS_EPOCH).days
    if 0 < days <= 60:
        days -= 1  # serial 60 is Excel's non-existent 29 February 1900
    seconds = value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
    return days + seconds / 86400 if seconds else days
