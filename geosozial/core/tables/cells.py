"""Value cells of a table column: the decimal convention by evidence, and fast parsing.

Only two kinds of number cells are ambiguous: ``1.560`` (one thousand five hundred
sixty with a thousands dot, or 1.56) and ``1,250`` (1250 with a thousands comma, or
1.25). Every other number has one reading under either convention: ``12,5``,
``1.234,5``, ``1.234.567`` and ``0,125`` are German (:data:`GERMAN`), ``8.1``,
``0.125``, ``1,234.5`` and ``1,234,567`` are English (:data:`ENGLISH`), ``1234`` is
either. :func:`column_evidence` finds the first cell of each kind in a column,
:func:`decide_decimal` decides the column's decimal mark from its own evidence and
that of the file's other value columns, and refuses to guess:

- a column with German and English numbers is refused (``table.decimal_mixed``);
- ``1.560`` or ``1,250`` in a column without evidence of its own is refused when
  another value column writes dot decimals (``table.decimal_ambiguous``); with German
  numbers in the file (or none at all, in a ``;``/tab file) it is German, and ``1.560``
  read as 1560 is reported (``table.thousands``);
- ``1,250`` in a comma-separated file is refused, and so is ``1.560`` there when other
  columns write German numbers in quotes (``table.decimal_comma_file``).

Every refusal names file, line, column and an example and says how to settle it:
``--decimal ,`` or ``--decimal .`` (the ``decimal`` argument of the readers).

:func:`parse_column` parses a column with its decimal mark: plain numbers in bulk
(one regular-expression pass and one numpy conversion), the others (symbols, empty
cells, suffixes) one by one through :func:`parse_value`, so the values and flags are
exactly those of :func:`~geosozial.core.symbols.parse_cell`. ``inf``, ``nan`` and
numbers that overflow (``1e999``) are refused (``table.not_finite``).

Example:
    >>> ev = column_evidence(["1.560", "2.012"])
    >>> ev.thousands, ev.german, ev.english
    ((0, '1.560'), None, None)
    >>> decide_decimal("Einwohner", ev, [("Quote", column_evidence(["8.1"]))], ";",
    ...                None, source="t.csv", lines=[2, 3])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    geosozial.core.messages.GeosozialError: Datei t.csv, Zeile 2, Spalte 'Einwohner': ...
"""

from __future__ import annotations

import contextlib
import gc
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np

from geosozial.core.messages import GeosozialError, define
from geosozial.core.symbols import UnknownSymbol, parse_cell

define(
    "table.bad_cell",
    de="Datei {file}, Zeile {line}, Spalte {column!r}: {text!r} ist weder eine Zahl noch ein "
    "Zeichen der amtlichen Statistik (-, ., x, /, ..., (), p, r, s).",
    en="file {file}, line {line}, column {column!r}: {text!r} is neither a number nor a symbol "
    "of official statistics (-, ., x, /, ..., (), p, r, s).",
)
define(
    "table.not_finite",
    de="Datei {file}, Zeile {line}, Spalte {column!r}: {text!r} ist keine endliche Zahl "
    "(unendlich, NaN oder größer als 1,8·10^308). Bitte den Wert korrigieren; für einen "
    "unbekannten Wert steht '.'.",
    en="file {file}, line {line}, column {column!r}: {text!r} is not a finite number "
    "(infinite, NaN or larger than 1.8e308). Please correct the value; '.' marks an unknown "
    "value.",
)
_SETTLE_DE = ("Bitte das Dezimalzeichen angeben: --decimal , | . (--decimal , : Komma ist "
              "Dezimalzeichen, Punkt trennt Tausender; --decimal . : Punkt ist Dezimalzeichen).")
_SETTLE_EN = ("Please name the decimal mark: --decimal , | . (--decimal , : comma is the decimal "
              "mark, dots separate thousands; --decimal . : dot is the decimal mark).")
define(
    "table.decimal_ambiguous",
    de="Datei {file}, Zeile {line}, Spalte {column!r}: {example!r} ist mehrdeutig – "
    "{thousands} (mit Tausendertrennzeichen) oder {decimal_de} (mit Dezimalzeichen). Die "
    "Spalte selbst entscheidet es nicht, und Spalte {evidence_column!r} schreibt Zahlen mit "
    "Dezimalpunkt (Zeile {evidence_line}: {evidence!r}). " + _SETTLE_DE,
    en="file {file}, line {line}, column {column!r}: {example!r} is ambiguous – {thousands} "
    "(with a thousands separator) or {decimal_en} (with a decimal mark). The column itself "
    "does not decide it, and column {evidence_column!r} writes numbers with a decimal point "
    "(line {evidence_line}: {evidence!r}). " + _SETTLE_EN,
)
define(
    "table.decimal_mixed",
    de="Datei {file}, Spalte {column!r}: die Spalte mischt Zahlen mit Dezimalkomma (Zeile "
    "{german_line}: {german!r}) und mit Dezimalpunkt (Zeile {english_line}: {english!r}); "
    "welche Punkte und Kommas Tausender trennen, lässt sich nicht entscheiden. " + _SETTLE_DE,
    en="file {file}, column {column!r}: the column mixes numbers with a decimal comma (line "
    "{german_line}: {german!r}) and with a decimal point (line {english_line}: {english!r}); "
    "which dots and commas separate thousands cannot be decided. " + _SETTLE_EN,
)
define(
    "table.decimal_comma_file",
    de="Datei {file}, Zeile {line}, Spalte {column!r}: {example!r} ist in einer "
    "kommagetrennten Datei mehrdeutig – {thousands} (mit Tausendertrennzeichen) oder "
    "{decimal_de} (mit Dezimalzeichen). " + _SETTLE_DE,
    en="file {file}, line {line}, column {column!r}: {example!r} is ambiguous in a "
    "comma-separated file – {thousands} (with a thousands separator) or {decimal_en} (with a "
    "decimal mark). " + _SETTLE_EN,
)
define(
    "table.decimal_option",
    de="Dezimalzeichen {decimal!r} gibt es nicht; bitte ',' oder '.' angeben (--decimal , | .).",
    en="there is no decimal mark {decimal!r}; please give ',' or '.' (--decimal , | .).",
)

#: the kinds of number cells :func:`number_kind` tells apart
GERMAN, ENGLISH, THOUSANDS_DOT, THOUSANDS_COMMA = "german", "english", "dot3", "comma3"
#: longest cell text quoted in a message
SHOWN_TEXT = 80

_DOT3 = r"[1-9][0-9]{0,2}\.[0-9]{3}"
_COMMA3 = r"[1-9][0-9]{0,2},[0-9]{3}"
_GERMAN = (r"[0-9]{1,3}(?:\.[0-9]{3})+,[0-9]+|[0-9]{1,3}(?:\.[0-9]{3}){2,}|"
           rf"(?!{_COMMA3}$)[0-9]*,[0-9]+")
_ENGLISH = (rf"(?!{_DOT3}$)[0-9]*\.[0-9]+|[0-9]{{1,3}}(?:,[0-9]{{3}})+\.[0-9]+|"
            r"[0-9]{1,3}(?:,[0-9]{3}){2,}")
_CELL = re.compile(r"^\(?\s*[+-]?([0-9.,]+)\s*[prs]?\s*\)?$")
_KINDS = ((THOUSANDS_DOT, re.compile(_DOT3)), (THOUSANDS_COMMA, re.compile(_COMMA3)),
          (GERMAN, re.compile(_GERMAN)), (ENGLISH, re.compile(_ENGLISH)))
#: digits 1-9 become 9 in a cell's shape (0 stays: ``0.125`` is no thousands group)
_SHAPE = str.maketrans("12345678", "99999999")
#: characters of number cells (a shape with others is no number)
_NUMBER_CHARACTERS = "09.,+-()prs \t\u00a0"
#: shapes of plain numbers converted in bulk: German ``-1.234,5`` resp. plain ``-1234.5``
_SIMPLE = {
    ",": re.compile(r"[+-]?(?:[09]{1,3}(?:\.[09]{3})+|[09]+)(?:,[09]+)?"),
    ".": re.compile(r"[+-]?[09]+(?:\.[09]+)?"),
}
_COMMA_GROUPS = re.compile(r"^([(]?\s*[+-]?)([1-9][0-9]{0,2}(?:,[0-9]{3})+)(?![0-9,.])")
_NOT_FINITE_WORDS = frozenset({"inf", "infinity", "nan", "+inf", "-inf", "+infinity",
                               "-infinity", "+nan", "-nan"})


def shown(text: str) -> str:
    """``text`` cut to :data:`SHOWN_TEXT` characters for a message.

    Example:
        >>> shown("x" * 100)[-3:], len(shown("x" * 100))
        ('x …', 82)
    """
    return text if len(text) <= SHOWN_TEXT else text[:SHOWN_TEXT] + " …"


def number_kind(text: object) -> str:
    """The kind of a number cell: German, English, ``1.560``, ``1,250`` or ``""`` (neither).

    Examples
    --------
    >>> [number_kind(t) for t in ["12,5", "8.1", "1.560", "1,250", "1.234.567", "7", "x"]]
    ['german', 'english', 'dot3', 'comma3', 'german', '', '']
    """
    if not isinstance(text, str):
        return ""
    match = _CELL.match(text.strip().replace("\u00a0", ""))
    if match is None:
        return ""
    core = match.group(1)
    for kind, pattern in _KINDS:
        if pattern.fullmatch(core):
            return kind
    return ""


@dataclass
class Evidence:
    """The first cell (row position, text) of each number kind in a column."""

    german: tuple[int, str] | None = None
    english: tuple[int, str] | None = None
    thousands: tuple[int, str] | None = None
    comma_group: tuple[int, str] | None = None

    @property
    def ambiguous(self) -> tuple[int, str] | None:
        """The first ``1.560`` or ``1,250`` cell, None if there is none."""
        found = [e for e in (self.thousands, self.comma_group) if e is not None]
        return min(found) if found else None


_FIELDS = {GERMAN: "german", ENGLISH: "english", THOUSANDS_DOT: "thousands",
           THOUSANDS_COMMA: "comma_group"}


@dataclass
class TextColumn:
    """A column of text cells without line breaks, prepared for bulk work.

    ``joined`` is the cells joined by ``"\\n"``; ``shapes`` each cell with the digits 1-9
    written as ``9`` (``"1.560"`` -> ``"9.990"``); ``distinct`` the set of shapes (a few
    dozen in a column of numbers, however long).
    """

    joined: str
    shapes: list[str]
    distinct: set[str]

    def rows_with(self, shapes: set[str]) -> list[int]:
        """Row positions whose shape is in ``shapes``."""
        if not shapes:
            return []
        return [i for i, s in enumerate(self.shapes) if s in shapes]

    def first_with(self, shapes: set[str]) -> int:
        """The first row position whose shape is in ``shapes`` (which must occur)."""
        return next(i for i, s in enumerate(self.shapes) if s in shapes)


def text_column(cells: Sequence[object]) -> TextColumn | None:
    """:class:`TextColumn` of ``cells`` if all are text without line breaks, else None.

    Example:
        >>> text_column(["1.560", "x"]).distinct == {"9.990", "x"}, text_column(["1", 2])
        (True, None)
    """
    if not cells or set(map(type, cells)) != {str}:
        return None
    joined = "\n".join(cells)  # type: ignore[arg-type]
    if joined.count("\n") != len(cells) - 1:
        return None
    shapes = joined.translate(_SHAPE).split("\n")
    return TextColumn(joined, shapes, set(shapes))


def column_evidence(cells: Sequence[object], prepared: TextColumn | None = None) -> Evidence:
    """Find the first German, English, ``1.560`` and ``1,250`` cell of a column.

    ``prepared`` is :func:`text_column` of ``cells`` if the caller has it already.

    Examples
    --------
    >>> column_evidence(["-", "12,5", "1.234"])
    Evidence(german=(1, '12,5'), english=None, thousands=(2, '1.234'), comma_group=None)
    """
    evidence = Evidence()
    if prepared is None:
        prepared = text_column(cells)
    if prepared is None:
        for row, cell in enumerate(cells):
            kind = number_kind(cell)
            if kind and getattr(evidence, _FIELDS[kind]) is None:
                setattr(evidence, _FIELDS[kind], (row, str(cell).strip()))
        return evidence
    by_kind: dict[str, set[str]] = {}
    for shape in prepared.distinct:
        if ("." in shape or "," in shape) and not shape.strip(_NUMBER_CHARACTERS):
            kind = number_kind(shape)
            if kind:
                by_kind.setdefault(kind, set()).add(shape)
    for kind, shapes in by_kind.items():
        row = prepared.first_with(shapes)
        setattr(evidence, _FIELDS[kind], (row, str(cells[row]).strip()))
    return evidence


def check_decimal(decimal: str | None) -> str | None:
    """``decimal`` if it is None, ``","`` or ``"."``; else an error naming the option.

    Example:
        >>> check_decimal(","), check_decimal(None)
        (',', None)
    """
    if decimal not in (None, ",", "."):
        raise GeosozialError("table.decimal_option", decimal=decimal)
    return decimal


def own_decimal(evidence: Evidence, default: str) -> str:
    """The decimal mark a column's own evidence points to (``default`` without any).

    Example:
        >>> own_decimal(Evidence(english=(0, "8.1")), ","), own_decimal(Evidence(), ",")
        ('.', ',')
    """
    if evidence.german and not evidence.english:
        return ","
    if evidence.english and not evidence.german:
        return "."
    return default


def default_decimal(delimiter: str | None) -> str:
    """The decimal mark of a file without evidence: ``.`` if comma-separated, else ``,``.

    Example:
        >>> default_decimal(","), default_decimal(";"), default_decimal(None)
        ('.', ',', ',')
    """
    return "." if delimiter == "," else ","


def _readings(token: str) -> dict[str, str]:
    match = _CELL.match(token.strip().replace("\u00a0", ""))
    core = match.group(1) if match else token
    separator = "." if "." in core else ","
    whole = core.replace(separator, "")
    return {"thousands": whole, "decimal_de": core.replace(separator, ","),
            "decimal_en": core.replace(separator, ".")}


@dataclass
class Decision:
    """A column's decimal mark and, if ``1.560`` was read as 1560 on weak evidence, the cell."""

    decimal: str
    thousands: tuple[int, str] | None = None


def decide_decimal(column: str, evidence: Evidence, others: Sequence[tuple[str, Evidence]],
                   delimiter: str | None, forced: str | None, *, source: str,
                   lines: Sequence[int]) -> Decision:
    """Decide the decimal mark of ``column`` or refuse (see the module documentation).

    Parameters
    ----------
    column : str
        The column label, for messages.
    evidence : Evidence
        The column's :func:`column_evidence`.
    others : sequence of (str, Evidence)
        The other value columns of the file.
    delimiter : str or None
        The CSV delimiter (``","`` makes ``.`` the default and ``1,250`` ambiguous); None
        for XLSX and GENESIS tables.
    forced : str or None
        The user's ``decimal`` (``","`` or ``"."``): taken as it is.
    source : str
        The file name, for messages.
    lines : sequence of int
        The line of each row position, for messages.

    Returns
    -------
    Decision

    Raises
    ------
    GeosozialError
        ``table.decimal_mixed``, ``table.decimal_ambiguous`` or ``table.decimal_comma_file``.

    Examples
    --------
    >>> decide_decimal("x", column_evidence(["1.560"]), [], ";", None, source="a",
    ...                lines=[2])
    Decision(decimal=',', thousands=(0, '1.560'))
    >>> decide_decimal("x", column_evidence(["1.560"]), [], ";", ".", source="a", lines=[2])
    Decision(decimal='.', thousands=None)
    """
    if forced:
        return Decision(forced)
    if evidence.german and evidence.english:
        (g_row, g_text), (e_row, e_text) = evidence.german, evidence.english
        raise GeosozialError("table.decimal_mixed", file=source, column=column,
                             german_line=lines[g_row], german=shown(g_text),
                             english_line=lines[e_row], english=shown(e_text))
    if evidence.comma_group and delimiter == ",":
        row, text = evidence.comma_group
        raise GeosozialError("table.decimal_comma_file", file=source, line=lines[row],
                             column=column, example=text, **_readings(text))
    if evidence.german:
        return Decision(",")
    if evidence.english:
        if evidence.comma_group:
            _ambiguous(column, evidence.comma_group, column, evidence.english, source, lines)
        return Decision(".")
    default = default_decimal(delimiter)
    token = evidence.ambiguous
    if token is None:
        return Decision(default)
    english = next(((c, e.english) for c, e in others if e.english), None)
    if english is not None:
        _ambiguous(column, token, english[0], english[1], source, lines)
    german = any(e.german for _, e in others)
    if german and delimiter == ",":  # German numbers in quotes, but a comma-separated file
        row, text = token
        raise GeosozialError("table.decimal_comma_file", file=source, line=lines[row],
                             column=column, example=text, **_readings(text))
    decimal = "," if german else default
    return Decision(decimal, evidence.thousands if decimal == "," else None)


def _ambiguous(column: str, token: tuple[int, str], evidence_column: str,
               evidence: tuple[int, str], source: str, lines: Sequence[int]) -> None:
    row, text = token
    raise GeosozialError("table.decimal_ambiguous", file=source, line=lines[row],
                         column=column, example=text, evidence_column=evidence_column,
                         evidence_line=lines[evidence[0]], evidence=shown(evidence[1]),
                         **_readings(text))


def is_value_cell(cell: object, decimal: str = ",") -> bool:
    """True if ``cell`` is a number or a symbol under ``decimal`` (dates and booleans are not).

    Example:
        >>> is_value_cell("12,5"), is_value_cell("vorläufig"), is_value_cell(True)
        (True, False, False)
    """
    if isinstance(cell, (bool, datetime, date)):
        return False
    try:
        parse_cell(cell, decimal)
    except UnknownSymbol:
        return False
    return True


def parse_value(text: object, *, source: str, line: int, column: str,
                decimal: str = ",") -> tuple[float, str]:
    """:func:`~geosozial.core.symbols.parse_cell` with an error naming file, line and column.

    Non-finite values (``inf``, ``nan``, ``1e999``) are refused (``table.not_finite``).
    With ``decimal="."`` commas in ``1,250`` or ``1,234,567`` separate thousands.

    Examples
    --------
    >>> parse_value("-", source="a.csv", line=3, column="Insgesamt")
    (0.0, '-')
    >>> parse_value("1,250", source="a.csv", line=3, column="x", decimal=".")
    (1250.0, '')
    >>> parse_value("1e999", source="a.csv", line=3, column="x")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    geosozial.core.messages.GeosozialError: Datei a.csv, Zeile 3, Spalte 'x': '1e999' ist ...
    """
    if isinstance(text, (bool, datetime, date)):
        raise GeosozialError("table.bad_cell", file=source, line=line, column=column,
                             text=shown(str(text)))
    if isinstance(text, float) and not math.isfinite(text):
        raise GeosozialError("table.not_finite", file=source, line=line, column=column,
                             text=repr(text))
    cell = text
    if isinstance(text, str):
        stripped = text.strip()
        if stripped.lower() in _NOT_FINITE_WORDS:
            raise GeosozialError("table.not_finite", file=source, line=line, column=column,
                                 text=shown(stripped))
        if decimal == "." and "," in stripped:
            cell = _COMMA_GROUPS.sub(lambda m: m.group(1) + m.group(2).replace(",", ""),
                                     stripped)
    try:
        value, flag = parse_cell(cell, decimal)
    except UnknownSymbol:
        raise GeosozialError("table.bad_cell", file=source, line=line, column=column,
                             text=shown(str(text))) from None
    if math.isinf(value):
        raise GeosozialError("table.not_finite", file=source, line=line, column=column,
                             text=shown(str(text).strip()))
    return value, flag


def is_empty(cell: object) -> bool:
    """True for a cell without text (``None``, ``""``, blanks).

    Example:
        >>> is_empty(None), is_empty(" \\u00a0"), is_empty(0)
        (True, True, False)
    """
    if cell is None:
        return True
    if isinstance(cell, str):
        return not cell.strip()
    return False


@dataclass
class ParsedColumn:
    """Values and flags of a column, its empty cells and what could not be read.

    - ``empty``: row positions of empty cells;
    - ``error``: ``(row position, error)`` of the first cell that could not be read;
    - ``filled``: cells with text; ``bad``: of those, cells that are no number and no
      symbol under either decimal mark (a text column has more bad than good cells).
    """

    values: np.ndarray
    flags: list[str]
    empty: list[int] = field(default_factory=list)
    error: tuple[int, GeosozialError] | None = None
    filled: int = 0
    bad: int = 0

    @property
    def is_text(self) -> bool:
        """True when more than half of the filled cells are no number and no symbol."""
        return self.filled > 0 and self.bad * 2 > self.filled


def parse_column(cells: Sequence[object], decimal: str, *, source: str, column: str,
                 lines: Sequence[int], prepared: TextColumn | None = None) -> ParsedColumn:
    """Parse every cell of a column with ``decimal``; collect errors instead of raising.

    Plain numbers of a text column are converted in bulk (one numpy conversion); symbols,
    empty cells and everything else go through :func:`parse_value` (once per distinct
    text). ``prepared`` is :func:`text_column` of ``cells``, if known.

    Examples
    --------
    >>> p = parse_column(["1.234,5", "-", "", "x", "k.A."], ",", source="a", column="c",
    ...                  lines=[2, 3, 4, 5, 6])
    >>> p.values.tolist()[:2], p.flags, p.empty, p.error[0], p.filled, p.bad
    ([1234.5, 0.0], ['', '-', '', 'x', ''], [2], 4, 4, 1)
    """
    n = len(cells)
    if prepared is None:
        prepared = text_column(cells)
    flags = [""] * n
    if prepared is not None:
        simple = _SIMPLE[decimal]
        special = prepared.rows_with({s for s in prepared.distinct if not simple.fullmatch(s)})
        body = prepared.joined
        if decimal == ",":
            body = body.replace(".", "").replace(",", ".")
        parts = body.split("\n")
        del body
        for row in special:
            parts[row] = "nan"
        values = np.array(parts, dtype=float)
        del parts
    else:
        special = list(range(n))
        values = np.full(n, np.nan)
    result = ParsedColumn(values, flags)
    memo: dict[object, tuple[float, str] | GeosozialError] = {}
    other = "." if decimal == "," else ","
    bad_memo: dict[object, bool] = {}
    bad = 0
    for row in special:
        cell = cells[row]
        if is_empty(cell):
            result.empty.append(row)
            continue
        hashable = type(cell) in (str, int, float)
        hit = memo.get(cell) if hashable else None
        if hit is None:
            try:
                hit = parse_value(cell, source=source, line=lines[row], column=column,
                                  decimal=decimal)
            except GeosozialError as err:
                # kept without traceback and context: their frames would keep the callers'
                # frames (and whatever they hold, such as an open output) alive until a
                # cyclic collection
                hit = err.with_traceback(None)
                hit.__context__ = hit.__cause__ = None
            if hashable:
                memo[cell] = hit
        if isinstance(hit, GeosozialError):
            if result.error is None:
                result.error = (row, hit)
            verdict = bad_memo.get(cell) if hashable else None
            if verdict is None:  # inf and nan are meant as numbers: refused, not text
                verdict = hit.code != "table.not_finite" and not (
                    is_value_cell(cell, decimal) or is_value_cell(cell, other))
                if hashable:
                    bad_memo[cell] = verdict
            bad += verdict
            continue
        values[row], flags[row] = hit
    if prepared is not None:
        infinite = np.flatnonzero(np.isinf(values))
        if len(infinite) and (result.error is None or infinite[0] < result.error[0]):
            row = int(infinite[0])
            result.error = (row, GeosozialError("table.not_finite", file=source,
                                                line=lines[row], column=column,
                                                text=shown(str(cells[row]).strip())))
    result.filled = n - len(result.empty)
    result.bad = bad
    return result


class paused_gc(contextlib.ContextDecorator):
    """Pause Python's cyclic garbage collector while millions of cells are created.

    Reading a table creates no reference cycles, but the collector would walk all live
    objects again and again (most of the time of a million-row read); it is switched
    back on afterwards if it was on. Also a decorator: ``@paused_gc()``.

    Example:
        >>> import gc
        >>> with paused_gc():
        ...     gc.isenabled()
        False
    """

    def _recreate_cm(self) -> paused_gc:  # one state per call, also across threads
        return type(self)()

    def __enter__(self) -> None:
        self.was_enabled = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc: object) -> None:
        if self.was_enabled:
            gc.enable()
