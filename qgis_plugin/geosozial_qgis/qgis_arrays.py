"""QGIS features to the arrays the geosozial kernel takes.

Values, keys and polygon rings are read from a ``QgsProcessingFeatureSource`` (any
vector layer: GeoPackage, Shapefile, PostGIS, memory, virtual, joined; "selected
features only" is handled by Processing). A geographic CRS is transformed to ETRS89 /
UTM (zone 32 or 33 by the centre of the extent) before anything is measured, as the
Python path does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsFeature,
    QgsFeatureRequest,
    QgsGeometry,
    QgsProcessingException,
    QgsProject,
    QgsWkbTypes,
)

from .compat import SKIP_VALIDITY_CHECKS


@dataclass
class Areas:
    """Features of a source with keys, names, values and rings in a metric CRS."""

    features: list[QgsFeature]
    keys: list[str]
    names: list[str]
    values: dict[str, np.ndarray]
    geometries: list[QgsGeometry]
    crs: QgsCoordinateReferenceSystem
    notes: list[str] = field(default_factory=list)

    def rings(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(coords, ring_index, area_of_ring)`` as :func:`ring_arrays` of the Python path."""
        coords, ring_of, area_of = [], [], []
        ring = 0
        for i, geom in enumerate(self.geometries):
            for polygon in polygons(geom):
                for points in polygon:
                    coords.append(points)
                    ring_of.append(np.full(len(points), ring, dtype=np.int64))
                    area_of.append(i)
                    ring += 1
        if not coords:
            return np.zeros((0, 2)), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        return np.vstack(coords), np.concatenate(ring_of), np.array(area_of, dtype=np.int64)

    def centroids(self) -> np.ndarray:
        """Centroid of each area (metric CRS)."""
        out = np.full((len(self.geometries), 2), np.nan)
        for i, geom in enumerate(self.geometries):
            if geom is not None and not geom.isEmpty():
                point = geom.centroid().asPoint()
                out[i] = (point.x(), point.y())
        return out


def polygons(geom: QgsGeometry | None) -> list[list[np.ndarray]]:
    """The polygons of a geometry as lists of rings (closed ``(n, 2)`` arrays)."""
    if geom is None or geom.isEmpty():
        return []
    parts = geom.asMultiPolygon() if geom.isMultipart() else [geom.asPolygon()]
    return [[np.array([(p.x(), p.y()) for p in ring], dtype=float) for ring in polygon]
            for polygon in parts if polygon]


def polygonal(geom: QgsGeometry) -> QgsGeometry:
    """The polygon parts of a geometry (makeValid may return a collection with lines)."""
    if geom.isEmpty() or QgsWkbTypes.geometryType(geom.wkbType()) == \
            QgsWkbTypes.GeometryType.PolygonGeometry:
        return geom
    parts = [part for part in geom.asGeometryCollection()
             if QgsWkbTypes.geometryType(part.wkbType()) ==
             QgsWkbTypes.GeometryType.PolygonGeometry]
    return QgsGeometry.collectGeometry(parts) if parts else QgsGeometry()


def metric_crs(crs: QgsCoordinateReferenceSystem, extent) -> QgsCoordinateReferenceSystem:
    """ETRS89 / UTM 32 or 33 for a geographic CRS (by the extent's centre), else ``crs``."""
    if not crs.isGeographic():
        return crs
    lon = (extent.xMinimum() + extent.xMaximum()) / 2
    return QgsCoordinateReferenceSystem("EPSG:25833" if lon >= 12.0 else "EPSG:25832")


def read_areas(source, key_field: str, value_fields: list[str], feedback, *,
               name_field: str | None = None, drop_missing: bool = False,
               keep_missing: bool = False, what: str = "") -> Areas:
    """Read features, keys, values (NULL -> NaN) and metric geometries.

    Missing values are an error naming the keys, unless ``drop_missing`` (then the
    areas are left out and named in the log) or ``keep_missing`` (NaN is kept, e.g. for
    "keine Daten" on a map).
    """
    fields = source.fields()
    for name in [key_field, *value_fields, *([name_field] if name_field else [])]:
        if fields.indexOf(name) < 0:
            raise QgsProcessingException(
                f"{what}: Feld {name} gibt es nicht. Felder: "
                f"{', '.join(f.name() for f in fields)}")
    crs = source.sourceCrs()
    target = metric_crs(crs, source.sourceExtent())
    transform = None
    notes = []
    if target != crs:
        transform = QgsCoordinateTransform(crs, target, QgsProject.instance())
        notes.append(f"Geografisches KBS {crs.authid()} nach {target.authid()} transformiert "
                     "(Abstände werden nie in Grad gemessen).")
    features, keys, names, geometries = [], [], [], []
    raw: dict[str, list[float]] = {f: [] for f in value_fields}
    repaired: list[str] = []
    total = source.featureCount() or 1
    # invalid geometries are repaired below (and named), as the command line does, instead
    # of stopping at the first one (Processing's default check)
    features_in = source.getFeatures(QgsFeatureRequest(), SKIP_VALIDITY_CHECKS)
    for n, feature in enumerate(features_in):
        if feedback is not None:
            if feedback.isCanceled():
                raise QgsProcessingException("abgebrochen")
            feedback.setProgress(30.0 * n / total)
        features.append(QgsFeature(feature))
        keys.append(field_text(feature[key_field]))
        names.append(field_text(feature[name_field]) if name_field else keys[-1])
        for f in value_fields:
            raw[f].append(_number(feature[f], f, keys[-1], what))
        geom = QgsGeometry(feature.geometry())
        if not geom.isEmpty() and not geom.isGeosValid():
            geom = polygonal(geom.makeValid())
            repaired.append(keys[-1])
        if transform is not None and not geom.isEmpty():
            geom.transform(transform)
        geometries.append(geom)
    if repaired:
        notes.append(f"Ungültige Geometrien repariert (makeValid): {len(repaired)} "
                     f"({', '.join(repaired[:20])})")
    values = {f: np.array(v, dtype=float) for f, v in raw.items()}
    missing = np.zeros(len(features), dtype=bool)
    for v in values.values():
        missing |= np.isnan(v)
    if missing.any() and not keep_missing:
        named = ", ".join(keys[i] for i in np.flatnonzero(missing)[:20])
        if not drop_missing:
            raise QgsProcessingException(
                f"{what}: {int(missing.sum())} Gebiete ohne Wert in "
                f"{', '.join(value_fields)} ({named}). Mit 'Gebiete ohne Wert auslassen' "
                "werden sie ausgelassen und genannt.")
        notes.append(f"Gebiete ohne Wert ausgelassen: {int(missing.sum())} ({named})")
        keep = np.flatnonzero(~missing)
        features = [features[i] for i in keep]
        keys = [keys[i] for i in keep]
        names = [names[i] for i in keep]
        geometries = [geometries[i] for i in keep]
        values = {f: v[keep] for f, v in values.items()}
    return Areas(features, keys, names, values, geometries, target, notes)


def field_text(value) -> str:
    """A field value as text: NULL is "", whole floats lose their ".0"."""
    if value is None or (hasattr(value, "isNull") and value.isNull()):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _number(value, field_name: str, key: str, what: str) -> float:
    if value is None or (hasattr(value, "isNull") and value.isNull()):
        return math.nan
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    try:
        return float(str(value).strip()) if str(value).strip() else math.nan
    except ValueError:
        raise QgsProcessingException(
            f"{what}: Feld {field_name} ist keine Zahl ({value!r} bei {key}).") from None
