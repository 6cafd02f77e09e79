"""Project files with wrong entries: a message naming the entry, exit 2, nothing written."""

from __future__ import annotations

import hashlib

import pytest
from datasets import DEMO, demo_project

from geosozial.cli import main

BASE = (DEMO / "projekt.toml").read_text(encoding="utf-8")


def _project(tmp_path, text: str):
    return demo_project(tmp_path, text)


def _hashes(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()
            if p.is_file()}


CASES = [
    ("years = [2021, 2022, 2023]", 'years = ["zwanzig21"]', "project.years"),
    ("years = [2021, 2022, 2023]", "years = [2021, 2021]", "project.years"),
    ("years = [2021, 2022, 2023]", "years = 2023", "project.years"),
    ("min_count = 3", 'min_count = "drei"', "min_count"),
    ("min_count = 3", "min_count = 0", "min_count"),
    ("min_count = 3", "min_count = 3.9", "min_count"),
    ("min_count = 3", "min_count = 3\nrelations = 5", "confidentiality.relations"),
    ("min_count = 3", 'min_count = 3\nrelations = [["a", "b"]]', "confidentiality.relations"),
    ("min_count = 3", "min_count = 3\nenabled = 0", "confidentiality.enabled"),
    ("min_count = 3", "min_count = 3\nminimum = 5", "confidentiality.minimum"),
    ('name = "Musterkreis (fiktive Demodaten)"', "name = 5", "project.name"),
    ('sozialraeume = "sozialraeume.csv"', 'sozialraeume = "/etc/passwd"',
     "project.sozialraeume"),
    ('areas = "gemeinden.gpkg"', 'areas = "../gemeinden.gpkg"', "project.areas"),
    ('areas = "gemeinden.gpkg"', 'area = "gemeinden.gpkg"', "project.area"),
    ('file = "sgb2_{year}.csv"', 'file = "sgb2_{jahr}.csv"', "tables[1].file"),
    ('file = "sgb2_{year}.csv"', 'file = "sgb2_2023.csv"', "tables[1].file"),
    ('file = "sgb2_{year}.csv"', 'file = "../../sgb2_{year}.csv"', "tables[1].file"),
    ("[indicators]\nuse = [", '[indicators]\nuse = "sgb2_quote"\nuses = [', "indicators.use"),
    ("[indicators]\nuse = [", "[indicators]\ncustom = { q = 5 }\nuse = [",
     "indicators.custom.q"),
    ('sgb2_rlb = "Insgesamt"', "sgb2_rlb = 7", "tables[1].variables.sgb2_rlb"),
    ("[[tables]]\nfile = \"sgb2", "[[tables]]\nsheet = -1\nfile = \"sgb2", "tables[1].sheet"),
    ("min_count = 3", "min_count = 3\n\n[mpas]\nk = 5", "mpas"),
    ('gebietsstand = "31.12.2023"', 'gebietsstand = "Januar"', "project.gebietsstand"),
    ('years = [2021, 2022]\n', 'years = [2021, 2021]\n', "crosswalks[0].years"),
    ('years = [2021, 2022]\n', 'years = [2021, 2022]\nanteil = 1\n', "crosswalks[0].anteil"),
    ('dynamics = [{ id = "sgb2_quote", years = 2 }', 'dynamics = [{ id = "sgb2_quote", years = 0 }',
     "indicators.dynamics"),
]


@pytest.mark.parametrize("old, new, entry", CASES, ids=[c[2] + ":" + c[1][:20] for c in CASES])
def test_wrong_entry_is_named_and_nothing_is_written(tmp_path, capsys, old, new, entry):
    assert old in BASE
    project = _project(tmp_path, BASE.replace(old, new, 1))
    before = _hashes(tmp_path)
    code = main(["report", str(project), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2, err
    assert entry in err and "projekt.toml" in err and "Traceback" not in err
    assert "root:" not in err  # the contents of a wrong file are never shown
    assert not (tmp_path / "out").exists()
    assert _hashes(tmp_path) == before


@pytest.mark.parametrize("entry", ["k = 1", "k = 10", "permutations = -1", "seed = -5",
                                   "alpha = 1.5", "alpha = 0", 'correction = "holm"',
                                   'scheme = "jenks"'])
def test_wrong_map_setting_is_named(tmp_path, capsys, entry):
    project = _project(tmp_path, BASE + f"\n[maps]\n{entry}\n")
    code = main(["report", str(project), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and f"maps.{entry.split(' ')[0]}" in err, err
    assert not (tmp_path / "out").exists()


def test_outside_files_are_read_when_the_project_allows_it(tmp_path, capsys):
    inner = tmp_path / "projekt"
    inner.mkdir()
    text = BASE.replace('areas = "gemeinden.gpkg"', f'areas = "{DEMO / "gemeinden.gpkg"}"')
    project = _project(inner, text)
    assert main(["report", str(project), "--out", str(tmp_path / "out")]) == 2
    assert "allow_outside" in capsys.readouterr().err
    project.write_text(text.replace("[project]\n", "[project]\nallow_outside = true\n"),
                       encoding="utf-8")
    from geosozial.pipeline.project import load_project

    assert load_project(project).areas == str(DEMO / "gemeinden.gpkg")


def test_project_file_not_utf8_and_toml_errors(tmp_path, capsys):
    project = _project(tmp_path, BASE)
    project.write_bytes(BASE.replace("Musterkreis", "Müsterkreis").encode("cp1252"))
    assert main(["report", str(project)]) == 2
    assert "UTF-8" in capsys.readouterr().err
    project.write_text(BASE + "\n[maps\n", encoding="utf-8")
    assert main(["report", str(project)]) == 2
    assert "TOML" in capsys.readouterr().err


def test_a_table_filed_under_the_wrong_year_is_an_error(tmp_path, capsys):
    # a 2023 file saved as sgb2_2024.csv (its header still says Stichtag 31.12.2023)
    project = demo_project(tmp_path, BASE, skip=("sgb2_2023.csv",))
    (tmp_path / "sgb2_2023.csv").write_bytes((DEMO / "sgb2_2022.csv").read_bytes())
    code = main(["report", str(project), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and "sgb2_2023.csv" in err and "2023" in err and "31.12.2022" in err
