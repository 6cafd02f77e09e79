"""Write GeoPackages with :mod:`sqlite3` alone: the tables of contents, feature tables with
their spatial index, geometry blobs (standard library + numpy).

Both doors write the time-series store through this module (:mod:`geosozial.core.
store_write`): the geopandas door and the QGIS plugin give it WKB and bounds, it makes the
same tables, triggers and blobs as GDAL's GeoPackage driver (version 1.2), so GDAL, QGIS
and :func:`geosozial.core.store_file.read_store_file` read the file as one of GDAL's.

Examples
--------
>>> import sqlite3, struct
>>> con = sqlite3.connect(":memory:")
>>> create_geopackage(con)
>>> wkb = struct.pack("<BII", 1, 3, 1) + struct.pack("<I", 4) + struct.pack(
...     "<8d", 0, 0, 1, 0, 1, 1, 0, 0)
>>> blob = gpkg_blobs([wkb], np.array([[0.0, 0.0, 1.0, 1.0]]), 25833)[0]
>>> blob[:2], len(blob) - len(wkb)
(b'GP', 40)
"""

from __future__ import annotations

import sqlite3
import struct
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from geosozial.core.store_file import quoted
from geosozial.core.store_file import table_names as _tables

__all__ = ["SQL_TYPES", "Srs", "add_srs", "count_rows", "create_attributes_table",
           "create_feature_table", "create_geopackage", "envelope_functions", "gpkg_blobs",
           "insert_features", "read_dataset_metadata", "table_kinds", "write_geopackage_file"]

#: SQL types per column kind (as GDAL declares them)
SQL_TYPES = {"text": "TEXT", "int": "INTEGER", "float": "REAL", "bool": "BOOLEAN",
             "date": "DATE", "datetime": "DATETIME"}
#: declared SQL type -> kind (GDAL's mapping of GeoPackage types)
_KINDS = {"TEXT": "text", "INTEGER": "int", "MEDIUMINT": "int", "SMALLINT": "int",
          "TINYINT": "int", "INT": "int", "REAL": "float", "DOUBLE": "float",
          "FLOAT": "float", "BOOLEAN": "bool", "DATE": "date", "DATETIME": "datetime"}

#: application id ``GPKG`` and user version 1.2 (QGIS 3.22 reads 1.2 without complaint)
APPLICATION_ID = 0x47504B47
USER_VERSION = 10200

_NOW = "strftime('%Y-%m-%dT%H:%M:%fZ','now')"

_WGS84 = ('GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,'
          'AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,'
          'AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG",'
          '"9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]')

_BASE = [
    "CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL,srs_id INTEGER NOT NULL "
    "PRIMARY KEY,organization TEXT NOT NULL,organization_coordsys_id INTEGER NOT NULL,"
    "definition  TEXT NOT NULL,description TEXT)",
    "CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY,data_type TEXT NOT "
    "NULL,identifier TEXT UNIQUE,description TEXT DEFAULT '',last_change DATETIME NOT NULL "
    f"DEFAULT ({_NOW}),min_x DOUBLE, min_y DOUBLE,max_x DOUBLE, max_y DOUBLE,srs_id INTEGER,"
    "CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id))",
    "CREATE TABLE gpkg_ogr_contents(table_name TEXT NOT NULL PRIMARY KEY,feature_count "
    "INTEGER DEFAULT NULL)",
    "CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL,column_name TEXT NOT NULL,"
    "geometry_type_name TEXT NOT NULL,srs_id INTEGER NOT NULL,z TINYINT NOT NULL,m TINYINT "
    "NOT NULL,CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),CONSTRAINT "
    "uk_gc_table_name UNIQUE (table_name),CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) "
    "REFERENCES gpkg_contents(table_name),CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) "
    "REFERENCES gpkg_spatial_ref_sys (srs_id))",
    "CREATE TABLE gpkg_extensions (table_name TEXT,column_name TEXT,extension_name TEXT NOT "
    "NULL,definition TEXT NOT NULL,scope TEXT NOT NULL,CONSTRAINT ge_tce UNIQUE "
    "(table_name, column_name, extension_name))",
]


@dataclass(frozen=True)
class Srs:
    """A coordinate reference system as a GeoPackage row.

    Examples
    --------
    >>> Srs(25833, "EPSG", 25833, "ETRS89 / UTM zone 33N", "PROJCS[...]").srs_id
    25833
    """

    srs_id: int
    organization: str
    code: int
    name: str
    definition: str


def create_geopackage(con: sqlite3.Connection) -> None:
    """The empty tables of contents of a GeoPackage 1.2 (with the three required SRS).

    Parameters
    ----------
    con : sqlite3.Connection
        An empty database.
    """
    con.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    con.execute(f"PRAGMA user_version = {USER_VERSION}")
    for statement in _BASE:
        con.execute(statement)
    con.executemany("INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)", [
        ("Undefined cartesian SRS", -1, "NONE", -1, "undefined",
         "undefined cartesian coordinate reference system"),
        ("Undefined geographic SRS", 0, "NONE", 0, "undefined",
         "undefined geographic coordinate reference system"),
        ("WGS 84 geodetic", 4326, "EPSG", 4326, _WGS84,
         "longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid")])


def add_srs(con: sqlite3.Connection, srs: Srs | None) -> int:
    """Register ``srs`` (if not yet there) and return its ``srs_id`` (-1 without one)."""
    if srs is None:
        return -1
    row = con.execute("SELECT srs_id FROM gpkg_spatial_ref_sys WHERE organization = ? AND "
                      "organization_coordsys_id = ?", (srs.organization, srs.code)).fetchone()
    if row is not None and srs.organization.upper() == "EPSG":
        return int(row[0])
    row = con.execute("SELECT srs_id FROM gpkg_spatial_ref_sys WHERE definition = ?",
                      (srs.definition,)).fetchone()
    if row is not None:
        return int(row[0])
    taken = con.execute("SELECT 1 FROM gpkg_spatial_ref_sys WHERE srs_id = ?",
                        (srs.srs_id,)).fetchone()
    srs_id = srs.srs_id if not taken else int(con.execute(
        "SELECT max(max(srs_id) + 1, 100000) FROM gpkg_spatial_ref_sys").fetchone()[0])
    con.execute("INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, NULL)",
                (srs.name, srs_id, srs.organization, srs.code, srs.definition))
    return srs_id


def _count_triggers(con: sqlite3.Connection, table: str) -> None:
    q, lit = quoted(table), table.replace("'", "''")
    for when, op in (("insert", "+"), ("delete", "-")):
        con.execute(
            f'CREATE TRIGGER "trigger_{when}_feature_count_{table}" AFTER {when.upper()} ON '
            f"{q} BEGIN UPDATE gpkg_ogr_contents SET feature_count = feature_count {op} 1 "
            f"WHERE lower(table_name) = lower('{lit}'); END")
    con.execute("INSERT INTO gpkg_ogr_contents (table_name, feature_count) VALUES (?, 0)",
                (table,))


def create_attributes_table(con: sqlite3.Connection, table: str, kinds: Mapping[str, str],
                            description: str) -> None:
    """A table without geometry (``fid`` and the columns of ``kinds``), registered."""
    columns = ", ".join(f"{quoted(c)} {SQL_TYPES[k]}" for c, k in kinds.items())
    con.execute(f'CREATE TABLE {quoted(table)} ( "fid" INTEGER PRIMARY KEY AUTOINCREMENT '
                f"NOT NULL, {columns})")
    con.execute(f"INSERT INTO gpkg_contents (table_name, data_type, identifier, description, "
                f"last_change, srs_id) VALUES (?, 'attributes', ?, ?, {_NOW}, 0)",
                (table, table, description))
    _count_triggers(con, table)


def create_feature_table(con: sqlite3.Connection, table: str, kinds: Mapping[str, str], *,
                         geometry_type: str, srs: Srs | None, description: str,
                         geometry: str = "geom") -> int:
    """An empty feature table with an R-tree spatial index, as GDAL makes it; its srs_id.

    Parameters
    ----------
    con : sqlite3.Connection
        A GeoPackage (:func:`create_geopackage`).
    table : str
    kinds : mapping of str to str
        Column -> kind (:data:`SQL_TYPES`), without ``fid`` and the geometry.
    geometry_type : str
        ``MULTIPOLYGON``, ``GEOMETRY``, ...
    srs : Srs or None
    description : str
    geometry : str, optional
        The geometry column.

    Returns
    -------
    int
        The table's ``srs_id``.
    """
    srs_id = add_srs(con, srs)
    q, g = quoted(table), quoted(geometry)
    columns = "".join(f", {quoted(c)} {SQL_TYPES[k]}" for c, k in kinds.items())
    con.execute(f'CREATE TABLE {q} ( "fid" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, '
                f"{g} {geometry_type.upper()}{columns})")
    con.execute(f"INSERT INTO gpkg_contents (table_name, data_type, identifier, description, "
                f"last_change, srs_id) VALUES (?, 'features', ?, ?, {_NOW}, ?)",
                (table, table, description, srs_id))
    con.execute("INSERT INTO gpkg_geometry_columns VALUES (?, ?, ?, ?, 0, 0)",
                (table, geometry, geometry_type.upper(), srs_id))
    _count_triggers(con, table)
    rtree = quoted(f"rtree_{table}_{geometry}")
    con.execute(f"CREATE VIRTUAL TABLE {rtree} USING rtree(id, minx, maxx, miny, maxy)")
    con.execute("INSERT INTO gpkg_extensions VALUES (?, ?, 'gpkg_rtree_index', "
                "'http://www.geopackage.org/spec120/#extension_rtree', 'write-only')",
                (table, geometry))
    box = f"VALUES (NEW.\"fid\",ST_MinX(NEW.{g}), ST_MaxX(NEW.{g}),ST_MinY(NEW.{g}), " \
          f"ST_MaxY(NEW.{g}))"
    name = f"rtree_{table}_{geometry}"
    for suffix, head, body in (
            ("insert", f"AFTER INSERT ON {q} WHEN (new.{g} NOT NULL AND NOT ST_IsEmpty("
             f"NEW.{g}))", f"INSERT OR REPLACE INTO {rtree} {box};"),
            ("update1", f"AFTER UPDATE OF {g} ON {q} WHEN OLD.\"fid\" = NEW.\"fid\" AND "
             f"(NEW.{g} NOTNULL AND NOT ST_IsEmpty(NEW.{g}))",
             f"INSERT OR REPLACE INTO {rtree} {box};"),
            ("update2", f"AFTER UPDATE OF {g} ON {q} WHEN OLD.\"fid\" = NEW.\"fid\" AND "
             f"(NEW.{g} ISNULL OR ST_IsEmpty(NEW.{g}))",
             f"DELETE FROM {rtree} WHERE id = OLD.\"fid\";"),
            ("update3", f"AFTER UPDATE ON {q} WHEN OLD.\"fid\" != NEW.\"fid\" AND "
             f"(NEW.{g} NOTNULL AND NOT ST_IsEmpty(NEW.{g}))",
             f"DELETE FROM {rtree} WHERE id = OLD.\"fid\"; INSERT OR REPLACE INTO {rtree} "
             f"{box};"),
            ("update4", f"AFTER UPDATE ON {q} WHEN OLD.\"fid\" != NEW.\"fid\" AND "
             f"(NEW.{g} ISNULL OR ST_IsEmpty(NEW.{g}))",
             f"DELETE FROM {rtree} WHERE id IN (OLD.\"fid\", NEW.\"fid\");"),
            ("delete", f"AFTER DELETE ON {q} WHEN old.{g} NOT NULL",
             f"DELETE FROM {rtree} WHERE id = OLD.\"fid\";")):
        con.execute(f'CREATE TRIGGER "{name}_{suffix}" {head} BEGIN {body} END')
    return srs_id


def table_kinds(con: sqlite3.Connection, table: str, skip: Sequence[str] = ("fid",)
                ) -> dict[str, str]:
    """Column -> kind of a table, from its declared SQL types.

    Examples
    --------
    >>> con = sqlite3.connect(":memory:")
    >>> _ = con.execute('CREATE TABLE t (fid INTEGER, a TEXT, b REAL, c BOOLEAN, d TEXT(30))')
    >>> table_kinds(con, "t")
    {'a': 'text', 'b': 'float', 'c': 'bool', 'd': 'text'}
    """
    out = {}
    for row in con.execute(f"PRAGMA table_info({quoted(table)})"):
        if row[1] in skip:
            continue
        declared = str(row[2] or "").upper().split("(")[0].strip()
        out[str(row[1])] = _KINDS.get(declared, "text")
    return out


def gpkg_blobs(wkb: Sequence[bytes | None], bounds: np.ndarray, srs_id: int
               ) -> list[bytes | None]:
    """GeoPackage geometry blobs: header with envelope (little endian) and the WKB.

    Parameters
    ----------
    wkb : sequence of bytes or None
        ISO WKB per feature (None: no geometry).
    bounds : numpy.ndarray
        ``(n, 4)`` minx, miny, maxx, maxy; NaN for an empty geometry.
    srs_id : int

    Returns
    -------
    list of bytes or None
    """
    n = len(wkb)
    bounds = np.asarray(bounds, dtype="float64").reshape(n, 4)
    missing = np.array([w is None for w in wkb], dtype=bool)
    empty = np.isnan(bounds).any(axis=1) & ~missing
    header = np.zeros(n, dtype=[("magic", "S2"), ("version", "u1"), ("flags", "u1"),
                                ("srs", "<i4"), ("env", "<f8", (4,))])
    header["magic"] = b"GP"
    header["flags"] = np.where(empty, 0x11, 0x03)  # little endian; envelope xy or empty
    header["srs"] = srs_id
    header["env"] = bounds[:, [0, 2, 1, 3]]  # minx, maxx, miny, maxy
    raw = header.tobytes()
    size = header.dtype.itemsize
    return [None if missing[i] else
            (raw[i * size:i * size + 8] + bytes(wkb[i]) if empty[i] else
             raw[i * size:(i + 1) * size] + bytes(wkb[i])) for i in range(n)]


def _envelope(blob: bytes | None, which: int) -> float | None:
    """One value of a blob's envelope (minx, maxx, miny, maxy), as the GeoPackage SQL
    functions ST_MinX ... of the spatial-index triggers."""
    if blob is None or blob[3] & 0x10:
        return None
    if (blob[3] >> 1) & 0x07:
        return struct.unpack_from("<d" if blob[3] & 1 else ">d", blob, 8 + 8 * which)[0]
    from geosozial.core.wkb import gpkg_polygons

    rings = [r for poly in gpkg_polygons(blob) for r in poly]
    if not rings:
        return None
    xy = np.concatenate(rings)
    return float((xy[:, 0].min(), xy[:, 0].max(), xy[:, 1].min(), xy[:, 1].max())[which])


def envelope_functions(con: sqlite3.Connection) -> None:
    """The SQL functions the spatial-index triggers call (GDAL has them, SQLite not)."""
    con.create_function("ST_IsEmpty", 1, lambda b: None if b is None else
                        int(bool(b[3] & 0x10)), deterministic=True)
    for i, name in enumerate(("ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY")):
        con.create_function(name, 1, lambda b, i=i: _envelope(b, i), deterministic=True)


def count_rows(con: sqlite3.Connection, table: str, change: int | None = None) -> None:
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
                        f"VALUES (?, (SELECT count(*) FROM {quoted(table)}))", (table,))
    con.execute("UPDATE gpkg_contents SET last_change = strftime('%Y-%m-%dT%H:%M:%fZ','now') "
                "WHERE table_name = ?", (table,))


@contextmanager
def _bulk_triggers_off(con: sqlite3.Connection, table: str) -> Iterator[None]:
    """The per-row insert triggers of ``table`` (spatial index, feature count) dropped for
    a bulk insert that fills both itself, and re-created verbatim afterwards (as GDAL
    does in its own bulk writes)."""
    triggers = con.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ? AND "
        "(name LIKE 'rtree%insert' OR name LIKE 'trigger_insert_feature_count%')",
        (table,)).fetchall()
    for name, _ in triggers:
        con.execute(f"DROP TRIGGER {quoted(name)}")
    yield
    for _, sql_text in triggers:
        con.execute(sql_text)


def insert_features(con: sqlite3.Connection, table: str, layer: Any) -> None:
    """Append the features with plain SQL: the rows, their entries in the spatial index
    (``rtree_<table>_<geom>``), the feature count and the extent in gpkg_contents."""
    if not len(layer):
        return
    geom, srs_id = con.execute("SELECT column_name, srs_id FROM gpkg_geometry_columns WHERE "
                               "table_name = ?", (table,)).fetchone()
    columns = [r[1] for r in con.execute(f"PRAGMA table_info({quoted(table)})")
               if r[1] not in ("fid", geom)]
    data = [layer.values[c] for c in columns]
    bounds = np.asarray(layer.bounds, dtype="float64")
    blobs = gpkg_blobs(layer.wkb, bounds, int(srs_id))
    first = con.execute(f"SELECT max(coalesce((SELECT max(fid) FROM {quoted(table)}), 0), "
                        "coalesce((SELECT seq FROM sqlite_sequence WHERE name = ?), 0))",
                        (table,)).fetchone()[0] + 1
    numbers = np.arange(first, first + len(layer), dtype="int64")
    names = ", ".join(quoted(c) for c in ["fid", *columns, geom])
    marks = ", ".join("?" * (len(columns) + 2))
    rtree = f"rtree_{table}_{geom}"
    has_rtree = con.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (rtree,)).fetchone()
    with _bulk_triggers_off(con, table):
        con.executemany(f"INSERT INTO {quoted(table)} ({names}) VALUES ({marks})",
                        zip(numbers.tolist(), *data, blobs, strict=True))
        if has_rtree:
            keep = ~np.isnan(bounds).any(axis=1)
            con.executemany(f"INSERT OR REPLACE INTO {quoted(rtree)} VALUES (?, ?, ?, ?, ?)",
                            zip(numbers[keep].tolist(), bounds[keep, 0].tolist(),
                                bounds[keep, 2].tolist(), bounds[keep, 1].tolist(),
                                bounds[keep, 3].tolist(), strict=True))
        count_rows(con, table, len(layer))
    keep = ~np.isnan(bounds).any(axis=1)
    if keep.any():
        minx, miny = (float(v) for v in bounds[keep, :2].min(axis=0))
        maxx, maxy = (float(v) for v in bounds[keep, 2:].max(axis=0))
        con.execute("UPDATE gpkg_contents SET min_x = min(coalesce(min_x, ?1), ?1), "
                    "min_y = min(coalesce(min_y, ?2), ?2), max_x = max(coalesce(max_x, ?3), "
                    "?3), max_y = max(coalesce(max_y, ?4), ?4), last_change = "
                    "strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE table_name = ?5",
                    (minx, miny, maxx, maxy, table))


_METADATA_TABLES = [
    "CREATE TABLE gpkg_metadata (id INTEGER CONSTRAINT m_pk PRIMARY KEY ASC NOT NULL,"
    "md_scope TEXT NOT NULL DEFAULT 'dataset',md_standard_uri TEXT NOT NULL,mime_type TEXT "
    "NOT NULL DEFAULT 'text/xml',metadata TEXT NOT NULL DEFAULT '')",
    "CREATE TABLE gpkg_metadata_reference (reference_scope TEXT NOT NULL,table_name TEXT,"
    "column_name TEXT,row_id_value INTEGER,timestamp DATETIME NOT NULL DEFAULT "
    f"({_NOW}),md_file_id INTEGER NOT NULL,md_parent_id INTEGER,CONSTRAINT crmr_mfi_fk "
    "FOREIGN KEY (md_file_id) REFERENCES gpkg_metadata(id),CONSTRAINT crmr_mpi_fk FOREIGN "
    "KEY (md_parent_id) REFERENCES gpkg_metadata(id))",
]
#: the time stamp of the metadata reference (fixed: the same inputs, the same file)
METADATA_DATE = "2000-01-01T00:00:00Z"


def _xml(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def write_dataset_metadata(con: sqlite3.Connection, meta: Mapping[str, str]) -> None:
    """Dataset metadata (key/value) as GDAL stores it: one ``gpkg_metadata`` row of
    ``GDALMultiDomainMetadata`` XML, referenced for the whole GeoPackage."""
    if not meta:
        return
    for statement in _METADATA_TABLES:
        con.execute(statement)
    for table in ("gpkg_metadata", "gpkg_metadata_reference"):
        con.execute("INSERT INTO gpkg_extensions VALUES (?, NULL, 'gpkg_metadata', "
                    "'http://www.geopackage.org/spec120/#extension_metadata', 'read-write')",
                    (table,))
    items = "".join(f'    <MDI key="{_xml(str(k))}">{_xml(str(v))}</MDI>\n'
                    for k, v in sorted(meta.items()))
    xml = f"<GDALMultiDomainMetadata>\n  <Metadata>\n{items}  </Metadata>\n" \
          "</GDALMultiDomainMetadata>\n"
    con.execute("INSERT INTO gpkg_metadata VALUES (1, 'dataset', 'http://gdal.org', "
                "'text/xml', ?)", (xml,))
    con.execute("INSERT INTO gpkg_metadata_reference VALUES ('geopackage', NULL, NULL, NULL, "
                "?, 1, NULL)", (METADATA_DATE,))


#: the dataset metadata keys of the geometries' licence credit and edition
CREDIT_KEY = "geometrie_quelle"
EDITION_KEY = "geometrie_stand"


def dataset_meta(meta: Mapping[str, Any] | None, credit: str = "", edition: str = ""
                 ) -> dict[str, str]:
    """Dataset metadata as a result GeoPackage stores it: text as it is, anything else as
    JSON, and the geometries' credit and edition (unless ``meta`` names them).

    Examples
    --------
    >>> dataset_meta({"jahr": 2023, "projekt": "X"}, "© GeoBasis-DE / BKG (2021)")
    {'jahr': '2023', 'projekt': 'X', 'geometrie_quelle': '© GeoBasis-DE / BKG (2021)'}
    """
    import json

    out = {str(k): (v if isinstance(v, str) else json.dumps(v, ensure_ascii=False))
           for k, v in (meta or {}).items()}
    if credit:
        out.setdefault(CREDIT_KEY, credit)
    if edition:
        out.setdefault(EDITION_KEY, edition)
    return out


def read_dataset_metadata(path: Any) -> dict[str, str]:
    """The dataset metadata (key/value) of a GeoPackage, as GDAL wrote it; {} without.

    Examples
    --------
    >>> read_dataset_metadata("/nonexistent.gpkg")
    {}
    """
    import re
    from html import unescape
    from pathlib import Path

    from geosozial.core.store_file import read_only

    if not str(path).lower().endswith(".gpkg") or not Path(path).is_file():
        return {}
    try:
        with read_only(Path(path)) as con:
            if "gpkg_metadata" not in _tables(con):
                return {}
            rows = con.execute("SELECT m.metadata FROM gpkg_metadata m JOIN "
                               "gpkg_metadata_reference r ON r.md_file_id = m.id WHERE "
                               "r.reference_scope = 'geopackage' AND m.md_standard_uri = "
                               "'http://gdal.org' ORDER BY m.id").fetchall()
    except (OSError, sqlite3.Error, Exception):  # not a GeoPackage: no metadata
        return {}
    out: dict[str, str] = {}
    for (xml,) in rows:
        domain = re.search(r"<Metadata>(.*?)</Metadata>", str(xml), re.S)
        for key, value in re.findall(r'<MDI key="([^"]*)">(.*?)</MDI>',
                                     domain.group(1) if domain else "", re.S):
            out[unescape(key)] = unescape(value)
    return out


def write_geopackage_file(path: Any, layers: Mapping[str, Any],
                          meta: Mapping[str, str] | None = None,
                          description: str = "") -> None:
    """A new GeoPackage with feature ``layers`` (name -> :class:`~geosozial.core.
    store_write.LayerRows`) and dataset metadata, replacing ``path`` atomically.

    Parameters
    ----------
    path : str or Path
        The ``.gpkg`` file (checked by the caller).
    layers : mapping of str to LayerRows
    meta : mapping of str to str, optional
    description : str, optional
        The layers' description in ``gpkg_contents``.
    """
    from pathlib import Path

    from geosozial.core.outputs import atomic_path

    with atomic_path(Path(path)) as tmp:
        con = sqlite3.connect(tmp, isolation_level=None)
        try:
            con.execute("PRAGMA journal_mode=OFF")
            con.execute("BEGIN")
            create_geopackage(con)
            envelope_functions(con)
            for name, layer in layers.items():
                create_feature_table(con, name, layer.kinds, geometry_type=layer.geometry_type,
                                     srs=layer.srs, description=description)
                insert_features(con, name, layer)
            write_dataset_metadata(con, dict(meta or {}))
            con.execute("UPDATE gpkg_contents SET last_change = ?", (METADATA_DATE,))
            con.execute("COMMIT")
        finally:
            con.close()
