"""Crosswalk files (issue "Years on one Gebietsstand", item 1): BBSR Umsteigeschlüssel
(XLSX), GV100AD key lists, population-weighted derivation, and the CLI on top.

The BBSR workbooks are built here in the real layout (checked against the BBSR Kreise
workbook in github.com/sumtxt/ags, data-raw/rawdata): header cells with line breaks, keys
stored as numbers, a title row above the header, empty rows and a note below the data.
The GV100AD records of Saarland (30.04.2021) and Eberbach (31.01.2022) are real records
quoted in the tests of the public readers github.com/jgraef/gv100ad (src/parser.rs) and
github.com/openpotato/gv100ad-py (tests/test_reader.py).
"""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import Point, box

from geosozial.core.crosswalk import apply_crosswalk, crosswalk_from_table
from geosozial.core.crosswalk_files import (
    key_list_changes,
    read_bbsr_crosswalk,
    read_crosswalk,
    read_gv100ad,
    share_name,
)
from geosozial.core.messages import GeosozialError
from geosozial.core.tables.plain import read_plain_csv
from geosozial.core.tables.table import Table
from geosozial.core.tables.xlsx import write_minimal_xlsx
from geosozial.geo.areas import Areas
from geosozial.geo.crosswalk import derive_crosswalk

# ------------------------------------------------------------------ BBSR workbook

HEADER = ["Gemeinden\n 31.12.{y}", "Gemeindename {y}", "flächen-\nproportionaler\n"
          "Umsteige-schlüssel", "bevölkerungs- \nproportionaler \nUmsteige- \nschlüssel",
          "beschäftigten- \nproportionaler \nUmsteige- \nschlüssel",
          "Fläche am 31.12.{y} in km²", "Bevölkerung am 31.12.{y} in 100",
          "sozialvers.pflichtig Beschäftigte am Arbeitsort am 30.6.{y} in 100",
          "Gemeinden\n 31.12.2020", "Gemeindename 2020"]


def header(year: int) -> list[str]:
    return [h.format(y=year) for h in HEADER]


# old key (number, as BBSR stores it), name, area / population / employment share, new
ROWS_2015 = [
    [1001000, "Flensburg, Stadt", 1, 1, 1, 56.7, 843.0, 400.1, 1001000, "Flensburg, Stadt"],
    [1051011, "Albersdorf", 1, 1, 1, 16.8, 35.4, 12.0, 1051011, "Albersdorf"],
    [7135050, "Teilort", 0.6, 0.8, 0.9, 10.0, 10.0, 2.0, 7135050, "Teilort"],
    [7135050, "Teilort", 0.4, 0.2, 0.1, 10.0, 10.0, 2.0, 7140060, "Nachbarort"],
    [14521030, "Aue, Stadt", 1, 1, 1, 20.8, 160.0, 80.0, 14521035, "Aue-Bad Schlema, Stadt"],
    [14521050, "Bad Schlema", 1, 1, 1, 13.0, 50.0, 10.0, 14521035, "Aue-Bad Schlema, Stadt"],
]


def bbsr_workbook(path, *, bad_sum: bool = False, extra: dict | None = None):
    """A BBSR Gemeinde workbook with the sheets 2015-2020 and 2016-2020 (2016: Aue and Bad
    Schlema still separate in 2016 as well, Teilort split 50/50 by every share)."""
    rows_2016 = [r[:] for r in ROWS_2015]
    rows_2016[2][2:5] = [0.5, 0.5, 0.5]
    rows_2016[3][2:5] = [0.5, 0.5, 0.5]
    if bad_sum:
        rows_2016[3][3] = 0.3  # population shares of Teilort: 0.5 + 0.3
    sheets = {
        "2015-2020": [["Umstiegsschlüssel Gemeinden 2015 auf Gebietsstand 31.12.2020"], [],
                      header(2015), *ROWS_2015, [], [], ["Quelle: BBSR Bonn 2021"]],
        "2016-2020": [header(2016), *rows_2016, [None] * 10],
    }
    sheets.update(extra or {})
    write_minimal_xlsx(path, sheets)
    return path


@pytest.fixture
def workbook(tmp_path):
    return bbsr_workbook(tmp_path / "ref-gemeinden-umrech-2020-2011-2019.xlsx")


def test_bbsr_keys_are_repaired_and_names_and_stand_read(workbook):
    cw = read_bbsr_crosswalk(workbook, sheet=2015, share="bevoelkerung")
    assert cw.old_keys == ["01001000", "01051011", "07135050", "14521030", "14521050"]
    assert ("07135050", "07140060", 0.2) in cw.rows
    assert cw.successors("14521030") == [("14521035", 1.0)]
    assert cw.old_names["01051011"] == "Albersdorf"
    assert cw.new_names["14521035"] == "Aue-Bad Schlema, Stadt"
    assert cw.gebietsstand == "31.12.2020"
    read = cw.notices[0]
    assert read.code == "cw.bbsr_read"
    assert read.params["repaired"] == 3 and read.params["old"] == "31.12.2015"
    kinds = {c.new: c.kind for c in cw.changes()}
    assert kinds == {"07135050": "split", "07140060": "split", "14521035": "merged_new"}


def test_bbsr_share_choice_changes_the_shares(workbook):
    def teilort(share):
        return dict(read_bbsr_crosswalk(workbook, sheet="2015-2020",
                                        share=share).successors("07135050"))

    assert teilort("flaeche") == {"07135050": 0.6, "07140060": 0.4}
    assert teilort("area") == teilort("Fläche")
    assert teilort("bevoelkerung") == {"07135050": 0.8, "07140060": 0.2}
    assert teilort("population") == teilort(None)  # the default is the population share
    assert teilort("beschaeftigte") == {"07135050": 0.9, "07140060": 0.1}
    assert teilort("employment") == teilort("beschaeftigte")
    with pytest.raises(GeosozialError) as exc:
        share_name("einwohnerzahl")
    assert "einwohnerzahl" in str(exc.value) and "share" in str(exc.value)


def test_bbsr_sheet_by_year_or_name_and_clear_sheet_errors(workbook):
    by_year = read_bbsr_crosswalk(workbook, sheet="2016")
    by_name = read_bbsr_crosswalk(workbook, sheet="2016-2020")
    assert by_year.rows == by_name.rows
    assert dict(by_year.successors("07135050")) == {"07135050": 0.5, "07140060": 0.5}
    with pytest.raises(GeosozialError) as exc:
        read_bbsr_crosswalk(workbook)  # two sheets: the year must be chosen
    assert exc.value.code == "cw.sheet_needed" and "2015-2020, 2016-2020" in str(exc.value)
    with pytest.raises(GeosozialError) as exc:
        read_bbsr_crosswalk(workbook, sheet=2030)
    assert exc.value.code == "cw.sheet_unknown" and "2030" in str(exc.value)


def test_bbsr_shares_that_do_not_sum_to_one_name_the_key(tmp_path):
    path = bbsr_workbook(tmp_path / "bbsr.xlsx", bad_sum=True)
    read_bbsr_crosswalk(path, sheet=2016, share="flaeche")  # the area shares are fine
    with pytest.raises(GeosozialError) as exc:
        read_bbsr_crosswalk(path, sheet=2016, share="bevoelkerung")
    text = str(exc.value)
    assert exc.value.code == "cw.shares"
    assert "07135050" in text and "0.8 statt 1" in text and "2016-2020" in text


def test_bbsr_bad_cells_name_file_sheet_row_and_column(tmp_path):
    bad = [header(2017), [1001000, "Flensburg", 1, "eins", 1, 1, 1, 1, 1001000, "Flensburg"]]
    path = bbsr_workbook(tmp_path / "bbsr.xlsx", extra={"2017-2020": bad})
    with pytest.raises(GeosozialError) as exc:
        read_bbsr_crosswalk(path, sheet=2017, share="population")
    text = str(exc.value)
    assert "bbsr.xlsx" in text and "Tabellenblatt 2017-2020" in text
    assert "Zeile 2, Spalte D" in text and "'eins'" in text and "bevölkerungs" in text
    bad_key = [header(2018), ["x1001", "Flensburg", 1, 1, 1, 1, 1, 1, 1001000, "Flensburg"]]
    path = bbsr_workbook(tmp_path / "bbsr2.xlsx", extra={"2018-2020": bad_key})
    with pytest.raises(GeosozialError, match=r"Zeile 2, Spalte A .*'x1001'"):
        read_bbsr_crosswalk(path, sheet=2018)
    no_header = [["AGS alt", "AGS neu", "Anteil"], [1001000, 1001000, 1]]
    path = bbsr_workbook(tmp_path / "bbsr3.xlsx", extra={"2019-2020": no_header})
    with pytest.raises(GeosozialError) as exc:
        read_bbsr_crosswalk(path, sheet=2019)
    assert exc.value.code == "cw.bbsr_header"


def test_bbsr_sheet_without_employment_share_and_kreise(tmp_path):
    early = [["Kreise\n 31.12.1995", "Kreisname 1995", "flächen-\nproportionaler\n"
              "Umsteige-schlüssel", "bevölkerungs- \nproportionaler \nUmsteige- \nschlüssel",
              "Fläche am 31.12.1995 in km²", "Bevölkerung am 31.12.1995 in 1000",
              "Kreise\n 31.12.2020", "Kreisname 2020"],
             [14181000, "Mittweida", 1, 1, 773.5, 135.2, 14522000, "Mittelsachsen"],
             [3152000, "Göttingen", 1, 1, 1117.0, 264.7, 3159000, "Göttingen"]]
    path = tmp_path / "ref-kreise-umrech-2020-1990-2019.xlsx"
    write_minimal_xlsx(path, {"1995-2020": early})
    with pytest.raises(GeosozialError) as exc:
        read_bbsr_crosswalk(path, share="employment")
    assert exc.value.code == "cw.bbsr_no_share" and "flaeche, bevoelkerung" in str(exc.value)
    cw = read_bbsr_crosswalk(path, share="flaeche")
    assert cw.rows == [("14181", "14522", 1.0), ("03152", "03159", 1.0)]  # Kreis keys


def test_bbsr_conversion_of_counts_keeps_the_total(workbook):
    cw = read_crosswalk(workbook, sheet=2015, share="bevoelkerung")
    counts = {"01001000": 84300.0, "01051011": 3540.0, "07135050": 1000.0,
              "14521030": 16000.0, "14521050": 5000.0}
    table = Table.from_records([(k, "", {"bev": (v, "")}) for k, v in counts.items()],
                               "bev2015.csv", meta={"Gebietsstand": "31.12.2015"})
    out = apply_crosswalk(table, cw, gebietsstand=cw.gebietsstand)
    assert out.values["bev"].sum() == sum(counts.values())
    assert out.value("14521035", "bev") == 21000.0
    assert out.flag("14521035", "bev") == "umgeschluesselt"
    assert out.value("07140060", "bev") == pytest.approx(200.0)
    assert out.value("07135050", "bev") == pytest.approx(800.0)
    assert out.flag("07140060", "bev") == "geschaetzt"
    assert out.meta["Gebietsstand"] == "31.12.2020"


def test_read_crosswalk_dispatches_by_extension(tmp_path, workbook):
    csv = tmp_path / "umsteiger.csv"
    csv.write_text("alt;neu;anteil;anteil_bev\n1001000;1002000;1;1\n"
                   "1003000;1002000;0,5;0,25\n1003000;1004000;0,5;0,75\n", encoding="utf-8")
    plain = read_crosswalk(csv, gebietsstand="31.12.2021")
    assert plain.rows == crosswalk_from_table(read_plain_csv(csv, key_column="alt")).rows
    assert plain.gebietsstand == "31.12.2021"
    assert dict(read_crosswalk(csv, share="anteil_bev").successors("01003000")) == {
        "01002000": 0.25, "01004000": 0.75}
    with pytest.raises(GeosozialError, match="anteil_xyz"):
        read_crosswalk(csv, share="anteil_xyz")
    with pytest.raises(GeosozialError) as exc:
        read_crosswalk(csv, sheet=2015)
    assert exc.value.code == "cw.sheet_csv"
    ods = tmp_path / "umsteiger.ods"
    ods.write_bytes(b"")
    with pytest.raises(GeosozialError) as exc:
        read_crosswalk(ods)
    assert exc.value.code == "cw.file_kind" and ".ods" in str(exc.value)
    assert read_crosswalk(workbook, sheet=2015).rows == read_bbsr_crosswalk(
        workbook, sheet=2015).rows


# ------------------------------------------------------------------ GV100AD

SAARLAND_2021 = [  # real records, see the module docstring
    "102021043010          Saarland                                          "
    "Saarbrücken, Landeshauptstadt",
    "402021043010041       Regionalverband Saarbrücken                       "
    "Saarbrücken, Landeshauptstadt                     45",
    "502021043010041   0100Saarbrücken, Landeshauptstadt                          "
    "                                             50",
    "6020210430100411000100Saarbrücken, Landeshauptstadt                          "
    "                                             63    000000167520000018037400000089528"
    "    66111*****  1040110955501296",
]
EBERBACH_2022 = ("6020220131082260135001Eberbach, Stadt                                 "
                 "                                                    63    0000000811500"
                 "00001426700000006914    69412*****  2840130262405277")


def gv_line(key: str, name: str, area: int, population: int, *, stand: str = "20151231",
            verband: str = "0000", kind: str = "64") -> str:
    """A Satzart-60 record in the documented layout (positions 1-based: 1-2 Satzart, 3-10
    Gebietsstand, 11-18 AGS, 19-22 Gemeindeverband, 23-72 name, 123-124 Textkennzeichen,
    129-139 area in ha, 140-150 population, 151-161 male population)."""
    text = ("60" + stand + key + verband + name.ljust(50) + " " * 50 + kind + " " * 4
            + f"{area:011d}{population:011d}{population // 2:011d}")
    return text.ljust(220)


def test_gv100ad_real_records_are_parsed(tmp_path):
    path = tmp_path / "GV100AD_300421.txt"
    path.write_text("\n".join(line.ljust(220) for line in SAARLAND_2021) + "\n",
                    encoding="utf-8")
    keys = read_gv100ad(path)
    assert keys.gebietsstand == "30.04.2021"
    assert [r.level for r in keys.records] == ["Land", "Kreis", "Gemeindeverband", "Gemeinde"]
    assert keys.names("Land") == {"10": "Saarland"}
    assert keys.names("Kreis") == {"10041": "Regionalverband Saarbrücken"}
    assert keys.names("Gemeindeverband") == {"100410100": "Saarbrücken, Landeshauptstadt"}
    town = keys.record("10041100")
    assert town.ars == "100410100100" and town.textkennzeichen == "63"
    assert (town.area_ha, town.population, town.population_male) == (16752, 180374, 89528)
    assert keys.records[1].textkennzeichen == "45"  # Regionalverband
    latin = tmp_path / "GV100AD_310122.txt"  # before 2019 the files were ISO-8859-1
    latin.write_bytes((EBERBACH_2022 + "\r\n").encode("iso-8859-1"))
    eberbach = read_gv100ad(latin).records[0]
    assert (eberbach.key, eberbach.ars, eberbach.name) == ("08226013", "082265001013",
                                                           "Eberbach, Stadt")
    assert (eberbach.area_ha, eberbach.population, eberbach.gebietsstand) == (
        8115, 14267, "31.01.2022")


def test_gv100ad_bad_records_name_the_line(tmp_path):
    path = tmp_path / "GV100AD.txt"
    path.write_text(SAARLAND_2021[0].ljust(220) + "\n\n99" + "x" * 100 + "\n",
                    encoding="utf-8")
    with pytest.raises(GeosozialError) as exc:
        read_gv100ad(path)
    assert "Zeile 3" in str(exc.value) and "'99'" in str(exc.value)
    path.write_text("6020213101" + SAARLAND_2021[3][10:] + "\n", encoding="utf-8")
    with pytest.raises(GeosozialError, match=r"Zeile 1: Feld Gebietsstand \(Stellen 3–10\)"):
        read_gv100ad(path)
    path.write_text("", encoding="utf-8")
    with pytest.raises(GeosozialError, match="keine Sätze"):
        read_gv100ad(path)


def test_key_list_changes_name_vanished_and_new_keys(tmp_path):
    old = tmp_path / "GV100AD_311215.txt"
    old.write_text("\n".join([
        gv_line("14521030", "Aue, Stadt", 2083, 16300),
        gv_line("14521050", "Bad Schlema", 1340, 5100),
        gv_line("14521460", "Olbernhau, Stadt", 4626, 11500),
        gv_line("14521470", "Pfaffroda", 3050, 3000),
        gv_line("14522180", "Hainichen", 6087, 8800, kind="63"),
        gv_line("14522010", "Altmittweida", 1148, 2100)]) + "\n", encoding="utf-8")
    new = tmp_path / "GV100AD_311221.txt"
    new.write_text("\n".join([
        gv_line("14521035", "Aue-Bad Schlema, Stadt", 3423, 20500, stand="20211231"),
        gv_line("14521460", "Olbernhau, Stadt", 7676, 14000, stand="20211231"),
        gv_line("14522180", "Hainichen, Stadt", 6087, 8600, stand="20211231"),
        gv_line("14522010", "Altmittweida", 1149, 2000, stand="20211231")]) + "\n",
        encoding="utf-8")
    ch = key_list_changes(read_gv100ad(old), read_gv100ad(new))
    assert ch.vanished == [("14521030", "Aue, Stadt"), ("14521050", "Bad Schlema"),
                           ("14521470", "Pfaffroda")]
    assert ch.appeared == [("14521035", "Aue-Bad Schlema, Stadt")]
    assert ch.renamed == [("14522180", "Hainichen", "Hainichen, Stadt")]
    assert ch.area_changed == [("14521460", "Olbernhau, Stadt", 4626, 7676)]  # not +1 ha
    assert ch.candidates["14521470"][0] == "14521460"  # Olbernhau grew by Pfaffroda's area
    assert ch.candidates["14521030"][0] == "14521035"  # "Aue" lives on in the new name
    assert ch.candidates["14521050"][0] == "14521035"
    report = ch.report()
    assert report[0].startswith("Schlüssel Gemeinde 31.12.2015 → 31.12.2021: 3 weggefallen")
    assert "weggefallen: 14521470 Pfaffroda (mögliche Nachfolger: 14521460" in report[3]
    assert "new: 14521035 Aue-Bad Schlema, Stadt" in ch.report("en")


# ------------------------------------------------------------------ population weights

def areas(keys, geoms, source):
    frame = gpd.GeoDataFrame({"key": keys, "name": [f"G {k}" for k in keys]},
                             geometry=geoms, crs=25833)
    return Areas(frame, "AGS", source)


def editions():
    """Old: A [0,10], B [10,20], C [20,30] (x in km, 10 km high). New: A splits into
    X [0,6] and Y [6,10.3]; B and C merge into Z [10.3,30], B leaving a 3 % sliver in Y."""
    km = 1000.0
    old = areas(["A", "B", "C"], [box(0, 0, 10 * km, 10 * km),
                                  box(10 * km, 0, 20 * km, 10 * km),
                                  box(20 * km, 0, 30 * km, 10 * km)], "alt")
    new = areas(["X", "Y", "Z"], [box(0, 0, 6 * km, 10 * km),
                                  box(6 * km, 0, 10.3 * km, 10 * km),
                                  box(10.3 * km, 0, 30 * km, 10 * km)], "neu")
    return old, new


def people(points):
    return gpd.GeoDataFrame({"EW": [w for _, _, w in points]},
                            geometry=[Point(x * 1000, y * 1000) for x, y, _ in points],
                            crs=25833)


def test_population_points_set_the_shares_of_a_split():
    old, new = editions()
    by_area = derive_crosswalk(old, new)
    assert dict(by_area.successors("A")) == pytest.approx({"X": 0.6, "Y": 0.4})
    # 3 x 10 people in A's part in X, 90 in its part in Y: shares 30/120 and 90/120
    points = people([(1, 1, 10), (2, 5, 10), (5, 9, 10), (8, 5, 90), (25, 5, 7)])
    cw = derive_crosswalk(old, new, weight_points=points, weight_field="EW")
    assert dict(cw.successors("A")) == pytest.approx({"X": 0.25, "Y": 0.75})
    weighted = next(n for n in cw.notices if n.code == "cw.weighted")
    assert weighted.params["splits"] == 1 and weighted.params["points"] == 4  # not C's


def test_a_point_on_a_boundary_counts_once():
    from geosozial.geo.crosswalk import _overlay, _piece_weights, read_weight_points

    old, new = editions()
    o = _overlay(old, new)
    points = people([(6, 5, 60), (15, 5, 5), (1, 1, 10), (40, 5, 3)])  # (6, 5) on X|Y
    geoms, values, _ = read_weight_points(points, "EW", o.crs)
    sums, counted, total = _piece_weights(o, geoms, values)
    assert sums.sum() == 75 and (counted, total) == (3, 75.0)
    only_a = _piece_weights(o, geoms, values, o.old_keys[o.left] == "A")
    assert only_a[0].sum() == 70 and only_a[1:] == (2, 70.0)


def test_a_merger_stays_whole_despite_people_in_the_sliver():
    old, new = editions()
    points = people([(3, 5, 40), (8, 5, 40), (10.1, 5, 500), (15, 5, 100)])
    cw = derive_crosswalk(old, new, weight_points=points, weight_field="EW")
    assert cw.successors("B") == [("Z", 1.0)]  # the sliver is noise, its 500 people too
    assert cw.successors("C") == [("Z", 1.0)]
    assert dict(cw.successors("A")) == pytest.approx({"X": 0.5, "Y": 0.5})
    assert "B" in cw.noise


def test_a_split_without_points_keeps_area_shares_and_is_reported():
    old, new = editions()
    cw = derive_crosswalk(old, new, weight_points=people([(25, 5, 7)]), weight_field="EW")
    assert dict(cw.successors("A")) == pytest.approx({"X": 0.6, "Y": 0.4})
    fallback = next(n for n in cw.notices if n.code == "cw.weight_fallback")
    assert "A G A" in fallback.text()
    with pytest.raises(GeosozialError, match="EINW"):
        derive_crosswalk(old, new, weight_points=people([(1, 1, 1)]), weight_field="EINW")
    bad = people([(1, 1, 1), (2, 2, -3)])
    with pytest.raises(GeosozialError, match="Objekt 2"):
        derive_crosswalk(old, new, weight_points=bad, weight_field="EW")


# ------------------------------------------------------------------ CLI

def count_table(path):
    path.write_text("AGS;Gemeinde;Einwohner\n01001000;Flensburg;84300\n"
                    "01051011;Albersdorf;3540\n07135050;Teilort;1000\n"
                    "14521030;Aue;16000\n14521050;Bad Schlema;5000\n", encoding="utf-8")
    return path


def test_cli_apply_with_a_bbsr_workbook(tmp_path, workbook, capsys):
    from geosozial.cli import main

    table = count_table(tmp_path / "bev2015.csv")
    out = tmp_path / "bev2020.csv"
    assert main(["crosswalk", "apply", str(table), "--crosswalk", str(workbook), "--sheet",
                 "2015", "--share", "bevoelkerung", "--out", str(out)]) == 0
    assert "bevölkerungsproportional" in capsys.readouterr().out
    rows = {line.split(";")[0]: line.split(";")
            for line in out.read_text(encoding="utf-8").splitlines()[1:]}
    assert rows["07140060"][2:] == ["200", "geschaetzt", "31.12.2020"]
    assert rows["14521035"][2:] == ["21000", "umgeschluesselt", "31.12.2020"]
    assert sum(float(r[2]) for r in rows.values()) == 84300 + 3540 + 1000 + 16000 + 5000


def test_cli_apply_bad_share_or_missing_sheet_exits_2_naming_the_option(tmp_path, workbook,
                                                                      capsys):
    from geosozial.cli import main

    table = count_table(tmp_path / "bev2015.csv")
    out = tmp_path / "bev2020.csv"
    code = main(["crosswalk", "apply", str(table), "--crosswalk", str(workbook), "--sheet",
                 "2015", "--share", "einwohnerzahl", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and "--share" in err and "einwohnerzahl" in err and "bevoelkerung" in err
    code = main(["crosswalk", "apply", str(table), "--crosswalk", str(workbook),
                 "--out", str(out), "--lang", "en"])
    err = capsys.readouterr().err
    assert code == 2 and "--sheet" in err and "2015-2020" in err
    assert not out.exists()


def test_cli_derive_with_weights_and_changes(tmp_path, capsys):
    from geosozial.cli import main

    old, new = editions()
    old_path, new_path = tmp_path / "alt.gpkg", tmp_path / "neu.gpkg"
    old.frame.rename(columns={"key": "ID"}).to_file(old_path)
    new.frame.rename(columns={"key": "ID"}).to_file(new_path)
    points = tmp_path / "zensus.gpkg"
    people([(1, 1, 10), (2, 5, 10), (5, 9, 10), (8, 5, 90)]).to_file(points)
    out = tmp_path / "cw.csv"
    args = ["crosswalk", "derive", str(old_path), str(new_path), "--key", "ID", "--out",
            str(out)]
    assert main([*args, "--weights", str(points)]) == 2
    assert "--weight-field" in capsys.readouterr().err
    assert main([*args, "--weights", str(points), "--weight-field", "EW"]) == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    assert "A;G A;Y;G Y;0,75;" in lines and "A;G A;X;G X;0,25;" in lines
    gv_old, gv_new = tmp_path / "GV100AD_311215.txt", tmp_path / "GV100AD_311221.txt"
    gv_old.write_text(gv_line("14521460", "Olbernhau", 4626, 1) + "\n"
                      + gv_line("14521470", "Pfaffroda", 3050, 1) + "\n", encoding="utf-8")
    gv_new.write_text(gv_line("14521460", "Olbernhau", 7676, 1, stand="20211231") + "\n",
                      encoding="utf-8")
    capsys.readouterr()
    assert main(["crosswalk", "changes", str(gv_old), str(gv_new)]) == 0
    printed = capsys.readouterr().out
    assert "1 weggefallen, 0 neu" in printed
    assert "weggefallen: 14521470 Pfaffroda (mögliche Nachfolger: 14521460)" in printed
    gv_new.write_text("kein Verzeichnis\n", encoding="utf-8")
    assert main(["crosswalk", "changes", str(gv_old), str(gv_new)]) == 2
    assert "Zeile 1" in capsys.readouterr().err


def test_cli_join_with_a_bbsr_workbook_takes_sheet_and_share(tmp_path, workbook, capsys):
    """``join --crosswalk`` with a BBSR workbook: --crosswalk-sheet/--crosswalk-share as
    ``crosswalk apply --sheet/--share``; a missing sheet names this command's option."""
    from datasets import VG5000

    from geosozial.cli import main

    vg = gpd.read_file(VG5000)
    areas = tmp_path / "erzgebirge.gpkg"
    vg[vg["AGS"].str.startswith("14521")].to_file(areas)
    table = count_table(tmp_path / "bev2015.csv")
    table.write_text(table.read_text(encoding="utf-8") + "14521010;Adorf/Erzgeb.;5000\n",
                     encoding="utf-8")  # a key that did not change
    out = tmp_path / "verknuepft.gpkg"
    code = main(["join", str(areas), str(table), "--out", str(out), "--no-confidentiality",
                 "--crosswalk", str(workbook)])
    err = capsys.readouterr().err
    assert code == 2 and "--crosswalk-sheet" in err and "2015-2020" in err
    assert not out.exists()
    assert main(["join", str(areas), str(table), "--out", str(out), "--no-confidentiality",
                 "--crosswalk", str(workbook), "--crosswalk-sheet", "2015",
                 "--crosswalk-share", "flaeche"]) == 0
    told = capsys.readouterr().out
    assert "gehört jetzt zu 14521035" in told
    code = main(["join", str(areas), str(table), "--out", str(out), "--no-confidentiality",
                 "--crosswalk-sheet", "2015"])
    assert code == 2 and "--crosswalk" in capsys.readouterr().err
