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
import sqlite3
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
import shapely

from geosozial.core.columns import FLAG_SUFFIX, flag_column
from geosozial.core.gpkg_write import Srs
from geosozial.core.messages import GeosozialError, define
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
from geosozial.core.store_write import (  # noqa: F401  (the write, one home)
    CHANGE_COLUMNS,
    CHANGE_KINDS,
    CONVERTED_FLAGS,
    LEVEL_CODES,
    META_KINDS,
    STYLE_NAME,
    TEMPORAL_QML,
    WITHHELD_FLAGS,
    LayerRows,
    changes_text,
    check_years,
    compare_layer,
    fid_ranges,
    fids,
    layout_error,
    long_rows,
    meta_rows,
    now,
    old_rows,
    write_store_gpkg,
)
from geosozial.core.store_write import changes as compute_changes
from geosozial.geo.gpkg import no_side_files

__all__ = ["CHANGE_COLUMNS", "DEFAULT_NAME", "DEFAULT_SCHEMA", "LONG_COLUMNS", "Store",
           "StoreReport", "long_table", "read_store", "stack_years", "write_store"]

#: PostgreSQL schema when the URL names none (``?schema=...``)
DEFAULT_SCHEMA = "geosozial"

#: columns of ``aenderungen`` (one row per year and level of a write)


#: the levels (``ebene``) of the long table
LEVELS = {"gemeinde": "Gemeinde", "gemeinden": "Gemeinde", "sozialraum": "Sozialraum",
          "sozialraeume": "Sozialraum", "sozialräume": "Sozialraum", "kreis": "Kreis"}

#: flags of values brought onto the Gebietsstand through a crosswalk
#: longest text of variable names in ``aenderungen.variablen``

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
#: name of the style geosozial writes (a style of the user's own is never replaced)

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
define("store.long_columns",
       de="Die Zeitreihe hat nicht die Spalten der Sozialdatenbank: es fehlen {missing}.",
       en="the long table lacks the columns of the time-series store: {missing}.")
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
        return changes_text(self.target, {c: self.changes[c].tolist()
                                          for c in CHANGE_COLUMNS}, lang)


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
    from geosozial.geo.frames import to_columns

    for jahr, frame in frames.items():
        if "key" not in frame.columns:
            raise GeosozialError("store.frame_columns", jahr=jahr, missing="key")
    wanted = {str(v) for v in variables} | {flag_column(str(v)) for v in variables}
    columns = {jahr: to_columns(frame[[c for c in frame.columns
                                       if c in wanted or c in ("key", "name")]])
               for jahr, frame in frames.items()}
    return _frame(long_rows(columns, variables, level=_level(level), sources=sources,
                            stichtage=stichtage, gebietsstand=gebietsstand), LONG_KINDS)


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




_KEYS = ["ebene", "jahr", "schluessel", "variable"]
















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
    arrays = _long_arrays(rows)
    check_years(shown, arrays, {name: frame["jahr"].to_numpy(dtype="int64")
                                for name, (frame, _) in prepared.items()}, years)
    if kind == "gpkg":
        written = write_store_gpkg(where, arrays, {
            name: _layer_rows(frame, kinds) for name, (frame, kinds) in prepared.items()},
            years=years, meta=meta)
    else:
        written = _write_pg(where, rows, fids(arrays), prepared, years, meta, now())
    return StoreReport(shown, tuple(years), _frame(written, CHANGE_KINDS))


def _long_arrays(rows: pd.DataFrame) -> dict[str, np.ndarray]:
    """The normalised long rows as the arrays of :mod:`geosozial.core.store_write`."""
    return {c: rows[c].to_numpy(dtype=object) if kind == "text" else rows[c].to_numpy()
            for c, kind in LONG_KINDS.items()}


def _srs(crs: Any) -> Srs | None:
    """A frame's CRS as a GeoPackage SRS row (EPSG code where there is one)."""
    if crs is None:
        return None
    from pyproj import CRS

    found = CRS(crs)
    epsg = found.to_epsg()
    definition = found.to_wkt("WKT1_GDAL") or found.to_wkt()
    if epsg:
        return Srs(int(epsg), "EPSG", int(epsg), found.name, definition)
    return Srs(100000, "NONE", 100000, found.name, definition)


def _layer_rows(frame: gpd.GeoDataFrame, kinds: Mapping[str, str]) -> LayerRows:
    """A stacked layer (:func:`stack_years`) as SQL values, WKB and bounds."""
    geoms = np.asarray(frame.geometry.values, dtype=object)
    wkb = shapely.to_wkb(geoms, byte_order=1)
    kind = _geometry_type(frame.geometry)
    return LayerRows(dict(kinds), {c: _sqlite_values(frame[c], k) for c, k in kinds.items()},
                     [None if w is None else bytes(w) for w in wkb],
                     shapely.bounds(geoms), "GEOMETRY" if kind == "Unknown" else kind.upper(),
                     _srs(frame.crs))


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




_OGR_KINDS = {"OFTString": "text", "OFTInteger": "int", "OFTInteger64": "int",
              "OFTReal": "float", "OFTDate": "date", "OFTDateTime": "datetime"}


def _gpkg_layer_kinds(path: Path, table: str) -> tuple[dict[str, str], Any]:
    info = pyogrio.read_info(path, layer=table)
    kinds = {}
    for name, ogr, sub in zip(info["fields"], info["ogr_types"], info["ogr_subtypes"],
                              strict=True):
        kinds[str(name)] = "bool" if sub == "OFSTBoolean" else _OGR_KINDS.get(ogr, "text")
    return kinds, info["crs"]




















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
                raise layout_error(pg.shown, f"{pg.schema}.{table}", found, list(kinds))
    for name, (frame, kinds) in prepared.items():
        table = name + LAYER_SUFFIX
        if table not in columns:
            continue
        compare_layer(pg.shown, f"{pg.schema}.{table}", _pg_layer_kinds(columns[table]),
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
                ident(LONG_TABLE), sql.SQL(fid_ranges(years))))
            old = old_rows(cur.fetchall())
            changes = _frame(compute_changes(old, long, fids, now), CHANGE_KINDS)
            cur.execute(sql.SQL("DELETE FROM {} WHERE {}").format(
                ident(LONG_TABLE), sql.SQL(fid_ranges(years))))
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
            entries = [*meta_rows(meta), ("format", STORE_FORMAT, "text"),
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


