"""German number formatting: one formatter for maps, tables, messages and QGIS.

The page script's ``formatNumber`` (``maps/assets/map.js``) follows the same rule, so a
number looks the same in a tooltip, a legend, a data table, a message and a QGIS log.

Example:
    >>> number_text(221.05, 2), number_text(1234567.891, 2, "en")
    ('221,05', '1,234,567.89')
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal


def number_text(value: float | None, digits: int = 1, lang: str = "de") -> str | None:
    """A number as the map page writes it: ``1.234,5`` (German) or ``1,234.5``.

    The same rule as ``formatNumber`` in the page's script: the exact binary value is
    rounded to ``digits`` decimals, ties away from zero; no minus sign before a zero;
    None for a missing or non-finite value.

    Example:
        >>> number_text(1234.5), number_text(-0.04), number_text(1234567.891, 2, "en")
        ('1.234,5', '0,0', '1,234,567.89')
        >>> number_text(2.5, 0), number_text(None) is None
        ('3', True)
    """
    if value is None or not math.isfinite(value):
        return None
    d = max(0, min(20, int(digits)))
    exact = Decimal(abs(float(value))).quantize(Decimal(1).scaleb(-d), rounding=ROUND_HALF_UP)
    text = f"{exact:,.{d}f}"
    negative = value < 0 and any(c in "123456789" for c in text)
    if lang == "de":
        text = text.replace(",", "_").replace(".", ",").replace("_", ".")
    return ("-" if negative else "") + text


def german(value: float | None, digits: int = 2, lang: str = "de", missing: str = "–") -> str:
    """:func:`number_text`, with ``missing`` for None, NaN and infinity (for messages).

    Example:
        >>> german(0.0977, 4), german(float("nan")), german(1.5, 1, "en")
        ('0,0977', '–', '1.5')
    """
    text = number_text(value, digits, lang) if value is not None else None
    return missing if text is None else text
