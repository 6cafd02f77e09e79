"""Apply the confidentiality rule to result tables (every export path goes through here).

Example:
    >>> import pandas as pd
    >>> from geosozial.data.confidentiality import ConfidentialityRule
    >>> f = pd.DataFrame({"n": [2.0, 40.0, 50.0], "n_flag": ["", "", ""]})
    >>> _ = protect_frames(f, ["n"], ["a", "a", "a"], ConfidentialityRule())
    >>> f["n_flag"].tolist()
    ['geheim', 'geheim', '']
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from geosozial.data.confidentiality import ConfidentialityRule, Protection
from geosozial.data.indicators import FLAG_NO_DATA, FLAG_NOT_COMPUTABLE, FLAG_SUPPRESSED
from geosozial.data.symbols import MISSING_FLAGS
from geosozial.data.variables import flag_column
from geosozial.messages import GeosozialError, Notice, define

UNKNOWN_FLAGS = frozenset(MISSING_FLAGS | {FLAG_SUPPRESSED, FLAG_NO_DATA, FLAG_NOT_COMPUTABLE})

define("conf.relation_column",
       de="Geheimhaltung: die Beziehung {relation} nennt die Spalte {column}, die nicht "
       "geschützt wird. Geschützte Spalten: {columns}",
       en="confidentiality: relation {relation} names column {column}, which is not "
       "protected. Protected columns: {columns}")


def known_values(frame: pd.DataFrame, column: str) -> np.ndarray:
    """A column's values with NaN wherever its flag says the value is not known.

    Example:
        >>> known_values(pd.DataFrame({"a": [1.0, 0.0], "a_flag": ["", "."]}), "a").tolist()
        [1.0, nan]
    """
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float).copy()
    if flag_column(column) in frame.columns:
        flags = frame[flag_column(column)].astype(str).to_numpy()
        values[np.isin(flags, list(UNKNOWN_FLAGS))] = np.nan
    return values


def protect_frames(
    members: pd.DataFrame,
    columns: Sequence[str],
    groups: Sequence[object],
    rule: ConfidentialityRule,
    relations: Sequence[tuple[str, Sequence[str]]] = (),
    regions: pd.DataFrame | None = None,
) -> list[Notice]:
    """Withhold secret counts and every cell that would reveal them, in place.

    ``groups`` gives each member row its published total (Sozialraum, Kreis); the
    grand total is public. ``regions`` (optional) holds one row per group in sorted
    label order and is protected together with the members. ``relations`` are column
    relations such as ``("sgb2_rlb", ["sgb2_elb", "sgb2_nef_u15"])`` (total = parts).
    """
    columns = list(columns)
    if not columns:
        return []
    index = {c: v for v, c in enumerate(columns)}
    column_relations = []
    for total, parts in relations:
        for c in (total, *parts):
            if c not in index:
                raise GeosozialError("conf.relation_column", relation=f"{total} = "
                                     + " + ".join(parts), column=c, columns=", ".join(columns))
        column_relations.append((index[total], [index[p] for p in parts]))
    notices: list[Notice] = []
    for component in _components(len(columns), column_relations):
        local = {v: i for i, v in enumerate(component)}
        rels = [(local[t], [local[p] for p in parts]) for t, parts in column_relations
                if t in local]
        notices += _protect_component(members, [columns[v] for v in component], groups, rule,
                                      rels, regions)
    return notices


def _components(k: int, relations: list[tuple[int, list[int]]]) -> list[list[int]]:
    """Columns linked by relations are protected together; the others one by one."""
    parent = list(range(k))

    def find(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for total, parts in relations:
        for p in parts:
            parent[find(p)] = find(total)
    comps: dict[int, list[int]] = {}
    for v in range(k):
        comps.setdefault(find(v), []).append(v)
    return list(comps.values())


def _protect_component(members: pd.DataFrame, columns: list[str], groups: Sequence[object],
                       rule: ConfidentialityRule, column_relations: list[tuple[int, list[int]]],
                       regions: pd.DataFrame | None) -> list[Notice]:
    matrix = np.column_stack([known_values(members, c) for c in columns])
    labels = np.unique(np.asarray(list(groups)), return_inverse=True)[1].ravel()
    protection = Protection.for_table(matrix, labels, column_relations)
    protection.solve(rule)
    n = len(members)
    g = len(np.unique(labels))
    rows = n + g + 1
    notices = []
    for v, c in enumerate(columns):
        block = slice(v * rows, (v + 1) * rows)
        withheld = protection.withheld[block] & ~np.isnan(protection.values[block])
        primary = protection.primary[block]
        _blank(members, c, withheld[:n])
        if regions is not None:
            _blank(regions, c, withheld[n: n + g])
        if withheld.any():
            notices.append(Notice("conf.applied", "info", rule=rule.describe(),
                                  primary=int(primary.sum()),
                                  secondary=int(withheld.sum() - primary.sum()), variable=c))
    return notices


def _blank(frame: pd.DataFrame, column: str, hide: np.ndarray) -> None:
    if not hide.any():
        return
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float).copy()
    flags = (frame[flag_column(column)].astype(str).tolist() if flag_column(column) in frame
             else [""] * len(frame))
    for i in np.flatnonzero(hide):
        values[i] = np.nan
        flags[i] = FLAG_SUPPRESSED
    frame[column] = values
    frame[flag_column(column)] = flags
