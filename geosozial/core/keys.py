"""Official area keys: AGS (Gemeindeschlüssel, 8 digits) and ARS (Regionalschlüssel, 12).

Keys are strings, always. Keys that arrive as numbers (``1001000``, ``14522450.0``)
are repaired where that is unambiguous and refused where it is not
(``1.4522e7`` has lost its last digits).

Example:
    >>> normalize_key(1001000, "AGS")
    ('01001000', True)
    >>> normalize_key("14522450", "AGS")
    ('14522450', False)
    >>> ags_from_ars("145220450450")
    '14522450'
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from geosozial.core.messages import GeosozialError, Notice, define

#: the length of each key kind
KEY_LENGTHS = {"AGS": 8, "ARS": 12}
#: lengths of keys in mixed-level official tables (Land, RB, Kreis, Gemeinde, VB, ARS)
LEVEL_LENGTHS = (2, 3, 5, 8, 9, 12)
LAENDER = {f"{i:02d}" for i in range(1, 17)}
#: fields that hold the municipality name in area layers (VG250/VG5000: GEN), in order
NAME_FIELDS = ("GEN", "NAME", "name", "Name", "GEMEINDE", "Gemeinde", "gen")
#: invisible characters removed from key cells: byte-order mark, zero-width space,
#: non-joiner and joiner, left-to-right and right-to-left marks, word joiner, soft hyphen
INVISIBLE_CHARACTERS = "\ufeff\u200b\u200c\u200d\u200e\u200f\u2060\u00ad"
#: non-breaking spaces (no-break, narrow no-break, figure space)
NO_BREAK_SPACES = "\u00a0\u202f\u2007"
_REMOVE_INVISIBLE = {ord(c): None for c in INVISIBLE_CHARACTERS}
_REMOVE_NO_BREAK = {ord(c): None for c in NO_BREAK_SPACES}
_NO_BREAK_TO_SPACE = {ord(c): " " for c in NO_BREAK_SPACES}
_HIDDEN = re.compile(f"[{INVISIBLE_CHARACTERS}{NO_BREAK_SPACES}]")

define(
    "key.sci",
    de="Schlüssel {value!r} steht in wissenschaftlicher Schreibweise mit nur {digits} gültigen "
    "Ziffern; die übrigen Stellen des {kind} sind verloren. Bitte die Schlüsselspalte als Text "
    "exportieren.",
    en="key {value!r} is in scientific notation with only {digits} significant digits; the "
    "remaining digits of the {kind} are lost. Please export the key column as text.",
)
define(
    "key.bad",
    de="Schlüssel {value!r} ist kein gültiger {kind} ({length} Ziffern, Land 01–16 erwartet).",
    en="key {value!r} is not a valid {kind} ({length} digits with Land 01–16 expected).",
)
define("geo.key_empty",
       de="{file}, Objekt {row}: Schlüsselfeld {key} ist leer.",
       en="{file}, feature {row}: key field {key} is empty.")
define("geo.key_bad", de="{file}, Objekt {row}, Feld {key}: {problem}",
       en="{file}, feature {row}, field {key}: {problem}")
define("geo.key_repaired",
       de="{file}: {n} Schlüssel in Feld {key} waren Zahlen ohne führende Null und wurden "
       "repariert (z. B. {example_from} → {example_to}).",
       en="{file}: {n} keys in field {key} were numbers without leading zero and were "
       "repaired (e.g. {example_from} → {example_to}).")
define(
    "key.fraction",
    de="Schlüssel {value!r} hat Nachkommastellen und ist kein {kind}.",
    en="key {value!r} has a fractional part and is not a {kind}.",
)


def has_hidden_characters(text: str) -> bool:
    """True if ``text`` holds a BOM, a zero-width character or a non-breaking space.

    Example:
        >>> has_hidden_characters("\ufeff14522450"), has_hidden_characters("14522450")
        (True, False)
    """
    return _HIDDEN.search(text) is not None


def clean_key_text(text: str) -> str:
    """A key cell without invisible characters and non-breaking spaces, stripped.

    BOM, zero-width characters, direction marks, word joiner and soft hyphen
    (:data:`INVISIBLE_CHARACTERS`) are removed wherever they are; non-breaking spaces
    (:data:`NO_BREAK_SPACES`) are removed if the rest is digits (``14522\u00a0450``)
    and become plain spaces otherwise (``SR\u00a0Nord``).

    Examples
    --------
    >>> clean_key_text("\ufeff14522450"), clean_key_text(" 14522\u00a0450\u200b ")
    ('14522450', '14522450')
    >>> clean_key_text("SR\u00a0Nord")
    'SR Nord'
    """
    if not _HIDDEN.search(text):
        return text.strip()
    text = text.translate(_REMOVE_INVISIBLE)
    digits = text.translate(_REMOVE_NO_BREAK).strip()
    if digits.isdecimal():
        return digits
    return text.translate(_NO_BREAK_TO_SPACE).strip()


def _digits_from_number(value: object, kind: str) -> tuple[str, bool]:
    """Return (digit string, was_number) for numbers and number-looking strings."""
    if isinstance(value, bool):
        raise GeosozialError("key.bad", value=value, kind=kind, length=KEY_LENGTHS[kind])
    if isinstance(value, int):
        return str(value), True
    if isinstance(value, float):
        if math.isnan(value) or value != int(value):
            raise GeosozialError("key.fraction", value=value, kind=kind)
        return str(int(value)), True
    raw = str(value).strip()
    text = clean_key_text(raw).replace(" ", "") if has_hidden_characters(raw) else raw
    if re.fullmatch(r"\d+", text):
        return text, text != raw
    m = re.fullmatch(r"(\d+)[.,]0+", text)
    if m:
        return m.group(1), True
    m = re.fullmatch(r"([+]?\d+(?:[.,]\d+)?)[eE]([+]?\d+)", text)
    if m:
        mantissa = m.group(1).replace(",", ".")
        try:
            number = Decimal(mantissa) * (Decimal(10) ** int(m.group(2)))
        except InvalidOperation:
            raise GeosozialError("key.bad", value=value, kind=kind,
                                 length=KEY_LENGTHS[kind]) from None
        if number != number.to_integral_value():
            raise GeosozialError("key.fraction", value=value, kind=kind)
        digits = str(int(number))
        significant = len(mantissa.replace(".", "").lstrip("0"))
        if significant < len(digits):
            # the mantissa cannot tell whether the trailing digits were zero
            raise GeosozialError("key.sci", value=text, digits=significant, kind=kind)
        return digits, True
    raise GeosozialError("key.bad", value=value, kind=kind, length=KEY_LENGTHS[kind])


def normalize_key(value: object, kind: str = "AGS") -> tuple[str, bool]:
    """Return ``(key, repaired)``: the key as a zero-padded string of the kind's length.

    A key with one digit too few (the leading zero of Länder 01–09 lost) is padded
    when the result starts with a valid Land code. Raises
    :class:`~geosozial.core.messages.GeosozialError` when the key cannot be repaired.

    Example:
        >>> normalize_key("1001000", "AGS")
        ('01001000', True)
        >>> normalize_key(14522000.0, "AGS")
        ('14522000', True)
        >>> normalize_key("10041100", "AGS")
        ('10041100', False)
    """
    length = KEY_LENGTHS[kind]
    digits, was_number = _digits_from_number(value, kind)
    repaired = was_number
    if len(digits) == length - 1:
        digits = "0" + digits
        repaired = True
    if len(digits) != length or digits[:2] not in LAENDER:
        raise GeosozialError("key.bad", value=value, kind=kind, length=length)
    return digits, repaired


def ags_from_ars(ars: str) -> str:
    """Derive the 8-digit AGS from a 12-digit ARS (drop the Verband digits 6–9).

    Example:
        >>> ags_from_ars("091620000000")
        '09162000'
    """
    if len(ars) != 12 or not ars.isdigit():
        raise GeosozialError("key.bad", value=ars, kind="ARS", length=12)
    return ars[:5] + ars[9:]


def key_level(key: str) -> str:
    """Name the administrative level of a key string by its length.

    Example:
        >>> key_level("14522"), key_level("14522450"), key_level("DG")
        ('Kreis', 'Gemeinde', 'Deutschland')
    """
    if key == "DG":
        return "Deutschland"
    return {
        2: "Land",
        3: "Regierungsbezirk",
        5: "Kreis",
        8: "Gemeinde",
        9: "Gemeindeverband",
        12: "Regionalschlüssel",
    }.get(len(key), "unbekannt")


def kreis_outline_groups(keys: Sequence[Any]) -> list[str] | None:
    """Kreis (first five digits) of AGS/ARS keys when they span several Kreise, else None.

    Example:
        >>> kreis_outline_groups(["14522450", "14521000"]), kreis_outline_groups(["1", "2"])
        (['14522', '14521'], None)
    """
    texts = [str(k) for k in keys]
    if not texts or not all(len(k) in (8, 12) and k.isdigit() for k in texts):
        return None
    groups = [k[:5] for k in texts]
    return groups if len(set(groups)) > 1 else None


def normalize_area_keys(values: Sequence[Any], kind: str | None, *, source: str = "",
                        field: str = "") -> tuple[list[str], list[Notice]]:
    """The keys of area features, as every door reads them.

    ``kind`` ``AGS``/``ARS`` normalises each key with :func:`normalize_key` (numbers
    without the leading zero repaired, one repair notice for all); None keeps the text.
    An empty key or one that cannot be repaired is an error naming the feature (1-based).

    Examples
    --------
    >>> keys, notices = normalize_area_keys([1001000, "14522450"], "AGS", source="g.shp",
    ...                                     field="AGS")
    >>> keys, notices[0].code
    (['01001000', '14522450'], 'geo.key_repaired')
    >>> normalize_area_keys([" SR 1 ", 7.0], None)[0]
    ['SR 1', '7']
    """
    keys: list[str] = []
    repaired: list[tuple[Any, str]] = []
    for row, raw in enumerate(values, start=1):
        if raw is None or (isinstance(raw, float) and math.isnan(raw)) or str(raw).strip() == "":
            raise GeosozialError("geo.key_empty", file=source, row=row, key=field)
        if kind is None:  # any key field: text, a whole number without ".0"
            keys.append(str(int(raw)) if isinstance(raw, float) and raw.is_integer()
                        else str(raw).strip())
            continue
        try:
            key, was_repaired = normalize_key(raw, kind)
        except GeosozialError as exc:
            raise GeosozialError("geo.key_bad", file=source, row=row, key=field,
                                 problem=exc.text()) from exc
        if was_repaired and str(raw).strip() != key:
            repaired.append((raw, key))
        keys.append(key)
    notices = []
    if repaired:
        notices.append(Notice("geo.key_repaired", "repair", file=source, n=len(repaired),
                              key=field, example_from=repaired[0][0], example_to=repaired[0][1]))
    return keys, notices


define("key.kreis",
       de="--kreis {value!r}: erwartet wird ein fünfstelliger Kreisschlüssel (z. B. 14522) oder "
       "mehrere, durch Komma getrennt.",
       en="--kreis {value!r}: a five-digit Kreis key (e.g. 14522) or several, separated by "
       "commas, is expected.")
define("key.kreis_empty",
       de="{file}: kein Gebiet liegt im Kreis {kreise} (Schlüssel beginnen z. B. mit {examples}).",
       en="{file}: no area lies in the Kreis {kreise} (keys start e.g. with {examples}).")
define("key.kreis_applied",
       de="{file}: nur Kreis {kreise}: {kept} von {total} Gebieten.",
       en="{file}: only Kreis {kreise}: {kept} of {total} areas.")


def parse_kreise(value: str | Sequence[str] | None) -> tuple[str, ...]:
    """Kreis keys from ``--kreis 14522`` or ``"14522,14521"`` (five digits each).

    Examples
    --------
    >>> parse_kreise("14522, 14521"), parse_kreise(None)
    (('14522', '14521'), ())
    """
    if value is None or value == "" or value == ():
        return ()
    parts = value.split(",") if isinstance(value, str) else [str(v) for v in value]
    out = tuple(p.strip() for p in parts if p.strip())
    for p in out:
        if len(p) != 5 or not p.isdigit() or p[:2] not in LAENDER:
            raise GeosozialError("key.kreis", value=value if isinstance(value, str) else p)
    return out


def kreis_mask(keys: Sequence[str], kreise: Sequence[str], source: str = ""
               ) -> tuple[list[bool], list[Notice]]:
    """Which areas lie in the Kreise (AGS/ARS starting with the Kreis key).

    Examples
    --------
    >>> kreis_mask(["14522010", "14521020"], ["14522"], "g.gpkg")[0]
    [True, False]
    """
    keep = [str(k)[:5] in kreise for k in keys]
    if not any(keep):
        raise GeosozialError("key.kreis_empty", file=source, kreise=", ".join(kreise),
                             examples=", ".join(sorted({str(k)[:5] for k in keys})[:5]))
    notice = Notice("key.kreis_applied", "info", file=source, kreise=", ".join(kreise),
                    kept=sum(keep), total=len(keep))
    return keep, [notice]
