"""Symbols of German official statistics ("Zeichenerklärung") as value plus flag.

Only ``-`` ("nichts vorhanden", genau null) means zero. Every other symbol either
stands for a missing value (``.``, ``x``, ``/``, ``...``, en dash) or marks a value
that is still there (``(123)``, ``123p``, ``123r``, ``123s``).

Example:
    >>> parse_cell("-")
    (0.0, '-')
    >>> parse_cell(".")
    (nan, '.')
    >>> parse_cell("1.234")
    (1234.0, '')
    >>> parse_cell("(12)")
    (12.0, '()')
    >>> parse_cell("345p")
    (345.0, 'p')
"""

from __future__ import annotations

import math
import re

NAN = math.nan

#: flag -> (German, English) meaning
SYMBOLS: dict[str, tuple[str, str]] = {
    "-": ("nichts vorhanden (genau null)", "nothing (exactly zero)"),
    ".": ("Zahlenwert unbekannt oder geheim zu halten", "unknown or confidential"),
    "x": ("Tabellenfach gesperrt, Aussage nicht sinnvoll", "cell blocked, not meaningful"),
    "/": ("keine Angabe, Zahlenwert nicht sicher genug", "no figure, not reliable enough"),
    "...": ("Angabe fällt später an", "figure available later"),
    "–": ("Gedankenstrich: nicht als null gewertet", "en dash: not taken as zero"),
    "()": ("Aussagewert eingeschränkt", "limited reliability"),
    "p": ("vorläufige Zahl", "provisional"),
    "r": ("berichtigte Zahl", "revised"),
    "s": ("geschätzte Zahl", "estimated"),
    "*": ("geheim (Statistik der Bundesagentur für Arbeit: Werte unter 3 und abgeleitete)",
          "confidential (Federal Employment Agency statistics: values below 3 and derived)"),
}

#: flags whose cell has no value
MISSING_FLAGS = frozenset({".", "x", "/", "...", "–", "*"})

#: flags of computed values (indicators and aggregates)
FLAG_OK = ""
FLAG_SUPPRESSED = "geheim"
FLAG_NO_DATA = "keine_daten"
FLAG_ZERO_DENOMINATOR = "nenner_null"
FLAG_NOT_COMPUTABLE = "nicht_berechenbar"

#: symbols that keep a value but qualify it; a result built on them carries the first
FLAG_ESTIMATED = "geschaetzt"
FLAG_RECODED = "umgeschluesselt"
PROVISIONAL_FLAGS = ("p", "s", "r", "()", FLAG_ESTIMATED, FLAG_RECODED)

#: flags of values withheld for confidentiality: GENESIS "." (as read by geosozial),
#: BA "*", and geosozial's own suppression
CONFIDENTIAL_FLAGS = frozenset({".", "*", FLAG_SUPPRESSED})

FLAG_LABELS = {
    FLAG_SUPPRESSED: ("geheim gehalten", "confidential"),
    FLAG_NO_DATA: ("keine Daten", "no data"),
    FLAG_ZERO_DENOMINATOR: ("Nenner null", "zero denominator"),
    FLAG_NOT_COMPUTABLE: ("nicht berechenbar", "not computable"),
    FLAG_ESTIMATED: ("geschätzt (Gebietsstand umgerechnet)", "estimated (territory converted)"),
    FLAG_RECODED: ("umgeschlüsselt (Gebietsstand)", "recoded (territory)"),
}


def flag_text(flag: str, lang: str = "de") -> str:
    """A flag as shown to readers: computed-value flags in words, symbols as they are.

    Example:
        >>> flag_text("geheim"), flag_text("p"), flag_text("nenner_null", "en")
        ('geheim gehalten', 'p', 'zero denominator')
    """
    words = FLAG_LABELS.get(flag)
    if words is None:
        return flag
    return words[1] if lang == "en" else words[0]

_MISSING_TEXT = {"*": "*", ".": ".", "x": "x", "X": "x", "/": "/", "...": "...", "…": "...",
                 "–": "–"}
_NUMBER = re.compile(r"^[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?$|^[+-]?\d*,\d+$")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


class UnknownSymbol(ValueError):
    """A cell that is neither a number nor a known symbol."""


def parse_number(text: str, decimal: str = ",") -> float:
    """Parse a number written the German way (``1.234,5``) or plainly (``1234.5``).

    With ``decimal=","`` a dot is a thousands separator; with ``decimal="."`` a comma is
    one only next to a decimal point (``1,234.5``); ``12,5`` is a decimal comma and
    ``1,250`` alone is ambiguous and refused.

    Example:
        >>> parse_number("1.234,5"), parse_number("1234.5", decimal=".")
        (1234.5, 1234.5)
        >>> parse_number("12,5", decimal="."), parse_number("1,234.5", decimal=".")
        (12.5, 1234.5)
    """
    t = text.strip().replace("\u00a0", "").replace(" ", "")
    if decimal == ",":
        if _NUMBER.match(t):
            return float(t.replace(".", "").replace(",", "."))
        if _PLAIN_NUMBER.match(t) and t.count(".") <= 1 and not re.match(r"^\d{1,3}\.\d{3}$", t):
            return float(t)
        raise UnknownSymbol(text)
    if "," in t and "." not in t:
        if re.match(r"^[+-]?\d{1,3}(,\d{3})+$", t):
            raise UnknownSymbol(text)  # 1,250: thousands or decimal comma? refuse to guess
        if re.match(r"^[+-]?\d*,\d+$", t):
            return float(t.replace(",", "."))  # a German decimal comma in a quoted cell
    t2 = t.replace(",", "")
    if _PLAIN_NUMBER.match(t2):
        return float(t2)
    raise UnknownSymbol(text)


def parse_cell(text: object, decimal: str = ",") -> tuple[float, str]:
    """Turn one table cell into ``(value, flag)``; raise :class:`UnknownSymbol` if unknown.

    An empty cell is missing with flag ``""`` only if it is truly empty; callers
    decide whether an empty cell is allowed.

    Example:
        >>> parse_cell("x")
        (nan, 'x')
        >>> parse_cell("12r")
        (12.0, 'r')
    """
    if text is None:
        return NAN, ""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return float(text), ""
    t = str(text).strip().replace("\u00a0", "")
    if t == "":
        return NAN, ""
    if t == "-":
        return 0.0, "-"
    if t in _MISSING_TEXT:
        return NAN, _MISSING_TEXT[t]
    if t.startswith("(") and t.endswith(")") and len(t) > 2:
        value, inner = parse_cell(t[1:-1], decimal)
        if inner:
            raise UnknownSymbol(text)
        return value, "()"
    if t[-1] in "prs" and len(t) > 1:
        body = t[:-1].rstrip()
        try:
            return parse_number(body, decimal), t[-1]
        except UnknownSymbol:
            raise UnknownSymbol(text) from None
    return parse_number(t, decimal), ""


def is_missing_flag(flag: str) -> bool:
    """True if ``flag`` stands for a cell without a value.

    Example:
        >>> is_missing_flag("."), is_missing_flag("-"), is_missing_flag("p")
        (True, False, False)
    """
    return flag in MISSING_FLAGS
