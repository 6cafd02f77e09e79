"""Count variables: named sums of table columns, with their symbol flags.

Example:
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"a": [1.0, 0.0], "a_flag": ["", "-"], "b": [2.0, None],
    ...                       "b_flag": ["", "."]})
    >>> out = derive_variables(frame, {"ab": ["a", "b"]})
    >>> out["ab"].tolist()[0], out["ab_flag"].tolist()
    (3.0, ['', '.'])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from geosozial.data.symbols import MISSING_FLAGS
from geosozial.messages import GeosozialError, Notice, define

FLAG_SUFFIX = "_flag"

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


def flag_column(column: str) -> str:
    """The name of the flag column that belongs to ``column``.

    Example:
        >>> flag_column("sgb2_rlb")
        'sgb2_rlb_flag'
    """
    return f"{column}{FLAG_SUFFIX}"


def value_columns(frame: pd.DataFrame) -> list[str]:
    """Columns that have a flag sibling (``c`` and ``c_flag``), in frame order.

    Example:
        >>> value_columns(pd.DataFrame({"a": [1], "a_flag": [""], "b": [2]}))
        ['a']
    """
    return [c for c in frame.columns if flag_column(str(c)) in frame.columns]


def count_columns(frame: pd.DataFrame, keys: Sequence[str],
                  notices: list[Notice]) -> list[str]:
    """Value columns holding whole numbers only (counts); others get a notice.

    Example:
        >>> f = pd.DataFrame({"n": [1.0], "n_flag": [""], "q": [1.5], "q_flag": [""]})
        >>> count_columns(f, ["x"], [])
        ['n']
    """
    counts = []
    for c in value_columns(frame):
        values = pd.to_numeric(frame[c], errors="coerce").to_numpy(dtype=float)
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
        if f in MISSING_FLAGS or f not in ("", "-", "p", "r", "s", "()"):
            return f
    if flags and all(f == "-" for f in flags):
        return "-"
    for f in ("p", "s", "r", "()"):
        if f in flags:
            return f
    return ""


def derive_variables(frame: pd.DataFrame, spec: Mapping[str, str | Sequence[str]]
                     ) -> pd.DataFrame:
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
        flag_rows = []
        for i in range(len(frame)):
            flags = [str(frame[flag_column(c)].iloc[i]) if flag_column(c) in frame.columns
                     else "" for c in parts]
            flag_rows.append(combine_flags(flags))
        for c in parts:
            v = pd.to_numeric(frame[c], errors="coerce").to_numpy(dtype=float)
            missing |= np.isnan(v)
            values += np.nan_to_num(v)
        values[missing] = np.nan
        flag_rows = [f if not (missing[i] and f in ("", "-")) else "keine_daten"
                     for i, f in enumerate(flag_rows)]
        out[variable] = values
        out[flag_column(variable)] = flag_rows
    return out
