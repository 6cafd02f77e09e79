"""Apply the confidentiality rule to result tables (every export path goes through here).

Works on :class:`~geosozial.core.columns.Columns` (standard library + numpy), so the
command line, Python and QGIS withhold the same cells.

Example:
    >>> from geosozial.core.columns import Columns
    >>> from geosozial.core.confidentiality import ConfidentialityRule
    >>> f = Columns({"n": [2.0, 40.0, 50.0], "n_flag": ["", "", ""]})
    >>> _ = protect_frames(f, ["n"], ["a", "a", "a"], ConfidentialityRule())
    >>> f["n_flag"]
    ['geheim', 'geheim', '']
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from geosozial.core.columns import Columns, flag_column, value_columns
from geosozial.core.confidentiality import ConfidentialityRule, Protection
from geosozial.core.indicators import FLAG_NO_DATA, FLAG_NOT_COMPUTABLE, FLAG_SUPPRESSED
from geosozial.core.messages import GeosozialError, Notice, define
from geosozial.core.symbols import MISSING_FLAGS
from geosozial.core.variables import count_columns

UNKNOWN_FLAGS = frozenset(MISSING_FLAGS | {FLAG_SUPPRESSED, FLAG_NO_DATA, FLAG_NOT_COMPUTABLE})

define("conf.exposed",
       de="Geheimhaltung: {variable} von {keys} ist gesperrt, lässt sich aber aus öffentlich "
       "bekannten Summen (z. B. der Kreissumme) berechnen, was auch immer hier gesperrt wird.",
       en="confidentiality: {variable} of {keys} is withheld but can be computed from publicly "
       "known totals (e.g. the Kreis total), whatever is withheld here.")
define("conf.rates",
       de="Geheimhaltung: {column} in {n} Zeilen gesperrt, in denen eine Anzahl gesperrt ist "
       "(eine fertige Quote mal Bezugsgröße ergäbe die Anzahl).",
       en="confidentiality: {column} withheld in {n} rows where a count is withheld (a "
       "ready-made rate times its base would give the count back).")
define("conf.relation_column",
       de="Geheimhaltung: die Beziehung {relation} nennt die Spalte {column}, die nicht "
       "geschützt wird. Geschützte Spalten: {columns}",
       en="confidentiality: relation {relation} names column {column}, which is not "
       "protected. Protected columns: {columns}")


def absent_cells(frame: Columns, column: str) -> np.ndarray:
    """Rows without any value and without a symbol: the area has no table row at all.

    Example:
        >>> absent_cells(Columns({"a": [1.0, None, None], "a_flag": ["", "", "."]}),
        ...              "a").tolist()
        [False, True, False]
    """
    values = frame.numbers(column)
    flags = np.asarray(frame.flags(column), dtype=object)
    return np.isnan(values) & np.isin(flags, ["", "nan", "None", FLAG_NO_DATA])


def known_values(frame: Columns, column: str) -> np.ndarray:
    """A column's values with NaN wherever its flag says the value is not known.

    Example:
        >>> known_values(Columns({"a": [1.0, 0.0], "a_flag": ["", "."]}), "a").tolist()
        [1.0, nan]
    """
    values = frame.numbers(column)
    flags = np.asarray(frame.flags(column), dtype=object)
    values[np.isin(flags, list(UNKNOWN_FLAGS))] = np.nan
    return values


def protect_frames(
    members: Columns,
    columns: Sequence[str],
    groups: Sequence[object],
    rule: ConfidentialityRule,
    relations: Sequence[tuple[str, Sequence[str]]] = (),
    regions: Columns | None = None,
    public_groups: bool = False,
    other_columns: Sequence[str] = (),
) -> list[Notice]:
    """Withhold secret counts and every cell that would reveal them, in place.

    ``groups`` gives each member row its published total (Sozialraum, Kreis); the
    grand total is public. ``regions`` (optional) holds one row per group in sorted
    label order and is protected together with the members. ``relations`` are column
    relations such as ``("sgb2_rlb", ["sgb2_elb", "sgb2_nef_u15"])`` (total = parts).
    ``public_groups``: the group totals are published elsewhere (the Kreis row of the
    official table). Areas without a table row count as known zeros. ``other_columns``
    (ready-made rates and other non-count values) are withheld in every row where a
    count is withheld, since a rate times a public base gives the count back.
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
                                      rels, regions, public_groups)
    if other_columns:
        hidden = np.zeros(len(members), dtype=bool)
        for c in columns:
            hidden |= np.asarray(members.flags(c), dtype=object) == FLAG_SUPPRESSED
        for c in other_columns:
            known = ~np.isnan(members.numbers(c))
            if (hidden & known).any():
                _blank(members, c, hidden & known)
                notices.append(Notice("conf.rates", "info", column=c,
                                      n=int((hidden & known).sum())))
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


def _protect_component(members: Columns, columns: list[str], groups: Sequence[object],
                       rule: ConfidentialityRule, column_relations: list[tuple[int, list[int]]],
                       regions: Columns | None, public_groups: bool) -> list[Notice]:
    matrix = np.column_stack([known_values(members, c) for c in columns])
    absent = np.column_stack([absent_cells(members, c) for c in columns])
    labels = np.unique(np.asarray(list(groups)), return_inverse=True)[1].ravel()
    n = len(members)
    withheld_members = np.zeros((n, len(columns)), dtype=bool)
    exposed = np.zeros((n, len(columns)), dtype=bool)
    primary_count = np.zeros(len(columns), dtype=np.int64)
    if public_groups and regions is None:
        # with public group totals every group is its own problem: solve them one by one
        parts = [np.flatnonzero(labels == j) for j in np.unique(labels)]
    else:
        parts = [np.arange(n)]
    region_hidden = None
    for rows_idx in parts:
        sub_labels = labels[rows_idx]
        protection = Protection.for_table(matrix[rows_idx], sub_labels, column_relations,
                                          absent[rows_idx], public_groups)
        protection.solve(rule)
        m, g = len(rows_idx), len(np.unique(sub_labels))
        block = m + g + 1
        hidden = (protection.withheld & ~np.isnan(protection.values)).reshape(-1, block)
        withheld_members[rows_idx] = hidden[:, :m].T
        exposed[rows_idx] = protection.exposed_anyway.reshape(-1, block)[:, :m].T
        primary_count += protection.primary.reshape(-1, block)[:, :m].sum(axis=1)
        if regions is not None:
            region_hidden = hidden[:, m: m + g].T
    notices = []
    for v, c in enumerate(columns):
        _blank(members, c, withheld_members[:, v])
        n_hidden = int(withheld_members[:, v].sum())
        if region_hidden is not None:
            _blank(regions, c, region_hidden[:, v])
            n_hidden += int(region_hidden[:, v].sum())
        if exposed[:, v].any():
            keys = (np.asarray(members.texts("key"), dtype=object) if "key" in members
                    else np.arange(n))
            notices.append(Notice("conf.exposed", "warning", variable=c, keys=", ".join(
                map(str, keys[exposed[:, v]][:20]))))
        if n_hidden:
            notices.append(Notice("conf.applied", "info", rule=rule.describe(),
                                  primary=int(primary_count[v]),
                                  secondary=n_hidden - int(primary_count[v]), variable=c))
    return notices


def _blank(frame: Columns, column: str, hide: np.ndarray) -> None:
    if not hide.any():
        return
    values = frame.numbers(column)
    flags = frame.flags(column)
    for i in np.flatnonzero(hide):
        values[i] = np.nan
        flags[i] = FLAG_SUPPRESSED
    frame[column] = values
    frame[flag_column(column)] = flags


define("conf.relation_broken",
       de="Geheimhaltung: die Beziehung {relation} gilt nicht (z. B. {key}: {total} ≠ "
       "{parts}); sie wird nicht verwendet.",
       en="confidentiality: the relation {relation} does not hold (e.g. {key}: {total} ≠ "
       "{parts}); it is not used.")
define("conf.relations_found",
       de="Geheimhaltung: {n} Summenbeziehungen zwischen Spalten berücksichtigt: {relations}",
       en="confidentiality: {n} sum relations between columns taken into account: "
       "{relations}")


def label_relations(columns: Sequence[str], total_word: str = "Insgesamt"
                    ) -> list[tuple[str, list[str]]]:
    """Candidate relations from GENESIS column labels: ``... | Insgesamt | ...`` is the sum
    of the columns that differ from it only in that header level.

    Example:
        >>> label_relations(["Insgesamt | Insgesamt", "männlich | Insgesamt",
        ...                  "weiblich | Insgesamt"])
        [('Insgesamt | Insgesamt', ['männlich | Insgesamt', 'weiblich | Insgesamt'])]
    """
    split = {c: str(c).split(" | ") for c in columns}
    found = []
    for c, parts in split.items():
        for level, word in enumerate(parts):
            if word != total_word:
                continue
            siblings = [o for o, op in split.items() if o != c and len(op) == len(parts)
                        and op[level] != total_word
                        and all(op[i] == parts[i] for i in range(len(parts)) if i != level)]
            if len(siblings) >= 2:
                found.append((c, siblings))
    return found


def verify_relations(frame: Columns, relations: Sequence[tuple[str, Sequence[str]]],
                     warn: bool = True) -> tuple[list[tuple[str, list[str]]], list[Notice]]:
    """Keep the relations that hold in every row where all their values are known.

    A declared relation that does not hold is dropped with a warning (``warn``); an
    assumed one (from labels) is dropped quietly.

    Example:
        >>> f = Columns({"key": ["a"], "t": [5.0], "x": [2.0], "y": [3.0]})
        >>> verify_relations(f, [("t", ["x", "y"])])[0]
        [('t', ['x', 'y'])]
    """
    kept, notices = [], []
    keys = (np.asarray(frame.texts("key"), dtype=object) if "key" in frame
            else np.arange(len(frame)))
    for total, parts in relations:
        cols = [total, *parts]
        if any(c not in frame for c in cols):
            continue
        values = np.column_stack([known_values(frame, c) for c in cols])
        ok = ~np.isnan(values).any(axis=1)
        diff = np.abs(values[ok, 0] - values[ok, 1:].sum(axis=1))
        bad = np.flatnonzero(diff > 1e-9 * np.maximum(1.0, np.abs(values[ok, 0])))
        if bad.size:
            if warn:
                row = np.flatnonzero(ok)[bad[0]]
                notices.append(Notice(
                    "conf.relation_broken", "warning", relation=f"{total} = "
                    + " + ".join(parts), key=keys[row], total=values[row, 0],
                    parts=" + ".join(f"{x:g}" for x in values[row, 1:])))
            continue
        kept.append((total, list(parts)))
    if kept:
        notices.append(Notice("conf.relations_found", "info", n=len(kept), relations="; ".join(
            f"{t} = {' + '.join(p)}" for t, p in kept[:5]) + (" …" if len(kept) > 5 else "")))
    return kept, notices


def parse_relation(text: str) -> tuple[str, list[str]]:
    """``"Insgesamt=männlich+weiblich"`` -> ``("Insgesamt", ["männlich", "weiblich"])``.

    Example:
        >>> parse_relation("a = b + c")
        ('a', ['b', 'c'])
    """
    total, _, rest = text.partition("=")
    parts = [p.strip() for p in rest.split("+") if p.strip()]
    if not total.strip() or len(parts) < 2:
        raise GeosozialError("conf.relation_syntax", text=text)
    return total.strip(), parts


define("conf.relation_syntax",
       de="Beziehung {text!r} nicht verstanden; erwartet SUMME=TEIL+TEIL (Spaltennamen).",
       en="relation {text!r} not understood; expected TOTAL=PART+PART (column names).")


define("conf.relation_count",
       de="Beziehung: Spalte {column} ist keine Anzahlspalte. Anzahlspalten: {columns}",
       en="relation: column {column} is not a count column. Count columns: {columns}")


def column_relations(frame: Columns, counts: Sequence[str], declared: Sequence[str | tuple[
        str, Sequence[str]]], notices: list[Notice]) -> list[tuple[str, list[str]]]:
    """Declared relations (checked, warned when broken) plus GENESIS label relations
    (checked, dropped quietly when they do not hold).

    ``declared`` holds ``"Insgesamt=männlich+weiblich"`` texts or ``(total, parts)``.

    Example:
        >>> f = Columns({"t": [5.0], "x": [2.0], "y": [3.0]})
        >>> column_relations(f, ["t", "x", "y"], ["t=x+y"], [])
        [('t', ['x', 'y'])]
    """
    parsed = [parse_relation(r) if isinstance(r, str) else (str(r[0]), [str(p) for p in r[1]])
              for r in declared]
    for total, parts in parsed:
        for c in (total, *parts):
            if c not in counts:
                raise GeosozialError("conf.relation_count", column=c, columns=", ".join(counts))
    assumed = [(t, p) for t, p in label_relations(counts) if (t, p) not in parsed]
    kept_declared, n1 = verify_relations(frame, parsed, warn=True)
    kept_assumed, n2 = verify_relations(frame, assumed, warn=False)
    notices.extend(n1 + n2)
    return kept_declared + kept_assumed


def kreis_groups(keys: Sequence[str]) -> list[str]:
    """The Kreis (first five digits of the AGS/ARS) of each key: the public totals.

    Example:
        >>> kreis_groups(["14522450", "14522275", "14521000"])
        ['14522', '14522', '14521']
    """
    return [str(k)[:5] for k in keys]


def protect_joined(frame: Columns, rule: ConfidentialityRule, *, key_field: str = "AGS",
                   relations: Sequence[str | tuple[str, Sequence[str]]] = (),
                   notices: list[Notice] | None = None) -> list[Notice]:
    """The confidentiality rule for a joined municipal table, in place.

    Whole-number value columns are counts and are protected (secondary suppression over
    the public Kreis totals and the column relations); other value columns (ready-made
    rates) are withheld wherever a count of the row is. This is the one rule every door
    applies after a join.

    Example:
        >>> f = Columns({"key": ["14522010", "14522020", "14522030"], "n": [2.0, 40.0, 50.0],
        ...              "n_flag": ["", "", ""], "q": [0.5, 1.5, 2.5], "q_flag": ["", "", ""]})
        >>> _ = protect_joined(f, ConfidentialityRule())
        >>> f["n_flag"], f["q_flag"]
        (['geheim', 'geheim', ''], ['geheim', 'geheim', ''])
    """
    notices = [] if notices is None else notices
    keys = frame.texts("key")
    counts = count_columns(frame, keys, notices)
    others = [c for c in value_columns(frame) if c not in counts]
    rels = column_relations(frame, counts, relations, notices)
    groups = (kreis_groups(keys) if key_field.upper() in ("AGS", "ARS")
              else ["alle"] * len(frame))
    notices.extend(protect_frames(frame, counts, groups, rule, rels, public_groups=True,
                                  other_columns=others))
    return notices
