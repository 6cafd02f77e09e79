"""The geopandas front door to the kernel: areas + field -> weights -> statistics.

Turns a GeoDataFrame column into the arrays the kernel takes, reports every dropped
value, renders kernel errors and warnings in German (or English), and attaches the
result columns of DESIGN.md (``lisa_I``, ``lisa_z``, ``lisa_p``, ``lisa_q``,
``lisa_cluster``; ``gi_z``, ``gi_p``, ``gi_q``, ``gi_bin``; local Geary and join
counts as :mod:`geosozial.core.results` names them) plus a method record for metadata
and map notes.

Example:
    >>> res = local_analysis(frame, "sgb2_quote", kind="lisa")  # doctest: +SKIP
    >>> res.frame[["key", "lisa_cluster"]].head()  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geosozial.core.analysis import (
    cases_above_base,
    check_count,
    check_inference,
    check_second_field,
    check_variant,
    check_weights,
    kernel_error,
)
from geosozial.core.analysis import field_values as core_field_values
from geosozial.core.local_stats import (
    base_hint,
    check_binary,
    check_options,
    check_statistic,
    kind_of,
    run_local,
    warning_notices,
)
from geosozial.core.messages import GeosozialError, Notice
from geosozial.core.results import column_names, result_columns
from geosozial.geo.weights import weights_for
from geosozial.kernel.errors import KernelError
from geosozial.kernel.globals import GlobalResult, global_statistics
from geosozial.kernel.local import LocalResult
from geosozial.kernel.weights import Weights

LISA_COLUMNS = column_names("lisa")
GI_COLUMNS = column_names("gi")


@dataclass
class Analysis:
    """The areas with result columns, the kernel result, weights and notices."""

    frame: gpd.GeoDataFrame
    result: LocalResult | list[GlobalResult]
    weights: Weights
    field_name: str
    notices: list[Notice] = field(default_factory=list)
    kind: str = "lisa"

    def method(self) -> dict[str, Any]:
        """The method record (statistic, weights, permutations, seed, correction, ...)."""
        if isinstance(self.result, LocalResult):
            return dict(self.result.method, field=self.field_name)
        first = self.result[0]
        return {"statistic": "global", "field": self.field_name, "weights": first.weights,
                "transform": first.transform, "permutations": first.permutations,
                "seed": first.seed, "alternative": first.alternative}


def area_keys(frame: pd.DataFrame) -> list[str]:
    """The keys that name areas in messages: the ``key`` column, else the index.

    Example:
        >>> area_keys(pd.DataFrame({"v": [1, 2]}, index=["a", "b"]))
        ['a', 'b']
    """
    if "key" in frame.columns:
        return frame["key"].astype(str).tolist()
    return [str(i) for i in frame.index]


def field_values(frame: gpd.GeoDataFrame, field_name: str, source: str, dropna: bool,
                 notices: list[Notice]) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """The numeric values of ``field_name``; missing values are an error or dropped+named
    (the rule is :func:`geosozial.core.analysis.field_values`).

    Example:
        >>> f = gpd.GeoDataFrame({"key": ["a", "b"], "v": [1.0, None]}, geometry=[None, None])
        >>> _, v = field_values(f, "v", "x.gpkg", True, [])
        >>> v.tolist()
        [1.0]
    """
    if field_name not in frame.columns:
        numeric = [c for c in frame.columns if c != "geometry"
                   and pd.api.types.is_numeric_dtype(frame[c])]
        raise GeosozialError("ana.no_field", file=source, field=field_name,
                             fields=", ".join(map(str, numeric)))
    keep, values = core_field_values(frame[field_name].tolist(), area_keys(frame), field_name,
                                     source, dropna, notices)
    if len(keep) < len(frame):
        frame = frame.iloc[keep].reset_index(drop=True)
    return frame, values


def _k_max(w: Weights) -> int:
    return int(np.diff(w.sparse.indptr).max()) if w.n else 0


def _weights(frame: gpd.GeoDataFrame, spec: str, source: str, notices: list[Notice],
             snap: float = 0.0) -> Weights:
    if isinstance(snap, bool) or not isinstance(snap, (int, float)) or not 0 <= snap < 1e6:
        raise GeosozialError("ana.snap", file=source, value=snap)
    w = weights_for(frame, spec, ids_column="key" if "key" in frame.columns else None,
                    tolerance=snap)
    names = frame["name"].astype(str).tolist() if "name" in frame.columns else None
    check_weights(w, area_keys(frame), spec, source, notices, names=names, snap=snap)
    return w


def local_analysis(
    frame: gpd.GeoDataFrame,
    field_name: str,
    *,
    kind: str = "lisa",
    statistic: str | None = None,
    weights: str = "queen",
    permutations: int | str = "auto",
    seed: int = 12345,
    correction: str = "fdr",
    alpha: float = 0.05,
    alternative: str | None = None,
    dropna: bool = False,
    source: str = "",
    neighbour_field: str | None = None,
    base_field: str | None = None,
    fields: Sequence[str] = (),
    quantiles: int | None = None,
    quantile: int | None = None,
    snap: float = 0.0,
) -> Analysis:
    """A local statistic on a field of ``frame``: LISA, Gi*, local Geary, quantile LISA
    or local join counts.

    ``frame`` needs a ``key`` column (as :func:`~geosozial.geo.areas.read_areas`
    gives). Result columns are appended (:mod:`geosozial.core.results`); rows dropped
    for missing values are named; the kernel's warnings become notices
    (:func:`geosozial.core.local_stats.warning_notices`). ``statistic`` is ``moran``
    (default for ``kind="lisa"``), ``gi`` (``kind="gi"``), ``geary``, ``quantile`` or
    ``joincount``. LISA variants: ``neighbour_field`` gives the bivariate LISA
    (``field_name`` at the area against the neighbours' mean of ``neighbour_field``,
    esda ``Moran_Local_BV``); ``base_field`` treats ``field_name`` as case counts and
    ``base_field`` as the population at risk and analyses Empirical-Bayes rates (esda
    ``Moran_Local_Rate``). ``fields`` adds further fields to a multivariate local
    Geary; ``quantiles``/``quantile`` are k and q of the quantile LISA.
    ``permutations="auto"`` (default) gives sequential p-values. ``snap`` (metres)
    joins contiguity across gaps between boundaries (see
    :func:`~geosozial.geo.weights.weights_for`).

    Example:
        >>> a = local_analysis(frame, "quote", kind="gi")  # doctest: +SKIP
        >>> a.frame["gi_bin"].value_counts()  # doctest: +SKIP
    """
    notices: list[Notice] = []
    statistic = check_statistic(statistic or ("gi" if kind == "gi" else "moran"), source)
    kind = kind_of(statistic)
    more_fields = [f for f in fields if f != field_name]
    check_options(statistic, source, neighbour_field=neighbour_field, base_field=base_field,
                  fields=more_fields, quantiles=quantiles, quantile=quantile)
    second = check_variant("lisa" if statistic == "moran" else kind, neighbour_field,
                           base_field, source)
    for extra in ([second] if second is not None else []) + more_fields:
        frame, _ = field_values(frame, extra, source, dropna, notices)  # rows with all fields
    frame, y = field_values(frame, field_name, source, dropna, notices)
    x = _aligned_second(frame, second) if second is not None else None
    if x is not None and neighbour_field:
        check_second_field(x, neighbour_field, source)
    more = [_aligned_second(frame, f) for f in more_fields]
    check_count(len(y), field_name, source, dropped=len(notices) > 0 and dropna)
    keys = area_keys(frame)
    if statistic == "joincount":
        check_binary(y, keys, field_name, source)
    if statistic == "quantile":
        check_options(statistic, source, quantiles=quantiles, quantile=quantile, n=len(y))
    w = _weights(frame, weights, source, notices, snap)
    check_inference(permutations=permutations, seed=seed, n=w.n, k_max=_k_max(w),
                    local=True, source=source, alpha=alpha)
    if base_field and x is not None:
        notices += cases_above_base(y, x, keys, field_name, base_field, source)
    try:
        res = run_local(statistic, y, w, second=x, neighbour_field=neighbour_field,
                        base_field=base_field, more=more, fields=[field_name, *more_fields],
                        quantiles=quantiles, quantile=quantile, permutations=permutations,
                        seed=seed, alternative=alternative, correction=correction,
                        alpha=alpha)
    except KernelError as exc:
        raise kernel_error(exc, source, field_name, keys, base_field) from exc
    if snap:
        res.method["snap"] = float(snap)
    notices += warning_notices(res, source, field_name, base_field=base_field)
    if statistic in ("moran", "gi") and not base_field and not neighbour_field:
        notices += base_hint(field_name, {c: frame[c].tolist() for c in frame.columns
                                          if c != "geometry"}, source)
    out = frame.copy()
    for name, values in result_columns(kind, res).items():
        out[name] = values
    geometry = out.pop("geometry")
    out["geometry"] = geometry
    return Analysis(gpd.GeoDataFrame(out, geometry="geometry", crs=frame.crs), res, w,
                    field_name, notices, kind)


def _aligned_second(frame: gpd.GeoDataFrame, field_name: str) -> np.ndarray:
    """The second field's values for the rows that are left (both fields present)."""
    return pd.to_numeric(frame[field_name], errors="coerce").to_numpy(dtype=float)


def global_analysis(
    frame: gpd.GeoDataFrame,
    field_name: str,
    *,
    weights: str = "queen",
    permutations: int | str = "auto",
    seed: int = 12345,
    alternative: str = "two-sided",
    dropna: bool = False,
    source: str = "",
    snap: float = 0.0,
) -> Analysis:
    """Moran's I, Geary's C and (for non-negative fields) General G on one field.

    Example:
        >>> a = global_analysis(frame, "quote")  # doctest: +SKIP
        >>> [r.statistic for r in a.result]  # doctest: +SKIP
        ['moran', 'geary', 'general_g']
    """
    notices: list[Notice] = []
    frame, y = field_values(frame, field_name, source, dropna, notices)
    check_count(len(y), field_name, source, dropped=len(notices) > 0 and dropna)
    w = _weights(frame, weights, source, notices, snap)
    keys = area_keys(frame)
    check_inference(permutations=permutations, seed=seed, n=w.n, k_max=_k_max(w),
                    local=False, source=source)
    try:
        results = global_statistics(y, w, permutations=permutations, seed=seed,
                                    alternative=alternative)
    except KernelError as exc:
        raise kernel_error(exc, source, field_name, keys) from exc
    notices += warning_notices(results[0], source, field_name)
    return Analysis(frame, results, w, field_name, notices, "global")
