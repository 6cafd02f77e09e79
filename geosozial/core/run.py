"""A project's years on core columns: tables joined, aggregated and protected, dynamics.

The computing part of a project run, the same for every door: the command line and the
Python API (:func:`geosozial.pipeline.project.run_project`, which reads the areas with
geopandas) and the QGIS plugin (``geosozial:report``, which reads them with QGIS) hand
over the areas' attribute columns; this module reads every year's tables
(crosswalk-converted where ``[[crosswalks]]`` says so), joins them unprotected, derives
the variables, aggregates municipalities to Sozialräume and the Kreis protecting all
levels at once (:func:`geosozial.core.sozialraum.aggregate_joined`), marks converted
values, checks the updates and adds the dynamics. Geometry stays with the door.

Example:
    >>> run = compute_years(load_project("projekt.toml"), areas)  # doctest: +SKIP
    >>> run.years[2023].sozialraeume.numbers("sgb2_quote")  # doctest: +SKIP
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from geosozial.core.columns import Columns, flag_column
from geosozial.core.crosswalk import Crosswalk, apply_crosswalk, mapping_on_new_keys
from geosozial.core.dynamics import change, change_kind, dynamics_columns, trend, trend_unit
from geosozial.core.indicators import Indicator
from geosozial.core.join import JoinReport, join_protected
from geosozial.core.messages import GeosozialError, Notice, define
from geosozial.core.project import CrosswalkSpec, DynamicsSpec, Project
from geosozial.core.sozialraum import AggregateResult, SozialraumMapping, read_mapping
from geosozial.core.symbols import FLAG_ESTIMATED, FLAG_RECODED
from geosozial.core.tables.read import read_table
from geosozial.core.tables.table import Table
from geosozial.core.variables import derive_variables
from geosozial.core.years import check_table_year, fewer_keys, stand_hint

define("run.merged_areas",
       de="{file}: Gebiete mit demselben Schlüssel; bitte zuerst zusammenführen.",
       en="{file}: areas share a key; merge them first.")

__all__ = ["AreaColumns", "ProjectRun", "YearRun", "add_dynamics", "compute_years",
           "converted_table", "mark_converted", "municipal_keys", "report_texts", "run_text",
           "store_long", "store_meta", "update_notices", "variable_stichtage",
           "year_metadata", "year_notices"]


@dataclass
class AreaColumns:
    """The areas of a project as a door read them (attributes only, geometry kept there).

    Attributes
    ----------
    columns : Columns
        Every attribute of the areas file, with the normalised ``key`` and ``name``.
    key_field : str
        The project's key field (``AGS``, ``ARS``).
    source : str
        The areas file (for messages).
    edition : str
        The edition (``WSK``) of the file, "" when unknown.
    notices : list of Notice
        What reading the areas reported (repairs, left-out Kreise, ...).
    """

    columns: Columns
    key_field: str
    source: str
    edition: str = ""
    notices: list[Notice] = field(default_factory=list)
    #: the name of the door's geometry column (no attribute may take it)
    geometry: str = "geometry"


@dataclass
class YearRun:
    """One year of a project on core columns."""

    year: int
    #: the joined municipalities before aggregation (area attributes and variables)
    joined: Columns
    result: AggregateResult
    reports: list[JoinReport]
    variables: list[str]
    converted: set[str] = field(default_factory=set)
    #: what the join reported beyond the reports (crosswalk conversions)
    notices: list[Notice] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)
    stichtage: dict[str, str] = field(default_factory=dict)

    @property
    def municipalities(self) -> Columns:
        """The municipalities with variables, indicators, ``sozialraum`` and dynamics."""
        return self.result.municipalities

    @property
    def sozialraeume(self) -> Columns:
        """The Sozialräume."""
        return self.result.sozialraeume

    @property
    def kreis(self) -> Columns:
        """The whole area as one row."""
        return self.result.kreis


@dataclass
class ProjectRun:
    """Every year of a project on core columns, with the update checks and dynamics."""

    years: dict[int, YearRun]
    mapping: SozialraumMapping
    #: warnings of the update check and of moving the mapping onto new keys
    update: list[Notice] = field(default_factory=list)
    #: dynamics column -> (field, years or 0 for the trend, unit)
    dynamics: dict[str, tuple[str, int, str]] = field(default_factory=dict)


def read_crosswalk_file(path: Path, spec: CrosswalkSpec) -> Crosswalk:
    """The crosswalk of a ``[[crosswalks]]`` entry (CSV ``alt;neu;anteil`` or BBSR XLSX)."""
    from geosozial.core.crosswalk_files import read_crosswalk

    return read_crosswalk(path, sheet=spec.sheet, share=spec.share)


def crosswalks(project: Project) -> dict[int, Crosswalk]:
    """Year -> the crosswalk that converts its tables (from ``[[crosswalks]]``)."""
    by_year = {}
    for spec in project.crosswalks:
        cw = read_crosswalk_file(project.root / spec.file, spec)
        for year in spec.years:
            by_year[year] = cw
    return by_year


def converted_table(table: Table, cw: Crosswalk, columns: Sequence[str], stand: str
                    ) -> tuple[Table, set[str]]:
    """``table``'s ``columns`` on the crosswalk's keys, and the keys whose values changed.

    Examples
    --------
    >>> cw = Crosswalk([("1", "3", 1.0), ("2", "3", 1.0)])
    >>> t = Table.from_records([("1", "A", {"n": (4.0, "")}), ("2", "B", {"n": (5.0, "")})],
    ...                        "t.csv")
    >>> new, keys = converted_table(t, cw, ["n"], "31.12.2023")
    >>> new.values["n"].tolist(), sorted(keys)
    ([9.0], ['3'])
    """
    converted = apply_crosswalk(table, cw, list(columns), gebietsstand=stand)
    keys = {k for c in converted.value_columns for k, f in
            zip(converted.keys, converted.flags[c], strict=True)
            if f in (FLAG_RECODED, FLAG_ESTIMATED)}
    return converted, keys


def municipal_keys(table: Table) -> int:
    """The number of municipality keys (8 or 12 digits) of a table.

    Examples
    --------
    >>> municipal_keys(Table.from_records([("14999010", "", {}), ("14999", "", {})], "t"))
    1
    """
    return sum(1 for k in table.keys if len(k) in (8, 12))


def update_notices(counts: Mapping[str, Mapping[int, tuple[int, str]]]) -> list[Notice]:
    """Warnings for tables with far fewer municipality keys than the year before.

    ``counts`` maps a table pattern to year -> (number of keys, file).

    Examples
    --------
    >>> update_notices({"t_{year}.csv": {2022: (50, "t_2022.csv"), 2023: (30, "t_2023.csv")}}
    ...                )[0].params["previous"]
    50
    """
    notices = []
    for per_year in counts.values():
        years = sorted(per_year)
        for before, year in itertools.pairwise(years):
            n, file = per_year[year]
            notices += fewer_keys(n, per_year[before][0], year=year, previous_year=before,
                                  file=file)
    return notices


def mark_converted(columns: Columns, fields: Sequence[str], keys: set[str]) -> None:
    """Flag ``umgeschluesselt`` on the fields of converted keys (where no flag stands).

    Examples
    --------
    >>> c = Columns({"key": ["1", "2"], "n": [1.0, 2.0], "n_flag": ["", "geheim"]})
    >>> mark_converted(c, ["n"], {"1", "2"})
    >>> c.texts("n_flag")
    ['umgeschluesselt', 'geheim']
    """
    if not keys:
        return
    hit = [k in keys for k in columns.texts("key")]
    for f in fields:
        if f not in columns:
            continue
        col = flag_column(f)
        flags = columns.texts(col) if col in columns else [""] * len(columns)
        columns[col] = [FLAG_RECODED if h and not g else g for h, g in zip(hit, flags,
                                                                            strict=True)]


def _join_year(project: Project, areas: AreaColumns, year: int, crosswalk: Crosswalk | None,
               key_counts: dict[str, dict[int, tuple[int, str]]]
               ) -> tuple[Columns, list[JoinReport], list[str], set[str], list[Notice],
                          dict[str, str], dict[str, str]]:
    """Every table of ``year`` joined (unprotected: the aggregation protects all levels)."""
    keys, names = areas.columns.texts("key"), areas.columns.texts("name")
    joined = areas.columns.copy()
    reports, variables, notices = [], [], []
    converted: set[str] = set()
    sources: dict[str, str] = {}
    stichtage: dict[str, str] = {}
    stand = project.gebietsstand or (crosswalk.gebietsstand if crosswalk is not None else "")
    for spec in project.tables:
        table_path = project.root / spec.file.format(year=year)
        table = read_table(table_path, key_column=spec.key_column, sheet=spec.sheet)
        check_table_year(table.meta, year, str(table_path))
        key_counts.setdefault(spec.file, {})[year] = (municipal_keys(table), str(table_path))
        columns = list(dict.fromkeys(c for cols in spec.variables.values() for c in cols))
        if crosswalk is not None:
            table, changed = converted_table(table, crosswalk, columns, stand)
            converted |= changed
            notices += [n for n in table.notices if n.code.startswith("cw.")]
        # a table older than the geometries: the core's hint
        area_notices = [*areas.notices, *stand_hint(table, keys, areas.edition, areas.source)]
        result = join_protected(keys, names, table, columns, rule=None,
                                key_field=areas.key_field, areas_source=areas.source,
                                area_columns=[*areas.columns.columns, areas.geometry],
                                area_notices=area_notices)
        if len(result.rows) != len(keys):
            raise GeosozialError("run.merged_areas", file=areas.source)
        merged = areas.columns.copy()
        for c in result.columns:
            merged[c] = result.columns[c]
        renamed = dict(zip(columns, result.value_columns, strict=True))
        derived = derive_variables(merged, {
            v: [renamed[c] for c in cols] for v, cols in spec.variables.items()})
        for v in spec.variables:
            joined[v] = derived[v]
            joined[flag_column(v)] = derived[flag_column(v)]
            variables.append(v)
            sources[v] = table_path.name
            stichtage[v] = str(table.meta.get("Stichtag", ""))
        reports.append(result.report)
    return joined, reports, variables, converted, notices, sources, stichtage


def compute_years(project: Project, areas: AreaColumns) -> ProjectRun:
    """Every year of ``project`` on core columns (what every door's project run computes).

    Parameters
    ----------
    project : Project
        A loaded project file (:func:`geosozial.core.project.load_project`).
    areas : AreaColumns
        The areas as a door read them (one row per key, in the file's order).

    Returns
    -------
    ProjectRun
        Per year the joined municipalities and the aggregation (municipalities,
        Sozialräume, Kreis; protected; converted values flagged; dynamics added), the
        update warnings and the dynamics columns.

    Raises
    ------
    GeosozialError
        Any problem of a table, the mapping, a crosswalk or the dynamics, naming the file.
    """
    from geosozial.core.sozialraum import aggregate_joined

    mapping = read_mapping(project.root / project.sozialraeume)
    by_year = crosswalks(project)
    key_counts: dict[str, dict[int, tuple[int, str]]] = {}
    moved: list[Notice] = []
    for cw in {id(c): c for c in by_year.values()}.values():  # a mapping of an old stand
        mapping.assignment, notices = mapping_on_new_keys(
            mapping.assignment, mapping.lines, cw, areas.columns.texts("key"),
            mapping.source)
        moved += notices
    years: dict[int, YearRun] = {}
    for year in project.years:
        joined, reports, variables, converted, notices, sources, stichtage = _join_year(
            project, areas, year, by_year.get(year), key_counts)
        result = aggregate_joined(joined, mapping, indicators=project.indicators,
                                  rule=project.rule, relations=project.relations,
                                  counts=variables, protect=project.protect,
                                  source=f"{project.source} ({year})", sums=project.sums,
                                  edition=areas.edition or None)
        mark_converted(result.municipalities,
                       variables + [i.id for i in project.indicators], converted)
        years[year] = YearRun(year, joined, result, reports, variables, converted, notices,
                              sources, stichtage)
    run = ProjectRun(years, mapping, moved + update_notices(key_counts))
    if project.dynamics:
        for level in ("municipalities", "sozialraeume", "kreis"):
            run.dynamics = add_dynamics(
                {y: getattr(years[y], level) for y in years}, project.dynamics,
                project.indicators, str(project.source),
                notices=run.update if level == "municipalities" else [])
    return run


def add_dynamics(frames: Mapping[int, Columns], specs: Sequence[DynamicsSpec],
                 indicators: Sequence[Any], file: str,
                 kinds: Mapping[str, str] | None = None,
                 notices: list[Notice] | None = None) -> dict[str, tuple[str, int, str]]:
    """Add change and trend columns to every year's columns (in place).

    The change over ``k`` years stands in each year that has a year ``k`` before it
    (missing elsewhere, flagged ``nicht_berechenbar``); the trend (least-squares slope
    per year over all years so far, at least 3) in every year. The kind of change
    comes from :func:`~geosozial.core.dynamics.change_kind` unless ``kinds`` gives it.
    In a project run (``notices`` given) a span no two years have is a warning there and
    a change column that is "nicht berechenbar" everywhere; outside a project (no
    ``notices``: the API, ``trends --change``, QGIS) the last year needs the year ``k``
    before it, else the error ``dyn.years``.

    Returns
    -------
    dict of str to (str, int, str)
        Column -> (field, k of the change or 0 for the trend, unit), for labels.

    Examples
    --------
    >>> f = {2021: Columns({"key": ["a"], "n": [100.0]}),
    ...      2022: Columns({"key": ["a"], "n": [110.0]})}
    >>> add_dynamics(f, [DynamicsSpec("n", 1)], [], "p.toml")["n_diff1"]
    ('n', 1, '%')
    >>> f[2022].numbers("n_diff1").tolist()
    [10.0]
    """
    from geosozial.core.indicators import field_label

    years = sorted(frames)
    out: dict[str, tuple[str, int, str]] = {}
    for spec in specs:
        last = frames[years[-1]]
        if spec.id not in last:
            known = [c for c in last.columns if not c.endswith("_flag")
                     and c not in ("key", "name", "geometry")]
            raise GeosozialError("project.dynamics", file=file, id=spec.id,
                                 known=", ".join(known))
        kind = (kinds or {}).get(spec.id) or change_kind(spec.id, indicators)
        if notices is None and years[-1] - spec.years not in frames:
            raise GeosozialError("dyn.years", k=spec.years, missing=years[-1] - spec.years,
                                 years=", ".join(map(str, years)))
        if not any(y - spec.years in frames for y in years) and notices is not None:
            notices.append(Notice("project.dynamics_years", "warning", file=file, id=spec.id,
                                  k=spec.years, years=", ".join(map(str, years))))
        values = {y: frames[y].numbers(spec.id) for y in years}
        flags = {y: (frames[y].texts(flag_column(spec.id)) if flag_column(spec.id)
                     in frames[y] else [""] * len(frames[y])) for y in years}
        diff_col, trend_col = dynamics_columns(spec.id, spec.years)
        unit = field_label(spec.id)[1]
        for year in years:
            n = len(frames[year])
            if year - spec.years in frames:
                d = change({y: values[y] for y in (year - spec.years, year)}, k=spec.years,
                           kind=kind, flags=flags, last=year)
                frames[year][diff_col] = np.asarray(d.values, dtype=float)
                frames[year][flag_column(diff_col)] = list(d.flags)
                out[diff_col] = (spec.id, spec.years, d.unit)
            else:
                frames[year][diff_col] = np.full(n, np.nan)
                frames[year][flag_column(diff_col)] = ["nicht_berechenbar"] * n
            t = trend({y: values[y] for y in years if y <= year})
            frames[year][trend_col] = np.asarray(t.values, dtype=float)
            frames[year][flag_column(trend_col)] = list(t.flags)
        out[trend_col] = (spec.id, 0, trend_unit(kind, unit))
    return out


def dynamics_labels(columns: Mapping[str, tuple[str, int, str]], lang: str = "de"
                    ) -> dict[str, tuple[str, str]]:
    """Map labels of dynamics columns (:func:`add_dynamics`): column -> (label, unit).

    Examples
    --------
    >>> dynamics_labels({"sgb2_quote_diff2": ("sgb2_quote", 2, "Prozentpunkte")})
    {'sgb2_quote_diff2': ('SGB II-Quote: Veränderung über 2 Jahre', 'Prozentpunkte')}
    """
    from geosozial.core.indicators import field_label

    out = {}
    for column, (ident, k, unit) in columns.items():
        label = field_label(ident)[0]
        if k:
            out[column] = (f"{label}: Veränderung über {k} {'Jahr' if k == 1 else 'Jahre'}",
                           unit)
        else:
            out[column] = (f"{label}: Trend je Jahr", unit)
    return out


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


#: the levels of the store: level name, the attribute of :class:`YearRun`, its layer
STORE_LEVELS = (("Gemeinde", "municipalities", "gemeinden"),
                ("Sozialraum", "sozialraeume", "sozialraeume"),
                ("Kreis", "kreis", None))


def store_long(project: Project, run: ProjectRun) -> dict[str, np.ndarray]:
    """The long rows of a run for the store: every level, year and variable (value
    columns with a flag column: counts, indicators, dynamics), with source, Stichtag and
    Gebietsstand.

    Returns
    -------
    dict of str to numpy.ndarray
        :func:`geosozial.core.store_write.long_rows` of the three levels, one after the
        other.
    """
    from geosozial.core.store_write import long_rows

    years = sorted(run.years)
    sources = {y: run.years[y].sources for y in years}
    stichtage = {y: variable_stichtage(run.years[y].stichtage, project.indicators)
                 for y in years}
    parts = []
    for level, attr, _ in STORE_LEVELS:
        frames = {y: getattr(run.years[y], attr) for y in years}
        last = frames[years[-1]]
        variables = [c for c in last.columns if flag_column(c) in last]
        parts.append(long_rows(frames, variables, level=level, sources=sources,
                               stichtage=stichtage, gebietsstand=project.gebietsstand))
    return {c: np.concatenate([p[c] for p in parts]) for c in parts[0]}


def store_meta(project: Project) -> dict[str, Any]:
    """The ``metadaten`` a project run writes into its store."""
    from geosozial import __version__
    from geosozial.core.project import input_hashes

    return {"projekt": project.name, "gebietsstand": project.gebietsstand,
            "geheimhaltung": project.rule.describe() if project.rule else "keine",
            "quelle": project.attribution, "geosozial_version": __version__,
            # the files this run read: the atlas notices a table changed since
            "eingaben": input_hashes(project)}


def year_metadata(project: Project, year: YearRun) -> dict[str, Any]:
    """The dataset metadata of a year's result GeoPackage (``<projekt>_<jahr>.gpkg``)."""
    from geosozial import __version__

    return {
        "geosozial_version": __version__,
        "projekt": project.name,
        "jahr": year.year,
        "gebietsstand": project.gebietsstand,
        "umgerechnet": sorted(year.converted),
        "geheimhaltung": project.rule.describe() if project.rule else "keine",
        "indikatoren": {i.id: i.as_dict() for i in project.indicators},
        "verknuepfungsberichte": [r.as_dict() for r in year.reports],
        "quelle": project.attribution,
    }


def year_notices(project: Project, run: ProjectRun, year: int) -> list[Notice]:
    """What a year reported: the join, the aggregation, and the update checks of it."""
    last = project.years[-1]
    done = run.years[year]
    return done.notices + done.result.notices + [
        n for n in run.update if n.params.get("year", last) == year]


def report_texts(year: YearRun, notices: Sequence[Notice], lang: str | None = None
                 ) -> tuple[str, str]:
    """The join report of a year as text and as JSON (``verknuepfungsbericht_<jahr>``).

    Returns
    -------
    tuple of (str, str)
        The text (the reports, then the join's own notices) and the JSON (``jahr``,
        ``berichte``, ``hinweise``: all ``notices`` of the year).
    """
    import json

    text = "\n\n".join([r.text(lang) for r in year.reports]
                        + [n.text(lang) for n in year.notices]) + "\n"
    data = json.dumps({"jahr": year.year, "berichte": [r.as_dict(lang) for r in year.reports],
                       "hinweise": [n.as_dict(lang) for n in notices]},
                      ensure_ascii=False, indent=2) + "\n"
    return text, data


def run_text(name: str, years: Sequence[tuple[int, Sequence[JoinReport], Sequence[Notice]]],
             stores: Sequence[tuple[str, str]], files: Sequence[Any],
             lang: str | None = None) -> str:
    """The summary of a project run (every door prints it): per year what was matched,
    table rows without geometry, areas without data, the warnings (each once, at most
    10); what the store got; the files written.

    Examples
    --------
    >>> print(run_text("Musterkreis", [], [("db.gpkg", "2023 (Gemeinde): 5 Werte neu")],
    ...                ["out/a.gpkg"]))
    Musterkreis
    Sozialdatenbank db.gpkg
      2023 (Gemeinde): 5 Werte neu
    Geschrieben:
      out/a.gpkg
    """
    from geosozial.core.messages import get_language

    de = (lang or get_language()) == "de"
    lines = [f"{name}"]
    for year, reports, notices in years:
        matched = ", ".join(f"{Path(r.table_source).name}: {r.matched}/{r.n_areas}"
                            for r in reports)
        lines.append(f"  {year}: " + ("verknüpft " if de else "matched ") + matched)
        for r in reports:
            for row in r.table_only:
                if row["level"] == "Gemeinde":
                    lines.append("    " + (f"ohne Geometrie: {row['key']} {row['name']}"
                                           if de else
                                           f"without geometry: {row['key']} {row['name']}"))
            for row in r.areas_only:
                lines.append("    " + (f"ohne Daten: {row['key']} {row['name']}"
                                       if de else f"without data: {row['key']} {row['name']}"))
        # the same warning from two analyses of a year (LISA and Gi*) is shown once
        warnings = list(dict.fromkeys(n.text(lang) for n in notices
                                      if n.severity == "warning"))
        for text in warnings[:10]:
            lines.append(f"    [warning] {text}")
        if len(warnings) > 10:
            lines.append("    " + (f"… und {len(warnings) - 10} weitere Warnungen" if de
                                   else f"… and {len(warnings) - 10} more warnings"))
    for target, text in stores:
        lines.append(("Sozialdatenbank " if de else "time-series store ") + str(target))
        lines += ["  " + line for line in text.splitlines()]
    lines.append("Geschrieben:" if de else "Written:")
    lines += [f"  {f}" for f in files]
    return "\n".join(lines)
