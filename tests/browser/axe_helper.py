"""axe-core for the browser tests: the npm package's ``axe.min.js``, found once.

``scripts/setup.sh --test`` installs it into ``./node_modules``; ``GEOSOZIAL_AXE`` may
name another copy. Missing, the tests that need it skip locally and fail in CI.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

AXE_PATHS = [os.environ.get("GEOSOZIAL_AXE", ""),
             str(Path(__file__).resolve().parents[2] / "node_modules/axe-core/axe.min.js"),
             "/usr/lib/node_modules/axe-core/axe.min.js",
             "/usr/local/lib/node_modules/axe-core/axe.min.js"]


def axe_source() -> str:
    """The text of ``axe.min.js`` (skip locally, fail in CI when it is missing)."""
    for path in AXE_PATHS:
        if path and Path(path).is_file():
            return Path(path).read_text(encoding="utf-8")
    message = ("axe-core is not installed (bash scripts/setup.sh --test puts it into "
               "node_modules, or GEOSOZIAL_AXE=path/to/axe.min.js)")
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)
