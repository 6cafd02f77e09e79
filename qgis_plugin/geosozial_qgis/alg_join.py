"""geosozial:join and geosozial:aggregate - tables to areas, areas to Sozialräume.

Keys are normalised as in the Python path (AGS 8 / ARS 12 digits, leading zeros
restored and reported); official symbols become a value plus a ``<field>_flag`` field
(only ``-`` is zero). Aggregation sums numerator and denominator per Sozialraum and
divides; a member without a value makes the Sozialraum "nicht berechenbar"; small
counts are withheld with secondary suppression so that no withheld count can be
computed from the published sums (:mod:`geosozial.core.confidentiality`).
"""

from __future__ import annotations

import math

import numpy as np
from qgis.core import (
    QgsFeature,
    QgsFeatureRequest,
    QgsFields,
    QgsGeometry,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
)

from .alg_base import GeosozialAlgorithm
from .compat import (
    DOUBLE,
    FAST_INSERT,
    FIELD_NUMERIC,
    INT,
    NUMBER_DOUBLE,
    SKIP_VALIDITY_CHECKS,
    SOURCE_ANY,
    SOURCE_POLYGON,
    STRING,
    WKB_MULTIPOLYGON,
    new_field,
)


def _key(value, kind: str) -> tuple[str, bool]:
    from geosozial.core.keys import normalize_key

    if value is None or (hasattr(value, "isNull") and value.isNull()):
        return "", False
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return normalize_key(str(value).strip(), kind)


def _kind(values: list) -> str:
    lengths = {len(str(v).strip()) for v in values if v not in (None, "")}
    return "ARS" if lengths and max(lengths) > 9 else "AGS"


def _cell(value) -> tuple[float, str]:
    from geosozial.core.symbols import parse_cell

    if value is None or (hasattr(value, "isNull") and value.isNull()):
        return math.nan, ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value), ""
    return parse_cell(str(value))


class JoinAlgorithm(GeosozialAlgorithm):
    """geosozial:join."""

    HELP = ("Verknüpft eine Tabelle (z. B. CSV aus Regionalstatistik/GENESIS, als Layer "
            "geladen) über AGS/ARS mit den Gebieten. Der Bericht nennt beide Richtungen: "
            "Tabellenzeilen ohne Geometrie, Gebiete ohne Daten und doppelte Schlüssel. "
            "Statistische Zeichen (., x, /, ..., –, p, r, s) werden zu Wert plus Kennzeichen "
            "im Feld <Feld>_flag; nur '-' bedeutet null.")

    def name(self) -> str:
        return "join"

    def displayName(self) -> str:
        return "Tabelle mit Gebieten verknüpfen"

    def initAlgorithm(self, config=None) -> None:
        self.add_input(numeric_field=False)
        self.addParameter(QgsProcessingParameterFeatureSource(
            "TABLE", "Tabelle", [SOURCE_ANY]))
        self.addParameter(QgsProcessingParameterField(
            "TABLE_KEY_FIELD", "Schlüsselfeld der Tabelle", parentLayerParameterName="TABLE"))
        self.addParameter(QgsProcessingParameterField(
            "FIELDS", "Zu übernehmende Felder (leer: alle)", parentLayerParameterName="TABLE",
            allowMultiple=True, optional=True))
        self.addParameter(QgsProcessingParameterFeatureSink(
            "OUTPUT", "Verknüpfte Gebiete", SOURCE_POLYGON))
        self.addParameter(QgsProcessingParameterFileDestination(
            "REPORT", "Verknüpfungsbericht", fileFilter="Text (*.txt)", optional=True))
        for name, label in (("MATCHED", "verknüpfte Gebiete"),
                            ("TABLE_ONLY", "Tabellenzeilen ohne Geometrie"),
                            ("AREAS_ONLY", "Gebiete ohne Daten"),
                            ("DUPLICATES", "doppelte Schlüssel")):
            self.addOutput(QgsProcessingOutputNumber(name, label))
        self.addOutput(QgsProcessingOutputString("REPORT_TEXT", "Bericht"))

    def compute(self, parameters, context, feedback):
        areas = self.source(parameters, context)
        table = self.parameterAsSource(parameters, "TABLE", context)
        key_field = self.parameterAsString(parameters, "KEY_FIELD", context)
        table_key = self.parameterAsString(parameters, "TABLE_KEY_FIELD", context)
        wanted = self.parameterAsFields(parameters, "FIELDS", context) or [
            f.name() for f in table.fields() if f.name() != table_key]
        rows = list(table.getFeatures(QgsFeatureRequest(), SKIP_VALIDITY_CHECKS))
        kind = _kind([r[table_key] for r in rows])
        lines = []
        by_key: dict[str, QgsFeature] = {}
        duplicates, repaired = [], 0
        for n, row in enumerate(rows, start=2):
            try:
                key, fixed = _key(row[table_key], kind)
            except Exception as exc:  # GeosozialError: unrepairable key, named with its line
                raise QgsProcessingException(
                    f"{table.sourceName()}, Zeile {n}: {exc}") from exc
            repaired += fixed
            if key in by_key:
                duplicates.append(key)
                continue
            by_key[key] = row
        fields = QgsFields(areas.fields())
        for name in wanted:
            fields.append(new_field(name, DOUBLE))
            fields.append(new_field(f"{name}_flag", STRING))
        sink, dest_id = self.parameterAsSink(parameters, "OUTPUT", context, fields,
                                             areas.wkbType(), areas.sourceCrs())
        matched, areas_only, seen = 0, [], set()
        for feature in areas.getFeatures(QgsFeatureRequest(), SKIP_VALIDITY_CHECKS):
            key, _ = _key(feature[key_field], kind)
            out = QgsFeature(fields)
            out.setGeometry(feature.geometry())
            values = list(feature.attributes())
            row = by_key.get(key)
            if row is None:
                areas_only.append(key)
            else:
                matched += 1
                seen.add(key)
            for name in wanted:
                value, flag = _cell(row[name]) if row is not None else (math.nan, "")
                values += [None if value != value else value, flag]
            out.setAttributes(values)
            sink.addFeature(out, FAST_INSERT)
        table_only = [k for k in by_key if k not in seen]
        lines.append(f"Verknüpft: {matched} von {areas.featureCount()} Gebieten "
                     f"({table.sourceName()} → {areas.sourceName()}).")
        if repaired:
            lines.append(f"Schlüssel repariert (führende Null ergänzt): {repaired}.")
        lines.append(f"Tabellenzeilen ohne Geometrie: {len(table_only)}"
                     + (f" ({', '.join(table_only[:30])})" if table_only else ""))
        lines.append(f"Gebiete ohne Daten: {len(areas_only)}"
                     + (f" ({', '.join(areas_only[:30])})" if areas_only else ""))
        lines.append(f"Doppelte Schlüssel in der Tabelle (erste Zeile verwendet): "
                     f"{len(duplicates)}" + (f" ({', '.join(duplicates[:30])})"
                                             if duplicates else ""))
        text = "\n".join(lines)
        for line in lines:
            feedback.pushInfo(line)
        out = {"OUTPUT": dest_id, "MATCHED": matched, "TABLE_ONLY": len(table_only),
               "AREAS_ONLY": len(areas_only), "DUPLICATES": len(duplicates),
               "REPORT_TEXT": text}
        path = self.parameterAsFileOutput(parameters, "REPORT", context)
        if path:
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(text + "\n")
            out["REPORT"] = path
        return out


class AggregateAlgorithm(GeosozialAlgorithm):
    """geosozial:aggregate."""

    HELP = ("Fasst Gemeinden zu Sozialräumen zusammen (Feld mit dem Sozialraum oder "
            "Zuordnungstabelle): Zähler und Nenner werden summiert, dann geteilt (Quote der "
            "Summen). Fehlt ein Mitgliedswert, ist der Sozialraum 'nicht berechenbar'. "
            "Geheimhaltung: Fallzahlen von 1 bis Mindestfallzahl - 1 werden gesperrt, dazu "
            "sekundär so viel, dass sich keine gesperrte Zahl aus Summen errechnen lässt.")

    def name(self) -> str:
        return "aggregate"

    def displayName(self) -> str:
        return "Gemeinden zu Sozialräumen zusammenfassen"

    def initAlgorithm(self, config=None) -> None:
        self.add_input(numeric_field=False)
        self.addParameter(QgsProcessingParameterField(
            "GROUP_FIELD", "Sozialraum-Feld der Gebiete", parentLayerParameterName="INPUT",
            optional=True))
        self.addParameter(QgsProcessingParameterFeatureSource(
            "MAPPING", "Zuordnungstabelle (statt Sozialraum-Feld)", [SOURCE_ANY],
            optional=True))
        self.addParameter(QgsProcessingParameterField(
            "MAPPING_KEY_FIELD", "Schlüsselfeld der Zuordnung", parentLayerParameterName="MAPPING",
            optional=True))
        self.addParameter(QgsProcessingParameterField(
            "MAPPING_GROUP_FIELD", "Sozialraum-Feld der Zuordnung",
            parentLayerParameterName="MAPPING", optional=True))
        self.addParameter(QgsProcessingParameterField(
            "NUMERATOR", "Zähler (Fallzahl)", parentLayerParameterName="INPUT",
            type=FIELD_NUMERIC))
        self.addParameter(QgsProcessingParameterField(
            "DENOMINATOR", "Nenner (Bezugsgröße)", parentLayerParameterName="INPUT",
            type=FIELD_NUMERIC))
        self.addParameter(QgsProcessingParameterNumber(
            "SCALE", "Faktor (100 = Prozent)", type=NUMBER_DOUBLE,
            defaultValue=100.0))
        self.addParameter(QgsProcessingParameterNumber(
            "MIN_COUNT", "Mindestfallzahl (kleinere Zahlen ab 1 werden gesperrt)",
            defaultValue=3, minValue=1))
        self.addParameter(QgsProcessingParameterFeatureSink(
            "OUTPUT", "Sozialräume", SOURCE_POLYGON))

    def compute(self, parameters, context, feedback):
        from geosozial.core.confidentiality import ConfidentialityRule, Protection

        areas = self.source(parameters, context)
        key_field = self.parameterAsString(parameters, "KEY_FIELD", context)
        numerator = self.parameterAsString(parameters, "NUMERATOR", context)
        denominator = self.parameterAsString(parameters, "DENOMINATOR", context)
        scale = self.parameterAsDouble(parameters, "SCALE", context)
        rule = ConfidentialityRule(min_count=self.parameterAsInt(parameters, "MIN_COUNT",
                                                                 context))
        group_of = self._groups(parameters, context)
        members, groups, geoms, keys = [], [], {}, []
        unmapped = []
        for feature in areas.getFeatures(QgsFeatureRequest(), SKIP_VALIDITY_CHECKS):
            key = str(feature[key_field])
            group = group_of(feature, key)
            if not group:
                unmapped.append(key)
                continue
            keys.append(key)
            groups.append(group)
            members.append([_cell(feature[numerator])[0], _cell(feature[denominator])[0]])
            geoms.setdefault(group, []).append(QgsGeometry(feature.geometry()))
        if unmapped:
            raise QgsProcessingException(
                f"{areas.sourceName()}: {len(unmapped)} Gebiete ohne Sozialraum "
                f"({', '.join(unmapped[:20])}); jedes Gebiet braucht eine Zuordnung.")
        labels = sorted(set(groups))
        index = np.array([labels.index(g) for g in groups])
        values = np.array(members, dtype=float).reshape(-1, 2)
        protection = Protection.for_table(values, index)
        protection.solve(rule)
        n, g = len(values), len(labels)
        stride = n + g + 1
        fields = QgsFields()
        for name, kind in (("sozialraum", STRING), ("anzahl_gemeinden", INT),
                           (numerator, DOUBLE),
                           (denominator if denominator != numerator else f"{denominator}_nenner",
                            DOUBLE),
                           ("quote", DOUBLE), ("quote_flag", STRING)):
            fields.append(new_field(name, kind))
        sink, dest_id = self.parameterAsSink(parameters, "OUTPUT", context, fields,
                                             WKB_MULTIPOLYGON, areas.sourceCrs())
        withheld_groups = []
        for j, label in enumerate(labels):
            rows = values[index == j]
            sums = rows.sum(axis=0)
            hidden = [bool(protection.withheld[v * stride + n + j]) for v in (0, 1)]
            flag = ""
            if np.isnan(sums).any():
                flag = "nicht_berechenbar"
            elif any(hidden):
                flag = "geheim"
                withheld_groups.append(label)
            elif sums[1] == 0:
                flag = "nenner_null"
            quote = None if flag else float(sums[0] / sums[1] * scale)
            out = QgsFeature(fields)
            out.setGeometry(QgsGeometry.unaryUnion(geoms[label]))
            out.setAttributes([label, len(rows),
                               None if hidden[0] or math.isnan(sums[0]) else float(sums[0]),
                               None if hidden[1] or math.isnan(sums[1]) else float(sums[1]),
                               quote, flag])
            sink.addFeature(out, FAST_INSERT)
        feedback.pushInfo(f"Sozialräume: {g}; {rule.describe()}; gesperrt: "
                          f"{', '.join(withheld_groups) or 'keine'}")
        if protection.exposed_anyway.any():
            feedback.reportError("Eine gesperrte Zahl lässt sich aus öffentlichen Summen "
                                 "ohnehin errechnen.", False)
        return {"OUTPUT": dest_id}

    def _groups(self, parameters, context):
        group_field = self.parameterAsString(parameters, "GROUP_FIELD", context)
        if group_field:
            return lambda feature, key: str(feature[group_field] or "").strip()
        mapping = self.parameterAsSource(parameters, "MAPPING", context)
        if mapping is None:
            raise QgsProcessingException("Bitte ein Sozialraum-Feld oder eine "
                                         "Zuordnungstabelle angeben.")
        mkey = self.parameterAsString(parameters, "MAPPING_KEY_FIELD", context)
        mgroup = self.parameterAsString(parameters, "MAPPING_GROUP_FIELD", context)
        if not mkey or not mgroup:
            raise QgsProcessingException("Zuordnungstabelle: Schlüsselfeld und "
                                         "Sozialraum-Feld angeben.")
        table = {}
        for row in mapping.getFeatures(QgsFeatureRequest(), SKIP_VALIDITY_CHECKS):
            table[str(row[mkey]).strip()] = str(row[mgroup] or "").strip()
        return lambda feature, key: table.get(key.strip(), "")
