"""Every example in the docstrings of geosozial runs and shows what it says.

The doctests are collected here (one test per module) rather than with
``--doctest-modules``, which would also import the two ``conftest`` modules of tests/.
"""

from __future__ import annotations

import doctest
import importlib

import pytest
from datasets import REPO

MODULES = sorted(
    ".".join(p.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")
    for p in (REPO / "geosozial").rglob("*.py")
    if "__pycache__" not in p.parts and p.name != "__main__.py")


def test_modules_are_found():
    assert "geosozial.core.join" in MODULES and "geosozial.api" in MODULES
    assert len(MODULES) > 60


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name, monkeypatch, capsys):
    monkeypatch.chdir(REPO)
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    tests = finder.find(module, name)
    for test in tests:
        runner.run(test)
    result = runner.summarize(verbose=False)
    report = capsys.readouterr().out
    assert result.failed == 0, report
