"""Crosswalks between Gebietsstände: derived from Saxony 2015 and VG5000 2021, read from
tables, applied to counts (issue "Years on one Gebietsstand")."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pytest
from datasets import SACHSEN, VG5000

from geosozial.core.crosswalk import Crosswalk, apply_crosswalk, crosswalk_from_table
from geosozial.core.messages import GeosozialError
from geosozial.core.tables.plain import read_plain_csv
from geosozial.core.tables.table import Table
from geosozial.geo.areas import read_areas
from geosozial.geo.crosswalk import derive_crosswalk

VANISHED = {"14521030": "14521035", "14521050": "14521035", "14521470": "14521460",
            "14523350": "14523450", "14625050": "14625200", "14625540": "14625250",
            "14729230": "14729140", "14729290": "14729150"}


@pytest.fixture(scope="module")
def saxony():
    old = read_areas(SACHSEN)
    new = read_areas(VG5000)
    new.frame = new.frame[new.frame["key"].str.startswith("14")].reset_index(drop=True)
    return old, new, derive_crosswalk(old, new, gebietsstand="31.12.2021")


@pytest.fixture(scope="module")
def population_2015():
    frame = gpd.read_file(SACHSEN)
    people = [float(d["population"]) for d in frame["destatis"]]
    return Table.from_records([(k, n, {"bev": (v, "")}) for k, n, v in
                               zip(frame["AGS"], frame["GEN"], people, strict=True)],
                              source="sachsen_2015", meta={"Stichtag": "31.12.2015"})


def test_vanished_municipalities_are_whole_unit_merges(saxony):
    old, new, cw = saxony
    assert len(old.frame) == 426 and len(new.frame) == 419
    for key, successor in VANISHED.items():
        assert cw.successors(key) == [(successor, 1.0)], key
    assert all(s == 1.0 for _, _, s in cw.rows)  # no split: differences are slivers
    kinds = {c.new: c.kind for c in cw.changes()}
    assert kinds["14521035"] == "merged_new"
    assert kinds["14521460"] == "merged_existing"
    assert sorted(cw.changed_territory()) == sorted(
        ["14521460", "14523450", "14625200", "14625250", "14729140", "14729150"])
    report = "\n".join(cw.report())
    assert "14521030 Aue, 14521050 Bad Schlema → 14521035 Aue-Bad Schlema" in report
    assert "14521470 Pfaffroda → 14521460 Olbernhau" in report.replace(
        "14521460 Olbernhau, ", "")


def test_generalisation_differences_are_reported_with_their_size(saxony):
    _, _, cw = saxony
    noise = next(n for n in cw.notices if n.code == "cw.noise")
    text = noise.text()
    assert "Toleranz von 20 %" in text and "km²" in text
    largest = max(cw.noise.values())
    assert 0 < largest[0] < 0.2  # every reported difference is below the tolerance
    assert noise.params["largest"] == f"{largest[0] * 100:.1f}".replace(".", ",")


def test_converting_2015_population_keeps_the_total_and_sums_merges(saxony, population_2015):
    _, new, cw = saxony
    converted = apply_crosswalk(population_2015, cw, gebietsstand="31.12.2021")
    assert converted.values["bev"].sum() == population_2015.values["bev"].sum()
    assert set(converted.keys) == set(new.frame["key"])
    olbernhau = converted.value("14521460", "bev")
    assert olbernhau == population_2015.value("14521460", "bev") + \
        population_2015.value("14521470", "bev")
    assert converted.flag("14521460", "bev") == "umgeschluesselt"
    assert converted.flag("14521035", "bev") == "umgeschluesselt"
    assert converted.flag("14522010", "bev") == ""  # unchanged keeps its own flag
    assert converted.meta["Gebietsstand"] == "31.12.2021"
    assert converted.meta["umgerechnet_aus"] == "31.12.2015"
    assert any(n.code == "cw.converted" and n.params["merged"] == 7
               for n in converted.notices)


def test_splits_are_estimated_and_confidential_parts_stay_confidential():
    cw = Crosswalk([("a", "a", 1.0), ("b", "a", 0.25), ("b", "c", 0.75), ("d", "c", 1.0)])
    t = Table.from_records([("a", "", {"n": (10.0, ""), "m": (3.0, "")}),
                            ("b", "", {"n": (8.0, ""), "m": (math.nan, "geheim")}),
                            ("d", "", {"n": (1.0, ""), "m": (4.0, "")})], "t.csv")
    out = apply_crosswalk(t, cw)
    assert out.values["n"].tolist() == [12.0, 7.0]
    assert out.flags["n"] == ["geschaetzt", "geschaetzt"]
    assert math.isnan(out.value("a", "m")) and out.flag("a", "m") == "geheim"


def test_rates_are_refused_and_double_counting_is_detected():
    cw = Crosswalk([("x", "z", 1.0), ("y", "z", 1.0)])
    rate = Table.from_records([("x", "", {"quote": (12.5, "")})], "q.csv")
    with pytest.raises(GeosozialError) as exc:
        apply_crosswalk(rate, cw)
    assert exc.value.code == "cw.not_count" and "quote" in str(exc.value)
    both = Table.from_records([("x", "", {"n": (1.0, "")}), ("y", "", {"n": (2.0, "")}),
                               ("z", "", {"n": (3.0, "")})], "d.csv")
    with pytest.raises(GeosozialError) as exc:
        apply_crosswalk(both, cw)
    assert exc.value.code == "cw.double" and "x, y" in str(exc.value)


def test_plain_crosswalk_table_with_numeric_keys(tmp_path):
    path = tmp_path / "umsteiger.csv"
    path.write_text("alt;neu;anteil\n1001000;1002000;1\n1003000;1002000;0,5\n"
                    "1003000;1004000;0,5\n", encoding="utf-8")
    cw = crosswalk_from_table(read_plain_csv(path, key_column="alt"))
    assert cw.rows == [("01001000", "01002000", 1.0), ("01003000", "01002000", 0.5),
                       ("01003000", "01004000", 0.5)]
    path.write_text("alt;neu;anteil\n1001000;1002000;0,7\n", encoding="utf-8")
    with pytest.raises(GeosozialError, match=r"0\.7 statt 1"):
        crosswalk_from_table(read_plain_csv(path, key_column="alt"))


def test_kreis_rows_pass_and_unknown_municipalities_are_named():
    t = Table.from_records([("14521030", "Aue", {"n": (5.0, "")}),
                            ("14521", "Erzgebirgskreis", {"n": (50.0, "")}),
                            ("09162000", "München", {"n": (7.0, "")})], "t.csv")
    changes_only = Crosswalk([("14521030", "14521035", 1.0)])
    out = apply_crosswalk(t, changes_only)  # a list of the changes: the rest is untouched
    assert [n.code for n in out.notices if n.code.startswith("cw.u")] == ["cw.untouched"]
    cw = Crosswalk([("14521030", "14521035", 1.0), ("14521010", "14521010", 1.0)],
                   new_names={"14521035": "Aue-Bad Schlema"})  # a complete crosswalk
    out = apply_crosswalk(t, cw)
    assert out.keys == ["14521035", "14521", "09162000"]
    assert out.names[0] == "Aue-Bad Schlema"
    unknown = next(n for n in out.notices if n.code == "cw.unknown_keys")
    assert unknown.params["keys"] == "09162000"
    assert np.array_equal(out.values["n"], [5.0, 50.0, 7.0])


def test_join_of_2015_table_to_2021_areas_names_the_changed_territories(saxony,
                                                                       population_2015):
    import geosozial as gs

    _, new, cw = saxony
    r = gs.join(new, population_2015, crosswalk=cw, confidentiality=False)
    changed = {row["key"]: row for row in r.report.territory_changed}
    assert sorted(changed) == sorted(
        ["14521460", "14523450", "14625200", "14625250", "14729140", "14729150"])
    assert changed["14521460"]["absorbed"] == [("14521470", "Pfaffroda")]
    moved = {row["key"]: row["successor"] for row in r.report.table_only if "successor" in row}
    assert moved["14521030"] == ("14521035", "Aue-Bad Schlema")
    assert set(moved) == set(VANISHED)
    text = r.report.text("de")
    assert "14521460 Olbernhau: umfasst jetzt 14521470 Pfaffroda" in text
    assert "Gebietsstand prüfen: gehört jetzt zu 14521035 Aue-Bad Schlema" in text
    assert any(n.code == "join.gebietsstand" for n in r.report.notices)
    # without the crosswalk the join cannot see it (the finding of the issue)
    plain = gs.join(new, population_2015, confidentiality=False)
    assert plain.report.territory_changed == []


def test_cli_derive_apply_and_join(tmp_path, capsys):
    from geosozial.cli import main

    frame = gpd.read_file(SACHSEN)
    table = tmp_path / "bev2015.csv"
    table.write_text("AGS;Gemeinde;Einwohner\n" + "\n".join(
        f"{a};{g};{d['population']}" for a, g, d in zip(frame["AGS"], frame["GEN"],
                                                        frame["destatis"], strict=True)),
        encoding="utf-8")
    cw = tmp_path / "umsteiger.csv"
    assert main(["crosswalk", "derive", str(SACHSEN), str(VG5000), "--prefix", "14",
                 "--gebietsstand", "31.12.2021", "--out", str(cw)]) == 0
    printed = capsys.readouterr().out
    assert "Änderungen: 7" in printed and "14521035 Aue-Bad Schlema" in printed
    # every other difference is stated with its size: share of the area and km²
    sizes = [line for line in printed.splitlines() if "% der Fläche (" in line]
    assert sizes and all("km²) in einer anderen Gemeinde" in line for line in sizes)
    shares = [float(line.split(": ")[1].split(" %")[0].replace(",", ".")) for line in sizes]
    assert shares == sorted(shares, reverse=True) and shares[0] < 20
    out = tmp_path / "bev2021.csv"
    assert main(["crosswalk", "apply", str(table), "--crosswalk", str(cw), "--out", str(out),
                 "--gebietsstand", "31.12.2021"]) == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "AGS;Name;Einwohner;Kennzeichen;Gebietsstand"
    row = next(line for line in lines if line.startswith("14521460;"))
    assert row.split(";")[2:] == [str(11679), "umgeschluesselt", "31.12.2021"]
    areas = tmp_path / "sachsen2021.gpkg"
    vg = gpd.read_file(VG5000)
    vg[vg["AGS"].str.startswith("14")].to_file(areas)
    assert main(["join", str(areas), str(out), "--out", str(tmp_path / "j.gpkg"), "--json",
                 "--no-confidentiality"]) == 0
    import json

    printed = capsys.readouterr().out
    report = json.loads(printed[printed.index("{"):printed.rindex("}") + 1])
    assert report["matched"] == 419 and report["table_rows_without_geometry"] == []


def test_cli_join_names_changed_territory_from_old_areas_or_hints(tmp_path, capsys):
    from geosozial.cli import main

    frame = gpd.read_file(SACHSEN)
    table = tmp_path / "bev2015.csv"
    table.write_text("AGS;Gemeinde;Einwohner;Stichtag\n" + "\n".join(
        f"{a};{g};{d['population']};31.12.2015" for a, g, d in
        zip(frame["AGS"], frame["GEN"], frame["destatis"], strict=True)), encoding="utf-8")
    areas = tmp_path / "sachsen2021.gpkg"
    vg = gpd.read_file(VG5000)
    vg[vg["AGS"].str.startswith("14")].to_file(areas)
    assert main(["join", str(areas), str(table), "--out", str(tmp_path / "a.gpkg"),
                 "--no-confidentiality"]) == 0
    plain = capsys.readouterr().out
    assert "Stichtag 31.12.2015" in plain and "8 Gemeindeschlüssel" in plain
    assert "--old-areas" in plain and "umfasst jetzt" not in plain
    assert main(["join", str(areas), str(table), "--out", str(tmp_path / "b.gpkg"),
                 "--no-confidentiality", "--old-areas", str(SACHSEN)]) == 0
    told = capsys.readouterr().out
    changed = [line.split(":")[0].strip() for line in told.splitlines()
               if "umfasst jetzt" in line]
    assert sorted(c.split()[0] for c in changed) == sorted(
        ["14521460", "14523450", "14625200", "14625250", "14729140", "14729150"])
    assert "14521030 Aue (Zeile" in told and "gehört jetzt zu 14521035 Aue-Bad Schlema" in told
    assert main(["join", str(areas), str(table), "--out", str(tmp_path / "c.gpkg"),
                 "--crosswalk", str(table), "--old-areas", str(SACHSEN)]) == 2
