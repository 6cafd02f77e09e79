"""Plain CSV and XLSX tables with a key column, plus helpers shared by all table readers.

A plain table has one header row, a key column (AGS, ARS, Schlüssel, ...), an optional
name column and value columns. Keys are read as text, never through a number; every
value cell goes through :func:`~geosozial.core.symbols.parse_cell`, so ``-`` is zero and
``.`` is missing with its flag kept.

The decimal mark is decided per column from the evidence of the column and the file
(:mod:`geosozial.core.tables.cells`); an ambiguous ``1.560`` is refused rather than
guessed, and ``decimal=","``/``"."`` settles it. Files are decoded by evidence
(:mod:`geosozial.core.tables.textfile`). BOM, zero-width characters and non-breaking
spaces in key cells are removed and reported.

Large files are read column by column: plain numbers are converted in bulk, so a
million-row table takes seconds, not minutes.

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
import functools
import math
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from itertools import islice
from pathlib import Path
from typing import Any, TypeVar

from geosozial.core.keys import (
    INVISIBLE_CHARACTERS,
    LAENDER,
    LEVEL_LENGTHS,
    clean_key_text,
    has_hidden_characters,
    normalize_key,
)
from geosozial.core.messages import GeosozialError, Notice, define
from geosozial.core.tables.cells import (
    Decision,
    Evidence,
    ParsedColumn,
    check_decimal,
    column_evidence,
    decide_decimal,
    default_decimal,
    is_value_cell,
    own_decimal,
    parse_column,
    parse_value,
    paused_gc,
    shown,
    text_column,
)
from geosozial.core.tables.table import Table
from geosozial.core.tables.textfile import (
    Decoded,
    decode_table_bytes,
    read_table_file,
    unreadable,
)
from geosozial.core.tables.xlsx import check_formulas, read_workbook

__all__ = [
    "DELIMITERS", "KEY_COLUMN_NAMES", "NAME_COLUMN_NAMES", "KeyRepairs", "build_plain_table",
    "cell_text", "csv_rows", "decode_bytes", "duplicate_key_notice", "parse_value",
    "pick_sheet", "read_plain_csv", "read_plain_xlsx", "read_text", "sniff_decimal",
    "sniff_delimiter", "split_lines", "table_errors", "text_column_indices", "xlsx_sheets",
]

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
    "table.empty_sheet",
    de="Datei {file}: das Tabellenblatt {sheet!r} ist leer.",
    en="file {file}: sheet {sheet!r} is empty.",
)
define(
    "table.thousands",
    de="Datei {file}, Spalte {column!r}: Zahlen wie {example} wurden mit Tausenderpunkt "
    "gelesen ({value}). Falls ein Dezimalpunkt gemeint ist, bitte --decimal . angeben (oder "
    "mit Dezimalkomma exportieren).",
    en="file {file}, column {column!r}: numbers like {example} were read with a thousands dot "
    "({value}). If a decimal point is meant, please give --decimal . (or export with a "
    "decimal comma).",
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
    "table.key_invisible",
    de="Datei {file}: {count} Schlüssel enthielten unsichtbare Zeichen (Byte-Order-Mark, "
    "Null-Breiten-Zeichen oder geschützte Leerzeichen); sie wurden entfernt, z. B. Zeile "
    "{line}: {example}.",
    en="file {file}: {count} keys held invisible characters (byte-order mark, zero-width "
    "characters or non-breaking spaces); they were removed, e.g. line {line}: {example}.",
)
define(
    "table.duplicate_keys",
    de="Datei {file}: {count} Schlüssel kommen mehrfach vor, z. B. {examples}.",
    en="file {file}: {count} keys occur more than once, e.g. {examples}.",
)
define(
    "table.csv_syntax",
    de="Datei {file}, Zeile {line}: die CSV-Zeile lässt sich nicht lesen ({reason}).",
    en="file {file}, line {line}: the CSV line cannot be read ({reason}).",
)
define(
    "table.open_quote",
    de="Datei {file}, Zeile {line}: ein Anführungszeichen wird bis zum Dateiende nicht "
    "geschlossen; alle folgenden Zeilen wären ein einziges Feld. Bitte das Anführungszeichen "
    "in Zeile {line} prüfen.",
    en="file {file}, line {line}: a quotation mark is not closed before the end of the file; "
    "all following lines would be a single field. Please check the quotation mark in line "
    "{line}.",
)
define(
    "table.multiline",
    de="Datei {file}: {count} Zeile(n) der Tabelle reichen mit Zeilenumbrüchen in "
    "Anführungszeichen über mehrere Dateizeilen, zuerst Zeile {line} bis {end}. Falls dort "
    "ein Anführungszeichen zu viel ist, fehlen diese Zeilen.",
    en="file {file}: {count} table row(s) span several lines of the file with line breaks "
    "inside quotation marks, first lines {line} to {end}. If a quotation mark is wrong there, "
    "those lines are missing.",
)
define(
    "table.unreadable_content",
    de="Datei {file} lässt sich nicht als Tabelle lesen ({reason}). Bitte als CSV oder XLSX "
    "speichern und prüfen.",
    en="file {file} cannot be read as a table ({reason}). Please save it as CSV or XLSX and "
    "check it.",
)

_F = TypeVar("_F", bound=Callable[..., Any])


def table_errors(function: _F) -> _F:
    """Decorate a reader: any unexpected exception becomes a ``GeosozialError`` naming the file.

    The reader's first argument is the file. The original exception is kept as the
    ``__cause__`` (for logs).

    Example:
        >>> @table_errors
        ... def reader(path):
        ...     return [][1]
        >>> reader("a.csv")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        geosozial.core.messages.GeosozialError: Datei a.csv lässt sich nicht als Tabelle ...
    """

    @functools.wraps(function)
    def wrapper(path: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return function(path, *args, **kwargs)
        except GeosozialError:
            raise
        except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
            raise unreadable(path, exc) from exc
        except (MemoryError, RecursionError) as exc:
            raise GeosozialError("table.unreadable_content", file=str(path),
                                 reason=type(exc).__name__) from exc
        except Exception as exc:  # a hostile file must never end in a traceback
            raise GeosozialError("table.unreadable_content", file=str(path),
                                 reason=shown(f"{type(exc).__name__}: {exc}")) from exc

    return wrapper  # type: ignore[return-value]


# --------------------------------------------------------------------------- text


def decode_bytes(data: bytes, encoding: str | None = None, source: str = "") -> tuple[str, str]:
    """Decode file bytes; return ``(text, encoding)``.

    Detection as :func:`~geosozial.core.tables.textfile.decode_table_bytes` (its notices
    are dropped here; the readers use that function and keep them).

    Example:
        >>> decode_bytes("Döbeln".encode("latin-1"))
        ('Döbeln', 'cp1252')
    """
    decoded = decode_table_bytes(data, encoding, source)
    return decoded.text, decoded.encoding


def read_text(path: str | Path, encoding: str | None = None) -> tuple[str, str]:
    """Read a text file; return ``(text, encoding)``, detected as in :func:`decode_bytes`.

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.csv"
        >>> _ = p.write_bytes("Roßwein".encode("utf-8"))
        >>> read_text(p)
        ('Roßwein', 'utf-8')
    """
    decoded = read_table_file(path, encoding)
    return decoded.text, decoded.encoding


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


_REMOVE_INVISIBLE = {ord(c): None for c in INVISIBLE_CHARACTERS}
#: the ASCII characters str.strip() removes
_ASCII_SPACES = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"


def _label(value: object) -> str:
    """A header cell as a column label: :func:`cell_text` without invisible characters."""
    return cell_text(value).translate(_REMOVE_INVISIBLE).strip()


def _text_cells(cells: Sequence[object]) -> list[str]:
    """:func:`cell_text` of every cell (text cells without NBSP are only stripped)."""
    if set(map(type, cells)) == {str}:
        if "".join(cells).isascii():  # type: ignore[arg-type]
            return [c.strip() for c in cells]  # type: ignore[union-attr]
        return [c.replace("\u00a0", " ").strip() for c in cells]  # type: ignore[union-attr]
    return [cell_text(c) for c in cells]


class KeyRepairs:
    """Turns key cells into text and collects one notice for keys that arrived as numbers.

    A numeric key is completed with a leading zero only when exactly one official key
    length (2, 3, 5, 8, 9 or 12 digits, Land 01–16) fits; 8- and 12-digit results go through
    :func:`~geosozial.core.keys.normalize_key`. Otherwise the digits are kept as they are
    and a warning names them. BOM, zero-width characters and non-breaking spaces in a
    text key are removed (:func:`~geosozial.core.keys.clean_key_text`) and reported.

    Example:
        >>> r = KeyRepairs("a.xlsx")
        >>> r.key(1001), r.key("DG"), r.key(1001000), r.key(10515163), r.key("\\ufeff01001", 7)
        ('01001', 'DG', '01001000', '10515163', '01001')
        >>> [n.code for n in r.notices()]
        ['table.key_repaired', 'table.key_ambiguous', 'table.key_invisible']
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self.repaired: list[str] = []
        self.ambiguous: list[str] = []
        self.cleaned: list[tuple[int | None, str, str]] = []

    def key(self, value: object, line: int | None = None) -> str:
        """The key of one cell as text (``line`` names the row in the repair notice)."""
        if isinstance(value, str):
            if has_hidden_characters(value):
                cleaned = clean_key_text(value)
                self.cleaned.append((line, value.strip(), cleaned))
                return cleaned
            return value.strip()
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

    def keys(self, cells: Sequence[object], lines: Sequence[int]) -> list[str]:
        """:meth:`key` of every cell; text cells without hidden characters are only stripped.

        Example:
            >>> KeyRepairs("a.csv").keys([" 01001", "01002"], [2, 3])
            ['01001', '01002']
        """
        if set(map(type, cells)) == {str}:
            joined = "".join(cells)  # type: ignore[arg-type]
            if joined.isascii() or not has_hidden_characters(joined):
                if joined.isascii() and not any(c in joined for c in _ASCII_SPACES):
                    return list(cells)  # type: ignore[arg-type]
                return [c.strip() for c in cells]  # type: ignore[union-attr]
        return [self.key(c, line) for c, line in zip(cells, lines, strict=True)]

    def notices(self) -> list[Notice]:
        """One notice per kind of repair at most, each with a count and examples."""
        out = []
        if self.repaired:
            out.append(Notice("table.key_repaired", severity="repair", file=self.source,
                              count=len(self.repaired), examples=", ".join(self.repaired[:3])))
        if self.ambiguous:
            out.append(Notice("table.key_ambiguous", severity="warning", file=self.source,
                              count=len(self.ambiguous), examples=", ".join(self.ambiguous[:3])))
        if self.cleaned:
            line, raw, key = self.cleaned[0]
            out.append(Notice("table.key_invisible", severity="repair", file=self.source,
                              count=len(self.cleaned), line=line if line is not None else "?",
                              example=f"{raw!a} → {key!r}"))
        return out


def duplicate_key_notice(source: str, keys: Iterable[str]) -> list[Notice]:
    """A warning listing keys that occur more than once (empty list if none do).

    Example:
        >>> [n.params["count"] for n in duplicate_key_notice("a.csv", ["1", "2", "1"])]
        [1]
    """
    keys = list(keys)
    if len(set(keys)) == len(keys):
        return []
    seen: set[str] = set()
    dups: dict[str, None] = {}
    for k in keys:
        if k in seen:
            dups[k] = None
        seen.add(k)
    return [Notice("table.duplicate_keys", file=source, count=len(dups),
                   examples=", ".join(repr(k) for k in list(dups)[:3]))]


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
        bad = sum(not is_value_cell(c, decimal) for c in filled)
        if filled and bad * 2 > len(filled):
            out.append(i)
    return out


# --------------------------------------------------------------------------- the builder


Odd = list[tuple[int, Sequence[object]]]


def _rows_to_columns(rows: Iterable[tuple[int, Sequence[object]]], width: int,
                     strict_width: bool) -> tuple[list[list[object]], list[int], Odd]:
    """``(line, cells)`` rows as ``width`` columns, their lines and the rows of another width.

    Blank rows are left out; a row with another number of fields (``strict_width``) or
    with filled cells beyond ``width`` is no part of the columns but returned as
    ``(line, cells)`` (the first of them is a ``table.field_count`` error).
    """
    columns: list[list[object]] = [[] for _ in range(width)]
    lines: list[int] = []
    odd: Odd = []
    for line, cells in rows:
        n = len(cells)
        if n != width and not any(cell_text(c) for c in cells):
            continue
        if (strict_width and n != width) or (n > width and any(cell_text(c)
                                                               for c in cells[width:])):
            odd.append((line, cells))
            continue
        if n < width:
            cells = list(cells) + [None] * (width - n)
        for column, cell in zip(columns, cells, strict=False):
            column.append(cell)
        lines.append(line)
    return columns, lines, odd


def _drop_rows(columns: list[list[object]], lines: list[int], drop: list[int]
               ) -> tuple[list[list[object]], list[int]]:
    gone = set(drop)
    keep = [i for i in range(len(lines)) if i not in gone]
    return [[col[i] for i in keep] for col in columns], [lines[i] for i in keep]


def _blank_rows(columns: list[list[object]]) -> list[int]:
    """Positions of rows whose cells are all empty."""
    if not columns:
        return []
    first = columns[0]
    if set(map(type, first)) == {str}:
        if all(first) and not any(map(str.isspace, first)):  # type: ignore[arg-type]
            return []
        candidates = [i for i, c in enumerate(first) if not c or c.isspace()]  # type: ignore
    else:
        candidates = [i for i, c in enumerate(first) if not cell_text(c)]
    return [i for i in candidates if all(not cell_text(col[i]) for col in columns[1:])]


def _table_from_columns(
    header: Sequence[object],
    columns_in: list[list[object]],
    lines: list[int],
    *,
    source: str,
    key_column: str | None,
    name_column: str | None,
    decimal: str | None,
    delimiter: str | None,
    meta: dict[str, str] | None,
    columns: Sequence[str] | None,
    odd_rows: Odd,
) -> Table:
    """The rules of :func:`build_plain_table` on columns (``columns_in[i]``: column ``i``)."""
    head = [_label(h) for h in header]
    width = len(head)
    cols = columns_in
    blank = _blank_rows(cols)
    if blank:
        cols, lines = _drop_rows(cols, lines, blank)
    n = len(lines)
    keep = [i for i, h in enumerate(head) if h or any(cell_text(c) for c in cols[i])
            or any(i < len(c) and cell_text(c[i]) for _, c in odd_rows)]
    labels = {i: head[i] or f"Spalte {i + 1}" for i in keep}
    seen: set[str] = set()
    for i in keep:
        if labels[i] in seen:
            raise GeosozialError("table.duplicate_column", file=source, label=labels[i])
        seen.add(labels[i])
    key_i, name_i = _choose_columns([labels.get(i, "") for i in range(width)], source,
                                    key_column, name_column)

    def width_error() -> GeosozialError:
        line, cells = odd_rows[0]
        return GeosozialError("table.field_count", file=source, line=line, found=len(cells),
                              expected=width)

    if not n:
        if odd_rows:
            raise width_error()
        raise GeosozialError("table.no_rows", file=source)
    other = [i for i in keep if i not in (key_i, name_i)]
    if columns is not None:
        by_label = {labels[i]: i for i in other}
        for c in columns:
            if c not in by_label:
                raise GeosozialError("table.unknown_column", file=source, column=c,
                                     columns=", ".join(repr(labels[i]) for i in other))
        candidates = [by_label[c] for c in columns]
    else:
        candidates = other

    default = default_decimal(delimiter)
    parsed: dict[int, tuple[Evidence, str, ParsedColumn]] = {}
    for i in candidates:
        prepared = text_column(cols[i])
        evidence = column_evidence(cols[i], prepared)
        tentative = decimal or own_decimal(evidence, default)
        parsed[i] = (evidence, tentative, parse_column(cols[i], tentative, source=source,
                                                       column=labels[i], lines=lines,
                                                       prepared=prepared))
        del prepared
    if odd_rows:  # rows of another width count for the text columns, as all rows do
        for i in candidates:
            extra = [c[i] for _, c in odd_rows if i < len(c) and cell_text(c[i])]
            column = parsed[i][2]
            column.filled += len(extra)
            column.bad += sum(not (is_value_cell(c, ",") or is_value_cell(c, "."))
                              for c in extra)
    if columns is None:
        text_i = [i for i in other if parsed[i][2].is_text]
        value_i = [i for i in other if i not in text_i]
    else:
        value_i = candidates
        text_i = [i for i in other if i not in value_i]

    decisions: dict[int, Decision] = {}
    for i in value_i:
        evidence, tentative, _ = parsed[i]
        others = [(labels[j], parsed[j][0]) for j in value_i if j != i]
        decisions[i] = decide_decimal(labels[i], evidence, others, delimiter, decimal,
                                      source=source, lines=lines)
        if decisions[i].decimal != tentative:
            parsed[i] = (evidence, decisions[i].decimal,
                         parse_column(cols[i], decisions[i].decimal, source=source,
                                      column=labels[i], lines=lines))

    for i in value_i:  # the values are parsed: the cells of large columns can go
        cols[i] = []
    repairs = KeyRepairs(source)
    keys = repairs.keys(cols[key_i], lines)
    errors: list[tuple[int, int, GeosozialError]] = []
    missing = None if all(keys) else keys.index("")
    if missing is not None:
        errors.append((missing, -1, GeosozialError("table.missing_key", file=source,
                                                   line=lines[missing])))
    for order, i in enumerate(value_i):
        error = parsed[i][2].error
        if error is not None:
            errors.append((error[0], order, error[1]))
    if odd_rows:  # the rows before the first row of another width are checked first
        errors = [e for e in errors if lines[e[0]] < odd_rows[0][0]]
    if errors:
        raise min(errors, key=lambda e: (e[0], e[1]))[2]
    if odd_rows:
        raise width_error()

    names = _text_cells(cols[name_i]) if name_i is not None else [""] * n
    texts = {labels[i]: _text_cells(cols[i]) for i in text_i}
    notices = repairs.notices() + duplicate_key_notice(source, keys)
    empties = [(parsed[i][2].empty[0], order, i) for order, i in enumerate(value_i)
               if parsed[i][2].empty]
    if empties:
        row, _, i = min(empties)
        notices.append(Notice("table.empty_cells", severity="info", file=source,
                              count=sum(len(parsed[j][2].empty) for j in value_i),
                              line=lines[row], column=labels[i]))
    if text_i:
        notices.append(Notice("table.text_columns", severity="info", file=source,
                              columns=", ".join(repr(labels[i]) for i in text_i)))
    weak = [(d.thousands, order, i) for order, (i, d) in enumerate(decisions.items())
            if d.thousands is not None]
    if weak:
        (row, example), _, i = min(weak)
        example = example.strip()
        notices.append(Notice("table.thousands", "warning", file=source, column=labels[i],
                              example=example, value=example.replace(".", ""), line=lines[row]))
    info = {"key_column": labels[key_i]}
    if name_i is not None:
        info["name_column"] = labels[name_i]
    info.update(meta or {})
    for column, cells in texts.items():  # one Stichtag / Gebietsstand for the whole table
        found = {str(c).strip() for c in cells if str(c).strip()}
        if column.casefold() in ("stichtag", "gebietsstand") and len(found) == 1:
            info.setdefault(column.capitalize(), found.pop())
    if "decimal" in info:
        marks = {d.decimal for d in decisions.values()}
        info["decimal"] = (marks.pop() if len(marks) == 1 else
                           "; ".join(f"{labels[i]}: {d.decimal}" for i, d in decisions.items())
                           if marks else decimal or default)
    return Table(keys=keys, names=names,
                 values={labels[i]: parsed[i][2].values for i in value_i},
                 flags={labels[i]: parsed[i][2].flags for i in value_i}, lines=lines,
                 source=source, texts=texts, notices=notices, meta=info)


def build_plain_table(
    header: Sequence[object],
    rows: Iterable[tuple[int, Sequence[object]]],
    *,
    source: str,
    key_column: str | None = None,
    name_column: str | None = None,
    decimal: str | None = ",",
    strict_width: bool = True,
    meta: dict[str, str] | None = None,
    columns: Sequence[str] | None = None,
    delimiter: str | None = None,
) -> Table:
    """Build a :class:`Table` from a header and ``(line, cells)`` rows of a plain table.

    Columns with an empty header and no values are dropped; ``strict_width`` requires every
    non-empty row to have exactly as many fields as the header (CSV); otherwise cells
    beyond the header must be empty (XLSX). Text columns (see :func:`text_column_indices`)
    become text attributes unless ``columns`` names them as value columns; ``columns``
    chooses the value columns (the others are kept as text), and a chosen column with a
    cell that is no number gives an error naming file, line and column.

    ``decimal`` (``","`` or ``"."``) is the decimal mark of every text cell; None decides it
    per column from the evidence (:func:`~geosozial.core.tables.cells.decide_decimal`;
    ``delimiter`` is the CSV delimiter, None for other sources).

    Examples
    --------
    >>> t = build_plain_table(["ARS", "x", "Kreis"], [(2, ["010010000000", "-", "Nord"])],
    ...                       source="s")
    >>> t.value("010010000000", "x"), t.flag("010010000000", "x"), t.text_columns
    (0.0, '-', ['Kreis'])
    >>> t = build_plain_table(["AGS", "Quote"], [(2, ["01001000", "8.1"])], source="s",
    ...                       decimal=None)
    >>> t.value("01001000", "Quote")
    8.1
    """
    decimal = check_decimal(decimal)
    width = len(header)
    cols, lines, odd = _rows_to_columns(rows, width, strict_width)
    return _table_from_columns(header, cols, lines, source=source, key_column=key_column,
                               name_column=name_column, decimal=decimal, delimiter=delimiter,
                               meta=meta, columns=columns, odd_rows=odd)


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
    (The readers decide per column instead: :func:`~geosozial.core.tables.cells.decide_decimal`.)

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


# --------------------------------------------------------------------------- CSV

_CHUNK_ROWS = 2_000
_CHUNK_CHARS = 1 << 22
#: line breaks of str.splitlines that split_lines does not split at
_OTHER_BREAKS = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_LINE = re.compile(r"([^\r\n]*)(?:\r\n|\r|\n|\Z)")


class _FieldLimit:
    """Let the csv module read fields as long as the whole text (restored afterwards)."""

    def __init__(self, size: int) -> None:
        self.size = size

    def __enter__(self) -> None:
        self.old = csv.field_size_limit()
        csv.field_size_limit(max(self.old, min(self.size + 1, 2**31 - 1)))

    def __exit__(self, *exc: object) -> None:
        csv.field_size_limit(self.old)


def csv_rows(lines: Sequence[str], delimiter: str, offset: int, source: str
             ) -> list[tuple[int, list[str]]]:
    """``(line, cells)`` of CSV ``lines`` (physical lines, ``offset`` lines before them).

    Fields of any length are read; a CSV syntax error is a
    :class:`~geosozial.core.messages.GeosozialError` naming the line.

    Example:
        >>> csv_rows(['a;"b', 'c";d', "e;f"], ";", 0, "x.csv")
        [(1, ['a', 'b\\nc', 'd']), (3, ['e', 'f'])]
    """
    out: list[tuple[int, list[str]]] = []
    with _FieldLimit(sum(map(len, lines))), paused_gc():  # a list per row: no cycles
        reader = csv.reader((line + "\n" for line in lines), delimiter=delimiter)
        done = 0
        try:
            for cells in reader:
                out.append((offset + done + 1, list(cells)))
                done = reader.line_num
        except csv.Error as exc:
            raise GeosozialError("table.csv_syntax", file=source, line=offset + done + 1,
                                 reason=str(exc)) from exc
    return out


def _physical_lines(text: str, start: int) -> Iterator[str]:
    """The lines of ``text[start:]`` with their line ends, split as :func:`split_lines` does."""
    if any(text.find(c, start) >= 0 for c in _OTHER_BREAKS):
        for line in split_lines(text[start:]):
            yield line + "\n"
        return
    pos, n = start, len(text)
    while pos < n:
        end = text.find("\n", pos + _CHUNK_CHARS)
        end = n if end < 0 else end + 1
        yield from text[pos:end].splitlines(True)
        pos = end


def _first_content_line(text: str) -> tuple[int, int]:
    """(0-based line number, character offset) of the first non-blank line."""
    for number, match in enumerate(_LINE.finditer(text)):
        if match.group(1).strip():
            return number, match.start()
    raise ValueError("no content")  # callers check for blank text first


def _csv_columns_slow(text: str, offset: int, first: int, delimiter: str, source: str
                      ) -> tuple[list[str], list[list[object]], list[int], Odd, list[Notice]]:
    """Rows spanning lines (quoted line breaks): read row by row with their lines."""
    lines = split_lines(text[offset:])
    rows = csv_rows(lines, delimiter, first, source)
    notices = []
    spans = [(rows[k][0], (rows[k + 1][0] if k + 1 < len(rows) else first + len(lines) + 1) - 1)
             for k in range(len(rows))]
    long = [(start, end) for start, end in spans if end > start]
    if long:
        start, end = long[-1]
        if end == first + len(lines):
            raw = "\n".join(lines[start - first - 1:])
            if raw.count('"') % 2:
                raise GeosozialError("table.open_quote", file=source, line=start)
        notices.append(Notice("table.multiline", "warning", file=source, count=len(long),
                              line=long[0][0], end=long[0][1]))
    header = rows[0][1]
    cols, row_lines, odd = _rows_to_columns(rows[1:], len(header), True)
    return header, cols, row_lines, odd, notices


def _unquoted_columns(text: str, offset: int, first: int, delimiter: str
                      ) -> tuple[list[str], list[list[object]], list[int]] | None:
    """Header, columns and lines of a CSV text without quotation marks whose lines all have
    the header's number of fields; None for any other text (the csv module reads it).

    Without quotation marks the csv module splits at the delimiter and nothing else, so
    all cells come from one split of the text: no row lists, no per-row work.
    """
    if '"' in text or any(c in text for c in _OTHER_BREAKS):
        return None
    body = text[offset:] if offset else text
    if "\r" in body:
        body = body.replace("\r\n", "\n").replace("\r", "\n")
    if body.endswith("\n"):
        body = body[:-1]
    lines = body.split("\n")
    width = lines[0].count(delimiter) + 1
    if width < 2 or set(map(str.count, lines, [delimiter] * len(lines))) != {width - 1}:
        return None
    rows = len(lines)
    del lines
    cells = body.replace("\n", delimiter).split(delimiter)
    del body
    columns: list[list[object]] = [cells[i + width::width] for i in range(width)]
    header = cells[:width]
    return header, columns, list(range(first + 2, first + 1 + rows))


def _csv_columns(text: str, delimiter: str, source: str
                 ) -> tuple[list[str], list[list[object]], list[int], Odd, list[Notice]]:
    """Header, columns, lines and rows of another width of a CSV text (not blank)."""
    first, offset = _first_content_line(text)
    plain = _unquoted_columns(text, offset, first, delimiter)
    if plain is not None:
        return (*plain, [], [])
    with _FieldLimit(len(text)), paused_gc():  # a list per row, and no cycles to collect
        reader = csv.reader(_physical_lines(text, offset), delimiter=delimiter)
        try:
            header = next(reader)
            header_lines = reader.line_num
            width = len(header)
            cols: list[list[object]] = [[] for _ in range(width)]
            consumed = 0
            skipped: list[int] = []
            odd: list[tuple[int, list[str]]] = []
            while True:
                chunk = list(islice(reader, _CHUNK_ROWS))
                if not chunk:
                    break
                taken = len(chunk)
                if set(map(len, chunk)) != {width}:
                    kept = []
                    for j, cells in enumerate(chunk):
                        if len(cells) == width:
                            kept.append(cells)
                            continue
                        skipped.append(consumed + j)
                        if any(c.strip() for c in cells):
                            odd.append((consumed + j, cells))
                    chunk = kept
                if chunk:
                    for column, values in zip(cols, zip(*chunk, strict=True), strict=True):
                        column.extend(values)
                consumed += taken
            read_lines = reader.line_num
        except csv.Error as exc:
            raise GeosozialError("table.csv_syntax", file=source, line=first + reader.line_num,
                                 reason=str(exc)) from exc
    if read_lines != header_lines + consumed:
        return _csv_columns_slow(text, offset, first, delimiter, source)
    base = first + header_lines + 1
    if skipped:
        gone = set(skipped)
        lines = [base + p for p in range(consumed) if p not in gone]
    else:
        lines = list(range(base, base + consumed))
    return header, cols, lines, [(base + pos, cells) for pos, cells in odd], []


@table_errors
def read_plain_csv(path: str | Path, *, key_column: str | None = None,
                   name_column: str | None = None, encoding: str | None = None,
                   columns: Sequence[str] | None = None, decimal: str | None = None) -> Table:
    """Read a plain CSV table with one header row and a key column.

    Delimiter ``;``, ``,`` or tab (sniffed from the header). The decimal mark is decided per
    column by evidence (German numbers in ``;``/tab files, ``.`` in comma-separated files;
    an ambiguous ``1.560`` is refused) unless ``decimal`` (``","`` or ``"."``) is given.
    Keys stay text. Raises :class:`~geosozial.core.messages.GeosozialError` for an empty
    file, a header without rows, a missing key column (naming the columns found), cells
    that are not numbers and ambiguous numbers.

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
        >>> _ = p.write_text("ags,wert\\n09162000,1.5\\n", encoding="utf-8")
        >>> read_plain_csv(p).value("09162000", "wert")
        1.5
    """
    decimal = check_decimal(decimal)
    source = str(path)
    decoded = read_table_file(path, encoding)
    return _plain_csv_from_text(decoded, source, key_column=key_column, name_column=name_column,
                                columns=columns, decimal=decimal)


def _plain_csv_from_text(decoded: Decoded, source: str, *, key_column: str | None,
                         name_column: str | None, columns: Sequence[str] | None,
                         decimal: str | None) -> Table:
    text = decoded.text
    if not text.strip():
        raise GeosozialError("table.empty", file=source)
    first_line = _LINE.match(text, _first_content_line(text)[1])
    delimiter = sniff_delimiter(first_line.group(1) if first_line else "")
    header, cols, lines, odd, notices = _csv_columns(text, delimiter, source)
    del text, first_line
    decoded.text = ""  # the cells hold what is needed; a large text need not stay in memory
    meta = {"layout": "plain-csv", "encoding": decoded.encoding, "delimiter": delimiter,
            "decimal": decimal or ""}
    table = _table_from_columns(header, cols, lines, source=source, key_column=key_column,
                                name_column=name_column, decimal=decimal, delimiter=delimiter,
                                meta=meta, columns=columns, odd_rows=odd)
    table.notices[:0] = decoded.notices + notices
    return table


# --------------------------------------------------------------------------- XLSX


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


@table_errors
def read_plain_xlsx(path: str | Path, *, key_column: str | None = None,
                    name_column: str | None = None, sheet: str | int | None = None,
                    columns: Sequence[str] | None = None, decimal: str | None = None) -> Table:
    """Read a plain XLSX table: the first non-empty row of ``sheet`` is the header.

    Numeric key cells are completed as text only where unambiguous (see
    :class:`KeyRepairs`); text cells with German numbers or symbols go through
    :func:`~geosozial.core.symbols.parse_cell`, their decimal mark decided per column as in
    :func:`read_plain_csv` unless ``decimal`` is given. Formula cells without a stored
    value are an error naming them (the file must be saved once in Excel or LibreOffice).

    Example:
        >>> t = read_plain_xlsx("gemeinden.xlsx", key_column="AGS")  # doctest: +SKIP
        >>> t.keys.iloc[0]  # doctest: +SKIP
        '14522010'
    """
    decimal = check_decimal(decimal)
    source = str(path)
    uncached: dict[str, list[str]] = {}
    sheets = read_workbook(path, uncached=uncached)
    name = pick_sheet(sheets, sheet, source)
    check_formulas(uncached.get(name, []), name, source)
    rows = [(i, r) for i, r in sheets[name] if any(cell_text(c) for c in r)]
    if not rows:
        if len(sheets) == 1:
            raise GeosozialError("table.empty", file=source)
        raise GeosozialError("table.empty_sheet", file=source, sheet=name)
    header = list(rows[0][1])
    while header and not cell_text(header[-1]):
        header.pop()
    meta = {"layout": "plain-xlsx", "sheet": name}
    return build_plain_table(header, rows[1:], source=source, key_column=key_column,
                             name_column=name_column, strict_width=False, meta=meta,
                             columns=columns, decimal=decimal, delimiter=None)

