"""Readers for GENESIS-Online and Regionaldatenbank exports: classic CSV, XLSX, flat CSV.

Classic CSV and XLSX share one layout: title lines (``GENESIS-Tabelle: <code>``, title,
``Stichtag: ...``), one to three column-header rows (in CSV they start with ``;;``),
data rows, and a footer from the first line starting with ``__________`` (or ``Stand:``
or ``©``) to the end. The footer is never read as data, even where its note lines look
like data; ``Stand`` and the copyright line go into ``Table.meta``.

Column labels: the header rows are joined with ``" | "`` after dropping every header row
whose text is the same in all value columns (a row like ``Altersgruppen (unter 1 bis 75
u.m.)`` or ``Geschlecht``), so the Kreis table 12411-02-03-5-B has labels such as
``"Insgesamt | unter 3 Jahre"`` and ``"männlich | Insgesamt"``. Upper header rows with
empty cells (merged cells in XLSX) are filled from the left. Labels must be unique.

Row labels: the leading columns without a header (two in every known export) are the
row labels. If the first one is unique within the table it is the key (AGS/ARS, ``DG``;
text, exactly as written) and the second is the name. Otherwise (Destatis tables such as
12613-0004, whose first column is the year and the second the age) the key is the row
labels joined with ``" | "`` (``"2000 | unter 1 Jahr"``) and the name is the second label;
``meta["key_columns"]`` says which scheme was used.

Blocks: a row with only its first cell filled (``30.06.2019`` in the XLSX export of
13111-01-03-4) starts a block. One block is stored in ``meta["block"]``; several blocks
are laid side by side, the block prefixed to each label (``"30.06.2019 | Insgesamt"``),
so every key is one row.

Example:
    >>> t = read_genesis_csv("12411-02-03-5-B.csv")  # doctest: +SKIP
    >>> t.value("01001", "Insgesamt | Insgesamt")  # doctest: +SKIP
    89504.0
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from geosozial.core.messages import GeosozialError, Notice, define
from geosozial.core.symbols import UnknownSymbol, parse_cell
from geosozial.core.tables.cells import (
    check_decimal,
    column_evidence,
    decide_decimal,
    parse_value,
)
from geosozial.core.tables.plain import (
    DELIMITERS,
    KeyRepairs,
    cell_text,
    csv_rows,
    duplicate_key_notice,
    pick_sheet,
    split_lines,
    table_errors,
)
from geosozial.core.tables.table import Table
from geosozial.core.tables.textfile import Decoded, decode_table_bytes, read_table_file
from geosozial.core.tables.xlsx import check_formulas, read_workbook

FOOTER_MARKS = ("_____", "Stand:", "©")
Row = tuple[int, list[object]]

define(
    "genesis.delimiter",
    de="Datei {file} sieht wie eine GENESIS-Tabelle aus, ist aber mit {de_name} statt mit "
    "Semikolon getrennt. Bitte als CSV (Semikolon) exportieren oder als einfache Tabelle mit "
    "Schlüsselspalte einlesen.",
    en="file {file} looks like a GENESIS table but is separated by {en_name} instead of "
    "semicolons. Please export it as CSV (semicolon) or read it as a plain table with a key "
    "column.",
)
define(
    "genesis.no_header",
    de="Datei {file}: keine Spaltenköpfe gefunden (Zeilen, die mit ';;' beginnen).",
    en="file {file}: no column header rows found (lines starting with ';;').",
)
define(
    "genesis.replacement",
    de="Datei {file}: {count} Ersatzzeichen (U+FFFD) gefunden; die Zeichenkodierung wurde "
    "vor dem Download beschädigt, Umlaute in Beschriftungen sind verloren. Die Zahlen sind "
    "gelesen; Beschriftungen bitte prüfen.",
    en="file {file}: {count} replacement characters (U+FFFD) found; the encoding was damaged "
    "before download and umlauts in labels are lost. The numbers were read; please check "
    "the labels.",
)
define(
    "genesis.duplicate_row",
    de="Datei {file}, Zeile {line}: Schlüssel {key!r} kommt im Block {block!r} mehrfach vor.",
    en="file {file}, line {line}: key {key!r} occurs more than once in block {block!r}.",
)
define(
    "genesis.no_data_sheet",
    de="Datei {file}: kein Tabellenblatt mit Zahlen gefunden (Blätter: {sheets}).",
    en="file {file}: no sheet with numbers found (sheets: {sheets}).",
)
define(
    "genesis.flat_columns",
    de="Datei {file}: Flatfile-CSV ohne {missing}. Gefundene Spalten: {columns}.",
    en="file {file}: flat-file CSV without {missing}. Columns found: {columns}.",
)
define(
    "genesis.flat_region",
    de="Datei {file}: kein regionales Merkmal gefunden (Merkmale: {variables}). Bitte das "
    "Merkmal mit den Regionalschlüsseln angeben (key_variable).",
    en="file {file}: no regional variable found (variables: {variables}). Please name the "
    "variable holding the area keys (key_variable).",
)
define(
    "genesis.flat_duplicate",
    de="Datei {file}, Zeile {line}: Schlüssel {key!r} hat die Spalte {column!r} schon; die "
    "Zeilen unterscheiden sich nur in Codes oder Einheit.",
    en="file {file}, line {line}: key {key!r} already has column {column!r}; the rows differ "
    "only in codes or unit.",
)
define(
    "genesis.flat_no_csv",
    de="Datei {file} ist ein ZIP-Archiv ohne CSV-Datei (Inhalt: {members}).",
    en="file {file} is a ZIP archive without a CSV file (contents: {members}).",
)
define(
    "genesis.flat_quality",
    de="Datei {file}: unbekannte Qualitätskennzeichen nicht übernommen: {codes}.",
    en="file {file}: unknown quality marks not taken over: {codes}.",
)

_DELIMITER_NAMES = {",": ("Komma", "commas"), "\t": ("Tabulator", "tabs")}


# --------------------------------------------------------------------------- layout


def _texts(cells: Sequence[object]) -> list[str]:
    return [cell_text(c) for c in cells]


def is_footer_text(text: str) -> bool:
    """True if a line starts the footer (``__________``, ``Stand:``, ``©``).

    Example:
        >>> is_footer_text("__________"), is_footer_text('"© Destatis'), is_footer_text("01001")
        (True, True, False)
    """
    return text.lstrip('"').lstrip().startswith(FOOTER_MARKS)


def _is_label(cell: object) -> bool:
    if not isinstance(cell, str) or not cell.strip():
        return False
    try:
        parse_cell(cell)
    except UnknownSymbol:
        return True
    return False


def _is_header_row(cells: Sequence[object]) -> bool:
    texts = _texts(cells)
    if not any(texts[1:]):
        return False
    if not texts[0]:
        return True
    values = [c for c in cells[2:] if cell_text(c)]
    return bool(values) and all(_is_label(c) for c in values)


def _leading_empty(cells: Sequence[object]) -> int:
    n = 0
    for t in _texts(cells):
        if t:
            break
        n += 1
    return n


def _column_labels(header: list[Row], first: int, width: int, source: str) -> tuple[list[str],
                                                                                    str]:
    grid = []
    for k, (_, cells) in enumerate(header):
        texts = _texts(cells[first:width]) + [""] * (width - max(len(cells), first))
        if k < len(header) - 1:
            for i in range(1, len(texts)):
                texts[i] = texts[i] or texts[i - 1]
        grid.append(texts)
    varying = [row for row in grid if len(set(row)) > 1] or [grid[-1]]
    common = [row[0] for row in grid if len(set(row)) == 1 and row[0]]
    labels = [
        " | ".join(p for p in parts if p) or f"Spalte {first + i + 1}"
        for i, parts in enumerate(zip(*varying, strict=True))
    ]
    seen: set[str] = set()
    for label in labels:
        if label in seen:
            raise GeosozialError("table.duplicate_column", file=source, label=label)
        seen.add(label)
    return labels, " | ".join(common)


def _preamble_meta(preamble: list[Row]) -> dict[str, str]:
    meta: dict[str, str] = {}
    title = []
    for _, cells in preamble:
        text = cell_text(cells[0]) if cells else ""
        code = re.match(r"^GENESIS-Tabelle:\s*(.+)$", text)
        day = re.match(r"^Stichtag:\s*(.+)$", text)
        if code:
            meta["table"] = code.group(1)
        elif day:
            meta["Stichtag"] = day.group(1)
        elif text:
            title.append(text)
    if title:
        meta["title"] = "\n".join(title)
    return meta


def footer_meta(texts: Sequence[str]) -> dict[str, str]:
    """``Stand``, ``copyright`` and ``note`` from footer lines.

    Example:
        >>> footer_meta(["__________", "Hinweis", "Stand: 24.11.2020 / 09:48:13"])
        {'Stand': '24.11.2020 / 09:48:13', 'note': 'Hinweis'}
    """
    meta: dict[str, str] = {}
    note = []
    for text in texts:
        text = text.strip()
        stand = re.search(r"(?<!\w)Stand:\s*([^|]+?)\s*$", text)
        if stand:
            meta["Stand"] = stand.group(1)
            text = text[: stand.start()].rstrip(" |")
        if not text or set(text) == {"_"}:
            continue
        if text.startswith("©"):
            meta["copyright"] = " ".join(text.split())
        else:
            note.append(text)
    if note:
        meta["note"] = "\n".join(note)
    return meta


# --------------------------------------------------------------------------- the grid


def _parse_grid(rows: list[Row], footer: list[str], *, source: str, strict_width: bool,
                meta: dict[str, str], notices: list[Notice],
                decimal: str | None = None) -> Table:
    """Title lines, header rows, blocks and data rows -> Table (footer already split off).

    The decimal mark of each value column is ``decimal`` or decided by evidence with the
    German default of GENESIS exports (an ambiguous ``1.560`` next to dot decimals is
    refused, see :func:`~geosozial.core.tables.cells.decide_decimal`).
    """
    start = 0
    while start < len(rows) and not any(_texts(rows[start][1])[1:]):
        start += 1
    end = start
    while end < len(rows) and _is_header_row(rows[end][1]):
        end += 1
    if end == start:
        raise GeosozialError("genesis.no_header", file=source)
    header = rows[start:end]
    first = min((n for n in (_leading_empty(c) for _, c in header) if n > 0), default=2)
    if strict_width:
        width = max(len(c) for _, c in header)
    else:
        width = max(max((i + 1 for i, t in enumerate(_texts(c)) if t), default=0)
                    for _, c in header)
    labels, common = _column_labels(header, first, width, source)
    info = {**_preamble_meta(rows[:start]), **footer_meta(footer), **meta}
    if common:
        info["header_common"] = common

    repairs = KeyRepairs(source)
    block: str | None = None
    collected = []
    problem: GeosozialError | None = None
    for line, cells in rows[end:]:
        texts = _texts(cells)
        if not any(texts):
            continue
        if texts[0] and not any(texts[1:]):
            block = texts[0]
            continue
        if (strict_width and len(cells) != width) or any(texts[width:]):
            problem = GeosozialError("table.field_count", file=source, line=line,
                                     found=len(cells), expected=width)
            break
        if not texts[0]:
            problem = GeosozialError("table.missing_key", file=source, line=line)
            break
        cells = list(cells) + [None] * (width - len(cells))
        collected.append((block, line, [repairs.key(cells[0], line), *texts[1:first]],
                          cells[first:width]))
    lines = [line for _, line, _, _ in collected]
    evidence = [column_evidence([c[3][k] for c in collected]) for k in range(len(labels))]
    marks = [decide_decimal(label, evidence[k],
                            [(labels[j], evidence[j]) for j in range(len(labels)) if j != k],
                            None, decimal, source=source, lines=lines).decimal
             for k, label in enumerate(labels)]
    parsed = []
    empty: list[tuple[int, str]] = []
    for b, line, row_labels, value_cells in collected:
        values = {}
        for label, cell, mark in zip(labels, value_cells, marks, strict=True):
            if not cell_text(cell):
                empty.append((line, label))
            values[label] = parse_value(cell, source=source, line=line, column=label,
                                        decimal=mark)
        parsed.append((b, line, row_labels, values))
    if problem is not None:
        raise problem
    if not parsed:
        raise GeosozialError("table.no_rows", file=source)
    if set(marks) == {"."}:
        info["decimal"] = "."

    per_block = Counter((b, labels_[0]) for b, _, labels_, _ in parsed)
    composite = first > 1 and any(n > 1 for n in per_block.values())
    info["key_columns"] = "1+2" if composite else "1"
    notices = notices + repairs.notices()
    if empty:
        notices.append(Notice("table.empty_cells", severity="info", file=source,
                              count=len(empty), line=empty[0][0], column=empty[0][1]))
    blocks = list(dict.fromkeys(b for b, *_ in parsed))
    merged: dict[str, list] = {}
    records, lines = [], []
    for b, line, row_labels, values in parsed:
        key = " | ".join(row_labels) if composite else row_labels[0]
        name = " | ".join(row_labels[1:])
        if len(blocks) == 1:
            records.append((key, name, values))
            lines.append(line)
            continue
        entry = merged.setdefault(key, [name, line, {}])
        for label, v in values.items():
            column = f"{b} | {label}" if b else label
            if column in entry[2]:
                raise GeosozialError("genesis.duplicate_row", file=source, line=line, key=key,
                                     block=b or "")
            entry[2][column] = v
    if len(blocks) == 1:
        if blocks[0]:
            info["block"] = blocks[0]
            if re.fullmatch(r"\d{2}\.\d{2}\.\d{4}", blocks[0]):
                info.setdefault("Stichtag", blocks[0])
        notices += duplicate_key_notice(source, [r[0] for r in records])
    else:
        info["blocks"] = ", ".join(b or "" for b in blocks)
        records = [(k, v[0], v[2]) for k, v in merged.items()]
        lines = [v[1] for v in merged.values()]
    return Table.from_records(records, source=source, lines=lines, notices=notices, meta=info)


# --------------------------------------------------------------------------- classic CSV


def _csv_rows(lines: list[str], delimiter: str, offset: int, source: str = "") -> list[Row]:
    return csv_rows(lines, delimiter, offset, source)  # type: ignore[return-value]


def _classic_delimiter(lines: list[str], source: str) -> str:
    starts = {d: sum(1 for line in lines if line.startswith(d * 2)) for d in DELIMITERS}
    if starts[";"]:
        return ";"
    other = max((",", "\t"), key=lambda d: starts[d])
    body = "\n".join(lines[1:])
    if starts[other] or (";" not in body and other in body):
        de_name, en_name = _DELIMITER_NAMES[other]
        raise GeosozialError("genesis.delimiter", file=source, de_name=de_name, en_name=en_name,
                             delimiter=other)
    return ";"


@table_errors
def read_genesis_csv(path: str | Path, *, encoding: str | None = None,
                     decimal: str | None = None) -> Table:
    """Read a classic GENESIS / Regionalstatistik CSV export (``;``, header rows ``;;...``).

    Encoding by evidence (:mod:`geosozial.core.tables.textfile`: UTF-8, UTF-16, else
    cp1252/Latin-1) or ``encoding``. Values and symbols become value + flag (``-`` is 0.0
    with flag ``-``; ``.`` is NaN with flag ``.``); the decimal mark is the German comma
    unless a column's evidence or ``decimal`` (``","``/``"."``) says otherwise.
    Replacement characters (U+FFFD) from an upstream encoding accident give a warning.
    ``meta`` holds ``table``, ``title``, ``Stichtag``, ``Stand``, ``copyright``, ``note``,
    ``encoding``. See the module docstring for labels and keys.

    Example:
        >>> t = read_genesis_csv("regionalstatistik_12411-02-03-5-B.csv")  # doctest: +SKIP
        >>> t.meta["Stand"], t.value("01001", "Insgesamt | Insgesamt")  # doctest: +SKIP
        ('24.11.2020 / 09:48:13', 89504.0)
    """
    decimal = check_decimal(decimal)
    source = str(path)
    decoded = read_table_file(path, encoding)
    text = decoded.text
    lines = split_lines(text)
    if not "".join(lines).strip():
        raise GeosozialError("table.empty", file=source)
    delimiter = _classic_delimiter(lines, source)
    cut = next((k for k, line in enumerate(lines) if k > 0 and is_footer_text(line)), len(lines))
    rows = _csv_rows(lines[:cut], delimiter, 0, source)
    footer = [" ".join(c.strip() for c in cells if c.strip())
              for _, cells in _csv_rows(lines[cut:], delimiter, cut, source)]
    notices = list(decoded.notices)
    damaged = text.count("\ufffd") - decoded.replaced
    if damaged:
        notices.append(Notice("genesis.replacement", severity="warning", file=source,
                              count=damaged))
    meta = {"layout": "genesis-csv", "encoding": decoded.encoding}
    return _parse_grid(rows, footer, source=source, strict_width=True, meta=meta,
                       notices=notices, decimal=decimal)


# --------------------------------------------------------------------------- XLSX


def _numeric_cells(rows: list[Row]) -> int:
    return sum(isinstance(c, (int, float)) and not isinstance(c, bool)
               for _, cells in rows for c in cells)


@table_errors
def read_genesis_xlsx(path: str | Path, *, sheet: str | int | None = None,
                      decimal: str | None = None) -> Table:
    """Read a GENESIS / Regionalstatistik XLSX export (data, metadata and footnote sheets).

    The data sheet is ``sheet`` or the sheet with the most numbers; title lines of the
    other sheets fill ``meta["title"]``, footer lines ``Stand``/``copyright``/``note``.
    Names are stripped of their indentation. Numeric key cells become text only where the
    leading zero is unambiguous (otherwise kept, with a warning). Text cells with numbers
    follow ``decimal`` as in :func:`read_genesis_csv`. Formula cells without a stored
    value in the data sheet are an error naming them.

    Example:
        >>> t = read_genesis_xlsx("regionalstatistik_13111-01-03-4.xlsx")  # doctest: +SKIP
        >>> t.value("DG", "30.06.2019 | Insgesamt")  # doctest: +SKIP
        33407262.0
    """
    decimal = check_decimal(decimal)
    source = str(path)
    uncached: dict[str, list[str]] = {}
    sheets = read_workbook(path, uncached=uncached)
    if sheet is not None:
        data_name = pick_sheet(sheets, sheet, source)
    else:
        if not sheets:
            raise GeosozialError("genesis.no_data_sheet", file=source, sheets="")
        data_name = max(sheets, key=lambda n: _numeric_cells(sheets[n]))
        if not _numeric_cells(sheets[data_name]) and not uncached:
            raise GeosozialError("genesis.no_data_sheet", file=source,
                                 sheets=", ".join(sheets))
        if not _numeric_cells(sheets[data_name]):
            data_name = next(iter(uncached))
    check_formulas(uncached.get(data_name, []), data_name, source)
    rows = sheets[data_name]
    cut = next((k for k, (_, c) in enumerate(rows) if k > 0 and c and is_footer_text(
        cell_text(c[0]))), len(rows))
    footer = [" ".join(_texts(c)).strip() for _, c in rows[cut:]]
    titles: list[str] = []
    for name, other in sheets.items():
        if name == data_name:
            continue
        lines = [_texts(c) for _, c in other if any(_texts(c))]
        if lines and is_footer_text(lines[0][0]):
            footer += [" ".join(t for t in line if t) for line in lines]
            continue
        for line in lines:
            if any(line[1:]):
                break
            titles.append(line[0])
    meta = {"layout": "genesis-xlsx", "sheet": data_name}
    if re.match(r"^\d{5}-", data_name):
        meta["table"] = data_name
    if titles:
        meta["title"] = "\n".join(titles)
    table = _parse_grid(rows[:cut], footer, source=source, strict_width=False, meta={},
                        notices=[], decimal=decimal)
    table.meta = {**meta, **table.meta}
    return table


# --------------------------------------------------------------------------- flat CSV

_FLAT_FIXED = ("statistics_code", "statistics_label", "time_code", "time_label", "time",
               "value", "value_unit", "value_variable_code", "value_variable_label", "value_q")
_OLD_NAMES = {"statistik_code": "statistics_code", "statistik_label": "statistics_label",
              "zeit_code": "time_code", "zeit_label": "time_label", "zeit": "time"}
_OLD_VARIABLE = re.compile(r"^(\d+)_(merkmal|auspraegung)_(code|label)$")
_VARIABLE = re.compile(r"^(\d+)_variable(_attribute)?_(code|label)$")
#: variable codes of regional variables in GENESIS / Regionalstatistik
REGIONAL_VARIABLES = frozenset({"DINSG", "DLAND", "LAND", "REGBEZ", "KREISE", "GEMEIN",
                                "GVV", "GEMVB", "FGEMEIN"})
#: quality marks of the ``_q`` columns that become flags (``e`` = final, no flag)
QUALITY_FLAGS = {"e": "", "": "", "p": "p", "r": "r", "s": "s"}


def flat_column_name(name: str) -> str:
    """The column name of the current ffcsv layout for an old or new header name.

    Example:
        >>> flat_column_name("1_Auspraegung_Code"), flat_column_name("Zeit")
        ('1_variable_attribute_code', 'time')
    """
    low = name.strip().lower()
    old = _OLD_VARIABLE.match(low)
    if old:
        n, kind, part = old.groups()
        return f"{n}_variable{'_attribute' if kind == 'auspraegung' else ''}_{part}"
    if low in _OLD_NAMES:
        return _OLD_NAMES[low]
    return low if low in _FLAT_FIXED or _VARIABLE.match(low) else name.strip()


def is_flat_header(line: str) -> bool:
    """True if ``line`` is the header of a GENESIS flat-file CSV (ffcsv).

    Example:
        >>> is_flat_header("statistics_code;time;1_variable_code;1_variable_attribute_code")
        True
        >>> is_flat_header("AGS;Name;Wert")
        False
    """
    names = [flat_column_name(c.strip('"')) for c in re.split(r"[;,\t]", line)]
    return "statistics_code" in names and any(_VARIABLE.match(n) for n in names)


def _flat_measures(names: list[str]) -> list[tuple[int, int | None, str, str]]:
    """(value index, quality index, label, unit) per value column; label '' = per row."""
    if "value" in names:
        q = names.index("value_q") if "value_q" in names else None
        return [(names.index("value"), q, "", "")]
    out = []
    for i, n in enumerate(names):
        if n in _FLAT_FIXED or _VARIABLE.match(n) or n.lower().endswith("_q"):
            continue
        q = i + 1 if i + 1 < len(names) and names[i + 1].lower().endswith("_q") else None
        parts = n.split("__")
        label = (parts[1] if len(parts) >= 3 else parts[0]).replace("_", " ")
        out.append((i, q, label, parts[2] if len(parts) >= 3 else ""))
    return out


def _flat_text(path: str | Path, encoding: str | None) -> Decoded:
    if zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
                member = next((n for n in names if n.lower().endswith(".csv")), None)
                if member is None:
                    raise GeosozialError("genesis.flat_no_csv", file=str(path),
                                         members=", ".join(names[:5]) or "-")
                return decode_table_bytes(archive.read(member), encoding, f"{path}:{member}")
        except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError,
                OSError) as exc:
            raise GeosozialError("table.not_xlsx", file=str(path)) from exc
    return read_table_file(path, encoding)


@table_errors
def read_genesis_flat(path: str | Path, *, encoding: str | None = None,
                      key_variable: str | None = None, decimal: str | None = None) -> Table:
    """Read a GENESIS flat-file CSV (ffcsv, also zipped) and pivot it to one row per area.

    Both layouts are read: the current one (``statistics_code;...;time;1_variable_code;
    1_variable_label;1_variable_attribute_code;1_variable_attribute_label;...;value;
    value_unit;value_variable_code;value_variable_label;value_q``) and the older one
    (``Statistik_Code;...;Zeit;1_Merkmal_Code;...;1_Auspraegung_Code;...;BEVSTD__
    Bevoelkerungsstand__Anzahl;BEVSTD__Bevoelkerungsstand__q``). The key is the attribute
    code of the regional variable (``KREISE``, ``GEMEIN``, ``DINSG``, ``GEO...``, or
    ``key_variable``), the name its label. Columns are time, the other attributes and the
    value name joined with ``" | "``, leaving out the parts that are the same in every
    row. Quality marks ``p``/``r``/``s`` become flags. Decimal comma unless no value cell
    has a comma (or ``decimal``).

    Example:
        >>> t = read_genesis_flat("12411-01-01-4_flat.csv")  # doctest: +SKIP
        >>> t.value("01001", "männlich")  # doctest: +SKIP
        44599.0
    """
    decimal = check_decimal(decimal)
    source = str(path)
    decoded = _flat_text(path, encoding)
    text, used = decoded.text, decoded.encoding
    lines = split_lines(text)
    if not "".join(lines).strip():
        raise GeosozialError("table.empty", file=source)
    first = next(i for i, line in enumerate(lines) if line.strip())
    delimiter = max(DELIMITERS, key=lambda d: lines[first].count(d))
    rows = _csv_rows(lines[first:], delimiter, first, source)
    header = [c.strip() for c in rows[0][1]]
    names = [flat_column_name(c) for c in header]
    slots = sorted({int(m.group(1)) for n in names if (m := _VARIABLE.match(n))})
    measures = _flat_measures(names)
    if not slots or not measures:
        raise GeosozialError("genesis.flat_columns", file=source,
                             missing="N_variable_attribute_code" if not slots else "value",
                             columns=", ".join(header))
    col = {n: i for i, n in enumerate(names)}
    body = [(line, cells) for line, cells in rows[1:] if any(c.strip() for c in cells)]
    if not body:
        raise GeosozialError("table.no_rows", file=source)
    for line, cells in body:
        if len(cells) != len(header):
            raise GeosozialError("table.field_count", file=source, line=line,
                                 found=len(cells), expected=len(header))

    def get(cells: list[str], name: str) -> str:
        return cells[col[name]].strip() if name in col else ""

    codes = {s: {get(c, f"{s}_variable_code") for _, c in body} for s in slots}
    if key_variable:
        region = [s for s in slots if key_variable in codes[s]]
    else:
        region = [s for s in slots
                  if any(c in REGIONAL_VARIABLES or c.startswith("GEO") for c in codes[s])]
    if not region:
        raise GeosozialError("genesis.flat_region", file=source,
                             variables=", ".join(sorted(set().union(*codes.values()))))
    r = region[0]
    others = [s for s in slots if s != r]
    if decimal is None:
        decimal = "," if any("," in cells[m[0]] for _, cells in body for m in measures) else "."

    entries = []
    for line, cells in body:
        key = get(cells, f"{r}_variable_attribute_code")
        if not key:
            raise GeosozialError("table.missing_key", file=source, line=line)
        parts = [get(cells, "time")] + [
            get(cells, f"{s}_variable_attribute_label")
            or get(cells, f"{s}_variable_attribute_code")
            for s in others
        ]
        for vi, qi, label, unit in measures:
            vlabel = label or get(cells, "value_variable_label") or get(
                cells, "value_variable_code") or header[vi]
            entries.append((line, key, get(cells, f"{r}_variable_attribute_label"),
                            (*parts, vlabel), unit or get(cells, "value_unit"),
                            cells[vi], cells[qi].strip() if qi is not None else "", header[vi]))

    width = len(entries[0][3])
    varying = [k for k in range(width) if len({e[3][k] for e in entries}) > 1] or [width - 1]
    common = [entries[0][3][k] for k in range(1, width) if k not in varying and entries[0][3][k]]
    merged: dict[str, list] = {}
    unknown: Counter[str] = Counter()
    for line, key, name, comps, _unit, vtext, q, vheader in entries:
        label = " | ".join(comps[k] for k in varying if comps[k]) or vheader
        value, flag = parse_value(vtext, source=source, line=line, column=vheader,
                                  decimal=decimal)
        if q not in QUALITY_FLAGS:
            unknown[q] += 1
        elif not flag:
            flag = QUALITY_FLAGS[q]
        entry = merged.setdefault(key, [name, line, {}])
        if label in entry[2]:
            raise GeosozialError("genesis.flat_duplicate", file=source, line=line, key=key,
                                 column=label)
        entry[2][label] = (value, flag)

    meta = {"layout": "genesis-flat", "encoding": used, "decimal": decimal,
            "key_variable": ", ".join(sorted(codes[r]))}
    first_cells = body[0][1]
    for name, meta_key in (("statistics_code", "table"), ("statistics_label", "title")):
        if get(first_cells, name):
            meta[meta_key] = get(first_cells, name)
    times = {get(c, "time") for _, c in body}
    if len(times) == 1 and times != {""}:
        stag = (get(first_cells, "time_code") == "STAG"
                or get(first_cells, "time_label") in ("Stichtag", "Reference date"))
        meta["Stichtag" if stag else "time"] = times.pop()
    units = {e[4] for e in entries}
    if len(units) == 1 and units != {""}:
        meta["unit"] = units.pop()
    if common:
        meta["header_common"] = " | ".join(common)
    notices: list[Notice] = list(decoded.notices)
    if unknown:
        notices.append(Notice("genesis.flat_quality", severity="info", file=source,
                              codes=", ".join(f"{k!r} ({n})" for k, n in unknown.items())))
    records = [(k, v[0], v[2]) for k, v in merged.items()]
    return Table.from_records(records, source=source, lines=[v[1] for v in merged.values()],
                              notices=notices, meta=meta)
