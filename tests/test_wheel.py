"""The built wheel: it carries every package, the map assets and the demo project, and
``geosozial demo`` runs from a fresh environment that has only the wheel installed.

The wheel is built from a copy of the working tree (an in-tree build would leave build/
and *.egg-info in the checkout, and stale files in build/lib would end up in the wheel),
offline with the test interpreter's setuptools. The fresh venv sees the dependencies of
the test venv through a ``.pth`` line, but not its editable install of geosozial: a path
line in a ``.pth`` adds the folder without running the ``.pth`` files inside it, so the
editable finder of the test venv is never installed there.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "geodata" / "musterkreis"
SOURCES = ("pyproject.toml", "README.md", "MANIFEST.in", "LICENSE", "geosozial", "geodata")
MAP_ASSETS = ("geosozial/maps/assets/map.css", "geosozial/maps/assets/map.js",
              "geosozial/maps/vendor/leaflet/leaflet.js",
              "geosozial/maps/vendor/leaflet/leaflet.css",
              "geosozial/maps/vendor/leaflet/LICENSE")
BIN = "Scripts" if os.name == "nt" else "bin"


def _setuptools_config() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))[
        "tool"]["setuptools"]


def _package_folder(name: str, package_dir: dict[str, str]) -> Path:
    """The source folder of a dotted package name under setuptools' package-dir rules."""
    parts = name.split(".")
    for n in range(len(parts), 0, -1):
        prefix = ".".join(parts[:n])
        if prefix in package_dir:
            return REPO.joinpath(package_dir[prefix], *parts[n:])
    return REPO.joinpath(package_dir.get("", "."), *parts)


def test_every_package_listed():
    """pyproject lists its packages by hand: every folder with __init__.py must be there."""
    config = _setuptools_config()
    listed = set(config["packages"])
    found = {".".join(p.parent.relative_to(REPO).parts)
             for p in (REPO / "geosozial").rglob("__init__.py")}
    missing = sorted(found - listed)
    assert not missing, (
        f"packages missing from [tool.setuptools] packages in pyproject.toml: {missing}")
    package_dir = config.get("package-dir", {})
    assert package_dir.get("geosozial.geodata") == "geodata"
    absent = [n for n in sorted(listed) if not _package_folder(n, package_dir).is_dir()]
    assert not absent, f"listed in pyproject.toml but no such folder: {absent}"


def _run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None,
         timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout, check=False)


def _output(proc: subprocess.CompletedProcess[str]) -> str:
    return f"exit {proc.returncode}\n--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}"


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in {"PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV",
                        "PYTHONSAFEPATH", "__PYVENV_LAUNCHER__"}}
    env["PYTHONNOUSERSITE"] = "1"
    env["MPLBACKEND"] = "Agg"
    return env


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    try:
        major = int(version("setuptools").split(".")[0])
    except PackageNotFoundError:
        major = 0
    if major < 77:
        pytest.skip("building the wheel offline needs setuptools>=77 in the test venv "
                    "(pip install -e '.[test]')")
    src = tmp_path_factory.mktemp("src") / "geosozial"
    src.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for name in SOURCES:
        path = REPO / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=ignore)
        elif path.is_file():
            shutil.copy2(path, src / name)
    dist = tmp_path_factory.mktemp("dist")
    proc = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                 "--no-index", "-q", "-w", dist, src], cwd=dist, env=_clean_env())
    assert proc.returncode == 0, _output(proc)
    wheels = sorted(dist.glob("geosozial-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


@pytest.mark.slow
def test_wheel_contents(wheel: Path):
    with zipfile.ZipFile(wheel) as z:
        sizes = {i.filename: i.file_size for i in z.infolist()}
    names = set(sizes)
    demo = {f"geosozial/geodata/musterkreis/{p.name}": p.stat().st_size
            for p in DEMO.iterdir() if p.is_file()}
    for name in ("projekt.toml", "gemeinden.gpkg", "sozialraeume.csv",
                 *(f"{table}_{year}.csv" for table in ("bevoelkerung", "sgb2", "arbeitslose",
                                                       "bewegungen")
                   for year in (2021, 2022, 2023))):
        assert f"geosozial/geodata/musterkreis/{name}" in demo, f"{name} not in {DEMO}"
    assert {n: sizes.get(n) for n in demo} == demo, "demo project missing or different"
    assert set(MAP_ASSETS) <= names
    sources = {p.relative_to(REPO).as_posix() for p in (REPO / "geosozial").rglob("*.py")
               if "__pycache__" not in p.parts}
    assert sources - names == set(), "modules missing from the wheel"
    assert "geosozial/pipeline/demo.py" in names
    stray = sorted(n for n in names if not n.startswith(("geosozial/", "geosozial-")))
    assert not stray, f"files outside the geosozial package: {stray}"


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel installed and the test venv's dependencies visible."""
    root = tmp_path_factory.mktemp("venv") / "env"
    env = _clean_env()
    proc = _run([sys.executable, "-m", "venv", "--without-pip", root], cwd=root.parent,
                env=env)
    assert proc.returncode == 0, _output(proc)
    python = root / BIN / "python"
    # pip of the test venv installs into the new one; the new venv has no .pth yet, so
    # nothing of the test venv (its editable geosozial) is visible to this install.
    proc = _run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps",
                 "--no-index", "-q", wheel], cwd=root.parent, env=env)
    assert proc.returncode == 0, _output(proc)
    proc = _run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                cwd=root.parent, env=env)
    assert proc.returncode == 0, _output(proc)
    site = Path(proc.stdout.strip())
    paths = sysconfig.get_paths()
    deps = list(dict.fromkeys([paths["purelib"], paths["platlib"]]))
    (site / "zz_geosozial_test_deps.pth").write_text("\n".join(deps) + "\n",
                                                     encoding="utf-8")
    return root


def _site(root: Path) -> Path:
    return next(root.glob("lib*/python*/site-packages")) if os.name != "nt" \
        else root / "Lib" / "site-packages"


@pytest.mark.slow
def test_imports_from_wheel(venv: Path, tmp_path: Path):
    code = (
        "import json, sys\n"
        "from importlib.resources import files\n"
        "import geosozial\n"
        "from geosozial.pipeline.demo import demo_project\n"
        "import numpy, pandas, geopandas\n"
        "print(json.dumps({\n"
        "    'geosozial': geosozial.__file__,\n"
        "    'demo': str(demo_project()),\n"
        "    'css': str(files('geosozial.maps') / 'assets' / 'map.css'),\n"
        "    'editable_finder': [repr(f) for f in sys.meta_path if 'editable' in repr(f)],\n"
        "}))\n")
    proc = _run([venv / BIN / "python", "-c", code], cwd=tmp_path, env=_clean_env())
    assert proc.returncode == 0, _output(proc)
    found = json.loads(proc.stdout.strip().splitlines()[-1])
    site = _site(venv).resolve()
    for key in ("geosozial", "demo", "css"):
        path = Path(found[key]).resolve()
        assert path.is_relative_to(site), f"{key} from {path}, not from the wheel in {site}"
        assert path.is_file(), path
    assert Path(found["demo"]).relative_to(site).as_posix() == \
        "geosozial/geodata/musterkreis/projekt.toml"
    assert found["editable_finder"] == [], "the checkout's editable finder leaked in"


@pytest.mark.slow
def test_demo_from_wheel(venv: Path, tmp_path: Path):
    """``geosozial demo`` from the installed wheel, outside the checkout, writes its outputs."""
    out = tmp_path / "out"
    proc = _run([venv / BIN / "geosozial", "demo", "--out", out], cwd=tmp_path,
                env=_clean_env())
    assert proc.returncode == 0, _output(proc)
    for year in (2021, 2022, 2023):
        for name in (f"musterkreis_{year}.gpkg", f"verknuepfungsbericht_{year}.txt",
                     f"verknuepfungsbericht_{year}.json", f"karte_gemeinden_{year}.html",
                     f"karte_sozialraeume_{year}.html"):
            path = out / name
            assert path.is_file() and path.stat().st_size > 0, f"{name} missing or empty"
    html = (out / "karte_gemeinden_2023.html").read_text(encoding="utf-8")
    assert "Leaflet" in html  # the vendored Leaflet, read from the wheel's package data
    assert (out / "karte_gemeinden_2023.png").stat().st_size > 0
    report = json.loads((out / "verknuepfungsbericht_2023.json").read_text(encoding="utf-8"))
    assert report["jahr"] == 2023
    assert not (tmp_path / "demo_out").exists()
