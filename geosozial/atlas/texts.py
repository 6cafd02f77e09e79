"""The fixed texts of the atlas, German and English, and the labels of count variables.

Examples
--------
>>> text("de", "home"), text("en", "home")
('Startseite', 'Home')
>>> text("de", "withheld_n", n=2)
'2 Werte geheim gehalten'
>>> variable_label("bev_65plus"), variable_label("bev_65plus", "en")
('Einwohner ab 65 Jahren', 'inhabitants 65 and over')
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

__all__ = ["LANGUAGES", "TEXTS", "TOTAL_WORDS", "UNITS_EN", "for_total", "text", "unit_text",
           "variable_label", "whole_area"]

LANGUAGES = ("de", "en")

TEXTS: dict[str, dict[str, str]] = {
    "de": {
        "skip": "Zum Inhalt springen",
        "home": "Startseite",
        "nav": "Navigation",
        "compare": "Vergleich",
        "compare_title": "Gebiete vergleichen",
        "downloads": "Downloads",
        "indicators": "Indikatoren",
        "indicator": "Indikator",
        "gemeinden": "Gemeinden",
        "gemeinde": "Gemeinde",
        "sozialraeume": "Sozialräume",
        "sozialraum": "Sozialraum",
        "kreis": "Kreis",
        "land": "Land",
        "area": "Gebiet",
        "key": "Schlüssel",
        "year": "Jahr",
        "value": "Wert",
        "values": "Werte",
        "unit": "Einheit",
        "rank": "Rang",
        "count": "Anzahl",
        "share": "Anteil",
        "flag": "Kennzeichen",
        "stand": "Stand",
        "stichtag": "Stichtag",
        "gebietsstand": "Gebietsstand",
        "sources": "Quellen",
        "source": "Quelle",
        "created": "Erstellt",
        "rule": "Geheimhaltung",
        "made_with": "Erstellt mit geosozial {version}. Die Seiten laden nichts aus dem Netz.",
        "search": "Suche",
        "search_label": "Gebiet oder Indikator suchen",
        "search_hint": "Mindestens zwei Buchstaben eingeben; die Treffer erscheinen darunter.",
        "search_none": "Keine Treffer.",
        "search_hits": "{n} Treffer",
        "key_figures": "Kennzahlen des Kreises",
        "trend": "Entwicklung",
        "since": "seit {year}",
        "not_computable": "nicht berechenbar",
        "handlungsfelder": "Handlungsfelder",
        "default_field": "Indikatoren",
        "choose_area": "Gebiet auf der Karte wählen",
        "map_hint": "Jede Gemeinde auf der Karte ist ein Link zu ihrem Sozialdatenblatt; "
                    "dieselben Links stehen in der Liste der Gemeinden.",
        "run_maps": "Karten",
        "map_years": "Karte aller Jahre (Gemeinden)",
        "map_years_sr": "Karte aller Jahre (Sozialräume)",
        "map_change": "Karte der Veränderung {year}",
        "map_year": "Karte {year} (alle Indikatoren)",
        "map_lisa": "LISA-Clusterkarte {year}",
        "map_gi": "Hot-Spot-Karte (Gi*) {year}",
        "map_emerging": "Emerging Hot Spots {first}–{last}",
        "map_geary": "Lokaler Geary {year}",
        "map_quantile": "Quantil-LISA {year}",
        "sheet": "Sozialdatenblatt",
        "sheet_title": "Sozialdatenblatt {name}",
        "sheets": "Sozialdatenblätter",
        "population": "Bevölkerung und Altersstruktur",
        "population_total": "Einwohner insgesamt",
        "age_chart": "Altersgruppen",
        "all_indicators": "Indikatoren im Überblick",
        "deviation": "Abweichung vom Kreis",
        "spine": "Abweichung vom Kreiswert (Spine-Chart)",
        "spine_desc": "Für jeden Indikator: Spannweite der Gemeindewerte (Balken), mittlere "
                      "Hälfte (dunkler), Kreiswert (senkrechte Linie in der Mitte), Wert von "
                      "{name} (Kreis){sr}. Wo der Kreiswert nicht berechenbar ist, liegt "
                      "der Median der Gemeinden in der Mitte.",
        "spine_sr": " und Wert des Sozialraums (Raute)",
        "series": "Zeitreihen",
        "series_of": "Entwicklung {label}",
        "location": "Lage im Kreis",
        "location_title": "Lage von {name} im {kreis}",
        "location_desc": "Karte des Kreises mit {n} Gemeinden; {name} ist hervorgehoben.",
        "clusters": "Räumliche Muster",
        "no_clusters": "{name} gehört zu keinem signifikanten Cluster und keinem Hot oder "
                       "Cold Spot der untersuchten Indikatoren ({indicators}).",
        "no_analysis": "Für dieses Gebiet wurden keine räumlichen Statistiken berechnet.",
        "notes": "Hinweise",
        "withheld_note": "Geheim gehalten: {items}. Regel: {rule}. Werte, aus denen sich "
                         "ein geheim gehaltener Wert berechnen ließe, sind ebenfalls gesperrt.",
        "withheld_n": "{n} Werte geheim gehalten",
        "converted_note": "Umgerechnet auf den Gebietsstand {stand}: die Werte der Jahre "
                          "{years} (Gebietsänderung; Zählwerte über einen Umsteigeschlüssel "
                          "umgerechnet, Quoten daraus neu berechnet). Mit * markiert.",
        "converted_mark": "* umgerechnet auf den Gebietsstand {stand}",
        "nc_note": "Nicht berechenbar: {items} (ein Mitglied ohne Wert, geheim oder fehlend).",
        "gebietsstand_note": "Alle Werte auf dem Gebietsstand {stand}.",
        "members": "Gemeinden des Sozialraums",
        "part_of": "Gehört zu",
        "table_word": "Tabelle",
        "median": "Median",
        "label_col": "Bezeichnung",
        "group": "Gruppe",
        "n_gemeinden": "{n} Gemeinden",
        "kind": "Art",
        "print": "Drucken",
        "ranking": "Rangfolge {year}",
        "ranking_gem": "Gemeinden {year}, absteigend nach Wert",
        "ranking_sr": "Sozialräume {year}, absteigend nach Wert",
        "distribution": "Verteilung {year}",
        "hist_desc": "Histogramm der Werte von {n} Gemeinden im Jahr {year} in {k} Klassen "
                     "von {lo} bis {hi} {unit}.{missing}",
        "hist_missing": " {n} Gemeinden ohne Wert sind nicht enthalten.",
        "hist_class": "Klasse",
        "hist_from_to": "{lo} bis unter {hi}",
        "hist_from_to_last": "{lo} bis {hi}",
        "timeseries": "Zeitreihe Kreis und Sozialräume",
        "ts_desc": "Liniendiagramm {label} {first}–{last}: {lines}.",
        "ts_desc_line": "{name} von {a} auf {b}",
        "ts_desc_partial": "{name}: {values}",
        "sheet_ind": "Indikatorenblatt",
        "definition": "Definition",
        "formula": "Berechnung",
        "formula_text": "{label} = ({numerator}) ÷ ({denominator}) × {scale}",
        "formula_agg": "Sozialräume und Kreis: Zähler und Nenner der Gemeinden werden "
                       "summiert, dann geteilt (nie Mittelwerte der Quoten). Fehlt der Wert "
                       "einer Gemeinde (geheim oder fehlend), ist der Wert nicht berechenbar.",
        "variables": "Variablen und Quelltabellen",
        "variable": "Variable",
        "columns": "Spalten",
        "how_to_read": "Lesehilfe",
        "read_rate": "Ein Wert von {example} {unit} bedeutet: {definition} – im Kreis "
                     "{year} {kreis} {unit}. Kleine Gemeinden schwanken von Jahr zu Jahr "
                     "stärker; Unterschiede von wenigen Zehnteln sind oft Zufall.",
        "read_no_kreis": "Kleine Gemeinden schwanken von Jahr zu Jahr stärker; "
                         "Unterschiede von wenigen Zehnteln sind oft Zufall.",
        "withheld_title": "Was geheim gehalten wird und warum",
        "withheld_rule": "Regel des Projekts: {rule}. Dazu wird alles gesperrt, woraus sich "
                         "ein gesperrter Wert berechnen ließe (sekundäre Geheimhaltung); "
                         "mit „.“ gelieferte Werte sind schon in der Quelle gesperrt.",
        "withheld_none": "Im Jahr {year} ist kein Wert dieses Indikators geheim gehalten.",
        "withheld_list": "Im Jahr {year} geheim gehalten ({n}): {names}.",
        "converted_title": "Umgerechnete Werte",
        "converted_list": "Auf den Gebietsstand {stand} umgerechnet: {items}.",
        "converted_none": "Keine Werte umgerechnet.",
        "download_tables": "Tabellen dieser Seite herunterladen",
        "csv": "CSV",
        "xlsx": "XLSX",
        "pdf_sheet": "Sozialdatenblatt als PDF (A4)",
        "pdf_all": "Alle Sozialdatenblätter in einer PDF-Datei",
        "all_values": "Alle Werte (Langformat)",
        "table_data": "Daten als Tabelle",
        "lisa_HH": "gehört zu einem Cluster hoher Werte (hoch-hoch) {label} (LISA, "
                   "q = {q})",
        "lisa_LL": "gehört zu einem Cluster niedriger Werte (niedrig-niedrig) {label} "
                   "(LISA, q = {q})",
        "lisa_HL": "ist ein Ausreißer: hoher Wert {label} inmitten niedriger Werte "
                   "(LISA, q = {q})",
        "lisa_LH": "ist ein Ausreißer: niedriger Wert {label} inmitten hoher Werte "
                   "(LISA, q = {q})",
        "lisa_isolated": "hat keine Nachbarn und ist daher nicht Teil eines Clusters {label}",
        "gi_hot": "gehört zu einem Hot Spot {label} (Gi*, {conf} %)",
        "gi_cold": "gehört zu einem Cold Spot {label} (Gi*, {conf} %)",
        "label_of": "bei „{label}“",
        "sr_clusters": "{n} von {m} Gemeinden: {items}",
        "method": "Methode",
        "download_note": "Methode: Quoten aus Zählwerten (Zähler ÷ Nenner × Faktor); "
                         "Sozialräume und Kreis aus summierten Zählwerten.",
        "download_rule": "Geheimhaltung: {rule}; gesperrte Werte stehen als „geheim "
                         "gehalten“ ohne Zahl.",
        "compare_intro": "Bis zu fünf Gebiete wählen; die Tabelle und die Balken darunter "
                         "zeigen sie nebeneinander ({year}). Alles geschieht in dieser Seite, "
                         "ohne Netzverbindung.",
        "compare_slot": "Gebiet {n}",
        "compare_none": "– keines –",
        "compare_empty": "Noch kein Gebiet gewählt.",
        "compare_table": "Vergleich {year}",
        "compare_charts": "Balken je Indikator",
        "compare_noscript": "Der Vergleich braucht JavaScript. Die Werte jedes Gebiets "
                            "stehen in seinem Sozialdatenblatt.",
        "compare_status": "{n} Gebiete gewählt: {names}.",
        "indicators_of_field": "Indikatoren im Handlungsfeld {name}",
        "kreis_value": "Kreiswert",
        "number_areas": "{n} Gemeinden, {m} Sozialräume",
        "intro": "Sozialatlas mit {n} Indikatoren für {g} Gemeinden und {s} Sozialräume, "
                 "Jahre {first}–{last}.",
        "land_note": "Landeswert: {name} {year}{source}.",
        "area_value": "Wert",
        "up": "gestiegen",
        "down": "gesunken",
        "same": "unverändert",
        "change": "{direction} um {delta} {unit} {since}",
        "pp": "Prozentpunkte",
    },
    "en": {
        "skip": "Skip to content",
        "home": "Home",
        "nav": "Navigation",
        "compare": "Compare",
        "compare_title": "Compare areas",
        "downloads": "Downloads",
        "indicators": "Indicators",
        "indicator": "Indicator",
        "gemeinden": "Municipalities",
        "gemeinde": "Municipality",
        "sozialraeume": "Social areas",
        "sozialraum": "Social area",
        "kreis": "District",
        "land": "State",
        "area": "Area",
        "key": "Key",
        "year": "Year",
        "value": "Value",
        "values": "Values",
        "unit": "Unit",
        "rank": "Rank",
        "count": "Number",
        "share": "Share",
        "flag": "Flag",
        "stand": "As of",
        "stichtag": "Reference date",
        "gebietsstand": "Boundaries as of",
        "sources": "Sources",
        "source": "Source",
        "created": "Created",
        "rule": "Confidentiality",
        "made_with": "Made with geosozial {version}. The pages load nothing from the net.",
        "search": "Search",
        "search_label": "Search an area or indicator",
        "search_hint": "Type at least two letters; the results appear below.",
        "search_none": "No results.",
        "search_hits": "{n} results",
        "key_figures": "Key figures of the district",
        "trend": "Trend",
        "since": "since {year}",
        "not_computable": "not computable",
        "handlungsfelder": "Fields of action",
        "default_field": "Indicators",
        "choose_area": "Choose an area on the map",
        "map_hint": "Every municipality on the map links to its data sheet; the same links "
                    "are in the list of municipalities.",
        "run_maps": "Maps",
        "map_years": "Map of all years (municipalities)",
        "map_years_sr": "Map of all years (social areas)",
        "map_change": "Map of change {year}",
        "map_year": "Map {year} (all indicators)",
        "map_lisa": "LISA cluster map {year}",
        "map_gi": "Hot spot map (Gi*) {year}",
        "map_emerging": "Emerging hot spots {first}–{last}",
        "map_geary": "Local Geary {year}",
        "map_quantile": "Quantile LISA {year}",
        "sheet": "Data sheet",
        "sheet_title": "Data sheet {name}",
        "sheets": "Data sheets",
        "population": "Population and age structure",
        "population_total": "Inhabitants",
        "age_chart": "Age groups",
        "all_indicators": "Indicators at a glance",
        "deviation": "Difference from district",
        "spine": "Difference from the district value (spine chart)",
        "spine_desc": "For every indicator: range of the municipal values (bar), middle half "
                      "(darker), district value (vertical line in the middle), value of "
                      "{name} (circle){sr}. Where the district value cannot be computed, "
                      "the median of the municipalities is in the middle.",
        "spine_sr": " and value of the social area (diamond)",
        "series": "Time series",
        "series_of": "Trend {label}",
        "location": "Location in the district",
        "location_title": "Location of {name} in {kreis}",
        "location_desc": "Map of the district with {n} municipalities; {name} is highlighted.",
        "clusters": "Spatial patterns",
        "no_clusters": "{name} belongs to no significant cluster and no hot or cold spot of "
                       "the indicators analysed ({indicators}).",
        "no_analysis": "No spatial statistics were computed for this area.",
        "notes": "Notes",
        "withheld_note": "Withheld: {items}. Rule: {rule}. Values from which a withheld value "
                         "could be computed are withheld as well.",
        "withheld_n": "{n} values withheld",
        "converted_note": "Converted to the boundaries of {stand}: the values of {years} "
                          "(boundary change; counts converted with a crosswalk, rates "
                          "recomputed). Marked with *.",
        "converted_mark": "* converted to the boundaries of {stand}",
        "nc_note": "Not computable: {items} (a member without a value, withheld or missing).",
        "gebietsstand_note": "All values on the boundaries of {stand}.",
        "members": "Municipalities of the social area",
        "part_of": "Part of",
        "table_word": "Table",
        "median": "median",
        "label_col": "Label",
        "group": "Group",
        "n_gemeinden": "{n} municipalities",
        "kind": "Type",
        "print": "Print",
        "ranking": "Ranking {year}",
        "ranking_gem": "Municipalities {year}, by value descending",
        "ranking_sr": "Social areas {year}, by value descending",
        "distribution": "Distribution {year}",
        "hist_desc": "Histogram of the values of {n} municipalities in {year} in {k} classes "
                     "from {lo} to {hi} {unit}.{missing}",
        "hist_missing": " {n} municipalities without a value are not included.",
        "hist_class": "Class",
        "hist_from_to": "{lo} to under {hi}",
        "hist_from_to_last": "{lo} to {hi}",
        "timeseries": "Time series district and social areas",
        "ts_desc": "Line chart {label} {first}–{last}: {lines}.",
        "ts_desc_line": "{name} from {a} to {b}",
        "ts_desc_partial": "{name}: {values}",
        "sheet_ind": "Indicator sheet",
        "definition": "Definition",
        "formula": "Computation",
        "formula_text": "{label} = ({numerator}) ÷ ({denominator}) × {scale}",
        "formula_agg": "Social areas and district: numerators and denominators of the "
                       "municipalities are summed, then divided (never means of rates). If a "
                       "municipality has no value (withheld or missing), the value cannot be "
                       "computed.",
        "variables": "Variables and source tables",
        "variable": "Variable",
        "columns": "Columns",
        "how_to_read": "How to read",
        "read_rate": "A value of {example} {unit} means: {definition} – in the district "
                     "{year} {kreis} {unit}. Small municipalities vary more from year to "
                     "year; differences of a few tenths are often chance.",
        "read_no_kreis": "Small municipalities vary more from year to year; differences of a "
                         "few tenths are often chance.",
        "withheld_title": "What is withheld and why",
        "withheld_rule": "Rule of the project: {rule}. Everything from which a withheld value "
                         "could be computed is withheld as well (secondary suppression); "
                         "values delivered as “.” are withheld at the source.",
        "withheld_none": "In {year} no value of this indicator is withheld.",
        "withheld_list": "Withheld in {year} ({n}): {names}.",
        "converted_title": "Converted values",
        "converted_list": "Converted to the boundaries of {stand}: {items}.",
        "converted_none": "No values converted.",
        "download_tables": "Download the tables of this page",
        "pdf_sheet": "Data sheet as PDF (A4)",
        "pdf_all": "All data sheets in one PDF file",
        "csv": "CSV",
        "xlsx": "XLSX",
        "all_values": "All values (long format)",
        "table_data": "Data as a table",
        "lisa_HH": "belongs to a cluster of high values (high-high) {label} (LISA, q = {q})",
        "lisa_LL": "belongs to a cluster of low values (low-low) {label} (LISA, q = {q})",
        "lisa_HL": "is an outlier: high value {label} among low values (LISA, q = {q})",
        "lisa_LH": "is an outlier: low value {label} among high values (LISA, q = {q})",
        "lisa_isolated": "has no neighbours and so is not part of a cluster {label}",
        "gi_hot": "belongs to a hot spot {label} (Gi*, {conf} %)",
        "gi_cold": "belongs to a cold spot {label} (Gi*, {conf} %)",
        "label_of": "of “{label}”",
        "sr_clusters": "{n} of {m} municipalities: {items}",
        "method": "Method",
        "download_note": "Method: rates from counts (numerator ÷ denominator × scale); social "
                         "areas and district from summed counts.",
        "download_rule": "Confidentiality: {rule}; withheld values appear as “confidential” "
                         "without a number.",
        "compare_intro": "Choose up to five areas; the table and the bars below show them side "
                         "by side ({year}). Everything happens in this page, offline.",
        "compare_slot": "Area {n}",
        "compare_none": "– none –",
        "compare_empty": "No area chosen yet.",
        "compare_table": "Comparison {year}",
        "compare_charts": "Bars per indicator",
        "compare_noscript": "The comparison needs JavaScript. The values of every area are "
                            "in its data sheet.",
        "compare_status": "{n} areas chosen: {names}.",
        "indicators_of_field": "Indicators of the field {name}",
        "kreis_value": "District value",
        "number_areas": "{n} municipalities, {m} social areas",
        "intro": "Social atlas with {n} indicators for {g} municipalities and {s} social "
                 "areas, years {first}–{last}.",
        "land_note": "State value: {name} {year}{source}.",
        "area_value": "Value",
        "up": "up",
        "down": "down",
        "same": "unchanged",
        "change": "{direction} by {delta} {unit} {since}",
        "pp": "percentage points",
    },
}

#: labels of the standard count variables (German, English)
VARIABLE_LABELS: dict[str, tuple[str, str]] = {
    "bev_insg": ("Einwohner insgesamt", "inhabitants"),
    "bev_u15": ("Einwohner unter 15 Jahren", "inhabitants under 15"),
    "bev_u18": ("Einwohner unter 18 Jahren", "inhabitants under 18"),
    "bev_u20": ("Einwohner unter 20 Jahren", "inhabitants under 20"),
    "bev_u65": ("Einwohner unter 65 Jahren", "inhabitants under 65"),
    "bev_15_65": ("Einwohner von 15 bis unter 65 Jahren", "inhabitants aged 15 to 64"),
    "bev_20_65": ("Einwohner von 20 bis unter 65 Jahren", "inhabitants aged 20 to 64"),
    "bev_65plus": ("Einwohner ab 65 Jahren", "inhabitants 65 and over"),
    "frauen_15_45": ("Frauen von 15 bis unter 45 Jahren", "women aged 15 to 44"),
    "sgb2_rlb": ("Regelleistungsberechtigte nach SGB II", "SGB II benefit recipients"),
    "sgb2_elb": ("Erwerbsfähige Leistungsberechtigte nach SGB II",
                 "employable SGB II recipients"),
    "sgb2_nef_u15": ("Nicht erwerbsfähige Leistungsberechtigte unter 15 Jahren",
                     "SGB II recipients under 15"),
    "arbeitslose": ("Arbeitslose", "unemployed"),
    "geborene": ("Lebendgeborene", "live births"),
    "gestorbene": ("Gestorbene", "deaths"),
    "zuzuege": ("Zuzüge über die Gemeindegrenzen", "in-migration"),
    "fortzuege": ("Fortzüge über die Gemeindegrenzen", "out-migration"),
}


#: English units of the catalogue's German ones
UNITS_EN: dict[str, str] = {
    "je 100": "per 100",
    "je 1.000 Einw.": "per 1,000 inhabitants",
    "je 1.000 Frauen": "per 1,000 women",
    "je 100 Gestorbene": "per 100 deaths",
}


def unit_text(unit: str, lang: str = "de") -> str:
    """A unit in ``lang`` (German units of the catalogue translated for ``en``).

    Examples
    --------
    >>> unit_text("je 1.000 Einw.", "en"), unit_text("%", "en"), unit_text("je 100")
    ('per 1,000 inhabitants', '%', 'je 100')
    """
    return UNITS_EN.get(unit, unit) if lang == "en" else unit


#: the whole area's words where it is no Kreis (a project over several Kreise): whole
#: texts first, then phrases, in this order (the texts above say "Kreis"; "(Kreis)" of
#: the spine chart is the circle and stays)
TOTAL_WORDS: dict[str, dict[str, tuple[dict[str, str], list[tuple[str, str]]]]] = {
    "gesamt": {
        "de": ({"Kreis": "Gesamtgebiet"},
               [("des Kreises", "des Gesamtgebiets"), ("Kreiswert", "Gesamtwert"),
                ("vom Kreis", "vom Gesamtgebiet"), ("zum Kreis", "zum Gesamtgebiet"),
                ("im Kreis", "im Gesamtgebiet"), ("im {kreis}", "in {kreis}"),
                ("Zeitreihe Kreis", "Zeitreihe Gesamtgebiet"),
                ("und Kreis", "und Gesamtgebiet")]),
        "en": ({"District": "Whole area", "District value": "Value of the whole area"},
               [("district value", "value of the whole area"),
                ("the district", "the whole area"), ("from district", "from the whole area"),
                ("to district", "to the whole area"), ("district and", "whole area and"),
                ("and district", "and the whole area")])},
}

_TOTAL: ContextVar[str] = ContextVar("atlas_total", default="kreis")


@contextmanager
def whole_area(kind: str) -> Iterator[None]:
    """Inside the block every text names the whole area as ``kind`` says: ``kreis``
    (the default) or ``gesamt`` (:data:`TOTAL_WORDS`).

    Examples
    --------
    >>> with whole_area("gesamt"):
    ...     text("de", "key_figures"), text("de", "kreis"), text("en", "kreis_value")
    ('Kennzahlen des Gesamtgebiets', 'Gesamtgebiet', 'Value of the whole area')
    >>> text("de", "key_figures")
    'Kennzahlen des Kreises'
    """
    token = _TOTAL.set(kind)
    try:
        yield
    finally:
        _TOTAL.reset(token)


def for_total(template: str, lang: str) -> str:
    """``template`` with the whole area's words of the current :func:`whole_area`.

    Examples
    --------
    >>> with whole_area("gesamt"):
    ...     for_total("Abw. zum Kreis", "de")
    'Abw. zum Gesamtgebiet'
    """
    words = TOTAL_WORDS.get(_TOTAL.get(), {}).get("en" if lang == "en" else "de")
    if not words:
        return template
    whole, phrases = words
    if template in whole:
        return whole[template]
    for old, new in phrases:
        template = template.replace(old, new)
    return template


def text(lang: str, key: str, **params: Any) -> str:
    """A fixed text of the atlas in ``lang`` (``de`` or ``en``), formatted with ``params``.

    Parameters
    ----------
    lang : str
    key : str
    **params
        Values for the placeholders.

    Returns
    -------
    str

    Examples
    --------
    >>> text("en", "since", year=2021)
    'since 2021'
    """
    table = TEXTS.get(lang, TEXTS["de"])
    template = for_total(table.get(key, TEXTS["de"][key]), lang)
    return template.format(**params) if params else template


def variable_label(variable: str, lang: str = "de") -> str:
    """The label of a count variable (the name itself when it is not a standard one).

    Parameters
    ----------
    variable : str
    lang : str

    Returns
    -------
    str

    Examples
    --------
    >>> variable_label("hzp")
    'hzp'
    """
    labels = VARIABLE_LABELS.get(variable)
    if labels is None:
        return variable
    return labels[1] if lang == "en" else labels[0]
