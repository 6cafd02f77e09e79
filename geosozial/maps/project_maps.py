"""The maps of a project run, door-agnostic: which files, with which layers, titles,
outlines and method notes (standard library, numpy, core and :mod:`geosozial.maps`).

Per year a run writes

- ``karte_gemeinden_<year>.html`` (+ ``.png`` of the first indicator): every
  indicator of the project on the municipalities, with a switcher and the Sozialraum
  outlines;
- ``karte_sozialraeume_<year>.html`` (+ ``.png`` with every Sozialraum named): the
  same on the Sozialräume;
- ``lisa_<indicator>_<year>.html`` and ``hotspots_<indicator>_<year>.html`` for each
  indicator listed under ``[maps] analyse`` (default: the first indicator), and
  ``geary_...`` / ``quantil_lisa_...`` where ``[maps] statistics`` lists ``geary`` or
  ``quantile`` (quantile LISA of class ``quantile`` of ``quantiles``, default the
  highest fifth);

and over all years ``karte_gemeinden_jahre.html``, ``karte_sozialraeume_jahre.html``,
``veraenderung_gemeinden_<last>.html`` (with ``[indicators] dynamics``) and
``emerging_hotspots_<indicator>.html``. :func:`year_maps` and :func:`series_maps` return
one :class:`MapSpec` per file from core columns and the municipalities' polygons
(:mod:`geosozial.core.wkb` features, for the weights of the analyses); a door renders
each spec with its own geometry preparation (geopandas: :mod:`geosozial.pipeline.maps`,
QGIS: the plugin). The analyses are :mod:`geosozial.core.local_features`, so both doors
map the same numbers.

Examples
--------
>>> [name for name, _ in map_file_names(["sgb2_quote"], None, 2023)][-2:]
['lisa_sgb2_quote_2023.html', 'hotspots_sgb2_quote_2023.html']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from geosozial.core.columns import Columns
from geosozial.core.messages import GeosozialError, Notice, define
from geosozial.core.project import STATISTIC_FILES, MapSettings
from geosozial.maps.html import MapLayer

__all__ = ["MapSpec", "common_classes", "map_file_names", "series_file_names",
           "series_maps", "year_maps"]

define("project.maps.analysis_skipped",
       de="{indicator} {year}: keine {kind}-Karte ({problem})",
       en="{indicator} {year}: no {kind} map ({problem})")
define("project.maps.no_values",
       de="{level} {year}: {fields} ohne einen einzigen Wert (fehlend oder geheim); nicht "
       "auf der Karte.",
       en="{level} {year}: {fields} without a single value (missing or withheld); not on "
       "the map.")
define("project.maps.unknown_indicator",
       de="{file}: [maps] analyse nennt {indicator}, das nicht unter [indicators] steht. "
       "Vorhanden: {known}",
       en="{file}: [maps] analyse names {indicator}, which is not under [indicators]. "
       "Known: {known}")


@dataclass
class MapSpec:
    """One map file of a run, without geometry: what the door renders.

    Attributes
    ----------
    file : str
        The file name (``karte_gemeinden_2023.html``).
    level : str
        ``gemeinden`` or ``sozialraeume``: whose polygons the map draws.
    year : int or None
        The year of those polygons (None: the last year).
    layers : list of MapLayer
    title : str
    outline_groups : list or None
        Per area its group (the Sozialraum); None: the door's default (Kreis outlines
        where the map spans several Kreise).
    options : dict
        ``attribution``, ``source`` and, for analyses, ``method_note``.
    png : str
        The PNG file written beside it ("" for none).
    png_names : str
        Which names the PNG writes (``auto``, ``all``).
    """

    file: str
    level: str
    year: int | None
    layers: list[MapLayer]
    title: str
    outline_groups: list[Any] | None = None
    options: dict[str, Any] = field(default_factory=dict)
    png: str = ""
    png_names: str = "auto"


def map_file_names(indicator_ids: list[str], analyse: list[str] | None, year: int,
                   statistics: list[str] | None = None) -> list[tuple[str, str]]:
    """The names and formats of every map file :func:`year_maps` may give.

    Parameters
    ----------
    indicator_ids : list of str
        The project's indicators.
    analyse : list of str or None
        The ``[maps] analyse`` list; None analyses the first indicator.
    year : int
    statistics : list of str, optional
        The ``[maps] statistics`` list (default ``["lisa", "hotspots"]``).

    Returns
    -------
    list of (str, str)
        File name and format (``html``, ``png``), for the check before the first output.

    Examples
    --------
    >>> [name for name, _ in map_file_names(["q"], None, 2023)][:2]
    ['karte_gemeinden_2023.html', 'karte_gemeinden_2023.png']
    """
    analysed = list(analyse) if isinstance(analyse, list) else indicator_ids[:1]
    names = [(f"karte_gemeinden_{year}.html", "html"), (f"karte_gemeinden_{year}.png", "png"),
             (f"karte_sozialraeume_{year}.html", "html"),
             (f"karte_sozialraeume_{year}.png", "png")]
    chosen = statistics or ["lisa", "hotspots"]
    names += [(f"{STATISTIC_FILES[name][1]}_{indicator}_{year}.html", "html")
              for indicator in analysed for name in chosen]
    return names


def series_file_names(indicator_ids: list[str], analyse: list[str] | None, years: list[int],
                      settings: MapSettings | None = None, dynamics: bool = False
                      ) -> list[tuple[str, str]]:
    """The map files over all years that :func:`series_maps` may give.

    Examples
    --------
    >>> names = [n for n, _ in series_file_names(["sgb2_quote"], None, [2022, 2023],
    ...                                           dynamics=True)]
    >>> names[0], names[2:]
    ('karte_gemeinden_jahre.html', ['veraenderung_gemeinden_2023.html', \
'emerging_hotspots_sgb2_quote.html'])
    """
    settings = settings or MapSettings()
    if len(years) < 2:
        return []
    names = [("karte_gemeinden_jahre.html", "html"), ("karte_sozialraeume_jahre.html", "html")]
    if dynamics:
        names.append((f"veraenderung_gemeinden_{years[-1]}.html", "html"))
    if settings.emerging:
        analysed = list(analyse) if isinstance(analyse, list) else indicator_ids[:1]
        names += [(f"emerging_hotspots_{indicator}.html", "html") for indicator in analysed]
    return names


def run_outputs(project: Any, out: Any, parameter: str, *, png: bool = True) -> list[Any]:
    """Every file a project run may write into ``out`` (result GeoPackages, join reports,
    maps, the store), as :class:`geosozial.core.outputs.Output` for the check before the
    first is written; ``png=False`` for a door without PNG maps (QGIS).

    Examples
    --------
    >>> from pathlib import Path
    >>> from geosozial.core.project import load_project
    >>> from geosozial.pipeline.demo import demo_project
    >>> names = [o.path.name for o in run_outputs(load_project(demo_project()), Path("o"),
    ...                                          "out", png=False)]
    >>> names[:2], any(n.endswith(".png") for n in names), names[-1]
    (['musterkreis_2021.gpkg', 'verknuepfungsbericht_2021.txt'], False, 'sozialdatenbank.gpkg')
    """
    from pathlib import Path

    from geosozial.core.outputs import Output

    out = Path(out)
    stem = Path(project.source).parent.name or "projekt"
    ids = [i.id for i in project.indicators]
    planned = []
    for year in project.years:
        planned += [Output(parameter, out / f"{stem}_{year}.gpkg", "gpkg"),
                    Output(parameter, out / f"verknuepfungsbericht_{year}.txt", "txt"),
                    Output(parameter, out / f"verknuepfungsbericht_{year}.json", "json")]
        planned += [Output(parameter, out / name, kind)
                    for name, kind in map_file_names(ids, project.maps.analyse, year,
                                                      project.maps.statistics)
                    if png or kind != "png"]
    planned += [Output(parameter, out / name, kind) for name, kind in series_file_names(
        ids, project.maps.analyse, project.years, project.maps, bool(project.dynamics))]
    if project.database:
        planned.append(Output(parameter, out / project.database_file, "gpkg"))
    return planned


def _all_missing(table: Columns, field_name: str) -> bool:
    return bool((table.numbers(field_name) != table.numbers(field_name)).all())


def common_classes(project: Any, tables: Mapping[int, Columns], settings: MapSettings,
                   lang: str = "de") -> tuple[dict[str, tuple[float, ...]], dict[str, str]]:
    """The class breaks of every indicator over all years of a level, with their notes.

    ``[maps] breaks`` gives a field's limits; otherwise, with ``common_breaks`` (the
    default), the breaks of ``scheme`` over the pooled values of all years
    (:func:`geosozial.maps.content.shared_classes`), so that the maps of the years can
    be compared. ``{}`` when the classes are per year. A field without any value is left
    to the map (which reports it).
    """
    from geosozial.maps.content import shared_classes

    years = sorted(tables)
    last = tables[years[-1]]
    breaks: dict[str, tuple[float, ...]] = {}
    notes: dict[str, str] = {}
    for indicator in project.indicators:
        field_id = indicator.id
        if field_id not in last:
            continue
        given = settings.breaks.get(field_id)
        if given is None and not settings.common_breaks:
            continue
        if all(_all_missing(tables[y], field_id) for y in years if field_id in tables[y]):
            continue
        breaks[field_id], notes[field_id] = shared_classes(
            tables, field_id, scheme="manual" if given is not None else settings.scheme,
            k=settings.k, breaks=given, lang=lang, source=project.name)
    return breaks, notes


def credit_of(project: Any, credit: str) -> str:
    """The licence credit of a run's maps: the project's ``attribution``, else the
    geometries' credit with the year of the project's Gebietsstand (a BKG credit only).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> p = SimpleNamespace(attribution="", gebietsstand="31.12.2023")
    >>> credit_of(p, "© GeoBasis-DE / BKG (2021)")
    '© GeoBasis-DE / BKG (2023)'
    """
    from geosozial.core.years import gebietsstand_year
    from geosozial.maps.notes import geobasis_text

    if project.attribution:
        return str(project.attribution)
    stand = getattr(project, "gebietsstand", "")
    if stand and credit.startswith("© GeoBasis-DE / BKG"):
        return geobasis_text([gebietsstand_year(stand)])
    return credit


def _labels(project: Any, lang: str) -> dict[str, tuple[str, str]]:
    return {i.id: ((i.label_en or i.label) if lang == "en" else i.label, i.unit)
            for i in project.indicators}


def _title(project: Any, level: str, year: int, lang: str) -> str:
    if lang == "en":
        level = {"Gemeinden": "municipalities", "Sozialräume": "social areas"}[level]
    return f"{project.name}: {level} {year}"


def analysed_fields(project: Any, settings: MapSettings, fields: list[str]) -> list[str]:
    """The indicators of ``[maps] analyse`` (default: the first), checked."""
    if settings.analyse is None:
        return fields[:1]
    for name in settings.analyse:
        if name not in fields:
            raise GeosozialError("project.maps.unknown_indicator", file=str(project.source),
                                 indicator=name, known=", ".join(fields))
    return list(settings.analyse)


def year_maps(project: Any, municipalities: Columns, sozialraeume: Columns,
              features: Sequence[Any], group_of: Mapping[str, str], year: int,
              settings: MapSettings, *, credit: str = "", lang: str = "de",
              classes: tuple[Any, Any] | None = None) -> tuple[list[MapSpec], list[Notice]]:
    """The maps of one year as specs, and the notices.

    ``features`` are the municipalities' polygons (metric CRS) for the analyses;
    ``group_of`` maps a municipality key to its Sozialraum (the outlines); ``credit`` is
    the geometries' credit (:func:`credit_of`); ``classes`` the common breaks and notes of
    both levels (:func:`common_classes`).
    """
    from geosozial.core.local_features import local_statistic
    from geosozial.maps.content import analysis_content, indicator_layers

    fields = [i.id for i in project.indicators if i.id in municipalities]
    labels = _labels(project, lang)
    source = f"{project.name}, {year}"
    options = {"attribution": credit_of(project, credit), "source": source}
    common = {"scheme": settings.scheme, "k": settings.k, "palette_name": settings.palette,
              "labels": labels, "lang": lang, "source": source}
    specs: list[MapSpec] = []
    notices: list[Notice] = []
    empty = [f for f in fields if _all_missing(municipalities, f)]
    if empty:
        notices.append(Notice("project.maps.no_values", "warning", level="Gemeinden",
                              year=year, fields=", ".join(empty)))
        fields = [f for f in fields if f not in empty]
    if not fields:
        return specs, notices
    keys = municipalities.texts("key")
    groups = [group_of.get(str(k)) for k in keys]
    (gem_breaks, gem_notes), (sr_breaks, sr_notes) = classes or (({}, {}), ({}, {}))
    specs.append(MapSpec(
        f"karte_gemeinden_{year}.html", "gemeinden", year,
        indicator_layers(municipalities, fields, breaks=gem_breaks, notes=gem_notes, **common),
        _title(project, "Gemeinden", year, lang), groups, dict(options),
        png=f"karte_gemeinden_{year}.png"))
    region_fields = [f for f in fields if f in sozialraeume]
    empty = [f for f in region_fields if _all_missing(sozialraeume, f)]
    if empty:
        notices.append(Notice("project.maps.no_values", "warning", level="Sozialräume",
                              year=year, fields=", ".join(empty)))
        region_fields = [f for f in region_fields if f not in empty]
    if region_fields:
        specs.append(MapSpec(
            f"karte_sozialraeume_{year}.html", "sozialraeume", year,
            indicator_layers(sozialraeume, region_fields, breaks=sr_breaks, notes=sr_notes,
                             **common),
            _title(project, "Sozialräume", year, lang), None, dict(options),
            png=f"karte_sozialraeume_{year}.png", png_names="all"))
    names = municipalities.texts("name") if "name" in municipalities else keys
    table = {c: list(municipalities[c]) for c in municipalities.columns}
    for indicator_id in analysed_fields(project, settings, fields):
        for name in settings.statistics:
            statistic, stem = STATISTIC_FILES[name]
            quantile = {"quantiles": settings.quantiles,
                        "quantile": settings.quantile or settings.quantiles} \
                if statistic == "quantile" else {}
            try:
                outcome = local_statistic(
                    features, keys, names, list(municipalities[indicator_id]), statistic,
                    indicator_id, weights=settings.weights,
                    permutations=settings.permutations, seed=settings.seed,
                    correction=settings.correction, alpha=settings.alpha,
                    snap=settings.snap, source=f"{project.name} {year}", columns=table,
                    **quantile)
            except GeosozialError as exc:
                notices.append(Notice("project.maps.analysis_skipped", "warning",
                                      indicator=indicator_id, year=year, kind=stem,
                                      problem=exc.text(lang)))
                continue
            notices += outcome.notices
            n = len(keys)
            islands = outcome.aligned_islands(n) if outcome.kind == "gi" else None
            layers, title, note = analysis_content(
                municipalities, outcome.kind, indicator_id, outcome.aligned(n),
                outcome.method, islands=islands, lang=lang, scheme=settings.scheme,
                k=settings.k, palette_name=settings.palette, source=source,
                label=labels[indicator_id])
            specs.append(MapSpec(f"{stem}_{indicator_id}_{year}.html", "gemeinden", year,
                                 layers, title, groups,
                                 dict(options, method_note=note)))
    return specs, notices


def series_maps(project: Any, municipalities: Mapping[int, Columns],
                sozialraeume: Mapping[int, Columns], features: Sequence[Any],
                group_of: Mapping[str, str], settings: MapSettings, *, credit: str = "",
                lang: str = "de", dynamic_labels: Mapping[str, tuple[str, str]] | None = None
                ) -> tuple[list[MapSpec], list[Notice]]:
    """The maps over all years as specs: one map per level with a year switcher and the
    classes common to all years, the change map of the last year (``[indicators]
    dynamics``, classes symmetric around 0) and the emerging hot spots of the analysed
    indicators."""
    from geosozial.core.local_features import emerging_statistic
    from geosozial.maps.analysis import emerging_layer
    from geosozial.maps.content import field_layer, indicator_layers, years_layers
    from geosozial.maps.notes import method_line

    specs: list[MapSpec] = []
    notices: list[Notice] = []
    years = sorted(municipalities)
    if len(years) < 2:
        return specs, notices
    last = municipalities[years[-1]]
    fields = [i.id for i in project.indicators if i.id in last]
    labels = _labels(project, lang)
    changes = dict(dynamic_labels or {})
    labels.update(changes)
    keys = last.texts("key")
    groups = [group_of.get(str(k)) for k in keys]
    span = f"{years[0]}–{years[-1]}"
    options = {"attribution": credit_of(project, credit), "source": f"{project.name}, {span}"}
    common = {"scheme": settings.scheme, "k": settings.k, "palette_name": settings.palette,
              "labels": labels, "lang": lang, "source": f"{project.name}, {span}"}
    word = {"Gemeinden": "municipalities", "Sozialräume": "social areas"}
    for level, tables, name, outline, layer_name in (
            ("Gemeinden", municipalities, "karte_gemeinden_jahre.html", groups, "gemeinden"),
            ("Sozialräume", sozialraeume, "karte_sozialraeume_jahre.html", None,
             "sozialraeume")):
        shown = [f for f in fields + list(changes) if f in tables[years[-1]]
                 and not all(_all_missing(tables[y], f) for y in years if f in tables[y])]
        if not shown:
            continue
        title = f"{project.name}: {word[level] if lang == 'en' else level} {span}"
        layers = years_layers(tables, shown, diverging=[f for f in shown if f in changes],
                              breaks={f: b for f, b in settings.breaks.items() if f in shown}
                              or None, **common)
        specs.append(MapSpec(name, layer_name, None, layers, title, outline, dict(options)))
    change_fields = [f for f in changes if f in last and not _all_missing(last, f)]
    if change_fields:
        title = (f"{project.name}: {'changes' if lang == 'en' else 'Veränderungen'} "
                 f"{years[-1]}")
        specs.append(MapSpec(f"veraenderung_gemeinden_{years[-1]}.html", "gemeinden", None,
                             indicator_layers(last, change_fields, diverging=change_fields,
                                              **common), title, groups, dict(options)))
    if not settings.emerging:
        return specs, notices
    names = last.texts("name") if "name" in last else keys
    for indicator_id in analysed_fields(project, settings, fields):
        try:
            outcome = emerging_statistic(
                features, names, municipalities, indicator_id, weights=settings.weights,
                permutations=settings.permutations, seed=settings.seed,
                correction=settings.correction, alpha=settings.alpha,
                source=f"{project.name} {span}", snap=settings.snap)
        except GeosozialError as exc:
            notices.append(Notice("project.maps.analysis_skipped", "warning",
                                  indicator=indicator_id, year=span,
                                  kind="emerging_hotspots", problem=exc.text(lang)))
            continue
        notices += outcome.notices
        label, unit = labels[indicator_id]
        columns = {c: v for c, v in outcome.columns.items()
                   if c.startswith(("ehs_", "gi_bin_"))}
        layer, default_title = emerging_layer(columns, outcome.method, label=label, unit=unit,
                                              values=last.numbers(indicator_id).tolist(),
                                              lang=lang)
        values = field_layer(last, indicator_id, label=f"{label} {outcome.years[-1]}",
                             unit=unit, lang=lang, source=f"{project.name}, {span}")
        specs.append(MapSpec(f"emerging_hotspots_{indicator_id}.html", "gemeinden", None,
                             [layer, values], default_title, groups,
                             dict(options, method_note=method_line(outcome.method, lang))))
    return specs, notices
