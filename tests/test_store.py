"""The time-series store (geosozial.geo.store): long table, GeoPackage, PostGIS, QGIS.

The PostGIS tests need a real server: run the suite through ``bash scripts/postgis.sh``
(the test command of README.md does), which starts a throwaway PostgreSQL with PostGIS
and exports its URL as GEOSOZIAL_TEST_POSTGIS. Without it they are skipped locally and
fail in CI (environment variable CI set). The QGIS test runs Debian's /usr/bin/python3
with qgis.core on a store written here (skipped locally without QGIS, failing in CI).
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import sqlite3
import subprocess
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from datasets import REPO
from geopandas.testing import assert_geodataframe_equal
from shapely.geometry import Polygon, box

from geosozial.core import store_write
from geosozial.core.messages import GeosozialError
from geosozial.core.outputs import OutputSet
from geosozial.geo import store
from geosozial.geo.store import (
    CHANGE_COLUMNS,
    LONG_COLUMNS,
    long_table,
    read_store,
    stack_years,
    write_store,
)

KEYS = ["01001000", "01002000", "03241001", "14522010"]
NAMES = ["Flensburg", "Kiel", "Hannover", "Döbeln"]
VARIABLES = ["sgb2", "ew", "quote"]
YEARS = [2021, 2022, 2023]


def year_frame(year: int, bump: dict[tuple[str, str], float] | None = None,
               keys: list[str] = KEYS) -> gpd.GeoDataFrame:
    """Four municipalities (leading zeros) with three variables and their flags: one
    value withheld (geheim), one missing ('.'), two converted by a crosswalk."""
    n = len(keys)
    frame = gpd.GeoDataFrame({
        "key": keys, "name": [dict(zip(KEYS, NAMES, strict=True)).get(k, k) for k in keys],
        "sgb2": [100.0 + year - 2000 + i for i in range(n)],
        "sgb2_flag": ["", "geheim", "", "umgeschluesselt"][:n] + [""] * max(0, n - 4),
        "ew": [1000.0 * (i + 1) + year for i in range(n)],
        "ew_flag": ["", "", "geschaetzt", "p"][:n] + [""] * max(0, n - 4),
        "quote": [0.125 * (i + 1) for i in range(n)],
        "quote_flag": [".", "", "", ""][:n] + [""] * max(0, n - 4)},
        geometry=[box(400000 + 1000 * i, 5650000, 401000 + 1000 * i, 5651000)
                  for i in range(n)], crs=25833)
    frame.loc[0, "quote"] = np.nan
    frame.loc[1, "sgb2"] = 2.0  # a small count, withheld by its flag
    for (key, variable), value in (bump or {}).items():
        frame.loc[frame["key"] == key, variable] = value
    return frame


def frames_for(years: list[int] = YEARS, **kwargs) -> dict[int, gpd.GeoDataFrame]:
    return {y: year_frame(y, **kwargs) for y in years}


def long_for(frames: dict[int, gpd.GeoDataFrame], level: str = "Gemeinde") -> pd.DataFrame:
    return long_table(frames, VARIABLES, level=level,
                      sources={y: {v: f"{v}_{y}.csv" for v in VARIABLES} for y in frames},
                      stichtage={y: f"31.12.{y}" for y in frames}, gebietsstand="01.01.2023")


def sozialraum_frames(years: list[int] = YEARS) -> dict[int, gpd.GeoDataFrame]:
    out = {}
    for y in years:
        out[y] = gpd.GeoDataFrame({
            "key": ["Nord", "Süd"], "name": ["Sozialregion Nord", "Sozialregion Süd"],
            "sgb2": [10.0 + y - 2000, np.nan], "sgb2_flag": ["", "nicht_berechenbar"],
            "ew": [5.0, 6.0], "ew_flag": ["", ""], "quote": [0.5, 0.25],
            "quote_flag": ["", ""]},
            geometry=[box(0, 0, 2000, 1000), Polygon([(0, 0), (0, -1), (1, -1)])], crs=25833)
    return out


def full_store(years: list[int] = YEARS):
    """The long rows of both levels and the layers of ``years``."""
    gem, sr = frames_for(years), sozialraum_frames(years)
    long = pd.concat([long_for(gem), long_for(sr, "Sozialraum")], ignore_index=True)
    return long, {"gemeinden": gem, "sozialraeume": sr}


# --- long table ---------------------------------------------------------------------------


def test_long_table_rows_values_flags_and_keys():
    frames = {2022: year_frame(2022), 2023: year_frame(2023)}
    long = long_for(frames)
    assert list(long.columns) == list(LONG_COLUMNS)
    assert len(long) == len(KEYS) * len(VARIABLES) * 2
    assert long["jahr"].dtype == "int64" and long["wert"].dtype == "float64"
    assert long["umgerechnet"].dtype == bool
    # keys stay text with their leading zeros
    assert sorted(set(long["schluessel"])) == KEYS
    assert long["schluessel"].str.len().eq(8).all()
    rows = long.set_index(["jahr", "variable", "schluessel"])
    # withheld (geheim, '.') and missing values are NaN, with their flag
    assert np.isnan(rows.loc[(2023, "sgb2", "01002000"), "wert"])
    assert rows.loc[(2023, "sgb2", "01002000"), "kennzeichen"] == "geheim"
    assert np.isnan(rows.loc[(2022, "quote", "01001000"), "wert"])
    assert rows.loc[(2022, "quote", "01001000"), "kennzeichen"] == "."
    assert rows.loc[(2023, "sgb2", "01001000"), "wert"] == 123.0
    assert rows.loc[(2023, "sgb2", "01001000"), "kennzeichen"] == ""
    # crosswalk flags mean converted, others do not
    converted = long.loc[long["umgerechnet"], ["schluessel", "variable"]]
    assert sorted(map(tuple, converted.drop_duplicates().values)) == [
        ("03241001", "ew"), ("14522010", "sgb2")]
    assert not rows.loc[(2023, "ew", "14522010"), "umgerechnet"]  # 'p' is not converted
    assert rows.loc[(2022, "ew", "01002000"), "quelle"] == "ew_2022.csv"
    assert set(long["stichtag"]) == {"31.12.2022", "31.12.2023"}
    assert set(long["ebene"]) == {"Gemeinde"} and set(long["gebietsstand"]) == {"01.01.2023"}
    assert rows.loc[(2022, "sgb2", "14522010"), "name"] == "Döbeln"
    # ordered by year, variable (sorted), key
    assert long[["jahr", "variable", "schluessel"]].equals(
        long[["jahr", "variable", "schluessel"]].sort_values(
            ["jahr", "variable", "schluessel"]).reset_index(drop=True))


def test_long_table_level_missing_columns_and_numeric_keys():
    frame = year_frame(2023).drop(columns=["ew_flag"])
    long = long_table({2023: frame}, ["ew", "nicht_da"], level="sozialräume")
    assert set(long["ebene"]) == {"Sozialraum"}
    assert len(long) == len(KEYS)  # a variable missing in the frame gives no rows
    assert (long["kennzeichen"] == "").all() and not long["umgerechnet"].any()
    with pytest.raises(GeosozialError) as err:
        long_table({2023: frame}, ["ew"], level="Land")
    assert err.value.code == "store.level" and "Kreis" in str(err.value)
    assert set(long_table({2023: frame}, ["ew"], level="kreis")["ebene"]) == {"Kreis"}
    empty = long_table({}, ["ew"], level="Gemeinde")
    assert list(empty.columns) == list(LONG_COLUMNS) and len(empty) == 0


# --- GeoPackage ---------------------------------------------------------------------------


def assert_store_equal(a: store.Store, b: store.Store, *, changes: bool = True) -> None:
    pd.testing.assert_frame_equal(a.long, b.long)
    assert sorted(a.layers) == sorted(b.layers)
    for name in a.layers:
        assert_geodataframe_equal(a.layers[name], b.layers[name])
    if changes:
        pd.testing.assert_frame_equal(a.changes.drop(columns="zeitpunkt"),
                                      b.changes.drop(columns="zeitpunkt"))


def test_gpkg_round_trip(tmp_path: Path):
    long, layers = full_store()
    target = tmp_path / "sozialdatenbank.gpkg"
    report = write_store(target, long, layers, years=YEARS, meta={"projekt": "Musterkreis",
                                                                  "jahre_soll": [2021]})
    assert report.years == tuple(YEARS)
    assert report.text().splitlines()[0] == "2021 (Gemeinde): 12 Werte neu"
    back = read_store(target)
    pd.testing.assert_frame_equal(back.long, long)
    assert sorted(back.layers) == ["gemeinden", "sozialraeume"]
    assert_geodataframe_equal(back.layers["gemeinden"], stack_years(layers["gemeinden"]))
    assert_geodataframe_equal(back.layers["sozialraeume"],
                              stack_years(layers["sozialraeume"]))
    gem = back.layers["gemeinden"]
    assert list(gem.columns[:4]) == ["jahr", "datum", "key", "name"]
    assert gem["datum"].dt.strftime("%d.%m.%Y").tolist()[:1] == ["31.12.2021"]
    assert gem.geom_type.unique().tolist() == ["MultiPolygon"]
    assert gem["key"].tolist()[:4] == KEYS and gem.crs.to_epsg() == 25833
    assert list(back.changes.columns) == list(CHANGE_COLUMNS)
    assert back.changes[["jahr", "ebene", "zeilen_vorher", "zeilen_nachher",
                         "hinzugefuegt"]].values.tolist() == [
        [2021, "Gemeinde", 0, 12, 12], [2021, "Sozialraum", 0, 6, 6],
        [2022, "Gemeinde", 0, 12, 12], [2022, "Sozialraum", 0, 6, 6],
        [2023, "Gemeinde", 0, 12, 12], [2023, "Sozialraum", 0, 6, 6]]
    assert back.meta["projekt"] == "Musterkreis" and back.meta["jahre_soll"] == [2021]
    assert back.meta["jahre"] == YEARS and back.meta["format"] == store.STORE_FORMAT
    # a GeoPackage 1.2 with the tables registered, nothing left beside it
    with sqlite3.connect(target) as con:
        assert con.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47
        assert con.execute("PRAGMA user_version").fetchone()[0] == 10200
        contents = dict(con.execute("SELECT table_name, data_type FROM gpkg_contents"))
        counts = dict(con.execute("SELECT table_name, feature_count FROM gpkg_ogr_contents"))
        index = con.execute("SELECT count(*) FROM rtree_gemeinden_jahre_geom").fetchone()[0]
        extent = con.execute("SELECT min_x, min_y, max_x, max_y FROM gpkg_contents WHERE "
                             "table_name = 'gemeinden_jahre'").fetchone()
    assert contents == {"metadaten": "attributes", "zeitreihe": "attributes",
                        "aenderungen": "attributes", "layer_styles": "attributes",
                        "gemeinden_jahre": "features", "sozialraeume_jahre": "features"}
    assert counts["zeitreihe"] == len(long) and counts["gemeinden_jahre"] == 12
    assert index == 12 and extent == (400000.0, 5650000.0, 404000.0, 5651000.0)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sozialdatenbank.gpkg"]
    # GDAL sees the same (spatial index, counts, date field)
    import pyogrio

    info = pyogrio.read_info(target, layer="gemeinden_jahre")
    assert info["features"] == 12 and info["ogr_types"][1] == "OFTDate"
    hit = pyogrio.read_dataframe(target, layer="gemeinden_jahre",
                                 bbox=(401100, 5650100, 401200, 5650200))
    assert hit["key"].tolist() == ["01002000"] * 3


def test_gpkg_rerun_replaces_one_year_and_records_changes(tmp_path: Path):
    long, layers = full_store()
    target = tmp_path / "sozialdatenbank.gpkg"
    write_store(target, long, layers, years=YEARS)
    before = read_store(target)
    # 2023 again: two values of sgb2 and one flag of ew changed, the rest as before
    new = year_frame(2023, bump={("01001000", "sgb2"): 999.0, ("03241001", "sgb2"): 0.5})
    new.loc[new["key"] == "14522010", "ew_flag"] = "r"
    long23 = pd.concat([long_for({2023: new}), long_for(sozialraum_frames([2023]),
                                                        "Sozialraum")], ignore_index=True)
    report = write_store(target, long23, {"gemeinden": {2023: new},
                                          "sozialraeume": sozialraum_frames([2023])},
                         years=[2023])
    assert report.text() == (
        "2023 (Gemeinde): 12 Werte ersetzt, davon 3 geändert (ew, sgb2); 0 neu, 0 entfallen\n"
        "2023 (Sozialraum): 6 Werte ersetzt, davon 0 geändert; 0 neu, 0 entfallen")
    assert report.text("en").splitlines()[0] == (
        "2023 (Gemeinde): 12 values replaced, 3 of them changed (ew, sgb2); 0 new, 0 dropped")
    after = read_store(target)
    # the other years are untouched
    keep = before.long["jahr"] != 2023
    pd.testing.assert_frame_equal(after.long[after.long["jahr"] != 2023].reset_index(drop=True),
                                  before.long[keep].reset_index(drop=True))
    old_gem, new_gem = before.layers["gemeinden"], after.layers["gemeinden"]
    assert_geodataframe_equal(new_gem[new_gem["jahr"] != 2023].reset_index(drop=True),
                              old_gem[old_gem["jahr"] != 2023].reset_index(drop=True))
    # 2023 is exactly the new data
    expected = pd.concat([long[(long["jahr"] != 2023) & (long["ebene"] == "Gemeinde")],
                          long23[long23["ebene"] == "Gemeinde"],
                          long[(long["jahr"] != 2023) & (long["ebene"] == "Sozialraum")],
                          long23[long23["ebene"] == "Sozialraum"]], ignore_index=True)
    pd.testing.assert_frame_equal(after.long, expected)
    assert_geodataframe_equal(new_gem[new_gem["jahr"] == 2023].reset_index(drop=True),
                              stack_years({2023: new}))
    assert len(new_gem) == 12 and after.meta["jahre"] == YEARS
    last = after.changes.iloc[-2:]
    assert last[["jahr", "ebene", "zeilen_vorher", "zeilen_nachher", "geaendert",
                 "hinzugefuegt", "entfernt", "variablen"]].values.tolist() == [
        [2023, "Gemeinde", 12, 12, 3, 0, 0, "ew, sgb2"],
        [2023, "Sozialraum", 6, 6, 0, 0, 0, ""]]
    assert len(after.changes) == 8  # six from the first write, two from the re-run
    with sqlite3.connect(target) as con:
        counts = dict(con.execute("SELECT table_name, feature_count FROM gpkg_ogr_contents"))
        index = con.execute("SELECT count(*) FROM rtree_gemeinden_jahre_geom").fetchone()[0]
    assert counts["zeitreihe"] == len(expected) and counts["gemeinden_jahre"] == 12
    assert index == 12


def test_gpkg_rerun_with_other_keys_counts_added_and_removed(tmp_path: Path):
    target = tmp_path / "s.gpkg"
    frames = frames_for([2022, 2023])
    write_store(target, long_for(frames), {"gemeinden": frames}, years=[2022, 2023])
    # a merger: 14522010 is gone, 14522999 is new; one value of Kiel changed; 2024 added
    keys = ["01001000", "01002000", "03241001", "14522999"]
    new = {2023: year_frame(2023, keys=keys, bump={("01002000", "ew"): 1.5}),
           2024: year_frame(2024, keys=keys)}
    report = write_store(target, long_for(new), {"gemeinden": new}, years=[2023, 2024])
    rows = report.changes.set_index("jahr")
    assert rows.loc[2023, ["zeilen_vorher", "zeilen_nachher", "geaendert", "hinzugefuegt",
                           "entfernt", "variablen"]].tolist() == [12, 12, 1, 3, 3, "ew"]
    assert rows.loc[2024, ["zeilen_vorher", "hinzugefuegt"]].tolist() == [0, 12]
    back = read_store(target)
    assert back.meta["jahre"] == [2022, 2023, 2024]
    assert sorted(set(back.long.loc[back.long["jahr"] == 2023, "schluessel"])) == keys
    # a year named but without rows is removed
    write_store(target, long_for({2024: new[2024]}), {"gemeinden": {2024: new[2024]}},
                years=[2023, 2024])
    back = read_store(target)
    assert back.meta["jahre"] == [2022, 2024]
    assert sorted(set(back.layers["gemeinden"]["jahr"])) == [2022, 2024]
    assert back.changes.iloc[-2][["jahr", "zeilen_vorher", "zeilen_nachher",
                                  "entfernt"]].tolist() == [2023, 12, 0, 12]


@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
@pytest.mark.parametrize("where", ["_insert_long", "insert_features"])
def test_gpkg_failure_mid_write_leaves_previous_file_byte_identical(tmp_path: Path, monkeypatch,
                                                                    error, where):
    long, layers = full_store()
    target = tmp_path / "sozialdatenbank.gpkg"
    write_store(target, long, layers, years=YEARS)
    previous = target.read_bytes()
    original = getattr(store_write, where)
    calls = []

    def fail_after_some_work(*args, **kwargs):
        original(*args, **kwargs)  # the temporary copy is half updated now
        calls.append(1)
        raise error("simulated failure")

    monkeypatch.setattr(store_write, where, fail_after_some_work)
    new = year_frame(2023, bump={("01001000", "sgb2"): 1.0})
    with pytest.raises(error):
        write_store(target, long_for({2023: new}), {"gemeinden": {2023: new}}, years=[2023])
    assert calls
    assert target.read_bytes() == previous
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sozialdatenbank.gpkg"]
    # and the first write into a new file leaves nothing behind
    with pytest.raises(error):
        write_store(tmp_path / "neu.gpkg", long, layers, years=YEARS)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sozialdatenbank.gpkg"]


def test_gpkg_store_joins_an_output_set(tmp_path: Path):
    long, layers = full_store([2022])
    target = tmp_path / "s.gpkg"
    write_store(target, long, layers, years=[2022])
    previous = target.read_bytes()
    with pytest.raises(ZeroDivisionError), OutputSet():
        write_store(target, long_for({2023: year_frame(2023)}), {}, years=[2023])
        assert target.read_bytes() == previous  # renamed only when the set ends
        raise ZeroDivisionError
    assert target.read_bytes() == previous
    with OutputSet() as outputs:
        write_store(target, long_for({2023: year_frame(2023)}), {}, years=[2023])
        assert target.read_bytes() == previous and outputs.pending == [target]
    assert read_store(target).meta["jahre"] == [2022, 2023]


def test_gpkg_layout_mismatch_and_foreign_files_are_refused(tmp_path: Path):
    target = tmp_path / "s.gpkg"
    frames = frames_for([2022])
    write_store(target, long_for(frames), {"gemeinden": frames}, years=[2022])
    previous = target.read_bytes()
    other = {2023: year_frame(2023).drop(columns=["quote", "quote_flag"])}
    with pytest.raises(GeosozialError) as err:
        write_store(target, long_for(other), {"gemeinden": other}, years=[2023])
    assert err.value.code == "store.layout"
    message = str(err.value)
    assert "gemeinden_jahre" in message and "quote" in message and "nicht überschrieben" in message
    assert "not overwritten" in err.value.text("en")
    typed = {2023: year_frame(2023).assign(ew=lambda f: f["ew"].astype(str))}
    with pytest.raises(GeosozialError) as err:
        write_store(target, long_for({2023: year_frame(2023)}), {"gemeinden": typed},
                    years=[2023])
    assert err.value.code == "store.layout" and "ew (text)" in str(err.value)
    assert target.read_bytes() == previous
    # a long table with other columns
    with sqlite3.connect(target) as con:
        con.execute("ALTER TABLE zeitreihe ADD COLUMN extra TEXT")
    changed = target.read_bytes()
    with pytest.raises(GeosozialError) as err:
        write_store(target, long_for(frames), {}, years=[2022])
    assert err.value.code == "store.layout" and "extra" in str(err.value)
    assert target.read_bytes() == changed
    # a GeoPackage that is not a store, and a file that is no database
    foreign = tmp_path / "gemeinden.gpkg"
    frames[2022].to_file(foreign, layer="gemeinden")
    previous = foreign.read_bytes()
    with pytest.raises(GeosozialError) as err:
        write_store(foreign, long_for(frames), {}, years=[2022])
    assert err.value.code == "store.not_store" and foreign.read_bytes() == previous
    junk = tmp_path / "kaputt.gpkg"
    junk.write_bytes(b"no database at all" * 100)
    with pytest.raises(GeosozialError) as err:
        write_store(junk, long_for(frames), {}, years=[2022])
    assert err.value.code == "store.not_store"
    with pytest.raises(GeosozialError) as err:
        read_store(tmp_path / "fehlt.gpkg")
    assert err.value.code == "store.missing"


def test_write_store_checks_its_inputs(tmp_path: Path):
    frames = frames_for([2022, 2023])
    long = long_for(frames)
    with pytest.raises(GeosozialError) as err:
        write_store(tmp_path / "s.gpkg", long, {}, years=[2023])
    assert err.value.code == "store.years" and "2022" in str(err.value)
    with pytest.raises(GeosozialError) as err:
        write_store(tmp_path / "s.gpkg", long[long["jahr"] == 2023], {"gemeinden": frames},
                    years=[2023])
    assert err.value.code == "store.years" and "gemeinden" in str(err.value)
    with pytest.raises(GeosozialError) as err:
        write_store(tmp_path / "s.gpkg", pd.concat([long, long.iloc[[5]]]), {},
                    years=[2022, 2023])
    assert err.value.code == "store.duplicates" and "01002000" in str(err.value)
    with pytest.raises(GeosozialError) as err:
        write_store(tmp_path / "s.gpkg", long.drop(columns=["quelle"]), {}, years=[2022, 2023])
    assert err.value.code == "store.long_columns"
    with pytest.raises(GeosozialError) as err:
        write_store(tmp_path / "s.gpkg", long, {"Gemeinden 2023": frames}, years=[2022, 2023])
    assert err.value.code == "store.layer_name"
    with pytest.raises(GeosozialError) as err:
        write_store(tmp_path / "s.csv", long, {}, years=[2022, 2023])
    assert err.value.code == "store.target"
    mixed = {2022: frames[2022], 2023: frames[2023].to_crs(25832)}
    with pytest.raises(GeosozialError) as err:
        write_store(tmp_path / "s.gpkg", long, {"gemeinden": mixed}, years=[2022, 2023])
    assert err.value.code == "store.crs"
    assert list(tmp_path.iterdir()) == []


def test_targets_and_passwords():
    kind, pg = store._parse_target("postgresql://ich:ge%40heim@db.landkreis.de:5433/sozial"
                                   "?sslmode=require&schema=planung")
    assert kind == "postgis" and pg.schema == "planung" and pg.password == "ge@heim"
    assert pg.shown == ("postgresql://ich@db.landkreis.de:5433/sozial?sslmode=require"
                        "&schema=planung")
    assert "schema" not in pg.conninfo and "sslmode=require" in pg.conninfo
    assert store._parse_target("postgresql://localhost/db")[1].schema == "geosozial"
    with pytest.raises(GeosozialError) as err:
        store._parse_target("postgresql://localhost/db?schema=a;drop")
    assert err.value.code == "store.schema_name"


def test_unreachable_server_names_host_and_port_without_password():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nobody listens here once the socket is closed
    url = f"postgresql://planer:streng-geheim-42@127.0.0.1:{port}/sozial?schema=x"
    for call in (lambda: read_store(url),
                 lambda: write_store(url, long_for(frames_for([2023])), {}, years=[2023])):
        with pytest.raises(GeosozialError) as err:
            call()
        assert err.value.code == "store.pg_unreachable"
        for text in (str(err.value), err.value.text("en"), repr(err.value.params)):
            assert f"127.0.0.1:{port}" in text and "planer@" in text
            assert "streng-geheim-42" not in text
        assert err.value.__cause__ is None and err.value.__suppress_context__


# --- PostGIS (real server) ------------------------------------------------------------------


@pytest.fixture(scope="module")
def postgis_url() -> str:
    url = os.environ.get("GEOSOZIAL_TEST_POSTGIS")
    if not url:
        reason = ("no PostGIS server: run the tests through `bash scripts/postgis.sh` "
                  "(it sets GEOSOZIAL_TEST_POSTGIS)")
        if os.environ.get("CI"):
            pytest.fail(f"the PostGIS tests must run in CI, but {reason}")
        pytest.skip(reason)
    return url


@pytest.fixture
def pg(postgis_url: str):
    """The URL of a fresh schema (dropped afterwards)."""
    import psycopg

    schema = "test_" + secrets.token_hex(4)
    yield f"{postgis_url}?schema={schema}"
    with psycopg.connect(postgis_url, autocommit=True) as con:
        con.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def test_postgis_round_trip_equals_geopackage(tmp_path: Path, pg: str):
    long, layers = full_store()
    gpkg = tmp_path / "s.gpkg"
    meta = {"projekt": "Musterkreis", "zahl": 3}
    write_store(gpkg, long, layers, years=YEARS, meta=meta)
    report = write_store(pg, long, layers, years=YEARS, meta=meta)
    assert report.target.startswith("postgresql://geosozial@127.0.0.1:")
    assert report.text() == write_store(tmp_path / "t.gpkg", long, layers, years=YEARS).text()
    a, b = read_store(gpkg), read_store(pg)
    assert_store_equal(a, b)
    pd.testing.assert_frame_equal(b.long, long)
    assert_geodataframe_equal(b.layers["gemeinden"], stack_years(layers["gemeinden"]))
    assert {k: v for k, v in b.meta.items() if k != "aktualisiert"} == {
        k: v for k, v in a.meta.items() if k != "aktualisiert"}
    # the tables as a PostGIS user sees them: geometry type, SRID, GIST index, DATE
    import psycopg

    url, schema = pg.split("?schema=")
    with psycopg.connect(url) as con:
        geometry = con.execute("SELECT f_table_name, type, srid FROM geometry_columns WHERE "
                               "f_table_schema = %s ORDER BY 1", (schema,)).fetchall()
        indexes = [r[0] for r in con.execute(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = %s", (schema,))]
        datum = con.execute(f"SELECT data_type FROM information_schema.columns WHERE "
                            f"table_schema = '{schema}' AND table_name = 'gemeinden_jahre' "
                            "AND column_name = 'datum'").fetchone()[0]
        count = con.execute(f"SELECT count(*) FROM {schema}.zeitreihe").fetchone()[0]
    assert geometry == [("gemeinden_jahre", "MULTIPOLYGON", 25833),
                        ("sozialraeume_jahre", "MULTIPOLYGON", 25833)]
    assert sum("USING gist (geom)" in i for i in indexes) == 2
    assert datum == "date" and count == len(long)


def test_postgis_rerun_semantics_equal_geopackage(tmp_path: Path, pg: str):
    long, layers = full_store()
    gpkg = tmp_path / "s.gpkg"
    for target in (gpkg, pg):
        write_store(target, long, layers, years=YEARS)
    keys = ["01001000", "01002000", "03241001", "14522999"]
    new = {2023: year_frame(2023, keys=keys, bump={("01001000", "sgb2"): 7.0}),
           2024: year_frame(2024)}
    texts = [write_store(target, long_for(new), {"gemeinden": new}, years=[2023, 2024]).text()
             for target in (gpkg, pg)]
    assert texts[0] == texts[1]
    assert "2023 (Gemeinde): 12 Werte ersetzt, davon 1 geändert (sgb2); 3 neu, 3 entfallen" \
        in texts[0]
    # 2023 of the Sozialräume was named but not given again: removed
    assert "2023 (Sozialraum): 6 Werte ersetzt, davon 0 geändert; 0 neu, 6 entfallen" \
        in texts[0]
    a, b = read_store(gpkg), read_store(pg)
    assert_store_equal(a, b)
    assert b.meta["jahre"] == [2021, 2022, 2023, 2024]
    assert sorted(set(b.layers["sozialraeume"]["jahr"])) == [2021, 2022]


def test_postgis_failure_keeps_previous_state_and_layout_is_checked(pg: str, monkeypatch):
    long, layers = full_store([2022])
    write_store(pg, long, layers, years=[2022])
    before = read_store(pg)
    original = store._write_layer_pg

    def fail(*args, **kwargs):
        original(*args, **kwargs)
        raise RuntimeError("simulated failure after the layer was copied")

    monkeypatch.setattr(store, "_write_layer_pg", fail)
    new = year_frame(2022, bump={("01001000", "sgb2"): 1.0})
    with pytest.raises(RuntimeError):
        write_store(pg, long_for({2022: new}), {"gemeinden": {2022: new}}, years=[2022])
    monkeypatch.undo()
    assert_store_equal(read_store(pg), before)
    other = {2023: year_frame(2023).drop(columns=["quote", "quote_flag"])}
    with pytest.raises(GeosozialError) as err:
        write_store(pg, long_for(other), {"gemeinden": other}, years=[2023])
    assert err.value.code == "store.layout" and "gemeinden_jahre" in str(err.value)
    assert_store_equal(read_store(pg), before)


def test_postgis_missing_extension_is_a_clear_error(postgis_url: str):
    url = postgis_url.rsplit("/", 1)[0] + "/geosozial_ohne_postgis"
    import psycopg

    try:
        psycopg.connect(url).close()
    except psycopg.OperationalError:
        reason = "the server has no database geosozial_ohne_postgis (scripts/postgis.sh makes one)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    with pytest.raises(GeosozialError) as err:
        write_store(url, long_for(frames_for([2023])), {}, years=[2023])
    assert err.value.code == "store.pg_no_postgis"
    assert "postgis" in str(err.value).lower() and "geosozial_ohne_postgis" in str(err.value)
    password = postgis_url.split(":")[2].split("@")[0]
    assert password not in str(err.value)


# --- inside QGIS ------------------------------------------------------------------------------

QGIS_PYTHON = "/usr/bin/python3"

QGIS_CHECK = r"""
import json, sys
from qgis.core import (QgsApplication, QgsFeatureRequest, QgsInterval, QgsProject,
                       QgsTemporalNavigationObject, QgsTemporalUtils, QgsUnitTypes,
                       QgsVectorLayer, QgsVectorLayerTemporalContext, Qgis)
app = QgsApplication([], False)
app.initQgis()
path = sys.argv[1]
out = {"version": Qgis.QGIS_VERSION}
layer = QgsVectorLayer(f"{path}|layername=gemeinden_jahre", "x", "ogr")
out["valid"] = layer.isValid()
out["active_after_constructor"] = layer.temporalProperties().isActive()
if not out["active_after_constructor"]:
    # QGIS 3.22: the constructor applies the default style from layer_styles but then
    # resets the temporal properties to the provider's (none); the QGIS application
    # loads the default style again after creating a layer, as done here
    message, ok = layer.loadDefaultStyle()
    out["load_default_style"] = [message, ok]
props = layer.temporalProperties()
out["active"] = props.isActive()
out["mode"] = int(props.mode())
out["start_field"] = props.startField()
out["start_expression"] = props.startExpression()
out["end_expression"] = props.endExpression()
out["duration"] = [props.fixedDuration(), QgsUnitTypes.encodeUnit(props.durationUnits())]
QgsProject.instance().addMapLayer(layer)
navigation = QgsTemporalNavigationObject()
navigation.setTemporalExtents(QgsTemporalUtils.calculateTemporalRangeForProject(
    QgsProject.instance()))
navigation.setFrameDuration(QgsInterval(1, QgsUnitTypes.TemporalYears))
context = QgsVectorLayerTemporalContext()
context.setLayer(layer)
frames = []
for k in range(navigation.totalFrameCount()):
    frame = navigation.dateTimeRangeForFrameNumber(k)
    request = QgsFeatureRequest().setFilterExpression(props.createFilterString(context, frame))
    frames.append([frame.begin().toString("yyyy-MM-dd"),
                   sorted(f["jahr"] for f in layer.getFeatures(request))])
out["frames"] = frames
table = QgsVectorLayer(f"{path}|layername=zeitreihe", "z", "ogr")
out["zeitreihe"] = [table.isValid(), table.featureCount(),
                    table.fields().field("schluessel").typeName()]
first = next(table.getFeatures())
out["first_key"] = first["schluessel"]
print("RESULT " + json.dumps(out))
"""


def _qgis_ready() -> str | None:
    if not Path(QGIS_PYTHON).exists():
        return f"{QGIS_PYTHON} missing"
    probe = subprocess.run([QGIS_PYTHON, "-c", "import qgis.core"], capture_output=True,
                           text=True, env={"PATH": "/usr/bin:/bin"})
    if probe.returncode != 0:
        return "Debian's python3-qgis and qgis-providers are needed: " + (
            probe.stderr.strip().splitlines() or ["import failed"])[-1]
    return None


@pytest.mark.qgis
def test_year_layer_is_time_enabled_inside_qgis(tmp_path: Path):
    """QGIS opens the store, the *_jahre layer carries its temporal properties, and the
    Temporal Controller (frames of one year) shows exactly one year per frame."""
    problem = _qgis_ready()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"the QGIS store test must run in CI, but {problem}")
        pytest.skip(problem)
    years = [2020, 2021, 2022, 2023]  # 2020 is a leap year
    long, layers = full_store(years)
    target = tmp_path / "sozialdatenbank.gpkg"
    write_store(target, long, layers, years=years)
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8",
           "QT_QPA_PLATFORM": "offscreen", "XDG_RUNTIME_DIR": str(runtime),
           "PYTHONNOUSERSITE": "1"}
    proc = subprocess.run([QGIS_PYTHON, "-c", QGIS_CHECK, str(target)], env=env,
                          capture_output=True, text=True, timeout=300, cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    line = next(x for x in proc.stdout.splitlines() if x.startswith("RESULT "))
    out = json.loads(line.removeprefix("RESULT "))
    assert out["valid"], out
    assert out["active"] and out["start_field"] == "datum", out
    assert out["mode"] == 4 and '"datum"' in out["end_expression"], out
    assert out["duration"] == [1.0, "y"], out
    assert out["frames"] == [[f"{y}-12-31", [y] * len(KEYS)] for y in years], out
    assert out["zeitreihe"] == [True, len(long), "String"], out
    assert out["first_key"] == "01001000", out
    # QGIS left nothing beside the store
    assert [p.name for p in tmp_path.glob("sozialdatenbank.gpkg*")] == ["sozialdatenbank.gpkg"]


# --- the README's test command runs PostGIS too ------------------------------------------


def test_ci_runs_the_readme_test_command_with_a_postgis_server():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split("```bash", 1)[1].split("```", 1)[0]
    commands = [line.strip() for line in block.splitlines()
                if line.strip() and not line.strip().startswith("#")]
    test_command = commands[1]
    assert "scripts/postgis.sh" in test_command and "pytest" in test_command
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command in ci.splitlines()
    setup = (REPO / "scripts" / "setup.sh").read_text(encoding="utf-8")
    assert "postgresql-15-postgis-3" in setup


def test_stacked_layer_keeps_its_own_year_columns_once():
    """An area field named like the store's own columns (``jahr``, ``datum``) is not
    stacked a second time (as stack_years leaves it out): one value per row."""
    from geosozial.core.store_write import LayerRows, stack_rows

    layer = LayerRows({"jahr": "int", "key": "text"}, {"jahr": [1999, 1999],
                                                       "key": ["1", "2"]},
                      [None, None], np.full((2, 4), np.nan))
    stacked = stack_rows({2022: layer, 2023: layer})
    assert list(stacked.kinds) == ["jahr", "datum", "key"]
    assert stacked.values["jahr"] == [2022, 2022, 2023, 2023]
    assert all(len(v) == 4 for v in stacked.values.values())

