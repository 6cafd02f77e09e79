"""Bad input, as a user would feed it to the CLI: a clear message naming file, line,
key or field, exit code 2 for errors, and every repair reported."""

from __future__ import annotations

import geopandas as gpd
import pytest
from datasets import grid_areas
from shapely.geometry import Polygon

from geosozial.cli import main

KEYS = ["14999001", "14999002", "14999003"]


@pytest.fixture
def areas(tmp_path):
    path = tmp_path / "gemeinden.gpkg"
    grid_areas(KEYS, ["Adorf", "Bödorf", "Cestadt"]).to_file(path)
    return path


def _csv(tmp_path, text, name="tabelle.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _run(capsys, *argv):
    code = main(list(map(str, argv)))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _join(tmp_path, capsys, areas, table, *extra):
    return _run(capsys, "join", areas, table, "--out", tmp_path / "out.gpkg", *extra)


def _joined_file(tmp_path, capsys, areas, rows="14999001;10\n14999002;20\n14999003;30\n"):
    table = _csv(tmp_path, "AGS;Wert\n" + rows, name="basis.csv")
    code, _, err = _join(tmp_path, capsys, areas, table, "--no-confidentiality")
    assert code == 0, err
    return tmp_path / "out.gpkg"


def test_01_conflicting_duplicate_keys(tmp_path, capsys, areas):
    table = _csv(tmp_path, "AGS;Wert\n14999001;5\n14999002;7\n14999001;6\n")
    code, _, err = _join(tmp_path, capsys, areas, table)
    assert code == 2
    assert "tabelle.csv" in err and "14999001" in err and "[2, 4]" in err


def test_02_keys_as_floats_in_scientific_notation(tmp_path, capsys, areas):
    table = _csv(tmp_path, "AGS;Wert\n1.4999e7;5\n")
    code, _, err = _join(tmp_path, capsys, areas, table)
    assert code == 2 and "Zeile 2" in err and "1.4999e7" in err and "Ziffern" in err


def test_03_unknown_symbol(tmp_path, capsys, areas):
    table = _csv(tmp_path, "AGS;Wert\n14999001;5\n14999002;n.v.\n")
    code, _, err = _join(tmp_path, capsys, areas, table)
    assert code == 2 and "Zeile 3" in err and "'Wert'" in err and "n.v." in err


def test_04_wrong_delimiter_in_genesis_file(tmp_path, capsys, areas):
    table = _csv(tmp_path, "GENESIS-Tabelle: 12411-01\nTitel,,\nStichtag: 31.12.2022,,\n"
                 ",,Insgesamt\n14999001,Adorf,5\n", encoding="latin-1")
    code, _, err = _join(tmp_path, capsys, areas, table)
    assert code == 2 and "tabelle.csv" in err and "Komma" in err


def test_05_empty_table(tmp_path, capsys, areas):
    code, _, err = _join(tmp_path, capsys, areas, _csv(tmp_path, ""))
    assert code == 2 and "tabelle.csv" in err and "leer" in err


def test_06_header_without_rows(tmp_path, capsys, areas):
    code, _, err = _join(tmp_path, capsys, areas, _csv(tmp_path, "AGS;Wert\n"))
    assert code == 2 and "keine Datenzeilen" in err


def test_07_missing_key_column(tmp_path, capsys, areas):
    code, _, err = _join(tmp_path, capsys, areas, _csv(tmp_path, "Gemeinde;Wert\nAdorf;1\n"))
    assert code == 2 and "Schlüsselspalte" in err and "'Gemeinde'" in err and "--table-key" in err


def test_08_geometry_file_without_key_field(tmp_path, capsys):
    path = tmp_path / "ohne_ags.gpkg"
    grid_areas(KEYS).rename(columns={"AGS": "GKZ"}).to_file(path)
    code, _, err = _join(tmp_path, capsys, path, _csv(tmp_path, "AGS;Wert\n14999001;1\n"))
    assert code == 2 and "ohne_ags.gpkg" in err and "GKZ" in err


def test_09_invalid_geometry_is_repaired_and_reported(tmp_path, capsys):
    frame = grid_areas(KEYS)
    frame.loc[1, "geometry"] = Polygon([(0, 0), (10, 10), (10, 0), (0, 10), (0, 0)])
    path = tmp_path / "kaputt.gpkg"
    frame.to_file(path)
    code, out, _ = _join(tmp_path, capsys, path, _csv(tmp_path, "AGS;Wert\n14999002;4\n"))
    assert code == 0 and "ungültige Geometrien repariert" in out and "14999002" in out
    assert gpd.read_file(tmp_path / "out.gpkg").geometry.is_valid.all()


def test_10_geographic_crs_is_reprojected_with_notice(tmp_path, capsys):
    path = tmp_path / "wgs84.geojson"
    grid_areas(KEYS).to_crs(4326).to_file(path, driver="GeoJSON")
    code, out, _ = _join(tmp_path, capsys, path, _csv(tmp_path, "AGS;Wert\n14999001;4\n"))
    assert code == 0 and "umprojiziert" in out and "EPSG:25833" in out
    assert gpd.read_file(tmp_path / "out.gpkg").crs.to_epsg() == 25833


def test_11_mapping_names_unknown_municipality(tmp_path, capsys, areas):
    joined = _joined_file(tmp_path, capsys, areas)
    mapping = _csv(tmp_path, "AGS;Sozialraum\n14999001;Nord\n14999002;Nord\n14999003;Süd\n"
                   "14999077;Süd\n", name="sr.csv")
    code, _, err = _run(capsys, "aggregate", joined, mapping, "--out", tmp_path / "sr.gpkg")
    assert code == 2 and "sr.csv" in err and "Zeile 5" in err and "14999077" in err


def test_12_municipality_in_no_sozialraum(tmp_path, capsys, areas):
    joined = _joined_file(tmp_path, capsys, areas)
    mapping = _csv(tmp_path, "AGS;Sozialraum\n14999001;Nord\n14999002;Nord\n", name="sr.csv")
    code, _, err = _run(capsys, "aggregate", joined, mapping, "--out", tmp_path / "sr.gpkg")
    assert code == 2 and "14999003" in err and "Cestadt" in err and "sr.csv" in err


def test_13_negative_counts(tmp_path, capsys, areas):
    table = _csv(tmp_path, "AGS;geborene;gestorbene\n14999001;3;4\n14999002;-2;8\n"
                 "14999003;1;5\n", name="bew.csv")
    assert _join(tmp_path, capsys, areas, table, "--no-confidentiality")[0] == 0
    mapping = _csv(tmp_path, "AGS;Sozialraum\n" + "".join(f"{k};Nord\n" for k in KEYS),
                   name="sr.csv")
    code, _, err = _run(capsys, "aggregate", tmp_path / "out.gpkg", mapping, "--out",
                        tmp_path / "sr.gpkg", "--indicator", "geburtenverhaeltnis")
    assert code == 2 and "-2" in err and "14999002" in err and "geborene" in err


def test_13b_negative_balance_is_not_summed_as_count(tmp_path, capsys, areas):
    table = _csv(tmp_path, "AGS;Saldo;Anzahl\n14999001;-3;10\n14999002;5;20\n"
                 "14999003;1;30\n", name="saldo.csv")
    assert _join(tmp_path, capsys, areas, table, "--no-confidentiality")[0] == 0
    mapping = _csv(tmp_path, "AGS;Sozialraum\n" + "".join(f"{k};Nord\n" for k in KEYS),
                   name="sr.csv")
    code, out, _ = _run(capsys, "aggregate", tmp_path / "out.gpkg", mapping, "--out",
                        tmp_path / "sr.gpkg")
    assert code == 0 and "Saldo" in out and "negative Werte" in out
    sr = gpd.read_file(tmp_path / "sr.gpkg", layer="sozialraeume")
    assert "Saldo" not in sr.columns and sr["Anzahl"].item() == 60


def test_14_denominator_zero_is_named(tmp_path, capsys, areas):
    table = _csv(tmp_path, "AGS;geborene;gestorbene\n14999001;3;0\n14999002;4;8\n"
                 "14999003;1;5\n", name="bew.csv")
    code, _, err = _join(tmp_path, capsys, areas, table, "--no-confidentiality")
    assert code == 0, err
    mapping = _csv(tmp_path, "AGS;Sozialraum\n14999001;A\n14999002;B\n14999003;B\n",
                   name="sr.csv")
    code, out, _ = _run(capsys, "aggregate", tmp_path / "out.gpkg", mapping, "--out",
                        tmp_path / "sr.gpkg", "--indicator", "geburtenverhaeltnis",
                        "--no-confidentiality")
    assert code == 0 and "Nenner" in out and "14999001" in out
    gem = gpd.read_file(tmp_path / "sr.gpkg", layer="gemeinden").set_index("key")
    assert gem.loc["14999001", "geburtenverhaeltnis_flag"] == "nenner_null"


def test_15_row_with_wrong_field_count(tmp_path, capsys, areas):
    code, _, err = _join(tmp_path, capsys, areas,
                         _csv(tmp_path, "AGS;Wert\n14999001;5\n14999002;5;7\n"))
    assert code == 2 and "Zeile 3" in err and "3 Felder" in err


def test_16_municipality_in_two_sozialraeume(tmp_path, capsys, areas):
    joined = _joined_file(tmp_path, capsys, areas)
    mapping = _csv(tmp_path, "AGS;Sozialraum\n14999001;Nord\n14999001;Süd\n", name="sr.csv")
    code, _, err = _run(capsys, "aggregate", joined, mapping, "--out", tmp_path / "sr.gpkg")
    assert code == 2 and "Nord" in err and "Süd" in err and "Zeile 3" in err


def test_17_table_keys_do_not_match_at_all(tmp_path, capsys, areas):
    code, _, err = _join(tmp_path, capsys, areas, _csv(tmp_path, "AGS;Wert\n09162000;5\n"))
    assert code == 2 and "09162000" in err and "14999001" in err


def test_18_unknown_indicator_lists_known(tmp_path, capsys, areas):
    joined = _joined_file(tmp_path, capsys, areas)
    mapping = _csv(tmp_path, "AGS;Sozialraum\n" + "".join(f"{k};Nord\n" for k in KEYS),
                   name="sr.csv")
    code, _, err = _run(capsys, "aggregate", joined, mapping, "--out", tmp_path / "sr.gpkg",
                        "--indicator", "armutsquote")
    assert code == 2 and "armutsquote" in err and "sgb2_quote" in err


def test_19_ready_made_rates_are_not_summed(tmp_path, capsys, areas):
    table = _csv(tmp_path, "AGS;Anzahl;Quote\n14999001;10;12,5\n14999002;20;3,1\n"
                 "14999003;30;4\n", name="q.csv")
    assert _join(tmp_path, capsys, areas, table, "--no-confidentiality")[0] == 0
    mapping = _csv(tmp_path, "AGS;Sozialraum\n" + "".join(f"{k};Nord\n" for k in KEYS),
                   name="sr.csv")
    code, out, _ = _run(capsys, "aggregate", tmp_path / "out.gpkg", mapping, "--out",
                        tmp_path / "sr.gpkg")
    assert code == 0 and "Quote" in out and "nicht als Anzahl summiert" in out
    sr = gpd.read_file(tmp_path / "sr.gpkg", layer="sozialraeume")
    assert "Quote" not in sr.columns and sr["Anzahl"].item() == 60


def test_20_aggregate_on_a_file_that_was_not_joined(tmp_path, capsys, areas):
    mapping = _csv(tmp_path, "AGS;Sozialraum\n14999001;Nord\n", name="sr.csv")
    code, _, err = _run(capsys, "aggregate", areas, mapping, "--out", tmp_path / "sr.gpkg")
    assert code == 2 and "gemeinden.gpkg" in err and "geosozial join" in err


def test_21_english_messages_on_request(tmp_path, capsys, areas):
    table = _csv(tmp_path, "AGS;Wert\n14999001;5\n14999002;n.v.\n")
    code, _, err = _join(tmp_path, capsys, areas, table, "--lang", "en")
    assert code == 2 and err.startswith("error:") and "line 3" in err


def test_22_decimal_comma_in_comma_separated_file(tmp_path, capsys, areas):
    table = _csv(tmp_path, 'AGS,Name,Quote\n14999001,Adorf,"12,5"\n14999002,Bödorf,"1,250"\n')
    code, _, err = _join(tmp_path, capsys, areas, table)
    assert code == 2 and "1,250" in err and "Zeile 3" in err  # ambiguous: refused
    table = _csv(tmp_path, 'AGS,Name,Quote\n14999001,Adorf,"12,5"\n', name="ok.csv")
    assert _join(tmp_path, capsys, areas, table)[0] == 0
    assert gpd.read_file(tmp_path / "out.gpkg").set_index("key").loc["14999001", "Quote"] == 12.5


def test_23_three_decimal_dot_numbers_are_flagged(tmp_path, capsys, areas):
    table = _csv(tmp_path, "AGS;Wert\n14999001;12.345\n14999002;7.125\n")
    code, out, _ = _join(tmp_path, capsys, areas, table, "--no-confidentiality")
    assert code == 0 and "Tausenderpunkt" in out and "12345" in out


def test_24_variable_must_not_overwrite_a_column(tmp_path, capsys, areas):
    joined = _joined_file(tmp_path, capsys, areas)
    mapping = _csv(tmp_path, "AGS;Sozialraum\n" + "".join(f"{k};Nord\n" for k in KEYS),
                   name="sr.csv")
    code, _, err = _run(capsys, "aggregate", joined, mapping, "--out", tmp_path / "sr.gpkg",
                        "--var", "wert=Wert")
    assert code == 2 and "wert" in err


def test_25_language_option_before_the_command(tmp_path, capsys, areas):
    code, _, err = _run(capsys, "--lang", "en", "join", areas, tmp_path / "fehlt.csv", "--out",
                        tmp_path / "o.gpkg")
    assert code == 2 and err.startswith("error:") and "fehlt.csv" in err


def test_26_sozialraum_names_differing_in_case(tmp_path, capsys, areas):
    joined = _joined_file(tmp_path, capsys, areas)
    mapping = _csv(tmp_path, "AGS;Sozialraum\n14999001;Nord\n14999002;nord \n14999003;Süd\n",
                   name="sr.csv")
    code, _, err = _run(capsys, "aggregate", joined, mapping, "--out", tmp_path / "sr.gpkg")
    assert code == 2 and "Zeile 3" in err and "'nord'" in err


def test_27_min_count_must_be_positive(tmp_path, capsys, areas):
    code, _, err = _join(tmp_path, capsys, areas, _csv(tmp_path, "AGS;Wert\n14999001;4\n"),
                         "--min-count", "-4")
    assert code == 2 and "--min-count" in err
