"""Project runs: a project file (:mod:`geosozial.core.project`) turned into outputs.

:func:`run_project` reads the project (:func:`~geosozial.core.project.load_project`,
re-exported here) and turns it into joined and aggregated GeoPackages, the join
reports, the maps and the time-series store, one set per year.

Example:
    >>> project = load_project("geodata/musterkreis/projekt.toml")  # doctest: +SKIP
    >>> summary = run_project("geodata/musterkreis/projekt.toml", Path("out"))  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geosozial.core.join import JoinReport
from geosozial.core.messages import GeosozialError, Notice, define, get_language
from geosozial.core.outputs import OutputSet, atomic_write_text, check_outputs
from geosozial.core.project import (  # noqa: F401  (parsing lives in core; re-exported)
    Project,
    TableSpec,
    input_hashes,
    load_project,
    project_inputs,
)
from geosozial.core.run import (  # noqa: F401  (variable_stichtage re-exported)
    STORE_LEVELS,
    AreaColumns,
    ProjectRun,
    compute_years,
    dynamics_labels,
    report_texts,
    run_text,
    store_long,
    store_meta,
    variable_stichtage,
    year_metadata,
    year_notices,
)
from geosozial.geo.areas import Areas, read_areas
from geosozial.geo.frames import aggregate_frames, to_columns, with_columns
from geosozial.geo.gpkg import write_geopackage
from geosozial.maps.project_maps import run_outputs
from geosozial.pipeline.maps import common_classes, write_series_maps, write_year_maps


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
        return run_text(self.project.name, [(y.year, y.reports, y.notices) for y in self.years],
                        [(store.target, store.text(lang)) for store in self.stores],
                        self.files, lang)


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
        planned = run_outputs(project, out, out_parameter)
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


def _write_store(project: Project, out: Path, run: ProjectRun,
                 results: dict[int, Any]) -> list[Any]:
    """Every year's counts, indicators and dynamics into the time-series store(s)."""
    import pandas as pd

    from geosozial.geo.store import write_store

    years = sorted(results)
    long = pd.DataFrame(store_long(project, run))
    layers = {layer: {y: getattr(results[y], attr) for y in years}
              for _, attr, layer in STORE_LEVELS if layer}
    return [write_store(target, long, layers, years=years, meta=store_meta(project))
            for target in store_targets(project, out)]
def area_columns(areas: Areas) -> AreaColumns:
    """Areas read by geopandas as the core's :class:`~geosozial.core.run.AreaColumns`."""
    from geosozial.geo.areas import EDITION

    return AreaColumns(to_columns(areas.frame), areas.key_field, areas.source,
                       str(areas.frame.attrs.get(EDITION) or ""), list(areas.notices),
                       areas.frame.geometry.name)


def _run_years(project: Project, out: Path, stem: str, lang: str | None) -> RunSummary:
    areas = read_areas(project.root / project.areas, key=project.key, layer=project.layer,
                       kreis=project.kreis or None)
    run = compute_years(project, area_columns(areas))
    mapping = run.mapping
    frame = areas.frame.reset_index(drop=True)
    results = {}
    for year, year_run in run.years.items():
        joined = with_columns(frame, year_run.joined, only=[
            c for c in year_run.joined.columns if c not in frame.columns])
        results[year] = aggregate_frames(joined, year_run.result)
    dynamic_labels = dynamics_labels(run.dynamics)
    shown_lang = lang or get_language()
    classes = (common_classes(project, {y: results[y].municipalities for y in results},
                              project.maps, shown_lang),
               common_classes(project, {y: results[y].sozialraeume for y in results},
                              project.maps, shown_lang))
    years, files = [], []
    for year in project.years:
        joined, result = run.years[year], results[year]
        reports = joined.reports
        gpkg = out / f"{stem}_{year}.gpkg"
        write_geopackage(gpkg, {"gemeinden": result.municipalities,
                                "sozialraeume": result.sozialraeume},
                         year_metadata(project, joined))
        notices = year_notices(project, run, year)
        text, data = report_texts(joined, notices, lang)
        report_txt = atomic_write_text(out / f"verknuepfungsbericht_{year}.txt", text)
        report_json = atomic_write_text(out / f"verknuepfungsbericht_{year}.json", data)
        files += [gpkg, report_txt, report_json]
        map_files, map_notices = write_year_maps(
            project, result.municipalities, result.sozialraeume, mapping.assignment, year, out,
            project.maps, lang=lang or get_language(), classes=classes)
        files += map_files
        years.append(YearResult(year, gpkg, reports, notices + map_notices))
    store_reports = _write_store(project, out, run, results) \
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
