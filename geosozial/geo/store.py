"""The time-series store (Sozialdatenbank): a project's years on one Gebietsstand.

One long table ``zeitreihe`` (one row per key, year and variable: ``schluessel``,
``name``, ``ebene``, ``jahr``, ``variable``, ``wert``, ``kennzeichen``, ``quelle``,
``stichtag``, ``gebietsstand``, ``umgerechnet``), one layer ``<name>_jahre`` per result
layer with all years stacked (integer ``jahr`` and a DATE ``datum``, the 31.12. of the
year), a table ``aenderungen`` that records what every run changed, and ``metadaten``
(name/value). Two backends with the same layout and the same answers from
:func:`read_store`:

- a GeoPackage (``sozialdatenbank.gpkg``, the embedded default). QGIS opens it; the
  ``*_jahre`` layers carry a default style in ``layer_styles`` with their temporal
  properties, so the Temporal Controller steps through the years (see
  :data:`TEMPORAL_QML`). Every write works on a copy beside the file that replaces it
  only when complete (:mod:`geosozial.core.outputs`, also inside an ``OutputSet``); after
  an error or Ctrl-C the previous file is byte-identical.
- PostGIS (``postgresql://user:password@host:port/db?schema=geosozial``), through
  psycopg 3: COPY for the rows, geometries as WKB through ``ST_GeomFromWKB(wkb, srid)``,
  a GIST index per layer, all of one write inside one transaction.

A write names its years: all rows of exactly those years (in the long table and in
every layer) are replaced, the other years are kept, and ``aenderungen`` gets one row
per year and level (rows before and after, values changed, added, removed, the
variables whose values changed). A store whose tables have other columns is refused
with a :class:`~geosozial.core.messages.GeosozialError`, never overwritten.

Examples
--------
>>> report = write_store("sozialdatenbank.gpkg", long, {"gemeinden": frames},
...                      years=[2023])  # doctest: +SKIP
>>> print(report.text())  # doctest: +SKIP
2023 (Gemeinde): 240 Werte ersetzt, davon 12 geändert (sgb2_quote); 0 neu, 0 entfallen
"""

from __future__ import annotations

import datetime as _dt
import gc
import json
import re
import shutil
import sqlite3
import struct
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyogrio.raw
import shapely

from geosozial.core.columns import FLAG_SUFFIX, flag_column
from geosozial.core.messages import GeosozialError, define, render
from geosozial.core.outputs import Output, atomic_path, check_outputs
from geosozial.core.store_file import (  # noqa: F401  (the layout, one home)
    CHANGES_TABLE,
    DEFAULT_NAME,
    LAYER_SUFFIX,
    LONG_COLUMNS,
    LONG_KINDS,
    LONG_TABLE,
    META_TABLE,
    STORE_FORMAT,
    content_hash,
)
from geosozial.core.store_file import layer_tables as _gpkg_layer_tables
from geosozial.core.store_file import meta_dict as _meta_dict
from geosozial.core.store_file import quoted as _q
from geosozial.core.store_file import read_only as _read_only
from geosozial.core.store_file import table_names as _tables
from geosozial.core.symbols import (
    CONFIDENTIAL_FLAGS,
    FLAG_ESTIMATED,
    FLAG_NO_DATA,
    FLAG_NOT_COMPUTABLE,
    FLAG_RECODED,
    FLAG_ZERO_DENOMINATOR,
    MISSING_FLAGS,
)
from geosozial.geo.gpkg import GPKG_VERSION, no_side_files

__all__ = ["CHANGE_COLUMNS", "DEFAULT_NAME", "DEFAULT_SCHEMA", "LONG_COLUMNS", "Store",
           "StoreReport", "long_table", "read_store", "stack_years", "write_store"]

#: PostgreSQL schema when the URL names none (``?schema=...``)
DEFAULT_SCHEMA = "geosozial"

#: columns of ``aenderungen`` (one row per year and level of a write)
CHANGE_KINDS: dict[str, str] = {
    "zeitpunkt": "text", "jahr": "int", "ebene": "text", "zeilen_vorher": "int",
    "zeilen_nachher": "int", "geaendert": "int", "hinzugefuegt": "int", "entfernt": "int",
    "variablen": "text"}
CHANGE_COLUMNS = tuple(CHANGE_KINDS)

META_KINDS: dict[str, str] = {"name": "text", "wert": "text", "typ": "text"}

#: the levels (``ebene``) of the long table
LEVELS = {"gemeinde": "Gemeinde", "gemeinden": "Gemeinde", "sozialraum": "Sozialraum",
          "sozialraeume": "Sozialraum", "sozialräume": "Sozialraum", "kreis": "Kreis"}

#: flags of values brought onto the Gebietsstand through a crosswalk
CONVERTED_FLAGS = frozenset({FLAG_RECODED, FLAG_ESTIMATED})
#: flags of cells without a value: ``wert`` is NaN
WITHHELD_FLAGS = frozenset(MISSING_FLAGS | CONFIDENTIAL_FLAGS
                           | {FLAG_NO_DATA, FLAG_NOT_COMPUTABLE, FLAG_ZERO_DENOMINATOR})

#: longest text of variable names in ``aenderungen.variablen``
VARIABLES_TEXT_MAX = 200

#: SQL types per kind: GeoPackage (SQLite) and PostgreSQL
_GPKG_TYPES = {"text": "TEXT", "int": "INTEGER", "float": "REAL", "bool": "BOOLEAN",
               "date": "DATE", "datetime": "DATETIME"}
_PG_TYPES = {"text": "text", "int": "bigint", "float": "double precision",
             "bool": "boolean", "date": "date", "datetime": "timestamp"}
_PG_COPY_TYPES = {"text": "text", "int": "int8", "float": "float8", "bool": "bool",
                  "date": "date", "datetime": "timestamp"}

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

define("store.target",
       de="Sozialdatenbank {target}: erwartet wird eine GeoPackage-Datei (.gpkg) oder eine "
       "PostgreSQL-Adresse postgresql://benutzer:passwort@rechner:port/datenbank.",
       en="time-series store {target}: expected a GeoPackage file (.gpkg) or a PostgreSQL "
       "URL postgresql://user:password@host:port/database.")
define("store.schema_name",
       de="Sozialdatenbank {target}: das Schema {schema!r} ist kein einfacher Name "
       "(Buchstaben, Ziffern, _).",
       en="time-series store {target}: the schema {schema!r} is not a plain name "
       "(letters, digits, _).")
define("store.layer_name",
       de="Sozialdatenbank: der Layername {name!r} ist kein einfacher Name (Kleinbuchstaben, "
       "Ziffern, _; am Anfang ein Buchstabe).",
       en="time-series store: the layer name {name!r} is not a plain name (lower-case "
       "letters, digits, _; starting with a letter).")
define("store.level",
       de="Unbekannte Ebene {level!r}; möglich sind Gemeinde, Sozialraum und Kreis.",
       en="unknown level {level!r}; use Gemeinde, Sozialraum or Kreis.")
define("store.frame_columns",
       de="Jahr {jahr}: der Tabelle fehlen die Spalten {missing} (erwartet: key, name, "
       "die Variablen und ihre _flag-Spalten).",
       en="year {jahr}: the frame lacks the columns {missing} (expected: key, name, the "
       "variables and their _flag columns).")
define("store.long_columns",
       de="Die Zeitreihe hat nicht die Spalten der Sozialdatenbank: es fehlen {missing}.",
       en="the long table lacks the columns of the time-series store: {missing}.")
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
define("store.crs",
       de="Layer {layer}: die Jahre haben verschiedene Koordinatensysteme ({crs}); alle "
       "Jahre eines Layers brauchen dasselbe.",
       en="layer {layer}: the years have different coordinate systems ({crs}); all years "
       "of a layer need the same.")
define("store.crs_epsg",
       de="Layer {layer}: für PostGIS wird ein Koordinatensystem mit EPSG-Code gebraucht "
       "(gefunden: {crs}).",
       en="layer {layer}: PostGIS needs a coordinate system with an EPSG code (found: "
       "{crs}).")
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
define("store.no_psycopg",
       de="Für PostGIS ({target}) wird das Python-Paket psycopg gebraucht: "
       "pip install 'psycopg[binary]'.",
       en="PostGIS ({target}) needs the Python package psycopg: "
       "pip install 'psycopg[binary]'.")
define("store.pg_unreachable",
       de="Die Datenbank {target} ist nicht erreichbar: {reason}. Bitte Rechner, Port, "
       "Datenbank, Benutzer und Passwort prüfen (ist der Server gestartet?).",
       en="the database {target} cannot be reached: {reason}. Check host, port, database, "
       "user and password (is the server running?).")
define("store.pg_no_postgis",
       de="In der Datenbank {target} fehlt die Erweiterung PostGIS und sie kann nicht "
       "angelegt werden ({reason}). Bitte als Administrator CREATE EXTENSION postgis; "
       "ausführen (Debian: Paket postgresql-15-postgis-3).",
       en="the database {target} lacks the PostGIS extension and it cannot be created "
       "({reason}). Run CREATE EXTENSION postgis; as an administrator (Debian: package "
       "postgresql-15-postgis-3).")
define("store.pg_failed",
       de="Schreiben in die Datenbank {target} fehlgeschlagen: {reason}. Der vorige Stand "
       "bleibt erhalten.",
       en="writing to the database {target} failed: {reason}. The previous state is "
       "kept.")
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

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_PANDAS_3 = int(pd.__version__.split(".")[0]) >= 3
_SCHEMA = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


# --- results -----------------------------------------------------------------------------


@dataclass
class StoreReport:
    """What one :func:`write_store` did.

    Attributes
    ----------
    target : str
        The GeoPackage path or the PostgreSQL URL without the password.
    years : tuple of int
        The years written (replaced).
    changes : pandas.DataFrame
        The rows appended to ``aenderungen`` (columns :data:`CHANGE_COLUMNS`).

    Examples
    --------
    >>> changes = pd.DataFrame({"zeitpunkt": ["2024-05-01T10:00:00+02:00"], "jahr": [2023],
    ...     "ebene": ["Gemeinde"], "zeilen_vorher": [240], "zeilen_nachher": [240],
    ...     "geaendert": [12], "hinzugefuegt": [0], "entfernt": [0],
    ...     "variablen": ["sgb2_quote"]})
    >>> print(StoreReport("x.gpkg", (2023,), changes).text())
    2023 (Gemeinde): 240 Werte ersetzt, davon 12 geändert (sgb2_quote); 0 neu, 0 entfallen
    """

    target: str
    years: tuple[int, ...]
    changes: pd.DataFrame = field(repr=False)

    def text(self, lang: str | None = None) -> str:
        """One line per year and level (German by default, ``lang="en"``).

        Examples
        --------
        >>> StoreReport("x.gpkg", (), pd.DataFrame(columns=CHANGE_COLUMNS)).text("en")
        'x.gpkg: no values written'
        """
        if self.changes.empty:
            return render("store.report_none", {"target": self.target}, lang)
        lines = []
        for row in self.changes.itertuples(index=False):
            if row.zeilen_vorher == 0:
                lines.append(render("store.report_new", {"jahr": row.jahr, "ebene": row.ebene,
                                                         "neu": row.hinzugefuegt}, lang))
                continue
            lines.append(render("store.report_replaced", {
                "jahr": row.jahr, "ebene": row.ebene, "vorher": row.zeilen_vorher,
                "geaendert": row.geaendert, "neu": row.hinzugefuegt, "entfernt": row.entfernt,
                "namen": f" ({row.variablen})" if row.variablen else ""}, lang))
        return "\n".join(lines)


@dataclass
class Store:
    """The content of a store, as :func:`read_store` returns it (the same from either
    backend).

    Attributes
    ----------
    long : pandas.DataFrame
        The long table (columns :data:`LONG_COLUMNS`), ordered by ``ebene``, ``jahr`` and
        then as written.
    layers : dict of str to geopandas.GeoDataFrame
        Per layer name (``gemeinden`` for the table ``gemeinden_jahre``) all its years,
        ordered by ``jahr`` and then as written (as :func:`stack_years` builds them).
    changes : pandas.DataFrame
        The table ``aenderungen`` (columns :data:`CHANGE_COLUMNS`), oldest first.
    meta : dict
        ``metadaten``: the ``meta`` of the writes (later writes win) plus ``format``,
        ``jahre`` (the years in the store) and ``aktualisiert`` (time of the last write).

    Examples
    --------
    >>> Store(pd.DataFrame(), {}, pd.DataFrame(), {"format": "1"}).meta["format"]
    '1'
    """

    long: pd.DataFrame
    layers: dict[str, gpd.GeoDataFrame]
    changes: pd.DataFrame
    meta: dict[str, Any]


# --- column normalisation (the same for every source) -------------------------------------


def _column(values: Any, kind: str) -> pd.Series:
    """Values as the one dtype of their kind: text ``str`` (missing NaN), int ``int64``
    (``Int64`` with missing values), float ``float64``, bool ``bool`` (``boolean`` with
    missing values), date and datetime ``datetime64[ms]``; always a RangeIndex."""
    if isinstance(values, pd.Series):
        values = values.reset_index(drop=True)
    if kind == "text":
        series = pd.Series(values, dtype=object)
        if _PANDAS_3:
            return series.astype("str")  # missing values (None, NaN) stay NaN
        missing = series.isna()
        return series.where(~missing, None) if missing.any() else series
    if kind == "float":
        if isinstance(values, np.ndarray) and values.dtype.kind in "fiu":
            return pd.Series(values.astype("float64"))
        return pd.Series(values, dtype=object).astype("float64")
    if kind == "int":
        series = pd.Series(values)
        if series.isna().any():
            return series.astype("Int64")
        return series.astype("int64")
    if kind == "bool":
        series = pd.Series(values)
        if series.isna().any():
            return series.astype("boolean")
        return series.astype(bool)
    if kind in ("date", "datetime"):
        return pd.Series(pd.to_datetime(pd.Series(values, dtype=object))).astype(
            "datetime64[ms]")
    raise ValueError(f"unknown kind {kind!r}")


def _frame(columns: Mapping[str, Any], kinds: Mapping[str, str]) -> pd.DataFrame:
    return pd.DataFrame({name: _column(columns[name], kind) for name, kind in kinds.items()})


def _kind_of(series: pd.Series) -> str:
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_integer_dtype(dtype):
        return "int"
    if pd.api.types.is_float_dtype(dtype):
        return "float"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    values = series.dropna()
    if len(values) and values.map(lambda v: isinstance(v, _dt.date)).all():
        return "date"
    return "text"


def _text_values(series: pd.Series) -> pd.Series:
    """Text as text (object dtype, missing as they are): dicts and lists become JSON,
    other objects ``str``."""
    if pd.api.types.infer_dtype(series, skipna=True) in ("string", "empty"):
        return series.astype(object)

    def plain(v: Any) -> Any:
        if v is None or (isinstance(v, float) and v != v) or v is pd.NA:
            return None
        if isinstance(v, str):
            return v
        if isinstance(v, (dict, list)):
            return json.dumps(v, ensure_ascii=False)
        return str(v)
    return series.astype(object).map(plain)


def _merged_kind(kinds: Iterable[str]) -> str:
    found = set(kinds)
    if len(found) == 1:
        return found.pop()
    if found and found <= {"int", "float"}:
        return "float"
    return "text"


# --- the long table -----------------------------------------------------------------------


def _level(level: str) -> str:
    found = LEVELS.get(str(level).strip().casefold())
    if found is None:
        raise GeosozialError("store.level", level=level)
    return found


def long_table(frames: Mapping[int, gpd.GeoDataFrame], variables: Sequence[str], *,
               level: str, sources: Mapping[int, Mapping[str, str]] | None = None,
               stichtage: Mapping[int, str | Mapping[str, str]] | None = None,
               gebietsstand: str = "") -> pd.DataFrame:
    """The long rows of wide per-year frames: one row per key, year and variable.

    Parameters
    ----------
    frames : mapping of int to GeoDataFrame
        Per year a frame with ``key`` (AGS/ARS or Sozialraum name, text), ``name``, the
        geometry, each variable and its flag column ``<variable>_flag`` (a missing flag
        column means no flags). A variable missing in a year's frame gives no rows.
    variables : sequence of str
        The variables to store.
    level : str
        ``"Gemeinde"``, ``"Sozialraum"`` or ``"Kreis"`` (the whole area; case-insensitive,
        plural forms accepted).
    sources : mapping of int to (mapping of str to str), optional
        Per year the source file of each variable (``quelle``; empty when unknown).
    stichtage : mapping of int to (str or mapping of str to str), optional
        Per year the Stichtag of the tables (``stichtag``, e.g. ``"31.12.2023"``), or
        per year and variable (a variable not named gets ``""``).
    gebietsstand : str, optional
        The target Gebietsstand of all years (``gebietsstand``).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`LONG_COLUMNS`: ``schluessel`` (text, leading zeros kept),
        ``name``, ``ebene``, ``jahr`` (int), ``variable``, ``wert`` (float, NaN when
        missing or withheld: flags ``geheim``, ``.``, ``x``, ...), ``kennzeichen`` (the
        flag, ``""`` when none), ``quelle``, ``stichtag``, ``gebietsstand``,
        ``umgerechnet`` (True for the crosswalk flags ``umgeschluesselt`` and
        ``geschaetzt``). Rows are ordered by year, variable (sorted) and key (sorted),
        built without a loop over rows.

    Raises
    ------
    GeosozialError
        An unknown level, or a frame without ``key``.

    Examples
    --------
    >>> f = pd.DataFrame({"key": ["01001000", "01002000"], "name": ["A", "B"],
    ...                   "ew": [100.0, 7.0], "ew_flag": ["", "geheim"]})
    >>> t = long_table({2023: f}, ["ew"], level="Gemeinde", stichtage={2023: "31.12.2023"})
    >>> t[["schluessel", "jahr", "wert", "kennzeichen", "umgerechnet"]].values.tolist()
    [['01001000', 2023, 100.0, '', False], ['01002000', 2023, nan, 'geheim', False]]
    """
    ebene = _level(level)
    names = sorted(dict.fromkeys(str(v) for v in variables))
    sources = sources or {}
    stichtage = stichtage or {}
    parts: dict[str, list[np.ndarray]] = {c: [] for c in LONG_COLUMNS}
    for jahr in sorted(frames):
        frame = frames[jahr]
        if "key" not in frame.columns:
            raise GeosozialError("store.frame_columns", jahr=jahr, missing="key")
        keys = _text_values(frame["key"]).fillna("").to_numpy(dtype=object)
        order = np.argsort(keys.astype(str), kind="stable")
        keys = keys[order]
        labels = (_text_values(frame["name"]).fillna("").to_numpy(dtype=object)[order]
                  if "name" in frame.columns else np.full(len(keys), "", dtype=object))
        present = [v for v in names if v in frame.columns]
        if not present or not len(keys):
            continue
        n, width = len(keys), len(present)
        values = np.empty((width, n), dtype="float64")
        flags = np.empty((width, n), dtype=object)
        for i, v in enumerate(present):
            values[i] = pd.to_numeric(frame[v], errors="coerce").to_numpy(
                dtype="float64", na_value=np.nan)[order]
            fc = flag_column(v)
            flags[i] = (_text_values(frame[fc]).fillna("").to_numpy(dtype=object)[order]
                        if fc in frame.columns else "")
        flat_flags = flags.ravel()
        flat_values = values.ravel()
        flag_series = pd.Series(flat_flags, dtype=object)
        flat_values[flag_series.isin(WITHHELD_FLAGS).to_numpy()] = np.nan
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
        parts["umgerechnet"].append(flag_series.isin(CONVERTED_FLAGS).to_numpy())
    total = sum(len(p) for p in parts["jahr"])
    columns: dict[str, Any] = {}
    for c, kind in LONG_KINDS.items():
        if c == "ebene":
            columns[c] = np.full(total, ebene, dtype=object)
        elif c == "gebietsstand":
            columns[c] = np.full(total, str(gebietsstand or ""), dtype=object)
        elif parts[c]:
            columns[c] = np.concatenate(parts[c])
        else:
            columns[c] = np.array([], dtype={"int": "int64", "float": "float64",
                                             "bool": bool}.get(kind, object))
    return _frame(columns, LONG_KINDS)


_DTYPES = {"int": "int64", "float": "float64", "bool": "bool"}


def _normalise_long(long: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in LONG_COLUMNS if c not in long.columns]
    if missing:
        raise GeosozialError("store.long_columns", missing=", ".join(missing))
    columns = {}
    for c, kind in LONG_KINDS.items():
        values = long[c]
        if kind == "text":
            if not (_PANDAS_3 and values.dtype == "str" and not values.hasnans):
                values = _text_values(values).fillna("")
        elif kind == "bool":
            values = values.fillna(False).astype(bool)
        elif values.dtype == _DTYPES[kind]:
            columns[c] = values.reset_index(drop=True)
            continue
        columns[c] = _column(values.to_numpy(), kind) if kind != "text" or \
            values.dtype != "str" else values.reset_index(drop=True)
    return pd.DataFrame(columns)


#: ``fid`` of the long table: level code x 10^12 + year x 10^7 + row number (from 1) in
#: the order written; reading by ``fid`` gives level, year, then that order, and the rows of
#: one year are one range of ``fid``
_FID_LEVEL = 10**12
_FID_YEAR = 10**7
LEVEL_CODES = {"Gemeinde": 1, "Sozialraum": 2, "Kreis": 3}


def _fids(long: pd.DataFrame) -> np.ndarray:
    ebene = long["ebene"]
    index, uniques = pd.factorize(ebene)
    unknown = [u for u in uniques if u not in LEVEL_CODES]
    if unknown:
        raise GeosozialError("store.level", level=str(unknown[0]))
    codes = np.array([LEVEL_CODES[u] for u in uniques], dtype="int64")[index]
    group = codes * _FID_LEVEL + long["jahr"].to_numpy(dtype="int64") * _FID_YEAR
    number = pd.Series(group).groupby(group, sort=False).cumcount().to_numpy() + 1
    if len(number) and number.max() >= _FID_YEAR:
        raise GeosozialError("store.too_many", count=int(number.max()), limit=_FID_YEAR - 1)
    return group + number


def _fid_ranges(years: Sequence[int]) -> str:
    """SQL condition on ``fid`` for all rows of ``years`` (every level)."""
    parts = [f"(fid >= {code * _FID_LEVEL + int(y) * _FID_YEAR} AND fid < "
             f"{code * _FID_LEVEL + (int(y) + 1) * _FID_YEAR})"
             for code in sorted(LEVEL_CODES.values()) for y in years]
    return "(" + " OR ".join(parts) + ")" if parts else "(0)"


def _blocks(long: pd.DataFrame) -> list[tuple[int, int]]:
    """Runs of rows with the same level, year, variable, source, Stichtag and
    Gebietsstand (start, end)."""
    n = len(long)
    if not n:
        return []
    change = np.zeros(n, dtype=bool)
    change[0] = True
    for c in ("ebene", "jahr", "variable", "quelle", "stichtag", "gebietsstand"):
        a = long[c].to_numpy(dtype=object if LONG_KINDS[c] == "text" else None)
        change[1:] |= a[1:] != a[:-1]
    starts = np.flatnonzero(change)
    ends = np.append(starts[1:], n)
    return list(zip(starts.tolist(), ends.tolist(), strict=True))


def _literal(value: Any) -> str:
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    return "'" + str(value).replace("'", "''") + "'"


# --- layers -------------------------------------------------------------------------------


def _promote_to_multi(geoms: np.ndarray) -> np.ndarray:
    out = np.array(geoms, dtype=object)
    types = shapely.get_type_id(out)
    for single, make in ((0, shapely.multipoints), (1, shapely.multilinestrings),
                         (3, shapely.multipolygons)):
        index = np.flatnonzero(types == single)
        if index.size:
            out[index] = make(out[index], indices=np.arange(index.size))
    return out


def _datum(jahr: np.ndarray) -> np.ndarray:
    """The 31.12. of each year, as ``datetime64[ms]``."""
    days = (np.asarray(jahr, dtype="int64") - 1970 + 1).astype("datetime64[Y]").astype(
        "datetime64[D]") - np.timedelta64(1, "D")
    return days.astype("datetime64[ms]")


#: columns that are always text (keys, names, flags)
def _always_text(column: str) -> bool:
    return column in ("key", "name") or column.endswith(FLAG_SUFFIX)


def stack_years(frames: Mapping[int, gpd.GeoDataFrame], name: str = "layer") -> gpd.GeoDataFrame:
    """All years of one result layer in one frame, as the store keeps it.

    Parameters
    ----------
    frames : mapping of int to GeoDataFrame
        Per year the layer (same CRS every year; a column missing in a year is empty
        there).
    name : str, optional
        The layer's name (for messages).

    Returns
    -------
    geopandas.GeoDataFrame
        ``jahr`` (int), ``datum`` (the 31.12. of the year, ``datetime64[ms]``; stored as
        DATE), the frames' columns (``key``, ``name`` and ``*_flag`` as text) and
        ``geometry`` (promoted to Multi types), ordered by year and then as given; the CRS
        as EPSG code where one is found. This is what :func:`read_store` returns for the
        layer.

    Raises
    ------
    GeosozialError
        If the years have different coordinate systems.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> g = gpd.GeoDataFrame({"key": ["01001000"]}, geometry=[box(0, 0, 1, 1)], crs=25832)
    >>> s = stack_years({2022: g, 2021: g})
    >>> s[["jahr", "datum", "key"]].astype(str).values.tolist(), s.geom_type.iloc[0]
    ([['2021', '2021-12-31', '01001000'], ['2022', '2022-12-31', '01001000']], 'MultiPolygon')
    """
    return _stack(frames, name)[0]


def _stack(frames: Mapping[int, gpd.GeoDataFrame], name: str
           ) -> tuple[gpd.GeoDataFrame, dict[str, str]]:
    from pyproj import CRS

    years = sorted(frames)
    crs_list = [frames[y].crs for y in years]
    first = next((c for c in crs_list if c is not None), None)
    if any(c is not None and first is not None and not CRS(c).equals(CRS(first))
           for c in crs_list):
        raise GeosozialError("store.crs", layer=name,
                             crs=", ".join(sorted({str(CRS(c).to_string()) for c in crs_list
                                                   if c is not None})))
    crs = None
    if first is not None:
        epsg = CRS(first).to_epsg()
        crs = CRS.from_epsg(epsg) if epsg else CRS(first)
    found: dict[str, list[str]] = {}
    for y in years:
        f = frames[y]
        for c in f.columns:
            if c != f.geometry.name and c not in ("jahr", "datum"):
                found.setdefault(c, []).append("text" if _always_text(c) else
                                               _kind_of(f[c]))
    kinds = {"jahr": "int", "datum": "date", **{c: _merged_kind(k) for c, k in found.items()}}
    pieces = []
    for y in years:
        f = frames[y]
        n = len(f)
        data: dict[str, Any] = {"jahr": np.full(n, int(y), dtype="int64")}
        for c, kind in kinds.items():
            if c in ("jahr", "datum"):
                continue
            if c not in f.columns:
                data[c] = pd.Series([None] * n, dtype=object)
            elif kind == "text":
                data[c] = _text_values(f[c]).reset_index(drop=True)
            else:
                data[c] = f[c].reset_index(drop=True)
        plain = pd.DataFrame(data)
        plain["geometry"] = np.asarray(f.geometry.values, dtype=object)
        pieces.append(plain)
    joined = (pd.concat(pieces, ignore_index=True) if pieces else
              pd.DataFrame({**{c: [] for c in kinds if c != "datum"}, "geometry": []}))
    joined["datum"] = _datum(joined["jahr"].to_numpy(dtype="int64"))
    geoms = _promote_to_multi(joined["geometry"].to_numpy())
    data = {c: _column(joined[c], kind) for c, kind in kinds.items()}
    frame = gpd.GeoDataFrame(pd.DataFrame(data), geometry=gpd.GeoSeries(geoms, crs=crs),
                             crs=crs)
    return frame, kinds


def _prepare_layers(layers: Mapping[str, Mapping[int, gpd.GeoDataFrame]]
                    ) -> dict[str, tuple[gpd.GeoDataFrame, dict[str, str]]]:
    prepared = {}
    for name, frames in layers.items():
        if not _NAME.match(str(name)) or len(str(name)) > 50:
            raise GeosozialError("store.layer_name", name=name)
        prepared[str(name)] = _stack(frames, str(name))
    return prepared


def _geometry_type(geoms: gpd.GeoSeries) -> str:
    types = sorted(set(geoms.dropna().geom_type))
    return types[0] if len(types) == 1 else "Unknown"


# --- what changed -------------------------------------------------------------------------


def _variables_text(names: Iterable[str]) -> str:
    names = sorted(set(names))
    text, shown = "", 0
    for n in names:
        candidate = f"{text}, {n}" if text else n
        if len(candidate) > VARIABLES_TEXT_MAX:
            return f"{text} … (+{len(names) - shown})"
        text, shown = candidate, shown + 1
    return text


_KEYS = ["ebene", "jahr", "schluessel", "variable"]


def _changes(old: pd.DataFrame | None, new: pd.DataFrame, fids: np.ndarray,
             now: str) -> pd.DataFrame:
    """One row per (year, level) of the years written: rows before and after, values
    changed (value or flag differs; NaN equals NaN), added, removed, and the variables
    whose values changed.

    ``old``: the previous rows of these years (``fid``, ``schluessel``, ``variable``,
    ``wert``, ``kennzeichen``, in ``fid`` order); ``new`` the rows written and ``fids``
    their ``fid``. When both hold the same keys and variables in the same order (a re-run
    with the same areas), the rows are compared position by position; otherwise they are
    matched by level, year, key and variable.
    """
    g_new = fids // _FID_YEAR  # level code x 10^5 + year
    if old is None:
        old = _old_frame([])
    g_old = old["fid"].to_numpy(dtype="int64") // _FID_YEAR
    groups = np.union1d(g_new, g_old)
    before = pd.Series(g_old).value_counts()
    after = pd.Series(g_new).value_counts()
    changed = pd.Series(0, index=groups, dtype="int64")
    added = after.reindex(groups, fill_value=0) - 0
    removed = pd.Series(0, index=groups, dtype="int64")
    names: dict[int, str] = {}
    if len(old):
        order = np.argsort(fids, kind="stable")
        keys_new = new["schluessel"].to_numpy(dtype=object)[order]
        vars_new = new["variable"].to_numpy(dtype=object)[order]
        keys_old = old["schluessel"].to_numpy(dtype=object)
        vars_old = old["variable"].to_numpy(dtype=object)
        aligned = (len(old) == len(new) and np.array_equal(g_old, g_new[order])
                   and bool((keys_old == keys_new).all()) and bool((vars_old == vars_new).all()))
        if aligned:
            a = old["wert"].to_numpy(dtype="float64", na_value=np.nan)
            b = new["wert"].to_numpy(dtype="float64", na_value=np.nan)[order]
            flag_a = old["kennzeichen"].fillna("").to_numpy(dtype=object)
            flag_b = new["kennzeichen"].fillna("").to_numpy(dtype=object)[order]
            differs = ~((a == b) | (np.isnan(a) & np.isnan(b))) | (flag_a != flag_b)
            row_groups, row_vars = g_old, vars_old
            added = pd.Series(0, index=groups, dtype="int64")
        else:
            left = pd.DataFrame({"g": g_old, "schluessel": keys_old, "variable": vars_old,
                                 "wert": old["wert"].to_numpy(dtype="float64",
                                                              na_value=np.nan),
                                 "kennzeichen": old["kennzeichen"].fillna("").to_numpy(
                                     dtype=object)})
            right = pd.DataFrame({"g": g_new, "schluessel": new["schluessel"].to_numpy(
                dtype=object), "variable": new["variable"].to_numpy(dtype=object),
                "wert": new["wert"].to_numpy(dtype="float64", na_value=np.nan),
                "kennzeichen": new["kennzeichen"].fillna("").to_numpy(dtype=object)})
            merged = left.merge(right, on=["g", "schluessel", "variable"], how="outer",
                                suffixes=("_alt", "_neu"), indicator=True)
            both = (merged["_merge"] == "both").to_numpy()
            a = merged["wert_alt"].to_numpy(dtype="float64", na_value=np.nan)
            b = merged["wert_neu"].to_numpy(dtype="float64", na_value=np.nan)
            same = (a == b) | (np.isnan(a) & np.isnan(b))
            differs = both & (~same | (merged["kennzeichen_alt"].to_numpy(dtype=object)
                                       != merged["kennzeichen_neu"].to_numpy(dtype=object)))
            row_groups = merged["g"].to_numpy(dtype="int64")
            row_vars = merged["variable"].to_numpy(dtype=object)
            kinds = merged["_merge"].to_numpy(dtype=object)
            added = pd.Series(row_groups[kinds == "right_only"]).value_counts().reindex(
                groups, fill_value=0)
            removed = pd.Series(row_groups[kinds == "left_only"]).value_counts().reindex(
                groups, fill_value=0)
        changed = pd.Series(row_groups[differs]).value_counts().reindex(groups, fill_value=0)
        if differs.any():
            pairs = pd.DataFrame({"g": row_groups[differs], "v": row_vars[differs]})
            names = pairs.groupby("g")["v"].agg(_variables_text).to_dict()
    levels = {code: level for level, code in LEVEL_CODES.items()}
    rows: dict[str, list[Any]] = {c: [] for c in CHANGE_COLUMNS}
    for g in sorted(groups.tolist(), key=lambda g: (g % 10**5, g // 10**5)):
        rows["zeitpunkt"].append(now)
        rows["jahr"].append(int(g % 10**5))
        rows["ebene"].append(levels[int(g // 10**5)])
        rows["zeilen_vorher"].append(int(before.get(g, 0)))
        rows["zeilen_nachher"].append(int(after.get(g, 0)))
        rows["geaendert"].append(int(changed.get(g, 0)))
        rows["hinzugefuegt"].append(int(added.get(g, 0)))
        rows["entfernt"].append(int(removed.get(g, 0)))
        rows["variablen"].append(names.get(g, ""))
    return _frame(rows, CHANGE_KINDS)


def _meta_rows(meta: Mapping[str, Any] | None) -> list[tuple[str, str, str]]:
    rows = []
    for k, v in (meta or {}).items():
        if isinstance(v, str):
            rows.append((str(k), v, "text"))
        else:
            rows.append((str(k), json.dumps(v, ensure_ascii=False, default=str), "json"))
    return rows


def _now() -> str:
    return _dt.datetime.now().astimezone().isoformat(timespec="seconds")


def _check_years(target: str, long: pd.DataFrame, prepared: Mapping[str, Any],
                 years: Sequence[int]) -> None:
    wanted = set(years)
    extra = sorted(set(long["jahr"].unique().tolist()) - wanted)
    if extra:
        raise GeosozialError("store.years", target=target, what="die Zeitreihe",
                             extra=", ".join(map(str, extra)),
                             years=", ".join(map(str, sorted(wanted))))
    for name, (frame, _) in prepared.items():
        extra = sorted(set(frame["jahr"].unique().tolist()) - wanted)
        if extra:
            raise GeosozialError("store.years", target=target, what=f"der Layer {name}",
                                 extra=", ".join(map(str, extra)),
                                 years=", ".join(map(str, sorted(wanted))))
    duplicated = _duplicated(long)
    if duplicated.any():
        first = long.loc[int(np.argmax(duplicated)), _KEYS].tolist()
        raise GeosozialError("store.duplicates", count=int(duplicated.sum()),
                             example=" / ".join(map(str, first)))


def _duplicated(long: pd.DataFrame) -> np.ndarray:
    """Rows whose level, year, key and variable came before. Fast path: runs of one level,
    year and variable that do not repeat, each with distinct keys."""
    if not len(long):
        return np.zeros(0, dtype=bool)
    blocks = _blocks(long)
    heads = [s for s, _ in blocks]
    triples = list(zip(long["ebene"].to_numpy(dtype=object)[heads],
                       long["jahr"].to_numpy()[heads],
                       long["variable"].to_numpy(dtype=object)[heads], strict=True))
    if len(set(triples)) == len(triples):
        keys = long["schluessel"].to_numpy(dtype=object)
        if all(len(set(keys[s:e].tolist())) == e - s for s, e in blocks):
            return np.zeros(len(long), dtype=bool)
    code = np.zeros(len(long), dtype="int64")
    for c in _KEYS:
        codes, uniques = pd.factorize(long[c])
        code = code * (len(uniques) + 1) + codes
    return pd.Series(code).duplicated().to_numpy()


def _layout_error(target: str, table: str, found: Sequence[str], expected: Sequence[str]
                  ) -> GeosozialError:
    different = sorted(set(found) ^ set(expected)) or ["Typen/types"]
    return GeosozialError("store.layout", target=target, table=table,
                          found=", ".join(found), expected=", ".join(expected),
                          different=", ".join(different))


def _compare_layer(target: str, table: str, found: Mapping[str, str],
                   wanted: Mapping[str, str]) -> None:
    """The columns of an existing layer against those written (int may go into float)."""
    if set(found) != set(wanted):
        raise _layout_error(target, table, list(found), list(wanted))
    for c, kind in wanted.items():
        have = found[c]
        if have != kind and not (have == "float" and kind == "int"):
            raise _layout_error(target, table, [f"{n} ({k})" for n, k in found.items()],
                                [f"{n} ({k})" for n, k in wanted.items()])


# --- public entry points --------------------------------------------------------------------


def write_store(target: str | Path, long: pd.DataFrame,
                layers: Mapping[str, Mapping[int, gpd.GeoDataFrame]], *,
                years: Sequence[int], meta: Mapping[str, Any] | None = None) -> StoreReport:
    """Write the rows and layers of ``years`` into a store; other years are kept.

    Parameters
    ----------
    target : str or Path
        A GeoPackage path (``.gpkg``) or a URL
        ``postgresql://user:password@host:port/db`` (optionally ``?schema=name``, default
        :data:`DEFAULT_SCHEMA`).
    long : pandas.DataFrame
        The long rows (columns :data:`LONG_COLUMNS`, from :func:`long_table`; several
        levels concatenated), all of them in ``years``.
    layers : mapping of str to (mapping of int to GeoDataFrame)
        Per layer name (lower case, e.g. ``gemeinden``, ``sozialraeume``) the frame of each
        year; stored as ``<name>_jahre`` with all years (:func:`stack_years`).
    years : sequence of int
        The years written: every row of these years (long table and all layers) is
        replaced; a year without new rows is thereby removed.
    meta : mapping, optional
        Entries for ``metadaten`` (text as it is, anything else as JSON); later writes
        replace entries of the same name.

    Returns
    -------
    StoreReport
        The target, the years and the rows appended to ``aenderungen``.

    Raises
    ------
    GeosozialError
        A target that is neither, a GeoPackage that is not a store or a store whose
        tables have other columns (nothing is changed), years in ``long``/``layers``
        outside ``years``, duplicate rows; for PostGIS a server that cannot be reached
        or lacks PostGIS (the message names the URL without the password). On any error
        the previous store stays as it was.

    Examples
    --------
    >>> report = write_store("out/sozialdatenbank.gpkg", long_table(frames, ["ew"],
    ...     level="Gemeinde"), {"gemeinden": frames}, years=[2023])  # doctest: +SKIP
    >>> print(report.text())  # doctest: +SKIP
    2023 (Gemeinde): 11000 Werte neu
    """
    kind, where = _parse_target(target)
    shown = where.shown if isinstance(where, _Pg) else str(where)
    years = sorted({int(y) for y in years})
    rows = _normalise_long(long)
    prepared = _prepare_layers(layers)
    _check_years(shown, rows, prepared, years)
    fids = _fids(rows)
    now = _now()
    if kind == "gpkg":
        changes = _write_gpkg(where, rows, fids, prepared, years, meta, now)
    else:
        changes = _write_pg(where, rows, fids, prepared, years, meta, now)
    return StoreReport(shown, tuple(years), changes)


def read_store(target: str | Path) -> Store:
    """Read a store written by :func:`write_store` (GeoPackage or PostGIS).

    Parameters
    ----------
    target : str or Path
        As for :func:`write_store`.

    Returns
    -------
    Store
        ``.long``, ``.layers``, ``.changes``, ``.meta``: the same frames (dtypes, NaN,
        flags, keys with leading zeros, geometries) from either backend.

    Raises
    ------
    GeosozialError
        A missing store, a file that is not one, an unreachable server.

    Examples
    --------
    >>> store = read_store("out/sozialdatenbank.gpkg")  # doctest: +SKIP
    >>> sorted(store.layers), store.meta["jahre"]  # doctest: +SKIP
    (['gemeinden', 'sozialraeume'], [2021, 2022, 2023])
    """
    kind, where = _parse_target(target)
    if kind == "gpkg":
        return _read_gpkg(where)
    return _read_pg(where)


# --- targets ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Pg:
    conninfo: str
    schema: str
    shown: str
    password: str


def _parse_target(target: str | Path) -> tuple[str, Any]:
    text = str(target)
    if re.match(r"^postgres(ql)?://", text, re.IGNORECASE):
        parts = urlsplit(text)
        query = parse_qsl(parts.query, keep_blank_values=True)
        schema = next((v for k, v in query if k == "schema"), DEFAULT_SCHEMA) or DEFAULT_SCHEMA
        rest = [(k, v) for k, v in query if k != "schema"]
        password = unquote(parts.password or "")
        host = parts.hostname or ""
        netloc_host = f"[{host}]" if ":" in host else host
        port = f":{parts.port}" if parts.port else ""
        user = quote(unquote(parts.username), safe="") + "@" if parts.username else ""
        shown_query = urlencode([*rest, ("schema", schema)])
        shown = urlunsplit((parts.scheme, f"{user}{netloc_host}{port}", parts.path,
                            shown_query, ""))
        conninfo = urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(rest), ""))
        if not _SCHEMA.match(schema):
            raise GeosozialError("store.schema_name", target=shown, schema=schema)
        return "postgis", _Pg(conninfo, schema, shown, password)
    if text.lower().endswith(".gpkg"):
        return "gpkg", Path(target)
    raise GeosozialError("store.target", target=text)


# --- GeoPackage -------------------------------------------------------------------------


def _sqlite_columns(con: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in con.execute(f"PRAGMA table_info({_q(table)})") if r[1] != "fid"]


_OGR_KINDS = {"OFTString": "text", "OFTInteger": "int", "OFTInteger64": "int",
              "OFTReal": "float", "OFTDate": "date", "OFTDateTime": "datetime"}


def _gpkg_layer_kinds(path: Path, table: str) -> tuple[dict[str, str], Any]:
    info = pyogrio.read_info(path, layer=table)
    kinds = {}
    for name, ogr, sub in zip(info["fields"], info["ogr_types"], info["ogr_subtypes"],
                              strict=True):
        kinds[str(name)] = "bool" if sub == "OFSTBoolean" else _OGR_KINDS.get(ogr, "text")
    return kinds, info["crs"]


def _check_gpkg(path: Path, con: sqlite3.Connection,
                prepared: Mapping[str, tuple[gpd.GeoDataFrame, dict[str, str]]]) -> None:
    tables = _tables(con)
    if "gpkg_contents" not in tables or LONG_TABLE not in tables:
        raise GeosozialError("store.not_store", target=str(path),
                             reason=f"Tabelle/table {LONG_TABLE} fehlt/missing")
    for table, kinds in ((LONG_TABLE, LONG_KINDS), (CHANGES_TABLE, CHANGE_KINDS),
                         (META_TABLE, META_KINDS)):
        if table in tables:
            found = _sqlite_columns(con, table)
            if found != list(kinds):
                raise _layout_error(str(path), table, found, list(kinds))
    from pyproj import CRS

    for name, (frame, kinds) in prepared.items():
        table = name + LAYER_SUFFIX
        if table not in tables:
            continue
        found, crs = _gpkg_layer_kinds(path, table)
        _compare_layer(str(path), table, found, kinds)
        if frame.crs is not None and crs and not CRS(crs).equals(frame.crs):
            raise GeosozialError("store.layout_crs", target=str(path), table=table,
                                 found=str(crs), expected=frame.crs.to_string())


def _create_gpkg(path: Path) -> None:
    """A new GeoPackage (version 1.2) with the empty table ``metadaten``."""
    pyogrio.write_dataframe(
        pd.DataFrame({c: pd.Series([], dtype=object) for c in META_KINDS}), path,
        layer=META_TABLE, driver="GPKG", dataset_options={"VERSION": GPKG_VERSION},
        layer_options={"DESCRIPTION": "Metadaten der Sozialdatenbank (geosozial)"})


def _register(con: sqlite3.Connection, table: str, description: str) -> None:
    con.execute(
        "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, "
        "description, last_change, srs_id) VALUES (?, 'attributes', ?, ?, "
        "strftime('%Y-%m-%dT%H:%M:%fZ','now'), 0)", (table, table, description))


def _create_sqlite_tables(con: sqlite3.Connection) -> None:
    tables = _tables(con)
    if LONG_TABLE not in tables:
        columns = ", ".join(f"{_q(c)} {_GPKG_TYPES[k]}" for c, k in LONG_KINDS.items())
        con.execute(f"CREATE TABLE {LONG_TABLE} (fid INTEGER PRIMARY KEY NOT NULL, "
                    f"{columns})")
        _register(con, LONG_TABLE, "Zeitreihe (lang): ein Wert je Schlüssel, Jahr und "
                  "Variable, auf einem Gebietsstand")
    if CHANGES_TABLE not in tables:
        columns = ", ".join(f"{_q(c)} {_GPKG_TYPES[k]}" for c, k in CHANGE_KINDS.items())
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


def _count(con: sqlite3.Connection, table: str, change: int | None = None) -> None:
    """Feature count and last change of ``table`` in the GeoPackage's tables of contents;
    ``change``: rows added minus removed, applied to a known count (no full scan)."""
    if "gpkg_ogr_contents" in _tables(con):
        known = con.execute("SELECT feature_count FROM gpkg_ogr_contents WHERE "
                            "table_name = ?", (table,)).fetchone()
        if change is not None and known is not None and known[0] is not None:
            con.execute("UPDATE gpkg_ogr_contents SET feature_count = ? WHERE table_name = ?",
                        (int(known[0]) + change, table))
        else:
            con.execute("INSERT OR REPLACE INTO gpkg_ogr_contents (table_name, feature_count) "
                        f"VALUES (?, (SELECT count(*) FROM {_q(table)}))", (table,))
    con.execute("UPDATE gpkg_contents SET last_change = strftime('%Y-%m-%dT%H:%M:%fZ','now') "
                "WHERE table_name = ?", (table,))


def _present_years(con: sqlite3.Connection) -> list[int]:
    """The years in the long table, found by ``fid`` ranges (a few index look-ups)."""
    found: set[int] = set()
    start = 0
    while True:
        row = con.execute(f"SELECT min(fid) FROM {LONG_TABLE} WHERE fid >= ?",
                          (start,)).fetchone()
        if row is None or row[0] is None:
            return sorted(found)
        fid = int(row[0])
        year = fid % _FID_LEVEL // _FID_YEAR
        found.add(year)
        start = fid - fid % _FID_YEAR + _FID_YEAR


def _in(years: Sequence[int]) -> str:
    return "(" + ", ".join(str(int(y)) for y in years) + ")"


def _old_rows_sqlite(con: sqlite3.Connection, years: Sequence[int]) -> pd.DataFrame:
    cursor = con.execute(f"SELECT fid, schluessel, variable, wert, kennzeichen FROM "
                         f"{LONG_TABLE} WHERE {_fid_ranges(years)} ORDER BY fid")
    return _old_frame(cursor.fetchall())


def _old_frame(rows: Sequence[tuple]) -> pd.DataFrame:
    """The previous rows of the years written (``fid``, ``schluessel``, ``variable``,
    ``wert``, ``kennzeichen``), for :func:`_changes`."""
    columns = list(zip(*rows, strict=True)) if rows else [(), (), (), (), ()]
    return pd.DataFrame({
        "fid": np.array(columns[0], dtype="int64"),
        "schluessel": np.array(columns[1], dtype=object),
        "variable": np.array(columns[2], dtype=object),
        "wert": np.array(columns[3], dtype="float64"),
        "kennzeichen": np.array(columns[4], dtype=object)})


@contextmanager
def _bulk() -> Iterator[None]:
    """No garbage collection while millions of row tuples are made and taken apart (the
    collector would walk them again and again; none of them form cycles)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _array(values: Sequence[Any], kind: str) -> Any:
    """A fetched column as the array its kind starts from (fast paths for numbers)."""
    if kind == "float":
        return np.array(values, dtype="float64")  # None -> NaN
    if kind in ("int", "bool") and None not in values:
        return np.array(values, dtype="int64" if kind == "int" else bool)
    return np.array(values, dtype=object)


def _rows_frame(rows: list[tuple], kinds: Mapping[str, str]) -> pd.DataFrame:
    with _bulk():
        columns = list(zip(*rows, strict=True)) if rows else [()] * len(kinds)
        return _frame({name: _array(values, kind) for (name, kind), values
                       in zip(kinds.items(), columns, strict=True)}, kinds)


def _read_long_sqlite(con: sqlite3.Connection) -> pd.DataFrame:
    """The long table in ``fid`` order. Only the columns that vary from row to row are
    fetched row by row; level, year, variable, source, Stichtag and Gebietsstand are read
    once per run of equal values (a few hundred look-ups instead of millions of values)."""
    per_row = ("schluessel", "name", "wert", "kennzeichen", "umgerechnet")
    constant = ("ebene", "jahr", "variable", "quelle", "stichtag", "gebietsstand")
    with _bulk():
        rows = con.execute(f"SELECT fid, {', '.join(per_row)} FROM {LONG_TABLE} ORDER BY fid"
                           ).fetchall()
        columns = list(zip(*rows, strict=True)) if rows else [()] * (len(per_row) + 1)
        del rows
        fids = np.array(columns[0], dtype="int64")
        data = {c: _array(v, LONG_KINDS[c]) for c, v in zip(per_row, columns[1:], strict=True)}
        del columns
    starts, values = [], []
    same = " AND ".join(f"{_q(c)} IS ?" for c in constant)
    start = int(fids[0]) if len(fids) else None
    while start is not None:
        row = con.execute(f"SELECT {', '.join(constant)} FROM {LONG_TABLE} WHERE fid = ?",
                          (start,)).fetchone()
        starts.append(start)
        values.append(row)
        nxt = con.execute(f"SELECT fid FROM {LONG_TABLE} WHERE fid > ? AND NOT ({same}) "
                          "ORDER BY fid LIMIT 1", (start, *row)).fetchone()
        start = None if nxt is None else int(nxt[0])
    bounds = np.append(np.searchsorted(fids, starts), len(fids))
    counts = np.diff(bounds)
    for i, c in enumerate(constant):
        column = np.array([v[i] for v in values], dtype=object)
        data[c] = np.repeat(column, counts)
    return _frame(data, LONG_KINDS)


def _update_sqlite(path: Path, long: pd.DataFrame, fids: np.ndarray,
                   prepared: Mapping[str, Any],
                   years: Sequence[int], changes: pd.DataFrame,
                   meta: Mapping[str, Any] | None, now: str) -> None:
    con = sqlite3.connect(path, isolation_level=None)
    try:
        con.execute("PRAGMA journal_mode=OFF")  # a temporary copy: atomic by its rename
        con.execute("PRAGMA synchronous=OFF")
        con.execute("PRAGMA cache_size=-262144")  # 256 MB for the bulk insert
        con.execute("BEGIN")
        _create_sqlite_tables(con)
        removed = con.execute(f"DELETE FROM {LONG_TABLE} WHERE {_fid_ranges(years)}"
                              ).rowcount
        _insert_long_sqlite(con, long, fids)
        layer_tables = _gpkg_layer_tables(con)
        for table in layer_tables:
            if "jahr" in _sqlite_columns(con, table):
                con.execute(f"DELETE FROM {_q(table)} WHERE jahr IN {_in(years)}")
        _gpkg_functions(con)
        for name, (frame, kinds) in prepared.items():
            if name + LAYER_SUFFIX in layer_tables:
                _insert_layer_sqlite(con, name + LAYER_SUFFIX, frame, kinds)
        columns = ", ".join(_q(c) for c in CHANGE_COLUMNS)
        marks = ", ".join("?" * len(CHANGE_COLUMNS))
        con.executemany(f"INSERT INTO {CHANGES_TABLE} ({columns}) VALUES ({marks})",
                        changes.astype(object).itertuples(index=False, name=None))
        present = _present_years(con)
        entries = [*_meta_rows(meta), ("format", STORE_FORMAT, "text"),
                   ("jahre", json.dumps(present), "json"), ("aktualisiert", now, "text")]
        con.executemany(f"DELETE FROM {META_TABLE} WHERE name = ?", [(n,) for n, _, _ in
                                                                     entries])
        con.executemany(f"INSERT INTO {META_TABLE} (name, wert, typ) VALUES (?, ?, ?)",
                        entries)
        for name in prepared:
            table = name + LAYER_SUFFIX
            if table not in layer_tables:
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
        _count(con, LONG_TABLE, len(long) - removed)
        for table in (CHANGES_TABLE, META_TABLE, "layer_styles"):
            _count(con, table)
        con.execute("COMMIT")
    finally:
        con.close()


def _insert_long_sqlite(con: sqlite3.Connection, long: pd.DataFrame,
                        fids: np.ndarray) -> None:
    """Insert the rows block by block: the values constant in a block (level, year,
    variable, source, Stichtag, Gebietsstand) are literals of the statement, only fid,
    key, name, value and flag are bound (binding is most of the cost); ``umgerechnet``
    is computed from the flag where it follows the rule (else bound as well)."""
    fid = fids.tolist()
    flags = long["kennzeichen"]
    rule = bool((long["umgerechnet"].to_numpy() == flags.isin(CONVERTED_FLAGS).to_numpy())
                .all())
    bound = {c: (long[c].to_numpy(dtype=object).tolist() if LONG_KINDS[c] == "text"
                 else long[c].tolist()) for c in ("schluessel", "name", "wert", "kennzeichen")}
    if not rule:
        bound["umgerechnet"] = long["umgerechnet"].tolist()
    converted = ("?5 IN (" + ", ".join(_literal(f) for f in sorted(CONVERTED_FLAGS)) + ")"
                 if rule else "?5")
    constants = {c: long[c].to_numpy(dtype=object) for c in
                 ("ebene", "jahr", "variable", "quelle", "stichtag", "gebietsstand")}
    names = ", ".join(["fid", *LONG_COLUMNS])
    for start, end in _blocks(long):
        values = {c: _literal(constants[c][start]) for c in constants}
        row = ", ".join(["?1", "?2", "?3", values["ebene"], values["jahr"],
                         values["variable"], "?4", "?5", values["quelle"],
                         values["stichtag"], values["gebietsstand"], converted])
        if not rule:
            row = row.replace("?5 IN", "?6 IN").removesuffix("?5") + "?6"
        con.executemany(f"INSERT INTO {LONG_TABLE} ({names}) VALUES ({row})",
                        zip(fid[start:end], *(bound[c][start:end] for c in bound),
                            strict=True))


def _layer_fields(frame: gpd.GeoDataFrame, kinds: Mapping[str, str]
                  ) -> tuple[list[np.ndarray], list[np.ndarray | None]]:
    values, masks = [], []
    for c, kind in kinds.items():
        s = frame[c]
        mask = s.isna().to_numpy() if kind in ("int", "bool") and s.isna().any() else None
        if kind == "text":
            array = s.astype(object).where(s.notna(), None).to_numpy(dtype=object)
        elif kind == "int":
            array = s.fillna(0).to_numpy(dtype="int64") if mask is not None else \
                s.to_numpy(dtype="int64")
        elif kind == "bool":
            array = s.fillna(False).to_numpy(dtype=bool)
        elif kind == "float":
            array = s.to_numpy(dtype="float64", na_value=np.nan)
        elif kind == "date":
            array = s.to_numpy().astype("datetime64[D]")
        else:
            array = s.to_numpy().astype("datetime64[ms]")
        values.append(array)
        masks.append(mask)
    return values, masks


def _gpkg_blobs(geoms: np.ndarray, srs_id: int) -> list[bytes | None]:
    """GeoPackage geometry blobs: header with envelope (little endian) and WKB."""
    n = len(geoms)
    missing = pd.isna(geoms)
    empty = shapely.is_empty(geoms) & ~missing
    wkb = shapely.to_wkb(geoms, byte_order=1)
    header = np.zeros(n, dtype=[("magic", "S2"), ("version", "u1"), ("flags", "u1"),
                                ("srs", "<i4"), ("env", "<f8", (4,))])
    header["magic"] = b"GP"
    header["flags"] = np.where(empty, 0x11, 0x03)  # little endian; envelope xy or empty
    header["srs"] = srs_id
    bounds = shapely.bounds(geoms)
    header["env"] = bounds[:, [0, 2, 1, 3]]  # minx, maxx, miny, maxy
    raw = header.tobytes()
    size = header.dtype.itemsize
    return [None if missing[i] else
            (raw[i * size:i * size + 8] + wkb[i] if empty[i] else
             raw[i * size:(i + 1) * size] + wkb[i]) for i in range(n)]


def _envelope(blob: bytes | None, which: int) -> float | None:
    """One value of a blob's envelope (minx, maxx, miny, maxy), as the GeoPackage SQL
    functions ST_MinX ... of the spatial index triggers."""
    if blob is None or blob[3] & 0x10:
        return None
    if (blob[3] >> 1) & 0x07:
        return struct.unpack_from("<d" if blob[3] & 1 else ">d", blob, 8 + 8 * which)[0]
    flags = blob[3]
    offset = 8 + {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}.get((flags >> 1) & 0x07, 0)
    minx, miny, maxx, maxy = shapely.from_wkb(bytes(blob[offset:])).bounds
    return (minx, maxx, miny, maxy)[which]


def _gpkg_functions(con: sqlite3.Connection) -> None:
    """The SQL functions the GeoPackage spatial-index triggers call (GDAL has them, plain
    SQLite does not)."""
    con.create_function("ST_IsEmpty", 1, lambda b: None if b is None else
                        int(bool(b[3] & 0x10)), deterministic=True)
    for i, name in enumerate(("ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY")):
        con.create_function(name, 1, lambda b, i=i: _envelope(b, i), deterministic=True)


def _sqlite_values(series: pd.Series, kind: str) -> list[Any]:
    missing = series.isna().to_numpy()
    if kind == "text":
        values = series.astype(object).to_numpy(dtype=object)
    elif kind == "int":
        values = np.array(series.fillna(0).astype("int64").tolist(), dtype=object)
    elif kind == "bool":
        values = np.array(series.fillna(False).astype(bool).astype("int64").tolist(),
                          dtype=object)
    elif kind == "float":
        return series.to_numpy(dtype="float64", na_value=np.nan).tolist()  # NaN is NULL
    elif kind == "date":
        values = np.datetime_as_string(series.to_numpy().astype("datetime64[D]")).astype(
            object)
    else:
        values = np.datetime_as_string(series.to_numpy().astype("datetime64[ms]")).astype(
            object)
    if missing.any():
        values[missing] = None
    return values.tolist()


def _create_layer_gpkg(path: Path, table: str, frame: gpd.GeoDataFrame,
                       kinds: Mapping[str, str]) -> None:
    """The empty layer, made by GDAL (table, spatial index, triggers, registration)."""
    empty = frame.iloc[:0]
    values, _ = _layer_fields(empty, kinds)
    crs = frame.crs.to_wkt() if frame.crs is not None else None
    pyogrio.raw.write(path, np.array([], dtype=object), values, list(kinds), layer=table,
                      driver="GPKG", geometry_type=_geometry_type(frame.geometry), crs=crs,
                      encoding="UTF-8", promote_to_multi=False, layer_options={
                          "DESCRIPTION": "Ergebnisse je Jahr (geosozial); Zeitsteuerung über "
                          "datum"})


@contextmanager
def _bulk_triggers_off(con: sqlite3.Connection, table: str) -> Iterator[None]:
    """GDAL's per-row insert triggers of ``table`` (spatial index, feature count) dropped
    for a bulk insert that fills both itself, and re-created verbatim afterwards (as GDAL
    does in its own bulk writes)."""
    triggers = con.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ? AND "
        "(name LIKE 'rtree%insert' OR name LIKE 'trigger_insert_feature_count%')",
        (table,)).fetchall()
    for name, _ in triggers:
        con.execute(f"DROP TRIGGER {_q(name)}")
    yield
    for _, sql_text in triggers:
        con.execute(sql_text)


def _insert_layer_sqlite(con: sqlite3.Connection, table: str, frame: gpd.GeoDataFrame,
                         kinds: Mapping[str, str]) -> None:
    """Append the features with plain SQL: the rows, their entries in the spatial index
    (``rtree_<table>_<geom>``), the feature count and the extent in gpkg_contents."""
    if not len(frame):
        return
    geom, srs_id = con.execute("SELECT column_name, srs_id FROM gpkg_geometry_columns WHERE "
                               "table_name = ?", (table,)).fetchone()
    columns = [c for c in _sqlite_columns(con, table) if c != geom]
    data = [_sqlite_values(frame[c], kinds[c]) for c in columns]
    geoms = np.asarray(frame.geometry.values, dtype=object)
    blobs = _gpkg_blobs(geoms, int(srs_id))
    first = con.execute(f"SELECT max(coalesce((SELECT max(fid) FROM {_q(table)}), 0), "
                        "coalesce((SELECT seq FROM sqlite_sequence WHERE name = ?), 0))",
                        (table,)).fetchone()[0] + 1
    fids = np.arange(first, first + len(frame), dtype="int64")
    names = ", ".join(_q(c) for c in ["fid", *columns, geom])
    marks = ", ".join("?" * (len(columns) + 2))
    rtree = f"rtree_{table}_{geom}"
    has_rtree = con.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (rtree,)).fetchone()
    with _bulk_triggers_off(con, table):
        con.executemany(f"INSERT INTO {_q(table)} ({names}) VALUES ({marks})",
                        zip(fids.tolist(), *data, blobs, strict=True))
        if has_rtree:
            bounds = shapely.bounds(geoms)
            keep = ~np.isnan(bounds).any(axis=1)
            con.executemany(f"INSERT OR REPLACE INTO {_q(rtree)} VALUES (?, ?, ?, ?, ?)",
                            zip(fids[keep].tolist(), bounds[keep, 0].tolist(),
                                bounds[keep, 2].tolist(), bounds[keep, 1].tolist(),
                                bounds[keep, 3].tolist(), strict=True))
        _count(con, table, len(frame))
    minx, miny, maxx, maxy = (float(v) for v in frame.geometry.total_bounds)
    if all(v == v for v in (minx, miny, maxx, maxy)):
        con.execute("UPDATE gpkg_contents SET min_x = min(coalesce(min_x, ?1), ?1), "
                    "min_y = min(coalesce(min_y, ?2), ?2), max_x = max(coalesce(max_x, ?3), "
                    "?3), max_y = max(coalesce(max_y, ?4), ?4), last_change = "
                    "strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE table_name = ?5",
                    (minx, miny, maxx, maxy, table))


def _write_gpkg(path: Path, long: pd.DataFrame, fids: np.ndarray, prepared: Mapping[str, Any],
                years: Sequence[int], meta: Mapping[str, Any] | None, now: str
                ) -> pd.DataFrame:
    check_outputs([Output("database", path, "gpkg")])
    existing = path.exists()
    old = None
    with no_side_files():
        if existing:
            with _read_only(path) as con:
                _check_gpkg(path, con, prepared)
                old = _old_rows_sqlite(con, years)
                layer_tables = set(_gpkg_layer_tables(con))
        else:
            layer_tables = set()
        changes = _changes(old, long, fids, now)
        options = {"OGR_SQLITE_JOURNAL": "OFF", "OGR_SQLITE_SYNCHRONOUS": "OFF"}
        with atomic_path(path) as tmp:
            pyogrio.set_gdal_config_options(options)
            try:
                if existing:
                    shutil.copyfile(path, tmp)
                else:
                    _create_gpkg(tmp)
                for name, (frame, kinds) in prepared.items():
                    table = name + LAYER_SUFFIX
                    if table not in layer_tables and len(frame):
                        _create_layer_gpkg(tmp, table, frame, kinds)
                _update_sqlite(tmp, long, fids, prepared, years, changes, meta, now)
            finally:
                pyogrio.set_gdal_config_options({k: None for k in options})
    return changes


def _read_gpkg(path: Path) -> Store:
    if not path.exists():
        raise GeosozialError("store.missing", target=str(path))
    with no_side_files(), _read_only(path) as con:
        tables = _tables(con)
        if LONG_TABLE not in tables:
            raise GeosozialError("store.not_store", target=str(path),
                                 reason=f"Tabelle/table {LONG_TABLE} fehlt/missing")
        long = _read_long_sqlite(con)
        changes = _rows_frame(con.execute(
            f"SELECT {', '.join(CHANGE_COLUMNS)} FROM {CHANGES_TABLE} ORDER BY fid"
        ).fetchall(), CHANGE_KINDS) if CHANGES_TABLE in tables else _rows_frame([],
                                                                              CHANGE_KINDS)
        meta = _meta_dict(con.execute(f"SELECT name, wert, typ FROM {META_TABLE} ORDER BY "
                                      "name").fetchall()) if META_TABLE in tables else {}
        layer_tables = _gpkg_layer_tables(con)
        layers = {}
        for table in layer_tables:
            kinds, _ = _gpkg_layer_kinds(path, table)
            raw = pyogrio.read_dataframe(path, layer=table)
            layers[table[:-len(LAYER_SUFFIX)]] = _layer_frame(raw, kinds, raw.crs)
    return Store(long, layers, changes, meta)


def _layer_frame(raw: pd.DataFrame, kinds: Mapping[str, str], crs: Any) -> gpd.GeoDataFrame:
    """A stored layer as :func:`stack_years` builds it: by year, then as written."""
    order = np.argsort(raw["jahr"].to_numpy(dtype="int64"), kind="stable")
    raw = raw.iloc[order].reset_index(drop=True)
    data = {c: _column(_text_values(raw[c]).to_numpy() if kind == "text" else raw[c], kind)
            for c, kind in kinds.items()}
    geoms = np.asarray(raw["geometry"].values, dtype=object)
    from pyproj import CRS

    if crs is not None:
        epsg = CRS(crs).to_epsg()
        crs = CRS.from_epsg(epsg) if epsg else CRS(crs)
    return gpd.GeoDataFrame(pd.DataFrame(data), geometry=gpd.GeoSeries(geoms, crs=crs),
                            crs=crs)


# --- PostGIS ----------------------------------------------------------------------------


def _psycopg(pg: _Pg) -> Any:
    try:
        import psycopg
    except ImportError:
        raise GeosozialError("store.no_psycopg", target=pg.shown) from None
    return psycopg


def _reason(exc: BaseException, pg: _Pg) -> str:
    text = " ".join(str(exc).split()).rstrip(".?! ") or type(exc).__name__
    if pg.password:
        text = text.replace(pg.password, "***")
    return text


@contextmanager
def _connect(pg: _Pg) -> Iterator[Any]:
    psycopg = _psycopg(pg)
    options: dict[str, Any] = {"application_name": "geosozial"}
    if "connect_timeout" not in pg.conninfo:
        options["connect_timeout"] = 10
    try:
        con = psycopg.connect(pg.conninfo, **options)
    except psycopg.Error as exc:
        raise GeosozialError("store.pg_unreachable", target=pg.shown,
                             reason=_reason(exc, pg)) from None
    try:
        yield con
    except psycopg.OperationalError as exc:
        raise GeosozialError("store.pg_failed", target=pg.shown,
                             reason=_reason(exc, pg)) from None
    finally:
        con.close()


def _ensure_postgis(con: Any, pg: _Pg, create: bool) -> None:
    psycopg = _psycopg(pg)
    if con.execute("SELECT 1 FROM pg_extension WHERE extname = 'postgis'").fetchone():
        return
    reason = "CREATE EXTENSION postgis"
    if create:
        try:
            with con.transaction():
                con.execute("CREATE EXTENSION IF NOT EXISTS postgis")
            return
        except psycopg.Error as exc:
            reason = _reason(exc, pg)
    raise GeosozialError("store.pg_no_postgis", target=pg.shown, reason=reason)


def _pg_columns(con: Any, schema: str) -> dict[str, dict[str, str]]:
    """Columns (name -> data type) of every table in ``schema``, in table order."""
    found: dict[str, dict[str, str]] = {}
    for table, column, dtype in con.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = %s ORDER BY table_name, ordinal_position", (schema,)):
        found.setdefault(table, {})[column] = dtype
    return found


_PG_KINDS = {"text": "text", "character varying": "text", "character": "text",
             "bigint": "int", "integer": "int", "smallint": "int", "double precision": "float",
             "real": "float", "numeric": "float", "boolean": "bool", "date": "date",
             "timestamp without time zone": "datetime"}


def _pg_layer_kinds(columns: Mapping[str, str]) -> dict[str, str]:
    return {c: _PG_KINDS.get(t, "text") for c, t in columns.items()
            if c not in ("fid", "geom") and t != "USER-DEFINED"}


def _pg_layer_tables(con: Any, schema: str) -> dict[str, tuple[str, int]]:
    return {r[0]: (r[1], int(r[2])) for r in con.execute(
        "SELECT f_table_name, f_geometry_column, srid FROM geometry_columns WHERE "
        "f_table_schema = %s ORDER BY f_table_name", (schema,))
        if r[0].endswith(LAYER_SUFFIX)}


def _check_pg(pg: _Pg, columns: Mapping[str, Mapping[str, str]],
              geometry: Mapping[str, tuple[str, int]],
              prepared: Mapping[str, tuple[gpd.GeoDataFrame, dict[str, str]]]) -> None:
    for table, kinds in ((LONG_TABLE, LONG_KINDS), (CHANGES_TABLE, CHANGE_KINDS),
                         (META_TABLE, META_KINDS)):
        if table in columns:
            found = [c for c in columns[table] if c != "fid"]
            if found != list(kinds):
                raise _layout_error(pg.shown, f"{pg.schema}.{table}", found, list(kinds))
    for name, (frame, kinds) in prepared.items():
        table = name + LAYER_SUFFIX
        if table not in columns:
            continue
        _compare_layer(pg.shown, f"{pg.schema}.{table}", _pg_layer_kinds(columns[table]),
                       kinds)
        srid = geometry.get(table, ("geom", 0))[1]
        if frame.crs is not None and srid != (frame.crs.to_epsg() or -1):
            raise GeosozialError("store.layout_crs", target=pg.shown,
                                 table=f"{pg.schema}.{table}", found=f"EPSG:{srid}",
                                 expected=frame.crs.to_string())


def _pg_python(values: pd.Series, kind: str) -> list[Any]:
    """Values as Python objects for COPY (None for missing)."""
    missing = values.isna().to_numpy()
    if kind == "text":
        out = values.astype(object).to_numpy(dtype=object)
    elif kind == "int":
        out = np.array(values.fillna(0).astype("int64").tolist(), dtype=object)
    elif kind == "float":
        out = np.array(values.to_numpy(dtype="float64", na_value=np.nan).tolist(), dtype=object)
    elif kind == "bool":
        out = np.array(values.fillna(False).astype(bool).tolist(), dtype=object)
    elif kind == "date":
        out = np.array([t.date() if t is not pd.NaT else None
                        for t in pd.to_datetime(values)], dtype=object)
    else:
        out = np.array([t.to_pydatetime() if t is not pd.NaT else None
                        for t in pd.to_datetime(values)], dtype=object)
    if missing.any():
        out = out.copy()
        out[missing] = None
    return out.tolist()


def _copy_rows(cur: Any, sql_copy: Any, types: Sequence[str],
               columns: Sequence[list[Any]]) -> None:
    with cur.copy(sql_copy) as copy:
        copy.set_types(list(types))
        for row in zip(*columns, strict=True):
            copy.write_row(row)


def _write_pg(pg: _Pg, long: pd.DataFrame, fids: np.ndarray, prepared: Mapping[str, Any],
              years: Sequence[int],
              meta: Mapping[str, Any] | None, now: str) -> pd.DataFrame:
    psycopg = _psycopg(pg)
    from psycopg import sql

    schema = sql.Identifier(pg.schema)

    def ident(table: str) -> Any:
        return sql.Identifier(pg.schema, table)

    with _connect(pg) as con:
        with con.transaction(), con.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", ("geosozial." + pg.schema,))
            _ensure_postgis(con, pg, create=True)
            try:
                with con.transaction():
                    cur.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(schema))
            except psycopg.errors.InsufficientPrivilege as exc:
                raise GeosozialError("store.pg_failed", target=pg.shown,
                                     reason=_reason(exc, pg)) from None
            columns = _pg_columns(con, pg.schema)
            geometry = _pg_layer_tables(con, pg.schema)
            _check_pg(pg, columns, geometry, prepared)
            if LONG_TABLE not in columns:
                cols = sql.SQL(", ").join(
                    sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(
                        "integer" if c == "jahr" else _PG_TYPES[k]))
                    for c, k in LONG_KINDS.items())
                cur.execute(sql.SQL("CREATE TABLE {} (fid bigint PRIMARY KEY, {})").format(
                    ident(LONG_TABLE), cols))
            if CHANGES_TABLE not in columns:
                cols = sql.SQL(", ").join(
                    sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(_PG_TYPES[k]))
                    for c, k in CHANGE_KINDS.items())
                cur.execute(sql.SQL("CREATE TABLE {} (fid bigint GENERATED BY DEFAULT AS "
                                    "IDENTITY PRIMARY KEY, {})").format(ident(CHANGES_TABLE),
                                                                         cols))
            if META_TABLE not in columns:
                cur.execute(sql.SQL("CREATE TABLE {} (fid bigint GENERATED BY DEFAULT AS "
                                    "IDENTITY PRIMARY KEY, name text UNIQUE, wert text, "
                                    "typ text)").format(ident(META_TABLE)))
            cur.execute(sql.SQL("SELECT fid, schluessel, variable, wert, kennzeichen FROM {} "
                                "WHERE {} ORDER BY fid").format(
                ident(LONG_TABLE), sql.SQL(_fid_ranges(years))))
            old = _old_frame(cur.fetchall())
            changes = _changes(old, long, fids, now)
            cur.execute(sql.SQL("DELETE FROM {} WHERE {}").format(
                ident(LONG_TABLE), sql.SQL(_fid_ranges(years))))
            _copy_rows(cur, sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(
                ident(LONG_TABLE), sql.SQL(", ").join(map(sql.Identifier,
                                                          ["fid", *LONG_COLUMNS]))),
                ["int8", *["int4" if c == "jahr" else _PG_COPY_TYPES[k]
                           for c, k in LONG_KINDS.items()]],
                [fids.tolist(), *[_pg_python(long[c], k) for c, k in LONG_KINDS.items()]])
            for table in geometry:
                cur.execute(sql.SQL("DELETE FROM {} WHERE jahr = ANY(%s)").format(
                    ident(table)), (list(years),))
            for name, (frame, kinds) in prepared.items():
                _write_layer_pg(cur, pg, sql, name + LAYER_SUFFIX, frame, kinds,
                                exists=name + LAYER_SUFFIX in columns)
            _copy_rows(cur, sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(
                ident(CHANGES_TABLE), sql.SQL(", ").join(map(sql.Identifier,
                                                              CHANGE_COLUMNS))),
                [_PG_COPY_TYPES[k] for k in CHANGE_KINDS.values()],
                [_pg_python(changes[c], k) for c, k in CHANGE_KINDS.items()])
            cur.execute(sql.SQL("SELECT DISTINCT jahr FROM {} ORDER BY jahr").format(
                ident(LONG_TABLE)))
            present = [int(r[0]) for r in cur.fetchall()]
            entries = [*_meta_rows(meta), ("format", STORE_FORMAT, "text"),
                       ("jahre", json.dumps(present), "json"), ("aktualisiert", now, "text")]
            cur.executemany(sql.SQL(
                "INSERT INTO {} (name, wert, typ) VALUES (%s, %s, %s) ON CONFLICT (name) DO "
                "UPDATE SET wert = EXCLUDED.wert, typ = EXCLUDED.typ").format(
                    ident(META_TABLE)), entries)
    return changes


def _write_layer_pg(cur: Any, pg: _Pg, sql: Any, table: str, frame: gpd.GeoDataFrame,
                    kinds: Mapping[str, str], exists: bool) -> None:
    target = sql.Identifier(pg.schema, table)
    epsg = frame.crs.to_epsg() if frame.crs is not None else 0
    if frame.crs is not None and not epsg:
        raise GeosozialError("store.crs_epsg", layer=table, crs=frame.crs.to_string())
    gtype = _geometry_type(frame.geometry)
    gtype = "Geometry" if gtype == "Unknown" else gtype
    if not exists:
        cols = sql.SQL(", ").join(sql.SQL("{} {}").format(sql.Identifier(c),
                                                          sql.SQL(_PG_TYPES[k]))
                                  for c, k in kinds.items())
        cur.execute(sql.SQL("CREATE TABLE {} (fid bigint GENERATED BY DEFAULT AS IDENTITY "
                            "PRIMARY KEY, {}, geom geometry({}, {}))").format(
            target, cols, sql.SQL(gtype), sql.Literal(int(epsg or 0))))
        cur.execute(sql.SQL("CREATE INDEX {} ON {} USING GIST (geom)").format(
            sql.Identifier(f"{table}_geom_idx"), target))
        cur.execute(sql.SQL("CREATE INDEX {} ON {} (jahr)").format(
            sql.Identifier(f"{table}_jahr_idx"), target))
    if not len(frame):
        return
    staging = sql.Identifier(f"_geosozial_neu_{table}")
    cols = sql.SQL(", ").join(sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(_PG_TYPES[k]))
                              for c, k in kinds.items())
    cur.execute(sql.SQL("CREATE TEMP TABLE {} (nr bigint, {}, wkb bytea) ON COMMIT DROP"
                        ).format(staging, cols))
    names = sql.SQL(", ").join(map(sql.Identifier, kinds))
    wkb = shapely.to_wkb(np.asarray(frame.geometry.values, dtype=object)).tolist()
    _copy_rows(cur, sql.SQL("COPY {} (nr, {}, wkb) FROM STDIN (FORMAT BINARY)").format(
        staging, names), ["int8", *[_PG_COPY_TYPES[k] for k in kinds.values()], "bytea"],
        [list(range(len(frame))), *[_pg_python(frame[c], k) for c, k in kinds.items()], wkb])
    cur.execute(sql.SQL("INSERT INTO {} ({}, geom) SELECT {}, ST_GeomFromWKB(wkb, {}) FROM {} "
                        "ORDER BY nr").format(target, names, names,
                                               sql.Literal(int(epsg or 0)), staging))


def _read_pg(pg: _Pg) -> Store:
    from psycopg import sql

    def ident(table: str) -> Any:
        return sql.Identifier(pg.schema, table)

    with _connect(pg) as con, con.cursor() as cur:
        columns = _pg_columns(con, pg.schema)
        if LONG_TABLE not in columns:
            raise GeosozialError("store.missing", target=pg.shown)
        _ensure_postgis(con, pg, create=False)
        cur.execute(sql.SQL("SELECT {} FROM {} ORDER BY fid").format(
            sql.SQL(", ").join(map(sql.Identifier, LONG_COLUMNS)), ident(LONG_TABLE)))
        long = _rows_frame(cur.fetchall(), LONG_KINDS)
        cur.execute(sql.SQL("SELECT {} FROM {} ORDER BY fid").format(
            sql.SQL(", ").join(map(sql.Identifier, CHANGE_COLUMNS)), ident(CHANGES_TABLE)))
        changes = _rows_frame(cur.fetchall(), CHANGE_KINDS)
        cur.execute(sql.SQL("SELECT name, wert, typ FROM {} ORDER BY name").format(
            ident(META_TABLE)))
        meta = _meta_dict(cur.fetchall())
        layers = {}
        for table, (geom, srid) in _pg_layer_tables(con, pg.schema).items():
            kinds = _pg_layer_kinds(columns[table])
            cur.execute(sql.SQL("SELECT {}, ST_AsBinary({}) FROM {} ORDER BY jahr, fid").format(
                sql.SQL(", ").join(map(sql.Identifier, kinds)), sql.Identifier(geom),
                ident(table)))
            rows = cur.fetchall()
            data = list(zip(*rows, strict=True)) if rows else [()] * (len(kinds) + 1)
            raw = pd.DataFrame({c: pd.Series(list(v), dtype=object)
                                for c, v in zip(kinds, data[:-1], strict=True)})
            raw["geometry"] = shapely.from_wkb([bytes(b) if b is not None else None
                                                for b in data[-1]])
            layers[table[:-len(LAYER_SUFFIX)]] = _layer_frame(
                raw, kinds, f"EPSG:{srid}" if srid else None)
    return Store(long, layers, changes, meta)


