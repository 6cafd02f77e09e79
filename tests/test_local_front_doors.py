"""Issue 11 through the front doors: auto permutations, q-values, warnings, more statistics.

The kernel's numbers are tested against esda/pygeoda in test_kernel_*; here the same
numbers must reach the user through the CLI, the Python API, project files and maps,
and the defaults must find a planted hot spot that fixed 999 permutations cannot.
"""

from __future__ import annotations

import json
import re

import esda
import geopandas as gpd
import libpysal
import numpy as np
import pyogrio
import pytest
from datasets import DEMO, VG5000, demo_project

import geosozial as gs
from geosozial.cli import main
from geosozial.geo.weights import weights_for
from geosozial.kernel.local import local_moran
from geosozial.kernel.local_more import local_geary, quantile_lisa


@pytest.fixture(scope="module")
def saxony(tmp_path_factory):
    """The 419 Saxon municipalities (VG5000 2021) with area and a planted hot spot.

    ``planted``: standard normal noise (seed 3) and a contiguous block of 12
    municipalities (breadth-first over queen neighbours from a random start) shifted by
    +2; ``block`` marks the 12.
    """
    frame = gpd.read_file(VG5000)
    frame = frame[frame["AGS"].str.startswith("14")].reset_index(drop=True)
    frame["geometry"] = frame.geometry.make_valid()
    frame["flaeche"] = frame.geometry.area / 1e6
    w = weights_for(frame.assign(key=frame["AGS"]), "queen")
    rng = np.random.default_rng(3)
    start = int(rng.integers(len(frame)))
    block, seen, i = [start], {start}, 0
    a = w.sparse
    while len(block) < 12:
        for j in a.indices[a.indptr[block[i]]:a.indptr[block[i] + 1]]:
            if int(j) not in seen and len(block) < 12:
                seen.add(int(j))
                block.append(int(j))
        i += 1
    y = rng.normal(size=len(frame))
    y[block] += 2.0
    frame["planted"] = y
    frame["block"] = 0
    frame.loc[block, "block"] = 1
    path = tmp_path_factory.mktemp("sn") / "sachsen.gpkg"
    frame.to_file(path, layer="gemeinden")
    return path, frame


def _run(args, capsys):
    code = main(args)
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return captured.out


def test_defaults_find_the_planted_hot_spot_that_999_permutations_cannot(saxony, tmp_path,
                                                                         capsys):
    path, frame = saxony
    block = frame["block"].to_numpy() == 1
    out = tmp_path / "auto.gpkg"
    printed = _run(["lisa", str(path), "--field", "planted", "--out", str(out)], capsys)
    result = gpd.read_file(out)
    hh_in_block = int(((result["lisa_cluster"] == "HH") & block).sum())
    outside = int(((result["lisa_cluster"] != "ns") & ~block).sum())
    assert hh_in_block >= 5 and outside <= 2, (hh_in_block, outside)
    assert "sequenziell, h = 10, höchstens 83.916 Permutationen" in printed
    assert "Hoch-Hoch (HH):" in printed  # class counts in words
    # every significant area has q <= alpha; q >= p everywhere
    sig = result["lisa_cluster"] != "ns"
    assert (result.loc[sig, "lisa_q"] <= 0.05).all()
    assert (result["lisa_q"] >= result["lisa_p"] - 1e-15).all()
    fixed = tmp_path / "fixed.gpkg"
    printed = _run(["lisa", str(path), "--field", "planted", "--permutations", "999",
                    "--out", str(fixed)], capsys)
    assert set(gpd.read_file(fixed)["lisa_cluster"]) == {"ns"}
    # ... and the user is told why, with how many areas would have to be extreme at once
    assert "[warning]" in printed and "kleinste erreichbare p 0,001" in printed
    assert re.search(r"mindestens \d+ Gebiete zugleich", printed)


def test_fixed_permutations_through_the_cli_equal_the_kernel(saxony, tmp_path, capsys):
    path, frame = saxony
    out = tmp_path / "l.gpkg"
    _run(["lisa", str(path), "--field", "flaeche", "--permutations", "9.999", "--seed", "4",
          "--out", str(out)], capsys)
    result = gpd.read_file(out)
    w = weights_for(frame.assign(key=frame["AGS"]), "queen")
    direct = local_moran(frame["flaeche"].to_numpy(), w, permutations=9999, seed=4)
    np.testing.assert_array_equal(result["lisa_p"].to_numpy(), direct.p)
    np.testing.assert_array_equal(result["lisa_q"].to_numpy(), direct.q)
    method = json.loads(pyogrio.read_info(out)["dataset_metadata"]["methode"])
    assert method["permutations"] == 9999 and method["sequential"] is False


def test_local_geary_through_the_cli_equals_esda(saxony, tmp_path, capsys):
    path, frame = saxony
    out = tmp_path / "g.gpkg"
    printed = _run(["lisa", str(path), "--field", "flaeche", "--statistic", "geary",
                    "--out", str(out)], capsys)
    result = gpd.read_file(out, layer="geary")
    queen = libpysal.weights.Queen.from_dataframe(frame, use_index=False)
    queen.transform = "r"
    ref = esda.Geary_Local(connectivity=queen, permutations=0).fit(frame["flaeche"].to_numpy())
    np.testing.assert_allclose(result["geary_c"].to_numpy(), ref.localG, rtol=1e-12)
    assert {"geary_z", "geary_p", "geary_q", "geary_cluster"} <= set(result.columns)
    w = weights_for(frame.assign(key=frame["AGS"]), "queen")
    direct = local_geary(frame["flaeche"].to_numpy(), w)
    np.testing.assert_array_equal(result["geary_p"].to_numpy(), direct.p)
    assert result["geary_cluster"].tolist() == direct.clusters.tolist()
    assert "Klassen:" in printed and "High-High:" not in printed  # names, not codes


def test_multivariate_geary_and_quantile_lisa_and_join_counts(saxony, tmp_path, capsys):
    path, frame = saxony
    out = tmp_path / "mv.gpkg"
    printed = _run(["lisa", str(path), "--field", "flaeche", "--statistic", "geary",
                    "--fields", "planted", "--out", str(out)], capsys)
    mv = gpd.read_file(out)
    assert set(mv["geary_cluster"]) <= {"Positive", "Negative", "ns", "isolated"}
    assert "multivariat über flaeche, planted" in printed
    out = tmp_path / "q.gpkg"
    printed = _run(["lisa", str(path), "--field", "flaeche", "--statistic", "quantile",
                    "--quantiles", "5", "--out", str(out)], capsys)
    quant = gpd.read_file(out, layer="quantil_lisa")
    w = weights_for(frame.assign(key=frame["AGS"]), "queen")
    direct = quantile_lisa(frame["flaeche"].to_numpy(), w, 5, 5)
    np.testing.assert_array_equal(quant["jc_p"].to_numpy(), direct.p)
    assert quant["jc_cluster"].tolist() == direct.clusters.tolist()
    assert "Quantil 5 von 5" in printed and "einseitig (größer)" in printed
    # join counts on a 0/1 field: the Python API gives what the CLI writes
    out = tmp_path / "jc.gpkg"
    _run(["lisa", str(path), "--field", "block", "--statistic", "joincount",
          "--out", str(out)], capsys)
    cli = gpd.read_file(out, layer="join_counts")
    api = gs.lisa(gpd.read_file(path), "block", key="AGS", statistic="joincount")
    assert api.frame["jc_count"].tolist() == cli["jc_count"].tolist()
    np.testing.assert_array_equal(api.frame["jc_p"].to_numpy(), cli["jc_p"].to_numpy())
    assert api.method["alternative"] == "greater"
    # the planted block is a cluster of ones
    block = frame["block"].to_numpy() == 1
    assert (cli.loc[block, "jc_count"] > 0).all()


@pytest.mark.parametrize("args, words", [
    (["--statistic", "joincount"], ["0 oder 1", "14"]),
    (["--statistic", "quantile", "--quantiles", "5", "--quantile", "6"], ["--quantiles K"]),
    (["--statistic", "geary", "--base", "planted"], ["--base", "moran"]),
    (["--permutations", "viele"], ["auto oder eine ganze Zahl"]),
    (["--snap", "-5"], ["--snap"]),
])
def test_wrong_statistic_options_are_named(saxony, tmp_path, capsys, args, words):
    path, _ = saxony
    out = tmp_path / "x.gpkg"
    try:
        code = main(["lisa", str(path), "--field", "flaeche", *args, "--out", str(out)])
    except SystemExit as exc:  # argparse refuses the option's value itself
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2 and all(w in err for w in words), err
    assert "Traceback" not in err and not out.exists()


def test_few_areas_warn_on_sozialraeume(tmp_path, capsys):
    regions = gs.aggregate(gs.join(DEMO / "gemeinden.gpkg", DEMO / "bevoelkerung_2023.csv"),
                           DEMO / "sozialraeume.csv")
    field = next(c for c in regions.frame.columns if c.startswith("Insgesamt"))
    r = gs.moran(regions.frame, field)
    assert any(n.code == "ana.few_areas" for n in r.notices)
    local = gs.lisa(regions.frame, field)
    texts = [n.text() for n in local.notices]
    assert any("nur 6 Gebiete" in t for t in texts), texts


def test_small_bases_suggest_empirical_bayes(tmp_path):
    frame = gpd.read_file(DEMO / "gemeinden.gpkg")
    rng = np.random.default_rng(5)
    frame["bev_u65"] = np.where(np.arange(len(frame)) % 7 == 0, 40, 4000)
    frame["sgb2_rlb"] = rng.binomial(frame["bev_u65"], 0.08)
    frame["sgb2_quote"] = 100 * frame["sgb2_rlb"] / frame["bev_u65"]
    r = gs.lisa(frame, "sgb2_quote", key="AGS")
    hint = [n for n in r.notices if n.code == "ana.small_bases_hint"]
    assert hint and "--field sgb2_rlb --base bev_u65" in hint[0].text()
    eb = gs.lisa(frame, "sgb2_rlb", key="AGS", base="bev_u65")
    assert any(n.code == "ana.small_bases" for n in eb.notices)
    assert not any(n.code == "ana.small_bases_hint" for n in eb.notices)


def test_map_tables_show_q_beside_the_class_and_the_significance_map_uses_it(
        saxony, tmp_path, capsys):
    path, _ = saxony
    html = tmp_path / "lisa.html"
    _run(["lisa", str(path), "--field", "planted", "--html", str(html)], capsys)
    text = html.read_text(encoding="utf-8")
    data = json.loads(re.search(r'<script type="application/json" id="gs-data">(.*?)</script>',
                                text, re.S).group(1))
    layers = {layer["id"]: layer for layer in data["layers"]}
    names = [c["name"] for c in layers["lisa"]["columns"]]
    assert names[-2:] == ["lisa_q", "lisa_cluster"]
    legend = [c["label"] for c in layers["signifikanz"]["classes"]]
    assert legend[:3] == ["q ≤ 0,001", "q ≤ 0,01", "q ≤ 0,05"]
    # an area is in a significance class exactly when it is in a cluster
    sig_class = layers["signifikanz"]["cls"]
    lisa_class = layers["lisa"]["cls"]
    assert [c in (0, 1, 2) for c in sig_class] == [c in (0, 1, 2, 3) for c in lisa_class]


def test_geary_map_has_geoda_colours(saxony, tmp_path, capsys):
    path, _ = saxony
    html = tmp_path / "geary.html"
    _run(["lisa", str(path), "--field", "flaeche", "--statistic", "geary", "--html",
          str(html)], capsys)
    text = html.read_text(encoding="utf-8")
    data = json.loads(re.search(r'<script type="application/json" id="gs-data">(.*?)</script>',
                                text, re.S).group(1))
    layer = next(x for x in data["layers"] if x["kind"] == "geary")
    colours = {c["label"]: c["colour"] for c in layer["classes"]}
    assert colours["Hoch-Hoch"] == "#b2182b" and colours["negativ (unähnliche Nachbarn)"] \
        == "#67adc7"
    assert "Lokales Geary" in text


def test_project_statistics_and_auto(tmp_path, capsys):
    text = (DEMO / "projekt.toml").read_text(encoding="utf-8")
    project = demo_project(tmp_path, text + '\n[maps]\npermutations = "auto"\nstatistics = '
                           '["lisa", "geary", "quantile"]\nquantiles = 4\n')
    out = tmp_path / "out"
    assert main(["report", str(project), "--out", str(out)]) == 0, capsys.readouterr().err
    names = {p.name for p in out.iterdir()}
    assert {"lisa_sgb2_quote_2023.html", "geary_sgb2_quote_2023.html",
            "quantil_lisa_sgb2_quote_2023.html"} <= names
    assert "hotspots_sgb2_quote_2023.html" not in names
    assert "Quantil 4 von 4" in (out / "quantil_lisa_sgb2_quote_2023.html").read_text(
        encoding="utf-8")
    for entry in ('permutations = "viele"', 'statistics = ["lisa", "moran"]',
                  "quantile = 7"):
        project.write_text(text + f"\n[maps]\n{entry}\n", encoding="utf-8")
        bad = tmp_path / "bad"
        assert main(["report", str(project), "--out", str(bad)]) == 2
        err = capsys.readouterr().err
        assert f"maps.{entry.split(' ')[0]}" in err, err
        assert not bad.exists()


@pytest.fixture(scope="module")
def saxony_2015(tmp_path_factory):
    """Saxony 2015 simplified to 200 m: gaps leave Döbeln and Thiendorf without neighbours."""
    from datasets import SACHSEN

    frame = gpd.read_file(SACHSEN).to_crs(25833)
    frame["flaeche"] = frame.geometry.area / 1e6
    path = tmp_path_factory.mktemp("sn15") / "sachsen_2015.gpkg"
    frame[["AGS", "GEN", "flaeche", "geometry"]].to_file(path)
    return path


def test_isolated_areas_are_named_with_the_cause_and_the_snap_option(saxony_2015, capsys):
    printed = _run(["moran", str(saxony_2015), "--field", "flaeche"], capsys)
    line = next(x for x in printed.splitlines() if "ohne Nachbarn (queen)" in x)
    assert "2 Gebiete ohne Nachbarn" in line
    assert "Döbeln (14522080)" in line and "Thiendorf (14627290)" in line
    assert "Lücken zwischen den Grenzen" in line and "--snap" in line
    # the option that the message names helps: snapping 10 m joins the gaps
    printed = _run(["moran", str(saxony_2015), "--field", "flaeche", "--snap", "10"], capsys)
    assert "0 ohne Nachbarn, 1 Zusammenhangskomponente" in printed
    assert "ohne Nachbarn (queen)" not in printed
    out = saxony_2015.parent / "lisa.gpkg"
    printed = _run(["lisa", str(saxony_2015), "--field", "flaeche", "--snap", "10",
                    "--out", str(out)], capsys)
    assert "Queen-Nachbarschaft (Fangabstand 10 m)" in printed
    assert "isolated" not in set(gpd.read_file(out)["lisa_cluster"])
    # the same in Python
    frame = gpd.read_file(saxony_2015)
    plain = gs.moran(frame, "flaeche", key="AGS")
    note = next(n for n in plain.notices if n.code == "ana.islands")
    assert "Döbeln (14522080)" in note.text() and "--snap" in note.text()
    snapped = gs.lisa(frame, "flaeche", key="AGS", snap=10)
    assert not any(n.code == "ana.islands" for n in snapped.notices)
    assert snapped.method["snap"] == 10.0
