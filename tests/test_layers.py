"""Import contract: every module of every layer imports only what its layer may.

The rules are in :mod:`geosozial.layers`; this test reads each module's source (AST),
so a lazy import inside a function counts as well.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest
from datasets import REPO

from geosozial.layers import (
    FORBIDDEN_IN_QGIS,
    INTERNAL,
    QGIS_SAFE,
    layer_of,
    may_import,
)

PACKAGE = REPO / "geosozial"
PLUGIN = REPO / "qgis_plugin" / "geosozial_qgis"
STDLIB = set(sys.stdlib_module_names)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path) -> list[tuple[str, bool, int]]:
    """(module, inside a function or TYPE_CHECKING block, line) of every import."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[str, bool, int]] = []

    def visit(node: ast.AST, lazy: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = lazy or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue  # type-only imports never run
            if isinstance(child, ast.Import):
                found.extend((a.name, lazy, child.lineno) for a in child.names)
            elif isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
                found.append((child.module, lazy, child.lineno))
            visit(child, inner)

    visit(tree, False)
    return found


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def test_every_module_belongs_to_a_known_layer():
    layers = {layer_of(_module_name(p)) for p in MODULES}
    assert layers <= set(INTERNAL), layers - set(INTERNAL)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_module_imports_follow_the_layer_rules(path: Path):
    layer = layer_of(_module_name(path))
    bad = []
    for module, lazy, line in _imports(path):
        if module.split(".")[0] in STDLIB:
            continue
        if not may_import(layer, module, lazy=lazy):
            bad.append(f"{path.relative_to(REPO)}:{line}: {layer} imports {module}")
    assert not bad, "\n".join(bad)


def test_qgis_side_never_imports_binary_wheels_or_pandas():
    qgis_side = [p for p in MODULES if layer_of(_module_name(p)) in QGIS_SAFE]
    qgis_side += sorted(PLUGIN.rglob("*.py"))
    bad = [f"{p.relative_to(REPO)}:{line}: {module}" for p in qgis_side
           for module, _lazy, line in _imports(p)
           if module.split(".")[0] in FORBIDDEN_IN_QGIS]
    assert not bad, "\n".join(bad)


def test_the_rules_catch_an_upward_import(tmp_path: Path):
    # the checker itself must fail on a violation, or the tests above prove nothing
    bad = tmp_path / "x.py"
    bad.write_text("import numpy\n\ndef f():\n    from geosozial.geo.areas import read_areas\n"
                   "import pandas\n", encoding="utf-8")
    imports = _imports(bad)
    assert [m for m, _, _ in imports] == ["numpy", "geosozial.geo.areas", "pandas"]
    assert not may_import("core", "geosozial.geo.areas", lazy=True)
    assert not may_import("core", "pandas")
    assert may_import("core", "numpy")
