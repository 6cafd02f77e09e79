"""Shared test fixtures. Paths and synthetic areas for test modules live in
``tests/datasets.py``: test modules never import ``conftest`` (tests/browser has its own
conftest, and both would be the module ``conftest``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from datasets import grid_areas


@pytest.fixture
def areas_file(tmp_path: Path) -> Path:
    """A GeoPackage with four municipalities of a fictional Kreis 14999."""
    path = tmp_path / "gemeinden.gpkg"
    grid_areas(["14999001", "14999002", "14999003", "14999004"],
               ["Adorf", "Bödorf", "Cestadt", "Düben"]).to_file(path, layer="gemeinden")
    return path


@pytest.fixture(autouse=True)
def german_messages():
    """Every test starts with German messages (the CLI sets the language globally)."""
    from geosozial.core.messages import set_language

    set_language("de")
    yield
    set_language("de")


#: tests/qgis runs inside QGIS with Debian's Python (started by test_qgis_plugin.py)
collect_ignore = ["qgis"]

#: reference implementations: a test that calls one of them is marked ``reference``
REFERENCES = ("esda", "libpysal", "pygeoda", "mapclassify")


def pytest_collection_modifyitems(config, items):
    """Markers by what a test needs: ``browser`` (tests/browser), ``qgis`` (runs inside
    QGIS), ``reference`` (calls esda, libpysal, pygeoda or mapclassify)."""
    import inspect

    for item in items:
        path = Path(str(item.fspath))
        if "browser" in path.parts:
            item.add_marker(pytest.mark.browser)
        if path.name == "test_qgis_plugin.py" and "qgis" in item.name:
            item.add_marker(pytest.mark.qgis)
            item.add_marker(pytest.mark.slow)
        function = getattr(item, "function", None)
        if function is not None:
            try:
                source = inspect.getsource(function)
            except (OSError, TypeError):
                continue
            if any(f"{name}." in source or f"import {name}" in source for name in REFERENCES):
                item.add_marker(pytest.mark.reference)
