"""Outputs never destroy inputs and appear whole or not at all (issue "Nothing lost,
nothing misread", items 1 and 4): an output that is an input is refused, every output is
checked before the first is written, files are renamed into place only when complete,
Ctrl-C ends with exit 130 and one line, and an internal error names a log file.

Every test that refuses or breaks a run compares a hash of every file in the test
folder before and after: the inputs are unchanged, a previous output is byte-identical,
and no partial or temporary file (``*.geosozial-tmp-*``, ``-journal``, ...) is left.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyogrio
import pytest
from datasets import DEMO, VG5000, grid_areas

import geosozial.core.outputs as outputs_module
from geosozial.cli import main
from geosozial.core.messages import GeosozialError
from geosozial.core.outputs import (
    Output,
    OutputSet,
    atomic_path,
    atomic_write_text,
    check_outputs,
    is_temporary,
)

KEYS = ["14999001", "14999002", "14999003", "14999004", "14999005", "14999006"]
QUOTE = [3.0, 4.5, 9.0, 12.0, 2.5, 7.0]


# --- helpers ---------------------------------------------------------------------------


def snapshot(folder: Path) -> dict[str, str]:
    """sha256 of every file below ``folder`` (symlinks followed), by relative path."""
    found = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            found[path.relative_to(folder).as_posix()] = hashlib.sha256(
                path.read_bytes()).hexdigest()
    return found


def leftovers(folder: Path) -> list[str]:
    """Temporary, backup and SQLite side files anywhere below ``folder``."""
    return sorted(p.name for p in folder.rglob("*")
                  if is_temporary(p) or p.name.endswith(("-journal", "-wal", "-shm")))


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def work(tmp_path):
    """A folder with areas (a ``quote`` field), a table, a Sozialraum mapping."""
    grid_areas(KEYS, quote=QUOTE).to_file(tmp_path / "in.gpkg", layer="gemeinden")
    (tmp_path / "table.csv").write_text(
        "AGS;Wert\n" + "".join(f"{k};{10 * (i + 1)}\n" for i, k in enumerate(KEYS)),
        encoding="utf-8")
    (tmp_path / "map.csv").write_text(
        "AGS;Sozialraum\n" + "".join(f"{k};{'Nord' if i < 3 else 'Süd'}\n"
                                     for i, k in enumerate(KEYS)), encoding="utf-8")
    return tmp_path


def refused(capsys, folder: Path, *argv, code: int = 2) -> str:
    """Run ``argv``; assert exit ``code``, no file changed or added; return stderr."""
    before = snapshot(folder)
    got, _, err = run(capsys, *argv)
    assert got == code, err
    assert snapshot(folder) == before
    assert leftovers(folder) == []
    assert "Traceback" not in err
    return err


# --- an output that is an input is refused ------------------------------------------------


def test_map_out_is_the_input_geopackage(capsys, work):
    areas = work / "in.gpkg"
    err = refused(capsys, work, "map", areas, "--field", "quote", "--out", areas)
    assert "--out" in err and str(areas) in err and "FLAECHEN" in err
    assert "Eingabe" in err


def test_join_out_is_the_table(capsys, work):
    table = work / "table.csv"
    err = refused(capsys, work, "join", work / "in.gpkg", table, "--out", table)
    assert f"--out {table}" in err and f"TABELLE {table}" in err


def test_join_out_is_the_areas(capsys, work):
    areas = work / "in.gpkg"
    err = refused(capsys, work, "join", areas, work / "table.csv", "--out", areas,
                  "--lang", "en")
    assert f"--out {areas}" in err and f"AREAS {areas}" in err and "overwritten" in err


def test_lisa_out_is_the_input(capsys, work):
    areas = work / "in.gpkg"
    err = refused(capsys, work, "lisa", areas, "--field", "quote", "--out", areas)
    assert f"--out {areas}" in err and f"FLAECHEN {areas}" in err


def test_hotspots_out_is_the_input_through_a_symlink(capsys, work):
    link = work / "link.gpkg"
    link.symlink_to(work / "in.gpkg")
    err = refused(capsys, work, "hotspots", work / "in.gpkg", "--field", "quote",
                  "--out", link)
    assert f"--out {link}" in err and "Link" in err and str(work / "in.gpkg") in err


def test_join_out_is_a_hard_link_of_the_areas(capsys, work):
    hard = work / "kopie.gpkg"
    os.link(work / "in.gpkg", hard)
    err = refused(capsys, work, "join", work / "in.gpkg", work / "table.csv", "--out", hard)
    assert f"--out {hard}" in err and "dieselbe Datei" in err


def test_out_written_differently_is_still_the_input(capsys, work):
    (work / "sub").mkdir()
    detour = work / "sub" / ".." / "in.gpkg"
    err = refused(capsys, work, "join", work / "in.gpkg", work / "table.csv", "--out", detour)
    assert f"--out {detour}" in err and "Eingabe FLAECHEN" in err


def test_aggregate_out_is_the_joined_file(capsys, work):
    code, _, err = run(capsys, "join", work / "in.gpkg", work / "table.csv", "--out",
                       work / "j.gpkg", "--no-confidentiality")
    assert code == 0, err
    err = refused(capsys, work, "aggregate", work / "j.gpkg", work / "map.csv", "--out",
                  work / "j.gpkg")
    assert f"--out {work / 'j.gpkg'}" in err and f"VERKNUEPFT {work / 'j.gpkg'}" in err


def test_aggregate_out_is_the_mapping(capsys, work):
    err = refused(capsys, work, "aggregate", work / "in.gpkg", work / "map.csv", "--out",
                  work / "map.csv")
    assert f"ZUORDNUNG {work / 'map.csv'}" in err


@pytest.mark.parametrize("option", ["--png", "--html"])
def test_lisa_map_output_is_the_input(capsys, work, option):
    areas = work / "in.gpkg"
    err = refused(capsys, work, "lisa", areas, "--field", "quote", "--out", work / "r.gpkg",
                  option, areas)
    assert f"{option} {areas}" in err and "Eingabe" in err


def test_map_png_is_the_input(capsys, work):
    areas = work / "in.gpkg"
    err = refused(capsys, work, "map", areas, "--field", "quote", "--out", work / "k.html",
                  "--png", areas)
    assert f"--png {areas}" in err and "Eingabe FLAECHEN" in err


def test_moran_plot_is_the_input(capsys, work):
    areas = work / "in.gpkg"
    err = refused(capsys, work, "moran", areas, "--field", "quote", "--plot", areas)
    assert f"--plot {areas}" in err and "Eingabe FLAECHEN" in err


def test_join_report_would_replace_the_table(capsys, work):
    table = work / "out.report.json"
    shutil.copy(work / "table.csv", table)
    err = refused(capsys, work, "join", work / "in.gpkg", table, "--out", work / "out.gpkg")
    assert "--out (Bericht)" in err and f"TABELLE {table}" in err


def _project(folder: Path, areas_name: str = "gemeinden.gpkg") -> Path:
    """The demo project with one year, copied into ``folder``."""
    shutil.copytree(DEMO, folder)
    toml = folder / "projekt.toml"
    text = toml.read_text(encoding="utf-8").replace("years = [2021, 2022, 2023]",
                                                    "years = [2023]")
    if areas_name != "gemeinden.gpkg":
        (folder / "gemeinden.gpkg").rename(folder / areas_name)
        text = text.replace('areas = "gemeinden.gpkg"', f'areas = "{areas_name}"')
    toml.write_text(text, encoding="utf-8")
    return toml


def test_report_into_the_project_folder_would_replace_an_input(capsys, tmp_path):
    folder = tmp_path / "musterkreis"
    toml = _project(folder, areas_name="musterkreis_2023.gpkg")  # = the output's name
    err = refused(capsys, tmp_path, "report", toml, "--out", folder)
    areas = folder / "musterkreis_2023.gpkg"
    assert f"--out {areas}" in err and f"project.areas {areas}" in err


# --- formats, folders and files checked before the first output ------------------------


def test_geopackage_into_a_csv_name_is_refused(capsys, work):
    err = refused(capsys, work, "join", work / "in.gpkg", work / "table.csv", "--out",
                  work / "result.csv")
    assert f"--out {work / 'result.csv'}" in err and "GeoPackage" in err and ".gpkg" in err


def test_map_out_must_be_html(capsys, work):
    err = refused(capsys, work, "map", work / "in.gpkg", "--field", "quote", "--out",
                  work / "karte.png", "--lang", "en")
    assert "--out" in err and "karte.png" in err and ".html or .htm" in err


@pytest.mark.parametrize(("option", "name", "expected"),
                         [("--html", "k.txt", ".html oder .htm"), ("--png", "k.jpg", ".png")])
def test_lisa_map_extensions(capsys, work, option, name, expected):
    err = refused(capsys, work, "lisa", work / "in.gpkg", "--field", "quote", "--out",
                  work / "ok.gpkg", option, work / name)
    assert f"{option} {work / name}" in err and expected in err


def test_missing_folder_of_a_later_output_writes_nothing(capsys, work):
    err = refused(capsys, work, "lisa", work / "in.gpkg", "--field", "quote", "--out",
                  work / "ok.gpkg", "--html", work / "missing_dir" / "k.html")
    assert "--html" in err and str(work / "missing_dir") in err
    assert not (work / "ok.gpkg").exists() and not (work / "missing_dir").exists()


def test_two_outputs_into_the_same_file(capsys, work):
    err = refused(capsys, work, "lisa", work / "in.gpkg", "--field", "quote", "--png",
                  work / "k.png", "--plot", work / "k.png")
    assert "--plot" in err and "--png" in err and "dieselbe Datei" in err


def test_out_is_a_folder(capsys, work):
    (work / "d.gpkg").mkdir()
    err = refused(capsys, work, "join", work / "in.gpkg", work / "table.csv", "--out",
                  work / "d.gpkg")
    assert f"--out {work / 'd.gpkg'}" in err and "Ordner" in err


def test_geopackage_open_in_another_program_is_not_replaced(capsys, work):
    code, _, err = run(capsys, "join", work / "in.gpkg", work / "table.csv", "--out",
                       work / "out.gpkg")
    assert code == 0, err
    (work / "out.gpkg-wal").write_bytes(b"wal of QGIS")  # QGIS has it open for editing
    before = snapshot(work)
    code, _, err = run(capsys, "join", work / "in.gpkg", work / "table.csv", "--out",
                       work / "out.gpkg")
    assert code == 2 and "out.gpkg-wal" in err and "QGIS" in err
    assert snapshot(work) == before


@pytest.mark.skipif(os.name == "nt" or os.geteuid() == 0,
                    reason="root may write into read-only folders")
def test_read_only_folder_is_refused(capsys, work):
    locked = work / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        err = refused(capsys, work, "join", work / "in.gpkg", work / "table.csv", "--out",
                      locked / "x.gpkg")
    finally:
        locked.chmod(0o755)
    assert str(locked) in err


def test_case_variant_on_a_case_insensitive_file_system(capsys, work):
    upper = work / "IN.GPKG"
    if not upper.exists():
        pytest.skip("the file system distinguishes upper and lower case")
    err = refused(capsys, work, "join", work / "in.gpkg", work / "table.csv", "--out", upper)
    assert "--out" in err and "IN.GPKG" in err


# --- atomic: a failure or Ctrl-C while writing leaves the previous output -----------------


@pytest.fixture
def previous(capsys, work):
    """``out.gpkg`` and ``out.report.json`` from an earlier join."""
    code, _, err = run(capsys, "join", work / "in.gpkg", work / "table.csv", "--out",
                       work / "out.gpkg")
    assert code == 0, err
    assert (work / "out.report.json").exists() and leftovers(work) == []
    return work / "out.gpkg"


def _failing_write(monkeypatch, error: BaseException) -> list[str]:
    """pyogrio writes the temporary GeoPackage, then ``error`` is raised."""
    real = pyogrio.write_dataframe
    seen: list[str] = []

    def write(frame, path, **kwargs):
        seen.append(str(path))
        real(frame, path, **kwargs)
        raise error

    monkeypatch.setattr(pyogrio, "write_dataframe", write)
    return seen


def test_disk_full_while_writing_keeps_the_previous_geopackage(capsys, monkeypatch, work,
                                                               previous):
    seen = _failing_write(monkeypatch, OSError(28, "No space left on device"))
    err = refused(capsys, work, "join", work / "in.gpkg", work / "table.csv", "--out",
                  previous)
    assert "No space left" in err
    assert seen and Path(seen[0]).parent == work and is_temporary(seen[0])


def test_ctrl_c_while_writing_the_geopackage(capsys, monkeypatch, work, previous):
    _failing_write(monkeypatch, KeyboardInterrupt())
    err = refused(capsys, work, "join", work / "in.gpkg", work / "table.csv", "--out",
                  previous, code=130)
    assert err == "abgebrochen\n"


def test_ctrl_c_while_syncing_the_html_map(capsys, monkeypatch, work):
    code, _, err = run(capsys, "map", work / "in.gpkg", "--field", "quote", "--out",
                       work / "k.html")
    assert code == 0, err

    def interrupted(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(outputs_module.os, "fsync", interrupted)
    err = refused(capsys, work, "map", work / "in.gpkg", "--field", "quote", "--out",
                  work / "k.html", "--lang", "en", code=130)
    assert err == "interrupted\n"


def test_report_rename_fails_so_the_geopackage_is_restored(capsys, monkeypatch, work,
                                                           previous):
    real = os.replace

    def replace(src, dst):
        if str(dst).endswith(".report.json"):
            raise PermissionError(13, "Permission denied", str(dst))
        return real(src, dst)

    monkeypatch.setattr(outputs_module.os, "replace", replace)
    (work / "table.csv").write_text("AGS;Wert\n14999001;99\n", encoding="utf-8")
    before = snapshot(work)
    code, _, err = run(capsys, "join", work / "in.gpkg", work / "table.csv", "--out",
                       previous)
    assert code == 2 and "out.report.json" in err
    assert snapshot(work) == before and leftovers(work) == []


def test_lisa_outputs_appear_together(capsys, monkeypatch, work):
    """The map fails after the GeoPackage was written: neither appears."""
    import geosozial.geo.maps as geo_maps

    def broken(*args, **kwargs):
        raise GeosozialError("outputs.no_file", path="k.html")

    monkeypatch.setattr(geo_maps, "analysis_map", broken)
    refused(capsys, work, "lisa", work / "in.gpkg", "--field", "quote", "--permutations",
            "99", "--out", work / "ok.gpkg", "--html", work / "k.html")
    assert not (work / "ok.gpkg").exists()


def test_ctrl_c_during_a_project_run_keeps_every_previous_file(capsys, monkeypatch,
                                                               tmp_path):
    toml = _project(tmp_path / "musterkreis")
    out = tmp_path / "ausgabe"
    code, _, err = run(capsys, "report", toml, "--out", out)
    assert code == 0, err
    assert (out / "musterkreis_2023.gpkg").exists() and leftovers(tmp_path) == []
    import geosozial.pipeline.maps as pipeline_maps

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline_maps, "map_png", interrupted)  # after GeoPackage, reports
    err = refused(capsys, tmp_path, "report", toml, "--out", out, code=130)
    assert err == "abgebrochen\n"


def test_report_creates_a_missing_output_folder_and_removes_it_on_failure(capsys, tmp_path):
    toml = _project(tmp_path / "musterkreis")
    (tmp_path / "musterkreis" / "sgb2_2023.csv").write_text("kaputt\n", encoding="utf-8")
    err = refused(capsys, tmp_path, "report", toml, "--out", tmp_path / "neu" / "ausgabe")
    assert "sgb2_2023.csv" in err
    assert not (tmp_path / "neu").exists()


# --- internal errors: a short message and a log file ----------------------------------


@pytest.mark.parametrize("lang", ["de", "en"])
def test_internal_error_names_a_log_file(capsys, monkeypatch, work, previous, lang):
    import geosozial.pipeline.steps as steps

    def bug(*args, **kwargs):
        return {}["kein Schlüssel"]

    monkeypatch.setattr(steps, "join_step", bug)
    err = refused(capsys, work, "join", work / "in.gpkg", work / "table.csv", "--out",
                  previous, "--lang", lang, code=1)
    assert len(err.strip().splitlines()) == 1 and "KeyError" in err
    assert ("interner Fehler" if lang == "de" else "internal error") in err
    found = re.search(r"(\S+geosozial-fehler-\S+?\.log)", err)
    assert found, err
    log = Path(found.group(1))
    assert log.is_file() and log.parent == Path(tempfile.gettempdir())
    text = log.read_text(encoding="utf-8")
    assert "Traceback" in text and "KeyError" in text and "def bug" not in err
    assert "join" in text and str(previous) in text
    log.unlink()


# --- the Python API and the pipeline refuse the same ----------------------------------


def test_api_map_out_is_the_input(work):
    import geosozial as gs

    areas = work / "in.gpkg"
    before = snapshot(work)
    with pytest.raises(GeosozialError) as exc:
        gs.map(areas, "quote", key="AGS", out=areas)
    assert exc.value.code == "outputs.is_input" and str(areas) in str(exc.value)
    assert snapshot(work) == before


def test_pipeline_join_refuses_the_table_as_out(work):
    from geosozial.pipeline.steps import join_files

    before = snapshot(work)
    with pytest.raises(GeosozialError) as exc:
        join_files(work / "in.gpkg", work / "table.csv", out=work / "table.csv")
    assert "table_path" in str(exc.value) and "out" in str(exc.value)
    assert snapshot(work) == before


def test_map_of_a_joined_file_leaves_its_folder_alone(capsys, work, previous, tmp_path_factory):
    """Reading the metadata for labels once wrote ``out.gpkg.aux.xml`` beside the input."""
    before = snapshot(work)
    elsewhere = tmp_path_factory.mktemp("karten")
    code, _, err = run(capsys, "map", previous, "--key", "key", "--field", "Wert", "--out",
                       elsewhere / "k.html")
    assert code == 0, err
    assert snapshot(work) == before and (elsewhere / "k.html").exists()


# --- core/outputs on its own ----------------------------------------------------------


def test_atomic_write_keeps_mode_and_symlink(tmp_path):
    real = tmp_path / "real.txt"
    real.write_text("alt", encoding="utf-8")
    real.chmod(0o640)
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    atomic_write_text(link, "neu")
    assert link.is_symlink() and real.read_text(encoding="utf-8") == "neu"
    assert (real.stat().st_mode & 0o777) == 0o640
    assert leftovers(tmp_path) == []


def test_output_set_restores_the_first_file_when_the_second_rename_fails(monkeypatch,
                                                                       tmp_path):
    first, second = tmp_path / "a.gpkg", tmp_path / "a.report.json"
    first.write_bytes(b"old gpkg")
    second.write_bytes(b"old report")
    real = os.replace
    calls: list[str] = []

    def replace(src, dst):
        calls.append(Path(dst).name)
        if Path(dst) == second:
            raise OSError(5, "I/O error")
        return real(src, dst)

    monkeypatch.setattr(outputs_module.os, "replace", replace)
    with pytest.raises(OSError), OutputSet():
        with atomic_path(first) as tmp:
            tmp.write_bytes(b"new gpkg")
        atomic_write_text(second, "new report")
    assert calls[:2] == ["a.gpkg", "a.report.json"]  # the GeoPackage went first
    assert first.read_bytes() == b"old gpkg" and second.read_bytes() == b"old report"
    assert leftovers(tmp_path) == []


def test_check_outputs_protects_shapefile_companions(tmp_path):
    shp = tmp_path / "gemeinden.shp"
    with pytest.raises(GeosozialError) as exc:
        check_outputs([Output("--out", tmp_path / "gemeinden.dbf", None)],
                      inputs=[("FLAECHEN", shp)])
    assert "gemeinden.dbf" in str(exc.value) and "FLAECHEN" in str(exc.value)


# --- real Ctrl-C (SIGINT) in a subprocess ----------------------------------------------


def _start(args: list[str], cwd: Path, prelude: str = "") -> subprocess.Popen:
    """``python -m geosozial.cli ARGS`` with SIGINT handled the default way (a runner
    may start the tests with SIGINT ignored, which the child would inherit)."""
    code = (f"import sys\n{prelude}\nfrom geosozial.cli import main\n"
            f"sys.exit(main(sys.argv[1:]))\n")
    return subprocess.Popen([sys.executable, "-c", code, *args], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def _interrupt_when_writing(proc: subprocess.Popen, folder: Path,
                            timeout: float = 600) -> tuple[str, str]:
    """Poll ``folder`` for a temporary file, then send SIGINT; returns (stdout, stderr)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if any(TEMP in p.name for p in folder.iterdir()):
            break
        time.sleep(0.002)
    assert proc.poll() is None, "the run ended before its output was being written"
    proc.send_signal(signal.SIGINT)
    return proc.communicate(timeout=120)


TEMP = outputs_module.TEMP_MARKER


def _big_table(path: Path, keys: list[str], columns: int) -> Path:
    rng = np.random.default_rng(7)
    values = rng.integers(3, 100_000, size=(len(keys), columns))
    lines = ["AGS;" + ";".join(f"merkmal_{j}" for j in range(columns))]
    lines += [k + ";" + ";".join(map(str, row)) for k, row in zip(keys, values, strict=True)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.slow
def test_sigint_while_join_writes_the_geopackage(tmp_path):
    keys = pyogrio.read_dataframe(VG5000, columns=["AGS"], read_geometry=False)["AGS"]
    keys = [str(k) for k in keys]
    assert len(keys) == 10_997
    # the previous run: the same command with a smaller table
    small = _big_table(tmp_path / "klein.csv", keys[:200], 2)
    args = ["join", str(VG5000), str(small), "--out", "x.gpkg"]
    proc = _start(args, tmp_path)
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    table = _big_table(tmp_path / "gross.csv", keys, 20)
    before = snapshot(tmp_path)
    proc = _start(["join", str(VG5000), str(table), "--out", "x.gpkg"], tmp_path)
    _, err = _interrupt_when_writing(proc, tmp_path)
    assert proc.returncode == 130, err
    assert err == "abgebrochen\n"
    assert snapshot(tmp_path) == before and leftovers(tmp_path) == []


@pytest.mark.slow
def test_sigint_while_the_html_map_of_all_municipalities_is_written(tmp_path):
    """``map`` on all 10,997 areas; the disk is slow (each fsync takes a minute), so the
    complete temporary page sits beside the old one when Ctrl-C comes."""
    grid_areas(KEYS, quote=QUOTE).to_file(tmp_path / "klein.gpkg")
    proc = _start(["map", "klein.gpkg", "--field", "quote", "--out", "k.html"], tmp_path)
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    before = snapshot(tmp_path)
    slow_disk = ("import os, time\n_fsync = os.fsync\n"
                 "def fsync(fd):\n    time.sleep(60)\n    _fsync(fd)\nos.fsync = fsync\n")
    proc = _start(["map", str(VG5000), "--field", "IBZ", "--out", "k.html", "--lang", "en"],
                  tmp_path, prelude=slow_disk)
    _, err = _interrupt_when_writing(proc, tmp_path)
    assert proc.returncode == 130, err
    assert err == "interrupted\n"
    assert snapshot(tmp_path) == before and leftovers(tmp_path) == []


@pytest.mark.slow
def test_sigint_while_reading_and_joining(tmp_path):
    """Ctrl-C before anything is written: exit 130, one line, nothing written."""
    keys = pyogrio.read_dataframe(VG5000, columns=["AGS"], read_geometry=False)["AGS"]
    table = _big_table(tmp_path / "t.csv", [str(k) for k in keys], 20)
    (tmp_path / "x.gpkg").write_bytes(b"previous result")
    before = snapshot(tmp_path)
    proc = _start(["join", str(VG5000), str(table), "--out", "x.gpkg"], tmp_path)
    time.sleep(2.0)  # reading the 10,997 areas and the table takes longer than that
    assert proc.poll() is None and not any(TEMP in p.name for p in tmp_path.iterdir())
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130 and err == "abgebrochen\n"
    assert snapshot(tmp_path) == before


def test_geopackages_are_version_1_2_for_qgis_322(tmp_path):
    # QGIS 3.22 warns "user_version=10400 (v1.4.0) may only be partially supported"
    import sqlite3

    import geopandas as gpd
    from shapely.geometry import box

    from geosozial.geo.gpkg import write_geopackage

    path = tmp_path / "x.gpkg"
    frame = gpd.GeoDataFrame({"key": ["1"]}, geometry=[box(0, 0, 1, 1)], crs=25833)
    write_geopackage(path, {"a": frame, "b": frame}, {"quelle": "test"})
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 10200
        assert db.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47
    assert len(gpd.read_file(path, layer="b")) == 1
