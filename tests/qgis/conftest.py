"""Fixtures for the plugin tests inside real QGIS (Debian's python3-qgis, offscreen).

These tests run with Debian's /usr/bin/python3 and only Debian packages plus the
extracted plugin zip on PYTHONPATH; tests/test_qgis_plugin.py builds the zip, writes the
expected results with the geosozial command line and starts them. Paths come from the
environment: GEOSOZIAL_EXPECTED (folder of expected results), GEOSOZIAL_SHARED
(../shared/data), GEOSOZIAL_DEMO (geodata/musterkreis).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

EXPECTED = Path(os.environ.get("GEOSOZIAL_EXPECTED", "."))
SHARED = Path(os.environ.get("GEOSOZIAL_SHARED", "../shared/data"))
DEMO = Path(os.environ.get("GEOSOZIAL_DEMO", "geodata/musterkreis"))


@pytest.fixture(scope="session")
def qgis_app():
    """QgsApplication with Processing and the geosozial provider registered."""
    from qgis.core import QgsApplication

    app = QgsApplication([], False)
    app.initQgis()
    sys.path.append("/usr/share/qgis/python/plugins")
    from processing.core.Processing import Processing

    Processing.initialize()
    import geosozial_qgis

    plugin = geosozial_qgis.classFactory(None)  # no iface, as under qgis_process
    plugin.initProcessing()
    yield app
    plugin.unload()


@pytest.fixture
def run(qgis_app):
    """processing.run with a fresh context; returns the results dict."""
    import processing
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback, QgsProject

    def _run(alg: str, params: dict, context=None):
        context = context or QgsProcessingContext()
        context.setProject(QgsProject.instance())
        return processing.run(alg, params, context=context, feedback=QgsProcessingFeedback())

    return _run


def log_feedback():
    """A Processing feedback that keeps the lines of the log (``.lines``; warnings, which
    go to ``pushWarning``, and errors, as well)."""
    from qgis.core import QgsProcessingFeedback

    class Log(QgsProcessingFeedback):
        def __init__(self):
            super().__init__()
            self.lines = []

        def pushInfo(self, info):
            self.lines.append(info)

        def reportError(self, error, fatalError=False):
            self.lines.append(error)

        def pushWarning(self, warning):
            self.lines.append(warning)

    return Log()
