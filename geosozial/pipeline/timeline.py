"""A project's years on one Gebietsstand: crosswalks per year, update checks, dynamics.

The project file names, under ``[[crosswalks]]``, the crosswalk that brings the tables
of older years onto the Gebietsstand of the geometries::

    [[crosswalks]]
    file = "umsteiger_2022_2023.csv"   # alt;neu;anteil (or a BBSR workbook)
    years = [2021, 2022]               # the years whose tables are on the old stand

Before such a year's tables are joined, their counts are converted
(:func:`geosozial.core.crosswalk.apply_crosswalk`: whole-unit merges exact and flagged
``umgeschluesselt``, splits ``geschaetzt``); rates are recomputed from the converted
counts afterwards, never converted. ``[indicators] dynamics = [{ id = "sgb2_quote",
years = 2 }]`` adds the change over 2 years (percentage points for rates in %, the
difference otherwise; relative in % for counts) and the linear trend per year to the
result layers (``sgb2_quote_diff2``, ``sgb2_quote_trend``).

Example:
    >>> dynamics_columns("sgb2_quote", 2)
    ('sgb2_quote_diff2', 'sgb2_quote_trend')
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from geosozial.core.columns import flag_column
from geosozial.core.crosswalk import Crosswalk, apply_crosswalk
from geosozial.core.dynamics import (
    change,
    change_kind,
    dynamics_columns,
    trend,
    trend_unit,
)
from geosozial.core.messages import GeosozialError, Notice
from geosozial.core.project import (  # noqa: F401  (parsed in core; re-exported)
    CrosswalkSpec,
    DynamicsSpec,
    crosswalk_specs,
    dynamics_specs,
)
from geosozial.core.symbols import FLAG_ESTIMATED, FLAG_RECODED
from geosozial.core.tables.table import Table
from geosozial.core.years import fewer_keys


def read_crosswalk_file(path: Path, spec: CrosswalkSpec) -> Crosswalk:
    """The crosswalk of a ``[[crosswalks]]`` entry (CSV ``alt;neu;anteil`` or BBSR XLSX)."""
    from geosozial.core.crosswalk_files import read_crosswalk

    return read_crosswalk(path, sheet=spec.sheet, share=spec.share)


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


def mark_converted(frame: pd.DataFrame, fields: Sequence[str], keys: set[str]) -> None:
    """Flag ``umgeschluesselt`` on the fields of converted keys (where no flag stands)."""
    if not keys:
        return
    hit = frame["key"].astype(str).isin(keys).to_numpy()
    for f in fields:
        col = flag_column(f)
        if f not in frame.columns:
            continue
        flags = frame[col].fillna("").astype(str) if col in frame.columns else pd.Series(
            [""] * len(frame), index=frame.index)
        frame[col] = np.where(hit & (flags.to_numpy() == ""), FLAG_RECODED, flags.to_numpy())


def add_dynamics(frames: Mapping[int, pd.DataFrame], specs: Sequence[DynamicsSpec],
                 indicators: Sequence[Any], file: str,
                 kinds: Mapping[str, str] | None = None,
                 notices: list[Notice] | None = None) -> dict[str, tuple[str, str]]:
    """Add change and trend columns to every year's frame (in place); their labels.

    The change over ``k`` years stands in each year that has a year ``k`` before it
    (missing elsewhere, flagged ``nicht_berechenbar``); the trend (least-squares slope
    per year over all years so far, at least 3) in every year. The kind of change
    comes from :func:`change_kind` unless ``kinds`` gives it. In a project run
    (``notices`` given) a span no two years have is a warning there and a change column
    that is "nicht berechenbar" everywhere; outside a project (no ``notices``: the API,
    ``trends --change``, QGIS) the last year needs the year ``k`` before it, else the
    error ``dyn.years``. Returns column -> (label, unit) for maps.

    Examples
    --------
    >>> f = {2021: pd.DataFrame({"key": ["a"], "n": [100.0]}),
    ...      2022: pd.DataFrame({"key": ["a"], "n": [110.0]})}
    >>> labels = add_dynamics(f, [DynamicsSpec("n", 1)], [], "p.toml")
    >>> f[2022]["n_diff1"].tolist(), labels["n_diff1"][1]
    ([10.0], '%')
    """
    from geosozial.maps.analysis import field_label

    years = sorted(frames)
    labels: dict[str, tuple[str, str]] = {}
    for spec in specs:
        known = [c for c in frames[years[-1]].columns if not str(c).endswith("_flag")]
        if spec.id not in frames[years[-1]].columns:
            raise GeosozialError("project.dynamics", file=file, id=spec.id,
                                 known=", ".join(str(c) for c in known
                                                 if c not in ("key", "name", "geometry")))
        kind = (kinds or {}).get(spec.id) or change_kind(spec.id, indicators)
        if notices is None and years[-1] - spec.years not in frames:
            # outside a project (API, trends --change): the change of the last year
            raise GeosozialError("dyn.years", k=spec.years, missing=years[-1] - spec.years,
                                 years=", ".join(map(str, years)))
        if not any(y - spec.years in frames for y in years):
            notices.append(Notice("project.dynamics_years", "warning", file=file, id=spec.id,
                                  k=spec.years, years=", ".join(map(str, years))))
        values = {y: pd.to_numeric(frames[y][spec.id], errors="coerce").to_numpy(dtype=float)
                  for y in years}
        flags = {y: (frames[y][flag_column(spec.id)].fillna("").astype(str).tolist()
                     if flag_column(spec.id) in frames[y].columns else [""] * len(frames[y]))
                 for y in years}
        diff_col, trend_col = dynamics_columns(spec.id, spec.years)
        label, unit = field_label(spec.id)
        for year in years:
            if year - spec.years in frames:
                d = change({y: values[y] for y in (year - spec.years, year)}, k=spec.years,
                           kind=kind, flags=flags, last=year)
                frames[year][diff_col] = d.values
                frames[year][flag_column(diff_col)] = d.flags
                labels[diff_col] = (f"{label}: Veränderung über {spec.years} "
                                    f"{'Jahr' if spec.years == 1 else 'Jahre'}", d.unit)
            else:
                frames[year][diff_col] = np.nan
                frames[year][flag_column(diff_col)] = "nicht_berechenbar"
            upto = [y for y in years if y <= year]
            t = trend({y: values[y] for y in upto})
            frames[year][trend_col] = t.values
            frames[year][flag_column(trend_col)] = t.flags
        labels[trend_col] = (f"{label}: Trend je Jahr", trend_unit(kind, unit))
    return labels
