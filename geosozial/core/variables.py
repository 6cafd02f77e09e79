"""Count variables: named sums of table columns, with their symbol flags.

Example:
    >>> frame = Columns({"a": [1.0, 0.0], "a_flag": ["", "-"], "b": [2.0, None],
    ...                  "b_flag": ["", "."]})
    >>> out = derive_variables(frame, {"ab": ["a", "b"]})
    >>> out["ab"].tolist()[0], out["ab_flag"]
    (3.0, ['', '.'])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from geosozial.core.columns import Columns, flag_column, value_columns
from geosozial.core.messages import GeosozialError, Notice, define
from geosozial.core.symbols import MISSING_FLAGS, PROVISIONAL_FLAGS

define("var.unknown_column",
       de="Variable {variable}: Spalte {column} fehlt. Vorhandene Spalten: {columns}",
       en="variable {variable}: column {column} is missing. Columns found: {columns}")
define("var.negative",
       de="Spalte {column} enthält negative Werte (z. B. {example} bei {key}), etwa einen Saldo; "
       "sie wird nicht als Anzahl behandelt (nicht summiert, nicht geheim gehalten).",
       en="column {column} holds negative values (e.g. {example} for {key}), such as a balance; "
       "it is not treated as a count (not summed, not protected).")
define("var.exists",
       de="Variable {variable} gibt es schon als Spalte; bitte einen anderen Namen wählen.",
       en="variable {variable} already exists as a column; please choose another name.")
define("var.not_count",
       de="Spalte {column} enthält Werte mit Nachkommastellen (z. B. {example} bei {key}) und "
       "wird nicht als Anzahl summiert; Quoten werden aus Zählern und Nennern neu berechnet.",
       en="column {column} holds fractional values (e.g. {example} for {key}) and is not "
       "summed as a count; rates are recomputed from numerators and denominators.")


def count_columns(frame: Columns, keys: Sequence[str],
                  notices: list[Notice]) -> list[str]:
    """Value columns holding whole numbers only (counts); others get a notice.

    Example:
        >>> f = Columns({"n": [1.0], "n_flag": [""], "q": [1.5], "q_flag": [""]})
        >>> count_columns(f, ["x"], [])
        ['n']
    """
    counts = []
    for c in value_columns(frame):
        values = frame.numbers(c)
        negative = np.flatnonzero(values < 0)
        if negative.size:
            i = int(negative[0])
            notices.append(Notice("var.negative", "info", column=c, example=values[i],
                                  key=keys[i]))
            continue
        fractional = np.flatnonzero(~np.isnan(values) & (values != np.round(values)))
        if fractional.size:
            i = int(fractional[0])
            notices.append(Notice("var.not_count", "info", column=c, example=values[i],
                                  key=keys[i]))
            continue
        counts.append(c)
    return counts


def combine_flags(flags: Sequence[str]) -> str:
    """The flag of a sum: missing symbols win ('.' first), all '-' stays '-'.

    Example:
        >>> combine_flags(["-", "-"]), combine_flags(["", "x", "."]), combine_flags(["p", ""])
        ('-', '.', 'p')
    """
    flags = [str(f) for f in flags]
    if "." in flags:
        return "."
    for f in flags:
        if f in MISSING_FLAGS or f not in ("", "-", *PROVISIONAL_FLAGS):
            return f
    if flags and all(f == "-" for f in flags):
        return "-"
    for f in PROVISIONAL_FLAGS:
        if f in flags:
            return f
    return ""


def derive_variables(frame: Columns, spec: Mapping[str, str | Sequence[str]]) -> Columns:
    """Add one column (and flag column) per variable: the sum of the named columns.

    A part without a value (missing symbol or NaN) makes the variable missing with the
    part's symbol; nothing becomes a silent zero.
    """
    out = frame.copy()
    for variable, columns in spec.items():
        parts = [columns] if isinstance(columns, str) else list(columns)
        lowered = {str(c).lower() for c in frame.columns}
        if variable in frame.columns or variable.lower() in lowered:
            raise GeosozialError("var.exists", variable=variable)
        for c in parts:
            if c not in frame.columns:
                raise GeosozialError("var.unknown_column", variable=variable, column=c,
                                     columns=", ".join(map(str, frame.columns)))
        values = np.zeros(len(frame))
        missing = np.zeros(len(frame), dtype=bool)
        part_flags = [frame.flags(c) for c in parts]
        flag_rows = [combine_flags([f[i] for f in part_flags]) for i in range(len(frame))]
        for c in parts:
            v = frame.numbers(c)
            missing |= np.isnan(v)
            values += np.nan_to_num(v)
        values[missing] = np.nan
        flag_rows = [f if not (missing[i] and f in ("", "-")) else "keine_daten"
                     for i, f in enumerate(flag_rows)]
        out[variable] = values
        out[flag_column(variable)] = flag_rows
    return out


define("var.syntax",
       de="Variable {text!r} nicht verstanden; erwartet NAME=SPALTE[+SPALTE].",
       en="variable {text!r} not understood; expected NAME=COLUMN[+COLUMN].")


def parse_variables(specs: Sequence[str]) -> dict[str, list[str]]:
    """``NAME=A+B`` texts (CLI ``--var``, QGIS VARIABLES) as ``{NAME: [A, B]}``.

    Examples
    --------
    >>> parse_variables(["u18 = u15 + 15_18"])
    {'u18': ['u15', '15_18']}
    """
    out = {}
    for spec in specs:
        name, sep, cols = spec.partition("=")
        parts = [c.strip() for c in cols.split("+") if c.strip()]
        if not sep or not name.strip() or not parts:
            raise GeosozialError("var.syntax", text=spec)
        out[name.strip()] = parts
    return out
