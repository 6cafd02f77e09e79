"""Project files (TOML): which areas, tables, Sozialräume and indicators make a report.

A project names the municipality geometries, the indicator tables per year (with the
variables each table provides), the Sozialraum mapping, the indicators and the
confidentiality rule. :func:`run_project` turns it into joined and aggregated
GeoPackages plus the join reports, one set per year.

Example:
    >>> project = load_project("geodata/musterkreis/projekt.toml")  # doctest: +SKIP
    >>> summary = run_project("geodata/musterkreis/projekt.toml", Path("out"))  # doctest: +SKIP
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd

from geosozial import __version__
from geosozial.core.columns import Columns, flag_column
from geosozial.core.confidentiality import ConfidentialityRule
from geosozial.core.crosswalk import mapping_on_new_keys
from geosozial.core.indicators import (
    Indicator,
    get_indicator,
    indicator_from_dict,
    indicator_from_text,
)
from geosozial.core.join import JoinReport
from geosozial.core.messages import GeosozialError, Notice, define, get_language
from geosozial.core.outputs import Output, OutputSet, atomic_write_text, check_outputs
from geosozial.core.sozialraum import read_mapping
from geosozial.core.tables.read import read_table
from geosozial.core.variables import derive_variables
from geosozial.core.years import check_table_year, gebietsstand_year
from geosozial.geo.areas import Areas, read_areas
from geosozial.geo.frames import to_columns, with_columns
from geosozial.geo.gpkg import write_geopackage
from geosozial.pipeline.maps import (
    MapSettings,
    common_classes,
    map_file_names,
    series_file_names,
    write_series_maps,
    write_year_maps,
)
from geosozial.pipeline.schema import check_project, project_path
from geosozial.pipeline.steps import aggregate_step, join_step
from geosozial.pipeline.timeline import (
    CrosswalkSpec,
    DynamicsSpec,
    add_dynamics,
    converted_table,
    crosswalk_specs,
    dynamics_specs,
    mark_converted,
    municipal_keys,
    read_crosswalk_file,
    update_notices,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

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
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
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


@dataclass
class YearResult:
    """What one year produced."""

    year: int
    gpkg: Path
    reports: list[JoinReport]
    notices: list[Notice] = field(default_factory=list)


@dataclass
class RunSummary:
    """The outputs of a project run, with a printable summary."""

    project: Project
    years: list[YearResult]
    files: list[Path]
    stores: list[Any] = field(default_factory=list)
    atlas: Any = None

    def text(self, lang: str | None = None) -> str:
        """A short summary in German (default) or English."""
        de = (lang or get_language()) == "de"
        lines = [f"{self.project.name}"]
        for y in self.years:
            matched = ", ".join(f"{Path(r.table_source).name}: {r.matched}/{r.n_areas}"
                                for r in y.reports)
            lines.append(f"  {y.year}: " + ("verknüpft " if de else "matched ") + matched)
            for r in y.reports:
                for row in r.table_only:
                    if row["level"] == "Gemeinde":
                        lines.append("    " + (f"ohne Geometrie: {row['key']} {row['name']}"
                                               if de else
                                               f"without geometry: {row['key']} {row['name']}"))
                for row in r.areas_only:
                    lines.append("    " + (f"ohne Daten: {row['key']} {row['name']}"
                                           if de else f"without data: {row['key']} {row['name']}"))
            # the same warning from two analyses of a year (LISA and Gi*) is shown once
            warnings = list(dict.fromkeys(n.text(lang) for n in y.notices
                                          if n.severity == "warning"))
            for text in warnings[:10]:
                lines.append(f"    [warning] {text}")
            if len(warnings) > 10:
                lines.append("    " + (f"… und {len(warnings) - 10} weitere Warnungen" if de
                                       else f"… and {len(warnings) - 10} more warnings"))
        for store in self.stores:
            lines.append(("Sozialdatenbank " if de else "time-series store ") + store.target)
            lines += ["  " + line for line in store.text(lang).splitlines()]
        lines.append("Geschrieben:" if de else "Written:")
        lines += [f"  {f}" for f in self.files]
        return "\n".join(lines)


@dataclass
class JoinedYear:
    """One year's tables joined to the areas (before aggregation and protection)."""

    frame: gpd.GeoDataFrame
    reports: list[JoinReport]
    variables: list[str]
    converted: set[str] = field(default_factory=set)
    notices: list[Notice] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)
    stichtage: dict[str, str] = field(default_factory=dict)


def _join_year(project: Project, areas: Areas, year: int, crosswalk: Any = None,
               key_counts: dict[str, dict[int, tuple[int, str]]] | None = None) -> JoinedYear:
    """Join every table of ``year`` (unprotected: the aggregation protects both levels).

    With a ``crosswalk`` (the year is under ``[[crosswalks]]``) each table's counts are
    brought onto the geometries' Gebietsstand first; ``key_counts`` collects the number
    of municipality keys per table and year for the update check.
    """
    combined = Columns(n=len(areas.frame))
    out = JoinedYear(areas.frame, [], [])
    stand = project.gebietsstand or (crosswalk.gebietsstand if crosswalk is not None else "")
    for spec in project.tables:
        table_path = project.root / spec.file.format(year=year)
        table = read_table(table_path, key_column=spec.key_column, sheet=spec.sheet)
        check_table_year(table.meta, year, str(table_path))
        if key_counts is not None:
            key_counts.setdefault(spec.file, {})[year] = (municipal_keys(table), str(table_path))
        columns = list(dict.fromkeys(c for cols in spec.variables.values() for c in cols))
        if crosswalk is not None:
            table, keys = converted_table(table, crosswalk, columns, stand)
            out.converted |= keys
            out.notices += [n for n in table.notices if n.code.startswith("cw.")]
        result = join_step(areas, table, columns, rule=None)
        renamed = dict(zip(columns, result.value_columns, strict=True))
        derived = derive_variables(to_columns(result.frame), {
            v: [renamed[c] for c in cols] for v, cols in spec.variables.items()})
        for v in spec.variables:
            combined[v] = derived[v]
            combined[flag_column(v)] = derived[flag_column(v)]
            out.variables.append(v)
            out.sources[v] = table_path.name
            out.stichtage[v] = str(table.meta.get("Stichtag", ""))
        out.reports.append(result.report)
    out.frame = with_columns(areas.frame, combined)
    return out


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


def _planned_outputs(project: Project, out: Path, stem: str, parameter: str) -> list[Output]:
    """Every file a run may write into ``out``, checked before the first is written."""
    ids = [i.id for i in project.indicators]
    planned = []
    for year in project.years:
        planned += [Output(parameter, out / f"{stem}_{year}.gpkg", "gpkg"),
                    Output(parameter, out / f"verknuepfungsbericht_{year}.txt", "txt"),
                    Output(parameter, out / f"verknuepfungsbericht_{year}.json", "json")]
        planned += [Output(parameter, out / name, kind)
                    for name, kind in map_file_names(ids, project.maps.analyse, year,
                                                      project.maps.statistics)]
    planned += [Output(parameter, out / name, kind) for name, kind in series_file_names(
        ids, project.maps.analyse, project.years, project.maps, bool(project.dynamics))]
    if project.database:
        planned.append(Output(parameter, out / project.database_file, "gpkg"))
    return planned


def run_project(path: str | Path, out: Path, lang: str | None = None, *,
                out_parameter: str = "out", database: str | None = None) -> RunSummary:
    """Run every year of a project: join, aggregate, protect, write GeoPackages and reports.

    The output folder ``out`` is created if missing. Before anything is computed, every
    file the run may write is checked (:func:`geosozial.core.outputs.check_outputs`):
    none may be an input of the project (``out`` may be the project folder, but then no
    written name may equal an input file); ``out_parameter`` names ``out`` in messages.
    All outputs of the run are committed together at the end (an
    :class:`~geosozial.core.outputs.OutputSet`): an error or Ctrl-C leaves the previous
    outputs of every year as they were.

    Example:
        >>> run_project(demo_project(), Path("demo_out"))  # doctest: +SKIP
    """
    project = load_project(path)
    if database:  # --database: PostGIS besides the GeoPackage store
        project.database_url = _database_url(database)
        project.database = True
    out = Path(out)
    stem = Path(project.source).parent.name or "projekt"
    with OutputSet(project_inputs(project)) as outputs:
        planned = _planned_outputs(project, out, stem, out_parameter)
        check_outputs(planned, outputs.inputs, place=False)  # before the folder is made
        outputs.folder(out_parameter, out)
        outputs.check(planned)
        summary = _run_years(project, out, stem, lang)
    return summary


define("project.database",
       de="--database {value!r}: erwartet wird eine PostGIS-Adresse postgresql://benutzer@host"
       ":5432/datenbank.",
       en="--database {value!r}: a PostGIS address postgresql://user@host:5432/database is "
       "expected.")


def _database_url(value: str) -> str:
    if not str(value).startswith(("postgresql://", "postgres://")):
        raise GeosozialError("project.database", value=value)
    return str(value)


def store_targets(project: Project, out: Path) -> list[str | Path]:
    """Where the run's time-series store goes: the GeoPackage ``[database] file``
    (default ``sozialdatenbank.gpkg``) in the output folder and, where the project or
    ``--database`` names one, the PostGIS database ``[database] url``.

    Examples
    --------
    >>> from geosozial.pipeline.demo import demo_project
    >>> [str(t) for t in store_targets(load_project(demo_project()), Path("out"))]
    ['out/sozialdatenbank.gpkg']
    """
    targets: list[str | Path] = [out / project.database_file]
    if project.database_url:
        targets.append(project.database_url)
    return targets


def _write_store(project: Project, out: Path, joined: dict[int, JoinedYear],
                 results: dict[int, Any]) -> list[Any]:
    """Every year's counts, indicators and dynamics into the time-series store(s)."""
    import pandas as pd

    from geosozial.geo.store import long_table, write_store

    years = sorted(results)
    sources = {y: joined[y].sources for y in years}
    stichtage = {y: variable_stichtage(joined[y].stichtage, project.indicators)
                 for y in years}
    rows = []
    layers: dict[str, dict[int, Any]] = {"gemeinden": {}, "sozialraeume": {}}
    for level, attr, layer in (("Gemeinde", "municipalities", "gemeinden"),
                               ("Sozialraum", "sozialraeume", "sozialraeume"),
                               ("Kreis", "kreis", None)):
        frames = {y: getattr(results[y], attr) for y in years}
        variables = [c for c in frames[years[-1]].columns
                     if f"{c}_flag" in frames[years[-1]].columns]
        rows.append(long_table(frames, variables, level=level, sources=sources,
                               stichtage=stichtage, gebietsstand=project.gebietsstand))
        if layer:
            layers[layer] = frames
    long = pd.concat(rows, ignore_index=True)
    meta = {"projekt": project.name, "gebietsstand": project.gebietsstand,
            "geheimhaltung": project.rule.describe() if project.rule else "keine",
            "quelle": project.attribution, "geosozial_version": __version__}
    reports = [write_store(target, long, layers, years=years, meta=meta)
               for target in store_targets(project, out)]
    return reports


def variable_stichtage(tables: Mapping[str, str], indicators: Sequence[Indicator]
                       ) -> dict[str, str]:
    """The Stichtag of every stored variable: a table variable's own (its table's), an
    indicator's that of its counts (several, when they come from tables of different
    Stichtage).

    Parameters
    ----------
    tables : mapping of str to str
        Count variable -> the Stichtag of the table it comes from (``""`` if unknown).
    indicators : sequence of Indicator

    Returns
    -------
    dict of str to str

    Examples
    --------
    >>> from geosozial.core.indicators import CATALOGUE
    >>> variable_stichtage({"sgb2_rlb": "31.12.2023", "bev_u65": "31.12.2023"},
    ...                    [CATALOGUE["sgb2_quote"]])["sgb2_quote"]
    '31.12.2023'
    >>> variable_stichtage({"sgb2_rlb": "30.06.2023", "bev_u65": "31.12.2023"},
    ...                    [CATALOGUE["sgb2_quote"]])["sgb2_quote"]
    '30.06.2023, 31.12.2023'
    """
    out = {v: str(t or "") for v, t in tables.items()}
    for ind in indicators:
        dates = sorted({out.get(v, "") for v in ind.variables} - {""},
                       key=lambda d: d.split(".")[::-1])
        out[ind.id] = ", ".join(dates)
    return out


def _crosswalks(project: Project) -> dict[int, Any]:
    """Year -> the crosswalk that converts its tables (from ``[[crosswalks]]``)."""
    by_year = {}
    for spec in project.crosswalks:
        cw = read_crosswalk_file(project.root / spec.file, spec)
        for year in spec.years:
            by_year[year] = cw
    return by_year


def _run_years(project: Project, out: Path, stem: str, lang: str | None) -> RunSummary:
    areas = read_areas(project.root / project.areas, key=project.key, layer=project.layer,
                       kreis=project.kreis or None)
    mapping = read_mapping(project.root / project.sozialraeume)
    crosswalks = _crosswalks(project)
    key_counts: dict[str, dict[int, tuple[int, str]]] = {}
    moved: list[Notice] = []
    for cw in {id(c): c for c in crosswalks.values()}.values():  # a mapping of an old stand
        mapping.assignment, notices = mapping_on_new_keys(
            mapping.assignment, mapping.lines, cw, areas.frame["key"].astype(str),
            mapping.source)
        moved += notices
    joined_years: dict[int, JoinedYear] = {}
    results = {}
    for year in project.years:
        joined = _join_year(project, areas, year, crosswalks.get(year), key_counts)
        result = aggregate_step(joined.frame, mapping, indicators=project.indicators,
                                rule=project.rule, relations=project.relations,
                                counts=joined.variables, protect=project.protect,
                                source=f"{project.source} ({year})", sums=project.sums)
        fields = joined.variables + [i.id for i in project.indicators]
        mark_converted(result.municipalities, fields, joined.converted)
        joined_years[year] = joined
        results[year] = result
    update = moved + update_notices(key_counts)
    dynamic_labels: dict[str, tuple[str, str]] = {}
    if project.dynamics:
        for level in ("municipalities", "sozialraeume", "kreis"):
            dynamic_labels = add_dynamics(
                {y: getattr(results[y], level) for y in results}, project.dynamics,
                project.indicators, str(project.source),
                notices=update if level == "municipalities" else [])
    shown_lang = lang or get_language()
    classes = (common_classes(project, {y: results[y].municipalities for y in results},
                              project.maps, shown_lang),
               common_classes(project, {y: results[y].sozialraeume for y in results},
                              project.maps, shown_lang))
    years, files = [], []
    for year in project.years:
        joined, result = joined_years[year], results[year]
        reports = joined.reports
        gpkg = out / f"{stem}_{year}.gpkg"
        write_geopackage(gpkg, {"gemeinden": result.municipalities,
                                "sozialraeume": result.sozialraeume}, {
            "geosozial_version": __version__,
            "projekt": project.name,
            "jahr": year,
            "gebietsstand": project.gebietsstand,
            "umgerechnet": sorted(joined.converted),
            "geheimhaltung": project.rule.describe() if project.rule else "keine",
            "indikatoren": {i.id: i.as_dict() for i in project.indicators},
            "verknuepfungsberichte": [r.as_dict() for r in reports],
            "quelle": project.attribution,
        })
        last = project.years[-1]
        notices = joined.notices + result.notices + [
            n for n in update if n.params.get("year", last) == year]
        report_txt = atomic_write_text(out / f"verknuepfungsbericht_{year}.txt", "\n\n".join(
            [r.text(lang) for r in reports] + [n.text(lang) for n in joined.notices]) + "\n")
        report_json = atomic_write_text(out / f"verknuepfungsbericht_{year}.json", json.dumps(
            {"jahr": year, "berichte": [r.as_dict(lang) for r in reports],
             "hinweise": [n.as_dict(lang) for n in notices]},
            ensure_ascii=False, indent=2) + "\n")
        files += [gpkg, report_txt, report_json]
        map_files, map_notices = write_year_maps(
            project, result.municipalities, result.sozialraeume, mapping.assignment, year, out,
            project.maps, lang=lang or get_language(), classes=classes)
        files += map_files
        years.append(YearResult(year, gpkg, reports, notices + map_notices))
    store_reports = _write_store(project, out, joined_years, results) \
        if project.database else []
    files += [out / project.database_file] if store_reports else []
    series_files, series_notices = write_series_maps(
        project, {y: results[y].municipalities for y in results},
        {y: results[y].sozialraeume for y in results}, mapping.assignment, out,
        project.maps, lang=lang or get_language(), dynamic_labels=dynamic_labels)
    files += series_files
    if years:
        years[-1].notices += series_notices
    return RunSummary(project, years, files, store_reports)
