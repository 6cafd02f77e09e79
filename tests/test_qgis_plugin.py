"""Build the QGIS plugin zip and run tests/qgis inside real QGIS.

tests/qgis runs with Debian's /usr/bin/python3 and the Debian packages python3-qgis,
qgis-providers, python3-scipy and python3-pytest, with nothing on PYTHONPATH but the
extracted plugin zip, under QT_QPA_PLATFORM=offscreen. The expected results for the
parity tests are written here with the ``geosozial`` command line (same seed). Without
QGIS the test is skipped locally and fails in CI (environment variable CI set).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
from datasets import DEMO, REPO, SHARED, VG5000

from geosozial.cli import main

QGIS_PYTHON = "/usr/bin/python3"
sys.path.insert(0, str(REPO / "scripts"))
import build_plugin  # noqa: E402


def _qgis_ready() -> str | None:
    if not Path(QGIS_PYTHON).exists():
        return f"{QGIS_PYTHON} missing"
    probe = subprocess.run([QGIS_PYTHON, "-c", "import qgis.core, scipy, pytest"],
                           capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"})
    if probe.returncode != 0:
        return ("Debian's python3-qgis, qgis-providers, python3-scipy and python3-pytest are "
                "needed: " + probe.stderr.strip().splitlines()[-1])
    return None


def test_plugin_zip_is_reproducible_and_carries_only_pure_python(tmp_path: Path):
    first = build_plugin.build(tmp_path / "a")
    second = build_plugin.build(tmp_path / "b")
    assert first.read_bytes() == second.read_bytes()
    assert first.name == "geosozial_qgis-0.1.0.zip"
    names = zipfile.ZipFile(first).namelist()
    assert "geosozial_qgis/metadata.txt" in names
    assert "geosozial_qgis/ext/LICENSES/leaflet-LICENSE" in names
    assert any(n.startswith("geosozial_qgis/ext/LICENSES/folium") for n in names)
    assert any(n.startswith("geosozial_qgis/ext/LICENSES/branca") for n in names)
    assert not [n for n in names if n.endswith((".so", ".pyd", ".dll", ".pyc"))]
    assert not [n for n in names if "/ext/geosozial/data/join.py" in n]  # pandas stays out
    metadata = zipfile.ZipFile(first).read("geosozial_qgis/metadata.txt").decode()
    for line in ("hasProcessingProvider=yes", "qgisMinimumVersion=3.22",
                 "qgisMaximumVersion=4.99", "version=0.1.0"):
        assert line in metadata


def test_import_check_refuses_binary_wheels():
    problems = build_plugin.check_imports({
        "geosozial_qgis/ext/geosozial/x.py": b"import shapely\nfrom pandas import DataFrame\n",
        "geosozial_qgis/alg.py": b"import numpy\nfrom qgis.core import QgsFeature\n"})
    assert problems == ["geosozial_qgis/ext/geosozial/x.py: import shapely",
                        "geosozial_qgis/ext/geosozial/x.py: import pandas"]


def test_plugin_inside_qgis(tmp_path: Path):
    problem = _qgis_ready()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"the QGIS plugin tests must run in CI, but {problem}")
        pytest.skip(problem)
    plugin_dir = tmp_path / "plugin"
    with zipfile.ZipFile(build_plugin.build(tmp_path / "dist")) as archive:
        archive.extractall(plugin_dir)
    expected = tmp_path / "expected"
    expected.mkdir()
    vg = gpd.read_file(VG5000)
    kreis = vg[vg["AGS"].str.startswith("14522")].copy()
    kreis["flaeche_km2"] = kreis.area / 1e6
    kreis.to_file(expected / "mittelsachsen.gpkg")
    demo = str(DEMO / "gemeinden.gpkg")
    for name, path, field in (("demo", demo, "EWZ"),
                              ("mittelsachsen", str(expected / "mittelsachsen.gpkg"),
                               "flaeche_km2")):
        for kind in ("lisa", "hotspots"):
            assert main([kind, path, "--field", field, "--seed", "12345",
                         "--out", str(expected / f"{name}_{kind}.gpkg")]) == 0
    for name, path, field in (("demo", demo, "EWZ"),
                              ("mittelsachsen", str(expected / "mittelsachsen.gpkg"),
                               "flaeche_km2")):
        moran = subprocess.run([sys.executable, "-m", "geosozial.cli", "moran", path,
                                "--field", field, "--json"], capture_output=True, text=True,
                               check=True)
        json.loads(moran.stdout)
        (expected / f"{name}_moran.json").write_text(moran.stdout, encoding="utf-8")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8",
           "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(plugin_dir),
           "PYTHONNOUSERSITE": "1", "XDG_RUNTIME_DIR": str(tmp_path),
           "GEOSOZIAL_EXPECTED": str(expected), "GEOSOZIAL_SHARED": str(SHARED),
           "GEOSOZIAL_DEMO": str(DEMO)}
    proc = subprocess.run([QGIS_PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "-c", str(REPO / "tests" / "qgis" / "pytest.ini"),
                           str(REPO / "tests" / "qgis")], env=env, capture_output=True,
                          text=True, timeout=1800, cwd=str(tmp_path))
    report = proc.stdout[-6000:] + proc.stderr[-3000:]
    assert proc.returncode == 0, report
    assert " passed" in proc.stdout and "skipped" not in proc.stdout, report


QGIS_PROCESS = "/usr/bin/qgis_process.bin"  # Debian's wrapper adds --noversioncheck, which
                                            # qgis_process 3.22 refuses


def test_plugin_under_qgis_process(tmp_path: Path):
    """Install the zip into a profile as "Install from ZIP" does, enable it and run
    geosozial:lisa headless with qgis_process (no iface at all)."""
    problem = _qgis_ready() or (None if Path(QGIS_PROCESS).exists() else
                                f"{QGIS_PROCESS} missing (Debian package qgis)")
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"the qgis_process test must run in CI, but {problem}")
        pytest.skip(problem)
    profile = tmp_path / "profile"
    plugins = profile / "profiles" / "default" / "python" / "plugins"
    plugins.mkdir(parents=True)
    with zipfile.ZipFile(build_plugin.build(tmp_path / "dist")) as archive:
        archive.extractall(plugins)
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8",
           "QT_QPA_PLATFORM": "offscreen", "QGIS_CUSTOM_CONFIG_PATH": str(profile),
           "XDG_RUNTIME_DIR": str(runtime)}
    enable = subprocess.run([QGIS_PROCESS, "plugins", "enable", "geosozial_qgis"], env=env,
                            capture_output=True, text=True, timeout=300)
    assert enable.returncode == 0, enable.stdout + enable.stderr
    out = tmp_path / "lisa.gpkg"
    proc = subprocess.run([QGIS_PROCESS, "--json", "run", "geosozial:lisa", "--",
                           f"INPUT={DEMO / 'gemeinden.gpkg'}", "KEY_FIELD=AGS", "FIELD=EWZ",
                           "SEED=7", "PERMUTATIONS=199", f"OUTPUT={out}"], env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    results = json.loads(proc.stdout)["results"]
    assert "199 Permutationen, Seed 7" in results["METHOD"]
    expected = tmp_path / "cli.gpkg"
    assert main(["lisa", str(DEMO / "gemeinden.gpkg"), "--field", "EWZ", "--seed", "7",
                 "--permutations", "199", "--out", str(expected)]) == 0
    ours = gpd.read_file(out).set_index("AGS")
    theirs = gpd.read_file(expected).set_index("AGS")
    assert (ours["lisa_cluster"] == theirs.loc[ours.index, "lisa_cluster"]).all()
    assert (ours["lisa_p"].fillna(-1) == theirs.loc[ours.index, "lisa_p"].fillna(-1)).all()
