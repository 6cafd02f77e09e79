"""The geopandas front door to the kernel: areas + field -> weights -> statistics.

Turns a GeoDataFrame column into the arrays the kernel takes, reports every dropped
value, renders kernel errors in German (or English), and attaches the result columns
of DESIGN.md (``lisa_I``, ``lisa_z``, ``lisa_p``, ``lisa_cluster``; ``gi_z``,
``gi_p``, ``gi_bin``) plus a method record for metadata and map notes.

Example:
    >>> res = local_analysis(frame, "sgb2_quote", kind="lisa")  # doctest: +SKIP
    >>> res.frame[["key", "lisa_cluster"]].head()  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geosozial.core.analysis import (
    check_count,
    check_inference,
    check_second_field,
    check_variant,
    check_weights,
    kernel_error,
)
from geosozial.core.analysis import field_values as core_field_values
from geosozial.core.messages import GeosozialError, Notice
from geosozial.core.results import column_names, result_columns
from geosozial.geo.weights import weights_for
from geosozial.kernel.errors import KernelError
from geosozial.kernel.globals import GlobalResult, global_statistics
from geosozial.kernel.local import (
    LocalResult,
    local_g,
    local_moran,
    local_moran_bv,
    local_moran_rate,
)
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


def _weights(frame: gpd.GeoDataFrame, spec: str, source: str, notices: list[Notice]
             ) -> Weights:
    w = weights_for(frame, spec, ids_column="key" if "key" in frame.columns else None)
    check_weights(w, area_keys(frame), spec, source, notices)
    return w


def local_analysis(
    frame: gpd.GeoDataFrame,
    field_name: str,
    *,
    kind: str = "lisa",
    weights: str = "queen",
    permutations: int = 999,
    seed: int = 12345,
    correction: str = "fdr",
    alpha: float = 0.05,
    alternative: str = "two-sided",
    dropna: bool = False,
    source: str = "",
    neighbour_field: str | None = None,
    base_field: str | None = None,
) -> Analysis:
    """LISA (``kind="lisa"``) or Gi* hot spots (``kind="gi"``) on a field of ``frame``.

    ``frame`` needs a ``key`` column (as :func:`~geosozial.geo.areas.read_areas`
    gives). Result columns are appended; rows dropped for missing values are named.
    LISA variants: ``neighbour_field`` gives the bivariate LISA (``field_name`` at the
    area against the neighbours' mean of ``neighbour_field``, esda ``Moran_Local_BV``);
    ``base_field`` treats ``field_name`` as case counts and ``base_field`` as the
    population at risk and analyses Empirical-Bayes rates (esda ``Moran_Local_Rate``).

    Example:
        >>> a = local_analysis(frame, "quote", kind="gi")  # doctest: +SKIP
        >>> a.frame["gi_bin"].value_counts()  # doctest: +SKIP
    """
    notices: list[Notice] = []
    second = check_variant(kind, neighbour_field, base_field, source)
    if second is not None:  # both fields checked; rows kept only where both have values
        frame, _ = field_values(frame, second, source, dropna, notices)
    frame, y = field_values(frame, field_name, source, dropna, notices)
    x = _aligned_second(frame, second) if second is not None else None
    if x is not None and neighbour_field:
        check_second_field(x, neighbour_field, source)
    check_count(len(y), field_name, source, dropped=len(notices) > 0 and dropna)
    w = _weights(frame, weights, source, notices)
    keys = area_keys(frame)
    check_inference(permutations=permutations, seed=seed, n=w.n, k_max=_k_max(w),
                    local=True, source=source, alpha=alpha)
    inference = {"permutations": permutations, "seed": seed, "alternative": alternative,
                 "correction": correction, "alpha": alpha}
    if base_field and x is not None and (y > x).any():
        named = ", ".join(keys[i] for i in np.flatnonzero(y > x)[:20])
        notices.append(Notice("ana.cases_above_base", "warning", file=source,
                              field=field_name, base=base_field, keys=named))
    try:
        if kind == "lisa" and neighbour_field:
            res = local_moran_bv(y, x, w, **inference)
            res.method["neighbour_field"] = neighbour_field
        elif kind == "lisa" and base_field:
            res = local_moran_rate(y, x, w, **inference)
            res.method["base_field"] = base_field
        elif kind == "lisa":
            res = local_moran(y, w, permutations=permutations, seed=seed,
                              alternative=alternative, correction=correction, alpha=alpha)
        else:
            res = local_g(y, w, permutations=permutations, seed=seed, alternative=alternative,
                          correction=correction, alpha=alpha)
    except KernelError as exc:
        raise kernel_error(exc, source, field_name, keys, base_field) from exc
    out = frame.copy()
    for name, values in result_columns(kind, res).items():
        out[name] = values
    geometry = out.pop("geometry")
    out["geometry"] = geometry
    return Analysis(gpd.GeoDataFrame(out, geometry="geometry", crs=frame.crs), res, w,
                    field_name, notices)


def _aligned_second(frame: gpd.GeoDataFrame, field_name: str) -> np.ndarray:
    """The second field's values for the rows that are left (both fields present)."""
    return pd.to_numeric(frame[field_name], errors="coerce").to_numpy(dtype=float)


def global_analysis(
    frame: gpd.GeoDataFrame,
    field_name: str,
    *,
    weights: str = "queen",
    permutations: int = 999,
    seed: int = 12345,
    alternative: str = "two-sided",
    dropna: bool = False,
    source: str = "",
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
    w = _weights(frame, weights, source, notices)
    keys = area_keys(frame)
    check_inference(permutations=permutations, seed=seed, n=w.n, k_max=_k_max(w),
                    local=False, source=source)
    try:
        results = global_statistics(y, w, permutations=permutations, seed=seed,
                                    alternative=alternative)
    except KernelError as exc:
        raise kernel_error(exc, source, field_name, keys) from exc
    return Analysis(frame, results, w, field_name, notices)
