"""German number formatting for the atlas, remembered.

The atlas writes the same few numbers many times: a value appears in its sheet, the
sheet's table, its CSV and XLSX download, the indicator page, the comparison data and
the table of all values. :func:`number_text` is
:func:`geosozial.core.number_format.number_text` (the one rule, unchanged) with a
bounded cache in front: the Saxony atlas formats about half a million numbers, of which
far fewer are distinct, and the exact decimal rounding costs about 15 µs each.

Examples
--------
>>> number_text(1234.5), number_text(-0.04), number_text(1234567.891, 2, "en")
('1.234,5', '0,0', '1,234,567.89')
>>> number_text(None) is None, number_text(float("nan")) is None
(True, True)
"""

from __future__ import annotations

from functools import lru_cache

from geosozial.core.number_format import number_text as _number_text

__all__ = ["number_text"]


@lru_cache(maxsize=1 << 18)
def _cached(value: float, digits: int, lang: str) -> str | None:
    return _number_text(value, digits, lang)


def number_text(value: float | None, digits: int = 1, lang: str = "de") -> str | None:
    """:func:`geosozial.core.number_format.number_text`, cached (same arguments, same text).

    Examples
    --------
    >>> number_text(2.5, 0), number_text(1234.5, 1, "en")
    ('3', '1,234.5')
    """
    if value is None:
        return None
    try:
        return _cached(value, digits, lang)
    except TypeError:  # an unhashable argument: no cache
        return _number_text(value, digits, lang)
