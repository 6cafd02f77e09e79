"""The public Python API against the command line: the same input, the same numbers,
flags and reports (issue "One core behind every front door")."""

from __future__ import annotations

import json
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from datasets import DEMO, VG5000, demo_project

import geosozial as gs
from geosozial.cli import main
from geosozial.core.messages import GeosozialError


@pytest.fixture(scope="module")
def ms(tmp_path_factory):
    """The 53 municipalities of Landkreis Mittelsachsen (VG5000, 2021) as a GeoPackage."""
    folder = tmp_path_factory.mktemp("ms")
    frame = gpd.read_file(VG5000)
    frame = frame[frame["AGS"].str.startswith("14522")].reset_index(drop=True)
    path = folder / "ms.gpkg"
    frame.to_file(path)
    return path, frame


def _landratsamt_table(folder, frame):
    """A table as a Landratsamt keeps it: name, Kreis, remarks, small counts, symbols,
    an identical duplicate row."""
    lines = ["AGS;Gemeinde;Landkreis;Einwohner;Frauen;Geburten;Bemerkung"]
    for i, (ags, gen) in enumerate(zip(frame["AGS"], frame["GEN"], strict=True)):
        births = [1, 2, 40, 7, 0][i % 5]
        women = "." if i == 4 else f"{(1000 + 37 * i) // 2}"
        remark = "vorläufig" if i == 2 else ""
        lines.append(f"{ags};{gen};Mittelsachsen;{1000 + 37 * i};{women};{births};{remark}")
        if i == 6:
            lines.append(lines[-1])  # identical duplicate: kept once, reported
    path = folder / "gemeindedaten.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _mapping(folder, keys, groups):
    """A mapping file AGS;Sozialraum."""
    path = folder / "sr.csv"
    path.write_text("AGS;Sozialraum\n" + "\n".join(
        f"{a};{g}" for a, g in zip(keys, groups, strict=True)) + "\n", encoding="utf-8")
    return path


def _same(a: pd.Series, b: pd.Series) -> bool:
    x = a.to_numpy(dtype=float)
    y = b.to_numpy(dtype=float)
    return bool(np.array_equal(np.isnan(x), np.isnan(y)) and np.allclose(
        x[~np.isnan(x)], y[~np.isnan(y)], rtol=0, atol=1e-12))


def test_python_join_withholds_exactly_as_the_cli(ms, tmp_path, capsys):
    path, frame = ms
    table = _landratsamt_table(tmp_path, frame)
    out = tmp_path / "cli.gpkg"
    assert main(["join", str(path), str(table), "--out", str(out), "--json"]) == 0
    cli_report = json.loads(capsys.readouterr().out)
    cli = gpd.read_file(out).set_index("key")

    r = gs.join(gs.read_areas(path, key="AGS"), gs.read_table(table))
    api = r.frame.set_index("key")
    assert list(api.index) == list(cli.index)
    for c in ("Einwohner", "Frauen", "Geburten"):
        assert _same(api[c], cli[c]), c
        assert api[f"{c}_flag"].tolist() == cli[f"{c}_flag"].tolist(), c
    # counts of 1 and 2 are withheld on both paths (before: the API published them)
    assert (api["Geburten_flag"] == "geheim").sum() >= 20
    assert api.loc[frame["AGS"][0], "Geburten_flag"] == "geheim"
    assert math.isnan(api.loc[frame["AGS"][0], "Geburten"])
    # text columns are attributes, not values and not an error
    assert api.loc[frame["AGS"][2], "Bemerkung"] == "vorläufig"
    assert set(api["Landkreis"]) == {"Mittelsachsen"}
    assert cli.loc[frame["AGS"][2], "Bemerkung"] == "vorläufig"
    # the same report: matched, both unmatched lists, duplicates
    py_report = r.report.as_dict()
    for part in ("matched", "table_rows_without_geometry", "geometries_without_data",
                 "duplicate_table_keys", "duplicate_area_keys"):
        assert py_report[part] == cli_report[part], part
    assert py_report["duplicate_table_keys"][0]["key"] == frame["AGS"][6]
    assert r.method["confidentiality"] == "Fallzahlen 1–2 geheim gehalten"
    # the areas' own attributes keep their types (integers stay integers, dates dates)
    assert r.frame["ADE"].dtype.kind == "i" and r.frame["BEGINN"].equals(
        gs.read_areas(path).frame["BEGINN"])


def test_cli_join_keeps_text_columns_and_columns_option_chooses_values(ms, tmp_path, capsys):
    path, frame = ms
    table = _landratsamt_table(tmp_path, frame)
    out = tmp_path / "x.gpkg"
    code = main(["join", str(path), str(table), "--out", str(out), "--columns", "Einwohner",
                 "Frauen"])
    printed = capsys.readouterr().out
    assert code == 0, printed
    joined = gpd.read_file(out)
    assert "Geburten" in joined.columns and "Geburten_flag" not in joined.columns
    assert joined["Einwohner"].notna().sum() == 53
    assert "Landkreis" in printed and "Bemerkung" in printed  # named in the report
    # a chosen value column with text is the clear error of before
    code = main(["join", str(path), str(table), "--out", str(tmp_path / "y.gpkg"),
                 "--columns", "Landkreis"])
    err = capsys.readouterr().err
    assert code == 2 and "Zeile 2" in err and "Landkreis" in err and "Mittelsachsen" in err
    assert not (tmp_path / "y.gpkg").exists()


def test_conflicting_duplicates_are_refused_by_cli_and_api(ms, tmp_path, capsys):
    path, frame = ms
    table = tmp_path / "dup.csv"
    table.write_text(f"AGS;n\n{frame['AGS'][0]};5\n{frame['AGS'][0]};6\n", encoding="utf-8")
    assert main(["join", str(path), str(table), "--out", str(tmp_path / "d.gpkg")]) == 2
    assert "Zeilen [2, 3]" in capsys.readouterr().err
    with pytest.raises(GeosozialError, match=r"\[2, 3\]"):
        gs.join(path, table)


def test_lisa_on_a_plain_geodataframe_equals_the_cli(ms, tmp_path):
    _, frame = ms
    plain = frame.copy()
    plain["dichte"] = plain.area / 1e6 + plain.geometry.centroid.y / 1e4
    before = plain.copy()
    r = gs.lisa(plain, "dichte", key="AGS")  # never went through read_areas
    assert plain.equals(before)  # the caller's frame is not modified
    assert "key" not in r.frame.columns and "dichte" in r.frame.columns
    source = tmp_path / "dichte.gpkg"
    plain.to_file(source)
    assert main(["lisa", str(source), "--field", "dichte", "--out",
                 str(tmp_path / "l.gpkg")]) == 0
    cli = gpd.read_file(tmp_path / "l.gpkg")
    assert np.allclose(r.frame["lisa_I"], cli["lisa_I"], atol=1e-12)
    assert r.frame["lisa_p"].tolist() == cli["lisa_p"].tolist()
    assert r.frame["lisa_q"].tolist() == cli["lisa_q"].tolist()
    assert r.frame["lisa_cluster"].tolist() == cli["lisa_cluster"].tolist()
    assert r.method["permutations"] == "auto" and r.method["seed"] == 12345
    # the index as key, and the other statistics on the same frame
    indexed = plain.set_index("AGS")
    assert gs.lisa(indexed, "dichte").frame["lisa_cluster"].tolist() == \
        cli["lisa_cluster"].tolist()
    hot = gs.hotspots(plain, "dichte", key="AGS")
    assert set(hot.frame["gi_bin"]) <= {-3, -2, -1, 0, 1, 2, 3}
    glob = gs.moran(plain, "dichte", key="AGS")
    assert glob.frame.loc[0, "statistic"] == "moran" and glob.frame.loc[0, "p"] <= 1


def test_lisa_without_a_key_gives_a_message_not_a_keyerror(ms):
    _, frame = ms
    plain = frame.drop(columns=["AGS", "ARS"]).reset_index(drop=True)
    plain["flaeche"] = plain.area / 1e6
    r = gs.lisa(plain, "flaeche")  # the (unnamed) index is the key
    assert len(r.frame) == 53 and "lisa_cluster" in r.frame
    with pytest.raises(GeosozialError, match="Schlüsselfeld GEMEINDE_NR"):
        gs.lisa(plain, "flaeche", key="GEMEINDE_NR")


def test_aggregate_python_equals_cli_with_custom_rate(ms, tmp_path, capsys):
    path, frame = ms
    table = _landratsamt_table(tmp_path, frame)
    groups = ["Nord" if i < 20 else "Mitte" if i < 40 else "Süd" for i in range(53)]
    mapping = _mapping(tmp_path, frame["AGS"], groups)
    joined = tmp_path / "j.gpkg"
    assert main(["join", str(path), str(table), "--out", str(joined),
                 "--no-confidentiality"]) == 0
    out = tmp_path / "sr.gpkg"
    assert main(["aggregate", str(joined), str(mapping), "--out", str(out), "--indicator",
                 "frauenanteil=Frauen/Einwohner*100", "--label", "Frauenanteil"]) == 0
    capsys.readouterr()
    cli = gpd.read_file(out, layer="sozialraeume").set_index("name")
    raw = gs.join(path, table, confidentiality=False)
    api = gs.aggregate(raw, mapping, indicators=["frauenanteil=Frauen/Einwohner*100"],
                       key="AGS").frame.set_index("name")
    labelled = gs.aggregate(raw, mapping, indicators=[_rate()], key="AGS")
    assert labelled.method["indicators"] == ["frauenanteil"]
    for c in ("Einwohner", "Frauen", "Geburten", "frauenanteil"):
        assert _same(api[c], cli[c]), c
        assert api[f"{c}_flag"].tolist() == cli[f"{c}_flag"].tolist(), c
    # Frauen has a '.' member in Nord: not computable there, never a silent zero
    assert cli.loc["Nord", "Frauen_flag"] == "nicht_berechenbar"
    assert cli.loc["Süd", "frauenanteil"] == pytest.approx(
        100 * raw.frame["Frauen"][40:].sum() / raw.frame["Einwohner"][40:].sum())
    members = gpd.read_file(out, layer="gemeinden")
    assert members["sozialraum"].tolist() == groups


def _rate():
    from geosozial.core.indicators import indicator_from_text

    return indicator_from_text("frauenanteil=Frauen/Einwohner*100", label="Frauenanteil")


@pytest.mark.parametrize("entry, shown", [
    ("min_count = 0", "0"), ("min_count = 3.9", "3.9"), ('min_count = "drei"', "drei"),
    ("relations = 5", "relations"), ("enabled = 0", "enabled")])
def test_project_cannot_weaken_the_rule(tmp_path, capsys, entry, shown):
    text = (DEMO / "projekt.toml").read_text(encoding="utf-8")
    text = text.replace("[confidentiality]\nmin_count = 3", f"[confidentiality]\n{entry}")
    assert entry in text
    project = demo_project(tmp_path, text)
    code = main(["report", str(project), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err and shown in err and "projekt.toml" in err
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_report_command_runs_the_project_and_equals_demo(tmp_path):
    code = main(["report", str(DEMO / "projekt.toml"), "--out", str(tmp_path / "a")])
    assert code == 0
    code = main(["demo", "--out", str(tmp_path / "b")])
    assert code == 0
    a = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert a == sorted(p.name for p in (tmp_path / "b").iterdir())
    assert "musterkreis_2023.gpkg" in a and "karte_gemeinden_2023.html" in a
    assert (tmp_path / "a" / "karte_gemeinden_2023.html").read_bytes() == \
        (tmp_path / "b" / "karte_gemeinden_2023.html").read_bytes()


def test_map_shows_label_and_unit_of_a_custom_rate(ms, tmp_path):
    path, frame = ms
    table = _landratsamt_table(tmp_path, frame)
    mapping = _mapping(tmp_path, frame["AGS"], ["Nord" if i < 26 else "Süd" for i in range(53)])
    joined = tmp_path / "j.gpkg"
    assert main(["join", str(path), str(table), "--out", str(joined),
                 "--no-confidentiality"]) == 0
    out = tmp_path / "sr.gpkg"
    assert main(["aggregate", str(joined), str(mapping), "--out", str(out), "--indicator",
                 "frauenanteil=Frauen/Einwohner*100", "--label", "Anteil der Frauen"]) == 0
    html = tmp_path / "k.html"
    assert main(["map", str(out), "--key", "key", "--layer", "gemeinden", "--field",
                 "frauenanteil", "--out", str(html)]) == 0
    page = html.read_text(encoding="utf-8")
    assert "Anteil der Frauen" in page and '"%"' in page
    assert "frauenanteil" not in page.split("<title>")[1].split("</title>")[0]


def test_local_analysis_on_a_frame_without_key_column(ms):
    # the finding: local_analysis(gdf, "f") failed with a bare KeyError: 'key'
    from geosozial.geo.analysis import local_analysis

    _, frame = ms
    plain = frame.reset_index(drop=True)
    plain["f"] = plain.area / 1e6
    analysis = local_analysis(plain, "f")
    assert len(analysis.frame) == 53 and "lisa_cluster" in analysis.frame
    assert analysis.frame["lisa_I"].tolist() == gs.lisa(plain, "f").frame["lisa_I"].tolist()


def test_python_map_of_a_custom_rate_shows_its_label(ms, tmp_path):
    path, frame = ms
    table = _landratsamt_table(tmp_path, frame)
    mapping = _mapping(tmp_path, frame["AGS"], ["Nord" if i < 26 else "Süd" for i in range(53)])
    regions = gs.aggregate(gs.join(path, table, confidentiality=False), mapping,
                           indicators=[_rate()], key="AGS")
    built = gs.map(regions.municipalities, "frauenanteil", out=tmp_path / "k.html")
    page = (tmp_path / "k.html").read_text(encoding="utf-8")
    assert built.html == page and "Frauenanteil" in page


def test_kreis_filter_in_join_aggregate_statistics_and_map(tmp_path, capsys):
    # an all-Saxony join with a Mittelsachsen mapping: "366 Gemeinden sind keinem
    # Sozialraum zugeordnet" before; --kreis 14522 restricts every step
    vg = gpd.read_file(VG5000)
    saxony = vg[vg["AGS"].str.startswith("14")].reset_index(drop=True)
    saxony["f"] = saxony.area / 1e6
    areas = tmp_path / "sachsen.gpkg"
    saxony.to_file(areas)
    table = tmp_path / "t.csv"
    table.write_text("AGS;n\n" + "\n".join(f"{a};{10 + i % 40}" for i, a in
                                            enumerate(saxony["AGS"])) + "\n", encoding="utf-8")
    ms = saxony[saxony["AGS"].str.startswith("14522")]
    mapping = _mapping(tmp_path, ms["AGS"], ["Nord" if i < 20 else "Süd" for i in range(len(ms))])
    joined = tmp_path / "j.gpkg"
    assert main(["join", str(areas), str(table), "--out", str(joined)]) == 0
    assert main(["aggregate", str(joined), str(mapping), "--out", str(tmp_path / "a.gpkg")]) == 2
    assert "keinem Sozialraum zugeordnet" in capsys.readouterr().err
    assert main(["aggregate", str(joined), str(mapping), "--kreis", "14522", "--out",
                 str(tmp_path / "a.gpkg")]) == 0
    assert "nur Kreis 14522: 53 von 419" in capsys.readouterr().out
    assert len(gpd.read_file(tmp_path / "a.gpkg", layer="gemeinden")) == 53
    assert main(["join", str(areas), str(table), "--kreis", "14522", "--out",
                 str(tmp_path / "k.gpkg")]) == 0
    assert len(gpd.read_file(tmp_path / "k.gpkg")) == 53
    assert main(["lisa", str(areas), "--field", "f", "--kreis", "14522", "--out",
                 str(tmp_path / "l.gpkg")]) == 0
    assert len(gpd.read_file(tmp_path / "l.gpkg")) == 53
    assert main(["map", str(joined), "--key", "key", "--field", "n", "--kreis", "14522",
                 "--out", str(tmp_path / "m.html")]) == 0
    capsys.readouterr()
    assert main(["map", str(joined), "--key", "key", "--field", "n", "--kreis", "1452",
                 "--out", str(tmp_path / "m2.html")]) == 2
    assert "fünfstelliger" in capsys.readouterr().err
    assert len(gs.read_areas(areas, kreis="14522").frame) == 53
