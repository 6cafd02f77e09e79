"""Project files (TOML): what a project names, parsed and checked (standard library only).

A project names the municipality geometries, the indicator tables per year (with the
variables each table provides), the Sozialraum mapping, the indicators, the
confidentiality rule and the sections ``[maps]``, ``[[crosswalks]]``, ``[database]``.
:func:`load_project` reads and checks it (:mod:`geosozial.core.project_schema`) into a
:class:`Project`; every door that runs a project (the pipeline, the QGIS plugin) starts
here, so a project file means the same everywhere.

Example:
    >>> from geosozial.pipeline.demo import demo_project  # doctest: +SKIP
    >>> load_project(demo_project()).years  # doctest: +SKIP
    [2021, 2022, 2023]
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geosozial.core.confidentiality import ConfidentialityRule
from geosozial.core.indicators import (
    Indicator,
    get_indicator,
    indicator_from_dict,
    indicator_from_text,
)
from geosozial.core.messages import GeosozialError, define, get_language
from geosozial.core.outputs import sha256_file
from geosozial.core.project_schema import check_project, project_path
from geosozial.core.years import gebietsstand_year


def toml_parser() -> Any:
    """The TOML parser: the standard library's, or pure-Python ``tomli`` before 3.11.

    Examples
    --------
    >>> toml_parser().loads("a = 1")
    {'a': 1}
    """
    if sys.version_info >= (3, 11):
        import tomllib

        return tomllib
    import tomli  # pragma: no cover

    return tomli  # pragma: no cover

__all__ = ["CrosswalkSpec", "DynamicsSpec", "MapSettings", "Project", "TableSpec",
           "crosswalk_specs", "dynamics_specs", "input_hashes", "load_project",
           "project_inputs", "toml_parser"]

define("project.missing", de="Projektdatei {file} nicht gefunden.",
       en="project file {file} not found.")
define("project.syntax", de="Projektdatei {file} ist kein gültiges TOML: {error}",
       en="project file {file} is not valid TOML: {error}")
define("project.field", de="Projektdatei {file}: Eintrag {field} fehlt oder ist falsch ({hint}).",
       en="project file {file}: entry {field} is missing or wrong ({hint}).")
define("project.encoding",
       de="Projektdatei {file} ist nicht in UTF-8 gespeichert; bitte als UTF-8 speichern.",
       en="project file {file} is not saved as UTF-8; please save it as UTF-8.")
define("project.min_count",
       de="Projektdatei {file}: [confidentiality] min_count muss eine ganze Zahl ab 1 sein "
       "(angegeben: {value!r}); eine schwächere Regel als auf der Kommandozeile ist nicht "
       "möglich. Geheimhaltung abschalten nur ausdrücklich mit enabled = false.",
       en="project file {file}: [confidentiality] min_count must be a whole number of at "
       "least 1 (given: {value!r}); a weaker rule than on the command line is not "
       "possible. Switch confidentiality off only explicitly with enabled = false.")
define("project.variable_twice",
       de="Projektdatei {file}: Variable {variable} wird von zwei Tabellen geliefert "
       "({first} und {second}).",
       en="project file {file}: variable {variable} comes from two tables ({first} and "
       "{second}).")


define("project.crosswalk_twice",
       de="Projektdatei {file}: das Jahr {year} steht in zwei [[crosswalks]]-Einträgen.",
       en="project file {file}: the year {year} is in two [[crosswalks]] entries.")
define("project.dynamics",
       de="Projektdatei {file}: indicators.dynamics nennt {id}, das weder Indikator noch "
       "Variable des Projekts ist. Vorhanden: {known}",
       en="project file {file}: indicators.dynamics names {id}, which is neither an "
       "indicator nor a variable of the project. Known: {known}")
define("project.dynamics_years",
       de="Projektdatei {file}: Veränderung von {id} über {k} Jahre braucht Jahre im Abstand "
       "{k}; das Projekt hat {years}.",
       en="project file {file}: the change of {id} over {k} years needs years {k} apart; "
       "the project has {years}.")


@dataclass(frozen=True)
class CrosswalkSpec:
    """One ``[[crosswalks]]`` entry: the file and the years whose tables it converts."""

    file: str
    years: tuple[int, ...]
    sheet: str | None = None
    share: str | None = None


@dataclass(frozen=True)
class DynamicsSpec:
    """One ``[indicators] dynamics`` entry: a field and the span of its change."""

    id: str
    years: int = 1


def crosswalk_specs(entries: Any, years: Sequence[int], file: str) -> list[CrosswalkSpec]:
    """The ``[[crosswalks]]`` entries; years the project does not run are left out (a
    project cut down to one year keeps its crosswalks), a year in two entries is an error.

    Examples
    --------
    >>> crosswalk_specs([{"file": "u.csv", "years": [2020, 2021]}], [2021, 2022], "p.toml")[0].years
    (2021,)
    """
    specs, seen = [], set()
    for entry in entries or []:
        for year in entry["years"]:
            if year in seen:
                raise GeosozialError("project.crosswalk_twice", file=file, year=year)
            seen.add(year)
        used = tuple(int(y) for y in entry["years"] if y in years)
        specs.append(CrosswalkSpec(entry["file"], used, entry.get("sheet"), entry.get("share")))
    return specs


def dynamics_specs(entries: Any) -> list[DynamicsSpec]:
    """The ``[indicators] dynamics`` entries (checked by the schema).

    Examples
    --------
    >>> dynamics_specs([{"id": "sgb2_quote", "years": 2}])
    [DynamicsSpec(id='sgb2_quote', years=2)]
    """
    return [DynamicsSpec(str(e["id"]), int(e.get("years", 1))) for e in entries or []]


@dataclass
class MapSettings:
    """The ``[maps]`` section of a project file.

    Example:
        >>> MapSettings.from_dict({"scheme": "natural_breaks"}).k
        5
    """

    scheme: str = "quantiles"
    k: int = 5
    palette: str = "YlOrRd"
    analyse: list[str] | None = None
    weights: str = "queen"
    permutations: int | str = "auto"
    seed: int = 12345
    correction: str = "fdr"
    alpha: float = 0.05
    statistics: list[str] = field(default_factory=lambda: ["lisa", "hotspots"])
    quantiles: int = 5
    quantile: int | None = None
    snap: float = 0.0
    breaks: dict[str, list[float]] = field(default_factory=dict)
    common_breaks: bool = True
    emerging: bool = True
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, spec: dict[str, Any]) -> MapSettings:
        """Settings from the TOML table (unknown keys are kept in ``extra``)."""
        known = {k: v for k, v in spec.items() if k in cls.__dataclass_fields__}
        extra = {k: v for k, v in spec.items() if k not in cls.__dataclass_fields__}
        return cls(**known, extra=extra)


#: ``[maps] statistics`` entry -> (statistic of the core, file stem)
STATISTIC_FILES = {"lisa": ("moran", "lisa"), "hotspots": ("gi", "hotspots"),
                   "geary": ("geary", "geary"), "quantile": ("quantile", "quantil_lisa")}


@dataclass
class TableSpec:
    """One indicator table: a file pattern (``{year}`` is replaced) and its variables."""

    file: str
    variables: dict[str, list[str]]
    key_column: str | None = None
    sheet: str | None = None


@dataclass
class Project:
    """A parsed project file; paths are relative to :attr:`root`."""

    root: Path
    source: Path
    name: str
    areas: str
    key: str
    sozialraeume: str
    years: list[int]
    tables: list[TableSpec]
    indicators: list[Indicator]
    rule: ConfidentialityRule | None
    protect: list[str] | None
    relations: list[tuple[str, list[str]]]
    layer: str | None = None
    attribution: str = ""
    kreis: str = ""
    maps: MapSettings = field(default_factory=MapSettings)
    sums: list[str] = field(default_factory=list)
    gebietsstand: str = ""
    crosswalks: list[CrosswalkSpec] = field(default_factory=list)
    dynamics: list[DynamicsSpec] = field(default_factory=list)
    database_url: str = ""
    database_file: str = "sozialdatenbank.gpkg"
    database: bool = True


def _need(spec: Mapping[str, Any], name: str, kind: type, file: str, hint: str) -> Any:
    value = spec.get(name.split(".")[-1])
    if not isinstance(value, kind):
        raise GeosozialError("project.field", file=file, field=name, hint=hint)
    return value


def _names(value: Any, file: str, where: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return list(value)
    raise GeosozialError("project.field", file=file, field=where,
                         hint="Spaltenname oder Liste von Spaltennamen")


def load_project(path: str | Path) -> Project:
    """Read and check a project file.

    Example:
        >>> p = load_project("geodata/musterkreis/projekt.toml")  # doctest: +SKIP
        >>> p.years  # doctest: +SKIP
        [2021, 2022, 2023]
    """
    path = Path(path)
    file = str(path)
    if not path.exists():
        raise GeosozialError("project.missing", file=file)
    try:
        toml = toml_parser()
        data = toml.loads(path.read_text(encoding="utf-8"))
    except toml.TOMLDecodeError as exc:
        raise GeosozialError("project.syntax", file=file, error=str(exc)) from exc
    except UnicodeDecodeError:
        raise GeosozialError("project.encoding", file=file) from None
    check_project(data, file)
    proj = _need(data, "project", dict, file, "Abschnitt [project]")
    outside = bool(proj.get("allow_outside", False))
    project_path(path.parent, proj["areas"], "project.areas", file, outside)
    project_path(path.parent, proj["sozialraeume"], "project.sozialraeume", file, outside)
    for i, t in enumerate(data["tables"]):
        for year in proj["years"]:
            project_path(path.parent, t["file"].replace("{year}", str(year)),
                         f"tables[{i}].file", file, outside)
    for i, c in enumerate(data.get("crosswalks", [])):
        project_path(path.parent, c["file"], f"crosswalks[{i}].file", file, outside)
    tables = []
    seen: dict[str, str] = {}
    for i, t in enumerate(_need(data, "tables", list, file, "Liste [[tables]]")):
        where = f"tables[{i}]"
        pattern = _need(t, f"{where}.file", str, file, "Dateiname, {year} für das Jahr")
        variables = {str(k): _names(v, file, f"{where}.variables.{k}")
                     for k, v in _need(t, f"{where}.variables", dict, file,
                                       "Tabelle variable = Spalte").items()}
        for v in variables:
            if v in seen:
                raise GeosozialError("project.variable_twice", file=file, variable=v,
                                     first=seen[v], second=pattern)
            seen[v] = pattern
        tables.append(TableSpec(pattern, variables, t.get("key_column"), t.get("sheet")))
    ind_section = data.get("indicators", {})
    custom = {k: _custom_indicator(k, v, file)
              for k, v in ind_section.get("custom", {}).items()}
    indicators = [get_indicator(i, custom) for i in ind_section.get("use", [])]
    indicators += [i for k, i in custom.items() if k not in ind_section.get("use", [])]
    conf = data.get("confidentiality", {})
    rule, relations = _confidentiality(conf, file)
    if proj.get("gebietsstand"):  # checked now, used for the credit of every map
        try:
            gebietsstand_year(proj["gebietsstand"])
        except GeosozialError as exc:
            raise GeosozialError("project.field", file=file, field="project.gebietsstand",
                                 hint="Datum TT.MM.JJJJ, z. B. 01.01.2021") from exc
    database = data.get("database", {})
    return Project(
        crosswalks=crosswalk_specs(data.get("crosswalks"), proj["years"], file),
        dynamics=dynamics_specs(ind_section.get("dynamics")),
        database_url=str(database.get("url", "")),
        database_file=str(database.get("file", "sozialdatenbank.gpkg")),
        database=bool(database.get("enabled", True)),
        root=path.parent, source=path, name=_need(proj, "project.name", str, file, "Text"),
        areas=_need(proj, "project.areas", str, file, "Geometriedatei"),
        key=str(proj.get("key", "AGS")),
        sozialraeume=_need(proj, "project.sozialraeume", str, file, "Zuordnungstabelle"),
        years=[int(y) for y in _need(proj, "project.years", list, file, "Liste von Jahren")],
        tables=tables, indicators=indicators, rule=rule,
        protect=conf.get("variables"), relations=relations, layer=proj.get("layer"),
        attribution=str(proj.get("attribution", "")), kreis=str(proj.get("kreis", "")),
        maps=_map_settings(data.get("maps", {}), file), sums=list(proj.get("sum", [])),
        gebietsstand=str(proj.get("gebietsstand", "")))


def _confidentiality(conf: Any, file: str
                     ) -> tuple[ConfidentialityRule | None, list[tuple[str, list[str]]]]:
    """The ``[confidentiality]`` section: never a weaker rule than the CLI allows."""
    if not isinstance(conf, dict):
        raise GeosozialError("project.field", file=file, field="confidentiality",
                             hint="Abschnitt [confidentiality]")
    enabled = conf.get("enabled", True)
    if not isinstance(enabled, bool):
        raise GeosozialError("project.field", file=file, field="confidentiality.enabled",
                             hint="true oder false")
    min_count = conf.get("min_count", 3)
    if isinstance(min_count, bool) or not isinstance(min_count, int) or min_count < 1:
        raise GeosozialError("project.min_count", file=file, value=min_count)
    relations = conf.get("relations", [])
    if not isinstance(relations, list) or not all(
            isinstance(r, list) and len(r) >= 3 and all(isinstance(x, str) for x in r)
            for r in relations):
        raise GeosozialError("project.field", file=file, field="confidentiality.relations",
                             hint='Liste von Listen [Summe, Teil, Teil, ...], z. B. '
                             '[["bev_u18", "bev_u15", "bev_15_18"]]')
    variables = conf.get("variables")
    if variables is not None and not (isinstance(variables, list)
                                      and all(isinstance(v, str) for v in variables)):
        raise GeosozialError("project.field", file=file, field="confidentiality.variables",
                             hint="Liste von Variablennamen")
    rule = ConfidentialityRule(min_count=min_count) if enabled else None
    return rule, [(r[0], list(r[1:])) for r in relations]


def _custom_indicator(ident: str, spec: Any, file: str) -> Indicator:
    """``id = "num/den*100"`` or ``id = {formula = "...", label = "...", unit = "..."}``
    (or the long form with numerator/denominator/scale)."""
    if isinstance(spec, str):
        return indicator_from_text(f"{ident}={spec}")
    if isinstance(spec, dict) and "formula" in spec:
        if not isinstance(spec["formula"], str):
            raise GeosozialError("project.field", file=file, field=f"indicators.custom.{ident}",
                                 hint='formula = "zaehler/nenner*100"')
        return indicator_from_text(f"{ident}={spec['formula']}",
                                   label=_optional_text(spec, "label", ident, file),
                                   unit=_optional_text(spec, "unit", ident, file))
    if isinstance(spec, dict):
        return indicator_from_dict(ident, spec)
    raise GeosozialError("project.field", file=file, field=f"indicators.custom.{ident}",
                         hint='"zaehler/nenner*100" oder Tabelle mit formula, label, unit')


def _optional_text(spec: dict[str, Any], name: str, ident: str, file: str) -> str | None:
    value = spec.get(name)
    if value is not None and not isinstance(value, str):
        raise GeosozialError("project.field", file=file,
                             field=f"indicators.custom.{ident}.{name}", hint="Text")
    return value


def _map_settings(spec: Any, file: str) -> MapSettings:
    if not isinstance(spec, dict):
        raise GeosozialError("project.field", file=file, field="maps", hint="Abschnitt [maps]")
    settings = MapSettings.from_dict(spec)
    if settings.extra:
        raise GeosozialError("project.field", file=file,
                             field="maps." + ", maps.".join(sorted(settings.extra)),
                             hint="scheme, k, palette, analyse, weights, permutations, seed, "
                             "correction, alpha, statistics, quantiles, quantile, snap")
    if settings.quantile is not None and settings.quantile > settings.quantiles:
        raise GeosozialError("project.field", file=file, field="maps.quantile",
                             hint=f"Klasse von 1 bis quantiles = {settings.quantiles}")
    return settings


def project_inputs(project: Project) -> list[tuple[str, Path]]:
    """Every input file of a project run (no output may replace one).

    Parameters
    ----------
    project : Project

    Returns
    -------
    list of (str, Path)
        The project file, the areas, the Sozialraum mapping and each year's tables,
        each named by its entry in the project file.

    Examples
    --------
    >>> from geosozial.pipeline.demo import demo_project
    >>> [name for name, _ in project_inputs(load_project(demo_project()))][:3]
    ['PROJEKT', 'project.areas', 'project.sozialraeume']
    """
    inputs = [("PROJEKT" if get_language() == "de" else "PROJECT", Path(project.source)),
              ("project.areas", project.root / project.areas),
              ("project.sozialraeume", project.root / project.sozialraeume)]
    for i, spec in enumerate(project.tables):
        for year in project.years:
            inputs.append((f"tables[{i}].file ({year})",
                           project.root / spec.file.format(year=year)))
    for i, cw in enumerate(project.crosswalks):
        inputs.append((f"crosswalks[{i}].file", project.root / cw.file))
    return inputs




def input_hashes(project: Project) -> dict[str, str]:
    """SHA-256 of every input file of a run but the project file, by its project entry.

    The run records them in its store (``metadaten`` ``eingaben``); the atlas compares
    them with the files as they are now, so a table changed after the run is noticed.
    A file that cannot be read gives ``""``.

    Parameters
    ----------
    project : Project

    Returns
    -------
    dict of str to str

    Examples
    --------
    >>> from geosozial.pipeline.demo import demo_project
    >>> hashes = input_hashes(load_project(demo_project()))
    >>> list(hashes)[:2], len(hashes["project.areas"])
    (['project.areas', 'project.sozialraeume'], 64)
    """
    out = {}
    for name, path in project_inputs(project)[1:]:  # the project file itself: not here
        try:
            out[name] = sha256_file(path)
        except OSError:
            out[name] = ""
    return out
