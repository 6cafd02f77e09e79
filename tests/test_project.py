"""The demo project end to end, as `geosozial demo` runs it."""

import json
import subprocess
import sys

import geopandas as gpd
import numpy as np
import pytest
from datasets import DEMO

from geosozial.core.messages import GeosozialError
from geosozial.geo.gpkg import read_metadata
from geosozial.pipeline.project import load_project, run_project


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    proc = subprocess.run([sys.executable, "-m", "geosozial.cli", "demo", "--out", str(out)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    return out, proc.stdout


@pytest.mark.slow
def test_demo_writes_every_year(demo_out):
    out, printed = demo_out
    for year in (2021, 2022, 2023):
        assert (out / f"musterkreis_{year}.gpkg").exists()
        assert (out / f"verknuepfungsbericht_{year}.txt").exists()
    assert "verknüpft bevoelkerung_2023.csv: 50/50" in printed
    assert "Seewerder" in printed  # the Sozialraum sum that cannot be computed is named


@pytest.mark.slow
def test_demo_sozialraum_rates_are_ratio_of_member_sums(demo_out):
    out, _ = demo_out
    gem = gpd.read_file(out / "musterkreis_2023.gpkg", layer="gemeinden")
    sr = gpd.read_file(out / "musterkreis_2023.gpkg", layer="sozialraeume")
    assert len(gem) == 50 and len(sr) == 6
    for _, region in sr.iterrows():
        members = gem[gem["key"].isin(region["gemeinden"].split(", "))]
        expected = 100 * members["bev_65plus"].sum() / members["bev_20_65"].sum()
        assert region["altenquotient"] == pytest.approx(expected, rel=1e-12)
        assert region["bev_insg"] == members["bev_insg"].sum()
    # the planted hot spot: the core Sozialraum has the highest SGB II rate
    top = sr.sort_values("sgb2_quote", ascending=False).iloc[0]
    assert top["name"] == "Sozialraum Musterstadt"
    # member rates are recomputed from counts too
    row = gem.set_index("key").loc["14999020"]
    assert row["sgb2_quote"] == pytest.approx(100 * row["sgb2_rlb"] / row["bev_u65"])


@pytest.mark.slow
def test_demo_suppressed_source_cells_stay_suppressed(demo_out):
    out, _ = demo_out
    gem = gpd.read_file(out / "musterkreis_2023.gpkg", layer="gemeinden").set_index("key")
    sr = gpd.read_file(out / "musterkreis_2023.gpkg", layer="sozialraeume").set_index("name")
    assert gem.loc["14999410", "sgb2_nef_u15_flag"] == "."
    assert np.isnan(gem.loc["14999410", "kinderarmut"])
    assert gem.loc["14999410", "kinderarmut_flag"] == "geheim"
    assert sr.loc["Sozialregion Südost", "sgb2_nef_u15_flag"] == "nicht_berechenbar"
    assert np.isnan(sr.loc["Sozialregion Südost", "kinderarmut"])
    # where all members have values the sum is there
    assert sr.loc["Sozialraum Musterstadt", "sgb2_nef_u15"] > 0


@pytest.mark.slow
def test_demo_report_lists_kreis_row_and_metadata(demo_out):
    out, _ = demo_out
    report = json.loads((out / "verknuepfungsbericht_2023.json").read_text(encoding="utf-8"))
    first = report["berichte"][0]
    assert first["matched"] == 50
    assert first["table_rows_without_geometry"] == [
        {"key": "14999", "name": "Musterkreis (fiktiv)", "line": 10, "level": "Kreis"}]
    meta = read_metadata(out / "musterkreis_2023.gpkg")
    assert meta["jahr"] == "2023" and "Fallzahlen 1–2" in meta["geheimhaltung"]
    assert "sgb2_quote" in json.loads(meta["indikatoren"])


@pytest.mark.slow
def test_demo_output_is_reproducible(demo_out, tmp_path):
    out, _ = demo_out
    run_project(DEMO / "projekt.toml", tmp_path)
    for name in ("verknuepfungsbericht_2023.json", "verknuepfungsbericht_2022.txt"):
        assert (tmp_path / name).read_bytes() == (out / name).read_bytes()


def test_project_file_errors_name_the_entry(tmp_path):
    bad = tmp_path / "p.toml"
    bad.write_text('[project]\nname = "X"\nareas = "a.gpkg"\nsozialraeume = "s.csv"\n'
                   'years = [2023]\n', encoding="utf-8")
    with pytest.raises(GeosozialError) as exc:
        load_project(bad)
    assert "tables" in str(exc.value) and "p.toml" in str(exc.value)
    bad.write_text("[project\nname=", encoding="utf-8")
    with pytest.raises(GeosozialError) as exc:
        load_project(bad)
    assert "TOML" in str(exc.value)


@pytest.mark.slow
def test_demo_withheld_births_cannot_be_derived(demo_out):
    from test_confidentiality import derivable

    out, _ = demo_out
    gem = gpd.read_file(out / "musterkreis_2023.gpkg", layer="gemeinden")
    sr = gpd.read_file(out / "musterkreis_2023.gpkg", layer="sozialraeume")
    withheld = gem["geborene_flag"] == "geheim"
    assert withheld.sum() >= 2  # small counts were found and a partner withheld
    names = sorted(sr["name"])
    groups = [names.index(sr.set_index("key").index[sr["gemeinden"].str.contains(k)][0])
              for k in gem["key"]]
    regions = sr.set_index("name").loc[names]
    leaked = derivable(gem["geborene"].fillna(0).to_numpy(), groups,
                       (~withheld).tolist(), regions["geborene"].notna().tolist(), 0.0)
    assert not set(leaked) & set(np.flatnonzero(withheld.to_numpy()).tolist())
    # the rates built on a withheld count are withheld too
    assert (gem.loc[withheld, "geburtenziffer_flag"] == "geheim").all()
