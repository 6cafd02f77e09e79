"""The schema of a project file: every entry's type and range, checked in one place.

:func:`check_project` walks the parsed TOML against :data:`SCHEMA` and raises a
:class:`~geosozial.core.messages.GeosozialError` naming the project file, the entry
(``maps.permutations``, ``tables[2].variables.bev_u18``) and what is expected. Unknown
entries are errors too (a typo must not silently fall back to a default). Paths are
relative to the project file and must stay inside the project folder unless the
project says ``allow_outside = true``; the contents of a wrong file are never echoed.

Example:
    >>> check_project({"project": {"name": "X", "areas": "g.gpkg", "sozialraeume": "s.csv",
    ...                            "years": [2023]}, "tables": []}, "p.toml")
    >>> try:
    ...     check_project({"project": {"name": "X"}}, "p.toml")
    ... except GeosozialError as exc:
    ...     print(exc.code, exc.params["field"])
    project.field project.areas
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from geosozial.core.messages import GeosozialError, define

define("project.unknown",
       de="Projektdatei {file}: unbekannter Eintrag {field}. Erlaubt sind: {allowed}.",
       en="project file {file}: unknown entry {field}. Allowed: {allowed}.")
define("project.outside",
       de="Projektdatei {file}: {field} = {value!r} liegt außerhalb des Projektordners "
       "{folder}. Dateien außerhalb werden nur mit allow_outside = true im Abschnitt "
       "[project] gelesen.",
       en="project file {file}: {field} = {value!r} lies outside the project folder "
       "{folder}. Files outside are read only with allow_outside = true in [project].")
define("project.no_year",
       de="Projektdatei {file}: {field} = {value!r} enthält kein {{year}}; jedes Jahr "
       "läse dieselbe Datei.",
       en="project file {file}: {field} = {value!r} has no {{year}}; every year would read "
       "the same file.")

Check = Callable[[Any], bool]


def _text(value: Any) -> bool:
    return isinstance(value, str) and value.strip() != ""


def _int(low: int | None = None, high: int | None = None) -> Check:
    def check(value: Any) -> bool:
        return (isinstance(value, int) and not isinstance(value, bool)
                and (low is None or value >= low) and (high is None or value <= high))
    return check


def _number(low: float, high: float, *, open_low: bool = True) -> Check:
    def check(value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        return (value > low if open_low else value >= low) and value < high
    return check


def _texts(value: Any) -> bool:
    return isinstance(value, list) and all(_text(v) for v in value)


def _text_or_texts(value: Any) -> bool:
    return _text(value) or (_texts(value) and len(value) > 0)


def _one_of(*choices: str) -> Check:
    return lambda value: value in choices


def _bool(value: Any) -> bool:
    return isinstance(value, bool)


def _years(value: Any) -> bool:
    return (isinstance(value, list) and len(value) > 0
            and all(_int(1990, 2100)(v) for v in value) and len(set(value)) == len(value))


def _relations(value: Any) -> bool:
    return isinstance(value, list) and all(_texts(r) and len(r) >= 3 for r in value)


def _sheet(value: Any) -> bool:
    return _text(value) or _int(0)(value)


#: section -> entry -> (check, required, what is expected)
SCHEMA: dict[str, dict[str, tuple[Check, bool, str]]] = {
    "project": {
        "name": (_text, True, "Text"),
        "areas": (_text, True, "Geometriedatei (Pfad relativ zur Projektdatei)"),
        "layer": (_text, False, "Layername"),
        "key": (_text, False, "Schlüsselfeld, z. B. AGS"),
        "sozialraeume": (_text, True, "Zuordnungstabelle AGS;Sozialraum"),
        "years": (_years, True, "Liste verschiedener Jahre, z. B. [2021, 2022]"),
        "attribution": (_text, False, "Quellenvermerk (Text)"),
        "allow_outside": (_bool, False, "true oder false"),
        "kreis": (_text, False, "Kreisschlüssel, z. B. \"14522\" (mehrere mit Komma)"),
        "gebietsstand": (_text, False, 'Gebietsstand der Geometrien, z. B. "01.01.2021"'),
        "sum": (_texts, False, 'Liste von Spalten, die je Sozialraum addiert werden, ohne '
                'Anzahlen zu sein, z. B. ["Flaeche_km2"]'),
    },
    "confidentiality": {
        "enabled": (_bool, False, "true oder false"),
        "min_count": (_int(1), False, "ganze Zahl ab 1"),
        "variables": (_texts, False, "Liste von Variablennamen"),
        "relations": (_relations, False,
                      'Liste von Listen [Summe, Teil, Teil, ...], z. B. '
                      '[["bev_u18", "bev_u15", "bev_15_18"]]'),
    },
    "indicators": {
        "use": (_texts, False, 'Liste von Indikator-IDs, z. B. ["sgb2_quote"]'),
        "custom": (lambda v: isinstance(v, dict), False,
                   'Tabelle id = "zaehler/nenner*100" oder id = { formula = ..., label = ... }'),
        "dynamics": (lambda v: isinstance(v, list) and all(
            isinstance(e, dict) and set(e) <= {"id", "years"} and _text(e.get("id"))
            and _int(1, 50)(e.get("years", 1)) for e in v), False,
            'Liste wie [{ id = "sgb2_quote", years = 2 }] (Veränderung über 2 Jahre)'),
    },
    "atlas": {  # checked in detail by geosozial.atlas.settings.atlas_settings
        "title": (_text, False, "Titel des Atlas (Text)"),
        "handlungsfelder": (lambda v: isinstance(v, list) and len(v) > 0, False,
                            'Liste wie [{ name = "Armut", indicators = ["sgb2_quote"] }]'),
        "land": (lambda v: isinstance(v, dict), False,
                 'Tabelle { name = "Sachsen", year = 2023, source = "...", values = {...} }'),
        "pdf": (_bool, False, "true (Standard: Sozialdatenblätter auch als PDF) oder false"),
    },
    "database": {
        "url": (lambda v: _text(v) and v.startswith(("postgresql://", "postgres://")), False,
                'PostGIS-Adresse "postgresql://benutzer@host:5432/datenbank"'),
        "file": (lambda v: _text(v) and v.endswith(".gpkg") and "/" not in v and "\\" not in v,
                 False, 'Dateiname im Ausgabeordner, Standard "sozialdatenbank.gpkg"'),
        "enabled": (_bool, False, "true oder false"),
    },
    "maps": {
        "scheme": (_one_of("quantiles", "natural_breaks", "equal_interval"), False,
                   "quantiles, natural_breaks oder equal_interval"),
        "k": (_int(2, 9), False, "ganze Zahl von 2 bis 9"),
        "palette": (_text, False, "ColorBrewer-Palette, z. B. YlOrRd"),
        "analyse": (_texts, False, "Liste von Indikator-IDs"),
        "weights": (_text, False, "queen, rook, knn:K, distance:METER"),
        "permutations": (lambda v: v == "auto" or _int(0, 99_999)(v), False,
                         '"auto" (Standard) oder ganze Zahl von 0 bis 99.999'),
        "statistics": (lambda v: _texts(v) and len(v) > 0 and len(set(v)) == len(v) and all(
            x in ("lisa", "hotspots", "geary", "quantile") for x in v), False,
            'Liste aus "lisa", "hotspots", "geary", "quantile" (Standard ["lisa", '
            '"hotspots"])'),
        "snap": (_number(0.0, 10_000.0, open_low=False), False,
                 "Fangabstand in Metern ab 0 (Nachbarn über Lücken zwischen Grenzen)"),
        "quantiles": (_int(2, 10), False, "ganze Zahl von 2 bis 10 (Quantil-LISA, Standard 5)"),
        "quantile": (_int(1, 10), False, "Klasse von 1 (niedrigste) bis quantiles (Standard)"),
        "seed": (_int(0, 2**32 - 1), False, "ganze Zahl ab 0"),
        "correction": (_one_of("fdr", "bonferroni", "none"), False, "fdr, bonferroni oder none"),
        "alpha": (_number(0.0, 1.0), False, "Zahl zwischen 0 und 1, z. B. 0.05"),
        "breaks": (lambda v: isinstance(v, dict) and all(
            isinstance(b, list) and len(b) >= 1 and all(
                isinstance(x, (int, float)) and not isinstance(x, bool) for x in b)
            and b == sorted(b) for b in v.values()), False,
            'Tabelle Indikator = [Grenzen aufsteigend], z. B. { sgb2_quote = [6, 9, 12] }'),
        "common_breaks": (_bool, False, "true (Standard: Klassen gemeinsam über alle Jahre) "
                          "oder false"),
        "emerging": (_bool, False, "true (Standard ab 2 Jahren) oder false"),
    },
}

#: entries of each ``[[crosswalks]]`` item
CROSSWALK_SCHEMA: dict[str, tuple[Check, bool, str]] = {
    "file": (_text, True, "Umsteigeschlüssel alt;neu;anteil (CSV) oder BBSR-Arbeitsmappe"),
    "years": (_years, True, "Jahre, deren Tabellen auf dem alten Gebietsstand sind"),
    "sheet": (_sheet, False, "Tabellenblatt der Arbeitsmappe (Name oder Nummer ab 0)"),
    "share": (_one_of("flaeche", "bevoelkerung", "beschaeftigte", "area", "population",
                      "employment"), False, "flaeche, bevoelkerung oder beschaeftigte"),
}

#: entries of each ``[[tables]]`` item
TABLE_SCHEMA: dict[str, tuple[Check, bool, str]] = {
    "file": (_text, True, "Dateiname mit {year}, z. B. sgb2_{year}.csv"),
    "variables": (lambda v: isinstance(v, dict) and len(v) > 0, True,
                  "Tabelle variable = Spalte oder [Spalte, Spalte]"),
    "key_column": (_text, False, "Schlüsselspalte der Tabelle"),
    "sheet": (_sheet, False, "Tabellenblatt (Name oder Nummer ab 0)"),
}

CUSTOM_SCHEMA: dict[str, tuple[Check, bool, str]] = {
    "formula": (_text, False, 'Formel, z. B. "frauen/einwohner*100"'),
    "label": (_text, False, "Text"), "unit": (lambda v: isinstance(v, str), False, "Text"),
    "label_en": (_text, False, "Text"), "definition": (_text, False, "Text"),
    "definition_en": (_text, False, "Text"),
    "numerator": (lambda v: _text_or_texts(v) or isinstance(v, dict), False,
                  "Variable, Liste oder Tabelle Variable = Faktor"),
    "denominator": (_text_or_texts, False, "Variable oder Liste"),
    "scale": (_number(0.0, 1e9), False, "Zahl > 0"),
}


def _section(data: Any, schema: dict[str, tuple[Check, bool, str]], where: str,
             file: str) -> None:
    if not isinstance(data, dict):
        raise GeosozialError("project.field", file=file, field=where,
                             hint=f"Abschnitt [{where}]")
    for name in data:
        if name not in schema:
            raise GeosozialError("project.unknown", file=file, field=f"{where}.{name}",
                                 allowed=", ".join(schema))
    for name, (check, required, hint) in schema.items():
        if name not in data:
            if required:
                raise GeosozialError("project.field", file=file, field=f"{where}.{name}",
                                     hint=hint)
            continue
        if not check(data[name]):
            if name == "min_count" and where == "confidentiality":
                raise GeosozialError("project.min_count", file=file, value=data[name])
            raise GeosozialError("project.field", file=file, field=f"{where}.{name}",
                                 hint=f"{hint}; angegeben: {_shown(data[name])}")


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_project(data: dict[str, Any], file: str) -> None:
    """Check a parsed project file against :data:`SCHEMA` (raises on the first problem).

    Parameters
    ----------
    data : dict
        The parsed TOML.
    file : str
        The project file, for messages.

    Examples
    --------
    >>> base = {"project": {"name": "X", "areas": "g.gpkg", "sozialraeume": "s.csv",
    ...                     "years": [2023]}, "tables": []}
    >>> try:
    ...     check_project({**base, "maps": {"permutaions": 99}}, "p.toml")
    ... except GeosozialError as exc:
    ...     print(exc.params["field"])
    maps.permutaions
    """
    allowed = {"project", "tables", "crosswalks", *SCHEMA}
    for name in data:
        if name not in allowed:
            raise GeosozialError("project.unknown", file=file, field=name,
                                 allowed=", ".join(sorted(allowed)))
    if "project" not in data:
        raise GeosozialError("project.field", file=file, field="project",
                             hint="Abschnitt [project]")
    for section, schema in SCHEMA.items():
        if section in data or section == "project":
            _section(data[section], schema, section, file)
    tables = data.get("tables")
    if not isinstance(tables, list):
        raise GeosozialError("project.field", file=file, field="tables",
                             hint="Liste [[tables]]")
    for i, table in enumerate(tables):
        where = f"tables[{i}]"
        _section(table, TABLE_SCHEMA, where, file)
        try:
            table["file"].format(year=2000)
        except (KeyError, IndexError, ValueError):
            raise GeosozialError("project.field", file=file, field=f"{where}.file",
                                 hint="Dateiname, in dem nur {year} ersetzt wird; angegeben: "
                                 + _shown(table["file"])) from None
        if "{year}" not in table["file"] and len(data["project"]["years"]) > 1:
            raise GeosozialError("project.no_year", file=file, field=f"{where}.file",
                                 value=table["file"])
        for name, columns in table["variables"].items():
            if not _text_or_texts(columns):
                raise GeosozialError("project.field", file=file,
                                     field=f"{where}.variables.{name}",
                                     hint="Spaltenname oder Liste von Spaltennamen")
    crosswalks = data.get("crosswalks", [])
    if not isinstance(crosswalks, list):
        raise GeosozialError("project.field", file=file, field="crosswalks",
                             hint="Liste [[crosswalks]]")
    for i, entry in enumerate(crosswalks):
        _section(entry, CROSSWALK_SCHEMA, f"crosswalks[{i}]", file)
    for ident, spec in data.get("indicators", {}).get("custom", {}).items():
        where = f"indicators.custom.{ident}"
        if isinstance(spec, dict):
            _section(spec, CUSTOM_SCHEMA, where, file)
        elif not _text(spec):
            raise GeosozialError("project.field", file=file, field=where,
                                 hint='"zaehler/nenner*100" oder Tabelle mit formula, label, '
                                 'unit')


def project_path(root: Path, value: str, field: str, file: str, allow_outside: bool) -> Path:
    """A path of the project file, relative to it; outside the folder only if allowed.

    Examples
    --------
    >>> project_path(Path("/p"), "daten/t.csv", "tables[0].file", "p.toml", False).as_posix()
    '/p/daten/t.csv'
    >>> try:
    ...     project_path(Path("/p"), "/etc/passwd", "project.sozialraeume", "p.toml", False)
    ... except GeosozialError as exc:
    ...     print(exc.code)
    project.outside
    """
    # lexical, not resolved: a link the user put into the folder is the user's choice
    folder = Path(os.path.abspath(root))
    path = Path(os.path.normpath(folder / value))
    if not allow_outside and folder not in path.parents and path != folder:
        raise GeosozialError("project.outside", file=file, field=field, value=value,
                             folder=str(folder))
    return path
