"""numpy and scipy: present in every QGIS install we support; if not, say what to do."""

from __future__ import annotations

from qgis.core import QgsProcessingException

INSTALL_HINT = (
    "geosozial braucht {missing} im Python von QGIS (kein pip nötig):\n"
    "- Windows (OSGeo4W-Installer): 'Erweiterte Installation' > Pakete 'python3-numpy' "
    "und 'python3-scipy' auswählen (im QGIS-Standalone-Installer sind beide enthalten).\n"
    "- macOS (offizielles QGIS-Paket): numpy und scipy sind enthalten; sonst QGIS neu "
    "installieren.\n"
    "- Linux (Debian/Ubuntu): sudo apt install python3-numpy python3-scipy "
    "(Fedora: sudo dnf install python3-numpy python3-scipy)."
)


def require_numpy_scipy() -> None:
    """Raise a QgsProcessingException naming what is missing and how to install it."""
    missing = []
    for name in ("numpy", "scipy"):
        try:
            __import__(name)
        except ImportError:
            missing.append(name)
    if missing:
        raise QgsProcessingException(INSTALL_HINT.format(missing=" und ".join(missing)))
