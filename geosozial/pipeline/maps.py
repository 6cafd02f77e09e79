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

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd

from geosozial.core.indicators import Indicator
from geosozial.core.messages import GeosozialError, Notice, define
from geosozial.geo.analysis import local_analysis
from geosozial.geo.maps import analysis_map, indicator_map
from geosozial.geo.png import map_png

define("project.maps.analysis_skipped",
       de="{indicator} {year}: keine {kind}-Karte ({problem})",
       en="{indicator} {year}: no {kind} map ({problem})")
define("project.maps.unknown_indicator",
       de="{file}: [maps] analyse nennt {indicator}, das nicht unter [indicators] steht. "
       "Vorhanden: {known}",
       en="{file}: [maps] analyse names {indicator}, which is not under [indicators]. "
       "Known: {known}")


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


def write_year_maps(project: Any, municipalities: gpd.GeoDataFrame,
                    sozialraeume: gpd.GeoDataFrame, group_of: dict[str, str], year: int,
                    out: Path, settings: MapSettings, lang: str = "de"
                    ) -> tuple[list[Path], list[Notice]]:
    """Write the maps of one year; returns the files and notices.

    ``group_of`` maps a municipality key to its Sozialraum (for the outlines).
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
    if not fields:
        return files, notices
    groups = [group_of.get(str(k)) for k in municipalities["key"]]
    built = indicator_map(municipalities, fields, title=_title(project, "Gemeinden", year, lang),
                          outline_groups=groups, **common)
    files.append(built.write(out / f"karte_gemeinden_{year}.html"))
    files.append(map_png(built, out / f"karte_gemeinden_{year}.png"))
    region_fields = [f for f in fields if f in sozialraeume.columns]
    if region_fields:
        built = indicator_map(sozialraeume, region_fields,
                              title=_title(project, "Sozialräume", year, lang), **common)
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
