"""The maps of a project run through the geopandas door.

Which files a run writes, with which layers, classes and analyses, is
:mod:`geosozial.maps.project_maps` (the same for every door); this module draws each
:class:`~geosozial.maps.project_maps.MapSpec` on the frames' geometry (coverage
simplification within the size budget, :mod:`geosozial.geo.mapdoc`) and writes the PNG
images the specs ask for (matplotlib, :mod:`geosozial.geo.png`). Every file is written
atomically and, inside a project run, committed with all other outputs of the run
(:class:`geosozial.core.outputs.OutputSet`).

Example:
    >>> files, notices = write_year_maps(project, gem, sr, group_of, 2023, Path("out"),
    ...                                  project.maps)  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd

from geosozial.core.messages import Notice
from geosozial.core.project import MapSettings
from geosozial.geo.frames import features_of, to_columns
from geosozial.geo.png import map_png
from geosozial.maps.project_maps import (  # noqa: F401  (door-agnostic; re-exported)
    MapSpec,
    map_file_names,
    series_file_names,
    series_maps,
    year_maps,
)
from geosozial.maps.project_maps import common_classes as _common_classes


def common_classes(project: Any, frames: dict[int, gpd.GeoDataFrame],
                   settings: MapSettings, lang: str = "de"
                   ) -> tuple[dict[str, tuple[float, ...]], dict[str, str]]:
    """:func:`geosozial.maps.project_maps.common_classes` for frames."""
    return _common_classes(project, {y: to_columns(f) for y, f in frames.items()}, settings,
                           lang)


def render_specs(specs: list[MapSpec], frames: dict[str, dict[int, gpd.GeoDataFrame]],
                 out: Path, lang: str) -> list[Path]:
    """Write the map files of ``specs`` with the geopandas door's geometry (coverage
    simplification within the size budget) and the PNGs they ask for."""
    from geosozial.geo.maps import _build

    files: list[Path] = []
    for spec in specs:
        level = frames[spec.level]
        frame = level[spec.year if spec.year is not None else max(level)]
        built = _build(frame, spec.layers, title=spec.title,
                       outline_groups=spec.outline_groups, lang=lang, **spec.options)
        files.append(built.write(out / spec.file))
        if spec.png:
            files.append(map_png(built, out / spec.png, names=spec.png_names))
    return files


def _credit(frame: gpd.GeoDataFrame) -> str:
    from geosozial.geo.areas import geobasis_attribution

    return geobasis_attribution(frame)


def write_year_maps(project: Any, municipalities: gpd.GeoDataFrame,
                    sozialraeume: gpd.GeoDataFrame, group_of: dict[str, str], year: int,
                    out: Path, settings: MapSettings, lang: str = "de",
                    classes: tuple[Any, Any] | None = None
                    ) -> tuple[list[Path], list[Notice]]:
    """Write the maps of one year (:func:`geosozial.maps.project_maps.year_maps`);
    returns the files and notices.

    ``group_of`` maps a municipality key to its Sozialraum (for the outlines);
    ``classes`` holds the common breaks and notes of both levels
    (:func:`common_classes` for the municipalities and for the Sozialräume).
    """
    specs, notices = year_maps(project, to_columns(municipalities), to_columns(sozialraeume),
                               features_of(municipalities), group_of, year, settings,
                               credit=_credit(municipalities), lang=lang, classes=classes)
    files = render_specs(specs, {"gemeinden": {year: municipalities},
                                 "sozialraeume": {year: sozialraeume}}, out, lang)
    return files, notices


def write_series_maps(project: Any, frames: dict[int, gpd.GeoDataFrame],
                      regions: dict[int, gpd.GeoDataFrame], group_of: dict[str, str],
                      out: Path, settings: MapSettings, lang: str = "de",
                      dynamic_labels: dict[str, tuple[str, str]] | None = None
                      ) -> tuple[list[Path], list[Notice]]:
    """Write the maps over all years (:func:`geosozial.maps.project_maps.series_maps`)."""
    years = sorted(frames)
    if len(years) < 2:
        return [], []
    last = frames[years[-1]]
    specs, notices = series_maps(
        project, {y: to_columns(f) for y, f in frames.items()},
        {y: to_columns(f) for y, f in regions.items()}, features_of(last), group_of,
        settings, credit=_credit(last), lang=lang, dynamic_labels=dynamic_labels)
    return render_specs(specs, {"gemeinden": frames, "sozialraeume": regions}, out,
                        lang), notices
