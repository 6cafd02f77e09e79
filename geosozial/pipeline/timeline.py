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

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from geosozial.core.dynamics import change_kind, dynamics_columns  # noqa: F401
from geosozial.core.messages import Notice
from geosozial.core.project import (  # noqa: F401  (parsed in core; re-exported)
    CrosswalkSpec,
    DynamicsSpec,
    crosswalk_specs,
    dynamics_specs,
)
from geosozial.core.run import add_dynamics as core_dynamics
from geosozial.core.run import (  # noqa: F401  (computed in core; re-exported)
    converted_table,
    dynamics_labels,
    municipal_keys,
    read_crosswalk_file,
    update_notices,
)


def add_dynamics(frames: Mapping[int, pd.DataFrame], specs: Sequence[DynamicsSpec],
                 indicators: Sequence[Any], file: str,
                 kinds: Mapping[str, str] | None = None,
                 notices: list[Notice] | None = None) -> dict[str, tuple[str, str]]:
    """:func:`geosozial.core.run.add_dynamics` for DataFrames: the change and trend
    columns added to every year's frame (in place); their map labels (label, unit).

    Examples
    --------
    >>> f = {2021: pd.DataFrame({"key": ["a"], "n": [100.0]}),
    ...      2022: pd.DataFrame({"key": ["a"], "n": [110.0]})}
    >>> labels = add_dynamics(f, [DynamicsSpec("n", 1)], [], "p.toml")
    >>> f[2022]["n_diff1"].tolist(), labels["n_diff1"][1]
    ([10.0], '%')
    """
    from geosozial.geo.frames import to_columns

    columns = {y: to_columns(frames[y]) for y in frames}
    added = core_dynamics(columns, specs, indicators, file, kinds=kinds, notices=notices)
    written = [name for column in added for name in (column, f"{column}_flag")]
    for y, frame in frames.items():  # new or recomputed (a frame may carry older ones)
        for name in written:
            if name in columns[y]:
                frame[name] = (columns[y][name] if columns[y].is_numeric(name)
                               else pd.Series(columns[y][name], index=frame.index,
                                              dtype=object))
    return dynamics_labels(added)
