"""Licence credits (issue 14, item 1): every map of BKG geometry says "© GeoBasis-DE / BKG"
with the edition's year, Sozialraum maps and PNGs included, through the CLI and Python."""

from __future__ import annotations

import geopandas as gpd
import pyogrio
import pytest
from datasets import VG5000

import geosozial as gs
from geosozial.cli import main

CREDIT = "© GeoBasis-DE / BKG (2021)"


@pytest.fixture(scope="module")
def mittelsachsen_mapping(tmp_path_factory):
    """A Sozialraum mapping for the 53 municipalities of Mittelsachsen (by Verband)."""
    frame = gpd.read_file(VG5000)
    keys = sorted(frame.loc[frame["AGS"].str.startswith("14522"), "AGS"])
    path = tmp_path_factory.mktemp("sr") / "sozialraeume.csv"
    rows = [f"{k};Region {int(k[5:]) % 4 + 1}" for k in keys]
    path.write_text("AGS;Sozialraum\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_kreis_maps_credit_the_edition_not_the_subsets_latest_change(tmp_path, capsys):
    # Saxony's latest WSK is 2020-09-25, but the file is the Gebietsstand 01.01.2021
    sachsen = gpd.read_file(VG5000)
    assert sachsen.loc[sachsen["AGS"].str.startswith("14"), "WSK"].astype(str).max() < "2021"
    out = tmp_path / "karte.html"
    assert main(["map", str(VG5000), "--kreis", "14522", "--field", "IBZ", "--out",
                 str(out)]) == 0, capsys.readouterr().err
    assert CREDIT in out.read_text(encoding="utf-8")
    assert "BKG (2020)" not in out.read_text(encoding="utf-8")
    areas = gs.read_areas(VG5000, kreis="14522")
    assert areas.attribution == CREDIT


def test_sozialraum_maps_and_pngs_carry_the_credit(tmp_path, capsys, mittelsachsen_mapping):
    joined = tmp_path / "joined.gpkg"
    table = tmp_path / "t.csv"
    keys = gpd.read_file(VG5000).query("AGS.str.startswith('14522')")["AGS"]
    table.write_text("AGS;einwohner\n" + "\n".join(f"{k};{1000 + i * 7}" for i, k in
                                                    enumerate(sorted(keys))) + "\n",
                     encoding="utf-8")
    assert main(["join", str(VG5000), str(table), "--kreis", "14522", "--out",
                 str(joined)]) == 0, capsys.readouterr().err
    regions = tmp_path / "sr.gpkg"
    assert main(["aggregate", str(joined), str(mittelsachsen_mapping), "--out",
                 str(regions)]) == 0, capsys.readouterr().err
    meta = pyogrio.read_info(regions, layer="sozialraeume")["dataset_metadata"]
    assert meta["geometrie_quelle"] == CREDIT and meta["geometrie_stand"] == "2021-01-01"
    # the Sozialräume carry the edition's WSK, as in QGIS (where no metadata travels)
    assert set(gpd.read_file(regions, layer="sozialraeume")["WSK"].astype(str).str[:10]) \
        == {"2021-01-01"}
    html, png = tmp_path / "sr.html", tmp_path / "sr.png"
    assert main(["map", str(regions), "--layer", "sozialraeume", "--key", "name", "--field",
                 "einwohner", "--out", str(html), "--png", str(png)]) == 0, \
        capsys.readouterr().err
    assert CREDIT in html.read_text(encoding="utf-8")
    assert png.stat().st_size > 10_000
    # an explicit --attribution still wins
    own = tmp_path / "own.html"
    assert main(["map", str(regions), "--layer", "sozialraeume", "--key", "name", "--field",
                 "einwohner", "--out", str(own), "--attribution", "Eigene Grenzen"]) == 0
    assert "Eigene Grenzen" in own.read_text(encoding="utf-8")
    # Python: the aggregate's Sozialraum frame keeps the credit of its municipalities
    result = gs.aggregate(gs.join(gs.read_areas(VG5000, kreis="14522"), str(table)),
                          mittelsachsen_mapping)
    assert result.frame.attrs["attribution"] == CREDIT
    built = gs.map(result.frame, "einwohner", key="key")
    assert CREDIT in built.html


def test_gebietsstand_sets_the_year_of_the_bkg_credit(tmp_path, capsys):
    # a file cut to one Kreis loses the edition: its latest WSK is 2020
    kreis = gpd.read_file(VG5000)
    kreis = kreis[kreis["AGS"].str.startswith("14522")]
    path = tmp_path / "mittelsachsen.shp"
    kreis.to_file(path)
    plain, stated = tmp_path / "a.html", tmp_path / "b.html"
    assert main(["map", str(path), "--field", "IBZ", "--out", str(plain)]) == 0
    assert "BKG (2020)" in plain.read_text(encoding="utf-8")
    assert main(["map", str(path), "--field", "IBZ", "--out", str(stated),
                 "--gebietsstand", "01.01.2021"]) == 0
    assert CREDIT in stated.read_text(encoding="utf-8")
    assert main(["map", str(path), "--field", "IBZ", "--out", str(tmp_path / "c.html"),
                 "--gebietsstand", "Januar"]) == 2
    assert "--gebietsstand 'Januar'" in capsys.readouterr().err
    assert not (tmp_path / "c.html").exists()
