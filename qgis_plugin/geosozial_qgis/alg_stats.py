"""Weights, global Moran and the local statistics as Processing algorithms.

LISA, Gi* hot spots, local Geary, quantile LISA and local join counts go through the
one dispatch of every door, :func:`geosozial.core.local_stats.run_local`, with the same
arrays and checks as ``geosozial lisa`` / ``hotspots`` / ``moran``: with the same seed a
layer gives the same numbers here and on the command line.
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
    QgsProcessingParameterNumber,
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
    """An algorithm on one numeric field with weights (moran)."""

    def field_and_weights(self, parameters, context, feedback):
        """Source, field name, areas, weights spec and weights; notices in the log (at
        least 3 areas with a value, :func:`geosozial.core.analysis.check_count`)."""
        from geosozial.core.analysis import check_count

        source = self.source(parameters, context)
        key = self.parameterAsString(parameters, "KEY_FIELD", context)
        field = self.parameterAsString(parameters, "FIELD", context)
        self.permutations(parameters, context, source.sourceName())  # before reading
        drop = self.parameterAsBool(parameters, "DROP_MISSING", context)
        areas = read_areas(source, key, [field], feedback, what=source.sourceName(),
                           drop_missing=drop)
        log_notices(feedback, areas.notices)
        check_count(len(areas.keys), field, source.sourceName(),
                    dropped=drop and any(n.code == "ana.dropped" for n in areas.notices))
        spec = self.weights_spec(parameters, context)
        w, _ = build_weights(areas, spec, source.sourceName(), key, feedback,
                             self.snap(parameters, context))
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
                                   source.sourceName(), key, feedback,
                                   self.snap(parameters, context))
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
            "(Permutationen + 1); auto, der Standard, sind für eine globale Statistik 999 "
            "Ziehungen). Ergebnisse als Zahlen-Ausgaben und als HTML-Tabelle.")

    def name(self) -> str:
        return "moran"

    def displayName(self) -> str:
        return "Globale Autokorrelation (Moran's I)"

    def initAlgorithm(self, config=None) -> None:
        self.add_input()
        self.add_weights()
        self.add_inference(local=False, statistic="moran")
        self.addParameter(QgsProcessingParameterFileDestination(
            "OUTPUT", "Zusammenfassung (HTML)", fileFilter="HTML (*.html)", optional=True))
        for name, label in (("MORAN_I", "Moran's I"), ("MORAN_EXPECTED", "Erwartungswert E[I]"),
                            ("MORAN_Z", "z-Wert"), ("MORAN_P", "p-Wert (Permutation)"),
                            ("GEARY_C", "Geary's C"), ("GEARY_P", "p-Wert Geary")):
            self.addOutput(QgsProcessingOutputNumber(name, label))
        self.addOutput(QgsProcessingOutputString("JSON", "Ergebnis als JSON"))

    def compute(self, parameters, context, feedback):
        from geosozial.core.local_stats import warning_notices
        from geosozial.kernel.globals import global_statistics
        from geosozial.maps.notes import method_line

        source, field, areas, _spec, w = self.field_and_weights(parameters, context,
                                                                feedback)
        kwargs = self.inference(parameters, context, local=False, w=w,
                                source=source.sourceName())
        kwargs["alternative"] = kwargs["alternative"] or "two-sided"
        with kernel_messages(source.sourceName(), field, areas.keys):
            results = global_statistics(areas.values[field], w, **kwargs)
        log_notices(feedback, warning_notices(results[0], source.sourceName(), field))
        rows = [r.as_row() for r in results]
        first = results[0]  # "auto" is 999 draws for a global statistic
        note = method_line({"permutations": first.permutations, "seed": first.seed,
                            "weights": first.weights, "alternative": first.alternative})
        feedback.pushInfo("Methode: " + note)
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


class _LocalAlgorithm(GeosozialAlgorithm):
    """A local statistic on one field (``STATISTIC`` as the core names it,
    :data:`geosozial.core.local_stats.STATISTICS`): result columns of its kind
    (:data:`geosozial.core.results.RESULT_COLUMNS`), a layer styled in GeoDa's colours."""

    STATISTIC = "moran"

    def initAlgorithm(self, config=None) -> None:
        self.add_input()
        self.add_options()
        self.add_weights()
        self.add_inference(local=True, statistic=self.STATISTIC)
        self.addParameter(QgsProcessingParameterFeatureSink(
            "OUTPUT", "Ergebnis", SOURCE_POLYGON))
        self.addOutput(QgsProcessingOutputString("METHOD", "Methode"))
        self.addOutput(QgsProcessingOutputString("CLASSES", "Klassen (Anzahl Gebiete)"))

    def add_options(self) -> None:
        """Parameters of this statistic only (LISA variants, further fields, quantiles)."""

    def options(self, parameters, context) -> dict:
        """Keyword arguments of :meth:`GeosozialAlgorithm.local_statistic`."""
        return {}

    def compute(self, parameters, context, feedback):
        from geosozial.core.results import RESULT_COLUMNS, result_columns
        from geosozial.maps.notes import method_line
        from geosozial.maps.palettes import class_counts_text

        options = self.options(parameters, context)
        field = self.parameterAsString(parameters, "FIELD", context)
        run = self.local_statistic(parameters, context, feedback, self.STATISTIC, field,
                                   **options)
        source = self.source(parameters, context)
        columns = result_columns(run.kind, run.result)
        fields = QgsFields(source.fields())
        for name, kind in RESULT_COLUMNS[run.kind]:
            if fields.indexOf(name) >= 0:
                raise QgsProcessingException(
                    f"{run.source}: Feld {name} gibt es schon; bitte umbenennen.")
            fields.append(new_field(name, FIELD_TYPES[kind]))
        sink, dest_id = self.parameterAsSink(parameters, "OUTPUT", context, fields,
                                             source.wkbType(), source.sourceCrs())
        if sink is None:
            raise QgsProcessingException("Ausgabe kann nicht geschrieben werden.")
        for i, feature in enumerate(run.areas.features):
            out = QgsFeature(fields)
            out.setGeometry(feature.geometry())
            values = list(feature.attributes())
            for name, kind in RESULT_COLUMNS[run.kind]:
                values.append(_cell(columns[name][i], kind))
            out.setAttributes(values)
            sink.addFeature(out)
        classes = class_counts_text(run.kind, run.result.counts(), "de")
        feedback.pushInfo("Klassen: " + classes)
        note = method_line(run.method)
        feedback.pushInfo("Methode: " + note)
        self.dest_id, self.note, self.classes = dest_id, note, classes
        self.kind, self.multivariate = run.kind, run.multivariate
        return {"OUTPUT": dest_id, "METHOD": note, "CLASSES": classes}

    def postProcessAlgorithm(self, context, feedback):
        layer = QgsProcessingUtils.mapLayerFromString(getattr(self, "dest_id", ""), context)
        if layer is not None:
            style_layer(layer, getattr(self, "kind", "lisa"),
                        multivariate=getattr(self, "multivariate", False))
            problem = save_default_style(layer)
            if problem and problem != "kein GeoPackage":
                feedback.pushInfo(f"Stil nicht in der Datei gespeichert: {problem}")
        return {"OUTPUT": getattr(self, "dest_id", None), "METHOD": getattr(self, "note", ""),
                "CLASSES": getattr(self, "classes", "")}


_INFERENCE_HELP = (
    " Permutationen: auto (Standard) gibt sequenzielle p-Werte, je Gebiet so viele "
    "Ziehungen, wie die Korrektur für multiples Testen braucht; eine Zahl (z. B. 999 oder "
    "9.999) zieht fest so oft. Die Spalte mit _q ist das FDR-korrigierte p "
    "(Benjamini-Hochberg); Klassen werden nach der gewählten Korrektur (Standard: FDR 5 %) "
    "vergeben, Gebiete ohne Nachbarn sind 'isolated' und nie signifikant. Warnungen "
    "(wenige Gebiete, unerreichbare Korrektur, kleine Bezugszahlen) stehen im Protokoll.")


class LisaAlgorithm(_LocalAlgorithm):
    """geosozial:lisa - local Moran's I with cluster classes HH, LL, LH, HL, ns, isolated."""

    STATISTIC = "moran"
    HELP = ("Lokales Moran's I (LISA) je Gebiet: lisa_I, lisa_z, lisa_p (Pseudo-p aus "
            "bedingten Permutationen), lisa_q und lisa_cluster (HH, LL, LH, HL, ns, "
            "isolated). Varianten wie 'geosozial lisa --neighbour-field / --base': "
            "bivariates LISA (Wert am Gebiet gegen den Mittelwert eines zweiten Felds bei den "
            "Nachbarn) oder LISA der Empirical-Bayes-Raten (Fallzahlen und "
            "Bezugsbevölkerung). Der Ergebnislayer wird in den GeoDa-Farben dargestellt."
            + _INFERENCE_HELP)

    def name(self) -> str:
        return "lisa"

    def displayName(self) -> str:
        return "Lokale Cluster (LISA)"

    def add_options(self) -> None:
        self.addParameter(QgsProcessingParameterField(
            "NEIGHBOUR_FIELD", "Bivariates LISA: Feld der Nachbarn (das Zahlenfeld am "
            "Gebiet gegen den Mittelwert dieses Felds bei den Nachbarn)",
            parentLayerParameterName="INPUT", type=FIELD_NUMERIC, optional=True))
        self.addParameter(QgsProcessingParameterField(
            "BASE_FIELD", "Empirical-Bayes-Raten: Bezugsbevölkerung (das Zahlenfeld "
            "sind dann Fallzahlen)", parentLayerParameterName="INPUT",
            type=FIELD_NUMERIC, optional=True))

    def options(self, parameters, context) -> dict:
        return {"neighbour": self.optional_string(parameters, "NEIGHBOUR_FIELD", context),
                "base": self.optional_string(parameters, "BASE_FIELD", context)}


class HotspotsAlgorithm(_LocalAlgorithm):
    """geosozial:hotspots - Getis-Ord Gi* (with the area itself) and 7 bins."""

    STATISTIC = "gi"
    HELP = ("Hot Spots und Cold Spots mit Getis-Ord Gi* (das Gebiet selbst zählt mit, "
            "binäre Gewichte): gi_z, gi_p, gi_q und gi_bin von -3 bis 3 (Cold/Hot Spot mit "
            "99, 95, 90 % Konfidenz, je Stufe korrigiert; 0 = nicht signifikant)."
            + _INFERENCE_HELP)

    def name(self) -> str:
        return "hotspots"

    def displayName(self) -> str:
        return "Hot Spots (Getis-Ord Gi*)"


class LocalGearyAlgorithm(_LocalAlgorithm):
    """geosozial:localgeary - local Geary's c, multivariate over several fields."""

    STATISTIC = "geary"
    HELP = ("Lokales Geary's c je Gebiet (wie 'geosozial lisa --statistic geary'): wie "
            "ähnlich ein Gebiet seinen Nachbarn ist. geary_c, geary_z, geary_p, geary_q und "
            "geary_cluster: Hoch-Hoch, Niedrig-Niedrig, andere positive (ähnliche Nachbarn), "
            "negativ (unähnliche Nachbarn), nicht signifikant, isoliert. Mit weiteren "
            "Zahlenfeldern multivariat (alle Felder standardisiert, wie GeoDa): Klassen "
            "positiv / negativ. Der Ergebnislayer wird in den GeoDa-Farben dargestellt."
            + _INFERENCE_HELP)

    def name(self) -> str:
        return "localgeary"

    def displayName(self) -> str:
        return "Lokales Geary (auch multivariat)"

    def add_options(self) -> None:
        self.addParameter(QgsProcessingParameterField(
            "FIELDS", "Weitere Zahlenfelder (multivariates lokales Geary; leer: nur das "
            "Zahlenfeld)", parentLayerParameterName="INPUT", type=FIELD_NUMERIC,
            allowMultiple=True, optional=True))

    def options(self, parameters, context) -> dict:
        return {"more": self.parameterAsFields(parameters, "FIELDS", context) or []}


class QuantileLisaAlgorithm(_LocalAlgorithm):
    """geosozial:quantilelisa - local join counts of one quantile class."""

    STATISTIC = "quantile"
    HELP = ("Quantil-LISA (Anselin 2019, wie 'geosozial lisa --statistic quantile'): die "
            "Gebiete werden in K Quantilklassen geteilt (Standard 5), Klasse Q (1 = "
            "niedrigste bis K = höchste; leer = K) wird zu 1, alle anderen zu 0; dann "
            "lokale Join Counts: häufen sich Gebiete dieser Klasse? jc_count (Nachbarn in "
            "derselben Klasse), jc_p, jc_q und jc_cluster (Cluster, nicht signifikant, "
            "isoliert). Alternativhypothese standardmäßig einseitig (größer)."
            + _INFERENCE_HELP)

    def name(self) -> str:
        return "quantilelisa"

    def displayName(self) -> str:
        return "Quantil-LISA (Häufung einer Quantilklasse)"

    def add_options(self) -> None:
        add_quantile_parameters(self)

    def options(self, parameters, context) -> dict:
        return quantile_options(self, parameters, context)


class JoinCountAlgorithm(_LocalAlgorithm):
    """geosozial:joincount - local join counts of a 0/1 field."""

    STATISTIC = "joincount"
    HELP = ("Lokale Join Counts eines 0/1-Felds (wie 'geosozial lisa --statistic "
            "joincount'): für jedes Gebiet mit 1 die Zahl der Nachbarn, die ebenfalls 1 "
            "haben, und ob das mehr ist als zufällig. jc_count, jc_p, jc_q und jc_cluster "
            "(Cluster, nicht signifikant, isoliert); Gebiete mit 0 werden nicht getestet. "
            "Das Feld muss überall 0 oder 1 sein (andere Werte werden mit Schlüssel "
            "genannt). Alternativhypothese standardmäßig einseitig (größer)."
            + _INFERENCE_HELP)

    def name(self) -> str:
        return "joincount"

    def displayName(self) -> str:
        return "Lokale Join Counts (0/1-Feld)"


def add_quantile_parameters(alg) -> None:
    """QUANTILES (K, default 5) and QUANTILE (Q, 1 = lowest; empty: K) of the quantile
    LISA, as ``--quantiles`` and ``--quantile`` (checked by the core)."""
    alg.addParameter(QgsProcessingParameterNumber(
        "QUANTILES", "Quantil-LISA: Anzahl Quantilklassen K", defaultValue=5, minValue=2))
    alg.addParameter(QgsProcessingParameterNumber(
        "QUANTILE", "Quantil-LISA: untersuchte Klasse Q (1 = niedrigste bis K = höchste; "
        "leer: K)", optional=True, minValue=1))


def quantile_options(alg, parameters, context) -> dict:
    """``quantiles`` and ``quantile`` (Q defaults to K, as on the command line)."""
    k = alg.parameterAsInt(parameters, "QUANTILES", context)
    given = parameters.get("QUANTILE") if isinstance(parameters, dict) else None
    q = alg.parameterAsInt(parameters, "QUANTILE", context) if given not in (None, "") else k
    return {"quantiles": k, "quantile": q}
