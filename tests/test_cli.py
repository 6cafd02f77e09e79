"""The `geosozial` command as a user runs it: join, aggregate, help, languages."""

import json
import subprocess
import sys

import geopandas as gpd
import pytest
from datasets import VG5000

from geosozial.cli import main
from geosozial.geo.gpkg import read_metadata


def _vg5000_table(tmp_path, leading_zero=True):
    areas = gpd.read_file(VG5000, columns=["AGS", "GEN"], ignore_geometry=True)
    sh = areas[areas["AGS"].str.startswith("01")].head(30)
    lines = ["AGS;Gemeinde;Einwohner;Arbeitslose"]
    for i, (ags, gen) in enumerate(zip(sh["AGS"], sh["GEN"], strict=True)):
        key = ags if leading_zero else str(int(ags))
        lines.append(f"{key};{gen};{1000 + i * 10};{'.' if i == 3 else (i % 7) * 5}")
    lines.append("99999999;Phantomgemeinde;10;0")
    path = tmp_path / "tabelle.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.slow
def test_join_vg5000_with_keys_that_lost_leading_zeros(tmp_path, capsys):
    table = _vg5000_table(tmp_path, leading_zero=False)
    out = tmp_path / "x.gpkg"
    code = main(["join", str(VG5000), str(table), "--key", "AGS", "--out", str(out)])
    printed = capsys.readouterr().out
    assert code == 0
    assert "verknüpft: 30" in printed
    assert "Tabellenzeilen ohne Geometrie: 1" in printed and "99999999" in printed
    assert "Geometrien ohne Daten: 10967" in printed
    assert "repariert" in printed  # keys without leading zero, invalid geometries
    joined = gpd.read_file(out)
    assert len(joined) == 10997
    row = joined.set_index("key").loc["01001000"]
    assert row["Einwohner"] == 1000 and row["Einwohner_flag"] == ""
    assert joined.set_index("key").loc["01004000", "Arbeitslose_flag"] == "."
    report = json.loads((tmp_path / "x.report.json").read_text(encoding="utf-8"))
    assert report["matched"] == 30
    assert report["table_rows_without_geometry"][0]["key"] == "99999999"
    meta = read_metadata(out)
    assert meta["schritt"] == "join" and "Fallzahlen 1–2" in meta["geheimhaltung"]


@pytest.mark.slow
def test_join_report_in_english_and_json(tmp_path, capsys):
    table = _vg5000_table(tmp_path)
    code = main(["join", str(VG5000), str(table), "--out", str(tmp_path / "y.gpkg"),
                 "--json", "--lang", "en"])
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert report["matched"] == 30
    assert any("repaired" in n["text"] for n in report["notices"])


@pytest.mark.slow
def test_join_applies_confidentiality_to_small_counts(tmp_path):
    table = _vg5000_table(tmp_path)
    out = tmp_path / "z.gpkg"
    assert main(["join", str(VG5000), str(table), "--out", str(out)]) == 0
    joined = gpd.read_file(out).set_index("key")
    # Arbeitslose values 5..30 and 0: no count 1-2, nothing withheld by the default rule
    assert (joined["Arbeitslose_flag"] != "geheim").all()
    assert main(["join", str(VG5000), str(table), "--out", str(out), "--min-count", "6"]) == 0
    joined = gpd.read_file(out).set_index("key")
    assert (joined["Arbeitslose_flag"] == "geheim").sum() >= 2


@pytest.mark.parametrize("command", ["join", "aggregate", "demo", "indicators"])
def test_every_command_has_german_help(command):
    proc = subprocess.run([sys.executable, "-m", "geosozial.cli", command, "--help"],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0
    assert "--lang" in proc.stdout
    english = subprocess.run([sys.executable, "-m", "geosozial.cli", command, "--help",
                              "--lang", "en"], capture_output=True, text=True, check=False)
    assert english.stdout != proc.stdout or command == "indicators"


def test_input_error_exit_code_and_message(tmp_path, capsys):
    missing = tmp_path / "gibtsnicht.gpkg"
    code = main(["join", str(missing), str(tmp_path / "t.csv"), "--out",
                 str(tmp_path / "o.gpkg")])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("Fehler:") and "gibtsnicht.gpkg" in err
    code = main(["join", str(missing), str(tmp_path / "t.csv"), "--out", "o.gpkg",
                 "--lang", "en"])
    assert capsys.readouterr().err.startswith("error:") and code == 2


def test_indicators_lists_catalogue(capsys):
    assert main(["indicators"]) == 0
    out = capsys.readouterr().out
    assert "sgb2_quote: SGB II-Quote (%)" in out and "wanderungssaldo" in out


def test_argparse_texts_are_german_by_default_and_english_on_request(capsys):
    with pytest.raises(SystemExit) as info:
        main(["map", "gemeinden.gpkg"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("Aufruf: geosozial map")
    assert "Fehler: diese Angaben fehlen: --field" in err
    with pytest.raises(SystemExit):
        main(["map", "--help"])
    out = capsys.readouterr().out
    assert "Argumente:" in out and "Optionen:" in out and "diese Hilfe anzeigen" in out
    with pytest.raises(SystemExit):
        main(["--lang", "en", "map", "gemeinden.gpkg"])
    err = capsys.readouterr().err
    assert err.startswith("usage: ") and "the following arguments are required: --field" in err
    with pytest.raises(SystemExit):
        main(["map", "x", "--field", "f", "--scheme", "jenks"])
    assert "ungültige Wahl: 'jenks'" in capsys.readouterr().err
