"""Join an indicator table to areas by AGS/ARS, with a two-way report.

Nothing is dropped silently: table rows without geometry, geometries without data,
duplicate keys on either side and every repaired key are in the :class:`JoinReport`.

Example:
    >>> from geosozial.data.geometries import read_areas  # doctest: +SKIP
    >>> from geosozial.data.tables import read_table  # doctest: +SKIP
    >>> result = join_table(read_areas("g.gpkg"), read_table("t.csv"))  # doctest: +SKIP
    >>> print(result.report.text())  # doctest: +SKIP
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geosozial.data.geometries import Areas
from geosozial.data.keys import KEY_LENGTHS, ags_from_ars, key_level, normalize_key
from geosozial.data.table import Table
from geosozial.messages import GeosozialError, Notice, define, get_language

FLAG_SUFFIX = "_flag"

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
            [f"{r['key']} {r['name']} (Zeile {r['line']}, {r['level']})" if de else
             f"{r['key']} {r['name']} (line {r['line']}, {r['level']})" for r in self.table_only],
            limit)
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


def _section(title: str, items: list[str], limit: int) -> list[str]:
    out = [f"  {title}: {len(items)}"]
    out += [f"    {item}" for item in items[:limit]]
    if len(items) > limit:
        out.append(f"    … (+{len(items) - limit})")
    return out


@dataclass
class JoinResult:
    """The joined areas (values and ``<column>_flag`` columns) and the report."""

    frame: gpd.GeoDataFrame
    report: JoinReport
    value_columns: list[str]


def table_keys_for(table: Table, kind: str | None,
                   notices: list[Notice]) -> tuple[list[str | None], list[str]]:
    """Normalise table keys to the areas' key kind; return keys and level names.

    Rows of another level (Kreis or Land totals) keep their digits, match no area and
    are reported with their level name; keys that are no digits at all get ``None``.

    Example:
        >>> from geosozial.data.table import Table
        >>> t = Table.from_records([("1001000", "", {}), ("14522", "", {})], source="t")
        >>> table_keys_for(t, "AGS", [])
        (['01001000', '14522'], ['Gemeinde', 'Kreis'])
    """
    keys: list[str | None] = []
    levels: list[str] = []
    repaired: list[tuple[int, str, str]] = []
    from_ars = 0
    for raw, line in zip(table.frame["key"].tolist(), table.lines, strict=True):
        text = str(raw).strip()
        if kind is None:
            keys.append(text)
            levels.append("")
            continue
        length = KEY_LENGTHS[kind]
        if kind == "AGS" and re.fullmatch(r"\d{12}", text):
            keys.append(ags_from_ars(text))
            levels.append("Gemeinde")
            from_ars += 1
            continue
        digits = re.fullmatch(r"\d+", text) is not None
        if digits and len(text) == length:
            keys.append(text)
            levels.append("Gemeinde" if kind == "AGS" else "Regionalschlüssel")
            continue
        numeric = not digits and re.fullmatch(r"[+]?\d+([.,]\d+)?([eE][+]?\d+)?", text)
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


def join_table(areas: Areas, table: Table, columns: list[str] | None = None) -> JoinResult:
    """Join ``table`` to ``areas`` by key and report both directions.

    ``columns`` picks value columns (all if None). Result columns: the area attributes,
    each value column and ``<column>_flag`` with the official symbol.

    Example:
        >>> result = join_table(areas, table)  # doctest: +SKIP
        >>> result.report.matched  # doctest: +SKIP
        50
    """
    columns = list(table.value_columns if columns is None else columns)
    for c in columns:
        if c not in table.value_columns:
            raise GeosozialError("join.unknown_column", file=table.source, column=c,
                                 columns=", ".join(table.value_columns))
    kind = areas.key_field.upper() if areas.key_field.upper() in KEY_LENGTHS else None
    notices: list[Notice] = list(areas.notices) + list(table.notices)
    keys, levels = table_keys_for(table, kind, notices)

    area_frame, dup_areas = _merge_duplicate_areas(areas, notices)
    rows = pd.DataFrame({"key": keys, "level": levels, "line": table.lines,
                         "name": table.frame["name"].tolist()})
    rows = pd.concat([rows, table.frame[columns].reset_index(drop=True)], axis=1)
    flags = table.flags[columns].reset_index(drop=True)
    keep, dup_table = _resolve_duplicate_rows(rows, flags, columns, table.source, notices)
    rows, flags = rows[keep], flags[keep]

    area_keys = set(area_frame["key"])
    table_only = [
        {"key": str(table.frame["key"].iloc[i]), "name": r.name, "line": int(r.line),
         "level": r.level or "Gemeinde"}
        for i, r in zip(rows.index, rows.itertuples(index=False), strict=True)
        if r.key is None or r.key not in area_keys
    ]
    matched_rows = rows[rows["key"].isin(area_keys)]
    matched_flags = flags.loc[matched_rows.index]
    if len(matched_rows) == 0 and len(rows):
        raise GeosozialError(
            "join.no_match", table=table.source, areas=areas.source, key=areas.key_field,
            table_examples=", ".join(str(k) for k in table.frame["key"].head(3)),
            area_examples=", ".join(area_frame["key"].head(3)))

    out_columns = []
    result = area_frame.copy()
    by_key_values = matched_rows.set_index("key")[columns]
    by_key_flags = matched_flags.set_index(matched_rows["key"])
    for c in columns:
        target = c
        if c in result.columns or f"{c}{FLAG_SUFFIX}" in result.columns:
            target = f"tab_{c}"
            notices.append(Notice("join.column_clash", "info", column=c, renamed=target))
        result[target] = result["key"].map(by_key_values[c]).astype(float)
        result[f"{target}{FLAG_SUFFIX}"] = result["key"].map(by_key_flags[c]).fillna("")
        out_columns.append(target)
    geometry = result.pop("geometry")
    result["geometry"] = geometry
    result = gpd.GeoDataFrame(result, geometry="geometry", crs=area_frame.crs)

    matched_keys = set(matched_rows["key"])
    areas_only = [{"key": k, "name": n} for k, n in
                  zip(area_frame["key"], area_frame["name"], strict=True)
                  if k not in matched_keys]
    report = JoinReport(
        table_source=table.source, areas_source=areas.source, key=areas.key_field,
        n_areas=len(area_frame), n_rows=len(table.frame), matched=len(matched_rows),
        table_only=table_only, areas_only=areas_only, duplicate_table_keys=dup_table,
        duplicate_area_keys=dup_areas, notices=notices)
    return JoinResult(frame=result, report=report, value_columns=out_columns)


def _merge_duplicate_areas(areas: Areas, notices: list[Notice]):
    frame = areas.frame
    counts = frame["key"].value_counts()
    dups = counts[counts > 1]
    if dups.empty:
        return frame.reset_index(drop=True), []
    info = []
    for key, n in dups.items():
        notices.append(Notice("join.dup_areas", "repair", file=areas.source, key=key, n=int(n)))
        info.append({"key": key, "count": int(n)})
    merged = frame.dissolve(by="key", sort=False, as_index=False)
    merged = merged[frame.columns]
    return merged.reset_index(drop=True), info


def _resolve_duplicate_rows(rows: pd.DataFrame, flags: pd.DataFrame, columns: list[str],
                            source: str, notices: list[Notice]):
    keep = np.ones(len(rows), dtype=bool)
    info = []
    keyed = rows[rows["key"].notna()]
    for key, group in keyed.groupby("key", sort=False):
        if len(group) < 2:
            continue
        lines = [int(x) for x in group["line"]]
        values = group[columns].to_numpy(dtype=float)
        gflags = flags.loc[group.index, columns].to_numpy(dtype=object)
        same_values = np.all((values == values[0]) | (np.isnan(values) & np.isnan(values[0])))
        if not (same_values and (gflags == gflags[0]).all()):
            raise GeosozialError("join.dup_conflict", file=source, key=key, lines=lines)
        keep[[rows.index.get_loc(i) for i in group.index[1:]]] = False
        notices.append(Notice("join.dup_dropped", "repair", file=source, key=key,
                              lines=lines, kept=lines[0]))
        info.append({"key": key, "lines": lines})
    return keep, info
