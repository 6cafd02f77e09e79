"""geosozial for QGIS: a Processing provider (id ``geosozial``).

The plugin zip carries the pure-Python parts of the geosozial library and folium /
branca / xyzservices in ``ext/``; that folder is appended to ``sys.path`` (appended, so
a library QGIS already has always wins). numpy and scipy come with QGIS.
"""

from __future__ import annotations

import os
import sys

EXT = os.path.join(os.path.dirname(__file__), "ext")


def add_bundled_packages() -> None:
    """Append the bundled pure-Python packages to ``sys.path`` (once)."""
    if os.path.isdir(EXT) and EXT not in sys.path:
        sys.path.append(EXT)


def classFactory(iface):
    """QGIS calls this to create the plugin."""
    add_bundled_packages()
    from .plugin import GeosozialPlugin

    return GeosozialPlugin(iface)
