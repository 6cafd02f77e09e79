"""Local statistics and emerging hot spots on polygons as plain rings (standard library
+ numpy): the analyses of a project's maps and atlas, the same from every door.

A door hands over its polygons as features (:mod:`geosozial.core.wkb`: a feature is a
list of polygons, a polygon a list of ``(n, 2)`` rings, in a metric CRS) with keys,
names and the cells of a field; the weights (:func:`feature_weights`), the checks, the
kernel's statistic and the notices are the core's. The geopandas door and the QGIS
plugin read the same rings from the same file (GeoPackage WKB), so they get the same
neighbours and the same numbers.

Example:
    >>> out = local_statistic(features, keys, names, cells, "moran", "sgb2_quote",
    ...                       settings)  # doctest: +SKIP
    >>> out.columns["lisa_cluster"][:3]  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from geosozial.core.analysis import (
    check_count,
    check_inference,
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
from geosozial.core.results import result_columns

__all__ = ["LocalOutcome", "feature_weights", "local_statistic"]


def feature_weights(features: Sequence[Any], keys: Sequence[str],
                    names: Sequence[str] | None, spec_text: str, source: str,
                    notices: list[Notice], snap: float = 0.0) -> Any:
    """The spatial weights of ``features`` by the spec ``spec_text`` (``queen``,
    ``rook``, ``knn:6``, ...), checked (islands, components) into ``notices``.

    Raises
    ------
    GeosozialError
        An invalid snap distance or weights spec.
    """
    from geosozial.core.weights_spec import parse_weights_spec, weights_from_arrays
    from geosozial.core.wkb import polygon_centroids, ring_arrays

    if isinstance(snap, bool) or not isinstance(snap, (int, float)) or not 0 <= snap < 1e6:
        raise GeosozialError("ana.snap", file=source, value=snap)
    spec = parse_weights_spec(spec_text)
    if spec.measures_distance:
        w = weights_from_arrays(spec, len(keys), ids=list(keys),
                                points=polygon_centroids(features))
    else:
        w = weights_from_arrays(spec, len(keys), ids=list(keys), rings=ring_arrays(features),
                                tolerance=snap)
    check_weights(w, list(keys), spec_text, source, notices,
                  names=None if names is None else list(names), snap=snap)
    return w


@dataclass
class LocalOutcome:
    """A local statistic of one field: the rows used, result columns, method, notices."""

    kind: str
    field: str
    #: positions (in the features given) of the areas analysed
    used: list[int]
    #: result columns (:mod:`geosozial.core.results`) over the areas used
    columns: dict[str, list[Any]]
    method: dict[str, Any]
    #: per area used: no neighbours
    islands: list[bool]
    notices: list[Notice] = field(default_factory=list)

    def aligned(self, n: int) -> dict[str, list[Any]]:
        """The result columns over all ``n`` areas (None where an area was left out)."""
        out = {}
        for name, values in self.columns.items():
            column: list[Any] = [None] * n
            for pos, value in zip(self.used, values, strict=True):
                column[pos] = value
            out[name] = column
        return out

    def aligned_islands(self, n: int) -> list[bool]:
        """Per area of all ``n``: no neighbours (False where left out)."""
        out = [False] * n
        for pos, island in zip(self.used, self.islands, strict=True):
            out[pos] = island
        return out


def local_statistic(features: Sequence[Any], keys: Sequence[str], names: Sequence[str],
                    cells: Sequence[Any], statistic: str, field_name: str, *,
                    weights: str = "queen", permutations: int | str = "auto",
                    seed: int = 12345, correction: str = "fdr", alpha: float = 0.05,
                    snap: float = 0.0, quantiles: int | None = None,
                    quantile: int | None = None, source: str = "",
                    columns: Mapping[str, Sequence[Any]] | None = None) -> LocalOutcome:
    """One local statistic (``moran``, ``gi``, ``geary``, ``quantile``, ``joincount``)
    of a field, areas without a value left out (named in the notices).

    The same steps as :func:`geosozial.geo.analysis.local_analysis` with ``dropna``:
    the field's values (:func:`geosozial.core.analysis.field_values`), at least a few
    areas, the weights of the areas kept, the inference options, the kernel, its
    warnings and, for LISA and Gi* of a known rate, the hint to Empirical-Bayes rates
    where its bases are small (``columns``: the table the field comes from).

    Returns
    -------
    LocalOutcome

    Raises
    ------
    GeosozialError
        Too few areas, wrong options, a kernel error (naming the field and keys).
    """
    from geosozial.kernel.errors import KernelError

    notices: list[Notice] = []
    statistic = check_statistic(statistic, source)
    kind = kind_of(statistic)
    check_options(statistic, source, quantiles=quantiles, quantile=quantile)
    keep, y = core_field_values(list(cells), list(keys), field_name, source, True, notices)
    used_keys = [keys[i] for i in keep]
    check_count(len(y), field_name, source, dropped=len(keep) < len(cells))
    if statistic == "joincount":
        check_binary(y, used_keys, field_name, source)
    if statistic == "quantile":
        check_options(statistic, source, quantiles=quantiles, quantile=quantile, n=len(y))
    w = feature_weights([features[i] for i in keep], used_keys, [names[i] for i in keep],
                        weights, source, notices, snap)
    k_max = int(np.diff(w.sparse.indptr).max()) if w.n else 0
    check_inference(permutations=permutations, seed=seed, n=w.n, k_max=k_max, local=True,
                    source=source, alpha=alpha)
    try:
        res = run_local(statistic, y, w, fields=[field_name], quantiles=quantiles,
                        quantile=quantile, permutations=permutations, seed=seed,
                        correction=correction, alpha=alpha)
    except KernelError as exc:
        raise kernel_error(exc, source, field_name, used_keys) from exc
    if snap:
        res.method["snap"] = float(snap)
    notices += warning_notices(res, source, field_name)
    if statistic in ("moran", "gi") and columns is not None:
        notices += base_hint(field_name, {c: [v[i] for i in keep] for c, v in columns.items()},
                             source)
    islands = np.zeros(w.n, dtype=bool)
    islands[np.asarray(w.islands, dtype=np.int64)] = True
    return LocalOutcome(kind, field_name, list(keep), result_columns(kind, res),
                        dict(res.method, field=field_name), islands.tolist(), notices)


@dataclass
class EmergingOutcome:
    """Emerging hot spots of one field over the years: columns over all areas (of the
    last year), method, notices."""

    field: str
    years: list[int]
    columns: dict[str, list[Any]]
    method: dict[str, Any]
    notices: list[Notice] = field(default_factory=list)
    #: the kernel's result and the weights (for the command line's own outputs)
    result: Any = None
    weights: Any = None


def emerging_statistic(features: Sequence[Any], names: Sequence[str] | None,
                       tables: Mapping[int, Any], field_name: str, *,
                       weights: str = "queen", permutations: int | str = "auto",
                       seed: int = 12345, correction: str = "fdr", alpha: float = 0.05,
                       trend_alpha: float = 0.05, snap: float = 0.0, source: str = ""
                       ) -> EmergingOutcome:
    """Emerging hot spots of ``field_name`` over the years of ``tables`` (core columns,
    one Gebietsstand, the same keys in the same order): the steps of
    :func:`geosozial.geo.emerging.emerging_analysis` on features.

    Raises
    ------
    GeosozialError
        Fewer than two years, keys that differ between years, a year without the
        field, a kernel error.
    """
    from geosozial.core.emerging import check_year_keys, emerging_columns, emerging_notices
    from geosozial.kernel.errors import KernelError
    from geosozial.kernel.trends import emerging_hotspots_years

    years = check_year_keys({y: t.texts("key") for y, t in tables.items()}, source)
    rows = []
    for year in years:
        table = tables[year]
        if field_name not in table:
            raise GeosozialError("ana.no_field", file=f"{source} ({year})", field=field_name,
                                 fields=", ".join(table.columns))
        rows.append(table.numbers(field_name))
    values = np.vstack(rows)
    keys = tables[years[-1]].texts("key")
    notices: list[Notice] = []
    w = feature_weights(features, keys, names, weights, source, notices, snap)
    k_max = int(np.diff(w.sparse.indptr).max()) if w.n else 0
    check_inference(permutations=permutations, seed=seed, n=w.n, k_max=k_max, local=True,
                    source=source, alpha=alpha)
    try:
        res = emerging_hotspots_years(years, values, w, trend_alpha=trend_alpha,
                                      permutations=permutations, seed=seed,
                                      correction=correction, alpha=alpha)
    except KernelError as exc:
        year = exc.params.pop("year", None)
        where = f"{source} ({year})" if year is not None else source
        raise kernel_error(exc, where, field_name, keys) from exc
    if snap:
        res.method["snap"] = float(snap)
    notices += emerging_notices(res, source, field_name)
    columns = {name: list(np.asarray(column).tolist())
               for name, column in emerging_columns(res).items()}
    return EmergingOutcome(field_name, list(years), columns,
                           dict(res.method, field=field_name), notices, res, w)
