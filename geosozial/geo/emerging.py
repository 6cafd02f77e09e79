"""Emerging hot spots on frames of several years (the geopandas door).

Every year's frame holds the same areas (one Gebietsstand, e.g. after
:func:`geosozial.core.crosswalk.apply_crosswalk`); the weights come from the last
year's geometries; the kernel (:func:`geosozial.kernel.trends.emerging_hotspots_years`)
runs Gi* per year and classifies the trend of each area's z-values.

Example:
    >>> a = emerging_analysis({2021: f21, 2022: f22, 2023: f23}, "sgb2_quote")  # doctest: +SKIP
    >>> a.frame["ehs_kategorie"].value_counts()  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geosozial.core.emerging import check_year_keys, emerging_columns
from geosozial.core.messages import GeosozialError, Notice
from geosozial.geo.analysis import area_keys
from geosozial.kernel.trends import EmergingResult
from geosozial.kernel.weights import Weights


@dataclass
class EmergingAnalysis:
    """The last year's areas with the emerging hot-spot columns, result, weights, notices."""

    frame: gpd.GeoDataFrame
    result: EmergingResult
    weights: Weights
    field_name: str
    notices: list[Notice] = field(default_factory=list)

    def method(self) -> dict[str, Any]:
        """The method record (years, Gi* inference options, trend test)."""
        return dict(self.result.method, field=self.field_name)


def year_values(frames: Mapping[int, pd.DataFrame], field_name: str, source: str
                ) -> tuple[list[int], np.ndarray]:
    """The years (ascending) and a ``(years, areas)`` array of ``field_name``.

    Missing and withheld values are NaN. Every frame must list the same keys in the
    same order.

    Examples
    --------
    >>> f = {2023: pd.DataFrame({"key": ["a", "b"], "v": [1.0, None]}),
    ...      2022: pd.DataFrame({"key": ["a", "b"], "v": [2.0, 3.0]})}
    >>> year_values(f, "v", "demo")[1].tolist()
    [[2.0, 3.0], [1.0, nan]]
    """
    years = check_year_keys({y: area_keys(f) for y, f in frames.items()}, source)
    rows = []
    for year in years:
        frame = frames[year]
        if field_name not in frame.columns:
            raise GeosozialError("ana.no_field", file=f"{source} ({year})", field=field_name,
                                 fields=", ".join(str(c) for c in frame.columns
                                                  if c != "geometry"))
        rows.append(pd.to_numeric(frame[field_name], errors="coerce").to_numpy(dtype=float))
    return years, np.vstack(rows)


def emerging_analysis(frames: Mapping[int, gpd.GeoDataFrame], field_name: str, *,
                      weights: str = "queen", permutations: int | str = "auto",
                      seed: int = 12345, correction: str = "fdr", alpha: float = 0.05,
                      trend_alpha: float = 0.05, source: str = "", snap: float = 0.0
                      ) -> EmergingAnalysis:
    """Emerging hot spots of ``field_name`` over the years of ``frames``.

    Parameters
    ----------
    frames : mapping of int to GeoDataFrame
        Year -> areas with a ``key`` column and the field (one Gebietsstand).
    field_name : str
        The analysed field (values >= 0, e.g. a rate).
    weights, permutations, seed, correction, alpha, snap
        As :func:`geosozial.geo.analysis.local_analysis` (Gi* of each year).
    trend_alpha : float
        Level of the Mann-Kendall trend test.
    source : str
        Names the data in messages.

    Returns
    -------
    EmergingAnalysis
        The last year's frame with ``ehs_*`` and ``gi_z_<year>``/``gi_bin_<year>``.

    Examples
    --------
    >>> a = emerging_analysis(frames, "sgb2_quote", permutations=999)  # doctest: +SKIP
    """
    from geosozial.core.local_features import emerging_statistic
    from geosozial.geo.frames import features_of, to_columns

    years = check_year_keys({y: area_keys(f) for y, f in frames.items()}, source)
    last = frames[years[-1]]
    tables = {y: to_columns(frames[y]) for y in years}
    for y, table in tables.items():
        if "key" not in table:
            table["key"] = area_keys(frames[y])
    names = last["name"].astype(str).tolist() if "name" in last.columns else None
    outcome = emerging_statistic(features_of(last), names, tables, field_name,
                                 weights=weights, permutations=permutations, seed=seed,
                                 correction=correction, alpha=alpha, trend_alpha=trend_alpha,
                                 snap=snap, source=source)
    out = pd.DataFrame(last.drop(columns="geometry")).copy()
    for name, column in emerging_columns(outcome.result).items():
        out[name] = column
    out["geometry"] = last.geometry.to_numpy()
    frame = gpd.GeoDataFrame(out, geometry="geometry", crs=last.crs)
    frame.attrs.update(last.attrs)
    return EmergingAnalysis(frame, outcome.result, outcome.weights, field_name,
                            outcome.notices)


def emerging_map(analysis: EmergingAnalysis, *, title: str = "", lang: str = "de",
                 label: tuple[str, str] | None = None, outline_groups: Any = None,
                 source: str = "", **options: Any) -> Any:
    """The HTML map of an emerging hot-spot analysis: categories and the last year's values.

    Examples
    --------
    >>> emerging_map(emerging_analysis(frames, "sgb2_quote")).write("ehs.html")  # doctest: +SKIP
    """
    from geosozial.geo.maps import _build, field_layer
    from geosozial.maps.analysis import emerging_layer, field_label
    from geosozial.maps.notes import method_line

    frame = analysis.frame
    field_name = analysis.field_name
    name, unit = label or field_label(field_name, lang)
    columns = {c: frame[c].tolist() for c in frame.columns if str(c).startswith(
        ("ehs_", "gi_bin_"))}
    layer, default_title = emerging_layer(columns, analysis.method(), label=name, unit=unit,
                                          values=frame[field_name].tolist(), lang=lang)
    values = field_layer(frame, field_name, label=f"{name} {analysis.result.years[-1]}",
                         unit=unit, lang=lang, source=source)
    options.setdefault("method_note", method_line(analysis.method(), lang))
    return _build(frame, [layer, values], title=title or default_title,
                  outline_groups=outline_groups, lang=lang, source=source, **options)
