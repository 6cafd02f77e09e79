"""Indicators from counts, Sozialraum aggregation as ratio of sums, mapping checks."""

import math

import geopandas as gpd
import numpy as np
import pytest
from datasets import DEMO, demo_project, grid_areas

from geosozial.core.columns import Columns
from geosozial.core.indicators import CATALOGUE, add_indicator, indicator_from_dict
from geosozial.core.messages import GeosozialError
from geosozial.core.sozialraum import SozialraumMapping, read_mapping
from geosozial.geo.frames import aggregate_frame

KEYS = ["14999001", "14999002", "14999003", "14999004"]


def _joined(rlb, rlb_flags=None, bev=(1000.0, 800.0, 600.0, 400.0)):
    frame = grid_areas(KEYS, ["Adorf", "Bödorf", "Cestadt", "Düben"])
    frame.insert(0, "key", KEYS)
    frame.insert(1, "name", frame["GEN"])
    frame["sgb2_rlb"] = list(rlb)
    frame["sgb2_rlb_flag"] = list(rlb_flags or [""] * 4)
    frame["bev_u65"] = list(bev)
    frame["bev_u65_flag"] = [""] * 4
    return gpd.GeoDataFrame(frame, geometry="geometry")


MAPPING = SozialraumMapping(
    {"14999001": "Nord", "14999002": "Nord", "14999003": "Süd", "14999004": "Süd"},
    {k: i + 2 for i, k in enumerate(KEYS)}, "sr.csv")


def test_rate_is_ratio_of_sums_not_mean_of_rates():
    res = _aggregate(_joined([100.0, 50.0, 30.0, 20.0]), MAPPING, ["sgb2_rlb", "bev_u65"],
                    [CATALOGUE["sgb2_quote"]], rule=None)
    regions = res.sozialraeume.set_index("name")
    assert regions.loc["Nord", "sgb2_rlb"] == 150.0
    assert regions.loc["Nord", "bev_u65"] == 1800.0
    assert regions.loc["Nord", "sgb2_quote"] == pytest.approx(150 / 1800 * 100, abs=1e-12)
    assert regions.loc["Süd", "sgb2_quote"] == pytest.approx(50 / 1000 * 100, abs=1e-12)
    mean_of_rates = (100 / 1000 + 50 / 800) / 2 * 100
    assert abs(regions.loc["Nord", "sgb2_quote"] - mean_of_rates) > 0.1
    assert regions.loc["Nord", "anzahl_gemeinden"] == 2
    assert regions.loc["Nord", "gemeinden"] == "14999001, 14999002"
    members = res.municipalities.set_index("key")
    assert members.loc["14999002", "sgb2_quote"] == pytest.approx(6.25, abs=1e-12)
    # dissolved geometry of the two squares is one 2 km² polygon
    assert regions.loc["Nord", "geometry"].area == pytest.approx(2e6)


def test_suppressed_member_makes_aggregate_not_computable():
    res = _aggregate(_joined([100.0, np.nan, 30.0, 20.0], ["", ".", "", ""]), MAPPING,
                    ["sgb2_rlb", "bev_u65"], [CATALOGUE["sgb2_quote"]], rule=None)
    regions = res.sozialraeume.set_index("name")
    assert math.isnan(regions.loc["Nord", "sgb2_rlb"])
    assert regions.loc["Nord", "sgb2_rlb_flag"] == "nicht_berechenbar"
    assert math.isnan(regions.loc["Nord", "sgb2_quote"])
    assert regions.loc["Nord", "sgb2_quote_flag"] == "nicht_berechenbar"
    assert regions.loc["Süd", "sgb2_rlb"] == 50.0
    notice = next(n for n in res.notices if n.code == "agg.not_computable")
    assert "14999002" in notice.text() and "Nord" in notice.text()
    members = res.municipalities.set_index("key")
    assert members.loc["14999002", "sgb2_quote_flag"] == "geheim"


def test_kreis_row_sums_the_unprotected_counts_and_recomputes_rates():
    """A withheld municipality does not empty the Kreis value: the Kreis total is the
    grand total every protection problem treats as public, so it is summed before the
    protection and reveals nothing the members withhold."""
    from geosozial.core.confidentiality import ConfidentialityRule

    rule = ConfidentialityRule(min_count=3)
    res = _aggregate(_joined([2.0, 50.0, 30.0, 20.0]), MAPPING, ["sgb2_rlb", "bev_u65"],
                     [CATALOGUE["sgb2_quote"]], rule=rule)
    members = res.municipalities.set_index("key")
    assert members.loc["14999001", "sgb2_rlb_flag"] == "geheim"  # primary (2)
    withheld = members["sgb2_rlb_flag"].eq("geheim").sum()
    assert withheld >= 2  # and a partner, so 2 cannot be recovered from the Sozialraum
    kreis = res.kreis.iloc[0]
    assert kreis["key"] == "14999" and kreis["anzahl_gemeinden"] == 4
    assert kreis["sgb2_rlb"] == 102.0 and kreis["sgb2_rlb_flag"] == ""
    assert kreis["sgb2_quote"] == pytest.approx(102 / 2800 * 100, abs=1e-12)
    # the same rule, protection and rates as every other level: one home
    assert res.result.kreis.numbers("bev_u65").tolist() == [2800.0]


def test_kreis_row_small_total_is_withheld_and_a_gap_is_not_summed():
    from geosozial.core.confidentiality import ConfidentialityRule

    rule = ConfidentialityRule(min_count=3)
    res = _aggregate(_joined([1.0, 0.0, 0.0, 1.0], ["", "-", "-", ""]), MAPPING,
                     ["sgb2_rlb", "bev_u65"], [CATALOGUE["sgb2_quote"]], rule=rule)
    kreis = res.kreis.iloc[0]
    assert math.isnan(kreis["sgb2_rlb"]) and kreis["sgb2_rlb_flag"] == "geheim"
    assert math.isnan(kreis["sgb2_quote"]) and kreis["sgb2_quote_flag"] == "geheim"
    res = _aggregate(_joined([100.0, np.nan, 30.0, 20.0], ["", ".", "", ""]), MAPPING,
                     ["sgb2_rlb", "bev_u65"], [CATALOGUE["sgb2_quote"]], rule=rule)
    kreis = res.kreis.iloc[0]
    assert math.isnan(kreis["sgb2_rlb"]) and kreis["sgb2_rlb_flag"] == "nicht_berechenbar"
    assert kreis["bev_u65"] == 2800.0


def test_zero_denominator_is_flagged_and_named():
    frame = Columns({"geborene": [0.0, 4.0], "geborene_flag": ["-", ""],
                     "gestorbene": [0.0, 8.0], "gestorbene_flag": ["-", ""]})
    notices = add_indicator(frame, CATALOGUE["geburtenverhaeltnis"], ["14999001", "14999002"])
    assert frame["geburtenverhaeltnis_flag"] == ["nenner_null", ""]
    assert frame["geburtenverhaeltnis"][1] == 50.0
    assert "14999001" in notices[0].text()


def test_wanderungssaldo_uses_coefficients():
    frame = Columns({"zuzuege": [120.0], "zuzuege_flag": [""], "fortzuege": [150.0],
                     "fortzuege_flag": [""], "bev_insg": [2000.0], "bev_insg_flag": [""]})
    add_indicator(frame, CATALOGUE["wanderungssaldo"], ["x"])
    assert frame["wanderungssaldo"][0] == pytest.approx(-15.0)


def test_negative_counts_are_an_error_naming_key_and_variable():
    with pytest.raises(GeosozialError) as exc:
        _aggregate(_joined([100.0, -5.0, 30.0, 20.0]), MAPPING, ["sgb2_rlb", "bev_u65"],
                  rule=None, source="verknuepft.gpkg")
    text = str(exc.value)
    assert "14999002" in text and "sgb2_rlb" in text and "verknuepft.gpkg" in text


def test_custom_indicator_from_project_definition():
    ind = indicator_from_dict("u3_quote", {"label": "Betreuungsquote U3",
                                           "numerator": "kita_u3", "denominator": "bev_u3",
                                           "scale": 100})
    frame = Columns({"kita_u3": [30.0], "bev_u3": [60.0]})
    add_indicator(frame, ind, ["x"])
    assert frame["u3_quote"][0] == 50.0
    with pytest.raises(GeosozialError):
        indicator_from_dict("bad", {"numerator": 3, "denominator": "x"})


def test_catalogue_entries_are_complete():
    assert {"sgb2_quote", "kinderarmut", "arbeitslosenanteil", "jugendquotient",
            "altenquotient", "wanderungssaldo", "geburtenverhaeltnis"} <= set(CATALOGUE)
    for ind in CATALOGUE.values():
        assert ind.label and ind.unit and ind.definition and ind.scale in (100, 1000)
        assert ind.numerator and ind.denominator


def _write(tmp_path, text, name="sr.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_mapping_with_unknown_municipality_names_line_and_key(tmp_path):
    path = _write(tmp_path, "AGS;Sozialraum\n" + "".join(
        f"{k};Nord\n" for k in KEYS) + "14999099;Süd\n")
    mapping = read_mapping(path)
    with pytest.raises(GeosozialError) as exc:
        _aggregate(_joined([1.0] * 4), mapping, ["bev_u65"], rule=None)
    text = str(exc.value)
    assert "14999099" in text and "Zeile 6" in text and "sr.csv" in text


def test_municipality_without_sozialraum_is_an_error(tmp_path):
    path = _write(tmp_path, "AGS;Sozialraum\n14999001;Nord\n14999002;Nord\n14999003;Süd\n")
    with pytest.raises(GeosozialError) as exc:
        _aggregate(_joined([1.0] * 4), read_mapping(path), ["bev_u65"], rule=None)
    assert "14999004" in str(exc.value) and "Düben" in str(exc.value)


def test_municipality_in_two_sozialraeume_is_an_error(tmp_path):
    path = _write(tmp_path, "AGS;Sozialraum\n14999001;Nord\n14999001;Süd\n")
    with pytest.raises(GeosozialError) as exc:
        read_mapping(path)
    assert "Zeile 2" in str(exc.value) and "Zeile 3" in str(exc.value)


def test_mapping_keys_without_leading_zero_repaired(tmp_path):
    path = _write(tmp_path, "Gemeindeschlüssel,Sozialraum\n1001000,Nord\n")
    mapping = read_mapping(path)
    assert mapping.assignment == {"01001000": "Nord"}
    assert mapping.notices[0].code == "map.repaired"


def _aggregate(joined, mapping, counts, indicators=(), **kwargs):
    """The core aggregation through the geopandas door (counts as given)."""
    return aggregate_frame(joined, mapping, counts=counts, indicators=indicators, **kwargs)


def test_sozialraum_column_never_clashes_with_a_field_of_another_case():
    from geosozial.core.columns import Columns
    from geosozial.core.sozialraum import aggregate_joined

    base = {"key": KEYS, "name": ["A", "B", "C", "D"], "n": [5.0, 6.0, 7.0, 8.0],
            "n_flag": [""] * 4}
    same = aggregate_joined(Columns({**base, "Sozialraum": ["Nord", "Nord", "Süd", "Süd"]}),
                            MAPPING, rule=None)
    assert [c for c in same.municipalities.columns if c.casefold() == "sozialraum"] == \
        ["Sozialraum"]
    other = aggregate_joined(Columns({**base, "Sozialraum": ["x", "x", "y", "y"]}), MAPPING,
                             rule=None)
    assert other.municipalities["sozialraum_zuordnung"] == ["Nord", "Nord", "Süd", "Süd"]
    assert "sozialraum" not in other.municipalities
    assert any(n.code == "agg.group_column" for n in other.notices)


def test_declared_count_with_fractions_is_a_warning_naming_keys():
    from geosozial.core.columns import Columns
    from geosozial.core.sozialraum import aggregate_joined

    c = Columns({"key": KEYS, "name": ["A", "B", "C", "D"], "n": [5.0, 6.5, 7.0, 8.0],
                 "n_flag": [""] * 4})
    r = aggregate_joined(c, MAPPING, counts=["n"], rule=None)
    warning = next(n for n in r.notices if n.code == "agg.fractional_count")
    assert warning.params["keys"] == "14999002" and "6.5" in warning.text()


def test_aggregate_sums_declared_columns_and_reports_every_column(tmp_path, capsys):
    """Issue 14, item 3: --sum Flaeche_km2 adds areas up; no column is dropped silently."""
    import geosozial as gs
    from geosozial.cli import main

    frame = gpd.read_file(DEMO / "gemeinden.gpkg")
    frame["Flaeche_km2"] = frame.area / 1e6
    frame["dichte"] = frame["EWZ"] / frame["Flaeche_km2"]  # a ready-made rate
    areas = tmp_path / "gemeinden.gpkg"
    frame.to_file(areas)
    joined = tmp_path / "joined.gpkg"
    assert main(["join", str(areas), str(DEMO / "sgb2_2023.csv"), "--out", str(joined)]) == 0
    out = tmp_path / "sr.gpkg"
    capsys.readouterr()
    assert main(["aggregate", str(joined), str(DEMO / "sozialraeume.csv"), "--out", str(out),
                 "--sum", "Flaeche_km2"]) == 0
    printed = capsys.readouterr().out
    report = next(line for line in printed.splitlines() if "Spalten der Sozialräume" in line)
    assert "als Summe übernommen (--sum): Flaeche_km2" in report
    assert "dichte" in report.split("Nicht zusammengefasst")[1]  # named, with the reason
    assert "--indicator" in report
    regions = gpd.read_file(out, layer="sozialraeume")
    members = gpd.read_file(out, layer="gemeinden")
    for _, region in regions.iterrows():
        inside = members[members["sozialraum"] == region["name"]]
        assert region["Flaeche_km2"] == pytest.approx(inside["Flaeche_km2"].sum(), rel=1e-12)
    assert "dichte" not in regions.columns and "dichte" in members.columns
    # Python gives the same sums; a wrong column is named
    result = gs.aggregate(gs.join(frame, DEMO / "sgb2_2023.csv", key="AGS"),
                          DEMO / "sozialraeume.csv", sums=["Flaeche_km2"])
    assert sorted(result.frame["Flaeche_km2"].round(9)) == sorted(
        regions["Flaeche_km2"].round(9))
    assert main(["aggregate", str(joined), str(DEMO / "sozialraeume.csv"), "--out",
                 str(tmp_path / "x.gpkg"), "--sum", "Flaeche"]) == 2
    err = capsys.readouterr().err
    assert "--sum Flaeche" in err and "Flaeche_km2" in err
    assert main(["aggregate", str(joined), str(DEMO / "sozialraeume.csv"), "--out",
                 str(tmp_path / "y.gpkg"), "--sum", "GEN"]) == 2
    assert "keine Zahl" in capsys.readouterr().err
    assert not (tmp_path / "x.gpkg").exists() and not (tmp_path / "y.gpkg").exists()


def test_project_sum_adds_an_area_attribute_per_sozialraum(tmp_path, capsys):
    import geopandas as gpd

    from geosozial.cli import main

    text = (DEMO / "projekt.toml").read_text(encoding="utf-8")
    project = demo_project(tmp_path, text.replace("[project]\n", '[project]\nsum = ["EWZ"]\n',
                                                  1))
    out = tmp_path / "out"
    assert main(["report", str(project), "--out", str(out)]) == 0, capsys.readouterr().err
    gpkg = next(out.glob("*_2023.gpkg"))
    regions = gpd.read_file(gpkg, layer="sozialraeume")
    members = gpd.read_file(gpkg, layer="gemeinden")
    for _, region in regions.iterrows():
        assert region["EWZ"] == members.loc[members["sozialraum"] == region["name"],
                                            "EWZ"].sum()
    project.write_text(text.replace("[project]\n", '[project]\nsum = "EWZ"\n', 1),
                       encoding="utf-8")
    assert main(["report", str(project), "--out", str(tmp_path / "bad")]) == 2
    assert "project.sum" in capsys.readouterr().err
