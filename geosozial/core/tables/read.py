"""One entry point for indicator tables: detect the layout, call the right reader.

Layouts: ``genesis-csv`` (classic GENESIS/Regionalstatistik CSV), ``genesis-flat``
(flat-file CSV, ffcsv, also zipped), ``genesis-xlsx`` (XLSX export with metadata and
footnote sheets), ``plain-csv`` and ``plain-xlsx`` (one header row and a key column).
The layout used is in ``table.meta["layout"]``.

Example:
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_text("AGS;Name;SGB II\\n14522450;Roßwein;-\\n", encoding="utf-8")
    >>> t = read_table(p)
    >>> t.meta["layout"], t.value("14522450", "SGB II"), t.flag("14522450", "SGB II")
    ('plain-csv', 0.0, '-')
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Sequence
from pathlib import Path

from geosozial.core.messages import GeosozialError, Notice, define
from geosozial.core.tables.cells import check_decimal
from geosozial.core.tables.genesis import (
    is_flat_header,
    read_genesis_csv,
    read_genesis_flat,
    read_genesis_xlsx,
)
from geosozial.core.tables.plain import (
    read_plain_csv,
    read_plain_xlsx,
    split_lines,
    table_errors,
)
from geosozial.core.tables.table import Table
from geosozial.core.tables.textfile import decode_table_bytes, unreadable
from geosozial.core.tables.xlsx import read_workbook, sheet_names

LAYOUTS = ("genesis-csv", "genesis-flat", "genesis-xlsx", "plain-csv", "plain-xlsx")

define(
    "table.format",
    de="Datei {file}: das Format {suffix} wird nicht gelesen; bitte als CSV oder XLSX speichern.",
    en="file {file}: format {suffix} is not supported; please save it as CSV or XLSX.",
)
define(
    "table.xlsx_content",
    de="Datei {file} ist eine Excel-Arbeitsmappe (XLSX), obwohl sie nicht so heißt; sie wurde "
    "als Arbeitsmappe gelesen.",
    en="file {file} is an Excel workbook (XLSX) although it is not named so; it was read as a "
    "workbook.",
)
define(
    "table.zip_content",
    de="Datei {file} ist ein ZIP-Archiv ohne CSV-Datei und ohne Excel-Arbeitsmappe (Inhalt: "
    "{members}).",
    en="file {file} is a ZIP archive without a CSV file and without an Excel workbook "
    "(contents: {members}).",
)
define(
    "table.ignored",
    de="Datei {file} ist eine GENESIS-Tabelle ({layout}); {arguments} wird nicht gebraucht "
    "und nicht verwendet.",
    en="file {file} is a GENESIS table ({layout}); {arguments} is not needed and was not used.",
)


def _genesis_workbook(path: str | Path) -> bool:
    names = [n.lower() for n in sheet_names(path)]
    if not names:
        return False
    if "metadata" in names or "footnote" in names or re.match(r"^\d{5}-", names[0]):
        return True
    first = next(iter(read_workbook(path).values()), [])
    return any(cells and isinstance(cells[0], str) and cells[0].startswith("GENESIS-Tabelle")
               for _, cells in first[:10])


#: how much of a text file the layout is detected from
_SNIFF_BYTES = 1 << 16


def _zip_members(path: str | Path) -> list[str] | None:
    """The member names of a ZIP archive, None if ``path`` is none (or unreadable)."""
    try:
        if not zipfile.is_zipfile(path):
            return None
        with zipfile.ZipFile(path) as archive:
            return archive.namelist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError):
        return None


def detect_layout(path: str | Path, *, encoding: str | None = None) -> str:
    """Name the layout of a table file (one of :data:`LAYOUTS`).

    XLSX with ``metadata``/``footnote`` sheets, a table-code sheet name or a
    ``GENESIS-Tabelle:`` line is ``genesis-xlsx``; a ZIP or a CSV whose header has
    ``statistics_code`` and ``N_variable_...`` columns is ``genesis-flat``; a CSV starting
    with ``GENESIS-Tabelle:`` or with lines starting ``;;`` is ``genesis-csv``. A workbook
    with another extension (``.csv``) is read as a workbook. Files that are no table
    (binary data, a GeoPackage, a ZIP without CSV) are a
    :class:`~geosozial.core.messages.GeosozialError` naming the file.

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
        >>> _ = p.write_text("GENESIS-Tabelle: 12411-0001\\n;;Insgesamt\\n", encoding="utf-8")
        >>> detect_layout(p)
        'genesis-csv'
    """
    suffix = Path(path).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return "genesis-xlsx" if _genesis_workbook(path) else "plain-xlsx"
    if suffix in (".xls", ".ods", ".xlsb"):
        raise GeosozialError("table.format", file=str(path), suffix=suffix)
    members = _zip_members(path)
    if members is not None:
        if any(n.lower().endswith(".csv") for n in members):
            return "genesis-flat"
        if any(n.lower() in ("xl/workbook.xml", "[content_types].xml") for n in members):
            return "genesis-xlsx" if _genesis_workbook(path) else "plain-xlsx"
        raise GeosozialError("table.zip_content", file=str(path),
                             members=", ".join(members[:5]) or "-")
    try:
        with open(path, "rb") as handle:
            head = handle.read(_SNIFF_BYTES)
    except OSError as exc:
        raise unreadable(path, exc) from exc
    if encoding:  # the first bytes may end inside a character: the reader checks them all
        try:
            text = head.decode(encoding, errors="replace")
        except LookupError:
            raise GeosozialError("table.encoding", file=str(path), encoding=encoding) from None
    else:
        text = decode_table_bytes(head, None, str(path)).text
    lines = [line for line in split_lines(text)[:60] if line.strip()]
    if lines and is_flat_header(lines[0]):
        return "genesis-flat"
    if lines and (lines[0].lstrip('"').startswith("GENESIS-Tabelle")
                  or any(line.startswith((";;", ",,", "\t\t")) for line in lines)):
        return "genesis-csv"
    return "plain-csv"


@table_errors
def read_table(
    path: str | Path,
    *,
    key_column: str | None = None,
    name_column: str | None = None,
    sheet: str | int | None = None,
    encoding: str | None = None,
    columns: Sequence[str] | None = None,
    decimal: str | None = None,
) -> Table:
    """Read any supported indicator table into a :class:`~geosozial.core.tables.table.Table`.

    ``key_column``/``name_column`` apply to plain tables (``key_column`` names the regional
    variable of a flat file); ``sheet`` (name or 0-based index) to XLSX; ``encoding``
    overrides detection for CSV; ``columns`` chooses the value columns of a plain table
    (other columns are kept as text attributes); ``decimal`` (``","`` or ``"."``) settles
    the decimal mark of text cells, which is otherwise decided per column by evidence (an
    ambiguous ``1.560`` is refused with a message naming it). A file that looks like a
    classic GENESIS CSV but is not ``;``-separated is read as a plain CSV if that works,
    else the delimiter error is raised. Every problem, whatever the file holds, is a
    :class:`~geosozial.core.messages.GeosozialError` naming the file.

    Example:
        >>> t = read_table("genesis_destatis_12613-0004.csv")  # doctest: +SKIP
        >>> t.meta["layout"], t.meta["key_columns"]  # doctest: +SKIP
        ('genesis-csv', '1+2')
    """
    decimal = check_decimal(decimal)
    layout = detect_layout(path, encoding=encoding)
    renamed = layout.endswith("xlsx") and Path(path).suffix.lower() not in (".xlsx", ".xlsm")
    if layout == "plain-csv":
        return read_plain_csv(path, key_column=key_column, name_column=name_column,
                              encoding=encoding, columns=columns, decimal=decimal)
    if layout == "plain-xlsx":
        table = read_plain_xlsx(path, key_column=key_column, name_column=name_column,
                                sheet=sheet, columns=columns, decimal=decimal)
        if renamed:
            table.notices.insert(0, Notice("table.xlsx_content", "info", file=str(path)))
        return table
    if layout == "genesis-flat":
        table = read_genesis_flat(path, encoding=encoding, key_variable=key_column,
                                  decimal=decimal)
        key_column = None
    elif layout == "genesis-xlsx":
        table = read_genesis_xlsx(path, sheet=sheet, decimal=decimal)
        if renamed:
            table.notices.insert(0, Notice("table.xlsx_content", "info", file=str(path)))
    else:
        try:
            table = read_genesis_csv(path, encoding=encoding, decimal=decimal)
        except GeosozialError as err:
            if err.code not in ("genesis.delimiter", "genesis.no_header"):
                raise
            try:
                return read_plain_csv(path, key_column=key_column, name_column=name_column,
                                      encoding=encoding, columns=columns, decimal=decimal)
            except GeosozialError:
                raise err from None
    ignored = [n for n, v in (("key_column", key_column), ("name_column", name_column)) if v]
    if ignored:
        table.notices.append(Notice("table.ignored", severity="info", file=str(path),
                                    layout=layout, arguments=", ".join(ignored)))
    return table
