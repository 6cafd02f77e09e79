"""Names that moved between QGIS 3.22 (Qt5) and QGIS 3.36+/4 (Qt6), resolved once.

Each constant takes the newer location when this QGIS has it and falls back to the
3.22 one, so the plugin runs from 3.22 up to 4.x without version checks elsewhere.
"""

from __future__ import annotations

from qgis.core import (
    Qgis,
    QgsFeatureSink,
    QgsField,
    QgsProcessing,
    QgsProcessingFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterNumber,
    QgsWkbTypes,
)


def _pick(new_owner: str, new_member: str, old):
    owner = getattr(Qgis, new_owner, None)
    return getattr(owner, new_member, None) if owner is not None and \
        hasattr(owner, new_member) else old


SOURCE_POLYGON = _pick("ProcessingSourceType", "VectorPolygon",
                       QgsProcessing.SourceType.TypeVectorPolygon)
SOURCE_ANY = _pick("ProcessingSourceType", "Vector", QgsProcessing.SourceType.TypeVector)
NUMBER_DOUBLE = _pick("ProcessingNumberParameterType", "Double",
                      QgsProcessingParameterNumber.Type.Double)
FIELD_NUMERIC = _pick("ProcessingFieldParameterDataType", "Numeric",
                      QgsProcessingParameterField.DataType.Numeric)
WKB_MULTIPOLYGON = _pick("WkbType", "MultiPolygon", QgsWkbTypes.Type.MultiPolygon)
FAST_INSERT = QgsFeatureSink.Flag.FastInsert
SKIP_VALIDITY_CHECKS = _pick("ProcessingFeatureSourceFlag", "SkipGeometryValidityChecks",
                             QgsProcessingFeatureSource.FlagSkipGeometryValidityChecks)

if Qgis.QGIS_VERSION_INT >= 33800:  # QgsField takes QMetaType from 3.38 on
    from qgis.PyQt.QtCore import QMetaType

    DOUBLE, INT, STRING = QMetaType.Type.Double, QMetaType.Type.Int, QMetaType.Type.QString
else:
    from qgis.PyQt.QtCore import QVariant

    DOUBLE, INT, STRING = QVariant.Type.Double, QVariant.Type.Int, QVariant.Type.String

#: the field type of each column type name of the core (:mod:`geosozial.core.results`)
FIELD_TYPES = {"real": DOUBLE, "integer": INT, "text": STRING}


def new_field(name: str, kind) -> QgsField:
    """A QgsField of ``DOUBLE``, ``INT`` or ``STRING``."""
    return QgsField(name, kind)
