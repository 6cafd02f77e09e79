"""The fictional demo project geodata/musterkreis: reproducible, valid and consistent.

The files are regenerated twice and compared byte for byte with each other and with the
committed ones (the GeoPackage by content, as its bytes depend on the GDAL build); then
geometry, keys, Sozialräume, tables and the planted spatial structure are checked.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "geodata" / "musterkreis"
SCRIPT = REPO / "scripts" / "make_demo_data.py"
YEARS = (2021, 2022, 2023)
TABLES = ("bevoelkerung", "sgb2", "arbeitslose", "bewegungen")
# population table columns: 11 age groups, Insgesamt, women 15 to under 45
U15, TOTAL, WOMEN = slice(0, 3), 11, 12

pytestmark = pytest.mark.skipif(not DEMO.is_dir(), reason="demo data not generated")


def sha256(path: Path) -> str:
    """Hex digest of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def parse_classic(path: Path) -> tuple[list[str], list[list[str]], dict[str, list[str]]]:
    """Header lines, column-header rows and data rows (key -> raw cells) of a classic CSV."""
    text = path.read_bytes().decode("latin-1")
    lines = text.split("\n")
    head: list[str] = []
    colhead: list[list[str]] = []
    rows: dict[str, list[str]] = {}
    for line in lines:
        if line.startswith("__________"):
            break
        if line.startswith(";;"):
            colhead.append(line.split(";")[2:])
        elif line[:1].isdigit():
            key, _name, *cells = line.split(";")
            assert key not in rows, f"duplicate key {key} in {path.name}"
            rows[key] = cells
        else:
            head.append(line)
    return head, colhead, rows


def values(cells: list[str]) -> np.ndarray:
    """Cells as floats: '-' is 0, '.' is NaN."""
    return np.array([0.0 if c == "-" else np.nan if c == "." else float(c) for c in cells])


def table(name: str, year: int) -> pd.DataFrame:
    """A table as a float frame indexed by key, Kreis row first."""
    _, _, rows = parse_classic(DEMO / f"{name}_{year}.csv")
    return pd.DataFrame({k: values(v) for k, v in rows.items()}).T


@pytest.fixture(scope="module")
def areas() -> gpd.GeoDataFrame:
    """The committed municipality layer."""
    return gpd.read_file(DEMO / "gemeinden.gpkg", layer="gemeinden")


def neighbours(geoms: np.ndarray) -> list[set[int]]:
    """Queen contiguity via shapely ``intersects``."""
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    nbrs: list[set[int]] = [set() for _ in geoms]
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if i != j:
            nbrs[i].add(j)
    return nbrs


def morans_i(x: np.ndarray, nbrs: list[set[int]]) -> float:
    """Moran's I with row-standardised weights; islands are left out."""
    keep = [i for i, nb in enumerate(nbrs) if nb]
    pos = {k: p for p, k in enumerate(keep)}
    w = np.zeros((len(keep), len(keep)))
    for i in keep:
        for j in nbrs[i]:
            w[pos[i], pos[j]] = 1.0 / len(nbrs[i])
    z = x[keep] - x[keep].mean()
    return float(len(keep) / w.sum() * (z @ w @ z) / (z @ z))


@pytest.mark.slow
def test_regeneration_is_byte_identical(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    for out in (first, second):
        subprocess.run([sys.executable, str(SCRIPT), "--out", str(out)], check=True,
                       capture_output=True)
    fresh = {p.name: sha256(p) for p in first.iterdir()}
    assert fresh == {p.name: sha256(p) for p in second.iterdir()}
    committed = {p.name: sha256(p) for p in DEMO.iterdir()}
    assert set(fresh) == set(committed)
    # text files are pure Python output: identical to the committed bytes everywhere
    assert {k: v for k, v in fresh.items() if k != "gemeinden.gpkg"} == {
        k: v for k, v in committed.items() if k != "gemeinden.gpkg"}
    # the GeoPackage's bytes depend on the GDAL/SQLite build: compare its content instead
    new = gpd.read_file(first / "gemeinden.gpkg")
    old = gpd.read_file(DEMO / "gemeinden.gpkg")
    pd.testing.assert_frame_equal(new.drop(columns="geometry"), old.drop(columns="geometry"))
    assert new.geometry.geom_equals_exact(old.geometry, tolerance=0).all()


def test_size_and_files() -> None:
    files = {p.name for p in DEMO.iterdir()}
    expected = {"gemeinden.gpkg", "sozialraeume.csv", "README.md", "projekt.toml",
                "umsteiger_2022_2023.csv"} | {f"{t}_{y}.csv" for t in TABLES for y in YEARS}
    assert files == expected
    assert sum(p.stat().st_size for p in DEMO.iterdir()) < 2_000_000
    assert "fictional" in (DEMO / "README.md").read_text(encoding="utf-8").lower()


def test_attributes(areas: gpd.GeoDataFrame) -> None:
    assert 45 <= len(areas) <= 55
    assert areas.crs.to_epsg() == 25833
    assert list(areas.columns) == ["AGS", "ARS", "GEN", "BEZ", "GF", "EWZ", "geometry"]
    assert areas["AGS"].str.fullmatch(r"14999\d{3}").all()
    assert areas["AGS"].is_unique
    assert areas["ARS"].str.fullmatch(r"\d{12}").all()
    assert (areas["ARS"].str[:5] + areas["ARS"].str[9:]).tolist() == areas["AGS"].tolist()
    assert (areas["GF"] == 4).all()
    assert set(areas["BEZ"]) == {"Stadt", "Gemeinde", "Große Kreisstadt"}
    core = areas[areas["BEZ"] == "Große Kreisstadt"]
    assert core["GEN"].tolist() == ["Musterstadt"]
    assert 30_000 <= int(core["EWZ"].iloc[0]) <= 40_000
    assert 150_000 <= areas["EWZ"].sum() <= 200_000
    pop = table("bevoelkerung", YEARS[-1])
    assert areas["EWZ"].tolist() == pop.loc[areas["AGS"], TOTAL].astype(int).tolist()


def test_valid_coverage(areas: gpd.GeoDataFrame) -> None:
    geoms = areas.geometry.to_numpy()
    assert shapely.is_valid(geoms).all()
    assert shapely.coverage_is_valid(geoms)
    union = shapely.union_all(geoms)
    assert union.area == pytest.approx(shapely.area(geoms).sum(), rel=1e-9)  # no overlaps
    parts = shapely.get_parts(union)
    assert len(parts) == 2  # mainland and the exclave
    assert all(len(p.interiors) == 0 for p in parts)  # no gaps
    coords = shapely.get_coordinates(geoms)
    assert np.allclose(coords, np.round(coords, 1), rtol=0, atol=1e-6)
    x0, y0, x1, y1 = union.bounds
    assert 330_000 <= x0 < x1 <= 400_000 and 5_640_000 <= y0 < y1 <= 5_700_000
    assert not shapely.equals(union.convex_hull, shapely.envelope(union))  # not a rectangle


def test_islands_and_multipolygons(areas: gpd.GeoDataFrame) -> None:
    geoms = areas.geometry.to_numpy()
    nbrs = neighbours(geoms)
    isolated = [i for i, nb in enumerate(nbrs) if not nb]
    assert len(isolated) == 1
    rest = shapely.union_all(np.delete(geoms, isolated))
    assert shapely.distance(geoms[isolated[0]], rest) > 1_000
    multi = np.flatnonzero(shapely.get_num_geometries(geoms) > 1)
    assert len(multi) >= 2
    for i in multi:
        others = shapely.union_all(np.delete(geoms, i))
        for part in shapely.get_parts(geoms[i]):
            assert part.intersects(others), f"a part of {areas['GEN'][i]} has no neighbour"


def test_sozialraeume(areas: gpd.GeoDataFrame) -> None:
    assert "ü" in (DEMO / "sozialraeume.csv").read_bytes().decode("utf-8")
    soz = pd.read_csv(DEMO / "sozialraeume.csv", sep=";", dtype=str, encoding="utf-8")
    assert list(soz.columns) == ["AGS", "Sozialraum"]
    assert soz["AGS"].is_unique
    assert set(soz["AGS"]) == set(areas["AGS"])
    assert soz["Sozialraum"].nunique() == 6
    assert soz["Sozialraum"].value_counts().min() >= 3


@pytest.mark.parametrize("name", TABLES)
@pytest.mark.parametrize("year", YEARS)
def test_classic_layout(name: str, year: int, areas: gpd.GeoDataFrame) -> None:
    path = DEMO / f"{name}_{year}.csv"
    raw = path.read_bytes()
    with pytest.raises(UnicodeDecodeError):  # Latin-1 umlauts are not valid UTF-8
        raw.decode("utf-8")
    text = raw.decode("latin-1")
    assert "ü" in text and "ß" in text and "\r" not in text
    lines = text.split("\n")
    assert lines[0].startswith("GENESIS-Tabelle: ")
    assert f"31.12.{year}" in text or f"Jahr: {year}" in text
    assert "fiktiv" in text
    footer = lines.index("__________")
    assert lines[footer + 1].startswith('"')
    assert lines[-2].startswith("Stand: ") and lines[-1] == ""
    assert any(line.startswith("©") for line in lines[footer:])
    head, colhead, rows = parse_classic(path)
    assert 1 <= len(colhead) <= 3
    width = len(colhead[0])
    assert all(len(r) == width for r in colhead) and all(len(r) == width for r in rows.values())
    assert all(h.count(";") in (0, width + 1) for h in head)
    assert next(iter(rows)) == "14999"
    assert "\n14999;Musterkreis (fiktiv);" in text
    assert set(rows) - {"14999"} == stand_keys(year, areas)
    assert not {"x", "/", "..."} & {c for r in rows.values() for c in r}


def test_symbols() -> None:
    cells = {c for t in TABLES for y in YEARS for r in parse_classic(
        DEMO / f"{t}_{y}.csv")[2].values() for c in r}
    assert "." in cells and "-" in cells
    sgb2 = {c for y in YEARS for r in parse_classic(DEMO / f"sgb2_{y}.csv")[2].values() for c in r}
    assert "." in sgb2
    births = table("bewegungen", 2022)[0]
    assert (births.drop("14999") == 0).any()


@pytest.mark.parametrize("name", TABLES)
@pytest.mark.parametrize("year", YEARS)
def test_kreis_row_is_total(name: str, year: int) -> None:
    t = table(name, year)
    kreis, members = t.loc["14999"], t.drop("14999")
    for col in t.columns:
        if members[col].isna().any():  # suppressed members: the Kreis row holds the truth
            assert kreis[col] >= members[col].sum() + 1
        else:
            assert kreis[col] == members[col].sum()


def crosswalk() -> dict[str, str]:
    lines = (DEMO / "umsteiger_2022_2023.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "alt;name_alt;neu;name_neu;anteil;gebietsstand"
    return {r.split(";")[0]: r.split(";")[2] for r in lines[1:]}


def stand_keys(year: int, areas: gpd.GeoDataFrame) -> set[str]:
    """The keys of a year's Gebietsstand: before 2023 the crosswalk's old keys."""
    today = set(areas["AGS"])
    if year >= 2023:
        return today
    cw = crosswalk()
    return (today - set(cw.values())) | set(cw)


def test_mergers_between_the_years(areas: gpd.GeoDataFrame) -> None:
    cw = crosswalk()
    kinds = {}
    for new in set(cw.values()):
        olds = sorted(k for k, v in cw.items() if v == new)
        kinds[new] = "absorbed" if new in olds else "new"
        assert new in set(areas["AGS"]) and len(olds) == 2
        for name in TABLES:  # old keys before 01.01.2023, today's key from 2023 on
            for year in (2021, 2022):
                index = set(table(name, year).index)
                assert set(olds) <= index and (new in index) == (kinds[new] == "absorbed")
            assert not (set(olds) - {new}) & set(table(name, 2023).index)
    assert sorted(kinds.values()) == ["absorbed", "new"]
    # the 2022 population, brought onto today's keys, continues into 2023
    pop22 = table("bevoelkerung", 2022)[TOTAL]
    moved = pop22.rename(index=lambda k: cw.get(k, k)).groupby(level=0).sum()
    move = table("bewegungen", 2023)
    expected = moved + move[0] - move[1] + move[2] - move[3]
    pop23 = table("bevoelkerung", 2023)[TOTAL]
    assert (expected.loc[pop23.index] == pop23).all()


@pytest.mark.parametrize("year", YEARS)
def test_internal_consistency(year: int) -> None:
    pop = table("bevoelkerung", year)
    assert (pop.iloc[:, :TOTAL].sum(axis=1) == pop[TOTAL]).all()
    assert (pop[WOMEN] <= pop.iloc[:, 3:8].sum(axis=1)).all()
    sgb = table("sgb2", year)
    assert (sgb[1].fillna(0) <= sgb[0]).all()
    assert (sgb[2].fillna(0) <= pop.loc[sgb.index].iloc[:, U15].sum(axis=1)).all()
    al = table("arbeitslose", year)
    assert (al.iloc[:, 1:].fillna(0).le(al[0], axis=0)).all().all()
    assert (al[0] <= pop.loc[al.index].iloc[:, 3:9].sum(axis=1)).all()
    if year > YEARS[0]:
        move = table("bewegungen", year)
        before = table("bevoelkerung", year - 1)[TOTAL]
        if year == 2023:  # the mergers of 01.01.2023: test_mergers_between_the_years
            before = before.rename(index=lambda k: crosswalk().get(k, k)).groupby(level=0).sum()
        expected = before + move[0] - move[1] + move[2] - move[3]
        assert (expected.loc[pop.index] == pop[TOTAL]).all()


def test_planted_spatial_structure(areas: gpd.GeoDataFrame) -> None:
    year = YEARS[-1]
    pop, sgb = table("bevoelkerung", year), table("sgb2", year)
    keys = areas["AGS"]
    rate = (100 * sgb.loc[keys, 0] / pop.loc[keys, TOTAL]).to_numpy()
    old = (pop.loc[keys, [9, 10]].sum(axis=1) / pop.loc[keys, TOTAL]).to_numpy()
    nbrs = neighbours(areas.geometry.to_numpy())
    assert morans_i(rate, nbrs) > 0.3
    assert morans_i(old, nbrs) > 0.2
    core = int(np.flatnonzero(areas["BEZ"] == "Große Kreisstadt")[0])
    hot = [core, *nbrs[core]]
    cold = [i for i in range(len(areas)) if i not in hot and not nbrs[i] & set(hot)]
    assert rate[hot].min() > 11.0
    assert np.median(rate[cold]) < 8.0
    assert old[core] < np.median(old[cold])
