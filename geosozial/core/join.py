"""Join an indicator table to areas by AGS/ARS, with a two-way report.

Nothing is dropped silently: table rows without geometry, geometries without data,
duplicate keys on either side and every repaired key are in the :class:`JoinReport`.

Pure (standard library + numpy): the geopandas door (:func:`geosozial.geo.frames.join`)
and the QGIS plugin pass the area keys and names and get the table's columns aligned
to the areas back, so both make the same layer and the same report.

Example:
    >>> from geosozial.core.tables.table import Table
    >>> t = Table.from_records([("14522450", "Roßwein", {"n": (2.0, "")}),
    ...                         ("14522", "Mittelsachsen", {"n": (9.0, "")})], source="t.csv")
    >>> r = join_table(["14522450", "14522010"], ["Roßwein", "Augustusburg"], t)
    >>> r.columns.numbers("n").tolist(), r.report.matched, len(r.report.table_only)
    ([2.0, nan], 1, 1)
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from geosozial.core.columns import Columns, flag_column
from geosozial.core.keys import (
    KEY_LENGTHS,
    ags_from_ars,
    clean_key_text,
    has_hidden_characters,
    key_level,
    normalize_key,
)
from geosozial.core.messages import GeosozialError, Notice, define, get_language
from geosozial.core.protect import protect_joined
from geosozial.core.tables.cells import paused_gc
from geosozial.core.tables.table import Table

define("join.dup_conflict",
       de="{file}: Schlüssel {key} kommt in den Zeilen {lines} mit verschiedenen Werten vor. "
       "Welche Zeile gilt, lässt sich nicht entscheiden; bitte die Tabelle bereinigen.",
       en="{file}: key {key} occurs in lines {lines} with different values. Which row is "
       "right cannot be decided; please clean the table.")
define("join.dup_dropped",
       de="{file}: Schlüssel {key} steht in den Zeilen {lines} mit gleichen Werten; nur Zeile "
       "{kept} wird verwendet.",
       en="{file}: key {key} is in lines {lines} with identical values; only line {kept} is "
       "used.")
define("join.dup_areas",
       de="{file}: Schlüssel {key} hat {n} Geometrien; sie wurden zu einer Fläche vereinigt.",
       en="{file}: key {key} has {n} geometries; they were merged into one area.")
define("join.key_repaired",
       de="{file}: {n} Schlüssel repariert (z. B. Zeile {line}: {raw!r} → {key}).",
       en="{file}: {n} keys repaired (e.g. line {line}: {raw!r} → {key}).")
define("join.key_ars",
       de="{file}: {n} zwölfstellige ARS in den AGS umgerechnet.",
       en="{file}: {n} twelve-digit ARS converted to AGS.")
define("join.key_refused", de="{file}, Zeile {line}: {problem}",
       en="{file}, line {line}: {problem}")
define("join.column_clash",
       de="Tabellenspalte {column} gibt es schon in den Geometrien; sie heißt im Ergebnis "
       "{renamed}.",
       en="table column {column} already exists in the geometries; it is called {renamed} in "
       "the result.")
define("join.no_match",
       de="Kein einziger Schlüssel von {table} passt zu {areas} (Feld {key}). Beispiele Tabelle: "
       "{table_examples}; Geometrien: {area_examples}.",
       en="not a single key of {table} matches {areas} (field {key}). Examples table: "
       "{table_examples}; geometries: {area_examples}.")
define("join.gebietsstand",
       de="{file}: die Tabelle hat einen anderen Gebietsstand als die Geometrien: {changed} "
       "Gemeinden haben bei gleichem Schlüssel ein anderes Gebiet, {moved} Schlüssel gehören "
       "jetzt zu anderen Gemeinden. Umrechnen mit 'geosozial crosswalk apply'.",
       en="{file}: the table has another Gebietsstand than the geometries: {changed} "
       "municipalities have another territory under the same key, {moved} keys now belong "
       "to other municipalities. Convert with 'geosozial crosswalk apply'.")
define("join.text_columns",
       de="Textspalten als Merkmale übernommen: {columns}",
       en="text columns carried as attributes: {columns}")
define("join.unknown_column", de="{file}: Spalte {column} gibt es nicht. Vorhanden: {columns}",
       en="{file}: there is no column {column}. Found: {columns}")


@dataclass
class JoinReport:
    """What happened in a join, in both directions; ``as_dict`` for JSON, ``text`` to print."""

    table_source: str
    areas_source: str
    key: str
    n_areas: int
    n_rows: int
    matched: int
    table_only: list[dict[str, Any]] = field(default_factory=list)
    areas_only: list[dict[str, Any]] = field(default_factory=list)
    duplicate_table_keys: list[dict[str, Any]] = field(default_factory=list)
    duplicate_area_keys: list[dict[str, Any]] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    territory_changed: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self, lang: str | None = None) -> dict[str, Any]:
        """The report as JSON-ready data."""
        return {
            "table": self.table_source,
            "areas": self.areas_source,
            "key": self.key,
            "areas_count": self.n_areas,
            "table_rows": self.n_rows,
            "matched": self.matched,
            "table_rows_without_geometry": self.table_only,
            "geometries_without_data": self.areas_only,
            "duplicate_table_keys": self.duplicate_table_keys,
            "duplicate_area_keys": self.duplicate_area_keys,
            "territory_changed": self.territory_changed,
            "notices": [n.as_dict(lang) for n in self.notices],
        }

    def text(self, lang: str | None = None, limit: int = 25) -> str:
        """A readable report (German by default)."""
        de = (lang or get_language()) == "de"
        lines = [
            ("Verknüpfungsbericht" if de else "Join report")
            + f": {self.table_source} → {self.areas_source} ({self.key})",
            (f"  Geometrien: {self.n_areas}, Tabellenzeilen: {self.n_rows}, verknüpft: "
             f"{self.matched}") if de else
            (f"  geometries: {self.n_areas}, table rows: {self.n_rows}, matched: {self.matched}"),
        ]
        lines += _section(
            "Tabellenzeilen ohne Geometrie" if de else "table rows without geometry",
            [(f"{r['key']} {r['name']} (Zeile {r['line']}, {r['level']})" if de else
              f"{r['key']} {r['name']} (line {r['line']}, {r['level']})") + _successor(r, de)
             for r in self.table_only], limit)
        if self.territory_changed:
            lines += _section(
                "Gebiet geändert bei gleichem Schlüssel (Tabelle mit altem Gebietsstand)" if de
                else "territory changed under the same key (table of an old Gebietsstand)",
                [f"{r['key']} {r['name']}: " + ("umfasst jetzt " if de else "now includes ")
                 + ", ".join(f"{k} {n}".strip() for k, n in r["absorbed"])
                 for r in self.territory_changed], limit)
        lines += _section(
            "Geometrien ohne Daten" if de else "geometries without data",
            [f"{r['key']} {r['name']}" for r in self.areas_only], limit)
        lines += _section(
            "doppelte Schlüssel in der Tabelle" if de else "duplicate keys in the table",
            [f"{r['key']}: {r['lines']}" for r in self.duplicate_table_keys], limit)
        lines += _section(
            "doppelte Schlüssel in den Geometrien" if de else "duplicate keys in the geometries",
            [f"{r['key']}: {r['count']}" for r in self.duplicate_area_keys], limit)
        if self.notices:
            lines.append("  " + ("Hinweise" if de else "notices") + ":")
            lines += [f"    [{n.severity}] {n.text(lang)}" for n in self.notices]
        return "\n".join(lines)


def _successor(row: dict[str, Any], de: bool) -> str:
    if "successor" not in row:
        return ""
    key, name = row["successor"]
    return (f" – Gebietsstand prüfen: gehört jetzt zu {key} {name}".rstrip() if de else
            f" – check the Gebietsstand: now part of {key} {name}".rstrip())


def _section(title: str, items: list[str], limit: int) -> list[str]:
    out = [f"  {title}: {len(items)}"]
    out += [f"    {item}" for item in items[:limit]]
    if len(items) > limit:
        out.append(f"    … (+{len(items) - limit})")
    return out


@dataclass
class JoinResult:
    """The table's columns aligned to the (unique) area keys, and the report.

    - ``keys``: the area keys, each once, in the order of first appearance.
    - ``rows``: for each key the positions of its area rows in the input (several when
      a key has several geometries: the doors merge them into one area).
    - ``columns``: per key the value columns, their ``<column>_flag`` and the table's
      text attributes (empty text and NaN where the area has no table row).
    - ``value_columns`` / ``text_columns``: the names in ``columns`` (a table column
      whose name the areas already use is called ``tab_<column>``).
    """

    keys: list[str]
    rows: list[list[int]]
    columns: Columns
    report: JoinReport
    value_columns: list[str]
    text_columns: list[str] = field(default_factory=list)

    @property
    def first_rows(self) -> list[int]:
        """The first input row of each key (its attributes are kept)."""
        return [r[0] for r in self.rows]


def table_keys_for(table: Table, kind: str | None,
                   notices: list[Notice]) -> tuple[list[str | None], list[str]]:
    """Normalise table keys to the areas' key kind; return keys and level names.

    Rows of another level (Kreis or Land totals) keep their digits, match no area and
    are reported with their level name; keys that are no digits at all get ``None``.
    BOM, zero-width characters and non-breaking spaces are removed from keys (a repair).

    Example:
        >>> from geosozial.core.tables.table import Table
        >>> t = Table.from_records([("1001000", "", {}), ("14522", "", {})], source="t")
        >>> table_keys_for(t, "AGS", [])
        (['01001000', '14522'], ['Gemeinde', 'Kreis'])
    """
    raw_keys = table.keys
    if kind is not None and _all_full_keys(raw_keys, KEY_LENGTHS[kind]):
        # every key already has the kind's length and only digits: nothing to repair
        return list(raw_keys), ["Gemeinde" if kind == "AGS" else "Regionalschlüssel"] * len(
            raw_keys)
    keys: list[str | None] = []
    levels: list[str] = []
    repaired: list[tuple[int, str, str]] = []
    from_ars = 0
    for raw, line in zip(raw_keys, table.lines, strict=True):
        text = str(raw).strip()
        if has_hidden_characters(text):
            cleaned = clean_key_text(text)
            if cleaned != text:
                repaired.append((line, text, cleaned))
            text = cleaned
        if kind is None:
            keys.append(text)
            levels.append("")
            continue
        length = KEY_LENGTHS[kind]
        if kind == "AGS" and len(text) == 12 and text.isdecimal():
            keys.append(ags_from_ars(text))
            levels.append("Gemeinde")
            from_ars += 1
            continue
        digits = text.isdecimal()
        if digits and len(text) == length:
            keys.append(text)
            levels.append("Gemeinde" if kind == "AGS" else "Regionalschlüssel")
            continue
        numeric = not digits and _NUMERIC_KEY.fullmatch(text)
        if not (numeric or (digits and len(text) == length - 1)):
            keys.append(text if digits else None)
            levels.append(key_level(text))
            continue
        try:
            key, was_repaired = normalize_key(text, kind)
        except GeosozialError as exc:
            if numeric:
                raise GeosozialError("join.key_refused", file=table.source, line=line,
                                     problem=exc.text()) from exc
            keys.append(None)
            levels.append(key_level(text))
            continue
        if was_repaired:
            repaired.append((line, text, key))
        keys.append(key)
        levels.append("Gemeinde" if kind == "AGS" else "Regionalschlüssel")
    if repaired:
        line, raw, key = repaired[0]
        notices.append(Notice("join.key_repaired", "repair", file=table.source, n=len(repaired),
                              line=line, raw=raw, key=key))
    if from_ars:
        notices.append(Notice("join.key_ars", "repair", file=table.source, n=from_ars))
    return keys, levels


_NUMERIC_KEY = re.compile(r"[+]?\d+([.,]\d+)?([eE][+]?\d+)?")


def _all_full_keys(keys: Sequence[object], length: int) -> bool:
    """True if every key is a text of exactly ``length`` decimal digits."""
    if not keys or set(map(type, keys)) != {str}:
        return False
    if set(map(len, keys)) != {length}:  # type: ignore[arg-type]
        return False
    return "".join(keys).isdecimal()  # type: ignore[arg-type]


def key_kind(key_field: str) -> str | None:
    """``"AGS"`` or ``"ARS"`` when the area key field is one of them, else None.

    Examples
    --------
    >>> key_kind("ags"), key_kind("ARS"), key_kind("SR_ID")
    ('AGS', 'ARS', None)
    """
    return key_field.upper() if key_field.upper() in KEY_LENGTHS else None


@paused_gc()  # millions of report entries and no cycles: the collector would only slow it
def join_table(
    area_keys: Sequence[str],
    area_names: Sequence[str],
    table: Table,
    columns: Sequence[str] | None = None,
    *,
    key_field: str = "AGS",
    areas_source: str = "",
    area_columns: Sequence[str] = (),
    area_notices: Sequence[Notice] = (),
    crosswalk: Any = None,
) -> JoinResult:
    """Join ``table`` to areas by key and report both directions.

    Parameters
    ----------
    area_keys, area_names : sequence of str
        The areas' normalised keys and names, one per area row.
    table : Table
        The indicator table.
    columns : sequence of str, optional
        The value columns to join (all if None); text attributes always come along.
    key_field : str
        The areas' key field; ``AGS``/``ARS`` make table keys normalise to that kind.
    areas_source : str
        The areas' file or layer name, for the report.
    area_columns : sequence of str
        Attribute names the areas already have (clashing table columns get ``tab_``).
    area_notices : sequence of Notice
        What reading the areas reported (carried into the report).
    crosswalk : Crosswalk, optional
        From the table's Gebietsstand to the areas' one
        (:class:`~geosozial.core.crosswalk.Crosswalk`): the report then names areas whose
        territory changed under the same key and the successors of unmatched keys.

    Returns
    -------
    JoinResult

    Raises
    ------
    GeosozialError
        Unknown column, conflicting duplicate table rows (same key, different values),
        an unrepairable numeric key, or no key in common at all.

    Examples
    --------
    >>> from geosozial.core.tables.table import Table
    >>> t = Table.from_records([("1001000", "", {"a": (1.0, "")})], source="t.csv")
    >>> join_table(["01001000"], ["Flensburg"], t).report.notices[0].code
    'join.key_repaired'
    """
    area_keys = [str(k) for k in area_keys]
    columns = list(table.value_columns if columns is None else columns)
    for c in columns:
        if c not in table.value_columns:
            raise GeosozialError("join.unknown_column", file=table.source, column=c,
                                 columns=", ".join(table.value_columns))
    notices: list[Notice] = list(area_notices) + list(table.notices)
    keys, levels = table_keys_for(table, key_kind(key_field), notices)

    unique: dict[str, list[int]] = {}
    for i, k in enumerate(area_keys):
        unique.setdefault(k, []).append(i)
    dup_areas = []
    for k, rows in unique.items():
        if len(rows) > 1:
            notices.append(Notice("join.dup_areas", "repair", file=areas_source, key=k,
                                  n=len(rows)))
            dup_areas.append({"key": k, "count": len(rows)})
    names = [str(area_names[rows[0]]) for rows in unique.values()]

    keep, dup_table = _resolve_duplicate_rows(table, keys, columns, notices)
    by_key: dict[str, int] = {}
    if keep is None:  # every key once: look the areas up in the table, not row by row
        position = dict(zip(keys, range(len(keys)), strict=True))
        by_key = {k: position[k] for k in unique if k in position}
        del position
        rest = np.ones(len(keys), dtype=bool)
        rest[list(by_key.values())] = False
        alone = np.flatnonzero(rest).tolist()
    else:
        alone = []
        for i in np.flatnonzero(keep).tolist():
            k = keys[i]
            if k is not None and k in unique:
                by_key[k] = i
            else:
                alone.append(i)
    tkeys, tnames, tlines = table.keys, table.names, table.lines
    table_only = [{"key": tkeys[i], "name": tnames[i], "line": int(tlines[i]),
                   "level": levels[i] or "Gemeinde"} for i in alone]
    del alone
    if not by_key and len(table):
        raise GeosozialError(
            "join.no_match", table=table.source, areas=areas_source, key=key_field,
            table_examples=", ".join(table.keys[:3]),
            area_examples=", ".join(list(unique)[:3]))

    position = [by_key.get(k, -1) for k in unique]
    hit = np.array([p >= 0 for p in position], dtype=bool)
    index = np.array([max(p, 0) for p in position], dtype=np.int64)
    out = Columns(n=len(unique))
    # GeoPackage and Shapefile field names ignore case: 'Einwohner' clashes with 'einwohner'
    taken = {c.casefold() for c in area_columns}

    def free(name: str, *also: str) -> str:
        target = name
        if any(n.casefold() in taken for n in (name, *also)):
            target = f"tab_{name}"
            notices.append(Notice("join.column_clash", "info", column=name, renamed=target))
        taken.update(n.casefold() for n in (target, *(a.replace(name, target, 1)
                                                     for a in also)))
        return target

    value_out, text_out = [], []
    for c in columns:
        target = free(c, flag_column(c))
        values = table.values[c][index] if len(table) else np.full(len(unique), np.nan)
        out[target] = np.where(hit, values, np.nan)
        out[flag_column(target)] = [table.flags[c][i] if h else ""
                                    for i, h in zip(index, hit, strict=True)]
        value_out.append(target)
    for c in table.text_columns:
        target = free(c)
        out[target] = [table.texts[c][i] if h else "" for i, h in zip(index, hit, strict=True)]
        text_out.append(target)
    if table.text_columns:
        notices.append(Notice("join.text_columns", "info", columns=", ".join(text_out)))

    areas_only = [{"key": k, "name": n} for k, n, h in zip(unique, names, hit, strict=True)
                  if not h]
    changed: list[dict[str, Any]] = []
    if crosswalk is not None:
        changed = _territory(crosswalk, unique, names, hit, table_only, areas_only, table)
        if changed or any("successor" in r for r in table_only):
            notices.append(Notice("join.gebietsstand", "warning", file=table.source,
                                  changed=len(changed),
                                  moved=sum("successor" in r for r in table_only)))
    report = JoinReport(
        table_source=table.source, areas_source=areas_source, key=key_field,
        n_areas=len(unique), n_rows=len(table), matched=int(hit.sum()),
        table_only=table_only, areas_only=areas_only, duplicate_table_keys=dup_table,
        duplicate_area_keys=dup_areas, notices=notices, territory_changed=changed)
    return JoinResult(keys=list(unique), rows=list(unique.values()), columns=out,
                      report=report, value_columns=value_out, text_columns=text_out)


def _territory(crosswalk: Any, unique: dict[str, list[int]], names: list[str],
               hit: np.ndarray, table_only: list[dict[str, Any]],
               areas_only: list[dict[str, Any]], table: Table) -> list[dict[str, Any]]:
    """Label what the crosswalk explains: changed territory, successors, predecessors."""
    area_name = dict(zip(unique, names, strict=True))
    matched = {k for k, h in zip(unique, hit, strict=True) if h}
    table_name = dict(zip(table.keys, table.names, strict=True))
    old_name = {**crosswalk.old_names, **table_name}
    changed = []
    for change in crosswalk.changes():
        if change.new in matched and change.new in change.old:
            absorbed = [(k, old_name.get(k, "")) for k in change.old if k != change.new]
            changed.append({"key": change.new, "name": area_name.get(change.new, ""),
                            "absorbed": absorbed})
    for row in table_only:
        successors = crosswalk.successors(row["key"])
        if successors:
            new = max(successors, key=lambda s: s[1])[0]
            row["successor"] = (new, area_name.get(new) or crosswalk.new_names.get(new, ""))
    for row in areas_only:
        before = crosswalk.predecessors(row["key"])
        if before:
            row["predecessors"] = before
    return changed


def _resolve_duplicate_rows(table: Table, keys: Sequence[str | None], columns: list[str],
                            notices: list[Notice]
                            ) -> tuple[np.ndarray | None, list[dict[str, Any]]]:
    """One duplicate policy: identical rows are kept once (reported), others refused.

    Returns the rows to keep (None: all) and the duplicate keys with their lines.
    """
    present = [k for k in keys if k is not None] if None in keys else keys
    if len(set(present)) == len(present):
        return None, []
    counts = Counter(present)
    repeated = {k for k, n in counts.items() if n > 1}
    groups: dict[str, list[int]] = {}
    for i, k in enumerate(keys):
        if k in repeated:
            groups.setdefault(k, []).append(i)
    keep = np.ones(len(keys), dtype=bool)
    info = []
    for key, rows in groups.items():
        lines = [int(table.lines[i]) for i in rows]
        first = rows[0]
        for i in rows[1:]:
            for c in columns:
                a, b = table.values[c][first], table.values[c][i]
                same = a == b or (np.isnan(a) and np.isnan(b))
                if not same or table.flags[c][first] != table.flags[c][i]:
                    raise GeosozialError("join.dup_conflict", file=table.source, key=key,
                                         lines=lines)
        keep[rows[1:]] = False
        notices.append(Notice("join.dup_dropped", "repair", file=table.source, key=key,
                              lines=lines, kept=lines[0]))
        info.append({"key": key, "lines": lines})
    return keep, info


def join_protected(
    area_keys: Sequence[str],
    area_names: Sequence[str],
    table: Table,
    columns: Sequence[str] | None = None,
    *,
    rule: Any = None,
    relations: Sequence[Any] = (),
    key_field: str = "AGS",
    areas_source: str = "",
    area_columns: Sequence[str] = (),
    area_notices: Sequence[Notice] = (),
    crosswalk: Any = None,
) -> JoinResult:
    """:func:`join_table`, then the confidentiality rule of a joined table.

    This is the join of every front door (command line, Python, project, QGIS):
    ``rule`` (a :class:`~geosozial.core.confidentiality.ConfidentialityRule`, None for
    none) is applied with :func:`~geosozial.core.protect.protect_joined` (public Kreis
    totals, column relations from ``relations`` and the GENESIS labels, ready-made
    rates withheld with their counts); its notices go into the report.

    Examples
    --------
    >>> from geosozial.core.confidentiality import ConfidentialityRule
    >>> from geosozial.core.tables.table import Table
    >>> t = Table.from_records([("14522010", "", {"n": (2.0, "")}),
    ...                         ("14522020", "", {"n": (40.0, "")})], source="t.csv")
    >>> r = join_protected(["14522010", "14522020"], ["A", "B"], t,
    ...                    rule=ConfidentialityRule())
    >>> r.columns["n_flag"]
    ['geheim', 'geheim']
    """
    result = join_table(area_keys, area_names, table, columns, key_field=key_field,
                        areas_source=areas_source, area_columns=area_columns,
                        area_notices=area_notices, crosswalk=crosswalk)
    if rule is None:
        return result
    work = Columns({"key": result.keys})
    for name in result.columns:
        work[name] = result.columns[name]
    protect_joined(work, rule, key_field=key_field, relations=relations,
                   notices=result.report.notices)
    del work["key"]
    result.columns = work
    return result
