"""geosozial:htmlmap - the self-contained HTML map from a QGIS layer.

Geometry: the command line's (:mod:`geosozial.maps.geometry`, numpy only, no shapely
in QGIS): shared arcs simplified once, lon/lat computed by the core (not by QGIS's
transformation), rounded; the tolerance grows until the file meets the size budget, so
both doors write the same bytes. The page itself is
written by :mod:`geosozial.maps.html` (folium map, Leaflet inlined, no request to any
other host), with the layers of :mod:`geosozial.maps.layers`.
"""

from __future__ import annotations

import numpy as np
from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsGeometry,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingParameterEnum,
    QgsProcessingParameterField,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
    QgsProject,
)

from .alg_base import GeosozialAlgorithm, log_notices, push_warning
from .alg_stats import add_quantile_parameters, quantile_options
from .compat import FIELD_NUMERIC
from .qgis_arrays import core_features, field_text, read_areas

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
        from geosozial.maps.html import MapDocument, html_budget

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
        feedback.setProgress(60)
        from geosozial.core.keys import kreis_outline_groups

        outline_field = self.parameterAsString(parameters, "OUTLINE_FIELD", context)
        groups = ([field_text(f[outline_field]) for f in areas.features] if outline_field
                  else kreis_outline_groups(areas.keys))
        fitted = fit_page(doc, areas, budget, feedback, groups)
        tolerance = fitted.geometry.tolerance
        path = self.parameterAsFileOutput(parameters, "OUTPUT", context)
        from geosozial.core.outputs import atomic_write_bytes, check_outputs

        check_outputs([("OUTPUT", path, "html")])
        page = fitted.html.encode("utf-8")
        atomic_write_bytes(path, page)
        size = len(page)
        feedback.pushInfo(f"Karte: {size} Bytes (Budget {budget}), Toleranz {tolerance:.0f} m")
        log_notices(feedback, [n for n in fitted.notices if n.severity != "info"])
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


def fit_page(doc, areas, budget: int | None, feedback=None, groups=None):
    """``doc`` rendered with the areas' map geometry within ``budget`` bytes: the command
    line's rule (:func:`geosozial.maps.geometry.fit_map`, numpy only), so both write the
    same page. ``areas`` needs ``geometries`` and ``crs``."""
    from geosozial.core.messages import GeosozialError
    from geosozial.maps.geometry import fit_map

    features, epsg, note = map_features(areas.geometries, areas.crs)
    if note and feedback is not None:
        feedback.pushInfo(note)
    try:
        return fit_map(doc, features, epsg, groups=groups, max_bytes=budget)
    except GeosozialError as error:
        raise QgsProcessingException(error.text("de")) from None


def map_features(geometries, crs) -> tuple[list, int, str]:
    """The geometries as core features (rings from their WKB, as the command line reads
    them) in a CRS :func:`geosozial.maps.geometry.map_epsg` converts itself; any other is
    first transformed by QGIS to ETRS89/UTM (the zone of the extent). Returns features,
    EPSG code and a note on the transformation (or "")."""
    from geosozial.core.analysis import utm_epsg_for
    from geosozial.maps.geometry import map_epsg

    authid = crs.authid() if crs is not None else ""
    epsg = map_epsg(int(authid[5:])) if authid.startswith("EPSG:") and \
        authid[5:].isdigit() else None
    note = ""
    if epsg is None:
        present = [g for g in geometries if g is not None and not g.isNull()]
        to_lonlat = QgsCoordinateTransform(crs, QgsCoordinateReferenceSystem("EPSG:4326"),
                                           QgsProject.instance())
        box = None
        for geom in present:
            if box is None:
                box = geom.boundingBox()
            else:
                box.combineExtentWith(geom.boundingBox())
        extent = to_lonlat.transformBoundingBox(box) if box is not None else None
        epsg = utm_epsg_for((extent.xMinimum(), extent.yMinimum(), extent.xMaximum(),
                             extent.yMaximum()) if extent is not None else (9, 50, 9, 50))
        target = QgsCoordinateReferenceSystem(f"EPSG:{epsg}")
        transform = QgsCoordinateTransform(crs, target, QgsProject.instance())
        moved = []
        for geom in geometries:
            if geom is None or geom.isNull():
                moved.append(geom)
                continue
            copy = QgsGeometry(geom)
            copy.transform(transform)
            moved.append(copy)
        geometries = moved
        note = (f"KBS {authid or crs.description()} für die Karte nach EPSG:{epsg} "
                "umprojiziert; vereinfacht wird nie in Grad.")
    return core_features(geometries), epsg, note
