"""Years on one Gebietsstand: crosswalks and emerging hot spots as Processing algorithms.

- ``geosozial:crosswalkapply`` brings the counts of a table onto a new Gebietsstand with
  a crosswalk file (CSV ``alt;neu;anteil`` or a BBSR workbook), as ``geosozial crosswalk
  apply``: :func:`geosozial.core.crosswalk_files.read_crosswalk` and
  :func:`geosozial.core.crosswalk.apply_crosswalk`.
- ``geosozial:crosswalkderive`` derives the crosswalk from two editions of municipality
  polygons, as ``geosozial crosswalk derive``: the overlay is QGIS geometry (both
  editions in the old edition's metric CRS), the pieces go to
  :func:`geosozial.core.crosswalk.crosswalk_from_overlay`.
- ``geosozial:emerginghotspots`` runs the emerging hot-spot analysis over one layer per
  year, as ``geosozial trends``: the kernel's
  :func:`geosozial.kernel.trends.emerging_hotspots_years` with the columns, words and
  notices of :mod:`geosozial.core.emerging`.

The algorithms only convert layers and files to the core's arrays and back.
"""

from __future__ import annotations

import math
from pathlib import Path

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsFeature,
    QgsFields,
    QgsGeometry,
    QgsProcessingException,
    QgsProcessingFeatureSource,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterMultipleLayers,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
    QgsProcessingUtils,
    QgsProject,
    QgsSpatialIndex,
    QgsWkbTypes,
)

from .alg_base import (
    CORRECTION_LABELS,
    CORRECTIONS,
    PERMUTATIONS_HELP,
    PERMUTATIONS_LABEL,
    GeosozialAlgorithm,
    build_weights,
    log_notices,
)
from .alg_join import (
    JoinAlgorithm,
    add_crosswalk_parameters,
    add_table_parameters,
    read_crosswalk_parameter,
)
from .compat import (
    DOUBLE,
    FAST_INSERT,
    FIELD_TYPES,
    NUMBER_DOUBLE,
    SOURCE_ANY,
    SOURCE_POLYGON,
    STRING,
    _pick,
    new_field,
)
from .qgis_arrays import field_text, plain_value, read_area_features, read_areas

NO_GEOMETRY = _pick("WkbType", "NoGeometry", QgsWkbTypes.Type.NoGeometry)
#: the marks of converted values, as the command line's ``Kennzeichen`` column
CONVERSION_FLAGS = ("umgeschluesselt", "geschaetzt")


def _define_messages() -> None:
    from geosozial.core.messages import define

    define("qgis.ehs_year",
           de="{layer}: kein Jahr erkennbar (keine Jahreszahl im Layernamen oder im "
           "Dateinamen {file}); bitte die Jahre angeben (YEARS, z. B. 2021;2022;2023).",
           en="{layer}: no year found (no year in the layer name or the file name {file}); "
           "please give the years (YEARS, e.g. 2021;2022;2023).")
    define("qgis.ehs_years_count",
           de="YEARS nennt {n} Jahre ({years}), angegeben sind {layers} Layer.",
           en="YEARS names {n} years ({years}), {layers} layers are given.")
    define("qgis.ehs_year_text",
           de="YEARS: {value!r} ist keine Jahreszahl; erwartet werden die Jahre der Layer in "
           "ihrer Reihenfolge, z. B. 2021;2022;2023.",
           en="YEARS: {value!r} is not a year; the years of the layers in their order are "
           "expected, e.g. 2021;2022;2023.")
    define("qgis.ehs_same_year",
           de="Das Jahr {year} kommt zweimal vor ({first}, {second}).",
           en="The year {year} occurs twice ({first}, {second}).")
    define("qgis.field_replaced",
           de="{file}: Feld {field} gibt es schon; es wird durch die neu berechneten Werte "
           "ersetzt.",
           en="{file}: there is already a field {field}; it is replaced by the new values.")
    define("qgis.field_exists",
           de="{file}: Feld {field} gibt es schon; bitte umbenennen.",
           en="{file}: there is already a field {field}; please rename it.")


def _sink_or_fail(sink) -> None:
    if sink is None:
        raise QgsProcessingException("Ausgabe kann nicht geschrieben werden.")


# --- geosozial:crosswalkapply ------------------------------------------------------------


class CrosswalkApplyAlgorithm(GeosozialAlgorithm):
    """geosozial:crosswalkapply - ``geosozial crosswalk apply`` for a table file or layer."""

    HELP = ("Rechnet die Zählwerte einer Tabelle mit einem Umsteigeschlüssel auf einen neuen "
            "Gebietsstand um, mit denselben Regeln wie 'geosozial crosswalk apply': je neuem "
            "Schlüssel die Summe von Wert × Anteil seiner Vorgänger. Werte aus ganzen "
            "Gemeinden (Zusammenschlüsse, neue Schlüssel) sind exakt und tragen das "
            "Kennzeichen 'umgeschluesselt', Werte aus Anteilen unter 1 (Aufteilungen) "
            "'geschaetzt'; ein gesperrter oder fehlender Vorgängerwert macht den neuen Wert "
            "gesperrt bzw. fehlend, nie null. Quoten werden nicht umgerechnet, sondern aus "
            "umgerechneten Zählern und Nennern neu berechnet (eine Spalte, die keine Anzahl "
            "ist, wird abgelehnt). Enthält die Tabelle eine neue Gemeinde und zugleich ihre "
            "früheren Gemeinden, ist es ein Fehler (doppelt gezählt). Die Tabelle als Datei "
            "(GENESIS/Regionalstatistik-CSV, XLSX, CSV) oder als geladener Layer; der "
            "Umsteigeschlüssel als CSV (alt;neu;anteil, z. B. von 'Umsteigeschlüssel "
            "ableiten') oder als BBSR-Umsteigeschlüssel (XLSX, Tabellenblatt = Jahr des "
            "alten Stands, Anteile flächen-, bevölkerungs- oder beschäftigtenproportional). "
            "Ausgabe: eine Tabelle mit AGS, Name, den Werten mit <Spalte>_flag, dem "
            "Kennzeichen und dem Gebietsstand.")

    def name(self) -> str:
        return "crosswalkapply"

    def displayName(self) -> str:
        return "Tabelle auf einen neuen Gebietsstand umrechnen (Umsteigeschlüssel)"

    # the table is read exactly as geosozial:join reads it (same parameters)
    table = JoinAlgorithm.table
    decimal = JoinAlgorithm.decimal

    def initAlgorithm(self, config=None) -> None:
        add_table_parameters(self, "Tabellenblatt der Tabelle (nur XLSX; leer: das erste)",
                             "Zählwerte, die umgerechnet werden (leer: alle Wertspalten)")
        add_crosswalk_parameters(self, "Umsteigeschlüssel (CSV alt;neu;anteil oder BBSR-XLSX)",
                                 optional=False)
        self.addParameter(QgsProcessingParameterString(
            "GEBIETSSTAND", "Ziel-Gebietsstand, z. B. 31.12.2021 (wenn der Umsteigeschlüssel "
            "ihn nicht nennt)", optional=True))
        self.addParameter(QgsProcessingParameterFeatureSink(
            "OUTPUT", "Umgerechnete Tabelle", SOURCE_ANY))
        self.addOutput(QgsProcessingOutputNumber("ROWS", "Zeilen"))
        self.addOutput(QgsProcessingOutputString("GEBIETSSTAND_OUT", "Gebietsstand"))
        self.addOutput(QgsProcessingOutputString("NOTICES", "Hinweise"))

    def crosswalk(self, parameters, context):
        """The crosswalk file as the core reads it (:func:`alg_join.read_crosswalk_parameter`:
        a sheet or share the core refuses is named by its parameter)."""
        cw = read_crosswalk_parameter(
            self, parameters, context,
            gebietsstand=self.optional_string(parameters, "GEBIETSSTAND", context) or "")
        if cw is None:
            raise QgsProcessingException("Bitte einen Umsteigeschlüssel angeben (CROSSWALK).")
        return cw

    def compute(self, parameters, context, feedback):
        from geosozial.core.columns import flag_column
        from geosozial.core.crosswalk import apply_crosswalk

        cw = self.crosswalk(parameters, context)
        columns = self.parameterAsFields(parameters, "FIELDS", context) or None
        table = self.table(parameters, context, columns)
        feedback.setProgress(30)
        converted = apply_crosswalk(table, cw, columns, gebietsstand=cw.gebietsstand)
        notices = [*cw.notices, *converted.notices]
        log_notices(feedback, notices)
        stand = converted.meta.get("Gebietsstand", "")
        names = converted.value_columns
        fields = QgsFields()
        for name, kind in (("AGS", STRING), ("Name", STRING)):
            fields.append(new_field(name, kind))
        for column in names:
            fields.append(new_field(column, DOUBLE))
            fields.append(new_field(flag_column(column), STRING))
        fields.append(new_field("Kennzeichen", STRING))
        fields.append(new_field("Gebietsstand", STRING))
        sink, dest_id = self.parameterAsSink(parameters, "OUTPUT", context, fields,
                                             NO_GEOMETRY, QgsCoordinateReferenceSystem())
        _sink_or_fail(sink)
        for i, key in enumerate(converted.keys):
            cells: list = [key, converted.names[i]]
            for column in names:
                value = float(converted.values[column][i])
                cells += [None if math.isnan(value) else value, converted.flags[column][i]]
            marks = sorted({converted.flags[c][i] for c in names} & set(CONVERSION_FLAGS))
            cells += [", ".join(marks), stand]
            out = QgsFeature(fields)
            out.setAttributes(cells)
            sink.addFeature(out, FAST_INSERT)
        lines = cw.report("de")
        if lines:
            feedback.pushInfo(f"Gebietsänderungen im Umsteigeschlüssel: {len(lines)}")
            for line in lines:
                feedback.pushInfo("  " + line)
        feedback.pushInfo(f"Umgerechnet: {len(converted.keys)} Zeilen, Zählwerte "
                          f"{', '.join(names) or 'keine'}; Gebietsstand {stand}")
        return {"OUTPUT": dest_id, "ROWS": len(converted.keys), "GEBIETSSTAND_OUT": stand,
                "NOTICES": "\n".join(f"[{n.severity}] {n.text('de')}" for n in notices)}


# --- geosozial:crosswalkderive -----------------------------------------------------------


class CrosswalkDeriveAlgorithm(GeosozialAlgorithm):
    """geosozial:crosswalkderive - ``geosozial crosswalk derive`` for two polygon layers."""

    HELP = ("Leitet einen Umsteigeschlüssel aus zwei Gebietsständen der Gemeindeflächen ab, "
            "wie 'geosozial crosswalk derive': beide Stände werden verschnitten (im "
            "metrischen KBS des alten Stands; ein geografisches KBS wird nach ETRS89/UTM "
            "transformiert), jede alte Gemeinde geht ganz an die neue, die den größten Teil "
            "ihrer Fläche enthält. Teile in anderen neuen Gemeinden unter der Toleranz "
            "(Anteil der Fläche, Standard 0,2) sind Generalisierungsunterschiede (VG250 gegen "
            "VG5000 gegen vereinfachte Dateien) und werden nur gemeldet; ein Teil ab der "
            "Toleranz macht eine Aufteilung mit Flächenanteilen. Jede Gebietsänderung "
            "(eingegliedert, zusammengeschlossen, neuer Schlüssel, aufgeteilt) steht im "
            "Protokoll. Ausgabe: eine Tabelle alt, name_alt, neu, name_neu, anteil, "
            "gebietsstand wie die CSV-Datei der Befehlszeile; sie kann als CSV gespeichert "
            "und in 'Tabelle auf einen neuen Gebietsstand umrechnen' verwendet werden.")

    def name(self) -> str:
        return "crosswalkderive"

    def displayName(self) -> str:
        return "Umsteigeschlüssel aus zwei Gebietsständen ableiten"

    def initAlgorithm(self, config=None) -> None:
        self.addParameter(QgsProcessingParameterFeatureSource(
            "OLD", "Gemeinden des alten Gebietsstands (Flächen)", [SOURCE_POLYGON]))
        self.addParameter(QgsProcessingParameterField(
            "OLD_KEY_FIELD", "Schlüsselfeld des alten Stands (Standard AGS)",
            parentLayerParameterName="OLD", defaultValue="AGS", optional=True))
        self.addParameter(QgsProcessingParameterFeatureSource(
            "NEW", "Gemeinden des neuen Gebietsstands (Flächen)", [SOURCE_POLYGON]))
        self.addParameter(QgsProcessingParameterField(
            "NEW_KEY_FIELD", "Schlüsselfeld des neuen Stands (Standard AGS)",
            parentLayerParameterName="NEW", defaultValue="AGS", optional=True))
        self.addParameter(QgsProcessingParameterString(
            "PREFIX", "Nur Schlüssel mit diesem Anfang (z. B. 14 für Sachsen; leer: alle)",
            optional=True))
        self.addParameter(QgsProcessingParameterNumber(
            "TOLERANCE", "Toleranz: Flächenanteile darunter gelten als "
            "Generalisierungsunterschied", type=NUMBER_DOUBLE, defaultValue=0.2,
            minValue=0.0, maxValue=1.0))
        self.addParameter(QgsProcessingParameterString(
            "GEBIETSSTAND", "Gebietsstand des neuen Stands, z. B. 31.12.2021", optional=True))
        self.addParameter(QgsProcessingParameterFeatureSink(
            "OUTPUT", "Umsteigeschlüssel", SOURCE_ANY))
        self.addOutput(QgsProcessingOutputNumber("CHANGES", "Gebietsänderungen"))
        self.addOutput(QgsProcessingOutputString("REPORT", "Gebietsänderungen (Text)"))

    def edition_areas(self, parameters, name: str, key_name: str, prefix: str | None,
                      context, feedback):
        """Keys, names and repaired metric geometries of one edition (the core's key
        rule; only keys starting with ``prefix``, as ``--prefix``)."""
        source = self.parameterAsSource(parameters, name, context)
        if source is None:
            raise QgsProcessingException(f"{name}: Layer fehlt oder kann nicht gelesen werden.")
        key = self.parameterAsString(parameters, key_name, context) or "AGS"
        areas = read_areas(source, key, [], feedback, what=source.sourceName())
        if prefix:
            keep = [i for i, k in enumerate(areas.keys) if k.startswith(prefix)]
            areas.features = [areas.features[i] for i in keep]
            areas.keys = [areas.keys[i] for i in keep]
            areas.names = [areas.names[i] for i in keep]
            areas.geometries = [areas.geometries[i] for i in keep]
        return source, areas

    def compute(self, parameters, context, feedback):
        from geosozial.core.crosswalk import crosswalk_from_overlay

        prefix = self.optional_string(parameters, "PREFIX", context)
        old_source, old = self.edition_areas(parameters, "OLD", "OLD_KEY_FIELD", prefix,
                                             context, feedback)
        feedback.setProgress(30)
        new_source, new = self.edition_areas(parameters, "NEW", "NEW_KEY_FIELD", prefix,
                                             context, feedback)
        feedback.setProgress(60)
        geometries = new.geometries
        if new.crs != old.crs:  # both in the old edition's metric CRS, as the CLI
            transform = QgsCoordinateTransform(new.crs, old.crs, QgsProject.instance())
            geometries = []
            for geom in new.geometries:
                geom = QgsGeometry(geom)
                if not geom.isEmpty():
                    geom.transform(transform)
                geometries.append(geom)
        pieces = overlay_pieces(old.keys, old.geometries, new.keys, geometries, feedback)
        feedback.setProgress(90)
        tolerance = self.parameterAsDouble(parameters, "TOLERANCE", context)
        cw = crosswalk_from_overlay(
            old.keys, [g.area() if not g.isEmpty() else 0.0 for g in old.geometries], pieces,
            tolerance=tolerance, old_names=dict(zip(old.keys, old.names, strict=True)),
            new_names=dict(zip(new.keys, new.names, strict=True)),
            source=f"{old_source.sourceName()} → {new_source.sourceName()}")
        cw.gebietsstand = self.optional_string(parameters, "GEBIETSSTAND", context) or ""
        log_notices(feedback, [*old.notices, *new.notices, *cw.notices])
        lines = cw.report("de")
        feedback.pushInfo(f"Änderungen: {len(lines)}")
        for line in lines:
            feedback.pushInfo("  " + line)
        differences = cw.differences("de")
        if differences:
            feedback.pushInfo("Generalisierungsunterschiede (keine Gebietsänderung): "
                              f"{len(cw.noise)}")
            for line in differences:
                feedback.pushInfo("  " + line)
        fields = QgsFields()
        for name, kind in (("alt", STRING), ("name_alt", STRING), ("neu", STRING),
                           ("name_neu", STRING), ("anteil", DOUBLE), ("gebietsstand", STRING)):
            fields.append(new_field(name, kind))
        sink, dest_id = self.parameterAsSink(parameters, "OUTPUT", context, fields,
                                             NO_GEOMETRY, QgsCoordinateReferenceSystem())
        _sink_or_fail(sink)
        for o, n, share in cw.rows:
            out = QgsFeature(fields)
            out.setAttributes([o, cw.old_names.get(o, ""), n, cw.new_names.get(n, ""),
                               float(share), cw.gebietsstand])
            sink.addFeature(out, FAST_INSERT)
        return {"OUTPUT": dest_id, "CHANGES": len(lines), "REPORT": "\n".join(lines)}


def overlay_pieces(old_keys, old_geometries, new_keys, new_geometries, feedback=None
                   ) -> list[tuple[str, str, float]]:
    """``(old key, new key, area)`` of every pair with a common area (both in one metric
    CRS), in the order of the old areas: the input of
    :func:`geosozial.core.crosswalk.crosswalk_from_overlay`."""
    index = QgsSpatialIndex()
    for j, geom in enumerate(new_geometries):
        if not geom.isEmpty():
            index.addFeature(j, geom.boundingBox())
    pieces = []
    total = len(old_geometries) or 1
    for i, geom in enumerate(old_geometries):
        if feedback is not None:
            if feedback.isCanceled():
                raise QgsProcessingException("abgebrochen")
            feedback.setProgress(60 + 30 * i / total)
        if geom.isEmpty():
            continue
        engine = QgsGeometry.createGeometryEngine(geom.constGet())
        engine.prepareGeometry()
        for j in sorted(index.intersects(geom.boundingBox())):
            other = new_geometries[j]
            # as the command line: pairs that only touch have no common area
            if not engine.intersects(other.constGet()) or engine.touches(other.constGet()):
                continue
            area = geom.intersection(other).area()
            if area > 0:
                pieces.append((old_keys[i], new_keys[j], float(area)))
    return pieces


# --- geosozial:emerginghotspots ----------------------------------------------------------


class YearLayersAlgorithm(GeosozialAlgorithm):
    """One polygon layer per year (LAYERS) and their years (YEARS, else the layer or
    file names): the inputs of geosozial:emerginghotspots and geosozial:dynamics."""

    def add_year_inputs(self) -> None:
        """LAYERS, YEARS, FIELD and KEY_FIELD (default ``key``, else AGS)."""
        self.addParameter(QgsProcessingParameterMultipleLayers(
            "LAYERS", "Gebiete je Jahr (ein Layer je Jahr, gleicher Gebietsstand)",
            SOURCE_POLYGON))
        self.addParameter(QgsProcessingParameterString(
            "YEARS", "Jahre der Layer in ihrer Reihenfolge, z. B. 2021;2022;2023 (leer: aus "
            "Layer- oder Dateinamen)", optional=True))
        self.addParameter(QgsProcessingParameterString(
            "FIELD", "Zu untersuchendes Zahlenfeld (in jedem Jahr)"))
        self.addParameter(QgsProcessingParameterString(
            "KEY_FIELD", "Schlüsselfeld (Standard key, sonst AGS)", defaultValue="key"))

    def year_layers(self, parameters, context) -> list[tuple[int, object]]:
        """(year, layer) in ascending years: YEARS in the order of the layers, else the
        year in each layer's name or source file name."""
        from geosozial.core.emerging import year_in_name
        from geosozial.core.messages import GeosozialError

        _define_messages()
        layers = self.parameterAsLayerList(parameters, "LAYERS", context)
        if not layers:
            raise QgsProcessingException("LAYERS: bitte je Jahr einen Flächenlayer angeben.")
        text = self.parameterAsString(parameters, "YEARS", context) or ""
        given = [part for part in text.replace(",", ";").replace(" ", ";").split(";")
                 if part.strip()]
        years: list[int] = []
        if given:
            for part in given:
                if not (part.strip().isdigit() and len(part.strip()) == 4):
                    raise GeosozialError("qgis.ehs_year_text", value=part.strip())
                years.append(int(part))
            if len(years) != len(layers):
                raise GeosozialError("qgis.ehs_years_count", n=len(years),
                                     years=", ".join(map(str, years)), layers=len(layers))
        else:
            for layer in layers:
                file = Path(layer.source().split("|")[0]).name
                year = year_in_name(layer.name()) or year_in_name(file)
                if year is None:
                    raise GeosozialError("qgis.ehs_year", layer=layer.name(), file=file)
                years.append(year)
        seen: dict[int, str] = {}
        for year, layer in zip(years, layers, strict=True):
            if year in seen:
                raise GeosozialError("qgis.ehs_same_year", year=year, first=seen[year],
                                     second=layer.name())
            seen[year] = layer.name()
        return sorted(zip(years, layers, strict=True), key=lambda pair: pair[0])

    def key_field(self, parameters, context, names) -> str:
        """KEY_FIELD; the default ``key`` of the command line's per-year GeoPackages is
        ``AGS`` in a layer without ``key`` (as ``geosozial trends`` reads other files)."""
        wanted = (self.parameterAsString(parameters, "KEY_FIELD", context) or "key").strip()
        return "AGS" if wanted == "key" and "key" not in names and "AGS" in names \
            else wanted


class EmergingHotspotsAlgorithm(YearLayersAlgorithm):
    """geosozial:emerginghotspots - ``geosozial trends`` for one layer per year."""

    def shortHelpString(self) -> str:
        from geosozial.core.emerging import RULES

        return ("Emerging Hot Spots über mehrere Jahre, wie 'geosozial trends': Gi* je Jahr "
                "(gleiche Nachbarschaft aus den Flächen des letzten Jahres, gleicher Seed), "
                "Mann-Kendall-Trend der z-Werte je Gebiet und die Kategorie nach den Regeln "
                "der Emerging-Hot-Spot-Analyse. Ein Layer je Jahr, alle auf einem "
                "Gebietsstand: dieselben Schlüssel in derselben Reihenfolge (ältere Jahre "
                "vorher mit 'Tabelle auf einen neuen Gebietsstand umrechnen' umrechnen). Die "
                "Jahre stehen in YEARS in der Reihenfolge der Layer (z. B. 2021;2022;2023) "
                "oder, wenn leer, im Layer- oder Dateinamen. Fehlende Werte eines Jahres "
                "zählen dort als nicht signifikant. Ergebnis: die Flächen des letzten Jahres "
                "mit ehs_kategorie, ehs_trend_z, ehs_trend_p, ehs_tau und gi_z_<Jahr>, "
                "gi_bin_<Jahr>, nach Kategorien eingefärbt; optional eine HTML-Karte. Mit "
                "weniger als 5 Jahren kann kein Trend signifikant werden (Warnung im "
                "Protokoll). Regeln: " + RULES["de"] + " " + PERMUTATIONS_HELP + ".")

    def name(self) -> str:
        return "emerginghotspots"

    def displayName(self) -> str:
        return "Emerging Hot Spots (mehrere Jahre)"

    def initAlgorithm(self, config=None) -> None:
        self.add_year_inputs()
        self.add_weights()
        permutations = QgsProcessingParameterString(
            "PERMUTATIONS", f"{PERMUTATIONS_LABEL} (auto oder Anzahl, z. B. 999)",
            defaultValue="auto")
        if hasattr(permutations, "setHelp"):
            permutations.setHelp(PERMUTATIONS_HELP)
        self.addParameter(permutations)
        self.addParameter(QgsProcessingParameterNumber(
            "SEED", "Zufallsstartwert (Seed)", defaultValue=12345, minValue=0))
        self.addParameter(QgsProcessingParameterEnum(
            "CORRECTION", "Korrektur für multiples Testen (je Jahr)", options=CORRECTION_LABELS,
            defaultValue=0))
        self.addParameter(QgsProcessingParameterNumber(
            "ALPHA", "Signifikanzniveau", type=NUMBER_DOUBLE, defaultValue=0.05,
            minValue=0.0001, maxValue=0.5))
        self.addParameter(QgsProcessingParameterFeatureSink(
            "OUTPUT", "Emerging Hot Spots", SOURCE_POLYGON))
        self.addParameter(QgsProcessingParameterFileDestination(
            "HTML", "HTML-Karte der Kategorien", fileFilter="HTML (*.html)", optional=True,
            createByDefault=False))
        self.addOutput(QgsProcessingOutputString("YEARS_OUT", "Jahre"))
        self.addOutput(QgsProcessingOutputString("METHOD", "Methode"))
        self.addOutput(QgsProcessingOutputString("CATEGORIES", "Kategorien (Anzahl Gebiete)"))

    def compute(self, parameters, context, feedback):
        import numpy as np

        from geosozial.core.analysis import check_inference, kernel_error
        from geosozial.core.emerging import (
            category_counts,
            check_year_keys,
            emerging_columns,
            emerging_notices,
        )
        from geosozial.core.messages import GeosozialError
        from geosozial.kernel.errors import KernelError
        from geosozial.kernel.trends import emerging_hotspots_years
        from geosozial.maps.notes import method_line

        field = (self.parameterAsString(parameters, "FIELD", context) or "").strip()
        if not field:
            raise QgsProcessingException("FIELD: bitte das zu untersuchende Zahlenfeld angeben.")
        pairs = self.year_layers(parameters, context)
        years = [y for y, _ in pairs]
        # messages name the last layer given and the span of years, as the command line
        named = self.parameterAsLayerList(parameters, "LAYERS", context)[-1]
        source = f"{named.name()} ({years[0]}–{years[-1]})"
        if len(years) < 2:
            raise GeosozialError("ehs.years", source=source, years=", ".join(map(str, years)))
        self.permutations(parameters, context, source)  # refused before anything is read
        areas_of, sources = {}, {}
        for n, (year, layer) in enumerate(pairs):
            if feedback.isCanceled():
                raise QgsProcessingException("abgebrochen")
            layer_source = QgsProcessingFeatureSource(layer, context)
            key = self.key_field(parameters, context, layer_source.fields().names())
            areas_of[year] = read_areas(layer_source, key, [field], None,
                                        what=f"{layer.name()} ({year})", keep_missing=True)
            sources[year] = layer_source
            feedback.setProgress(30 * (n + 1) / len(pairs))
        last = areas_of[years[-1]]
        for year in years:  # key repairs, repaired geometries, reprojection, per year
            log_notices(feedback, areas_of[year].notices)
        # one Gebietsstand: the same keys in the same order (the core's rule)
        check_year_keys({y: areas_of[y].keys for y in years}, source)
        values = np.vstack([areas_of[y].values[field] for y in years])
        spec = self.weights_spec(parameters, context)
        snap = self.snap(parameters, context)
        w, _ = build_weights(last, spec, source, key, feedback, snap)
        feedback.pushInfo(f"Nachbarschaft {w.describe('de')}.")
        feedback.setProgress(40)
        inference = {"permutations": self.permutations(parameters, context, source),
                     "seed": self.parameterAsInt(parameters, "SEED", context),
                     "correction": CORRECTIONS[self.parameterAsEnum(parameters, "CORRECTION",
                                                                    context)],
                     "alpha": self.parameterAsDouble(parameters, "ALPHA", context)}
        k_max = int(np.diff(w.sparse.indptr).max()) if w.n else 0
        check_inference(permutations=inference["permutations"], seed=inference["seed"],
                        n=w.n, k_max=k_max, local=True, source=source,
                        alpha=inference["alpha"])
        try:
            result = emerging_hotspots_years(years, values, w, trend_alpha=0.05, **inference)
        except KernelError as exc:
            year = exc.params.pop("year", None)
            where = f"{source} ({year})" if year is not None else source
            raise kernel_error(exc, where, field, last.keys) from exc
        if snap:
            result.method["snap"] = float(snap)
        log_notices(feedback, emerging_notices(result, source, field))
        feedback.setProgress(80)
        columns = emerging_columns(result)
        kinds = dict(_emerging_kinds(years))
        last_source = sources[years[-1]]
        fields = QgsFields(last_source.fields())
        for name, kind in kinds.items():
            if fields.indexOf(name) >= 0:
                raise GeosozialError("qgis.field_exists", file=last_source.sourceName(),
                                     field=name)
            fields.append(new_field(name, FIELD_TYPES[kind]))
        sink, dest_id = self.parameterAsSink(parameters, "OUTPUT", context, fields,
                                             last_source.wkbType(), last_source.sourceCrs())
        _sink_or_fail(sink)
        for i, feature in enumerate(last.features):
            out = QgsFeature(fields)
            out.setGeometry(feature.geometry())
            out.setAttributes(list(feature.attributes()) +
                              [_cell(columns[name][i], kind) for name, kind in kinds.items()])
            sink.addFeature(out, FAST_INSERT)
        method = dict(result.method, field=field)
        note = method_line(method)
        categories = category_counts(list(columns["ehs_kategorie"]), "de")
        feedback.pushInfo("Jahre: " + ", ".join(map(str, years)))
        feedback.pushInfo("Kategorien: " + categories)
        feedback.pushInfo("Methode: " + note)
        out = {"OUTPUT": dest_id, "YEARS_OUT": ", ".join(map(str, years)), "METHOD": note,
               "CATEGORIES": categories}
        path = self.parameterAsFileOutput(parameters, "HTML", context)
        if path:
            out["HTML"] = self.write_map(path, parameters, context, feedback, last, columns,
                                         method, field, last_source, years[-1], source)
        self.dest_id = dest_id
        self.present = list(dict.fromkeys(columns["ehs_kategorie"]))
        self.results = out
        return out

    def write_map(self, path, parameters, context, feedback, areas, columns, method, field,
                  source, year, what) -> str:
        """The HTML map as ``geosozial trends --html``: the category layer
        (:func:`geosozial.maps.analysis.emerging_layer`) and the last year's values, the
        geometry fitted to the size budget as geosozial:htmlmap does."""
        from geosozial.core.keys import kreis_outline_groups
        from geosozial.core.outputs import atomic_write_bytes, check_outputs
        from geosozial.maps.analysis import emerging_layer, field_label
        from geosozial.maps.classify import scheme_name
        from geosozial.maps.html import MapDocument, html_budget
        from geosozial.maps.layers import choropleth_layer
        from geosozial.maps.notes import geobasis_text, map_date, method_line

        from .alg_map import fit_page

        check_outputs([("HTML", path, "html")])
        label, unit = field_label(field)
        layer, title = emerging_layer(
            {c: list(v) for c, v in columns.items() if c.startswith(("ehs_", "gi_bin_"))},
            method, label=label, unit=unit, values=list(areas.values[field]), lang="de")
        flag_field = f"{field}_flag"
        flags = ([field_text(f[flag_field]) for f in areas.features]
                 if source.fields().indexOf(flag_field) >= 0 else None)
        values = choropleth_layer(
            [None if v != v else float(v) for v in areas.values[field]], id=field,
            label=f"{label} {year}", unit=unit, flags=flags, scheme="quantiles", k=5,
            note=f"Klassen: {scheme_name('quantiles', 'de')}", lang="de")
        edition = self.edition(parameters, context, source)
        doc = MapDocument(title=title, geojson='{"type":"FeatureCollection","features":[]}',
                          names=areas.names, keys=areas.keys, layers=[layer, values],
                          attribution=geobasis_text([int(edition[:4])] if edition else []),
                          source=what, method_note=method_line(method), date=map_date("de"))
        budget = html_budget(len(areas.keys))
        fitted = fit_page(doc, areas, budget, feedback, kreis_outline_groups(areas.keys))
        page = fitted.html.encode("utf-8")
        atomic_write_bytes(path, page)
        feedback.pushInfo(f"Karte: {len(page)} Bytes (Budget {budget}), Toleranz "
                          f"{fitted.geometry.tolerance:.0f} m")
        return path

    def postProcessAlgorithm(self, context, feedback):
        from geosozial.core.emerging import CATEGORY_WORDS

        from .styles import categorized, save_default_style

        layer = QgsProcessingUtils.mapLayerFromString(getattr(self, "dest_id", ""), context)
        if layer is not None:
            layer.setRenderer(categorized("ehs_kategorie", emerging_categories(
                [c for c in CATEGORY_WORDS if c in getattr(self, "present", [])])))
            layer.triggerRepaint()
            problem = save_default_style(layer)
            if problem and problem != "kein GeoPackage":
                feedback.pushInfo(f"Stil nicht in der Datei gespeichert: {problem}")
        return getattr(self, "results", {})


# --- geosozial:dynamics ------------------------------------------------------------------

#: the KIND parameter: None = by the field (:func:`change_kind`), then the kinds of
#: :func:`geosozial.core.dynamics.change`
CHANGE_KINDS = [None, "rate", "count", "value"]
CHANGE_KIND_LABELS = ["automatisch (Indikator in % aus dem Katalog: Quote; anderer "
                      "Indikator aus dem Katalog: Wert; sonst Anzahl)",
                      "Quote (Prozentpunkte)", "Anzahl (relative Veränderung in %)",
                      "Wert (Differenz)"]
CHANGE_KIND_WORDS = {"rate": "Quote, Differenz in Prozentpunkten",
                     "count": "Anzahl, relative Veränderung in %",
                     "value": "Wert, Differenz"}


def change_kind(field: str) -> str:
    """The kind of change of a field (the core's rule, without a project's indicators)."""
    from geosozial.core.dynamics import change_kind as core_change_kind

    return core_change_kind(field)


class DynamicsAlgorithm(YearLayersAlgorithm):
    """geosozial:dynamics - ``geosozial trends --change K`` (``gs.dynamics``) for one layer
    per year: :func:`geosozial.core.dynamics.change` and :func:`~geosozial.core.dynamics.trend`."""

    HELP = ("Veränderung eines Merkmals über K Jahre und sein linearer Trend je Gebiet, wie "
            "'geosozial trends --change K': ein Layer je Jahr, alle auf einem Gebietsstand "
            "(dieselben Schlüssel in derselben Reihenfolge; ältere Jahre vorher mit "
            "'Tabelle auf einen neuen Gebietsstand umrechnen' umrechnen). Die Jahre stehen "
            "in YEARS in der Reihenfolge der Layer (z. B. 2021;2022;2023) oder, wenn leer, im "
            "Layer- oder Dateinamen. Die Veränderung vergleicht das letzte Jahr mit dem Jahr "
            "K Jahre davor (es muss dabei sein): bei einer Quote die Differenz in "
            "Prozentpunkten, bei einer Anzahl die relative Veränderung in % (von 0 aus nicht "
            "berechenbar), bei einem anderen Wert die Differenz; 'automatisch' nimmt für "
            "Indikatoren des Katalogs in % die Quote, für andere Indikatoren des Katalogs den "
            "Wert, sonst die Anzahl. Ein gesperrter Wert (Kennzeichen 'geheim' im Feld "
            "<Feld>_flag) macht die Veränderung 'geheim', ein fehlender 'nicht_berechenbar' "
            "- nie null. Der Trend ist die Steigung der Ausgleichsgeraden (kleinste "
            "Quadrate) je Jahr über alle Jahre mit Wert, mindestens 3. Ergebnis: die Flächen "
            "des letzten Jahres mit <Feld>_diff<K>, <Feld>_diff<K>_flag, <Feld>_trend und "
            "<Feld>_trend_flag (gleichnamige Felder werden ersetzt), eingefärbt mit Klassen "
            "symmetrisch um 0 (Abnahme blau, Zunahme rot); die Einheit steht im Protokoll.")

    def name(self) -> str:
        return "dynamics"

    def displayName(self) -> str:
        return "Veränderung und Trend über Jahre"

    def initAlgorithm(self, config=None) -> None:
        self.add_year_inputs()
        self.addParameter(QgsProcessingParameterNumber(
            "YEARS_SPAN", "Veränderung über K Jahre (das letzte Jahr gegen K Jahre davor)",
            defaultValue=1, minValue=1))
        self.addParameter(QgsProcessingParameterEnum(
            "KIND", "Art der Veränderung", options=CHANGE_KIND_LABELS, defaultValue=0))
        self.addParameter(QgsProcessingParameterFeatureSink(
            "OUTPUT", "Veränderung und Trend", SOURCE_POLYGON))
        for name, label in (("YEARS_OUT", "Jahre"), ("KIND_OUT", "Art der Veränderung"),
                            ("UNIT", "Einheit der Veränderung"),
                            ("TREND_UNIT", "Einheit des Trends")):
            self.addOutput(QgsProcessingOutputString(name, label))
        for name, label in (("SUPPRESSED", "Veränderungen gesperrt (geheim)"),
                            ("NOT_COMPUTABLE", "Veränderungen nicht berechenbar"),
                            ("TREND_NOT_COMPUTABLE", "Trends nicht berechenbar")):
            self.addOutput(QgsProcessingOutputNumber(name, label))

    def year_values(self, parameters, context, field: str, year: int, layer):
        """Features, keys, values (NaN: missing) and flags (``<field>_flag``, "" without)
        of one year, by the core's key and number rules."""
        import numpy as np

        from geosozial.core.analysis import field_values
        from geosozial.core.columns import flag_column
        from geosozial.core.messages import GeosozialError

        source = QgsProcessingFeatureSource(layer, context)
        fields = source.fields()
        what = f"{layer.name()} ({year})"
        key = self.key_field(parameters, context, fields.names())
        area = read_area_features(source, key, None)
        if fields.indexOf(field) < 0:
            raise GeosozialError("ana.no_field", file=what, field=field,
                                 fields=", ".join(f.name() for f in fields if f.isNumeric()))
        cells = [plain_value(f[field]) for f in area.features]
        kept, known = field_values(cells, area.keys, field, what, True, [])
        values = np.full(len(cells), np.nan)
        values[kept] = known
        flag_name = flag_column(field)
        flags = ([field_text(f[flag_name]) for f in area.features]
                 if fields.indexOf(flag_name) >= 0 else [""] * len(cells))
        return source, area, values, flags

    def compute(self, parameters, context, feedback):
        from geosozial.core.columns import flag_column
        from geosozial.core.dynamics import change, trend
        from geosozial.core.emerging import check_year_keys
        from geosozial.core.messages import Notice
        from geosozial.core.symbols import FLAG_NOT_COMPUTABLE, FLAG_SUPPRESSED
        from geosozial.maps.analysis import field_label

        _define_messages()
        field = (self.parameterAsString(parameters, "FIELD", context) or "").strip()
        if not field:
            raise QgsProcessingException("FIELD: bitte das zu untersuchende Zahlenfeld angeben.")
        k = self.parameterAsInt(parameters, "YEARS_SPAN", context)
        kind = CHANGE_KINDS[self.parameterAsEnum(parameters, "KIND", context)] or \
            change_kind(field)
        pairs = self.year_layers(parameters, context)
        years = [y for y, _ in pairs]
        # the span and the kind refused by the core before anything is read (dyn.years:
        # the year k years before the last one is missing)
        change({y: [] for y in years}, k=k, kind=kind)
        named = self.parameterAsLayerList(parameters, "LAYERS", context)[-1]
        source = f"{named.name()} ({years[0]}–{years[-1]})"
        values, flags, areas, sources = {}, {}, {}, {}
        for n, (year, layer) in enumerate(pairs):
            if feedback.isCanceled():
                raise QgsProcessingException("abgebrochen")
            sources[year], areas[year], values[year], flags[year] = self.year_values(
                parameters, context, field, year, layer)
            feedback.setProgress(60 * (n + 1) / len(pairs))
        for year in years:  # key repairs, per year
            log_notices(feedback, areas[year].notices)
        # one Gebietsstand: the same keys in the same order (the core's rule)
        check_year_keys({y: areas[y].keys for y in years}, source)
        d = change(values, k=k, kind=kind, flags=flags, last=years[-1])
        t = trend(values)
        from geosozial.core.dynamics import dynamics_columns, trend_unit

        diff, trend_col = dynamics_columns(field, k)
        kinds = {diff: DOUBLE, flag_column(diff): STRING, trend_col: DOUBLE,
                 flag_column(trend_col): STRING}
        cells = {diff: d.values, flag_column(diff): d.flags, trend_col: t.values,
                 flag_column(trend_col): t.flags}
        last_source = sources[years[-1]]
        fields, replaced = QgsFields(), []
        for f in last_source.fields():  # a field of the same name is replaced in place
            if f.name() in kinds:
                fields.append(new_field(f.name(), kinds[f.name()]))
                replaced.append(f.name())
            else:
                fields.append(f)
        for name, kind_of_field in kinds.items():
            if name not in replaced:
                fields.append(new_field(name, kind_of_field))
        log_notices(feedback, [Notice("qgis.field_replaced", "info",
                                      file=f"{named.name()} ({years[-1]})", field=name)
                               for name in replaced])
        sink, dest_id = self.parameterAsSink(parameters, "OUTPUT", context, fields,
                                             last_source.wkbType(), last_source.sourceCrs())
        _sink_or_fail(sink)
        position = {name: fields.indexOf(name) for name in kinds}
        for i, feature in enumerate(areas[years[-1]].features):
            row = list(feature.attributes()) + [None] * (fields.count() -
                                                          len(feature.attributes()))
            for name in kinds:
                value = cells[name][i]
                row[position[name]] = value if isinstance(value, str) else \
                    (None if math.isnan(float(value)) else float(value))
            out = QgsFeature(fields)
            out.setGeometry(feature.geometry())
            out.setAttributes(row)
            sink.addFeature(out, FAST_INSERT)
        _, field_unit = field_label(field)
        per_year = trend_unit(kind, field_unit)
        start, end = d.years
        counts = {flag: sum(f == flag for f in d.flags)
                  for flag in (FLAG_SUPPRESSED, FLAG_NOT_COMPUTABLE)}
        trend_missing = sum(f == FLAG_NOT_COMPUTABLE for f in t.flags)
        feedback.pushInfo("Jahre: " + ", ".join(map(str, years)))
        feedback.pushInfo(f"Veränderung {diff}: {end} gegen {start} "
                          f"({CHANGE_KIND_WORDS[kind]}); Einheit: "
                          f"{d.unit or field_unit or 'Einheit des Feldes'}")
        feedback.pushInfo(f"  berechnet: {len(d.flags) - sum(counts.values())}, geheim: "
                          f"{counts[FLAG_SUPPRESSED]}, nicht berechenbar: "
                          f"{counts[FLAG_NOT_COMPUTABLE]}")
        feedback.pushInfo(f"Trend {trend_col}: Steigung der Ausgleichsgeraden über "
                          f"{years[0]}–{years[-1]} (mindestens 3 Jahre mit Wert); Einheit: "
                          f"{per_year}")
        feedback.pushInfo(f"  berechnet: {len(t.flags) - trend_missing}, nicht berechenbar: "
                          f"{trend_missing}")
        self.dest_id = dest_id
        self.style = (diff, [None if math.isnan(v) else float(v) for v in d.values],
                      list(d.flags))
        self.results = {"OUTPUT": dest_id, "YEARS_OUT": ", ".join(map(str, years)),
                        "KIND_OUT": kind, "UNIT": d.unit, "TREND_UNIT": per_year,
                        "SUPPRESSED": counts[FLAG_SUPPRESSED],
                        "NOT_COMPUTABLE": counts[FLAG_NOT_COMPUTABLE],
                        "TREND_NOT_COMPUTABLE": trend_missing}
        return self.results

    def postProcessAlgorithm(self, context, feedback):
        from .styles import save_default_style

        layer = QgsProcessingUtils.mapLayerFromString(getattr(self, "dest_id", ""), context)
        if layer is not None and getattr(self, "style", None):
            renderer = change_renderer(*self.style)
            if renderer is None:
                feedback.pushInfo(f"{self.style[0]}: keine Klassen (alle Werte gleich oder "
                                  "keine Werte); der Layer bleibt ungestylt.")
            else:
                layer.setRenderer(renderer)
                layer.triggerRepaint()
                problem = save_default_style(layer)
                if problem and problem != "kein GeoPackage":
                    feedback.pushInfo(f"Stil nicht in der Datei gespeichert: {problem}")
        return getattr(self, "results", {})


def change_renderer(column: str, values, flags):
    """A rule-based renderer of a change column: the classes of a change map (symmetric
    around 0, :func:`geosozial.maps.classify.diverging`, 5 classes) in
    :data:`~geosozial.maps.palettes.CHANGE_PALETTE` turned round (decrease blue, increase
    red) with the maps' signed labels, then "geheim gehalten" (by ``<column>_flag``) and
    "keine Daten". None when the values cannot be classed (none, or all equal)."""
    from qgis.core import QgsFillSymbol, QgsRuleBasedRenderer

    from geosozial.core.columns import flag_column
    from geosozial.core.messages import GeosozialError
    from geosozial.core.symbols import CONFIDENTIAL_FLAGS
    from geosozial.maps.layers import choropleth_classification, choropleth_layer
    from geosozial.maps.palettes import CHANGE_PALETTE, NO_DATA, SUPPRESSED

    try:
        layer = choropleth_layer(values, id=column, label=column, flags=flags,
                                 scheme="diverging", k=5, palette_name=CHANGE_PALETTE,
                                 reverse=True)
    except GeosozialError:
        return None
    shown = [math.nan if v is None else v for v in layer.values]
    breaks = choropleth_classification(shown, scheme="diverging", k=5).breaks

    def symbol(fill: str, outline: str = "#666666"):
        return QgsFillSymbol.createSimple({"color": fill, "outline_color": outline,
                                           "outline_width": "0.2"})

    root = QgsRuleBasedRenderer.Rule(None)
    last = len(layer.classes) - 1
    for i, legend in enumerate(layer.classes):
        bounds = ([f'"{column}" > {_literal(breaks[i - 1])}'] if i > 0 else []) + \
            ([f'"{column}" <= {_literal(breaks[i])}'] if i < last else [])
        root.appendChild(QgsRuleBasedRenderer.Rule(
            symbol(legend.colour), 0, 0, " AND ".join([f'"{column}" IS NOT NULL', *bounds]),
            legend.label))
    # without a value: withheld by its flag, else no data (explicit filters rather than an
    # ELSE rule, so that every area matches exactly one rule for every QGIS tool)
    confidential = ", ".join(f"'{f}'" for f in sorted(CONFIDENTIAL_FLAGS))
    flag = f"coalesce(\"{flag_column(column)}\", '') IN ({confidential})"
    root.appendChild(QgsRuleBasedRenderer.Rule(
        symbol(SUPPRESSED.fill, SUPPRESSED.outline), 0, 0,
        f'"{column}" IS NULL AND {flag}', SUPPRESSED.labels["de"]))
    root.appendChild(QgsRuleBasedRenderer.Rule(
        symbol(NO_DATA.fill, NO_DATA.outline), 0, 0, f'"{column}" IS NULL AND NOT {flag}',
        NO_DATA.labels["de"]))
    return QgsRuleBasedRenderer(root)


def _literal(value: float) -> str:
    """A number as a QGIS expression literal (no exponent)."""
    text = repr(float(value))
    return f"{float(value):.20f}".rstrip("0").rstrip(".") if "e" in text else text


def emerging_categories(codes=None) -> list[tuple[str, str, str]]:
    """(code, colour, German words) of the emerging hot-spot categories (all, or
    ``codes``), with the colours of the HTML maps."""
    from geosozial.core.emerging import CATEGORY_WORDS, category_text
    from geosozial.maps.analysis import EMERGING_COLOURS

    return [(c, EMERGING_COLOURS[c], category_text(c, "de"))
            for c in (CATEGORY_WORDS if codes is None else codes)]


def _emerging_kinds(years) -> list[tuple[str, str]]:
    """The result columns and their types: the core's ``emerging`` kind, then
    ``gi_z_<year>`` (real) and ``gi_bin_<year>`` (integer) for every year."""
    from geosozial.core.results import RESULT_COLUMNS

    out = list(RESULT_COLUMNS["emerging"])
    for year in years:
        out += [(f"gi_z_{year}", "real"), (f"gi_bin_{year}", "integer")]
    return out


def _cell(value, kind: str):
    if kind == "text":
        return str(value)
    value = float(value)
    if value != value:  # NaN: an island or a year without a value
        return None
    return int(value) if kind == "integer" else value
