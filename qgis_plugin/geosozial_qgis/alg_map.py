"""geosozial:htmlmap - the self-contained HTML map from a QGIS layer.

Geometry: rings in ETRS89/UTM, coverage-preserving simplification of shared arcs
(:mod:`geosozial.maps.arcs`, no shapely in QGIS), transformed to WGS84 with QGIS and
rounded; the tolerance grows until the file meets the size budget. The page itself is
written by :mod:`geosozial.maps.html` (folium map, Leaflet inlined, no request to any
other host), with the layers of :mod:`geosozial.maps.layers`.
"""

from __future__ import annotations

import json
import math

import numpy as np
from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsGeometry,
    QgsPointXY,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingParameterEnum,
    QgsProcessingParameterField,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
    QgsProject,
    QgsSpatialIndex,
)

from .alg_base import GeosozialAlgorithm, log_notices, push_warning
from .alg_stats import add_quantile_parameters, quantile_options
from .compat import FIELD_NUMERIC
from .qgis_arrays import field_text, polygons, read_areas

KINDS = ["choropleth", "lisa", "gi", "geary", "quantile", "joincount"]
KIND_LABELS = ["Klassen (Choroplethen)", "Lokale Cluster (LISA) mit Signifikanz",
               "Hot Spots (Gi*) mit Signifikanz",
               "Lokales Geary mit Signifikanz (mehrere Zahlenfelder: multivariat)",
               "Quantil-LISA mit Signifikanz", "Lokale Join Counts (0/1-Feld) mit Signifikanz"]
#: map kind -> local statistic (:data:`geosozial.core.local_stats.STATISTICS`)
STATISTIC_OF = {"lisa": "moran", "gi": "gi", "geary": "geary", "quantile": "quantile",
                "joincount": "joincount"}
BASEMAPS = [False, "grau", "farbe"]
BASEMAP_LABELS = ["keine (Standard: die Karte lädt nichts aus dem Netz)",
                  "basemap.de grau", "basemap.de farbig"]
SCHEMES = ["quantiles", "natural_breaks", "equal_interval"]
SCHEME_LABELS = ["Quantile", "Natürliche Klassen (Fisher-Jenks)", "Gleiche Abstände"]
GROWTH = 1.6
MAX_ROUNDS = 12


class HtmlMapAlgorithm(GeosozialAlgorithm):
    """geosozial:htmlmap."""

    HELP = ("Schreibt eine eigenständige HTML-Karte (eine Datei, lädt nichts aus dem Netz): "
            "Klassenkarte eines oder mehrerer Zahlenfelder (mit Umschalter), oder die Karte "
            "einer lokalen Statistik wie 'geosozial lisa/hotspots --html': LISA-Cluster, Hot "
            "Spots (Gi*), lokales Geary (mit mehreren Zahlenfeldern multivariat), Quantil-LISA "
            "oder lokale Join Counts, jeweils mit Signifikanzkarte (korrigierte p-Werte: "
            "q bei FDR, p·n bei Bonferroni) und den Werten. Legende mit Klassenzahlen, "
            "Tooltip mit deutschen Zahlen, Datentabelle und Methodenhinweis. Die Geometrie "
            "wird topologieerhaltend vereinfacht, bis die Datei das Größenbudget einhält.")

    def name(self) -> str:
        return "htmlmap"

    def displayName(self) -> str:
        return "HTML-Karte schreiben"

    def initAlgorithm(self, config=None) -> None:
        self.add_input(numeric_field=False)
        self.addParameter(QgsProcessingParameterField(
            "FIELD", "Zahlenfelder", parentLayerParameterName="INPUT",
            type=FIELD_NUMERIC, allowMultiple=True))
        self.addParameter(QgsProcessingParameterField(
            "NAME_FIELD", "Namensfeld", parentLayerParameterName="INPUT", optional=True))
        self.addParameter(QgsProcessingParameterEnum(
            "KIND", "Kartenart", options=KIND_LABELS, defaultValue=0))
        self.addParameter(QgsProcessingParameterEnum(
            "SCHEME", "Klassifikation", options=SCHEME_LABELS, defaultValue=0))
        self.addParameter(QgsProcessingParameterNumber(
            "CLASSES", "Anzahl Klassen", defaultValue=5, minValue=2, maxValue=9))
        self.addParameter(QgsProcessingParameterString(
            "TITLE", "Titel", optional=True))
        self.addParameter(QgsProcessingParameterField(
            "OUTLINE_FIELD", "Umrisse von Gruppen (z. B. Sozialraum-Feld; leer: Kreisgrenzen, "
            "wenn mehrere Kreise)", parentLayerParameterName="INPUT", optional=True))
        self.addParameter(QgsProcessingParameterString(
            "ATTRIBUTION", "Quellenvermerk der Geometrien (leer: bei VG250/VG5000 "
            "„© GeoBasis-DE / BKG (Jahr)“ aus dem Feld WSK)", optional=True))
        self.addParameter(QgsProcessingParameterEnum(
            "BASEMAP", "Hintergrundkarte (lädt Kacheln von basemap.de, BKG)",
            options=BASEMAP_LABELS, defaultValue=0))
        self.add_weights()
        add_quantile_parameters(self)
        self.add_inference(local=True, statistic=None)
        self.addParameter(QgsProcessingParameterNumber(
            "MAX_BYTES", "Größenbudget in Bytes (0 = automatisch)", defaultValue=0,
            minValue=0))
        self.addParameter(QgsProcessingParameterFileDestination(
            "OUTPUT", "HTML-Karte", fileFilter="HTML (*.html)"))
        self.addOutput(QgsProcessingOutputNumber("SIZE", "Dateigröße in Bytes"))
        self.addOutput(QgsProcessingOutputNumber("TOLERANCE", "Vereinfachungstoleranz (m)"))

    def compute(self, parameters, context, feedback):
        from geosozial.maps.html import MapDocument, html_budget, render_map

        source = self.source(parameters, context)
        key = self.parameterAsString(parameters, "KEY_FIELD", context)
        fields = self.parameterAsFields(parameters, "FIELD", context)
        if not fields:
            raise QgsProcessingException("Bitte mindestens ein Zahlenfeld wählen.")
        name_field = self.parameterAsString(parameters, "NAME_FIELD", context) or None
        kind = KINDS[self.parameterAsEnum(parameters, "KIND", context)]
        scheme = SCHEMES[self.parameterAsEnum(parameters, "SCHEME", context)]
        k = self.parameterAsInt(parameters, "CLASSES", context)
        if kind == "choropleth":
            areas = read_areas(source, key, fields, feedback, name_field=name_field,
                               what=source.sourceName(), keep_missing=True)
            log_notices(feedback, areas.notices)
            layers = [_choropleth(f, areas.values[f], scheme, k) for f in fields]
            note, heading = "", ", ".join(fields)
        else:
            statistic = STATISTIC_OF[kind]
            options: dict = {}
            if statistic == "geary":
                options["more"] = fields[1:]
            elif len(fields) > 1:
                feedback.pushInfo(f"Nur {fields[0]} wird untersucht; weitere Zahlenfelder "
                                  "gelten nur für das lokale Geary (multivariat): "
                                  + ", ".join(fields[1:]))
            if statistic == "quantile":
                options.update(quantile_options(self, parameters, context))
            run = self.local_statistic(parameters, context, feedback, statistic, fields[0],
                                       name_field=name_field, **options)
            areas = run.areas
            layers, note, heading = analysis_layers(run, scheme, k)
            feedback.pushInfo("Methode: " + note)
        title = self.parameterAsString(parameters, "TITLE", context) or heading
        from geosozial.maps.notes import geobasis_text, map_date

        edition = self.edition(parameters, context, source)  # the whole layer's WSK
        attribution = self.parameterAsString(parameters, "ATTRIBUTION", context) or \
            geobasis_text([int(edition[:4])] if edition else [])
        doc = MapDocument(title=title, geojson='{"type":"FeatureCollection","features":[]}',
                          names=areas.names, keys=areas.keys, layers=layers,
                          attribution=attribution, source=source.sourceName(),
                          method_note=note, date=map_date("de"),
                          basemap=BASEMAPS[self.parameterAsEnum(parameters, "BASEMAP", context)])
        budget = self.parameterAsInt(parameters, "MAX_BYTES", context) or \
            html_budget(len(areas.keys))
        fixed = len(render_map(doc).encode("utf-8"))
        feedback.setProgress(60)
        from geosozial.core.keys import kreis_outline_groups

        outline_field = self.parameterAsString(parameters, "OUTLINE_FIELD", context)
        groups = ([field_text(f[outline_field]) for f in areas.features] if outline_field
                  else kreis_outline_groups(areas.keys))
        geojson, outlines, tolerance = fit_geojson(areas, budget - fixed, feedback, groups)
        doc.geojson, doc.outlines = geojson, outlines
        page = render_map(doc)
        path = self.parameterAsFileOutput(parameters, "OUTPUT", context)
        from geosozial.core.outputs import atomic_write_bytes, check_outputs

        check_outputs([("OUTPUT", path, "html")])
        atomic_write_bytes(path, page.encode("utf-8"))
        size = len(page.encode("utf-8"))
        feedback.pushInfo(f"Karte: {size} Bytes (Budget {budget}), Toleranz {tolerance:.0f} m")
        if size > budget:
            push_warning(feedback, f"Die Karte ist größer als das Budget ({size} > {budget}).")
        return {"OUTPUT": path, "SIZE": size, "TOLERANCE": tolerance}


def analysis_layers(run, scheme: str = "quantiles", k: int = 5):
    """The layers of a local statistic's map, as the command line's: the class and
    significance layers from :func:`geosozial.maps.analysis.analysis_layers` (the one
    rule: q beside the class, significance from the corrected p), labelled from the
    indicator catalogue, and the values; the method line and the title."""
    import numpy as np

    from geosozial.core.results import column_names, result_columns
    from geosozial.maps.analysis import analysis_layers as layers_of
    from geosozial.maps.analysis import field_label
    from geosozial.maps.notes import method_line

    method, kind, field = run.method, run.kind, run.field
    label, unit = field_label(field)
    columns = result_columns(kind, run.result)
    values = run.areas.values[field]
    islands = None
    if kind == "gi":
        islands = np.zeros(len(values), dtype=bool)
        islands[np.asarray(run.weights.islands, dtype=np.int64)] = True
        islands = islands.tolist()
    main, sig, heading = layers_of(kind, {c: columns[c] for c in column_names(kind)},
                                   method, label=label, unit=unit, values=values,
                                   islands=islands)
    return [main, sig, _choropleth(field, values, scheme, k)], method_line(method), heading


def _choropleth(field: str, values: np.ndarray, scheme: str, k: int):
    from geosozial.maps.analysis import field_label
    from geosozial.maps.layers import choropleth_layer

    label, unit = field_label(field)
    return choropleth_layer([None if v != v else float(v) for v in values], id=field,
                            label=label, unit=unit, scheme=scheme, k=k)


def fit_geojson(areas, budget: int, feedback=None, groups=None
                ) -> tuple[str, str | None, float]:
    """GeoJSON of the areas (simplified as a coverage) and of the group outlines (or
    None), together within ``budget`` bytes; and the tolerance used."""
    from geosozial.maps.arcs import precision_for, simplify_coverage

    features = [polygons(g) for g in areas.geometries]
    xs = [ring[:, 0] for f in features for p in f for ring in p]
    ys = [ring[:, 1] for f in features for p in f for ring in p]
    if not xs:
        return '{"type":"FeatureCollection","features":[]}', None, 0.0
    diagonal = math.hypot(np.ptp(np.concatenate(xs)), np.ptp(np.concatenate(ys)))
    to_wgs84 = QgsCoordinateTransform(areas.crs, QgsCoordinateReferenceSystem("EPSG:4326"),
                                      QgsProject.instance())
    tolerance = diagonal / 2000
    text, outlines = "", None
    for _ in range(MAX_ROUNDS):
        if feedback is not None and feedback.isCanceled():
            raise QgsProcessingException("abgebrochen")
        simplified = simplify_coverage(features, tolerance, is_valid=_valid,
                                       find_conflicts=overlapping)
        precision = precision_for(tolerance)
        text = encode(simplified, to_wgs84, precision)
        outlines = group_outlines(simplified, groups, to_wgs84, precision) if groups else None
        if len(text) + len(outlines or "") <= budget:
            break
        tolerance *= GROWTH
    return text, outlines, tolerance


def group_outlines(features, groups, transform, precision: int) -> str | None:
    """Lines between groups of the simplified areas (each edge once, outer edge left out)
    as GeoJSON in WGS84, or None when there is only one group."""
    by_group: dict[str, list[QgsGeometry]] = {}
    for feature, group in zip(features, groups, strict=True):
        if group and feature:
            by_group.setdefault(group, []).append(_geometry(feature))
    if len(by_group) < 2:
        return None
    dissolved = [_dissolve(parts) for _, parts in sorted(by_group.items())]
    dissolved = [g for g in dissolved if g is not None]
    outer = _dissolve(dissolved)
    if outer is None or len(dissolved) < 2:
        return None
    boundaries = [QgsGeometry(g.constGet().boundary()) for g in dissolved]
    inner = QgsGeometry.unaryUnion(boundaries).difference(QgsGeometry(outer.constGet().boundary()))
    lines = inner.mergeLines()
    parts = lines.asMultiPolyline() if lines.isMultipart() else [lines.asPolyline()]
    out = []
    for line in parts:
        coords = []
        for point in line:
            p = transform.transform(point)
            c = [round(p.x(), precision), round(p.y(), precision)]
            if not coords or c != coords[-1]:
                coords.append(c)
        if len(coords) >= 2:
            out.append({"type": "Feature", "properties": {},
                        "geometry": {"type": "LineString", "coordinates": coords}})
    if not out:
        return None
    return json.dumps({"type": "FeatureCollection", "features": out}, separators=(",", ":"))


def _dissolve(parts: list[QgsGeometry]) -> QgsGeometry | None:
    """Union of polygons; a failed GEOS union is retried on buffer(0) copies."""
    union = QgsGeometry.unaryUnion(parts)
    if union.isNull() or union.constGet() is None:
        union = QgsGeometry.unaryUnion([p.buffer(0, 1) for p in parts])
    return None if union.isNull() or union.constGet() is None else union


def _geometry(feature) -> QgsGeometry:
    return QgsGeometry.fromMultiPolygonXY(
        [[[QgsPointXY(x, y) for x, y in ring] for ring in polygon] for polygon in feature])


def overlapping(features) -> list[int]:
    """Features whose simplified polygon overlaps another one (area > 1 m²)."""
    geoms = [_geometry(f) if f else QgsGeometry() for f in features]
    index = QgsSpatialIndex()
    for i, geom in enumerate(geoms):
        if not geom.isEmpty():
            index.addFeature(i, geom.boundingBox())
    bad = set()
    for i, geom in enumerate(geoms):
        if geom.isEmpty():
            continue
        for j in index.intersects(geom.boundingBox()):
            if j <= i or geoms[j].isEmpty():
                continue
            if geom.intersects(geoms[j]) and geom.intersection(geoms[j]).area() > 1.0:
                bad.update((i, j))
    return sorted(bad)


def _valid(feature) -> bool:
    return _geometry(feature).isGeosValid()


MAX_DECIMALS = 7
REFINE_ROUNDS = 3


def encode(features, transform, precision: int) -> str:
    """A compact FeatureCollection (property ``i``) in WGS84, rounded to ``precision``.

    Rounding is a function of the coordinate, so neighbours' shared vertices stay
    identical; where rounding makes a polygon invalid, the vertices of that polygon (and
    so the neighbours' copies) get one decimal more, up to 7.
    """
    lonlat = [[[[(p.x(), p.y()) for p in (transform.transform(QgsPointXY(x, y))
                                          for x, y in ring)] for ring in polygon]
               for polygon in feature] for feature in features]
    level: dict[tuple[float, float], int] = {}
    for _ in range(REFINE_ROUNDS + 1):
        geometries = [_rounded(feature, level, precision) for feature in lonlat]
        invalid = [i for i, polys in enumerate(geometries)
                   if polys and not _geometry(polys).isGeosValid()]
        if not invalid:
            break
        for i in invalid:
            for polygon in lonlat[i]:
                for ring in polygon:
                    for point in ring:
                        level[point] = min(MAX_DECIMALS, level.get(point, precision) + 1)
    out = []
    for i, polys in enumerate(geometries):
        geometry = ({"type": "MultiPolygon", "coordinates": polys} if len(polys) > 1 else
                    {"type": "Polygon", "coordinates": polys[0]} if polys else None)
        out.append({"type": "Feature", "properties": {"i": i}, "geometry": geometry})
    return json.dumps({"type": "FeatureCollection", "features": out}, separators=(",", ":"))


def _rounded(feature, level: dict, precision: int) -> list:
    polys = []
    for polygon in feature:
        rings = []
        for ring in polygon:
            coords = []
            for point in ring:
                d = level.get(point, precision)
                c = [round(point[0], d), round(point[1], d)]
                if not coords or c != coords[-1]:
                    coords.append(c)
            if len(coords) >= 4:
                rings.append(coords)
        if rings:
            polys.append(rings)
    return polys
