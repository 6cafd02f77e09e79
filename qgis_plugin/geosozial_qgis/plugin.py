"""The plugin object: registers the Processing provider, with or without a GUI."""

from __future__ import annotations

from qgis.core import QgsApplication


class GeosozialPlugin:
    """Registers the provider in ``initProcessing`` (also under ``qgis_process``)."""

    def __init__(self, iface=None) -> None:
        self.iface = iface
        self.provider = None

    def initProcessing(self) -> None:
        from .provider import GeosozialProvider

        if self.provider is None:
            self.provider = GeosozialProvider()
            QgsApplication.processingRegistry().addProvider(self.provider)

    def initGui(self) -> None:
        self.initProcessing()

    def unload(self) -> None:
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
