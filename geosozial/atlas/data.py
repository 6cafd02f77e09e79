"""The atlas model from a project run: project file + time-series store + the run's maps.

:func:`load_model` reads what :func:`geosozial.pipeline.project.run_project` wrote into
the output folder (the store ``sozialdatenbank.gpkg``, or the project's ``[database]
file``; the names of the maps) and the project file (indicators, confidentiality rule,
``[maps]``, ``[atlas]``), and returns a plain :class:`~geosozial.atlas.model.AtlasModel`.
The local statistics of the last year (LISA, Gi*) are computed again with the project's
``[maps]`` settings and seed, so they are the ones the run's maps show.

It reads the store with :mod:`sqlite3` alone (:func:`geosozial.core.store_file.
read_store_file`) and needs neither GDAL nor pandas, so the QGIS plugin builds the
same model; everything after it reads only the model.

Examples
--------
>>> model = load_model("geodata/musterkreis/projekt.toml", Path("demo_out"))  # doctest: +SKIP
>>> len(model.gemeinden()), model.last_year  # doctest: +SKIP
(50, 2023)
"""

from __future__ import annotations

import datetime as _dt
import math
import os
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from geosozial.atlas.model import (
    GEMEINDE,
    KREIS,
    SOZIALRAUM,
    Area,
    AtlasModel,
    Cell,
    ClusterNote,
    IndicatorInfo,
    MapLink,
    Variable,
    slug,
)
from geosozial.atlas.pdf import pdf_engine
from geosozial.atlas.settings import read_atlas_settings
from geosozial.atlas.texts import text, unit_text, variable_label
from geosozial.core.messages import GeosozialError, define

__all__ = ["load_model", "map_links", "source_date"]

define("atlas.no_store",
       de="Im Ordner {out} fehlt die Sozialdatenbank {file}; der Atlas wird aus ihr gebaut. "
       "Bitte zuerst geosozial report {project} --out {out} ausführen (mit [database] "
       "enabled = true).",
       en="the folder {out} lacks the time-series store {file}; the atlas is built from it. "
       "Run geosozial report {project} --out {out} first (with [database] enabled = true).")
define("atlas.source_date",
       de="SOURCE_DATE_EPOCH={value!r} ist keine ganze Zahl von Sekunden seit 1970.",
       en="SOURCE_DATE_EPOCH={value!r} is not a whole number of seconds since 1970.")


def source_date(lang: str = "de", environ: dict[str, str] | None = None) -> str:
    """The build date from ``SOURCE_DATE_EPOCH`` (UTC), ``""`` when it is unset.

    Pages never show the time of the build otherwise, so the same inputs give the same
    bytes.

    Parameters
    ----------
    lang : str
    environ : dict, optional
        Instead of :data:`os.environ`.

    Returns
    -------
    str

    Examples
    --------
    >>> source_date(environ={"SOURCE_DATE_EPOCH": "1700000000"})
    '14.11.2023'
    >>> source_date("en", {"SOURCE_DATE_EPOCH": "1700000000"}), source_date(environ={})
    ('2023-11-14', '')
    """
    value = (os.environ if environ is None else environ).get("SOURCE_DATE_EPOCH", "").strip()
    if not value:
        return ""
    try:
        stamp = int(value)
    except ValueError:
        raise GeosozialError("atlas.source_date", value=value) from None
    day = _dt.datetime.fromtimestamp(stamp, tz=_dt.timezone.utc).date()
    return day.isoformat() if lang == "en" else day.strftime("%d.%m.%Y")


def map_links(out: Path, indicator: str, analysed: bool, statistics: list[str],
              years: list[int], lang: str = "de") -> list[MapLink]:
    """The run's maps of ``indicator`` that exist in ``out`` (newest year first).

    Parameters
    ----------
    out : Path
        The run's output folder (the site folder).
    indicator : str
    analysed : bool
        Whether the run analysed the indicator (LISA / hot-spot maps).
    statistics : list of str
        ``[maps] statistics``.
    years : list of int
    lang : str

    Returns
    -------
    list of MapLink

    Examples
    --------
    >>> map_links(Path("/nonexistent"), "sgb2_quote", True, ["lisa"], [2023])
    []
    """
    candidates = [("karte_gemeinden_jahre.html", text(lang, "map_years")),
                  ("karte_sozialraeume_jahre.html", text(lang, "map_years_sr"))]
    if analysed:
        stems = {"lisa": ("lisa", "map_lisa"), "hotspots": ("hotspots", "map_gi"),
                 "geary": ("geary", "map_geary"), "quantile": ("quantil_lisa", "map_quantile")}
        for year in reversed(years):
            for name in statistics:
                if name in stems:
                    stem, label = stems[name]
                    candidates.append((f"{stem}_{indicator}_{year}.html",
                                       text(lang, label, year=year)))
        if len(years) > 1:
            candidates.append((f"emerging_hotspots_{indicator}.html",
                               text(lang, "map_emerging", first=years[0], last=years[-1])))
    return [MapLink(name, label) for name, label in candidates if (out / name).is_file()]


def _float(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    return str(value)


def _values(long: Any) -> tuple[dict[tuple[str, str], dict[str, dict[int, Cell]]],
                                 dict[str, dict[int, tuple[str, str]]]]:
    """The long table as ``(level, key) -> variable -> year -> Cell`` and the source and
    Stichtag of each variable per year (municipal rows)."""
    values: dict[tuple[str, str], dict[str, dict[int, Cell]]] = {}
    sources: dict[str, dict[int, tuple[str, str]]] = {}
    columns = [long[c] for c in ("ebene", "schluessel", "variable", "jahr", "wert",
                                 "kennzeichen", "umgerechnet", "quelle", "stichtag")]
    for level, key, var, year, wert, flag, conv, quelle, stichtag in zip(*columns,
                                                                         strict=True):
        year = int(year)
        value = _float(wert)
        flag = _text(flag)
        values.setdefault((str(level), str(key)), {}).setdefault(str(var), {})[year] = Cell(
            value, flag, bool(conv))
        if level == GEMEINDE and _text(quelle):
            sources.setdefault(str(var), {})[year] = (_text(quelle), _text(stichtag))
    return values, sources


def _text_of(columns: dict[str, list[Any]], name: str, i: int, default: str = "") -> str:
    values = columns.get(name)
    return _text(values[i]) if values is not None else default


def _areas(layers: dict[str, Any], year: int) -> list[Area]:
    gem = layers["gemeinden"]
    areas = []
    for i in gem.rows_of_year(year):
        key = _text_of(gem.columns, "key", i)
        areas.append(Area(key, _text_of(gem.columns, "name", i) or key, GEMEINDE,
                          f"gemeinden/{slug(key)}.html",
                          sozialraum=_text_of(gem.columns, "sozialraum", i),
                          kind=_text_of(gem.columns, "BEZ", i)))
    regions = layers.get("sozialraeume")
    if regions is not None:
        used: set[str] = set()
        for i in regions.rows_of_year(year):
            key = _text_of(regions.columns, "key", i)
            stem = slug(key)
            while stem in used:  # two names with the same slug
                stem += "-2"
            used.add(stem)
            members = tuple(k.strip() for k in _text_of(regions.columns, "gemeinden", i)
                            .split(",") if k.strip())
            if not members:
                members = tuple(a.key for a in areas if a.sozialraum == key)
            areas.append(Area(key, _text_of(regions.columns, "name", i) or key, SOZIALRAUM,
                              f"sozialraeume/{stem}.html", members=members))
    return areas


def _method_note(method: dict[str, Any], lang: str) -> str:
    statistic = {"local_moran": "LISA (Local Moran's I)", "gi_star": "Getis-Ord Gi*"}.get(
        str(method.get("statistic")), str(method.get("statistic")))
    correction = {"fdr": "FDR (Benjamini-Hochberg)", "bonferroni": "Bonferroni",
                  "none": "ohne Korrektur" if lang == "de" else "uncorrected"}.get(
        str(method.get("correction")), str(method.get("correction")))
    alpha = str(method.get("alpha", "")).replace(".", "," if lang == "de" else ".")
    perm = method.get("permutations")
    if lang == "en":
        return (f"{statistic}, weights {method.get('weights')}, permutations {perm}, seed "
                f"{method.get('seed')}, {method.get('alternative')}, {correction} at "
                f"alpha = {alpha}")
    return (f"{statistic}, Nachbarschaft {method.get('weights')}, Permutationen {perm}, "
            f"Seed {method.get('seed')}, {method.get('alternative')}, {correction} bei "
            f"alpha = {alpha}")


def _local(project: Any, keys: list[str], names: list[str], cells: list[Any],
           features: list[Any], statistic: str, ident: str, year: int) -> Any:
    """One local statistic of the last year, as the run's maps computed it
    (:func:`geosozial.core.local_features.local_statistic` on the store's rows)."""
    from geosozial.core.local_features import local_statistic

    settings = project.maps
    out = local_statistic(features, keys, names, cells, statistic, ident,
                          weights=settings.weights, permutations=settings.permutations,
                          seed=settings.seed, correction=settings.correction,
                          alpha=settings.alpha, snap=settings.snap,
                          source=f"{project.name} {year}")
    return [keys[i] for i in out.used], out.columns, out.method


def _clusters(project: Any, layer: Any, features: list[Any], analysed: list[str], year: int,
              out: Path, lang: str) -> tuple[dict[str, list[ClusterNote]], dict[str, str]]:
    """LISA and Gi* of the last year for the analysed indicators, per municipality."""
    from geosozial.kernel.errors import KernelError

    settings = project.maps
    rows = layer.rows_of_year(year)
    keys = [_text_of(layer.columns, "key", i) for i in rows]
    names = [_text_of(layer.columns, "name", i) for i in rows]
    notes: dict[str, list[ClusterNote]] = {}
    methods: dict[str, str] = {}
    wanted = [("lisa", "moran", "lisa"), ("hotspots", "gi", "hotspots")]
    for ident in analysed:
        for name, statistic, stem in wanted:
            if name not in settings.statistics or ident not in layer.columns:
                continue
            cells = [layer.columns[ident][i] for i in rows]
            try:
                used, columns, method = _local(project, keys, names, cells, features,
                                               statistic, ident, year)
            except (GeosozialError, KernelError):
                continue  # the run skipped that map as well (and said why)
            file = f"{stem}_{ident}_{year}.html"
            file = file if (out / file).is_file() else ""
            methods[f"{ident}:{'lisa' if statistic == 'moran' else 'gi'}"] = _method_note(
                method, lang)
            for i, key in enumerate(used):
                if statistic == "moran":
                    category = str(columns["lisa_cluster"][i])
                    q = _float(columns["lisa_q"][i])
                    kind = "lisa"
                else:
                    category = str(int(columns["gi_bin"][i]))
                    q = _float(columns["gi_q"][i])
                    kind = "gi"
                notes.setdefault(key, []).append(ClusterNote(ident, kind, category, q, file))
    return notes, methods


def whole_area_kind(keys: list[str]) -> str:
    """What the whole area of an atlas is: ``kreis`` unless the municipality keys
    (AGS/ARS) lie in more than one Kreis, then ``gesamt`` (several Kreise, be it a whole
    Land or a part of one: "Landeswert" would claim the whole Land, and the Land has its
    own column, ``[atlas] land``).

    Examples
    --------
    >>> whole_area_kind(["14522010", "14522020"]), whole_area_kind(["14522010", "14521010"])
    ('kreis', 'gesamt')
    >>> whole_area_kind(["A", "B"]), whole_area_kind([])
    ('kreis', 'kreis')
    """
    if keys and all(len(k) in (8, 12) and k.isdigit() for k in keys) and \
            len({k[:5] for k in keys}) > 1:
        return "gesamt"
    return "kreis"


def load_model(project_path: str | Path, out: str | Path, *, lang: str = "de",
               progress: Callable[[str], None] | None = None) -> AtlasModel:
    """Build the atlas model from a project file and the outputs of its run in ``out``.

    Parameters
    ----------
    project_path : str or Path
        The project file (TOML).
    out : str or Path
        The folder :func:`~geosozial.pipeline.project.run_project` wrote.
    lang : str
        ``de`` (default) or ``en``: labels and texts of the model.
    progress : callable, optional
        Called with a short stage name.

    Returns
    -------
    AtlasModel

    Raises
    ------
    GeosozialError
        The project file is wrong, or ``out`` has no store.

    Examples
    --------
    >>> load_model("geodata/musterkreis/projekt.toml", Path("demo_out"))  # doctest: +SKIP
    """
    from geosozial.atlas.outline import svg_paths
    from geosozial.core.project import load_project
    from geosozial.core.store_file import read_store_file
    from geosozial.core.wkb import gpkg_polygons

    out = Path(out)
    project = load_project(project_path)
    ids = [i.id for i in project.indicators]
    settings = read_atlas_settings(project.source, ids, lang)
    store_file = out / project.database_file
    if not store_file.is_file():
        raise GeosozialError("atlas.no_store", out=str(out), file=project.database_file,
                             project=str(project_path))
    store = read_store_file(store_file)
    if progress:
        progress("store")
    years = sorted(int(y) for y in store.meta.get("jahre", project.years))
    last = years[-1]
    values, sources = _values(store.long)
    areas = _areas(store.layers, last)
    gemeinden = [a for a in areas if a.level == GEMEINDE]
    counts = list(dict.fromkeys(v for spec in project.tables for v in spec.variables))
    columns = {v: tuple(cols) for spec in project.tables for v, cols in spec.variables.items()}
    protected = set(counts if project.protect is None else project.protect)
    min_count = project.rule.min_count if project.rule is not None else 0
    variables = {v: Variable(v, variable_label(v, lang),
                             {y: s for y, (s, _) in sources.get(v, {}).items()},
                             {y: t for y, (_, t) in sources.get(v, {}).items()},
                             columns.get(v, ()), v in protected) for v in counts}
    analysed = list(project.maps.analyse) if isinstance(project.maps.analyse, list) \
        else ids[:1]
    indicators = []
    for ind in project.indicators:
        label = (ind.label_en or ind.label) if lang == "en" else ind.label
        definition = (ind.definition_en or ind.definition) if lang == "en" else ind.definition
        links = map_links(out, ind.id, ind.id in analysed, list(project.maps.statistics),
                          years, lang)
        indicators.append(IndicatorInfo(
            ind.id, label, unit_text(ind.unit, lang), definition, dict(ind.numerator),
            tuple(ind.denominator), float(ind.scale), 1, tuple(links), ind.id in analysed))
    # the whole area as the run aggregated and protected it (core.sozialraum.total_row)
    kreis = next((cells for (level, _), cells in values.items() if level == KREIS), {})
    stichtage = Counter(t for var in sources.values() for y, (_, t) in var.items()
                        if y == last and t)
    stand = stichtage.most_common(1)[0][0] if stichtage else ""
    meta = store.meta
    model = AtlasModel(
        title=settings.title or str(meta.get("projekt") or project.name),
        project=str(meta.get("projekt") or project.name), lang=lang, years=years,
        gebietsstand=str(meta.get("gebietsstand") or project.gebietsstand),
        geheimhaltung=_rule_text(project, meta, lang),
        quelle=str(meta.get("quelle") or project.attribution), stand=stand,
        created=source_date(lang), areas=areas, indicators=indicators, variables=variables,
        values=values, kreis=kreis, handlungsfelder=settings.handlungsfelder,
        min_count=min_count, pdf=settings.pdf and pdf_engine() is not None,
        total=whole_area_kind([a.key for a in areas if a.level == GEMEINDE]))
    if settings.land_values:
        model.land = {k: Cell(v) for k, v in settings.land_values.items()}
        model.land_name, model.land_year = settings.land_name, settings.land_year
        model.land_source = settings.land_source
    model.converted = {}
    for (level, key), by_var in values.items():
        if level != GEMEINDE:
            continue
        conv = sorted({y for cells in by_var.values() for y, c in cells.items() if c.converted})
        if conv:
            model.converted[key] = conv
    layer = store.layers["gemeinden"]
    rows = layer.rows_of_year(last)
    features = [gpkg_polygons(layer.geometry[i]) for i in rows]
    model.clusters, model.analysis_method = _clusters(project, layer, features, analysed,
                                                      last, out, lang)
    if progress:
        progress("analysis")
    positions = {a.key: i for i, a in enumerate(gemeinden)}
    by_key = {_text_of(layer.columns, "key", i): f for i, f in zip(rows, features,
                                                                     strict=True)}
    shapes = [by_key.get(a.key, []) for a in gemeinden]
    groups = {a.key: [positions[k] for k in a.members if k in positions]
              for a in areas if a.level == SOZIALRAUM}
    paths, size, outlines = svg_paths(shapes, groups=groups)
    model.shapes = {a.key: p for a, p in zip(gemeinden, paths, strict=True)}
    model.region_shapes = outlines
    model.viewbox = size
    model.maps = [MapLink(name, label) for name, label in _overview_maps(project, years, lang)
                  if (out / name).is_file()]
    return model


def _rule_text(project: Any, meta: dict[str, Any], lang: str) -> str:
    if project.rule is not None:
        return project.rule.describe(lang)
    if lang == "en":
        return "no confidentiality rule"
    return str(meta.get("geheimhaltung") or "keine")


def _overview_maps(project: Any, years: list[int], lang: str) -> list[tuple[str, str]]:
    last = years[-1]
    names = [("karte_gemeinden_jahre.html", text(lang, "map_years")),
             ("karte_sozialraeume_jahre.html", text(lang, "map_years_sr"))]
    if project.dynamics:
        names.append((f"veraenderung_gemeinden_{last}.html", text(lang, "map_change",
                                                                  year=last)))
    names.append((f"karte_gemeinden_{last}.html", text(lang, "map_year", year=last)))
    return names
