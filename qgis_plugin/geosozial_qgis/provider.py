"""The Processing provider ``geosozial`` and its algorithms."""

from __future__ import annotations

from qgis.core import QgsProcessingProvider

from . import add_bundled_packages


class GeosozialProvider(QgsProcessingProvider):
    """Sozialraumanalyse: join, aggregate, weights, Moran, LISA, hot spots, local Geary,
    quantile LISA, local join counts, HTML map; crosswalks (apply, derive), emerging
    hot spots and change and trend over several years; the social atlas."""

    def id(self) -> str:
        return "geosozial"

    def name(self) -> str:
        return "geosozial"

    def longName(self) -> str:
        return "geosozial – Sozialraumanalyse"

    def svgIconPath(self) -> str:
        from .alg_base import icon_path

        return icon_path("geosozial")

    def icon(self):
        from qgis.PyQt.QtGui import QIcon

        return QIcon(self.svgIconPath())

    def loadAlgorithms(self) -> None:
        add_bundled_packages()
        from .alg_join import AggregateAlgorithm, JoinAlgorithm
        from .alg_map import HtmlMapAlgorithm
        from .alg_report import ReportAlgorithm
        from .alg_stats import (
            HotspotsAlgorithm,
            JoinCountAlgorithm,
            LisaAlgorithm,
            LocalGearyAlgorithm,
            MoranAlgorithm,
            QuantileLisaAlgorithm,
            WeightsAlgorithm,
        )
        from .alg_years import (
            CrosswalkApplyAlgorithm,
            CrosswalkDeriveAlgorithm,
            DynamicsAlgorithm,
            EmergingHotspotsAlgorithm,
        )

        for algorithm in (JoinAlgorithm(), AggregateAlgorithm(), WeightsAlgorithm(),
                          MoranAlgorithm(), LisaAlgorithm(), HotspotsAlgorithm(),
                          LocalGearyAlgorithm(), QuantileLisaAlgorithm(),
                          JoinCountAlgorithm(), HtmlMapAlgorithm(), CrosswalkApplyAlgorithm(),
                          CrosswalkDeriveAlgorithm(), EmergingHotspotsAlgorithm(),
                          DynamicsAlgorithm(), ReportAlgorithm()):
            self.addAlgorithm(algorithm)
