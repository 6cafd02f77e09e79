"""Write the time-series store's GeoPackage with :mod:`sqlite3` (standard library + numpy).

The one home of how a write changes a store file: the ``fid`` scheme of the long table,
the check of the years and of duplicate rows, what changed against the previous rows
(``aenderungen``), the year layers with their spatial index and temporal style, and the
metadata. Every door hands over plain arrays: the geopandas door
(:func:`geosozial.geo.store.write_store`, which also writes PostGIS) and the QGIS plugin;
so the same results give a store with the same content
(:func:`~geosozial.core.store_file.content_hash`) from either.

The long rows are a dict of numpy arrays with the columns
:data:`~geosozial.core.store_file.LONG_COLUMNS` (text as object arrays of ``str``,
``jahr`` int64, ``wert`` float64 with NaN, ``umgerechnet`` bool); a year layer is a
:class:`LayerRows`.

Examples
--------
>>> rows = {"ebene": np.array(["Gemeinde"] * 3, dtype=object),
...         "jahr": np.array([2022, 2023, 2023])}
>>> (fids(rows) - 10**12).tolist()
[20220000001, 20230000001, 20230000002]
"""

from __future__ import annotations

import datetime as _dt
import json
import shutil
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from geosozial.core.columns import Columns, flag_column
from geosozial.core.gpkg_write import (
    Srs,
    count_rows,
    create_attributes_table,
    create_feature_table,
    create_geopackage,
    envelope_functions,
    insert_features,
    table_kinds,
)
from geosozial.core.messages import GeosozialError, define, render
from geosozial.core.outputs import Output, atomic_path, check_outputs
from geosozial.core.store_file import (
    CHANGES_TABLE,
    LAYER_SUFFIX,
    LONG_COLUMNS,
    LONG_KINDS,
    LONG_TABLE,
    META_TABLE,
    STORE_FORMAT,
    layer_tables,
    quoted,
    read_only,
    table_names,
)
from geosozial.core.symbols import (
    CONFIDENTIAL_FLAGS,
    FLAG_ESTIMATED,
    FLAG_NO_DATA,
    FLAG_NOT_COMPUTABLE,
    FLAG_RECODED,
    FLAG_ZERO_DENOMINATOR,
    MISSING_FLAGS,
)

__all__ = ["CHANGE_COLUMNS", "CHANGE_KINDS", "LEVEL_CODES", "LayerRows", "changes", "fids",
           "long_rows", "stack_rows", "write_store_gpkg"]

#: columns of ``aenderungen`` (one row per year and level of a write)
CHANGE_KINDS: dict[str, str] = {
    "zeitpunkt": "text", "jahr": "int", "ebene": "text", "zeilen_vorher": "int",
    "zeilen_nachher": "int", "geaendert": "int", "hinzugefuegt": "int", "entfernt": "int",
    "variablen": "text"}
CHANGE_COLUMNS = tuple(CHANGE_KINDS)
META_KINDS: dict[str, str] = {"name": "text", "wert": "text", "typ": "text"}

#: flags of values brought onto the Gebietsstand through a crosswalk
CONVERTED_FLAGS = frozenset({FLAG_RECODED, FLAG_ESTIMATED})
#: flags of cells without a value: ``wert`` is NaN
WITHHELD_FLAGS = frozenset(MISSING_FLAGS | CONFIDENTIAL_FLAGS
                           | {FLAG_NO_DATA, FLAG_NOT_COMPUTABLE, FLAG_ZERO_DENOMINATOR})
#: longest text of variable names in ``aenderungen.variablen``
VARIABLES_TEXT_MAX = 200

#: ``fid`` of the long table: level code x 10^12 + year x 10^7 + row number (from 1) in
#: the order written; reading by ``fid`` gives level, year, then that order, and the rows of
#: one year are one range of ``fid``
FID_LEVEL = 10**12
FID_YEAR = 10**7
LEVEL_CODES = {"Gemeinde": 1, "Sozialraum": 2, "Kreis": 3}

#: the temporal properties of every ``*_jahre`` layer, as the default style QGIS reads
#: from ``layer_styles``. Mode 4 (start and end from expressions): a feature is valid
#: from its ``datum`` to the same day one calendar year later, end excluded. The simpler
#: mode "single field, fixed duration 1 year" makes every frame of the Temporal
#: Controller (step 1 year) show two or three years in QGIS 3.22: a year counts as
#: 365.25 days and the GeoPackage date comparison at the frame end is inclusive
#: (checked in QGIS 3.22.16). ``startField``, ``durationUnit`` and ``fixedDuration`` are
#: set as well (field ``datum``, one year), so that a switch to mode 1 is prefilled.
TEMPORAL_QML = """<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
<qgis version="3.22.16-Białowieża" styleCategories="Temporal">
 <temporal enabled="1" mode="4" limitMode="0" accumulate="0" startField="datum" endField=""
  durationField="" durationUnit="y" fixedDuration="1"
  startExpression="to_datetime(&quot;datum&quot;)"
  endExpression="make_datetime(year(&quot;datum&quot;) + 1, month(&quot;datum&quot;), \
day(&quot;datum&quot;), 0, 0, 0)">
  <fixedRange>
   <start></start>
   <end></end>
  </fixedRange>
 </temporal>
</qgis>
"""
#: name of the style geosozial writes (a style of the user's own is never replaced)
STYLE_NAME = "geosozial Zeitreihe"

define("store.level",
       de="Unbekannte Ebene {level!r}; möglich sind Gemeinde, Sozialraum und Kreis.",
       en="unknown level {level!r}; use Gemeinde, Sozialraum or Kreis.")
define("store.frame_columns",
       de="Jahr {jahr}: der Tabelle fehlen die Spalten {missing} (erwartet: key, name, "
       "die Variablen und ihre _flag-Spalten).",
       en="year {jahr}: the frame lacks the columns {missing} (expected: key, name, the "
       "variables and their _flag columns).")
define("store.report_replaced",
       de="{jahr} ({ebene}): {vorher} Werte ersetzt, davon {geaendert} geändert{namen}; "
       "{neu} neu, {entfernt} entfallen",
       en="{jahr} ({ebene}): {vorher} values replaced, {geaendert} of them changed"
       "{namen}; {neu} new, {entfernt} dropped")
define("store.report_new",
       de="{jahr} ({ebene}): {neu} Werte neu",
       en="{jahr} ({ebene}): {neu} new values")
define("store.report_none",
       de="{target}: keine Werte geschrieben",
       en="{target}: no values written")

define("store.years",
       de="Sozialdatenbank {target}: {what} enthält die Jahre {extra}, geschrieben werden "
       "sollen aber nur {years}; es wurde nichts geschrieben.",
       en="time-series store {target}: {what} holds the years {extra}, but only {years} "
       "are to be written; nothing was written.")
define("store.duplicates",
       de="Die Zeitreihe enthält {count} doppelte Zeilen (gleiche Ebene, gleiches Jahr, "
       "gleicher Schlüssel, gleiche Variable), z. B. {example}; es wurde nichts "
       "geschrieben.",
       en="the long table holds {count} duplicate rows (same level, year, key and "
       "variable), e.g. {example}; nothing was written.")
define("store.too_many",
       de="Die Zeitreihe hat {count} Zeilen in einem Jahr einer Ebene; möglich sind {limit}.",
       en="the long table has {count} rows in one year of one level; the limit is {limit}.")
define("store.layout",
       de="Sozialdatenbank {target}: die Tabelle {table} hat die Spalten {found}, "
       "geschrieben würden {expected} (anders: {different}). Die Datenbank wird nicht "
       "überschrieben; bitte eine neue anlegen (anderer Dateiname oder anderes Schema) "
       "oder die Tabelle entfernen.",
       en="time-series store {target}: the table {table} has the columns {found}, the "
       "write has {expected} (different: {different}). The store is not overwritten; "
       "create a new one (another file name or schema) or remove the table.")
define("store.layout_crs",
       de="Sozialdatenbank {target}: der Layer {table} hat das Koordinatensystem "
       "{found}, geschrieben würde {expected}. Die Datenbank wird nicht überschrieben.",
       en="time-series store {target}: the layer {table} has the coordinate system "
       "{found}, the write has {expected}. The store is not overwritten.")


@dataclass
class LayerRows:
    """One ``*_jahre`` layer, all years stacked, as SQL values (what a door hands over).

    Attributes
    ----------
    kinds : dict of str to str
        Column -> kind (``jahr`` int, ``datum`` date, ``key`` text, ...), in table order.
    values : dict of str to list
        Column -> SQL values (None for missing; dates as ``YYYY-MM-DD``; bool as 0/1).
    wkb : list of bytes or None
        ISO WKB (little endian) per row, Multi types.
    bounds : numpy.ndarray
        ``(n, 4)`` minx, miny, maxx, maxy (NaN for an empty or missing geometry).
    geometry_type : str
        ``MULTIPOLYGON`` (or ``GEOMETRY`` when mixed).
    srs : Srs or None
    """

    kinds: dict[str, str]
    values: dict[str, list[Any]]
    wkb: list[bytes | None]
    bounds: np.ndarray
    geometry_type: str = "MULTIPOLYGON"
    srs: Srs | None = None

    @property
    def years(self) -> np.ndarray:
        """The ``jahr`` of every row."""
        return np.asarray(self.values.get("jahr", []), dtype="int64")

    def __len__(self) -> int:
        return len(self.wkb)


def long_rows(frames: Mapping[int, Columns], variables: Sequence[str], *, level: str,
              sources: Mapping[int, Mapping[str, str]] | None = None,
              stichtage: Mapping[int, str | Mapping[str, str]] | None = None,
              gebietsstand: str = "") -> dict[str, np.ndarray]:
    """The long rows of wide per-year columns: one row per key, year and variable.

    Parameters
    ----------
    frames : mapping of int to Columns
        Per year ``key``, ``name``, each variable and its flag column (a missing flag
        column means no flags). A variable missing in a year gives no rows.
    variables : sequence of str
    level : str
        ``Gemeinde``, ``Sozialraum`` or ``Kreis``.
    sources, stichtage, gebietsstand
        As :func:`geosozial.geo.store.long_table` describes them.

    Returns
    -------
    dict of str to numpy.ndarray
        The columns :data:`~geosozial.core.store_file.LONG_COLUMNS`; ``wert`` NaN where
        a flag withholds or marks a value missing; rows by year, variable (sorted), key
        (sorted).

    Examples
    --------
    >>> c = Columns({"key": ["2", "1"], "name": ["B", "A"], "n": [5.0, 7.0],
    ...              "n_flag": ["geheim", ""]})
    >>> t = long_rows({2023: c}, ["n"], level="Gemeinde")
    >>> t["schluessel"].tolist(), t["wert"].tolist(), t["kennzeichen"].tolist()
    (['1', '2'], [7.0, nan], ['', 'geheim'])
    """
    if level not in LEVEL_CODES:
        raise GeosozialError("store.level", level=level)
    names = sorted(dict.fromkeys(str(v) for v in variables))
    sources = sources or {}
    stichtage = stichtage or {}
    parts: dict[str, list[np.ndarray]] = {c: [] for c in LONG_COLUMNS}
    for jahr in sorted(frames):
        frame = frames[jahr]
        if "key" not in frame:
            raise GeosozialError("store.frame_columns", jahr=jahr, missing="key")
        keys = np.array(frame.texts("key"), dtype=object)
        order = np.argsort(keys.astype(str), kind="stable")
        keys = keys[order]
        labels = (np.array(frame.texts("name"), dtype=object)[order] if "name" in frame
                  else np.full(len(keys), "", dtype=object))
        present = [v for v in names if v in frame]
        if not present or not len(keys):
            continue
        n, width = len(keys), len(present)
        values = np.empty((width, n), dtype="float64")
        flags = np.empty((width, n), dtype=object)
        for i, v in enumerate(present):
            values[i] = frame.numbers(v)[order]
            fc = flag_column(v)
            flags[i] = np.array(frame.texts(fc), dtype=object)[order] if fc in frame else ""
        flat_flags = flags.ravel()
        flat_values = values.ravel()
        flat_values[np.fromiter((f in WITHHELD_FLAGS for f in flat_flags.tolist()),
                                dtype=bool, count=len(flat_flags))] = np.nan
        year_sources = sources.get(jahr, {})
        parts["schluessel"].append(np.tile(keys, width))
        parts["name"].append(np.tile(labels, width))
        parts["variable"].append(np.repeat(np.array(present, dtype=object), n))
        parts["jahr"].append(np.full(n * width, int(jahr), dtype="int64"))
        parts["wert"].append(flat_values)
        parts["kennzeichen"].append(flat_flags)
        parts["quelle"].append(np.repeat(np.array(
            [str(year_sources.get(v, "") or "") for v in present], dtype=object), n))
        dates = stichtage.get(jahr, "") or ""
        parts["stichtag"].append(np.repeat(np.array(
            [str(dates.get(v, "") or "") if isinstance(dates, Mapping) else str(dates)
             for v in present], dtype=object), n))
        parts["umgerechnet"].append(np.fromiter(
            (f in CONVERTED_FLAGS for f in flat_flags.tolist()), dtype=bool,
            count=len(flat_flags)))
    total = sum(len(p) for p in parts["jahr"])
    out: dict[str, np.ndarray] = {}
    for c, kind in LONG_KINDS.items():
        if c == "ebene":
            out[c] = np.full(total, level, dtype=object)
        elif c == "gebietsstand":
            out[c] = np.full(total, str(gebietsstand or ""), dtype=object)
        elif parts[c]:
            out[c] = np.concatenate(parts[c])
        else:
            out[c] = np.array([], dtype={"int": "int64", "float": "float64",
                                         "bool": bool}.get(kind, object))
    return out


def stack_rows(years: Mapping[int, LayerRows]) -> LayerRows:
    """All years of one result layer as the store keeps it (``<name>_jahre``).

    ``jahr`` (int) and ``datum`` (the 31.12. of the year, DATE) come first, then the
    columns of the years in the order they first appear (a column missing in a year is
    NULL there; int and float of different years make float, other mixtures text), rows
    by year. This is the rule of :func:`geosozial.geo.store.stack_years` for a door that
    holds its layers as :class:`LayerRows`.

    Examples
    --------
    >>> a = LayerRows({"key": "text"}, {"key": ["1"]}, [None], np.full((1, 4), np.nan))
    >>> s = stack_rows({2023: a, 2022: a})
    >>> list(s.kinds), s.values["datum"], s.values["key"]
    (['jahr', 'datum', 'key'], ['2022-12-31', '2023-12-31'], ['1', '1'])
    """
    order = sorted(years)
    found: dict[str, list[str]] = {}
    for y in order:
        for c, kind in years[y].kinds.items():
            if c not in ("jahr", "datum"):  # the store's own (as geo.store.stack_years)
                found.setdefault(c, []).append(kind)
    kinds = {"jahr": "int", "datum": "date"}
    for c, seen in found.items():
        kinds[c] = seen[0] if len(set(seen)) == 1 else (
            "float" if set(seen) <= {"int", "float"} else "text")
    values: dict[str, list[Any]] = {c: [] for c in kinds}
    wkb: list[bytes | None] = []
    bounds = []
    for y in order:
        layer = years[y]
        n = len(layer)
        values["jahr"] += [int(y)] * n
        values["datum"] += [f"{int(y):04d}-12-31"] * n
        for c in found:
            cells = layer.values.get(c)
            if cells is None:
                values[c] += [None] * n
            elif kinds[c] == "text" and layer.kinds[c] != "text":
                values[c] += [None if v is None else str(v) for v in cells]
            else:
                values[c] += list(cells)
        wkb += list(layer.wkb)
        bounds.append(np.asarray(layer.bounds, dtype="float64").reshape(n, 4))
    types = {years[y].geometry_type for y in order if len(years[y])}
    first = next((years[y] for y in order if years[y].srs is not None), None)
    return LayerRows(kinds, values, wkb,
                     np.concatenate(bounds) if bounds else np.zeros((0, 4)),
                     types.pop() if len(types) == 1 else "GEOMETRY",
                     first.srs if first is not None else None)


def now() -> str:
    """The time of a write, local with offset, to the second (``aenderungen``)."""
    return _dt.datetime.now().astimezone().isoformat(timespec="seconds")


def level_codes(ebene: np.ndarray) -> np.ndarray:
    """The level code (:data:`LEVEL_CODES`) of every row; unknown levels are an error."""
    uniques, index = np.unique(np.asarray(ebene, dtype=object).astype(str),
                               return_inverse=True)
    unknown = [u for u in uniques.tolist() if u not in LEVEL_CODES]
    if unknown:
        raise GeosozialError("store.level", level=str(unknown[0]))
    return np.array([LEVEL_CODES[u] for u in uniques.tolist()], dtype="int64")[index]


def fids(long: Mapping[str, np.ndarray]) -> np.ndarray:
    """The ``fid`` of every long row: level x 10^12 + year x 10^7 + number within both.

    Examples
    --------
    >>> fids({"ebene": np.array(["Kreis", "Gemeinde"], dtype=object),
    ...       "jahr": np.array([2023, 2023])}).tolist()
    [3020230000001, 1020230000001]
    """
    group = level_codes(long["ebene"]) * FID_LEVEL + \
        np.asarray(long["jahr"], dtype="int64") * FID_YEAR
    if not len(group):
        return group
    order = np.argsort(group, kind="stable")
    ordered = group[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    first = np.repeat(starts, np.diff(np.r_[starts, len(ordered)]))
    number = np.empty(len(group), dtype="int64")
    number[order] = np.arange(len(group)) - first + 1
    if number.max() >= FID_YEAR:
        raise GeosozialError("store.too_many", count=int(number.max()), limit=FID_YEAR - 1)
    return group + number


def fid_ranges(years: Sequence[int]) -> str:
    """SQL condition on ``fid`` for all rows of ``years`` (every level).

    Examples
    --------
    >>> fid_ranges([])
    '(0)'
    """
    parts = [f"(fid >= {code * FID_LEVEL + int(y) * FID_YEAR} AND fid < "
             f"{code * FID_LEVEL + (int(y) + 1) * FID_YEAR})"
             for code in sorted(LEVEL_CODES.values()) for y in years]
    return "(" + " OR ".join(parts) + ")" if parts else "(0)"


_CONSTANT = ("ebene", "jahr", "variable", "quelle", "stichtag", "gebietsstand")


def blocks(long: Mapping[str, np.ndarray]) -> list[tuple[int, int]]:
    """Runs of rows with the same level, year, variable, source, Stichtag and
    Gebietsstand (start, end).

    Examples
    --------
    >>> t = {c: np.array(["a", "a", "b"], dtype=object) for c in _CONSTANT}
    >>> blocks(t)
    [(0, 2), (2, 3)]
    """
    n = len(long["jahr"])
    if not n:
        return []
    change = np.zeros(n, dtype=bool)
    change[0] = True
    for c in _CONSTANT:
        a = np.asarray(long[c])
        change[1:] |= a[1:] != a[:-1]
    starts = np.flatnonzero(change)
    ends = np.append(starts[1:], n)
    return list(zip(starts.tolist(), ends.tolist(), strict=True))


def _codes(*columns: np.ndarray) -> np.ndarray:
    """One int64 code per row for the tuple of ``columns`` (equal tuples, equal codes)."""
    code = np.zeros(len(columns[0]), dtype="int64")
    for c in columns:
        values = np.asarray(c)
        if values.dtype == object:
            values = values.astype(str)
        uniques, index = np.unique(values, return_inverse=True)
        code = code * (len(uniques) + 1) + index
    return code


def duplicated(long: Mapping[str, np.ndarray]) -> np.ndarray:
    """Rows whose level, year, key and variable came before. Fast path: runs of one level,
    year and variable that do not repeat, each with distinct keys."""
    n = len(long["jahr"])
    if not n:
        return np.zeros(0, dtype=bool)
    runs = blocks(long)
    heads = [s for s, _ in runs]
    triples = list(zip(np.asarray(long["ebene"])[heads].tolist(),
                       np.asarray(long["jahr"])[heads].tolist(),
                       np.asarray(long["variable"])[heads].tolist(), strict=True))
    if len(set(triples)) == len(triples):
        keys = np.asarray(long["schluessel"])
        if all(len(set(keys[s:e].tolist())) == e - s for s, e in runs):
            return np.zeros(n, dtype=bool)
    code = _codes(long["ebene"], long["jahr"], long["schluessel"], long["variable"])
    _, first = np.unique(code, return_index=True)
    out = np.ones(n, dtype=bool)
    out[first] = False
    return out


def check_years(target: str, long: Mapping[str, np.ndarray],
                layer_years: Mapping[str, np.ndarray], years: Sequence[int]) -> None:
    """Refuse rows or layer features (``layer_years``: name -> year of every feature)
    outside ``years``, and duplicate long rows."""
    wanted = set(int(y) for y in years)
    shown = ", ".join(map(str, sorted(wanted)))
    extra = sorted(set(np.unique(np.asarray(long["jahr"], dtype="int64")).tolist()) - wanted)
    if extra:
        raise GeosozialError("store.years", target=target, what="die Zeitreihe",
                             extra=", ".join(map(str, extra)), years=shown)
    for name, jahr in layer_years.items():
        extra = sorted(set(np.unique(np.asarray(jahr, dtype="int64")).tolist()) - wanted)
        if extra:
            raise GeosozialError("store.years", target=target, what=f"der Layer {name}",
                                 extra=", ".join(map(str, extra)), years=shown)
    twice = duplicated(long)
    if twice.any():
        i = int(np.argmax(twice))
        first = [np.asarray(long[c])[i] for c in ("ebene", "jahr", "schluessel", "variable")]
        raise GeosozialError("store.duplicates", count=int(twice.sum()),
                             example=" / ".join(map(str, first)))


def variables_text(names: Iterable[str]) -> str:
    """Sorted names, cut at :data:`VARIABLES_TEXT_MAX` characters.

    Examples
    --------
    >>> variables_text(["b", "a", "a"])
    'a, b'
    """
    names = sorted(set(names))
    text, shown = "", 0
    for n in names:
        candidate = f"{text}, {n}" if text else n
        if len(candidate) > VARIABLES_TEXT_MAX:
            return f"{text} … (+{len(names) - shown})"
        text, shown = candidate, shown + 1
    return text


def old_rows(rows: Sequence[tuple]) -> dict[str, np.ndarray]:
    """Fetched rows (``fid``, ``schluessel``, ``variable``, ``wert``, ``kennzeichen``) as
    arrays, for :func:`changes`."""
    columns = list(zip(*rows, strict=True)) if rows else [(), (), (), (), ()]
    return {"fid": np.array(columns[0], dtype="int64"),
            "schluessel": np.array(columns[1], dtype=object),
            "variable": np.array(columns[2], dtype=object),
            "wert": np.array(columns[3], dtype="float64"),
            "kennzeichen": np.array(["" if f is None else f for f in columns[4]],
                                    dtype=object)}


def _tally(groups: np.ndarray) -> dict[int, int]:
    uniques, counts = np.unique(groups, return_counts=True)
    return dict(zip(uniques.tolist(), counts.tolist(), strict=True))


def _same(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a == b) | (np.isnan(a) & np.isnan(b))


def changes(old: Mapping[str, np.ndarray] | None, new: Mapping[str, np.ndarray],
            fid: np.ndarray, when: str) -> dict[str, list[Any]]:
    """One row per (year, level) of the years written: rows before and after, values
    changed (value or flag differs; NaN equals NaN), added, removed, and the variables
    whose values changed.

    ``old``: the previous rows of these years (:func:`old_rows`, in ``fid`` order);
    ``new`` the rows written and ``fid`` their ``fid``. When both hold the same keys and
    variables in the same order (a re-run with the same areas), the rows are compared
    position by position; otherwise they are matched by level, year, key and variable.

    Examples
    --------
    >>> new = {"schluessel": np.array(["1"], dtype=object),
    ...        "variable": np.array(["n"], dtype=object), "wert": np.array([2.0]),
    ...        "kennzeichen": np.array([""], dtype=object)}
    >>> old = old_rows([(1020230000001, "1", "n", 1.0, "")])
    >>> c = changes(old, new, np.array([1020230000001]), "t")
    >>> c["geaendert"], c["variablen"], c["hinzugefuegt"]
    ([1], ['n'], [0])
    """
    old = old if old is not None else old_rows([])
    g_new = np.asarray(fid, dtype="int64") // FID_YEAR  # level code x 10^5 + year
    g_old = old["fid"] // FID_YEAR
    groups = np.union1d(g_new, g_old).tolist()
    before, after = _tally(g_old), _tally(g_new)
    added, removed, changed = dict(after), {}, {}
    names: dict[int, str] = {}
    if len(old["fid"]):
        order = np.argsort(fid, kind="stable")
        keys_new = np.asarray(new["schluessel"], dtype=object)
        vars_new = np.asarray(new["variable"], dtype=object)
        value_new = np.asarray(new["wert"], dtype="float64")
        flag_new = np.asarray(new["kennzeichen"], dtype=object)
        aligned = (len(old["fid"]) == len(g_new) and np.array_equal(g_old, g_new[order])
                   and bool((old["schluessel"] == keys_new[order]).all())
                   and bool((old["variable"] == vars_new[order]).all()))
        if aligned:
            differs = ~_same(old["wert"], value_new[order]) | \
                (old["kennzeichen"] != flag_new[order])
            row_groups, row_vars = g_old, old["variable"]
            added = {}
        else:
            code_old = _codes(np.r_[g_old, g_new], np.r_[old["schluessel"], keys_new],
                              np.r_[old["variable"], vars_new])
            code_new, code_old = code_old[len(g_old):], code_old[:len(g_old)]
            _, i_old, i_new = np.intersect1d(code_old, code_new, return_indices=True)
            differs = ~_same(old["wert"][i_old], value_new[i_new]) | \
                (old["kennzeichen"][i_old] != flag_new[i_new])
            row_groups, row_vars = g_old[i_old], old["variable"][i_old]
            only_new = np.ones(len(g_new), dtype=bool)
            only_new[i_new] = False
            only_old = np.ones(len(g_old), dtype=bool)
            only_old[i_old] = False
            added, removed = _tally(g_new[only_new]), _tally(g_old[only_old])
        changed = _tally(row_groups[differs])
        for g in changed:
            names[g] = variables_text(row_vars[differs][row_groups[differs] == g].tolist())
    levels = {code: level for level, code in LEVEL_CODES.items()}
    rows: dict[str, list[Any]] = {c: [] for c in CHANGE_COLUMNS}
    for g in sorted(groups, key=lambda g: (g % 10**5, g // 10**5)):
        rows["zeitpunkt"].append(when)
        rows["jahr"].append(int(g % 10**5))
        rows["ebene"].append(levels[int(g // 10**5)])
        rows["zeilen_vorher"].append(int(before.get(g, 0)))
        rows["zeilen_nachher"].append(int(after.get(g, 0)))
        rows["geaendert"].append(int(changed.get(g, 0)))
        rows["hinzugefuegt"].append(int(added.get(g, 0)))
        rows["entfernt"].append(int(removed.get(g, 0)))
        rows["variablen"].append(names.get(g, ""))
    return rows


def changes_text(target: str, rows: Mapping[str, Sequence[Any]], lang: str | None = None
                 ) -> str:
    """What a write changed, one line per year and level (German by default).

    Examples
    --------
    >>> print(changes_text("x.gpkg", {"jahr": [2023], "ebene": ["Gemeinde"],
    ...     "zeilen_vorher": [240], "geaendert": [12], "hinzugefuegt": [0],
    ...     "entfernt": [0], "variablen": ["sgb2_quote"]}))
    2023 (Gemeinde): 240 Werte ersetzt, davon 12 geändert (sgb2_quote); 0 neu, 0 entfallen
    >>> changes_text("x.gpkg", {"jahr": []}, "en")
    'x.gpkg: no values written'
    """
    if not len(rows.get("jahr", [])):
        return render("store.report_none", {"target": target}, lang)
    lines = []
    for i in range(len(rows["jahr"])):
        if rows["zeilen_vorher"][i] == 0:
            lines.append(render("store.report_new", {
                "jahr": rows["jahr"][i], "ebene": rows["ebene"][i],
                "neu": rows["hinzugefuegt"][i]}, lang))
            continue
        names = rows["variablen"][i]
        lines.append(render("store.report_replaced", {
            "jahr": rows["jahr"][i], "ebene": rows["ebene"][i],
            "vorher": rows["zeilen_vorher"][i], "geaendert": rows["geaendert"][i],
            "neu": rows["hinzugefuegt"][i], "entfernt": rows["entfernt"][i],
            "namen": f" ({names})" if names else ""}, lang))
    return "\n".join(lines)


def meta_rows(meta: Mapping[str, Any] | None) -> list[tuple[str, str, str]]:
    """``metadaten`` rows: text as it is, anything else as JSON.

    Examples
    --------
    >>> meta_rows({"projekt": "X", "jahre": [2023]})
    [('projekt', 'X', 'text'), ('jahre', '[2023]', 'json')]
    """
    rows = []
    for k, v in (meta or {}).items():
        if isinstance(v, str):
            rows.append((str(k), v, "text"))
        else:
            rows.append((str(k), json.dumps(v, ensure_ascii=False, default=str), "json"))
    return rows


def layout_error(target: str, table: str, found: Sequence[str], expected: Sequence[str]
                 ) -> GeosozialError:
    """``store.layout``: a table of the store has other columns than a write."""
    different = sorted(set(found) ^ set(expected)) or ["Typen/types"]
    return GeosozialError("store.layout", target=target, table=table,
                          found=", ".join(found), expected=", ".join(expected),
                          different=", ".join(different))


def compare_layer(target: str, table: str, found: Mapping[str, str],
                  wanted: Mapping[str, str]) -> None:
    """The columns of an existing layer against those written (int may go into float)."""
    if set(found) != set(wanted):
        raise layout_error(target, table, list(found), list(wanted))
    for c, kind in wanted.items():
        have = found[c]
        if have != kind and not (have == "float" and kind == "int"):
            raise layout_error(target, table, [f"{n} ({k})" for n, k in found.items()],
                               [f"{n} ({k})" for n, k in wanted.items()])


def _literal(value: Any) -> str:
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    return "'" + str(value).replace("'", "''") + "'"


# --- the GeoPackage -------------------------------------------------------------------------


def _sqlite_columns(con: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in con.execute(f"PRAGMA table_info({quoted(table)})") if r[1] != "fid"]


def _layer_srs(con: sqlite3.Connection, table: str) -> tuple[str, int, str]:
    row = con.execute(
        "SELECT s.organization, s.organization_coordsys_id, s.definition FROM "
        "gpkg_geometry_columns g JOIN gpkg_spatial_ref_sys s ON s.srs_id = g.srs_id WHERE "
        "g.table_name = ?", (table,)).fetchone()
    return (str(row[0]), int(row[1]), str(row[2])) if row else ("NONE", -1, "undefined")


def _same_srs(found: tuple[str, int, str], srs: Srs | None) -> bool:
    if srs is None or found[1] < 0:
        return True
    if found[0].upper() == "EPSG" and srs.organization.upper() == "EPSG":
        return found[1] == srs.code
    return found[2] == srs.definition


def check_gpkg(path: Path, con: sqlite3.Connection, layers: Mapping[str, LayerRows]) -> None:
    """An existing store file against a write: the tables and their columns, the CRS."""
    tables = table_names(con)
    if "gpkg_contents" not in tables or LONG_TABLE not in tables:
        raise GeosozialError("store.not_store", target=str(path),
                             reason=f"Tabelle/table {LONG_TABLE} fehlt/missing")
    for table, kinds in ((LONG_TABLE, LONG_KINDS), (CHANGES_TABLE, CHANGE_KINDS),
                         (META_TABLE, META_KINDS)):
        if table in tables:
            found = _sqlite_columns(con, table)
            if found != list(kinds):
                raise layout_error(str(path), table, found, list(kinds))
    for name, layer in layers.items():
        table = name + LAYER_SUFFIX
        if table not in tables:
            continue
        geom = con.execute("SELECT column_name FROM gpkg_geometry_columns WHERE table_name "
                           "= ?", (table,)).fetchone()
        compare_layer(str(path), table, table_kinds(con, table, ("fid", geom[0] if geom
                                                                  else "geom")), layer.kinds)
        found = _layer_srs(con, table)
        if not _same_srs(found, layer.srs):
            raise GeosozialError("store.layout_crs", target=str(path), table=table,
                                 found=f"{found[0]}:{found[1]}",
                                 expected=f"{layer.srs.organization}:{layer.srs.code}")


def _register(con: sqlite3.Connection, table: str, description: str) -> None:
    con.execute(
        "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, "
        "description, last_change, srs_id) VALUES (?, 'attributes', ?, ?, "
        "strftime('%Y-%m-%dT%H:%M:%fZ','now'), 0)", (table, table, description))


def _create_sqlite_tables(con: sqlite3.Connection) -> None:
    from geosozial.core.gpkg_write import SQL_TYPES

    tables = table_names(con)
    if META_TABLE not in tables:
        create_attributes_table(con, META_TABLE, META_KINDS,
                                "Metadaten der Sozialdatenbank (geosozial)")
    if LONG_TABLE not in tables:
        columns = ", ".join(f"{quoted(c)} {SQL_TYPES[k]}" for c, k in LONG_KINDS.items())
        con.execute(f"CREATE TABLE {LONG_TABLE} (fid INTEGER PRIMARY KEY NOT NULL, "
                    f"{columns})")
        _register(con, LONG_TABLE, "Zeitreihe (lang): ein Wert je Schlüssel, Jahr und "
                  "Variable, auf einem Gebietsstand")
    if CHANGES_TABLE not in tables:
        columns = ", ".join(f"{quoted(c)} {SQL_TYPES[k]}" for c, k in CHANGE_KINDS.items())
        con.execute(f"CREATE TABLE {CHANGES_TABLE} (fid INTEGER PRIMARY KEY "
                    f"AUTOINCREMENT NOT NULL, {columns})")
        _register(con, CHANGES_TABLE, "Was jeder Lauf geändert hat (je Jahr und Ebene)")
    if "layer_styles" not in tables:
        con.execute(
            'CREATE TABLE "layer_styles" ("id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, '
            '"f_table_catalog" TEXT(256), "f_table_schema" TEXT(256), '
            '"f_table_name" TEXT(256), "f_geometry_column" TEXT(256), "styleName" TEXT(30), '
            '"styleQML" TEXT, "styleSLD" TEXT, "useAsDefault" BOOLEAN, "description" TEXT, '
            '"owner" TEXT(30), "ui" TEXT(30), "update_time" DATETIME DEFAULT '
            "(strftime('%Y-%m-%dT%H:%M:%fZ','now')))")
        _register(con, "layer_styles", "QGIS-Stile (Zeitsteuerung der *_jahre-Layer)")


def present_years(con: sqlite3.Connection) -> list[int]:
    """The years in the long table, found by ``fid`` ranges (a few index look-ups)."""
    found: set[int] = set()
    start = 0
    while True:
        row = con.execute(f"SELECT min(fid) FROM {LONG_TABLE} WHERE fid >= ?",
                          (start,)).fetchone()
        if row is None or row[0] is None:
            return sorted(found)
        fid = int(row[0])
        found.add(fid % FID_LEVEL // FID_YEAR)
        start = fid - fid % FID_YEAR + FID_YEAR


def _in(years: Sequence[int]) -> str:
    return "(" + ", ".join(str(int(y)) for y in years) + ")"


def _insert_long(con: sqlite3.Connection, long: Mapping[str, np.ndarray],
                 fid: np.ndarray) -> None:
    """Insert the rows block by block: the values constant in a block (level, year,
    variable, source, Stichtag, Gebietsstand) are literals of the statement, only fid,
    key, name, value and flag are bound (binding is most of the cost); ``umgerechnet``
    is computed from the flag where it follows the rule (else bound as well)."""
    flags = np.asarray(long["kennzeichen"], dtype=object)
    converted_flag = np.fromiter((f in CONVERTED_FLAGS for f in flags.tolist()), dtype=bool,
                                 count=len(flags))
    rule = bool((np.asarray(long["umgerechnet"], dtype=bool) == converted_flag).all())
    bound = {c: np.asarray(long[c]).tolist() for c in ("schluessel", "name", "wert",
                                                      "kennzeichen")}
    if not rule:
        bound["umgerechnet"] = np.asarray(long["umgerechnet"], dtype=bool).tolist()
    converted = ("?5 IN (" + ", ".join(_literal(f) for f in sorted(CONVERTED_FLAGS)) + ")"
                 if rule else "?5")
    constants = {c: np.asarray(long[c]) for c in _CONSTANT}
    names = ", ".join(["fid", *LONG_COLUMNS])
    numbers = fid.tolist()
    for start, end in blocks(long):
        values = {c: _literal(constants[c][start]) for c in constants}
        row = ", ".join(["?1", "?2", "?3", values["ebene"], values["jahr"],
                         values["variable"], "?4", "?5", values["quelle"],
                         values["stichtag"], values["gebietsstand"], converted])
        if not rule:
            row = row.replace("?5 IN", "?6 IN").removesuffix("?5") + "?6"
        con.executemany(f"INSERT INTO {LONG_TABLE} ({names}) VALUES ({row})",
                        zip(numbers[start:end], *(bound[c][start:end] for c in bound),
                            strict=True))


def _update(path: Path, long: Mapping[str, np.ndarray], fid: np.ndarray,
            layers: Mapping[str, LayerRows], years: Sequence[int],
            changed: Mapping[str, list[Any]], meta: Mapping[str, Any] | None,
            when: str) -> None:
    con = sqlite3.connect(path, isolation_level=None)
    try:
        con.execute("PRAGMA journal_mode=OFF")  # a temporary copy: atomic by its rename
        con.execute("PRAGMA synchronous=OFF")
        con.execute("PRAGMA cache_size=-262144")  # 256 MB for the bulk insert
        con.execute("BEGIN")
        if "gpkg_contents" not in table_names(con):
            create_geopackage(con)
        _create_sqlite_tables(con)
        envelope_functions(con)
        present = set(layer_tables(con))
        for name, layer in layers.items():
            table = name + LAYER_SUFFIX
            if table not in present and len(layer):
                create_feature_table(con, table, layer.kinds,
                                     geometry_type=layer.geometry_type, srs=layer.srs,
                                     description="Ergebnisse je Jahr (geosozial); "
                                     "Zeitsteuerung über datum")
        removed = con.execute(f"DELETE FROM {LONG_TABLE} WHERE {fid_ranges(years)}"
                              ).rowcount
        _insert_long(con, long, fid)
        tables = layer_tables(con)
        for table in tables:
            if "jahr" in _sqlite_columns(con, table):
                con.execute(f"DELETE FROM {quoted(table)} WHERE jahr IN {_in(years)}")
        for name, layer in layers.items():
            if name + LAYER_SUFFIX in tables:
                insert_features(con, name + LAYER_SUFFIX, layer)
        columns = ", ".join(quoted(c) for c in CHANGE_COLUMNS)
        marks = ", ".join("?" * len(CHANGE_COLUMNS))
        con.executemany(f"INSERT INTO {CHANGES_TABLE} ({columns}) VALUES ({marks})",
                        zip(*(changed[c] for c in CHANGE_COLUMNS), strict=True))
        entries = [*meta_rows(meta), ("format", STORE_FORMAT, "text"),
                   ("jahre", json.dumps(present_years(con)), "json"),
                   ("aktualisiert", when, "text")]
        con.executemany(f"DELETE FROM {META_TABLE} WHERE name = ?", [(n,) for n, _, _ in
                                                                     entries])
        con.executemany(f"INSERT INTO {META_TABLE} (name, wert, typ) VALUES (?, ?, ?)",
                        entries)
        for name in layers:
            table = name + LAYER_SUFFIX
            if table not in tables:
                continue
            exists = con.execute("SELECT 1 FROM layer_styles WHERE f_table_name = ?",
                                 (table,)).fetchone()
            if not exists:  # a style of the user's own stays the default
                geom = con.execute("SELECT column_name FROM gpkg_geometry_columns WHERE "
                                   "table_name = ?", (table,)).fetchone()[0]
                con.execute(
                    "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
                    "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, "
                    "description, owner, ui) VALUES ('', '', ?, ?, ?, ?, '', 1, ?, '', '')",
                    (table, geom, STYLE_NAME, TEMPORAL_QML,
                     "Zeitsteuerung: ein Jahr je Bild (Feld datum)"))
        count_rows(con, LONG_TABLE, len(fid) - removed)
        for table in (CHANGES_TABLE, META_TABLE, "layer_styles"):
            count_rows(con, table)
        con.execute("COMMIT")
    finally:
        con.close()


def write_store_gpkg(path: str | Path, long: Mapping[str, np.ndarray],
                     layers: Mapping[str, LayerRows], *, years: Sequence[int],
                     meta: Mapping[str, Any] | None = None,
                     when: str | None = None) -> dict[str, list[Any]]:
    """Write the long rows and layers of ``years`` into a store GeoPackage.

    Every row of these years (long table and layers) is replaced, other years are kept.
    The write works on a copy beside the file (or a new file) that replaces it only when
    complete (:func:`geosozial.core.outputs.atomic_path`, also inside an ``OutputSet``).

    Parameters
    ----------
    path : str or Path
        The ``.gpkg`` file.
    long : mapping of str to numpy.ndarray
        The long rows (:data:`~geosozial.core.store_file.LONG_COLUMNS`).
    layers : mapping of str to LayerRows
        Per layer name (``gemeinden``) all its years, stored as ``<name>_jahre``.
    years : sequence of int
    meta : mapping, optional
        Entries for ``metadaten``.
    when : str, optional
        The time of the write (default: now).

    Returns
    -------
    dict of str to list
        The rows appended to ``aenderungen`` (:data:`CHANGE_COLUMNS`).

    Raises
    ------
    GeosozialError
        A file that is no store, a store whose tables have other columns or another CRS,
        rows outside ``years``, duplicate rows; nothing is changed then.
    """
    path = Path(path)
    years = sorted({int(y) for y in years})
    when = when or now()
    check_years(str(path), long, {n: layer.years for n, layer in layers.items()}, years)
    fid = fids(long)
    check_outputs([Output("database", path, "gpkg")])
    old = None
    if path.exists():
        with read_only(path) as con:
            check_gpkg(path, con, layers)
            old = old_rows(con.execute(
                f"SELECT fid, schluessel, variable, wert, kennzeichen FROM {LONG_TABLE} "
                f"WHERE {fid_ranges(years)} ORDER BY fid").fetchall())
    changed = changes(old, long, fid, when)
    with atomic_path(path) as tmp:
        if path.exists():  # (a store open with a write-ahead log is refused above)
            shutil.copyfile(path, tmp)
        _update(Path(tmp), long, fid, layers, years, changed, meta, when)
    return changed
