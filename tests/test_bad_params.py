"""Parameters out of range, implausible values and misleading messages (issue "Nothing
lost, nothing misread"): each a German message naming the parameter, exit 2, nothing
written, the inputs unchanged."""

from __future__ import annotations

import hashlib

import geopandas as gpd
import numpy as np
import pytest
from datasets import grid_areas
from shapely.geometry import box

import geosozial as gs
from geosozial.cli import main
from geosozial.core.messages import GeosozialError

N = 50


@pytest.fixture
def areas(tmp_path):
    """50 squares in a 5 x 10 block (queen neighbours), with a few fields."""
    keys = [f"14999{i:03d}" for i in range(1, N + 1)]
    frame = grid_areas(keys)
    frame["geometry"] = [box(i % 10 * 1000, i // 10 * 1000, i % 10 * 1000 + 1000,
                             i // 10 * 1000 + 1000) for i in range(N)]
    rng = np.random.default_rng(7)
    frame["quote"] = rng.normal(10, 2, N)
    frame["konstant"] = 3.0
    frame["leer"] = np.nan
    frame["einzeln"] = [np.nan] * (N - 1) + [4.0]
    frame["faelle"] = rng.integers(1, 30, N).astype(float)
    frame["bev"] = rng.integers(100, 300, N).astype(float)
    frame.loc[3, "bev"] = 0.0
    path = tmp_path / "g.gpkg"
    frame.to_file(path)
    return path


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _run(args, capsys, areas, tmp_path):
    before = _sha(areas)
    code = main(args)
    err = capsys.readouterr().err
    assert _sha(areas) == before
    assert "Traceback" not in err
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != areas.name]
    return code, err, leftovers


@pytest.mark.parametrize("option, value, named", [
    ("--seed", "-5", "--seed -5"),
    ("--permutations", "-1", "--permutations -1"),
    ("--permutations", "1000000000", "--permutations 1000000000"),
    ("--alpha", "1.5", "--alpha 1.5"),
    ("--alpha", "0", "--alpha 0"),
])
@pytest.mark.parametrize("command", ["lisa", "hotspots"])
def test_inference_parameters_out_of_range(areas, tmp_path, capsys, command, option, value,
                                           named):
    out = tmp_path / "x.gpkg"
    code, err, left = _run([command, str(areas), "--key", "AGS", "--field", "quote", option,
                            value, "--out", str(out)], capsys, areas, tmp_path)
    assert code == 2 and named in err, err
    assert left == []


@pytest.mark.parametrize("option, value, named", [
    ("--seed", "-5", "--seed -5"), ("--permutations", "1000000000", "Rechenzeit")])
def test_moran_parameters_out_of_range_are_refused_before_running(areas, tmp_path, capsys,
                                                                   option, value, named):
    code, err, _ = _run(["moran", str(areas), "--key", "AGS", "--field", "quote", option,
                         value], capsys, areas, tmp_path)
    assert code == 2 and named in err and value in err, err


def test_permutation_bound_names_its_reason(areas, tmp_path, capsys):
    code, err, _ = _run(["lisa", str(areas), "--key", "AGS", "--field", "quote",
                         "--permutations", "1000000000", "--out", str(tmp_path / "x.gpkg")],
                        capsys, areas, tmp_path)
    assert code == 2 and "GiB" in err and f"bei {N} Gebieten" in err


def test_knn_larger_than_the_areas_is_a_german_message(areas, tmp_path, capsys):
    code, err, left = _run(["lisa", str(areas), "--key", "AGS", "--field", "quote",
                            "--weights", "knn:500", "--out", str(tmp_path / "x.gpkg")],
                           capsys, areas, tmp_path)
    assert code == 2 and "knn:500" in err and f"höchstens {N - 1}" in err and left == []
    assert "WeightsError" not in err


def test_all_missing_with_dropna_names_the_field_not_the_neighbours(areas, tmp_path, capsys):
    for field in ("leer", "einzeln"):
        code, err, _ = _run(["lisa", str(areas), "--key", "AGS", "--field", field, "--dropna",
                             "--out", str(tmp_path / "x.gpkg")], capsys, areas, tmp_path)
        assert code == 2 and f"Feld {field}" in err and "mindestens 3" in err
        assert "kein Gebiet hat Nachbarn" not in err


def test_constant_field_is_an_error_naming_the_field(areas, tmp_path, capsys):
    code, err, _ = _run(["lisa", str(areas), "--key", "AGS", "--field", "konstant",
                         "--out", str(tmp_path / "x.gpkg")], capsys, areas, tmp_path)
    assert code == 2 and "konstant" in err and "überall gleich" in err


def test_zero_population_for_eb_rates_names_field_and_key(areas, tmp_path, capsys):
    code, err, _ = _run(["lisa", str(areas), "--key", "AGS", "--field", "faelle", "--base",
                         "bev", "--out", str(tmp_path / "x.gpkg")], capsys, areas, tmp_path)
    assert code == 2 and "bev" in err and "14999004" in err and "größer als 0" in err
    assert "population at risk" not in err


def test_more_cases_than_population_is_a_warning_naming_keys(areas, tmp_path):
    frame = gpd.read_file(areas)
    frame.loc[3, "bev"] = 150.0
    frame.loc[5, "faelle"] = frame.loc[5, "bev"] + 10
    r = gs.lisa(frame, "faelle", key="AGS", base="bev")
    warning = next(n for n in r.notices if n.code == "ana.cases_above_base")
    assert "14999006" in warning.text() and "bev" in warning.text()


def test_a_share_above_100_percent_is_a_warning(tmp_path):
    from geosozial.core.columns import Columns
    from geosozial.core.indicators import add_indicator, indicator_from_text

    frame = Columns({"frauen": [60.0, 120.0], "frauen_flag": ["", ""], "bev": [100.0, 100.0],
                     "bev_flag": ["", ""]})
    notices = add_indicator(frame, indicator_from_text("fa=frauen/bev*100"), ["a", "b"])
    assert [n.code for n in notices] == ["ind.share_above_whole"]
    assert "b" in notices[0].params["keys"] and "a" not in notices[0].params["keys"]


def test_api_checks_the_same_ranges(areas):
    frame = gpd.read_file(areas)
    for kwargs, code in (({"seed": -1}, "ana.seed"), ({"permutations": 10**9},
                                                     "ana.permutations"),
                         ({"alpha": 2.0}, "ana.alpha"), ({"weights": "knn:60"},
                                                         "weights.k_too_large")):
        with pytest.raises(GeosozialError) as exc:
            gs.lisa(frame, "quote", key="AGS", **kwargs)
        assert exc.value.code == code
    with pytest.raises(GeosozialError, match="min_count"):
        gs.join(frame, gs.demo_path("sgb2_2023.csv"), key="AGS", min_count=0)


def test_empty_variable_name_is_refused(tmp_path, capsys, areas):
    code = main(["aggregate", str(areas), str(tmp_path / "m.csv"), "--out",
                 str(tmp_path / "a.gpkg"), "--var", "=bev"])
    err = capsys.readouterr().err
    assert code == 2 and "=bev" in err


def test_a_wrong_mapping_file_is_never_echoed(areas, tmp_path, capsys):
    joined = tmp_path / "j.gpkg"
    table = tmp_path / "t.csv"
    table.write_text("AGS;n\n" + "\n".join(f"14999{i:03d};{i}" for i in range(1, N + 1)),
                     encoding="utf-8")
    assert main(["join", str(areas), str(table), "--out", str(joined)]) == 0
    capsys.readouterr()
    code = main(["aggregate", str(joined), "/etc/passwd", "--out", str(tmp_path / "a.gpkg")])
    err = capsys.readouterr().err
    assert code == 2 and "/etc/passwd" in err and "root" not in err and "/bin" not in err


def test_points_in_the_first_layer_point_at_the_layer_option(areas, tmp_path, capsys):
    frame = gpd.read_file(areas)
    path = tmp_path / "zwei.gpkg"
    points = frame.copy()
    points["geometry"] = frame.geometry.centroid
    points.to_file(path, layer="orte")
    frame.to_file(path, layer="gemeinden")
    code = main(["lisa", str(path), "--key", "AGS", "--field", "quote", "--out",
                 str(tmp_path / "x.gpkg")])
    err = capsys.readouterr().err
    assert code == 2 and "orte" in err and "gemeinden" in err and "--layer" in err
    assert main(["lisa", str(path), "--key", "AGS", "--field", "quote", "--layer", "gemeinden",
                 "--out", str(tmp_path / "x.gpkg")]) == 0


def test_a_single_value_map_names_the_field(areas, tmp_path, capsys):
    code = main(["map", str(areas), "--key", "AGS", "--field", "konstant", "--out",
                 str(tmp_path / "k.html")])
    err = capsys.readouterr().err
    assert code == 2 and "Feld konstant" in err and "gleich" in err
    assert not (tmp_path / "k.html").exists()


def test_german_number_input_in_every_numeric_option(areas, tmp_path, capsys):
    out = tmp_path / "x.gpkg"
    assert main(["lisa", str(areas), "--key", "AGS", "--field", "quote", "--alpha", "0,1",
                 "--permutations", "1.999", "--out", str(out)]) == 0
    meta = __import__("geosozial.geo.gpkg", fromlist=["x"]).read_metadata(out)
    assert '"alpha": 0.1' in meta["methode"] and '"permutations": 1999' in meta["methode"]
    html = tmp_path / "k.html"
    assert main(["map", str(areas), "--key", "AGS", "--field", "quote", "--tolerance", "2,5",
                 "--scheme", "manual", "--breaks", "9;10,5;12", "--out", str(html)]) == 0
    assert "10,5" in html.read_text(encoding="utf-8")
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_code:  # argparse's own error: exit 2
        main(["lisa", str(areas), "--key", "AGS", "--field", "quote", "--alpha", "0,1x",
              "--out", str(out)])
    err = capsys.readouterr().err
    assert exit_code.value.code == 2 and "'0,1x' ist keine Zahl" in err and "--alpha" in err


def test_decimal_option_settles_an_ambiguous_column(areas, tmp_path, capsys):
    table = tmp_path / "t.csv"
    rows = [f"14999{i:03d};1.560;8.1" for i in range(1, N + 1)]
    table.write_text("AGS;Einwohner;Quote\n" + "\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "j.gpkg"
    assert main(["join", str(areas), str(table), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "Einwohner" in err and "--decimal" in err and not out.exists()
    assert main(["join", str(areas), str(table), "--out", str(out), "--decimal", ".",
                 "--no-confidentiality"]) == 0
    assert gpd.read_file(out)["Einwohner"].iloc[0] == 1.56
