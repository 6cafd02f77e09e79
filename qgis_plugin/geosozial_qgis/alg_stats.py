"""Weights, global Moran, LISA and Gi* hot spots as Processing algorithms.

Same kernel functions and the same arrays as ``geosozial lisa`` / ``hotspots`` /
``moran``: with the same seed a layer gives the same numbers here and on the command
line.
"""

from __future__ import annotations

import html
import json

from qgis.core import (
    QgsFeature,
    QgsFields,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterField,
    QgsProcessingParameterFileDestination,
    QgsProcessingUtils,
)

from .alg_base import GeosozialAlgorithm, build_weights, kernel_messages, log_notices
from .compat import FIELD_NUMERIC, FIELD_TYPES, SOURCE_POLYGON, new_field
from .qgis_arrays import read_areas
from .styles import save_default_style, style_layer


def _weights_report(w, notices) -> str:
    """The weights in one line and the core's notices on them (areas without neighbours)."""
    return " ".join([f"Nachbarschaft {w.describe('de')}.", *(n.text("de") for n in notices)])


class _FieldAlgorithm(GeosozialAlgorithm):
    """An algorithm on one numeric field with weights (moran, lisa, hotspots)."""

    def field_and_weights(self, parameters, context, feedback, neighbour: str | None = None,
                          base: str | None = None):
        """Source, field name, areas, weights spec and weights; notices in the log.

        The second field of a LISA variant (``neighbour`` or ``base``) is read first, as
        the command line does; areas are kept only where both fields have values. The
        neighbours' field must vary (:func:`geosozial.core.analysis.check_second_field`,
        checked before the weights, as the command line does).
        """
        from geosozial.core.analysis import check_second_field

        source = self.source(parameters, context)
        key = self.parameterAsString(parameters, "KEY_FIELD", context)
        field = self.parameterAsString(parameters, "FIELD", context)
        second = neighbour or base
        areas = read_areas(source, key, ([second] if second else []) + [field], feedback,
                           what=source.sourceName(),
                           drop_missing=self.parameterAsBool(parameters, "DROP_MISSING",
                                                             context))
        log_notices(feedback, areas.notices)
        if neighbour:
            check_second_field(areas.values[neighbour], neighbour, source.sourceName())
        spec = self.weights_spec(parameters, context)
        w, _ = build_weights(areas, spec, source.sourceName(), key, feedback)
        feedback.pushInfo(f"Nachbarschaft {w.describe('de')}.")
        return source, field, areas, spec, w


class WeightsAlgorithm(GeosozialAlgorithm):
    """geosozial:weights - neighbourhood report and optional weights file."""

    HELP = ("Bildet die Nachbarschaft (Queen, Rook, k nächste Nachbarn oder Entfernungsband) "
            "der Gebiete und meldet Gebiete ohne Nachbarn (Inseln) und "
            "Zusammenhangskomponenten. Optional wird die Nachbarschaft als Datei "
            "(JSON) gespeichert. Geografische KBS werden vorher nach ETRS89/UTM "
            "transformiert.")

    def name(self) -> str:
        return "weights"

    def displayName(self) -> str:
        return "Nachbarschaft (Gewichte) bilden"

    def initAlgorithm(self, config=None) -> None:
        self.add_input(numeric_field=False)
        self.add_weights()
        self.addParameter(QgsProcessingParameterFileDestination(
            "OUTPUT", "Nachbarschaftsdatei (JSON)", fileFilter="JSON (*.json)", optional=True))
        self.addOutput(QgsProcessingOutputNumber("N", "Gebiete"))
        self.addOutput(QgsProcessingOutputNumber("ISLANDS", "Gebiete ohne Nachbarn"))
        self.addOutput(QgsProcessingOutputNumber("COMPONENTS", "Zusammenhangskomponenten"))
        self.addOutput(QgsProcessingOutputString("REPORT", "Bericht"))

    def compute(self, parameters, context, feedback):
        source = self.source(parameters, context)
        key = self.parameterAsString(parameters, "KEY_FIELD", context)
        areas = read_areas(source, key, [], feedback, what=source.sourceName())
        log_notices(feedback, areas.notices)
        w, notices = build_weights(areas, self.weights_spec(parameters, context),
                                   source.sourceName(), key, feedback)
        report = _weights_report(w, notices)
        feedback.pushInfo(f"Nachbarschaft {w.describe('de')}.")
        out = {"N": w.n, "ISLANDS": len(w.islands), "COMPONENTS": w.components[0],
               "REPORT": report}
        path = self.parameterAsFileOutput(parameters, "OUTPUT", context)
        if path:
            w.save(path)
            out["OUTPUT"] = path
        return out


class MoranAlgorithm(_FieldAlgorithm):
    """geosozial:moran - global Moran's I, Geary's C, General G."""

    HELP = ("Globale räumliche Autokorrelation eines Zahlenfelds: Moran's I, Geary's C und "
            "(für Werte ≥ 0) General G, mit Permutationstest (Pseudo-p = (extremere + 1) / "
            "(Permutationen + 1)). Ergebnisse als Zahlen-Ausgaben und als HTML-Tabelle.")

    def name(self) -> str:
        return "moran"

    def displayName(self) -> str:
        return "Globale Autokorrelation (Moran's I)"

    def initAlgorithm(self, config=None) -> None:
        self.add_input()
        self.add_weights()
        self.add_inference(local=False)
        self.addParameter(QgsProcessingParameterFileDestination(
            "OUTPUT", "Zusammenfassung (HTML)", fileFilter="HTML (*.html)", optional=True))
        for name, label in (("MORAN_I", "Moran's I"), ("MORAN_EXPECTED", "Erwartungswert E[I]"),
                            ("MORAN_Z", "z-Wert"), ("MORAN_P", "p-Wert (Permutation)"),
                            ("GEARY_C", "Geary's C"), ("GEARY_P", "p-Wert Geary")):
            self.addOutput(QgsProcessingOutputNumber(name, label))
        self.addOutput(QgsProcessingOutputString("JSON", "Ergebnis als JSON"))

    def compute(self, parameters, context, feedback):
        from geosozial.kernel.globals import global_statistics
        from geosozial.maps.notes import method_line

        source, field, areas, spec, w = self.field_and_weights(parameters, context, feedback)
        kwargs = self.inference(parameters, context, local=False, w=w,
                                source=source.sourceName())
        with kernel_messages(source.sourceName(), field, areas.keys):
            results = global_statistics(areas.values[field], w, **kwargs)
        rows = [r.as_row() for r in results]
        note = method_line({"permutations": kwargs["permutations"], "seed": kwargs["seed"],
                            "weights": spec, "alternative": kwargs["alternative"]})
        for r in rows:
            feedback.pushInfo(f"{r['statistic']}: {r['value']:.6f} (E {r['expected']:.6f}, "
                              f"z {r['z']:.3f}, p {r['p']:.4f})")
        out = {"MORAN_I": rows[0]["value"], "MORAN_EXPECTED": rows[0]["expected"],
               "MORAN_Z": rows[0]["z"], "MORAN_P": rows[0]["p"], "GEARY_C": rows[1]["value"],
               "GEARY_P": rows[1]["p"],
               "JSON": json.dumps({"field": field, "statistics": rows}, ensure_ascii=False)}
        path = self.parameterAsFileOutput(parameters, "OUTPUT", context)
        if path:
            from geosozial.core.outputs import atomic_write_text, check_outputs

            check_outputs([("OUTPUT", path, "html")])
            atomic_write_text(path, _summary_html(field, rows, note))
            out["OUTPUT"] = path
        return out


def _summary_html(field: str, rows: list[dict], note: str) -> str:
    from geosozial.core.number_format import number_text

    cells = "".join(
        "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>".format(
            html.escape(r["statistic"]), number_text(r["value"], 4),
            number_text(r["expected"], 4), number_text(r["z"], 2), number_text(r["p"], 4))
        for r in rows)
    return ("<!DOCTYPE html><html lang=\"de\"><head><meta charset=\"utf-8\">"
            f"<title>Globale Autokorrelation: {html.escape(field)}</title></head><body>"
            f"<h1>Globale Autokorrelation: {html.escape(field)}</h1><table>"
            "<thead><tr><th>Statistik</th><th>Wert</th><th>Erwartung</th><th>z</th>"
            f"<th>p</th></tr></thead><tbody>{cells}</tbody></table>"
            f"<p>Methode: {html.escape(note)}</p></body></html>\n")


def _cell(value, kind: str):
    if kind == "text":
        return str(value)
    if value != value:  # NaN (islands have no z or p)
        return None
    return int(value) if kind == "integer" else float(value)


class _LocalAlgorithm(_FieldAlgorithm):
    KIND = "lisa"

    def initAlgorithm(self, config=None) -> None:
        self.add_input()
        if self.KIND == "lisa":
            self.addParameter(QgsProcessingParameterField(
                "NEIGHBOUR_FIELD", "Bivariates LISA: Feld der Nachbarn (das Zahlenfeld am "
                "Gebiet gegen den Mittelwert dieses Felds bei den Nachbarn)",
                parentLayerParameterName="INPUT", type=FIELD_NUMERIC, optional=True))
            self.addParameter(QgsProcessingParameterField(
                "BASE_FIELD", "Empirical-Bayes-Raten: Bezugsbevölkerung (das Zahlenfeld "
                "sind dann Fallzahlen)", parentLayerParameterName="INPUT",
                type=FIELD_NUMERIC, optional=True))
        self.add_weights()
        self.add_inference(local=True)
        self.addParameter(QgsProcessingParameterFeatureSink(
            "OUTPUT", "Ergebnis", SOURCE_POLYGON))
        self.addOutput(QgsProcessingOutputString("METHOD", "Methode"))

    def variant(self, parameters, context) -> tuple[str | None, str | None]:
        """(neighbour field, base field) of a LISA variant, checked by the core
        (:func:`geosozial.core.analysis.check_variant`: at most one of them, LISA only)."""
        from geosozial.core.analysis import check_variant

        if self.KIND != "lisa":
            return None, None
        neighbour = self.optional_string(parameters, "NEIGHBOUR_FIELD", context)
        base = self.optional_string(parameters, "BASE_FIELD", context)
        check_variant(self.KIND, neighbour, base, self.source(parameters, context).sourceName())
        return neighbour, base

    def compute(self, parameters, context, feedback):
        from geosozial.core.results import RESULT_COLUMNS, result_columns
        from geosozial.kernel.local import local_g, local_moran, local_moran_bv, local_moran_rate
        from geosozial.maps.notes import method_line

        neighbour, base = self.variant(parameters, context)
        source, field, areas, _spec, w = self.field_and_weights(parameters, context, feedback,
                                                                neighbour, base)
        feedback.setProgress(40)
        kwargs = self.inference(parameters, context, local=True, w=w,
                                source=source.sourceName())
        y = areas.values[field]
        with kernel_messages(source.sourceName(), field, areas.keys):
            if self.KIND == "lisa" and neighbour:
                res = local_moran_bv(y, areas.values[neighbour], w, **kwargs)
                res.method["neighbour_field"] = neighbour
            elif self.KIND == "lisa" and base:
                res = local_moran_rate(y, areas.values[base], w, **kwargs)
                res.method["base_field"] = base
            elif self.KIND == "lisa":
                res = local_moran(y, w, **kwargs)
            else:
                res = local_g(y, w, **kwargs)
        columns = result_columns(self.KIND, res)
        feedback.setProgress(70)
        fields = QgsFields(source.fields())
        for name, kind in RESULT_COLUMNS[self.KIND]:
            if fields.indexOf(name) >= 0:
                raise QgsProcessingException(
                    f"{source.sourceName()}: Feld {name} gibt es schon; bitte umbenennen.")
            fields.append(new_field(name, FIELD_TYPES[kind]))
        sink, dest_id = self.parameterAsSink(parameters, "OUTPUT", context, fields,
                                             source.wkbType(), source.sourceCrs())
        if sink is None:
            raise QgsProcessingException("Ausgabe kann nicht geschrieben werden.")
        for i, feature in enumerate(areas.features):
            out = QgsFeature(fields)
            out.setGeometry(feature.geometry())
            values = list(feature.attributes())
            for name, kind in RESULT_COLUMNS[self.KIND]:
                values.append(_cell(columns[name][i], kind))
            out.setAttributes(values)
            sink.addFeature(out)
        counts = res.counts()
        feedback.pushInfo("Klassen: " + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())))
        method = dict(res.method, field=field)
        note = method_line(method)
        feedback.pushInfo("Methode: " + note)
        self.dest_id, self.note = dest_id, note
        return {"OUTPUT": dest_id, "METHOD": note}

    def postProcessAlgorithm(self, context, feedback):
        layer = QgsProcessingUtils.mapLayerFromString(getattr(self, "dest_id", ""), context)
        if layer is not None:
            style_layer(layer, self.KIND)
            problem = save_default_style(layer)
            if problem and problem != "kein GeoPackage":
                feedback.pushInfo(f"Stil nicht in der Datei gespeichert: {problem}")
        return {"OUTPUT": getattr(self, "dest_id", None), "METHOD": getattr(self, "note", "")}


class LisaAlgorithm(_LocalAlgorithm):
    """geosozial:lisa - local Moran's I with cluster classes HH, LL, LH, HL, ns, isolated."""

    KIND = "lisa"
    HELP = ("Lokales Moran's I (LISA) je Gebiet: lisa_I, lisa_z, lisa_p (Pseudo-p aus "
            "bedingten Permutationen) und lisa_cluster (HH, LL, LH, HL, ns, isolated). "
            "Cluster werden nach der Korrektur für multiples Testen (Standard: FDR 5 %) "
            "vergeben; Gebiete ohne Nachbarn sind 'isolated' und nie signifikant. Varianten "
            "wie 'geosozial lisa --neighbour-field / --base': bivariates LISA (Wert am Gebiet "
            "gegen den Mittelwert eines zweiten Felds bei den Nachbarn) oder LISA der "
            "Empirical-Bayes-Raten (Fallzahlen und Bezugsbevölkerung). Der Ergebnislayer "
            "wird in den GeoDa-Farben dargestellt.")

    def name(self) -> str:
        return "lisa"

    def displayName(self) -> str:
        return "Lokale Cluster (LISA)"


class HotspotsAlgorithm(_LocalAlgorithm):
    """geosozial:hotspots - Getis-Ord Gi* (with the area itself) and 7 bins."""

    KIND = "gi"
    HELP = ("Hot Spots und Cold Spots mit Getis-Ord Gi* (das Gebiet selbst zählt mit, "
            "binäre Gewichte): gi_z, gi_p und gi_bin von -3 bis 3 (Cold/Hot Spot mit 99, 95, "
            "90 % Konfidenz, je Stufe korrigiert; 0 = nicht signifikant).")

    def name(self) -> str:
        return "hotspots"

    def displayName(self) -> str:
        return "Hot Spots (Getis-Ord Gi*)"
