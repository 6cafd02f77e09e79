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
from typing import TYPE_CHECKING

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

if TYPE_CHECKING:
    from geosozial.core.columns import Columns


@dataclass
class Areas:
    """Features of a source with keys, names, values and rings in a metric CRS."""

    features: list[QgsFeature]
    keys: list[str]
    names: list[str]
    values: dict[str, np.ndarray]
    geometries: list[QgsGeometry]
    crs: QgsCoordinateReferenceSystem
    #: core notices (key repairs, repaired geometries, reprojection, areas left out),
    #: logged with :func:`alg_base.log_notices`
    notices: list = field(default_factory=list)

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


def core_features(geometries) -> list:
    """QGIS geometries as core features (rings from their WKB, as the command line reads
    them); a missing or null geometry gives an empty feature."""
    from geosozial.core.wkb import wkb_polygons

    return [wkb_polygons(None if g is None or g.isNull() else bytes(g.asWkb()))
            for g in geometries]


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
    """ETRS89 / UTM 32 or 33 for a geographic CRS (the core's rule,
    :func:`geosozial.core.analysis.utm_epsg_for`, on the extent), else ``crs``."""
    from geosozial.core.analysis import utm_epsg_for

    if not crs.isGeographic():
        return crs
    epsg = utm_epsg_for((extent.xMinimum(), extent.yMinimum(), extent.xMaximum(),
                         extent.yMaximum()))
    return QgsCoordinateReferenceSystem(f"EPSG:{epsg}")


def read_areas(source, key_field: str, value_fields: list[str], feedback, *,
               name_field: str | None = None, drop_missing: bool = False,
               keep_missing: bool = False, what: str = "") -> Areas:
    """Read features, keys, values and metric geometries.

    Keys and names as :func:`read_area_features` reads them (the core's key rule, the
    name from ``name_field`` or :data:`geosozial.core.keys.NAME_FIELDS`, "" when the
    layer has no name field, as the geopandas door: the map shows the key there).
    Values go through the core's rule, :func:`geosozial.core.analysis.field_values`,
    field by field in the order given (as the command line reads a LISA variant's
    second field before the analysed one): text that is no number is an error naming
    key and field, missing values are an error naming the keys and the DROP_MISSING
    parameter unless ``drop_missing`` (then the areas are left out and named);
    ``keep_missing`` keeps them as NaN (e.g. "keine Daten" on a map). Repaired
    geometries and the reprojection of a geographic CRS are the core's notices
    ``geo.invalid_repaired`` and ``geo.reprojected``.
    """
    from geosozial.core.analysis import field_values
    from geosozial.core.join import key_kind
    from geosozial.core.keys import NAME_FIELDS, normalize_area_keys
    from geosozial.core.messages import GeosozialError, Notice

    from .alg_base import DROP_MISSING_OPTION

    _define_messages()
    fields = source.fields()
    for name in [key_field, *([name_field] if name_field else [])]:
        if fields.indexOf(name) < 0:
            raise GeosozialError("qgis.no_field", file=what, field=name,
                                 fields=", ".join(f.name() for f in fields))
    for name in value_fields:
        if fields.indexOf(name) < 0:
            raise GeosozialError("ana.no_field", file=what, field=name,
                                 fields=", ".join(f.name() for f in fields if f.isNumeric()))
    crs = source.sourceCrs()
    target = metric_crs(crs, source.sourceExtent())
    transform = None
    if target != crs:
        transform = QgsCoordinateTransform(crs, target, QgsProject.instance())
    name_field = name_field or next((n for n in NAME_FIELDS if fields.indexOf(n) >= 0), None)
    features, raw_keys, names, geometries = [], [], [], []
    cells: dict[str, list] = {f: [] for f in value_fields}
    repaired: list[int] = []
    # invalid geometries are repaired below (and named), as the command line does, instead
    # of stopping at the first one (Processing's default check)
    for n, feature in enumerate(_features(source, feedback, 30.0)):
        features.append(QgsFeature(feature))
        raw_keys.append(plain_value(feature[key_field]))
        names.append(field_text(feature[name_field]) if name_field else "")
        for f in value_fields:
            cells[f].append(plain_value(feature[f]))
        geom = QgsGeometry(feature.geometry())
        if not geom.isEmpty() and not geom.isGeosValid():
            geom = polygonal(geom.makeValid())
            repaired.append(n)
        if transform is not None and not geom.isEmpty():
            geom.transform(transform)
        geometries.append(geom)
    keys, notices = normalize_area_keys(raw_keys, key_kind(key_field), source=what,
                                        field=key_field)
    if repaired:
        notices.append(Notice("geo.invalid_repaired", "repair", file=what, n=len(repaired),
                              keys=", ".join(keys[i] for i in repaired[:20])))
    if transform is not None:
        notices.append(Notice("geo.reprojected", "repair", file=what, source=crs.authid(),
                              target=target.authid()))
    values: dict[str, np.ndarray] = {}
    for f in value_fields:
        if keep_missing:
            kept, known = field_values(cells[f], keys, f, what, True, [])
            values[f] = np.full(len(keys), math.nan)
            values[f][kept] = known
            continue
        kept, known = field_values(cells[f], keys, f, what, drop_missing, notices,
                                   option=DROP_MISSING_OPTION)
        if len(kept) < len(keys):  # left out and named: the other fields follow
            features = [features[i] for i in kept]
            keys = [keys[i] for i in kept]
            names = [names[i] for i in kept]
            geometries = [geometries[i] for i in kept]
            cells = {g: [column[i] for i in kept] for g, column in cells.items()}
            values = {g: v[kept] for g, v in values.items()}
        values[f] = known
    return Areas(features, keys, names, values, geometries, target, notices)


def _features(source, feedback, share: float):
    """The features of ``source`` (no validity check: repaired where they are used), with
    progress up to ``share`` percent and the cancel button of ``feedback``."""
    total = source.featureCount() or 1
    for n, feature in enumerate(source.getFeatures(QgsFeatureRequest(), SKIP_VALIDITY_CHECKS),
                                start=1):
        if feedback is not None:
            if feedback.isCanceled():
                raise QgsProcessingException("abgebrochen")
            feedback.setProgress(share * n / total)
        yield feature


def field_text(value) -> str:
    """A field value as text, by the core's cell rule (:func:`geosozial.core.columns.as_text`:
    NULL and NaN are "", whole floats lose their ".0")."""
    from geosozial.core.columns import as_text

    return as_text(plain_value(value))


# --- layers <-> core tables and columns (the plugin's only job: convert, never decide) ---

def _define_messages() -> None:
    from geosozial.core.messages import define

    define("qgis.no_field", de="{file}: Feld {field} gibt es nicht. Felder: {fields}",
           en="{file}: there is no field {field}. Fields: {fields}")


def is_null(value) -> bool:
    """NULL as PyQGIS returns it (a NULL QVariant) or None."""
    return value is None or (hasattr(value, "isNull") and value.isNull())


def plain_value(value):
    """A QGIS attribute as a plain Python value: NULL -> None, QDate -> date, ..."""
    if is_null(value):
        return None
    if isinstance(value, (bool, int, float, str)):
        return value
    for method in ("toPyDateTime", "toPyDate", "toPyTime"):
        if hasattr(value, method):
            return getattr(value, method)()
    return str(value)


@dataclass
class AreaFeatures:
    """The features of an area source with their normalised keys and names (CRS kept)."""

    features: list[QgsFeature]
    keys: list[str]
    names: list[str]
    field_names: list[str]
    source: str
    notices: list = field(default_factory=list)


def read_area_features(source, key_field: str, name_field: str | None, feedback=None
                       ) -> AreaFeatures:
    """Features, keys and names of the areas.

    Keys go through :func:`geosozial.core.keys.normalize_area_keys`, the rule of every
    door (for a field called AGS or ARS numbers without the leading zero are repaired
    and reported, anything else is an error naming the feature; for any other field the
    text as it is). The name is ``name_field`` or the first of
    :data:`geosozial.core.keys.NAME_FIELDS` the layer has.
    """
    from geosozial.core.join import key_kind
    from geosozial.core.keys import NAME_FIELDS, normalize_area_keys
    from geosozial.core.messages import GeosozialError

    _define_messages()
    what = source.sourceName()
    names_in = [f.name() for f in source.fields()]
    for wanted in (key_field, name_field):
        if wanted and wanted not in names_in:
            raise GeosozialError("qgis.no_field", file=what, field=wanted,
                                 fields=", ".join(names_in))
    name_field = name_field or next((n for n in NAME_FIELDS if n in names_in), None)
    features, raw_keys, names = [], [], []
    for feature in _features(source, feedback, 20.0):
        features.append(QgsFeature(feature))
        raw_keys.append(plain_value(feature[key_field]))
        names.append(field_text(feature[name_field]) if name_field else "")
    keys, notices = normalize_area_keys(raw_keys, key_kind(key_field), source=what,
                                        field=key_field)
    return AreaFeatures(features, keys, names, names_in, what, notices)


def layer_table(source, *, key_column: str | None = None, columns: list[str] | None = None,
                skip_fields: tuple[str, ...] = (), what: str | None = None,
                decimal: str | None = None):
    """A loaded table layer as the core :class:`~geosozial.core.tables.table.Table`.

    The layer goes through the same rule as a plain CSV or XLSX file
    (:func:`geosozial.core.tables.plain.build_plain_table`): header = the field names,
    one row per feature (line = feature number + 1, the line of a CSV with one header
    row), so key repair, official symbols, text attribute columns and the duplicate-key
    notice are exactly those of the file. ``skip_fields`` are provider fields that are no
    column of the data (the ``fid`` of a GeoPackage table); ``decimal`` None decides the
    decimal mark per column as for a file.
    """
    from geosozial.core.tables.plain import build_plain_table

    fields = [f.name() for f in source.fields()]
    keep = [i for i, name in enumerate(fields) if name not in skip_fields]
    header = [fields[i] for i in keep]
    rows = []
    for n, feature in enumerate(source.getFeatures(QgsFeatureRequest(), SKIP_VALIDITY_CHECKS)):
        attributes = feature.attributes()
        rows.append((n + 2, [plain_value(attributes[i]) for i in keep]))
    return build_plain_table(header, rows, source=what or source.sourceName(),
                             key_column=key_column or None, decimal=decimal,
                             strict_width=False, meta={"layout": "layer"},
                             columns=columns or None)


def layer_columns(features: list[QgsFeature], fields) -> Columns:
    """Attribute columns of features as core :class:`~geosozial.core.columns.Columns`.

    Numeric fields become float arrays (NULL -> NaN), all others text (NULL -> "").
    """
    from geosozial.core.columns import Columns, as_text

    out = Columns(n=len(features))
    rows = [f.attributes() for f in features]
    for i, f in enumerate(fields):
        cells = [plain_value(r[i]) for r in rows]
        if f.isNumeric():
            out[f.name()] = np.array([math.nan if v is None or isinstance(v, bool) else float(v)
                                      for v in cells], dtype=float)
        else:
            out[f.name()] = [as_text(v) for v in cells]
    return out


def column_field(columns, name: str):
    """The QgsField for a core column: numbers double, everything else text."""
    from .compat import DOUBLE, STRING, new_field

    return new_field(name, DOUBLE if columns.is_numeric(name) else STRING)


def column_cells(columns, names: list[str]) -> list[list]:
    """Row-wise attribute values of ``names`` (NaN -> NULL, text as it is)."""
    data = []
    for name in names:
        if columns.is_numeric(name):
            data.append([None if v != v else float(v) for v in columns[name]])
        else:
            data.append(list(columns.texts(name)))
    if not data:
        return [[] for _ in range(len(columns))]
    return [list(row) for row in zip(*data, strict=True)]


def merged_geometry(geometries: list[QgsGeometry]) -> QgsGeometry:
    """One geometry for areas that share a key or form a Sozialraum (union).

    A single geometry is kept as it is; for a union, invalid parts are repaired first.
    """
    if len(geometries) == 1:
        return QgsGeometry(geometries[0])
    parts = []
    for geom in geometries:
        if geom is None or geom.isEmpty():
            continue
        if not geom.isGeosValid():
            geom = polygonal(geom.makeValid())
        parts.append(geom)
    if not parts:
        return QgsGeometry()
    return QgsGeometry.unaryUnion(parts)
