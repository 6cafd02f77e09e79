"""geosozial:join and geosozial:aggregate - tables to areas, areas to Sozialräume.

Both algorithms only convert: layer features and files become the arrays of
:mod:`geosozial.core` and the results become features again. Every rule - reading a
GENESIS or plain table, key repair, the duplicate policy, the two-way join report,
text attribute columns, confidentiality (primary and secondary suppression, relations,
public Kreis totals), Sozialraum sums and rates - is the core's, the same functions the
command line and the Python API call (:func:`geosozial.core.join.join_protected`,
:func:`geosozial.core.sozialraum.aggregate_joined`). So ``geosozial:join`` gives the
values, flags and report of ``geosozial join`` (with CROSSWALK as ``--crosswalk``: the
report names territories changed under the same key and the successors of unmatched
keys), and ``geosozial:aggregate`` those of ``geosozial aggregate``.
"""

from __future__ import annotations

import json
from typing import Any

from qgis.core import (
    QgsFeature,
    QgsFields,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterString,
)

from .alg_base import GeosozialAlgorithm, log_notices
from .compat import FAST_INSERT, FIELD_NUMERIC, SOURCE_ANY, SOURCE_POLYGON, WKB_MULTIPOLYGON
from .qgis_arrays import (
    column_cells,
    column_field,
    layer_columns,
    layer_table,
    merged_geometry,
    plain_value,
    read_area_features,
)

DECIMALS = [None, ",", "."]
DECIMAL_LABELS = ["automatisch (je Spalte, wie geosozial join)", "Komma (1.234,5)",
                  "Punkt (1234.5)"]
TABLE_FILTER = ("Tabellen (*.csv *.CSV *.txt *.xlsx *.XLSX *.xlsm *.zip);;"
                "Alle Dateien (*.*)")
MAPPING_FILTER = "Zuordnungstabellen (*.csv *.CSV *.txt *.xlsx *.XLSX *.xlsm);;Alle Dateien (*.*)"
CROSSWALK_FILTER = ("Umsteigeschlüssel (*.csv *.CSV *.txt *.xlsx *.XLSX *.xlsm);;"
                    "Alle Dateien (*.*)")
#: parameters of the core's crosswalk reader and the algorithm parameters that set them
CROSSWALK_OPTIONS = {"sheet": "CROSSWALK_SHEET", "share": "CROSSWALK_SHARE"}


def _define_messages() -> None:
    from geosozial.core.messages import define

    define("qgis.table_choice",
           de="Bitte genau eine Tabelle angeben: als Datei (Tabellendatei) oder als geladenen "
           "Layer (Tabelle), nicht {given}.",
           en="give exactly one table: a file (table file) or a loaded layer (table), not "
           "{given}.")
    define("qgis.mapping_choice",
           de="Bitte genau eine Zuordnung angeben: eine Zuordnungsdatei (AGS;Sozialraum) oder "
           "ein Sozialraum-Feld der Gebiete, nicht {given}.",
           en="give exactly one assignment: a mapping file (AGS;Sozialraum) or a Sozialraum "
           "field of the areas, not {given}.")


def _given(parameters, name: str) -> bool:
    value = parameters.get(name)
    return value is not None and str(value).strip() != ""


def _write_atomically(path: str, text: str) -> None:
    """Write ``text`` atomically (the core's rule: temporary file, then rename)."""
    from geosozial.core.outputs import atomic_write_text, check_outputs

    check_outputs([("REPORT", path, "json" if path.lower().endswith(".json") else "txt")])
    atomic_write_text(path, text)


def add_crosswalk_parameters(algorithm, label: str, optional: bool) -> None:
    """CROSSWALK (CSV ``alt;neu;anteil`` or a BBSR workbook), CROSSWALK_SHEET and
    CROSSWALK_SHARE: the file and the options of
    :func:`geosozial.core.crosswalk_files.read_crosswalk`."""
    algorithm.addParameter(QgsProcessingParameterFile(
        "CROSSWALK", label, optional=optional, fileFilter=CROSSWALK_FILTER))
    algorithm.addParameter(QgsProcessingParameterString(
        "CROSSWALK_SHEET", "Nur BBSR-XLSX: Tabellenblatt oder Jahr des alten "
        "Gebietsstands, z. B. 2015", optional=True))
    algorithm.addParameter(QgsProcessingParameterString(
        "CROSSWALK_SHARE", "Anteil: BBSR-XLSX flaeche, bevoelkerung (Standard) oder "
        "beschaeftigte; CSV: Name der Anteilsspalte (leer: anteil)", optional=True))


def read_crosswalk_parameter(algorithm, parameters, context, gebietsstand: str = ""):
    """The CROSSWALK file as the core reads it (None when none is given); a sheet or
    share the core refuses is named by its parameter (CROSSWALK_SHEET, CROSSWALK_SHARE)."""
    from geosozial.core.crosswalk_files import read_crosswalk
    from geosozial.core.messages import GeosozialError

    path = algorithm.parameterAsFile(parameters, "CROSSWALK", context)
    if not path:
        return None
    try:
        return read_crosswalk(
            path, sheet=algorithm.optional_string(parameters, "CROSSWALK_SHEET", context),
            share=algorithm.optional_string(parameters, "CROSSWALK_SHARE", context),
            gebietsstand=gebietsstand)
    except GeosozialError as exc:
        if exc.params.get("param") in CROSSWALK_OPTIONS:
            exc.params["param"] = CROSSWALK_OPTIONS[exc.params["param"]]
        raise


def _sink(algorithm, parameters, name, context, columns, names, geometry_type, crs,
          base_fields=None):
    fields = QgsFields(base_fields) if base_fields is not None else QgsFields()
    for column in names:
        fields.append(column_field(columns, column))
    sink, dest_id = algorithm.parameterAsSink(parameters, name, context, fields, geometry_type,
                                              crs)
    return fields, sink, dest_id


def add_table_parameters(alg: Any, sheet_label: str, fields_label: str) -> None:
    """The parameters of a table to read (file or loaded layer, sheet, decimal mark, key
    column, value columns), the same for ``join`` and ``crosswalkapply``
    (:meth:`JoinAlgorithm.table` reads them)."""
    alg.addParameter(QgsProcessingParameterFile(
        "TABLE_FILE", "Tabellendatei (GENESIS-/Regionalstatistik-CSV, XLSX, CSV)",
        optional=True, fileFilter=TABLE_FILTER))
    alg.addParameter(QgsProcessingParameterString("SHEET", sheet_label, optional=True))
    alg.addParameter(QgsProcessingParameterEnum(
        "DECIMAL", "Dezimalzeichen der Tabelle (nur nötig, wenn es nicht eindeutig ist)",
        options=DECIMAL_LABELS, defaultValue=0))
    alg.addParameter(QgsProcessingParameterFeatureSource(
        "TABLE", "oder: Tabelle als geladener Layer", [SOURCE_ANY], optional=True))
    alg.addParameter(QgsProcessingParameterField(
        "TABLE_KEY_FIELD", "Schlüsselspalte der Tabelle (leer: erkannt, z. B. AGS, ARS, "
        "Schlüssel; bei GENESIS-Dateien nicht nötig)", parentLayerParameterName="TABLE",
        optional=True))
    alg.addParameter(QgsProcessingParameterField(
        "FIELDS", fields_label, parentLayerParameterName="TABLE", allowMultiple=True,
        optional=True))


class JoinAlgorithm(GeosozialAlgorithm):
    """geosozial:join - ``geosozial join`` for QGIS layers and table files."""

    HELP = ("Verknüpft eine Tabelle über AGS/ARS mit den Gebieten, mit denselben Regeln wie "
            "'geosozial join': die Tabelle als Datei (GENESIS/Regionalstatistik-CSV klassisch "
            "oder flach, GENESIS-XLSX, einfache CSV/XLSX mit Schlüsselspalte) oder als "
            "geladener Layer. Statistische Zeichen (., x, /, ..., –, p, r, s) werden zu Wert "
            "plus Kennzeichen im Feld <Spalte>_flag; nur '-' bedeutet null. Textspalten (Name, "
            "Kreis, Bemerkung) werden als Textmerkmale übernommen. Geheimhaltung: Fallzahlen "
            "von 1 bis Mindestfallzahl - 1 werden gesperrt ('geheim'), dazu sekundär so viel, "
            "dass sich keine gesperrte Zahl aus Kreissummen oder Summenbeziehungen errechnen "
            "lässt. Doppelte Tabellenzeilen mit gleichen Werten werden einmal verwendet und "
            "gemeldet, mit verschiedenen Werten ist es ein Fehler; Gebiete mit gleichem "
            "Schlüssel werden zu einer Fläche vereinigt. Der Bericht nennt beide Richtungen: "
            "Tabellenzeilen ohne Geometrie, Gebiete ohne Daten und doppelte Schlüssel. "
            "Hat die Tabelle einen älteren Gebietsstand als die Gebiete, nennt der Bericht "
            "mit einem Umsteigeschlüssel (CROSSWALK, wie --crosswalk; CSV alt;neu;anteil, "
            "z. B. von 'Umsteigeschlüssel aus zwei Gebietsständen ableiten', oder "
            "BBSR-XLSX) die Gemeinden, deren Gebiet sich bei gleichem Schlüssel geändert "
            "hat ('umfasst jetzt ...'), und zu jeder Tabellenzeile ohne Geometrie die "
            "Nachfolgerin ('Gebietsstand prüfen: gehört jetzt zu ...'); umgerechnet wird "
            "dabei nichts (dafür 'Tabelle auf einen neuen Gebietsstand umrechnen').")

    def name(self) -> str:
        return "join"

    def displayName(self) -> str:
        return "Tabelle mit Gebieten verknüpfen"

    def initAlgorithm(self, config=None) -> None:
        self.add_input(numeric_field=False)
        self.addParameter(QgsProcessingParameterField(
            "NAME_FIELD", "Namensfeld der Gebiete (leer: GEN, NAME, ...)",
            parentLayerParameterName="INPUT", optional=True))
        add_table_parameters(self, "Tabellenblatt (nur XLSX; leer: das erste)",
                             "Wertspalten (leer: alle; Textspalten kommen als Merkmale mit)")
        self.add_confidentiality()
        add_crosswalk_parameters(
            self, "Umsteigeschlüssel (optional, wie --crosswalk): nennt geänderte Gebiete "
            "und Nachfolger (CSV alt;neu;anteil oder BBSR-XLSX)", optional=True)
        self.addParameter(QgsProcessingParameterFeatureSink(
            "OUTPUT", "Verknüpfte Gebiete", SOURCE_POLYGON))
        self.addParameter(QgsProcessingParameterFileDestination(
            "REPORT", "Verknüpfungsbericht (Text, oder JSON bei Endung .json)",
            fileFilter="Text (*.txt);;JSON (*.json)", optional=True, createByDefault=False))
        for name, label in (("MATCHED", "verknüpfte Gebiete"),
                            ("TABLE_ONLY", "Tabellenzeilen ohne Geometrie"),
                            ("AREAS_ONLY", "Gebiete ohne Daten"),
                            ("DUPLICATES", "doppelte Schlüssel in der Tabelle"),
                            ("DUPLICATE_AREAS", "doppelte Schlüssel in den Gebieten")):
            self.addOutput(QgsProcessingOutputNumber(name, label))
        self.addOutput(QgsProcessingOutputString("REPORT_TEXT", "Bericht"))

    def table(self, parameters, context, columns):
        """The table as the core reads it: from the file, or from the loaded layer."""
        from geosozial.core.messages import GeosozialError
        from geosozial.core.tables.read import read_table

        _define_messages()
        has_file, has_layer = _given(parameters, "TABLE_FILE"), _given(parameters, "TABLE")
        if has_file == has_layer:
            raise GeosozialError("qgis.table_choice",
                                 given="beide" if has_file else "keine")
        key_column = self.optional_string(parameters, "TABLE_KEY_FIELD", context)
        if has_file:
            path = self.parameterAsFile(parameters, "TABLE_FILE", context)
            return read_table(path, key_column=key_column,
                              sheet=self.optional_string(parameters, "SHEET", context),
                              columns=columns, decimal=self.decimal(parameters, context))
        source = self.parameterAsSource(parameters, "TABLE", context)
        if source is None:
            raise QgsProcessingException("Tabelle fehlt oder kann nicht gelesen werden.")
        layer = self.parameterAsVectorLayer(parameters, "TABLE", context)
        skip: tuple[str, ...] = ()
        if layer is not None:  # provider keys (fid of a GeoPackage) are no table column
            skip = tuple(layer.fields().at(i).name() for i in layer.primaryKeyAttributes())
        return layer_table(source, key_column=key_column, columns=columns, skip_fields=skip,
                           decimal=self.decimal(parameters, context))

    def decimal(self, parameters, context) -> str | None:
        """The DECIMAL parameter: None (decided per column, as the CLI), "," or "."."""
        return DECIMALS[self.parameterAsEnum(parameters, "DECIMAL", context)]

    def compute(self, parameters, context, feedback):
        from geosozial.core.join import join_protected

        areas = self.source(parameters, context)
        key_field = self.parameterAsString(parameters, "KEY_FIELD", context)
        columns = self.parameterAsFields(parameters, "FIELDS", context) or None
        table = self.table(parameters, context, columns)
        crosswalk = read_crosswalk_parameter(self, parameters, context)
        if crosswalk is not None:  # what the reader found (sheet, share, repaired keys)
            log_notices(feedback, crosswalk.notices)
        feedback.setProgress(10)
        area = read_area_features(areas, key_field,
                                  self.optional_string(parameters, "NAME_FIELD", context),
                                  feedback)
        area_notices = list(area.notices)
        if crosswalk is None:  # a table older than the geometries: the core's hint
            from geosozial.core.years import stand_hint

            area_notices += stand_hint(table, area.keys,
                                       self.edition(parameters, context, areas), area.source)
        result = join_protected(area.keys, area.names, table, columns,
                                rule=self.rule(parameters, context),
                                relations=self.relations(parameters, context),
                                key_field=key_field, areas_source=area.source,
                                area_columns=area.field_names, area_notices=area_notices,
                                crosswalk=crosswalk)
        feedback.setProgress(60)
        joined = result.columns
        names = joined.columns
        fields, sink, dest_id = _sink(self, parameters, "OUTPUT", context, joined, names,
                                      areas.wkbType(), areas.sourceCrs(), areas.fields())
        if sink is None:
            raise QgsProcessingException("Ausgabe kann nicht geschrieben werden.")
        cells = column_cells(joined, names)
        for j, rows in enumerate(result.rows):
            out = QgsFeature(fields)
            out.setGeometry(merged_geometry([area.features[i].geometry() for i in rows]))
            out.setAttributes(list(area.features[rows[0]].attributes()) + cells[j])
            sink.addFeature(out, FAST_INSERT)
        report = result.report
        text = report.text("de")
        for line in text.splitlines():
            feedback.pushInfo(line)
        out = {"OUTPUT": dest_id, "MATCHED": report.matched,
               "TABLE_ONLY": len(report.table_only), "AREAS_ONLY": len(report.areas_only),
               "DUPLICATES": len(report.duplicate_table_keys),
               "DUPLICATE_AREAS": len(report.duplicate_area_keys), "REPORT_TEXT": text}
        path = self.parameterAsFileOutput(parameters, "REPORT", context)
        if path:
            if path.lower().endswith(".json"):
                _write_atomically(path, json.dumps(report.as_dict("de"), ensure_ascii=False,
                                                   indent=2) + "\n")
            else:
                _write_atomically(path, text + "\n")
            out["REPORT"] = path
        return out


class AggregateAlgorithm(GeosozialAlgorithm):
    """geosozial:aggregate - ``geosozial aggregate`` for a QGIS layer."""

    HELP = ("Fasst Gemeinden zu Sozialräumen zusammen, mit denselben Regeln wie 'geosozial "
            "aggregate': Zuordnung als Datei (CSV/XLSX, AGS;Sozialraum) oder als Feld der "
            "Gebiete. Zählwerte (leer: alle ganzzahligen Wertspalten mit <Spalte>_flag) werden "
            "summiert; Quoten werden als Quotient der Summen neu berechnet (Indikatoren aus "
            "dem Katalog oder eigene, z. B. frauenanteil=frauen/einwohner*100; mehrere mit ; "
            "trennen). Fehlt ein Mitgliedswert, ist der Sozialraum 'nicht berechenbar'. "
            "Geheimhaltung für Gemeinden und Sozialräume zugleich: Fallzahlen von 1 bis "
            "Mindestfallzahl - 1 werden gesperrt, dazu sekundär so viel, dass sich keine "
            "gesperrte Zahl aus Summen errechnen lässt. Ausgaben: die Sozialräume und die "
            "geschützten Gemeinden mit dem Feld 'sozialraum'.")

    def name(self) -> str:
        return "aggregate"

    def displayName(self) -> str:
        return "Gemeinden zu Sozialräumen zusammenfassen"

    def initAlgorithm(self, config=None) -> None:
        self.add_input(numeric_field=False)
        self.addParameter(QgsProcessingParameterField(
            "NAME_FIELD", "Namensfeld der Gebiete (leer: GEN, NAME, ...)",
            parentLayerParameterName="INPUT", optional=True))
        self.addParameter(QgsProcessingParameterFile(
            "MAPPING_FILE", "Zuordnungsdatei Gemeinde → Sozialraum (CSV/XLSX)",
            optional=True, fileFilter=MAPPING_FILTER))
        self.addParameter(QgsProcessingParameterField(
            "GROUP_FIELD", "oder: Feld mit dem Sozialraum", parentLayerParameterName="INPUT",
            optional=True))
        self.addParameter(QgsProcessingParameterField(
            "COUNT_FIELDS", "Zählwerte (leer: alle ganzzahligen Wertspalten)",
            parentLayerParameterName="INPUT", type=FIELD_NUMERIC, allowMultiple=True,
            optional=True))
        self.addParameter(QgsProcessingParameterString(
            "VARIABLES", "Variablen als Summen, z. B. 'bev_u18=bev_u15+bev_15_18' (mehrere "
            "mit ; trennen)", optional=True))
        self.addParameter(QgsProcessingParameterField(
            "SUM_FIELDS", "Summen, die keine Anzahlen sind (z. B. Fläche in km², wie "
            "--sum), je Sozialraum addiert und nicht gesperrt",
            parentLayerParameterName="INPUT", type=FIELD_NUMERIC, allowMultiple=True,
            optional=True))
        self.addParameter(QgsProcessingParameterString(
            "INDICATORS", "Indikatoren: Katalog-IDs und/oder eigene Quoten, z. B. "
            "'sgb2_quote; frauenanteil=frauen/einwohner*100' (mit ; trennen)", optional=True))
        self.add_confidentiality()
        self.addParameter(QgsProcessingParameterFeatureSink(
            "OUTPUT", "Sozialräume", SOURCE_POLYGON))
        self.addParameter(QgsProcessingParameterFeatureSink(
            "MUNICIPALITIES", "Gemeinden (geschützt, mit Sozialraum)", SOURCE_POLYGON,
            optional=True, createByDefault=True))
        self.addOutput(QgsProcessingOutputString("NOTICES", "Hinweise"))

    def mapping(self, parameters, context, area):
        """The Sozialraum mapping as the core reads it (file, or the field's values)."""
        from geosozial.core.messages import GeosozialError
        from geosozial.core.sozialraum import mapping_from_rows, read_mapping

        _define_messages()
        has_file, has_field = (_given(parameters, "MAPPING_FILE"),
                               _given(parameters, "GROUP_FIELD"))
        if has_file == has_field:
            raise GeosozialError("qgis.mapping_choice", given="beide" if has_file else "keine")
        if has_file:
            return read_mapping(self.parameterAsFile(parameters, "MAPPING_FILE", context))
        group_field = self.parameterAsString(parameters, "GROUP_FIELD", context)
        # the field's values go through the one rule for an assignment (key repair, empty
        # or case-variant Sozialraum names, conflicts); line = feature number
        return mapping_from_rows(
            ((row, key, plain_value(feature[group_field])) for row, (key, feature)
             in enumerate(zip(area.keys, area.features, strict=True), start=1)),
            f"{area.source} (Feld {group_field})")

    def variables(self, parameters, context) -> dict[str, list[str]]:
        from geosozial.core.variables import parse_variables

        return parse_variables(self.text_list(parameters, "VARIABLES", context))

    def indicators(self, parameters, context) -> list:
        from geosozial.core.indicators import indicators_from_specs

        return indicators_from_specs(self.text_list(parameters, "INDICATORS", context))

    def compute(self, parameters, context, feedback):
        from geosozial.core.columns import flag_column, value_columns
        from geosozial.core.sozialraum import aggregate_joined

        source = self.source(parameters, context)
        key_field = self.parameterAsString(parameters, "KEY_FIELD", context)
        area = read_area_features(source, key_field,
                                  self.optional_string(parameters, "NAME_FIELD", context),
                                  feedback)
        mapping = self.mapping(parameters, context, area)
        joined = layer_columns(area.features, source.fields())
        joined["key"] = area.keys
        joined["name"] = area.names
        counts = self.parameterAsFields(parameters, "COUNT_FIELDS", context) or None
        for count in counts or []:  # a plain number field is a value column without symbols
            if flag_column(count) not in joined:
                joined[flag_column(count)] = [""] * len(joined)
        result = aggregate_joined(joined, mapping, variables=self.variables(parameters, context),
                                  indicators=self.indicators(parameters, context),
                                  rule=self.rule(parameters, context),
                                  relations=self.relations(parameters, context), counts=counts,
                                  source=area.source,
                                  sums=self.parameterAsFields(parameters, "SUM_FIELDS",
                                                              context) or (),
                                  edition=self.edition(parameters, context, source) or None)
        feedback.setProgress(60)
        regions = result.sozialraeume
        fields, sink, dest_id = _sink(self, parameters, "OUTPUT", context, regions,
                                      regions.columns, WKB_MULTIPOLYGON, source.sourceCrs())
        if sink is None:
            raise QgsProcessingException("Ausgabe kann nicht geschrieben werden.")
        geometries = [f.geometry() for f in area.features]
        for j, cells in enumerate(column_cells(regions, regions.columns)):
            out = QgsFeature(fields)
            geometry = merged_geometry(
                [g for g, group in zip(geometries, result.group_of, strict=True) if group == j])
            geometry.convertToMultiType()
            out.setGeometry(geometry)
            out.setAttributes(cells)
            sink.addFeature(out, FAST_INSERT)
        out = {"OUTPUT": dest_id}
        members = result.municipalities
        municipal = self._municipalities(parameters, context, source, area, members,
                                         value_columns(members))
        if municipal is not None:
            out["MUNICIPALITIES"] = municipal
        names = regions.texts("name")
        withheld = [names[j] for j in range(len(regions))
                    if any(regions.flags(c)[j] == "geheim" for c in result.counts)]
        rule = self.rule(parameters, context)
        feedback.pushInfo(f"Sozialräume: {len(regions)}; "
                          f"{rule.describe() if rule else 'keine Geheimhaltung'}; Sozialräume mit "
                          f"gesperrten Werten: {', '.join(withheld) or 'keine'}")
        log_notices(feedback, result.notices)
        out["NOTICES"] = "\n".join(f"[{n.severity}] {n.text('de')}" for n in result.notices)
        return out

    def _municipalities(self, parameters, context, source, area, members, values):
        """The protected municipalities: the input fields (values and flags as the core
        left them) and the new columns (derived variables, indicators, sozialraum)."""
        from geosozial.core.columns import flag_column

        owned = set(values) | {flag_column(c) for c in values}
        original = [f.name() for f in source.fields()]
        added = [c for c in members.columns if c not in original and c not in ("key", "name")]
        fields = QgsFields()
        for f in source.fields():
            fields.append(column_field(members, f.name()) if f.name() in owned else f)
        for column in added:
            fields.append(column_field(members, column))
        sink, dest_id = self.parameterAsSink(parameters, "MUNICIPALITIES", context, fields,
                                             source.wkbType(), source.sourceCrs())
        if sink is None:
            return None
        core_names = [c for c in original if c in owned] + added
        cells = column_cells(members, core_names)
        positions = {c: i for i, c in enumerate(core_names)}
        for feature, row in zip(area.features, cells, strict=True):
            attributes = feature.attributes()
            values_out = [row[positions[name]] if name in owned else attributes[i]
                          for i, name in enumerate(original)]
            values_out += row[len(core_names) - len(added):]
            out = QgsFeature(fields)
            out.setGeometry(feature.geometry())
            out.setAttributes(values_out)
            sink.addFeature(out, FAST_INSERT)
        return dest_id
