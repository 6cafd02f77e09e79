"""Plain CSV and XLSX tables with a key column, plus helpers shared by all table readers.

A plain table has one header row, a key column (AGS, ARS, Schlüssel, ...), an optional
name column and value columns. Keys are read as text, never through a number; every
value cell goes through :func:`~geosozial.core.symbols.parse_cell`, so ``-`` is zero and
``.`` is missing with its flag kept.

Example:
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_text("AGS;Name;Einwohner\\n01001000;Flensburg;89.504\\n", encoding="utf-8")
    >>> t = read_plain_csv(p)
    >>> t.keys, t.value("01001000", "Einwohner")
    (['01001000'], 89504.0)
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from pathlib import Path

from geosozial.core.keys import LAENDER, LEVEL_LENGTHS, normalize_key
from geosozial.core.messages import GeosozialError, Notice, define
from geosozial.core.symbols import UnknownSymbol, parse_cell
from geosozial.core.tables.table import Table
from geosozial.core.tables.xlsx import read_workbook

#: column names (case-insensitive) taken as the key column, in this order of preference
KEY_COLUMN_NAMES = (
    "ags", "ars", "schlüssel", "gemeindeschlüssel", "regionalschlüssel", "rs", "kennziffer",
    "schluessel", "gemeindeschluessel", "regionalschluessel",
)
#: column names (case-insensitive) taken as the name column when none is given
NAME_COLUMN_NAMES = (
    "name", "gemeindename", "gemeinde", "gen", "bezeichnung", "gebiet", "gebietsname",
    "region", "kreisname", "ortsname",
)
DELIMITERS = (";", ",", "\t")

define("table.empty", de="Datei {file} ist leer.", en="file {file} is empty.")
define(
    "table.thousands",
    de="Datei {file}: Zahlen wie {example} wurden mit Tausenderpunkt gelesen ({value}). "
    "Falls ein Dezimalpunkt gemeint ist, bitte mit Dezimalkomma exportieren.",
    en="file {file}: numbers like {example} were read with a thousands dot ({value}). "
    "If a decimal point is meant, please export with a decimal comma.",
)
define(
    "table.no_rows",
    de="Datei {file} enthält nur die Kopfzeile und keine Datenzeilen.",
    en="file {file} has a header but no data rows.",
)
define(
    "table.no_key_column",
    de="Datei {file}: keine Schlüsselspalte gefunden (gesucht: {wanted}). Vorhandene Spalten: "
    "{columns}. Bitte die Schlüsselspalte angeben (Option --table-key).",
    en="file {file}: no key column found (looked for: {wanted}). Columns found: {columns}. "
    "Please name the key column (option --table-key).",
)
define(
    "table.no_name_column",
    de="Datei {file}: Namensspalte {wanted!r} fehlt. Vorhandene Spalten: {columns}.",
    en="file {file}: name column {wanted!r} not found. Columns found: {columns}.",
)
define(
    "table.bad_cell",
    de="Datei {file}, Zeile {line}, Spalte {column!r}: {text!r} ist weder eine Zahl noch ein "
    "Zeichen der amtlichen Statistik (-, ., x, /, ..., (), p, r, s).",
    en="file {file}, line {line}, column {column!r}: {text!r} is neither a number nor a symbol "
    "of official statistics (-, ., x, /, ..., (), p, r, s).",
)
define(
    "table.field_count",
    de="Datei {file}, Zeile {line}: {found} Felder statt {expected} wie in der Kopfzeile.",
    en="file {file}, line {line}: {found} fields instead of {expected} as in the header.",
)
define(
    "table.duplicate_column",
    de="Datei {file}: die Spaltenbezeichnung {label!r} kommt mehrfach vor.",
    en="file {file}: the column label {label!r} occurs more than once.",
)
define(
    "table.missing_key",
    de="Datei {file}, Zeile {line}: die Zeile hat Werte, aber keinen Schlüssel.",
    en="file {file}, line {line}: the row has values but no key.",
)
define(
    "table.encoding",
    de="Datei {file} lässt sich nicht mit der Zeichenkodierung {encoding} lesen.",
    en="file {file} cannot be decoded with encoding {encoding}.",
)
define(
    "table.no_sheet",
    de="Datei {file}: Tabellenblatt {sheet!r} fehlt. Vorhandene Blätter: {sheets}.",
    en="file {file}: sheet {sheet!r} not found. Sheets found: {sheets}.",
)
define(
    "table.text_columns",
    de="Datei {file}: Textspalten {columns} werden als Merkmale übernommen, nicht als Werte "
    "(mit --columns lassen sich Wertspalten ausdrücklich wählen).",
    en="file {file}: text columns {columns} are carried as attributes, not as values "
    "(--columns chooses value columns explicitly).",
)
define(
    "table.unknown_column",
    de="Datei {file}: Spalte {column!r} gibt es nicht. Vorhanden: {columns}",
    en="file {file}: there is no column {column!r}. Found: {columns}",
)
define(
    "table.empty_cells",
    de="Datei {file}: {count} leere Wertzellen wurden als fehlend (ohne Zeichen) gelesen, "
    "zuerst Zeile {line}, Spalte {column!r}.",
    en="file {file}: {count} empty value cells were read as missing (no symbol), first at "
    "line {line}, column {column!r}.",
)
define(
    "table.key_repaired",
    de="Datei {file}: {count} Schlüssel waren als Zahl gespeichert und wurden als Text mit "
    "führender Null gelesen, z. B. {examples}.",
    en="file {file}: {count} keys were stored as numbers and were read as text with the "
    "leading zero restored, e.g. {examples}.",
)
define(
    "table.key_ambiguous",
    de="Datei {file}: {count} Schlüssel sind als Zahl gespeichert und lassen sich nicht "
    "eindeutig ergänzen; sie bleiben unverändert, z. B. {examples}. Bitte die Schlüsselspalte "
    "als Text exportieren.",
    en="file {file}: {count} keys are stored as numbers and cannot be completed unambiguously; "
    "they are kept as they are, e.g. {examples}. Please export the key column as text.",
)
define(
    "table.duplicate_keys",
    de="Datei {file}: {count} Schlüssel kommen mehrfach vor, z. B. {examples}.",
    en="file {file}: {count} keys occur more than once, e.g. {examples}.",
)


def decode_bytes(data: bytes, encoding: str | None = None, source: str = "") -> tuple[str, str]:
    """Decode file bytes; return ``(text, encoding)``.

    Without ``encoding``: UTF-8 (a BOM is dropped) if the bytes decode, else cp1252, else
    Latin-1 (which always decodes).

    Example:
        >>> decode_bytes("Döbeln".encode("latin-1"))
        ('Döbeln', 'cp1252')
    """
    if encoding:
        try:
            return data.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError):
            raise GeosozialError("table.encoding", file=source, encoding=encoding) from None
    for candidate in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(candidate), "utf-8" if candidate == "utf-8-sig" else candidate
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), "latin-1"


def read_text(path: str | Path, encoding: str | None = None) -> tuple[str, str]:
    """Read a text file; return ``(text, encoding)``, detected as in :func:`decode_bytes`.

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.csv"
        >>> _ = p.write_bytes("Roßwein".encode("utf-8"))
        >>> read_text(p)
        ('Roßwein', 'utf-8')
    """
    return decode_bytes(Path(path).read_bytes(), encoding, str(path))


def split_lines(text: str) -> list[str]:
    """Split text into physical lines (``\\r\\n``, ``\\r`` or ``\\n``), no trailing empty line.

    Example:
        >>> split_lines("a;b\\r\\nc;d\\n")
        ['a;b', 'c;d']
    """
    lines = re.split(r"\r\n|\r|\n", text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def cell_text(value: object) -> str:
    """A cell as stripped text: ``None`` is ``""``, whole floats lose ``.0``, dates dd.mm.yyyy.

    Example:
        >>> cell_text(None), cell_text(" Flensburg "), cell_text(2019.0)
        ('', 'Flensburg', '2019')
    """
    if value is None:
        return ""
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        return str(int(value))
    if isinstance(value, (datetime, date)):
        return value.strftime("%d.%m.%Y")
    return str(value).replace("\u00a0", " ").strip()


class KeyRepairs:
    """Turns key cells into text and collects one notice for keys that arrived as numbers.

    A numeric key is completed with a leading zero only when exactly one official key
    length (2, 3, 5, 8, 9 or 12 digits, Land 01–16) fits; 8- and 12-digit results go through
    :func:`~geosozial.core.keys.normalize_key`. Otherwise the digits are kept as they are
    and a warning names them.

    Example:
        >>> r = KeyRepairs("a.xlsx")
        >>> r.key(1001), r.key("DG"), r.key(1001000), r.key(10515163)
        ('01001', 'DG', '01001000', '10515163')
        >>> [n.code for n in r.notices()]
        ['table.key_repaired', 'table.key_ambiguous']
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self.repaired: list[str] = []
        self.ambiguous: list[str] = []

    def key(self, value: object) -> str:
        """The key of one cell as text."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return cell_text(value)
        if isinstance(value, float) and (not math.isfinite(value) or value != int(value)):
            self.ambiguous.append(repr(value))
            return cell_text(value)
        digits = str(int(value))
        fits = [
            digits.zfill(n)
            for n in (len(digits), len(digits) + 1)
            if n in LEVEL_LENGTHS and digits.zfill(n)[:2] in LAENDER
        ]
        if len(fits) != 1:
            self.ambiguous.append(digits)
            return digits
        key = fits[0]
        if len(key) in (8, 12):
            key = normalize_key(value, "AGS" if len(key) == 8 else "ARS")[0]
        if key != digits:
            self.repaired.append(f"{digits} -> {key}")
        return key

    def notices(self) -> list[Notice]:
        """One repair notice and one warning at most, each with a count and examples."""
        out = []
        if self.repaired:
            out.append(Notice("table.key_repaired", severity="repair", file=self.source,
                              count=len(self.repaired), examples=", ".join(self.repaired[:3])))
        if self.ambiguous:
            out.append(Notice("table.key_ambiguous", severity="warning", file=self.source,
                              count=len(self.ambiguous), examples=", ".join(self.ambiguous[:3])))
        return out


def parse_value(text: object, *, source: str, line: int, column: str,
                decimal: str = ",") -> tuple[float, str]:
    """:func:`~geosozial.core.symbols.parse_cell` with an error naming file, line and column.

    Example:
        >>> parse_value("-", source="a.csv", line=3, column="Insgesamt")
        (0.0, '-')
    """
    if isinstance(text, (bool, datetime, date)):
        raise GeosozialError("table.bad_cell", file=source, line=line, column=column,
                             text=str(text))
    try:
        return parse_cell(text, decimal)
    except UnknownSymbol:
        raise GeosozialError("table.bad_cell", file=source, line=line, column=column,
                             text=str(text)) from None


def duplicate_key_notice(source: str, keys: Iterable[str]) -> list[Notice]:
    """A warning listing keys that occur more than once (empty list if none do).

    Example:
        >>> [n.params["count"] for n in duplicate_key_notice("a.csv", ["1", "2", "1"])]
        [1]
    """
    seen: set[str] = set()
    dups: list[str] = []
    for k in keys:
        if k in seen and k not in dups:
            dups.append(k)
        seen.add(k)
    if not dups:
        return []
    return [Notice("table.duplicate_keys", file=source, count=len(dups),
                   examples=", ".join(repr(k) for k in dups[:3]))]


def _find_column(header: Sequence[str], wanted: str) -> int | None:
    if wanted in header:
        return header.index(wanted)
    folded = [h.casefold() for h in header]
    return folded.index(wanted.casefold()) if wanted.casefold() in folded else None


def _choose_columns(header: list[str], source: str, key_column: str | None,
                    name_column: str | None) -> tuple[int, int | None]:
    columns = ", ".join(repr(h) for h in header)
    if key_column is not None:
        key_index = _find_column(header, key_column)
        if key_index is None:
            raise GeosozialError("table.no_key_column", file=source, wanted=repr(key_column),
                                 columns=columns)
    else:
        folded = [h.casefold() for h in header]
        hits = [folded.index(n) for n in KEY_COLUMN_NAMES if n in folded]
        if not hits:
            raise GeosozialError("table.no_key_column", file=source,
                                 wanted="AGS, ARS, Schlüssel, Gemeindeschlüssel, RS, Kennziffer",
                                 columns=columns)
        key_index = min(hits)
    if name_column is not None:
        name_index = _find_column(header, name_column)
        if name_index is None:
            raise GeosozialError("table.no_name_column", file=source, wanted=name_column,
                                 columns=columns)
        return key_index, name_index
    folded = [h.casefold() for h in header]
    names = [i for i, h in enumerate(folded) if h in NAME_COLUMN_NAMES and i != key_index]
    return key_index, (names[0] if names else None)


def _is_value_cell(cell: object, decimal: str) -> bool:
    if isinstance(cell, (bool, datetime, date)):
        return False
    try:
        parse_cell(cell, decimal)
    except UnknownSymbol:
        return False
    return True


def text_column_indices(rows: Sequence[tuple[int, Sequence[object]]], candidates: Sequence[int],
                        decimal: str = ",") -> list[int]:
    """Columns whose filled cells are mostly neither numbers nor official symbols.

    A column counts as text (names, Kreis, remarks such as "vorläufig") when more than
    half of its non-empty cells are no number and no symbol; a column of numbers with a
    stray word stays a value column, so that the bad cell is reported.

    Examples
    --------
    >>> rows = [(2, ["1", "Mittelsachsen", "5", ""]), (3, ["2", "Mittelsachsen", "x", "vorläufig"])]
    >>> text_column_indices(rows, [1, 2, 3])
    [1, 3]
    """
    out = []
    for i in candidates:
        filled = [c[i] for _, c in rows if i < len(c) and cell_text(c[i])]
        bad = sum(not _is_value_cell(c, decimal) for c in filled)
        if filled and bad * 2 > len(filled):
            out.append(i)
    return out


def build_plain_table(
    header: Sequence[object],
    rows: Iterable[tuple[int, Sequence[object]]],
    *,
    source: str,
    key_column: str | None = None,
    name_column: str | None = None,
    decimal: str = ",",
    strict_width: bool = True,
    meta: dict[str, str] | None = None,
    columns: Sequence[str] | None = None,
) -> Table:
    """Build a :class:`Table` from a header and ``(line, cells)`` rows of a plain table.

    Columns with an empty header and no values are dropped; ``strict_width`` requires every
    non-empty row to have exactly as many fields as the header (CSV); otherwise cells
    beyond the header must be empty (XLSX). Text columns (see :func:`text_column_indices`)
    become text attributes unless ``columns`` names them as value columns; ``columns``
    chooses the value columns (the others are kept as text), and a chosen column with a
    cell that is no number gives an error naming file, line and column.

    Examples
    --------
    >>> t = build_plain_table(["ARS", "x", "Kreis"], [(2, ["010010000000", "-", "Nord"])],
    ...                       source="s")
    >>> t.value("010010000000", "x"), t.flag("010010000000", "x"), t.text_columns
    (0.0, '-', ['Kreis'])
    """
    head = [cell_text(h) for h in header]
    rows = [(line, list(cells)) for line, cells in rows if any(cell_text(c) for c in cells)]
    width = len(head)
    keep = [i for i, h in enumerate(head)
            if h or any(i < len(c) and cell_text(c[i]) for _, c in rows)]
    labels = {i: head[i] or f"Spalte {i + 1}" for i in keep}
    seen: set[str] = set()
    for i in keep:
        if labels[i] in seen:
            raise GeosozialError("table.duplicate_column", file=source, label=labels[i])
        seen.add(labels[i])
    key_i, name_i = _choose_columns([labels.get(i, "") for i in range(width)], source,
                                    key_column, name_column)
    if not rows:
        raise GeosozialError("table.no_rows", file=source)
    other = [i for i in keep if i not in (key_i, name_i)]
    if columns is not None:
        by_label = {labels[i]: i for i in other}
        for c in columns:
            if c not in by_label:
                raise GeosozialError("table.unknown_column", file=source, column=c,
                                     columns=", ".join(repr(labels[i]) for i in other))
        value_i = [by_label[c] for c in columns]
        text_i = [i for i in other if i not in value_i]
    else:
        text_i = text_column_indices(rows, other, decimal)
        value_i = [i for i in other if i not in text_i]
    repairs = KeyRepairs(source)
    records, lines = [], []
    texts: dict[str, list[str]] = {labels[i]: [] for i in text_i}
    empty: list[tuple[int, str]] = []
    for line, cells in rows:
        if strict_width and len(cells) != width:
            raise GeosozialError("table.field_count", file=source, line=line,
                                 found=len(cells), expected=width)
        if any(cell_text(c) for c in cells[width:]):
            raise GeosozialError("table.field_count", file=source, line=line,
                                 found=len(cells), expected=width)
        cells = cells + [None] * (width - len(cells))
        key = repairs.key(cells[key_i])
        if not key:
            raise GeosozialError("table.missing_key", file=source, line=line)
        name = cell_text(cells[name_i]) if name_i is not None else ""
        values = {}
        for i in value_i:
            if not cell_text(cells[i]):
                empty.append((line, labels[i]))
            values[labels[i]] = parse_value(cells[i], source=source, line=line,
                                            column=labels[i], decimal=decimal)
        for i in text_i:
            texts[labels[i]].append(cell_text(cells[i]))
        records.append((key, name, values))
        lines.append(line)
    notices = repairs.notices() + duplicate_key_notice(source, [r[0] for r in records])
    if empty:
        notices.append(Notice("table.empty_cells", severity="info", file=source,
                              count=len(empty), line=empty[0][0], column=empty[0][1]))
    if text_i:
        notices.append(Notice("table.text_columns", severity="info", file=source,
                              columns=", ".join(repr(labels[i]) for i in text_i)))
    info = {"key_column": labels[key_i]}
    if name_i is not None:
        info["name_column"] = labels[name_i]
    info.update(meta or {})
    table = Table.from_records(records, source=source, lines=lines, notices=notices, meta=info,
                               texts=texts)
    if not value_i:
        table.values, table.flags = {}, {}
    return table


def sniff_delimiter(line: str) -> str:
    """The most frequent of ``;``, ``,`` and tab in ``line`` (``;`` on a tie or if none).

    Example:
        >>> sniff_delimiter("AGS,Name,Wert"), sniff_delimiter("AGS\\tName")
        (',', '\\t')
    """
    counts = {d: line.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] > counts[";"] else ";"


_COMMA_DECIMAL = re.compile(r"^[+-]?(\d{1,3}(\.\d{3})+|\d+),\d+[prs]?$")
_DOT_DECIMAL = re.compile(r"^[+-]?\d+\.\d+[prs]?$")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+[prs]?$")


def sniff_decimal(cells: Iterable[object], delimiter: str = ";") -> str:
    """Decimal mark of number cells: ``","`` (German) unless only plain ``1234.5`` appear.

    A comma-delimited file always uses ``"."``. ``1.234`` alone counts as German thousands.

    Example:
        >>> sniff_decimal(["1.234", "12,5"]), sniff_decimal(["12.5", "3"]), sniff_decimal(["7"])
        (',', '.', ',')
    """
    if delimiter == ",":
        return "."
    dot = False
    for c in cells:
        if not isinstance(c, str):
            continue
        t = c.strip().strip("()")
        if _COMMA_DECIMAL.match(t):
            return ","
        if _DOT_DECIMAL.match(t) and not _THOUSANDS.match(t):
            dot = True
    return "." if dot else ","


def read_plain_csv(path: str | Path, *, key_column: str | None = None,
                   name_column: str | None = None, encoding: str | None = None,
                   columns: Sequence[str] | None = None) -> Table:
    """Read a plain CSV table with one header row and a key column.

    Delimiter ``;``, ``,`` or tab (sniffed from the header); decimal comma for ``;``/tab
    files with German numbers. Keys stay text. Raises
    :class:`~geosozial.core.messages.GeosozialError` for an empty file, a header without rows,
    a missing key column (naming the columns found) and cells that are not numbers.

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
        >>> _ = p.write_text("ags,wert\\n09162000,1.5\\n", encoding="utf-8")
        >>> read_plain_csv(p).value("09162000", "wert")
        1.5
    """
    source = str(path)
    text, used = read_text(path, encoding)
    lines = split_lines(text)
    if not "".join(lines).strip():
        raise GeosozialError("table.empty", file=source)
    first = next(i for i, line in enumerate(lines) if line.strip())
    delimiter = sniff_delimiter(lines[first])
    reader = csv.reader((line + "\n" for line in lines[first:]), delimiter=delimiter)
    parsed: list[tuple[int, list[str]]] = []
    done = 0
    for cells in reader:
        parsed.append((first + done + 1, cells))
        done = reader.line_num
    header = parsed[0][1]
    body = parsed[1:]
    decimal = sniff_decimal((c for _, cells in body for c in cells), delimiter)
    meta = {"layout": "plain-csv", "encoding": used, "delimiter": delimiter, "decimal": decimal}
    table = build_plain_table(header, body, source=source, key_column=key_column,
                              name_column=name_column, decimal=decimal, meta=meta,
                              columns=columns)
    if decimal == ",":
        example = next((c.strip() for _, cells in body for c in cells[1:]
                        if isinstance(c, str) and _THOUSANDS.match(c.strip())), None)
        if example is not None:
            table.notices.append(Notice("table.thousands", "warning", file=source,
                                        example=example,
                                        value=example.replace(".", "")))
    return table


def xlsx_sheets(path: str | Path) -> dict[str, list[tuple[int, list[object]]]]:
    """Every sheet of a workbook as ``{name: [(row number, cell values), ...]}``.

    Cached formula results; row numbers are 1-based. Read with the pure-Python reader
    :func:`geosozial.core.tables.xlsx.read_workbook` (no openpyxl, so it runs in QGIS).

    Example:
        >>> list(xlsx_sheets("tabelle.xlsx"))  # doctest: +SKIP
        ['Daten', 'Hinweise']
    """
    return read_workbook(path)


def pick_sheet(sheets: dict[str, list], sheet: str | int | None, source: str) -> str:
    """The name of ``sheet`` (a name or 0-based index; the first sheet if None).

    Example:
        >>> pick_sheet({"Daten": [], "Hinweise": []}, 1, "a.xlsx")
        'Hinweise'
    """
    names = list(sheets)
    if sheet is None and names:
        return names[0]
    if isinstance(sheet, int) and 0 <= sheet < len(names):
        return names[sheet]
    if isinstance(sheet, str) and sheet in sheets:
        return sheet
    raise GeosozialError("table.no_sheet", file=source, sheet=sheet, sheets=", ".join(names))


def read_plain_xlsx(path: str | Path, *, key_column: str | None = None,
                    name_column: str | None = None, sheet: str | int | None = None,
                    columns: Sequence[str] | None = None) -> Table:
    """Read a plain XLSX table: the first non-empty row of ``sheet`` is the header.

    Numeric key cells are completed as text only where unambiguous (see
    :class:`KeyRepairs`); text cells with German numbers or symbols go through
    :func:`~geosozial.core.symbols.parse_cell`.

    Example:
        >>> t = read_plain_xlsx("gemeinden.xlsx", key_column="AGS")  # doctest: +SKIP
        >>> t.keys.iloc[0]  # doctest: +SKIP
        '14522010'
    """
    source = str(path)
    sheets = xlsx_sheets(path)
    name = pick_sheet(sheets, sheet, source)
    rows = [(i, r) for i, r in sheets[name] if any(cell_text(c) for c in r)]
    if not rows:
        raise GeosozialError("table.empty", file=source)
    header = list(rows[0][1])
    while header and not cell_text(header[-1]):
        header.pop()
    meta = {"layout": "plain-xlsx", "sheet": name}
    return build_plain_table(header, rows[1:], source=source, key_column=key_column,
                             name_column=name_column, strict_width=False, meta=meta,
                             columns=columns)
