"""Dynamics of an indicator over years: changes over k years and a linear trend.

Values of several years on one Gebietsstand (one array per year, the same keys in the
same order) give per key the change over ``k`` years (the last year against ``k``
years before): absolute, in percentage points for rates, relative in % for counts;
and the slope of a least-squares line per year over all years with a value. A missing
or withheld value in one of the years makes the change "nicht berechenbar" (never a
silent zero).

Example:
    >>> d = change({2021: [10.0, 8.0], 2023: [12.5, float("nan")]}, k=2, kind="rate")
    >>> d.values.tolist()[0], d.flags, d.unit
    (2.5, ['', 'nicht_berechenbar'], 'Prozentpunkte')
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from geosozial.core.messages import GeosozialError, define
from geosozial.core.symbols import FLAG_NOT_COMPUTABLE, FLAG_SUPPRESSED

define("dyn.years",
       de="Veränderung über {k} Jahre: es fehlt das Jahr {missing} (vorhanden: {years}).",
       en="change over {k} years: the year {missing} is missing (present: {years}).")
define("dyn.kind",
       de="Art der Veränderung {kind!r} unbekannt; erlaubt: rate, count, value.",
       en="unknown kind of change {kind!r}; allowed: rate, count, value.")

#: kind -> (unit of the change, German words)
UNITS = {"rate": "Prozentpunkte", "count": "%", "value": ""}


@dataclass
class Dynamics:
    """Changes (or slopes) per key, their flags, unit and the years they span."""

    values: np.ndarray
    flags: list[str]
    unit: str
    years: tuple[int, int]


def _years_sorted(values: Mapping[int, Sequence[float]]) -> list[int]:
    return sorted(int(y) for y in values)


def change(values: Mapping[int, Sequence[float]], *, k: int = 1, kind: str = "rate",
           flags: Mapping[int, Sequence[str]] | None = None, last: int | None = None
           ) -> Dynamics:
    """The change of each key from year ``last - k`` to ``last`` (default: the last year).

    ``kind``: ``rate`` (difference in percentage points), ``count`` (relative change in
    %), ``value`` (plain difference). A withheld value makes the change ``geheim``, any
    other missing value ``nicht_berechenbar``; a relative change from 0 is not computable.

    Examples
    --------
    >>> change({2020: [100.0, 0.0], 2021: [110.0, 5.0]}, kind="count").values.tolist()
    [10.0, nan]
    """
    if kind not in UNITS:
        raise GeosozialError("dyn.kind", kind=kind)
    years = _years_sorted(values)
    end = years[-1] if last is None else int(last)
    start = end - int(k)
    for year in (start, end):
        if year not in values:
            raise GeosozialError("dyn.years", k=k, missing=year,
                                 years=", ".join(map(str, years)))
    a = np.asarray(values[start], dtype=float)
    b = np.asarray(values[end], dtype=float)
    fa = list((flags or {}).get(start, [""] * len(a)))
    fb = list((flags or {}).get(end, [""] * len(b)))
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind == "count":
            out = np.where(a > 0, 100.0 * (b - a) / a, np.nan)
        else:
            out = b - a
    out_flags = []
    for i in range(len(out)):
        if FLAG_SUPPRESSED in (fa[i], fb[i]):
            out[i] = math.nan
            out_flags.append(FLAG_SUPPRESSED)
        elif math.isnan(out[i]):
            out_flags.append(FLAG_NOT_COMPUTABLE)
        else:
            out_flags.append("")
    return Dynamics(out, out_flags, UNITS[kind], (start, end))


def trend(values: Mapping[int, Sequence[float]], *, min_years: int = 3) -> Dynamics:
    """The least-squares slope per year of each key over the years with a value.

    A key with values in fewer than ``min_years`` years gets ``nicht_berechenbar``.

    Examples
    --------
    >>> trend({2019: [1.0, 5.0], 2020: [2.0, float("nan")], 2021: [3.0, 5.0]}).values.tolist()
    [1.0, nan]
    """
    years = _years_sorted(values)
    y = np.column_stack([np.asarray(values[t], dtype=float) for t in years])
    t = np.asarray(years, dtype=float)
    out = np.full(y.shape[0], np.nan)
    out_flags = []
    for i, row in enumerate(y):
        keep = ~np.isnan(row)
        if keep.sum() < min_years:
            out_flags.append(FLAG_NOT_COMPUTABLE)
            continue
        tt, yy = t[keep], row[keep]
        out[i] = float(((tt - tt.mean()) * (yy - yy.mean())).sum() / ((tt - tt.mean()) ** 2).sum())
        out_flags.append("")
    return Dynamics(out, out_flags, "je Jahr", (years[0], years[-1]))


def change_kind(ident: str, indicators: Sequence[Any] = ()) -> str:
    """``rate`` for an indicator in %, ``value`` for other indicators, ``count`` else.

    The project's ``indicators`` first, then the catalogue.

    Examples
    --------
    >>> change_kind("sgb2_quote"), change_kind("jugendquotient"), change_kind("bev_insg")
    ('rate', 'value', 'count')
    """
    from geosozial.core.indicators import CATALOGUE

    found = next((i for i in indicators if i.id == ident), None) or CATALOGUE.get(ident)
    if found is None:
        return "count"
    return "rate" if found.unit == "%" else "value"


def dynamics_columns(ident: str, k: int) -> tuple[str, str]:
    """The change and trend columns of a field.

    Examples
    --------
    >>> dynamics_columns("bev_insg", 1)
    ('bev_insg_diff1', 'bev_insg_trend')
    """
    return f"{ident}_diff{int(k)}", f"{ident}_trend"


def trend_unit(kind: str, unit: str) -> str:
    """The unit of a trend: ``Prozentpunkte je Jahr`` (rate), ``je Jahr`` (count), else the
    field's unit per year.

    Examples
    --------
    >>> trend_unit("rate", "%"), trend_unit("value", "je 1.000 EW")
    ('Prozentpunkte je Jahr', 'je 1.000 EW je Jahr')
    """
    return {"rate": "Prozentpunkte je Jahr", "count": "je Jahr"}.get(
        kind, f"{unit} je Jahr".strip())
