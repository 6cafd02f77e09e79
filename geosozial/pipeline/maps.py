"""The maps of a project run: indicator maps, LISA and hot-spot maps per year.

Per year the run writes

- ``karte_gemeinden_<year>.html`` (+ ``.png`` of the first indicator): every
  indicator of the project on the municipalities, with a switcher and the Sozialraum
  outlines;
- ``karte_sozialraeume_<year>.html`` (+ ``.png`` with every Sozialraum named): the
  same on the Sozialräume;
- ``lisa_<indicator>_<year>.html`` and ``hotspots_<indicator>_<year>.html`` for each
  indicator listed under ``[maps] analyse`` (default: the first indicator), and
  ``geary_...`` / ``quantil_lisa_...`` where ``[maps] statistics`` lists ``geary`` or
  ``quantile`` (quantile LISA of class ``quantile`` of ``quantiles``, default the
  highest fifth). Permutations default to ``"auto"`` (sequential p-values).

Every file is written atomically and, inside a project run, committed with all other
outputs of the run (:class:`geosozial.core.outputs.OutputSet`);
:func:`map_file_names` lists the names beforehand so that the run can check them before
the first file is written.

Example:
    >>> write_year_maps(project, result, 2023, Path("demo_out"))  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd

from geosozial.core.indicators import Indicator
from geosozial.core.messages import GeosozialError, Notice, define
from geosozial.core.project import STATISTIC_FILES, MapSettings
from geosozial.geo.analysis import local_analysis
from geosozial.geo.maps import analysis_map, indicator_map
from geosozial.geo.png import map_png

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


def map_file_names(indicator_ids: list[str], analyse: list[str] | None, year: int,
                   statistics: list[str] | None = None) -> list[tuple[str, str]]:
    """The names and formats of every map file :func:`write_year_maps` may write.

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
    >>> [name for name, _ in map_file_names(["sgb2_quote"], None, 2023)][-2:]
    ['lisa_sgb2_quote_2023.html', 'hotspots_sgb2_quote_2023.html']
    """
    analysed = list(analyse) if isinstance(analyse, list) else indicator_ids[:1]
    names = [(f"karte_gemeinden_{year}.html", "html"), (f"karte_gemeinden_{year}.png", "png"),
             (f"karte_sozialraeume_{year}.html", "html"),
             (f"karte_sozialraeume_{year}.png", "png")]
    chosen = statistics or ["lisa", "hotspots"]
    names += [(f"{STATISTIC_FILES[name][1]}_{indicator}_{year}.html", "html")
              for indicator in analysed for name in chosen]
    return names


def common_classes(project: Any, frames: dict[int, gpd.GeoDataFrame],
                   settings: MapSettings, lang: str = "de"
                   ) -> tuple[dict[str, tuple[float, ...]], dict[str, str]]:
    """The class breaks of every indicator over all years of a level, with their notes.

    ``[maps] breaks`` gives a field's limits; otherwise, with ``common_breaks`` (the
    default), the breaks of ``scheme`` over the pooled values of all years
    (:func:`geosozial.geo.maps.shared_classes`), so that the maps of the years can be
    compared. ``{}`` when the classes are per year. A field without any value is left
    to the map (which reports it).
    """
    from geosozial.geo.maps import shared_classes

    years = sorted(frames)
    last = frames[years[-1]]
    breaks: dict[str, tuple[float, ...]] = {}
    notes: dict[str, str] = {}
    for indicator in project.indicators:
        field_id = indicator.id
        if field_id not in last.columns:
            continue
        given = settings.breaks.get(field_id)
        if given is None and not settings.common_breaks:
            continue
        if all(frames[y][field_id].isna().all() for y in years if field_id in frames[y]):
            continue
        breaks[field_id], notes[field_id] = shared_classes(
            frames, field_id, scheme="manual" if given is not None else settings.scheme,
            k=settings.k, breaks=given, lang=lang, source=project.name)
    return breaks, notes


def write_year_maps(project: Any, municipalities: gpd.GeoDataFrame,
                    sozialraeume: gpd.GeoDataFrame, group_of: dict[str, str], year: int,
                    out: Path, settings: MapSettings, lang: str = "de",
                    classes: tuple[Any, Any] | None = None
                    ) -> tuple[list[Path], list[Notice]]:
    """Write the maps of one year; returns the files and notices.

    ``group_of`` maps a municipality key to its Sozialraum (for the outlines);
    ``classes`` holds the common breaks and notes of both levels
    (:func:`common_classes` for the municipalities and for the Sozialräume).
    """
    indicators: list[Indicator] = list(project.indicators)
    fields = [i.id for i in indicators if i.id in municipalities.columns]
    labels = {i.id: ((i.label_en or i.label) if lang == "en" else i.label, i.unit)
              for i in indicators}
    source = f"{project.name}, {year}"
    credit = project.attribution
    if not credit and getattr(project, "gebietsstand", ""):
        from geosozial.geo.areas import credit_for

        credit = credit_for(municipalities, project.gebietsstand)
    common = {"scheme": settings.scheme, "k": settings.k, "palette_name": settings.palette,
              "labels": labels, "lang": lang, "source": source,
              "attribution": credit}
    files: list[Path] = []
    notices: list[Notice] = []
    empty = [f for f in fields if municipalities[f].isna().all()]
    if empty:
        notices.append(Notice("project.maps.no_values", "warning", level="Gemeinden",
                              year=year, fields=", ".join(empty)))
        fields = [f for f in fields if f not in empty]
    if not fields:
        return files, notices
    groups = [group_of.get(str(k)) for k in municipalities["key"]]
    (gem_breaks, gem_notes), (sr_breaks, sr_notes) = classes or (({}, {}), ({}, {}))
    built = indicator_map(municipalities, fields, title=_title(project, "Gemeinden", year, lang),
                          outline_groups=groups, breaks=gem_breaks, notes=gem_notes, **common)
    files.append(built.write(out / f"karte_gemeinden_{year}.html"))
    files.append(map_png(built, out / f"karte_gemeinden_{year}.png"))
    region_fields = [f for f in fields if f in sozialraeume.columns]
    empty = [f for f in region_fields if sozialraeume[f].isna().all()]
    if empty:
        notices.append(Notice("project.maps.no_values", "warning", level="Sozialräume",
                              year=year, fields=", ".join(empty)))
        region_fields = [f for f in region_fields if f not in empty]
    if region_fields:
        built = indicator_map(sozialraeume, region_fields,
                              title=_title(project, "Sozialräume", year, lang),
                              breaks=sr_breaks, notes=sr_notes, **common)
        files.append(built.write(out / f"karte_sozialraeume_{year}.html"))
        files.append(map_png(built, out / f"karte_sozialraeume_{year}.png", names="all"))
    for indicator_id in _analysed(project, settings, fields):
        for name in settings.statistics:
            statistic, stem = STATISTIC_FILES[name]
            quantile = {"quantiles": settings.quantiles,
                        "quantile": settings.quantile or settings.quantiles} \
                if statistic == "quantile" else {}
            try:
                analysis = local_analysis(
                    municipalities, indicator_id, statistic=statistic,
                    weights=settings.weights, permutations=settings.permutations,
                    seed=settings.seed, correction=settings.correction, alpha=settings.alpha,
                    dropna=True, source=f"{project.name} {year}", snap=settings.snap,
                    **quantile)
            except GeosozialError as exc:
                notices.append(Notice("project.maps.analysis_skipped", "warning",
                                      indicator=indicator_id, year=year, kind=stem,
                                      problem=exc.text(lang)))
                continue
            notices += analysis.notices
            built = analysis_map(municipalities, analysis, lang=lang, scheme=settings.scheme,
                                 k=settings.k, palette_name=settings.palette,
                                 outline_groups=groups, source=source,
                                 attribution=credit,
                                 label=labels[indicator_id])
            files.append(built.write(out / f"{stem}_{indicator_id}_{year}.html"))
    return files, notices


def _analysed(project: Any, settings: MapSettings, fields: list[str]) -> list[str]:
    if settings.analyse is None:
        return fields[:1]
    for name in settings.analyse:
        if name not in fields:
            raise GeosozialError("project.maps.unknown_indicator", file=str(project.source),
                                 indicator=name, known=", ".join(fields))
    return list(settings.analyse)


def _title(project: Any, level: str, year: int, lang: str) -> str:
    if lang == "en":
        level = {"Gemeinden": "municipalities", "Sozialräume": "social areas"}[level]
    return f"{project.name}: {level} {year}"


def series_file_names(indicator_ids: list[str], analyse: list[str] | None, years: list[int],
                      settings: MapSettings | None = None, dynamics: bool = False
                      ) -> list[tuple[str, str]]:
    """The map files over all years that :func:`write_series_maps` may write.

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


def write_series_maps(project: Any, frames: dict[int, gpd.GeoDataFrame],
                      regions: dict[int, gpd.GeoDataFrame], group_of: dict[str, str],
                      out: Path, settings: MapSettings, lang: str = "de",
                      dynamic_labels: dict[str, tuple[str, str]] | None = None
                      ) -> tuple[list[Path], list[Notice]]:
    """Write the maps over all years: one map per level with a year switcher and the
    classes common to all years, the change map of the last year (``[indicators]
    dynamics``, classes symmetric around 0) and the emerging hot spots of the analysed
    indicators."""
    from geosozial.geo.emerging import emerging_analysis, emerging_map
    from geosozial.geo.maps import indicator_map, years_map

    files: list[Path] = []
    notices: list[Notice] = []
    years = sorted(frames)
    if len(years) < 2:
        return files, notices
    last = frames[years[-1]]
    fields = [i.id for i in project.indicators if i.id in last.columns]
    labels = {i.id: ((i.label_en or i.label) if lang == "en" else i.label, i.unit)
              for i in project.indicators}
    changes = dict(dynamic_labels or {})
    labels.update(changes)
    groups = [group_of.get(str(k)) for k in last["key"]]
    credit = project.attribution
    if not credit and getattr(project, "gebietsstand", ""):
        from geosozial.geo.areas import credit_for

        credit = credit_for(last, project.gebietsstand)
    span = f"{years[0]}–{years[-1]}"
    common = {"scheme": settings.scheme, "k": settings.k, "palette_name": settings.palette,
              "labels": labels, "lang": lang, "source": f"{project.name}, {span}",
              "attribution": credit}
    word = {"Gemeinden": "municipalities", "Sozialräume": "social areas"}
    for level, level_frames, name, outline in (
            ("Gemeinden", frames, "karte_gemeinden_jahre.html", groups),
            ("Sozialräume", regions, "karte_sozialraeume_jahre.html", None)):
        shown = [f for f in fields + list(changes) if f in level_frames[years[-1]].columns
                 and not all(level_frames[y][f].isna().all() for y in years
                             if f in level_frames[y])]
        if not shown:
            continue
        title = f"{project.name}: {word[level] if lang == 'en' else level} {span}"
        built = years_map(level_frames, shown, title=title, outline_groups=outline,
                          diverging=[f for f in shown if f in changes],
                          breaks={f: b for f, b in settings.breaks.items() if f in shown}
                          or None, **common)
        files.append(built.write(out / name))
    change_fields = [f for f in changes if f in last.columns and last[f].notna().any()]
    if change_fields:
        title = (f"{project.name}: {'changes' if lang == 'en' else 'Veränderungen'} "
                 f"{years[-1]}")
        built = indicator_map(last, change_fields, title=title, outline_groups=groups,
                              diverging=change_fields, **common)
        files.append(built.write(out / f"veraenderung_gemeinden_{years[-1]}.html"))
    if not settings.emerging:
        return files, notices
    for indicator_id in _analysed(project, settings, fields):
        try:
            analysis = emerging_analysis(
                frames, indicator_id, weights=settings.weights,
                permutations=settings.permutations, seed=settings.seed,
                correction=settings.correction, alpha=settings.alpha,
                source=f"{project.name} {span}", snap=settings.snap)
        except GeosozialError as exc:
            notices.append(Notice("project.maps.analysis_skipped", "warning",
                                  indicator=indicator_id, year=span,
                                  kind="emerging_hotspots", problem=exc.text(lang)))
            continue
        notices += analysis.notices
        built = emerging_map(analysis, lang=lang, label=labels[indicator_id],
                             outline_groups=groups, source=f"{project.name}, {span}",
                             attribution=credit)
        files.append(built.write(out / f"emerging_hotspots_{indicator_id}.html"))
    return files, notices
