"""The layout of the time-series store and a reader of its GeoPackage (standard library).

:mod:`geosozial.geo.store` writes the store (GeoPackage or PostGIS) and reads it into
pandas frames; this module holds what both sides and every door agree on: the table
names, the columns of the long table ``zeitreihe`` and their kinds, the metadata
encoding, the content hash that keys atlas rebuilds, and :func:`read_store_file`, which
reads a store GeoPackage with :mod:`sqlite3` alone (no GDAL, no pandas), for the atlas
and the QGIS plugin.

Examples
--------
>>> LONG_COLUMNS[:4]
('schluessel', 'name', 'ebene', 'jahr')
>>> read_store_file("/nonexistent.gpkg")
Traceback (most recent call last):
...
geosozial.core.messages.GeosozialError: Sozialdatenbank /nonexistent.gpkg gibt es nicht.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geosozial.core.messages import GeosozialError, define

__all__ = ["DEFAULT_NAME", "LONG_COLUMNS", "LONG_KINDS", "StoreFile", "StoreLayer",
           "content_hash", "read_meta", "read_store_file"]

#: file name of the embedded store in a project's output folder
DEFAULT_NAME = "sozialdatenbank.gpkg"
#: layout version, stored in ``metadaten`` as ``format``
STORE_FORMAT = "1"

LONG_TABLE = "zeitreihe"
CHANGES_TABLE = "aenderungen"
META_TABLE = "metadaten"
LAYER_SUFFIX = "_jahre"

#: columns of the long table, in this order, and their kinds
LONG_KINDS: dict[str, str] = {
    "schluessel": "text", "name": "text", "ebene": "text", "jahr": "int",
    "variable": "text", "wert": "float", "kennzeichen": "text", "quelle": "text",
    "stichtag": "text", "gebietsstand": "text", "umgerechnet": "bool"}
LONG_COLUMNS = tuple(LONG_KINDS)

define("store.not_store",
       de="{target} ist keine Sozialdatenbank von geosozial ({reason}); die Datei wird "
       "nicht überschrieben. Bitte einen anderen Namen wählen oder die Datei entfernen.",
       en="{target} is not a geosozial time-series store ({reason}); the file is not "
       "overwritten. Choose another name or remove the file.")
define("store.missing",
       de="Sozialdatenbank {target} gibt es nicht.",
       en="time-series store {target} does not exist.")


def quoted(name: str) -> str:
    """An SQL identifier in double quotes.

    Examples
    --------
    >>> quoted('a"b')
    '"a""b"'
    """
    return '"' + name.replace('"', '""') + '"'


@contextmanager
def read_only(path: Path) -> Iterator[sqlite3.Connection]:
    """A read-only SQLite connection to ``path`` (never creates or changes the file).

    Raises
    ------
    GeosozialError
        ``store.not_store`` when the file is no SQLite database.
    """
    try:
        con = sqlite3.connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True)
        con.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as exc:
        raise GeosozialError("store.not_store", target=str(path), reason=str(exc)) from None
    try:
        yield con
    finally:
        con.close()


def table_names(con: sqlite3.Connection) -> set[str]:
    """The tables of an SQLite database."""
    return {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def meta_dict(rows: Iterable[tuple[str, str, str]]) -> dict[str, Any]:
    """``metadaten`` rows (name, value, type) as a dict; type ``json`` is decoded.

    Examples
    --------
    >>> meta_dict([("jahre", "[2022, 2023]", "json"), ("projekt", "X", "text")])
    {'jahre': [2022, 2023], 'projekt': 'X'}
    """
    return {n: (json.loads(w) if t == "json" else w) for n, w, t in rows}


def read_meta(path: str | Path) -> dict[str, Any]:
    """The ``metadaten`` of a store GeoPackage; ``{}`` when it has none or is no store.

    Examples
    --------
    >>> read_meta("/nonexistent.gpkg")
    {}
    """
    try:
        with read_only(Path(path)) as con:
            if META_TABLE not in table_names(con):
                return {}
            return meta_dict(con.execute(f"SELECT name, wert, typ FROM {META_TABLE}"
                                         " ORDER BY name").fetchall())
    except (OSError, sqlite3.Error, GeosozialError, ValueError):
        return {}


def layer_tables(con: sqlite3.Connection) -> list[str]:
    """The year layers (``*_jahre`` feature tables) of a store GeoPackage, sorted."""
    if "gpkg_contents" not in table_names(con):
        return []
    return [r[0] for r in con.execute(
        "SELECT table_name FROM gpkg_contents WHERE data_type = 'features' ORDER BY "
        "table_name") if r[0].endswith(LAYER_SUFFIX)]


def content_hash(path: str | Path) -> str:
    """SHA-256 of what a GeoPackage store holds, without its bookkeeping.

    The time series, the year layers (attributes and geometry blobs), their styles and the
    metadata, in a fixed order; not the change log ``aenderungen``, the write time
    ``aktualisiert`` or GDAL's time stamps — a run that changed no value gives the same
    hash although the file's bytes differ. "" if ``path`` is no readable store.

    Examples
    --------
    >>> content_hash("/nonexistent.gpkg")
    ''
    """
    digest = hashlib.sha256()
    try:
        with read_only(Path(path)) as con:
            tables = [r[0] for r in con.execute(
                "SELECT table_name FROM gpkg_contents ORDER BY table_name")]
            for table in tables:
                if table == CHANGES_TABLE:
                    continue
                digest.update(table.encode("utf-8") + b"\0")
                # not the row ids (a re-run inserts the rows again) nor a style's time
                columns = [r[1] for r in con.execute(f"PRAGMA table_info({quoted(table)})")
                           if r[1] not in ("fid", "id", "update_time")]
                where = " WHERE name <> 'aktualisiert'" if table == META_TABLE else ""
                selected = ", ".join(quoted(c) for c in columns)
                for row in con.execute(f"SELECT {selected} FROM {quoted(table)}{where} "
                                       "ORDER BY rowid"):
                    digest.update(repr(row).encode("utf-8"))
    except (OSError, sqlite3.Error, GeosozialError):
        return ""
    return digest.hexdigest()


@dataclass
class StoreLayer:
    """One year layer: attribute columns (lists) and GeoPackage geometry blobs, ordered
    by year, then as written (as :func:`geosozial.geo.store.stack_years` stacks them)."""

    columns: dict[str, list[Any]]
    geometry: list[bytes | None]
    srs_id: int | None = None

    def rows_of_year(self, year: int) -> list[int]:
        """Positions of the rows of ``year``.

        Examples
        --------
        >>> StoreLayer({"jahr": [2022, 2023, 2023]}, [None] * 3).rows_of_year(2023)
        [1, 2]
        """
        return [i for i, y in enumerate(self.columns.get("jahr", [])) if int(y) == year]


@dataclass
class StoreFile:
    """A store GeoPackage as plain Python: ``long`` (column -> list, ``fid`` order),
    ``layers`` (``gemeinden``, ``sozialraeume``, ...) and ``meta``."""

    long: dict[str, list[Any]]
    layers: dict[str, StoreLayer] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)


def _long(con: sqlite3.Connection) -> dict[str, list[Any]]:
    rows = con.execute(f"SELECT {', '.join(quoted(c) for c in LONG_COLUMNS)} FROM "
                       f"{LONG_TABLE} ORDER BY fid").fetchall()
    columns = [list(c) for c in zip(*rows, strict=True)] if rows else [[] for _ in LONG_COLUMNS]
    out = dict(zip(LONG_COLUMNS, columns, strict=True))
    out["wert"] = [float("nan") if v is None else float(v) for v in out["wert"]]
    out["umgerechnet"] = [bool(v) for v in out["umgerechnet"]]
    for c, kind in LONG_KINDS.items():
        if kind == "text":
            out[c] = ["" if v is None else str(v) for v in out[c]]
    return out


def _layer(con: sqlite3.Connection, table: str) -> StoreLayer:
    geometry_column, srs_id = con.execute(
        "SELECT column_name, srs_id FROM gpkg_geometry_columns WHERE table_name = ?",
        (table,)).fetchone()
    names = [r[1] for r in con.execute(f"PRAGMA table_info({quoted(table)})")
             if r[1] not in ("fid", geometry_column)]
    selected = ", ".join(quoted(c) for c in [*names, geometry_column])
    rows = con.execute(f"SELECT {selected} FROM {quoted(table)} ORDER BY fid").fetchall()
    years = [int(r[names.index("jahr")]) for r in rows] if "jahr" in names else [0] * len(rows)
    order = sorted(range(len(rows)), key=lambda i: years[i])  # stable: as written
    rows = [rows[i] for i in order]
    columns = {c: [r[i] for r in rows] for i, c in enumerate(names)}
    return StoreLayer(columns, [r[-1] for r in rows], int(srs_id) if srs_id else None)


def read_store_file(path: str | Path) -> StoreFile:
    """Read a store GeoPackage written by :func:`geosozial.geo.store.write_store`.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    StoreFile
        The long table with text keys (leading zeros kept), ``wert`` as float (NaN when
        missing or withheld) and ``umgerechnet`` as bool; the year layers; the metadata.

    Raises
    ------
    GeosozialError
        A missing file (``store.missing``) or a file that is no store (``store.not_store``).

    Examples
    --------
    >>> store = read_store_file("demo_out/sozialdatenbank.gpkg")  # doctest: +SKIP
    >>> sorted(store.layers), store.meta["jahre"]  # doctest: +SKIP
    (['gemeinden', 'sozialraeume'], [2021, 2022, 2023])
    """
    path = Path(path)
    if not path.is_file():
        raise GeosozialError("store.missing", target=str(path))
    with read_only(path) as con:
        tables = table_names(con)
        if LONG_TABLE not in tables:
            raise GeosozialError("store.not_store", target=str(path),
                                 reason=f"Tabelle/table {LONG_TABLE} fehlt/missing")
        meta = meta_dict(con.execute(f"SELECT name, wert, typ FROM {META_TABLE} ORDER BY "
                                     "name").fetchall()) if META_TABLE in tables else {}
        layers = {t[:-len(LAYER_SUFFIX)]: _layer(con, t) for t in layer_tables(con)}
        return StoreFile(_long(con), layers, meta)
