"""`geosozial moran|lisa|hotspots` as a user runs them, checked against esda and the demo."""

import json

import esda
import geopandas as gpd
import libpysal
import numpy as np
import pyogrio
import pytest
from datasets import DEMO, VG5000

from geosozial.cli import main
from geosozial.geo.areas import read_areas
from geosozial.geo.weights import weights_for
from geosozial.kernel.local import local_moran


@pytest.fixture(scope="module")
def mittelsachsen(tmp_path_factory):
    frame = gpd.read_file(VG5000)
    frame = frame[frame["AGS"].str.startswith("14522")].copy()
    frame["geometry"] = frame.geometry.make_valid()
    frame["flaeche"] = frame.geometry.area / 1e6
    path = tmp_path_factory.mktemp("ms") / "mittelsachsen.gpkg"
    frame.to_file(path, layer="gemeinden")
    return path


@pytest.fixture(scope="module")
def demo_2023(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    assert main(["demo", "--out", str(out)]) == 0
    return out / "musterkreis_2023.gpkg"


def test_lisa_writes_result_columns_and_method(mittelsachsen, tmp_path, capsys):
    out = tmp_path / "lisa.gpkg"
    assert main(["lisa", str(mittelsachsen), "--field", "flaeche", "--out", str(out),
                 "--seed", "7"]) == 0
    printed = capsys.readouterr().out
    assert "Seed 7" in printed and "FDR 5 %" in printed
    result = gpd.read_file(out)
    assert len(result) == 53
    assert {"lisa_I", "lisa_z", "lisa_p", "lisa_q", "lisa_cluster"} <= set(result.columns)
    assert set(result["lisa_cluster"]) <= {"HH", "LL", "LH", "HL", "ns", "isolated"}
    meta = pyogrio.read_info(out)["dataset_metadata"]
    method = json.loads(meta["methode"])
    # the default is sequential ("auto"), its maximum recorded and named in the note
    assert method["seed"] == 7 and method["permutations"] == "auto" and method["sequential"]
    assert f"höchstens {method['max_permutations']:,}".replace(",", ".") in printed
    assert method["correction"] == "fdr" and method["alternative"] == "two-sided"
    # parity: the file holds exactly what the kernel gives for the same seed
    areas = read_areas(mittelsachsen)
    w = weights_for(areas.frame, "queen")
    direct = local_moran(areas.frame["flaeche"].to_numpy(), w, seed=7)
    np.testing.assert_array_equal(result["lisa_p"].to_numpy(), direct.p)
    np.testing.assert_array_equal(result["lisa_q"].to_numpy(), direct.q)
    np.testing.assert_allclose(result["lisa_I"].to_numpy(), direct.values, atol=1e-12)


def test_lisa_equals_esda_on_mittelsachsen(mittelsachsen, tmp_path):
    out = tmp_path / "lisa.gpkg"
    assert main(["lisa", str(mittelsachsen), "--field", "flaeche", "--out", str(out)]) == 0
    result = gpd.read_file(out)
    frame = gpd.read_file(mittelsachsen)
    queen = libpysal.weights.Queen.from_dataframe(frame, use_index=False)
    ref = esda.Moran_Local(frame["flaeche"].to_numpy(), queen, permutations=0)
    np.testing.assert_allclose(result["lisa_I"].to_numpy(), ref.Is, atol=1e-12)


def test_moran_json_matches_esda(mittelsachsen, capsys):
    assert main(["moran", str(mittelsachsen), "--field", "flaeche", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    moran_row = next(r for r in data["statistics"] if r["statistic"] == "moran")
    frame = gpd.read_file(mittelsachsen)
    queen = libpysal.weights.Queen.from_dataframe(frame, use_index=False)
    ref = esda.Moran(frame["flaeche"].to_numpy(), queen, permutations=0)
    assert moran_row["value"] == pytest.approx(ref.I, abs=1e-12)
    assert moran_row["permutations"] == 999 and moran_row["seed"] == 12345
    assert {r["statistic"] for r in data["statistics"]} == {"moran", "geary", "general_g"}


@pytest.mark.slow
def test_demo_hot_spot_is_found_around_the_core(demo_2023, tmp_path):
    lisa, hot = tmp_path / "lisa.gpkg", tmp_path / "hot.gpkg"
    args = [str(demo_2023), "--layer", "gemeinden", "--field", "sgb2_quote"]
    assert main(["lisa", *args, "--out", str(lisa)]) == 0
    assert main(["hotspots", *args, "--out", str(hot)]) == 0
    lisa_frame = gpd.read_file(lisa).set_index("key")
    hot_frame = gpd.read_file(hot).set_index("key")
    core = lisa_frame.index[lisa_frame["name"] == "Musterstadt"][0]
    assert lisa_frame.loc[core, "lisa_cluster"] == "HH"
    assert hot_frame.loc[core, "gi_bin"] >= 2
    assert (hot_frame["gi_bin"] > 0).sum() >= 5
    assert (hot_frame.loc[hot_frame["gi_bin"] > 0, "gi_z"] > 1.96).all()
    island = lisa_frame.index[lisa_frame["name"] == "Seewerder"][0]
    assert lisa_frame.loc[island, "lisa_cluster"] == "isolated"
    assert hot_frame.loc[island, "gi_bin"] == 0


@pytest.mark.slow
def test_scatter_plot_png(demo_2023, tmp_path):
    png = tmp_path / "scatter.png"
    assert main(["moran", str(demo_2023), "--layer", "gemeinden", "--field", "sgb2_quote",
                 "--plot", str(png)]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000


def test_constant_field_and_missing_values_are_clear_errors(mittelsachsen, tmp_path, capsys):
    frame = gpd.read_file(mittelsachsen)
    frame["konstant"] = 5.0
    frame["luecke"] = frame["flaeche"]
    frame.loc[[0, 3], "luecke"] = np.nan
    path = tmp_path / "bad.gpkg"
    frame.to_file(path)
    code = main(["lisa", str(path), "--field", "konstant", "--out", str(tmp_path / "o.gpkg")])
    assert code == 2 and "überall gleich" in capsys.readouterr().err
    code = main(["hotspots", str(path), "--field", "luecke", "--out", str(tmp_path / "o.gpkg")])
    err = capsys.readouterr().err
    assert code == 2 and frame["AGS"][0] in err and "--dropna" in err
    code = main(["hotspots", str(path), "--field", "luecke", "--dropna", "--out",
                 str(tmp_path / "o.gpkg")])
    assert code == 0 and frame["AGS"][3] in capsys.readouterr().out
    assert len(gpd.read_file(tmp_path / "o.gpkg")) == 51
    code = main(["moran", str(path), "--field", "gibtsnicht"])
    assert code == 2 and "flaeche" in capsys.readouterr().err
    code = main(["moran", str(path), "--field", "flaeche", "--weights", "hexagon"])
    assert code == 2


def test_weights_options(mittelsachsen, capsys):
    for spec in ("rook", "knn:4", "distance:15000"):
        assert main(["moran", str(mittelsachsen), "--field", "flaeche", "--weights", spec,
                     "--permutations", "99"]) == 0
        assert spec.split(":")[0] in capsys.readouterr().out


def _demo_with_counts(tmp_path):
    frame = gpd.read_file(DEMO / "gemeinden.gpkg")
    rng = np.random.default_rng(3)
    frame["faelle"] = rng.binomial(frame["EWZ"].astype(int), 0.08)
    frame["quote"] = frame["faelle"] / frame["EWZ"] * 100
    path = tmp_path / "gemeinden.gpkg"
    frame.to_file(path, layer="gemeinden")
    return path, frame


def test_bivariate_and_eb_rate_lisa_equal_esda(tmp_path):
    from libpysal.weights import Queen

    path, frame = _demo_with_counts(tmp_path)
    queen = Queen.from_dataframe(frame, use_index=False, silence_warnings=True)
    queen.transform = "r"
    assert main(["lisa", str(path), "--field", "quote", "--neighbour-field", "EWZ",
                 "--out", str(tmp_path / "bv.gpkg"), "--html", str(tmp_path / "bv.html")]) == 0
    bv = gpd.read_file(tmp_path / "bv.gpkg")
    expected = esda.Moran_Local_BV(frame["quote"].to_numpy(), frame["EWZ"].to_numpy(float),
                                   queen, permutations=0).Is
    np.testing.assert_allclose(bv["lisa_I"], expected, rtol=1e-9, atol=1e-12)
    assert "bivariat gegen Nachbarwerte von EWZ" in (tmp_path / "bv.html").read_text()
    assert main(["lisa", str(path), "--field", "faelle", "--base", "EWZ",
                 "--out", str(tmp_path / "eb.gpkg")]) == 0
    eb = gpd.read_file(tmp_path / "eb.gpkg")
    expected = esda.Moran_Local_Rate(frame["faelle"].to_numpy(float),
                                     frame["EWZ"].to_numpy(float), queen,
                                     permutations=0).Is
    np.testing.assert_allclose(eb["lisa_I"], expected, rtol=1e-9, atol=1e-12)


def test_lisa_variants_are_checked(tmp_path, capsys):
    path, _ = _demo_with_counts(tmp_path)
    assert main(["lisa", str(path), "--field", "quote", "--neighbour-field", "GF",
                 "--out", str(tmp_path / "x.gpkg")]) == 2
    assert "Feld GF ist überall gleich" in capsys.readouterr().err
    assert main(["lisa", str(path), "--field", "faelle", "--base", "EWZ",
                 "--neighbour-field", "quote", "--out", str(tmp_path / "x.gpkg")]) == 2
    assert "nicht kombinieren" in capsys.readouterr().err
    assert main(["lisa", str(path), "--field", "faelle", "--base", "nope",
                 "--out", str(tmp_path / "x.gpkg")]) == 2
    assert "Feld nope gibt es nicht" in capsys.readouterr().err
