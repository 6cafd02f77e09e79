"""A project's years on one Gebietsstand: crosswalks per year, dynamics, emerging hot
spots and the update checks (issue "Years on one Gebietsstand"), on the demo project
whose 2021 and 2022 tables predate two mergers on 01.01.2023."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pytest
from datasets import DEMO, demo_project

from geosozial.core.messages import GeosozialError
from geosozial.core.tables.read import read_table
from geosozial.geo.gpkg import read_metadata
from geosozial.pipeline.project import run_project

TOTAL = "Insgesamt | Altersgruppen (unter 3 bis 75 u.m.) | Insgesamt"


def _crosswalk() -> dict[str, str]:
    lines = (DEMO / "umsteiger_2022_2023.csv").read_text(encoding="utf-8").splitlines()[1:]
    return {r.split(";")[0]: r.split(";")[2] for r in lines}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("years")
    summary = run_project(DEMO / "projekt.toml", out)
    frames = {y: gpd.read_file(out / f"musterkreis_{y}.gpkg", layer="gemeinden")
              for y in (2021, 2022, 2023)}
    return out, summary, frames


def test_old_years_are_converted_onto_todays_keys(run):
    out, summary, frames = run
    cw = _crosswalk()
    raw = read_table(DEMO / "bevoelkerung_2021.csv")
    f = frames[2021].set_index("key")
    assert set(f.index) == set(frames[2023]["key"])  # one Gebietsstand in every year
    for new in set(cw.values()):
        parts = [k for k, v in cw.items() if v == new]
        assert f.at[new, "bev_insg"] == sum(raw.value(k, TOTAL) for k in parts)
        assert f.at[new, "bev_insg_flag"] == "umgeschluesselt"
        # the rate is recomputed from the converted counts, never converted itself
        assert f.at[new, "sgb2_quote"] == pytest.approx(
            100 * f.at[new, "sgb2_rlb"] / f.at[new, "bev_u65"])
        assert f.at[new, "sgb2_quote_flag"] == "umgeschluesselt"
    untouched = f.drop(index=list(set(cw.values())))
    assert (untouched["bev_insg_flag"].fillna("") == "").all()
    assert sorted(json.loads(read_metadata(out / "musterkreis_2021.gpkg")["umgerechnet"])) \
        == sorted(set(cw.values()))
    assert json.loads(read_metadata(out / "musterkreis_2023.gpkg")["umgerechnet"]) == []
    assert all(r.matched == 50 for y in summary.years for r in y.reports)
    report = (out / "verknuepfungsbericht_2021.txt").read_text(encoding="utf-8")
    assert "auf den Gebietsstand 31.12.2023 umgerechnet: 2 Zusammenschlüsse" in report


def test_changes_and_trend_per_municipality(run):
    _, _, frames = run
    a, b = frames[2021].set_index("key"), frames[2023].set_index("key")
    diff = b["sgb2_quote_diff2"]
    known = diff.notna()
    assert known.sum() >= 45
    assert np.allclose(diff[known], (b["sgb2_quote"] - a["sgb2_quote"])[known])  # in points
    assert frames[2022]["sgb2_quote_diff2"].isna().all()  # no year 2020
    years = np.array([2021, 2022, 2023], dtype=float)
    key = b.index[0]
    y = np.array([frames[t].set_index("key").at[key, "sgb2_quote"] for t in (2021, 2022, 2023)])
    assert b.at[key, "sgb2_quote_trend"] == pytest.approx(np.polyfit(years, y, 1)[0])
    withheld = b["sgb2_quote_flag"].eq("geheim")
    assert b.loc[withheld, "sgb2_quote_diff2"].isna().all()


def test_emerging_hot_spot_map_of_the_project(run):
    out, summary, frames = run
    from geosozial.geo.emerging import emerging_analysis

    page = (out / "emerging_hotspots_sgb2_quote.html").read_text(encoding="utf-8")
    a = emerging_analysis(frames, "sgb2_quote")
    counts = a.frame["ehs_kategorie"].value_counts()
    assert counts.get("persistent", 0) >= 3  # the planted hot spot stays hot
    assert "beständiger Hot Spot" in page and "2021–2023" in page
    assert any(n.code == "ehs.few_years" for n in summary.years[-1].notices)


def test_a_year_in_two_crosswalks_is_refused(tmp_path):
    text = (DEMO / "projekt.toml").read_text(encoding="utf-8").replace(
        "years = [2021, 2022]\n", "years = [2021, 2022]\n\n[[crosswalks]]\nfile = "
        '"umsteiger_2022_2023.csv"\nyears = [2022]\n')
    with pytest.raises(GeosozialError) as exc:
        run_project(demo_project(tmp_path, text), tmp_path / "out")
    assert exc.value.code == "project.crosswalk_twice" and exc.value.params["year"] == 2022
    assert not (tmp_path / "out").exists()


def test_without_the_crosswalk_the_old_keys_stay_unmatched(tmp_path):
    text = (DEMO / "projekt.toml").read_text(encoding="utf-8")
    start = text.index("[[crosswalks]]")
    text = text[:start] + text[text.index("[indicators]"):]
    summary = run_project(demo_project(tmp_path, text), tmp_path / "out")
    report = summary.years[0].reports[0]
    assert {r["key"] for r in report.table_only} >= set(_crosswalk()) - set(
        _crosswalk().values())


def test_a_year_with_far_fewer_keys_is_reported(tmp_path):
    project = demo_project(tmp_path, skip=("arbeitslose_2023.csv",))
    lines = (DEMO / "arbeitslose_2023.csv").read_bytes().split(b"\n")
    data = [i for i, line in enumerate(lines) if line.startswith(b"14999") and
            len(line.split(b";")[0]) == 8]
    keep = [line for i, line in enumerate(lines) if i not in data[:20]]
    (tmp_path / "arbeitslose_2023.csv").write_bytes(b"\n".join(keep))
    summary = run_project(project, tmp_path / "out")
    notice = next(n for n in summary.years[-1].notices if n.code == "year.fewer_keys")
    assert notice.params["n"] == 30 and notice.params["previous"] == 52  # 2022: old stand
    assert "arbeitslose_2023.csv" in notice.text()


def test_trends_command_equals_the_api_and_names_the_years(run, tmp_path, capsys):
    import geosozial as gs
    from geosozial.cli import main

    out, _, frames = run
    files = [str(out / f"musterkreis_{y}.gpkg") for y in (2021, 2022, 2023)]
    target = tmp_path / "ehs.gpkg"
    assert main(["trends", *files, "--field", "sgb2_quote", "--change", "2", "--out",
                 str(target), "--html", str(tmp_path / "ehs.html")]) == 0
    printed = capsys.readouterr().out
    assert "Jahre: 2021, 2022, 2023" in printed and "beständiger Hot Spot" in printed
    cli = gpd.read_file(target, layer="emerging_hotspots")
    api = gs.emerging_hotspots(frames, "sgb2_quote", key="key")
    assert cli["ehs_kategorie"].tolist() == api.frame["ehs_kategorie"].tolist()
    assert np.allclose(cli["gi_z_2022"], api.frame["gi_z_2022"], equal_nan=True)
    single = gs.hotspots(frames[2022], "sgb2_quote", key="key", dropna=True)
    hit = cli["key"].isin(single.frame["key"])
    assert cli.loc[hit, "gi_bin_2022"].tolist() == single.frame["gi_bin"].tolist()
    dyn = gs.dynamics(frames, "sgb2_quote", years=2, key="key")
    assert np.allclose(cli["sgb2_quote_diff2"], dyn.frame["sgb2_quote_diff2"], equal_nan=True)
    assert dyn.method["unit"] == "Prozentpunkte"
    # a file whose year cannot be told, and two files of one year
    assert main(["trends", files[0], files[0], "--field", "sgb2_quote", "--out",
                 str(tmp_path / "x.gpkg")]) == 2
    assert "2021 kommt zweimal vor" in capsys.readouterr().err


def test_the_store_keeps_other_years_and_records_an_update(run, tmp_path):
    import shutil

    from geosozial import read_store

    out, _, frames = run
    store = out / "sozialdatenbank.gpkg"
    first = read_store(store)
    assert sorted(first.long["jahr"].unique()) == [2021, 2022, 2023]
    converted = first.long[first.long["umgerechnet"] & (first.long["ebene"] == "Gemeinde")]
    assert set(converted["schluessel"]) == set(_crosswalk().values())
    regions = first.long[first.long["umgerechnet"] & (first.long["ebene"] == "Sozialraum")]
    assert set(regions["schluessel"]) == {"Sozialregion Nord", "Sozialregion Südost"}
    assert set(converted["jahr"]) == {2021, 2022}
    one = first.long[(first.long["jahr"] == 2023) & (first.long["variable"] == "sgb2_quote")
                     & (first.long["ebene"] == "Gemeinde")].set_index("schluessel")["wert"]
    assert np.allclose(one.loc[frames[2023]["key"]], frames[2023]["sgb2_quote"],
                       equal_nan=True)
    # the statistical office corrects one 2023 value: rerun 2023 only into a copy
    work = tmp_path / "out"
    shutil.copytree(out, work)
    text = (DEMO / "projekt.toml").read_text(encoding="utf-8").replace(
        "years = [2021, 2022, 2023]", "years = [2023]")
    project = demo_project(tmp_path, text, skip=("sgb2_2023.csv",))
    raw = (DEMO / "sgb2_2023.csv").read_bytes().decode("latin-1")
    row = next(line for line in raw.splitlines() if line.startswith("14999020;"))
    cells = row.split(";")
    cells[2] = str(int(cells[2]) + 50)
    kreis = next(line for line in raw.splitlines() if line.startswith("14999;"))
    kcells = kreis.split(";")
    kcells[2] = str(int(kcells[2]) + 50)
    (tmp_path / "sgb2_2023.csv").write_bytes(raw.replace(row, ";".join(cells)).replace(
        kreis, ";".join(kcells)).encode("latin-1"))
    again = run_project(project, work)
    second = read_store(work / "sozialdatenbank.gpkg")
    old = first.long[first.long["jahr"] < 2023].reset_index(drop=True)
    kept = second.long[second.long["jahr"] < 2023].reset_index(drop=True)
    assert kept.equals(old)  # the other years stay as they were
    change = second.changes[(second.changes["jahr"] == 2023)
                            & (second.changes["ebene"] == "Gemeinde")].iloc[-1]
    assert change["geaendert"] >= 2  # sgb2_rlb and the rates built on it, for 14999020
    assert "sgb2_rlb" in change["variablen"] and "sgb2_quote" in change["variablen"]
    assert "2023 (Gemeinde)" in again.text()
    assert len(second.layers["gemeinden"]) == 3 * 50


def test_a_sozialraum_mapping_of_the_old_stand_is_moved_onto_todays_keys(run, tmp_path):
    out, _, _ = run
    cw = _crosswalk()
    lines = (DEMO / "sozialraeume.csv").read_text(encoding="utf-8").splitlines()
    group = {r.split(";")[0]: r.split(";")[1] for r in lines[1:]}
    old = [lines[0]] + [r for r in lines[1:] if r.split(";")[0] not in set(cw.values())]
    old += [f"{k};{group[v]}" for k, v in cw.items()]  # the mapping as it was in 2022
    project = demo_project(tmp_path, skip=("sozialraeume.csv",))
    (tmp_path / "sozialraeume.csv").write_text("\n".join(old) + "\n", encoding="utf-8")
    summary = run_project(project, tmp_path / "out")
    notice = next(n for n in summary.years[-1].notices if n.code == "cw.mapping_moved")
    assert notice.params["n"] == 3 and "14999013 Oberährenfeld → 14999010" in notice.text()
    ours = gpd.read_file(summary.years[-1].gpkg, layer="sozialraeume")
    theirs = gpd.read_file(out / "musterkreis_2023.gpkg", layer="sozialraeume")
    assert ours.sort_values("key")["bev_insg"].tolist() == \
        theirs.sort_values("key")["bev_insg"].tolist()
    # a former municipality put into another Sozialraum than its successor is an error
    other = next(g for g in set(group.values()) if g != group["14999010"])
    (tmp_path / "sozialraeume.csv").write_text("\n".join(old).replace(
        f"14999017;{group['14999010']}", f"14999017;{other}") + "\n", encoding="utf-8")
    with pytest.raises(GeosozialError) as exc:
        run_project(project, tmp_path / "out2")
    assert exc.value.code == "cw.mapping_conflict" and "14999010" in str(exc.value)


def test_a_project_store_in_postgis_equals_the_geopackage(tmp_path):
    """`geosozial report --database URL` writes the same store to PostGIS (real server
    from scripts/postgis.sh; skipped without it, failing in CI)."""
    import os
    import secrets

    from geosozial import read_store
    from geosozial.cli import main

    url = os.environ.get("GEOSOZIAL_TEST_POSTGIS")
    if not url:
        reason = "no PostGIS server: run through `bash scripts/postgis.sh`"
        if os.environ.get("CI"):
            pytest.fail(f"the PostGIS tests must run in CI, but {reason}")
        pytest.skip(reason)
    import psycopg

    schema = "projekt_" + secrets.token_hex(4)
    target = f"{url}?schema={schema}"
    try:
        assert main(["report", str(DEMO / "projekt.toml"), "--out", str(tmp_path / "out"),
                     "--database", target]) == 0
        pg = read_store(target)
        gpkg = read_store(tmp_path / "out" / "sozialdatenbank.gpkg")
        assert len(pg.long) == len(gpkg.long) > 5000
        assert pg.long.equals(gpkg.long)
        for name in ("gemeinden", "sozialraeume"):
            a, b = pg.layers[name], gpkg.layers[name]
            assert a.drop(columns="geometry").equals(b.drop(columns="geometry"))
            assert a.geometry.geom_equals_exact(b.geometry, 1e-6).all()
    finally:
        with psycopg.connect(url, autocommit=True) as con:
            con.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
