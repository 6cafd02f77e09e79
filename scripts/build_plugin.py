"""Build the QGIS plugin zip: ``dist/geosozial_qgis-<version>.zip``.

    python scripts/build_plugin.py [--out dist]

The zip holds ``geosozial_qgis/`` (the plugin), and in ``geosozial_qgis/ext/`` the
pure-Python parts of the geosozial library the plugin uses plus folium, branca and
xyzservices (taken from this Python's installed packages, licence files kept). Every
bundled module is checked: it may import only the standard library, numpy, scipy, qgis,
jinja2/markupsafe/requests (which QGIS ships) and other bundled modules - no pandas,
shapely, pyproj, GDAL or other binary wheel reaches QGIS. Entries are written in sorted
order with a fixed timestamp, so the same sources give the same zip.
"""

from __future__ import annotations

import argparse
import ast
import importlib.metadata
import importlib.util
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLUGIN = ROOT / "qgis_plugin" / "geosozial_qgis"
NAME = "geosozial_qgis"

#: Library files the plugin needs (relative to the geosozial package).
LIBRARY = [
    "__init__.py", "messages.py",
    "kernel/__init__.py", "kernel/checks.py", "kernel/contiguity.py", "kernel/crand.py",
    "kernel/distance.py", "kernel/errors.py", "kernel/globals.py", "kernel/inference.py",
    "kernel/local.py", "kernel/weights.py",
    "data/__init__.py", "data/keys.py", "data/symbols.py", "data/confidentiality.py",
    "data/weights_spec.py",
    "maps/__init__.py", "maps/html.py", "maps/layers.py", "maps/classify.py",
    "maps/palettes.py", "maps/notes.py", "maps/arcs.py", "maps/assets/*",
    "maps/vendor/leaflet/*",
]
#: Third-party pure-Python packages carried in ext/ (name, distribution).
BUNDLED = [("folium", "folium"), ("branca", "branca"), ("xyzservices", "xyzservices")]
#: Imports allowed in bundled code besides the standard library and bundled packages.
PROVIDED_BY_QGIS = {"numpy", "scipy", "qgis", "jinja2", "markupsafe", "requests", "PyQt5",
                    "PyQt6"}
#: Optional imports of bundled third-party code that are guarded (try/except) there.
OPTIONAL = {"selenium", "geopandas", "pandas", "IPython", "shapely", "altair", "pygments",
            "matplotlib", "PIL", "ipywidgets", "urllib3", "setuptools_scm", "pytest",
            "xyzservices", "_version", "jenkspy"}
FIXED_TIME = (2024, 1, 1, 0, 0, 0)


def version() -> str:
    """The library version (``geosozial/__init__.py``)."""
    text = (ROOT / "geosozial" / "__init__.py").read_text(encoding="utf-8")
    return text.split('__version__ = "', 1)[1].split('"', 1)[0]


def collect() -> dict[str, bytes]:
    """Archive name -> content of every file of the plugin zip."""
    files: dict[str, bytes] = {}
    for path in sorted(PLUGIN.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            data = path.read_bytes()
            if path.name == "metadata.txt":
                data = _with_version(data.decode("utf-8")).encode("utf-8")
            files[f"{NAME}/{path.relative_to(PLUGIN).as_posix()}"] = data
    library = ROOT / "geosozial"
    for pattern in LIBRARY:
        for path in sorted(library.glob(pattern)):
            if path.is_file():
                files[f"{NAME}/ext/geosozial/{path.relative_to(library).as_posix()}"] = \
                    path.read_bytes()
    for module, dist in BUNDLED:
        spec = importlib.util.find_spec(module)
        if spec is None or not spec.submodule_search_locations:
            raise SystemExit(f"{module} is not installed in this Python (pip install {dist})")
        base = Path(next(iter(spec.submodule_search_locations)))
        for path in sorted(base.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc" \
                    and "tests" not in path.relative_to(base).parts:
                files[f"{NAME}/ext/{module}/{path.relative_to(base).as_posix()}"] = \
                    path.read_bytes()
        distribution = importlib.metadata.distribution(dist)
        for entry in distribution.files or []:
            if "LICEN" in entry.name.upper():
                files[f"{NAME}/ext/LICENSES/{dist}-{entry.name}"] = \
                    Path(distribution.locate_file(entry)).read_bytes()
    files[f"{NAME}/ext/LICENSES/leaflet-LICENSE"] = \
        (library / "maps" / "vendor" / "leaflet" / "LICENSE").read_bytes()
    return files


def _with_version(text: str) -> str:
    lines = [f"version={version()}" if line.startswith("version=") else line
             for line in text.splitlines()]
    return "\n".join(lines) + "\n"


def check_imports(files: dict[str, bytes]) -> list[str]:
    """Imports of bundled modules that QGIS would not satisfy (empty list: all fine)."""
    bundled = {"geosozial", NAME} | {m for m, _ in BUNDLED}
    stdlib = set(sys.stdlib_module_names)
    problems = []
    for name, data in files.items():
        if not name.endswith(".py"):
            continue
        tree = ast.parse(data.decode("utf-8"), filename=name)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                if top in stdlib or top in bundled or top in PROVIDED_BY_QGIS:
                    continue
                if top in OPTIONAL and not name.startswith(f"{NAME}/ext/geosozial/") \
                        and f"{NAME}/ext/" in name:
                    continue
                problems.append(f"{name}: import {module}")
    return problems


def build(out_dir: Path) -> Path:
    """Write the zip and return its path."""
    files = collect()
    problems = check_imports(files)
    if problems:
        raise SystemExit("modules QGIS does not provide:\n" + "\n".join(problems))
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{NAME}-{version()}.zip"
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[name])
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=str(ROOT / "dist"))
    args = parser.parse_args(argv)
    print(build(Path(args.out)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
