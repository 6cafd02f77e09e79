"""Kreis values: the whole Kreis as the sum of its municipalities.

The store has no Kreis level yet, so the atlas computes it here, with the rule of every
aggregate (DESIGN.md): counts are summed over all municipalities, rates are recomputed
from the summed numerator and denominator (:func:`geosozial.core.indicators.
compute_indicator`), and a municipality without a value (withheld or missing) makes the
Kreis value "nicht berechenbar", never a sum of the rest. A protected count whose Kreis
total is itself small (1 to ``min_count - 1``) is withheld.

:func:`kreis_values` is the one place the atlas gets Kreis values from; when the store
gets a Kreis level, it is replaced by a reader of that level.

Examples
--------
>>> from geosozial.atlas.model import Cell
>>> values = {("Gemeinde", "1"): {"a": {2023: Cell(2.0)}, "b": {2023: Cell(10.0)}},
...           ("Gemeinde", "2"): {"a": {2023: Cell(3.0)}, "b": {2023: Cell(40.0)}}}
>>> rate = KreisRate("q", {"a": 1.0}, ("b",), 100.0)
>>> k = kreis_values(values, ["1", "2"], ["a", "b"], [rate], [2023])
>>> k["a"][2023].value, k["q"][2023].value
(5.0, 10.0)
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from geosozial.atlas.model import GEMEINDE, Cell
from geosozial.core.indicators import Indicator, compute_indicator
from geosozial.core.symbols import (
    FLAG_NOT_COMPUTABLE,
    FLAG_SUPPRESSED,
    PROVISIONAL_FLAGS,
)

__all__ = ["KreisRate", "kreis_values"]

#: flags of converted values
_CONVERTED = ("umgeschluesselt", "geschaetzt")


@dataclass(frozen=True)
class KreisRate:
    """What a Kreis rate needs of an indicator: ``scale * sum(coef * num) / sum(den)``.

    Examples
    --------
    >>> KreisRate("q", {"a": 1.0}, ("b",), 100.0).denominator
    ('b',)
    """

    id: str
    numerator: Mapping[str, float]
    denominator: tuple[str, ...]
    scale: float


def _sum(cells: Sequence[Cell], protected: bool, min_count: int) -> Cell:
    if not cells or any(c.value is None for c in cells):
        return Cell(None, FLAG_NOT_COMPUTABLE)
    total = float(sum(c.value for c in cells if c.value is not None))
    if protected and min_count > 1 and 0 < total < min_count:
        return Cell(None, FLAG_SUPPRESSED)
    marks = [c.flag for c in cells if c.flag in PROVISIONAL_FLAGS]
    flag = next((f for f in PROVISIONAL_FLAGS if f in marks), "")
    return Cell(total, flag, any(c.converted for c in cells))


def kreis_values(values: Mapping[tuple[str, str], Mapping[str, Mapping[int, Cell]]],
                 municipalities: Sequence[str], variables: Sequence[str],
                 rates: Sequence[KreisRate], years: Sequence[int], *,
                 protected: Collection[str] = (), min_count: int = 0
                 ) -> dict[str, dict[int, Cell]]:
    """The Kreis value of every count variable and every rate in every year.

    Parameters
    ----------
    values : mapping
        ``(level, key) -> variable -> year -> Cell`` (the atlas model's values).
    municipalities : sequence of str
        The keys of all municipalities of the Kreis.
    variables : sequence of str
        The count variables to sum.
    rates : sequence of KreisRate
        The indicators to recompute from the sums.
    years : sequence of int
    protected : collection of str
        Count variables under the confidentiality rule.
    min_count : int
        Counts from 1 to ``min_count - 1`` are withheld (0: no rule).

    Returns
    -------
    dict
        ``variable -> year -> Cell``; ``nicht_berechenbar`` where a municipality has no
        value.

    Examples
    --------
    >>> values = {("Gemeinde", "1"): {"a": {2023: Cell(None, "geheim")}},
    ...           ("Gemeinde", "2"): {"a": {2023: Cell(3.0)}}}
    >>> kreis_values(values, ["1", "2"], ["a"], [], [2023])["a"][2023].flag
    'nicht_berechenbar'
    """
    out: dict[str, dict[int, Cell]] = {}
    for var in variables:
        out[var] = {}
        for year in years:
            cells = [values.get((GEMEINDE, k), {}).get(var, {}).get(year, Cell(None, ""))
                     for k in municipalities]
            out[var][year] = _sum(cells, var in protected, min_count)
    for rate in rates:
        needed = list(dict.fromkeys([*rate.numerator, *rate.denominator]))
        indicator = Indicator(rate.id, rate.id, dict(rate.numerator), tuple(rate.denominator),
                              float(rate.scale), "", "")
        out[rate.id] = {}
        for year in years:
            sums = {v: out[v][year] if v in out else _sum(
                [values.get((GEMEINDE, k), {}).get(v, {}).get(year, Cell(None, ""))
                 for k in municipalities], v in protected, min_count) for v in needed}
            if any(c.value is None for c in sums.values()):
                flag = FLAG_SUPPRESSED if any(c.flag == FLAG_SUPPRESSED for c in sums.values()) \
                    else FLAG_NOT_COMPUTABLE
                out[rate.id][year] = Cell(None, flag)
                continue
            counts = {v: [c.value] for v, c in sums.items()}
            flags = {v: [c.flag] for v, c in sums.items()}
            value, vflags, _ = compute_indicator(indicator, counts, flags, ["Kreis"])
            number = float(value[0])
            if number != number:  # NaN: zero denominator
                out[rate.id][year] = Cell(None, vflags[0])
            else:
                out[rate.id][year] = Cell(number, vflags[0] if vflags[0] != "" else "",
                                          any(c.converted for c in sums.values()))
    return out
