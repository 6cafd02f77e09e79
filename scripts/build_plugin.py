"""Build the QGIS plugin zip: ``dist/geosozial_qgis-<version>.zip``.

    python scripts/build_plugin.py [--out dist]

The zip holds ``geosozial_qgis/`` (the plugin), and in ``geosozial_qgis/ext/`` the
geosozial layers that run inside QGIS plus folium, branca, xyzservices and tomli (taken
from this Python's installed packages, licence files kept).

Which library files go in is not a hand-written list: it follows from the layer rules in
:mod:`geosozial.layers`. Every file of the layers in :data:`~geosozial.layers.QGIS_SAFE`
(``geosozial/__init__.py``, ``kernel/``, ``core/`` with ``core/tables/``, ``maps/`` with
its assets and vendored Leaflet) and ``geosozial/layers.py`` itself is bundled; nothing of
``geo/``, ``pipeline/``, ``api.py`` or ``cli/``.

Every bundled module is checked (AST, lazy imports inside functions included):
geosozial modules import only what :func:`geosozial.layers.may_import` allows their layer
and never a package of :data:`~geosozial.layers.FORBIDDEN_IN_QGIS`; the plugin imports
only QGIS, Qt, numpy/scipy, the standard library and bundled geosozial layers; bundled
third-party code imports only what QGIS ships (jinja2, markupsafe, requests) or guards
optional imports. So no pandas, shapely, pyproj, GDAL or other binary wheel reaches QGIS.
Entries are written in sorted order with a fixed timestamp, so the same sources give the
same zip.
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
LIBRARY = ROOT / "geosozial"
NAME = "geosozial_qgis"
EXT_LIBRARY = f"{NAME}/ext/geosozial/"

if str(ROOT) not in sys.path:  # the layer rules come from the library itself
    sys.path.insert(0, str(ROOT))

from geosozial.layers import (  # noqa: E402
    FORBIDDEN_IN_QGIS,
    QGIS_SAFE,
    layer_of,
    may_import,
)

#: the layer-rules module itself travels with the QGIS-safe layers
BUNDLED_LAYERS = (*QGIS_SAFE, "layers")
#: Third-party pure-Python packages carried in ext/ (name, distribution).
BUNDLED = [("folium", "folium"), ("branca", "branca"), ("xyzservices", "xyzservices"),
           ("tomli", "tomli")]  # project files in QGIS builds with Python < 3.11
#: Imports allowed in the plugin and bundled third-party code besides the standard library
#: and bundled packages.
PROVIDED_BY_QGIS = {"numpy", "scipy", "qgis", "jinja2", "markupsafe", "requests", "PyQt5",
                    "PyQt6"}
#: Optional imports of bundled third-party code that are guarded (try/except) there.
OPTIONAL = {"selenium", "geopandas", "pandas", "IPython", "shapely", "altair", "pygments",
            "matplotlib", "PIL", "ipywidgets", "urllib3", "setuptools_scm", "pytest",
            "xyzservices", "_version", "jenkspy"}
FIXED_TIME = (2024, 1, 1, 0, 0, 0)


def module_name(relative: Path) -> str:
    """The module name of a file below ``geosozial/`` (``core/join.py`` -> ``geosozial.core.join``).

    Files that are no module (assets) are named after their folder, so that
    :func:`geosozial.layers.layer_of` gives their layer.

    Example:
        >>> module_name(Path("core/tables/read.py")), module_name(Path("__init__.py"))
        ('geosozial.core.tables.read', 'geosozial')
        >>> layer_of(module_name(Path("maps/assets/map.css")))
        'maps'
    """
    parts = list(relative.parts)
    if relative.suffix == ".py":
        parts[-1] = relative.stem
        if parts[-1] == "__init__":
            parts.pop()
    else:
        parts.pop()
    return ".".join(["geosozial", *parts])


def library_files() -> list[Path]:
    """The library files of the QGIS-safe layers (paths relative to ``geosozial/``)."""
    out = []
    for path in sorted(LIBRARY.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts or path.suffix == ".pyc":
            continue
        relative = path.relative_to(LIBRARY)
        if layer_of(module_name(relative)) in BUNDLED_LAYERS:
            out.append(relative)
    return out


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
    for relative in library_files():
        files[EXT_LIBRARY + relative.as_posix()] = (LIBRARY / relative).read_bytes()
    for module, dist in BUNDLED:
        spec = importlib.util.find_spec(module)
        if spec is None or not spec.submodule_search_locations:
            raise SystemExit(f"{module} is not installed in this Python (pip install {dist})")
        base = Path(next(iter(spec.submodule_search_locations)))
        for path in sorted(base.rglob("*")):
            # compiled speed-ups of pure-Python packages (tomli's mypyc build) stay out:
            # their .py sources beside them are what QGIS imports
            if path.is_file() and "__pycache__" not in path.parts \
                    and path.suffix not in (".pyc", ".so", ".pyd", ".dylib") \
                    and "tests" not in path.relative_to(base).parts:
                files[f"{NAME}/ext/{module}/{path.relative_to(base).as_posix()}"] = \
                    path.read_bytes()
        distribution = importlib.metadata.distribution(dist)
        for entry in distribution.files or []:
            if "LICEN" in entry.name.upper():
                files[f"{NAME}/ext/LICENSES/{dist}-{entry.name}"] = \
                    Path(distribution.locate_file(entry)).read_bytes()
    files[f"{NAME}/ext/LICENSES/leaflet-LICENSE"] = \
        (LIBRARY / "maps" / "vendor" / "leaflet" / "LICENSE").read_bytes()
    return files


def _with_version(text: str) -> str:
    lines = [f"version={version()}" if line.startswith("version=") else line
             for line in text.splitlines()]
    return "\n".join(lines) + "\n"


def _imports(tree: ast.AST) -> list[tuple[str, bool]]:
    """(module, inside a function) of every absolute import; type-only blocks skipped."""
    found: list[tuple[str, bool]] = []

    def visit(node: ast.AST, lazy: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue  # type-only imports never run
            if isinstance(child, ast.Import):
                found.extend((alias.name, lazy) for alias in child.names)
            elif isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
                found.append((child.module, lazy))
            visit(child, lazy or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                    ast.Lambda)))

    visit(tree, False)
    return found


def _library_problem(name: str, module: str, lazy: bool) -> bool:
    """True if bundled library file ``name`` may not import ``module`` inside QGIS."""
    top = module.split(".")[0]
    if top in FORBIDDEN_IN_QGIS:
        return True
    if top in sys.stdlib_module_names:
        return False
    layer = layer_of(module_name(Path(name[len(EXT_LIBRARY):])))
    if top == "geosozial" and layer_of(module) not in BUNDLED_LAYERS:
        return True
    return not may_import(layer, module, lazy=lazy)


def check_imports(files: dict[str, bytes]) -> list[str]:
    """Imports of bundled modules that QGIS would not satisfy (empty list: all fine).

    - geosozial modules (``ext/geosozial/``): the layer rules of :mod:`geosozial.layers`
      (:func:`~geosozial.layers.may_import`, lazy imports included) and never a package of
      :data:`~geosozial.layers.FORBIDDEN_IN_QGIS`;
    - the plugin: the standard library, what QGIS ships and the bundled geosozial layers
      (never ``geo``, ``pipeline``, ``api`` or ``cli``);
    - bundled third-party packages: what QGIS ships, bundled packages and guarded
      optional imports.
    """
    bundled = {NAME} | {m for m, _ in BUNDLED}
    stdlib = set(sys.stdlib_module_names)
    problems = []
    for name, data in files.items():
        if not name.endswith(".py"):
            continue
        tree = ast.parse(data.decode("utf-8"), filename=name)
        for module, lazy in _imports(tree):
            top = module.split(".")[0]
            if name.startswith(EXT_LIBRARY):
                if _library_problem(name, module, lazy):
                    problems.append(f"{name}: import {module}")
                continue
            if top == "geosozial":
                if layer_of(module) not in BUNDLED_LAYERS:
                    problems.append(f"{name}: import {module}")
                continue
            if top in FORBIDDEN_IN_QGIS and not name.startswith(f"{NAME}/ext/"):
                problems.append(f"{name}: import {module}")
                continue
            if top in stdlib or top in bundled or top in PROVIDED_BY_QGIS:
                continue
            if top in OPTIONAL and name.startswith(f"{NAME}/ext/"):
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
