"""Which local statistic a door runs, and the kernel's warnings in plain German.

Every door (CLI, Python API, project runs, QGIS) names a local statistic by the same
words and gets the same kernel call from :func:`run_local`:

- ``moran`` (LISA; bivariate with a neighbours' field, Empirical-Bayes rates with a base
  field), result kind ``lisa``;
- ``gi`` (Getis-Ord Gi*), kind ``gi``;
- ``geary`` (local Geary; multivariate over several fields), kind ``geary``;
- ``quantile`` (quantile LISA: local join counts of "in quantile class q of k") and
  ``joincount`` (local join counts of a 0/1 field), kind ``joincount``.

:func:`warning_notices` turns the kernel's warnings (``few_areas``, ``unreachable``,
``small_bases``) into notices that say what to do; :func:`base_hint` suggests
Empirical-Bayes rates when a share rests on small or very unequal bases.

Example:
    >>> import numpy as np
    >>> from geosozial.kernel.weights import Weights
    >>> w = Weights.from_pairs(5, np.arange(4), np.arange(1, 5))
    >>> r = run_local("geary", np.array([1.0, 2, 3, 9, 10]), w, permutations=99)
    >>> kind_of("geary"), r.statistic, sorted(set(r.clusters))
    ('geary', 'local_geary', ['ns'])
    >>> [n.code for n in warning_notices(r, "t.gpkg", "v")]
    ['ana.few_areas']
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from geosozial.core.messages import GeosozialError, Notice, define, render
from geosozial.core.number_format import german

#: statistic -> result kind (the family of result columns, see :mod:`.results`)
STATISTICS: dict[str, str] = {"moran": "lisa", "gi": "gi", "geary": "geary",
                              "quantile": "joincount", "joincount": "joincount"}
#: the alternative each statistic defaults to (join counts count co-located ones only)
DEFAULT_ALTERNATIVE: dict[str, str] = {"moran": "two-sided", "gi": "two-sided",
                                       "geary": "two-sided", "quantile": "greater",
                                       "joincount": "greater"}

define("ana.statistic",
       de="{file}: Statistik {value} gibt es nicht; möglich sind {known}.",
       en="{file}: there is no statistic {value}; possible are {known}.")
define("ana.statistic_option",
       de="{file}: {option} gilt nur für {valid}, nicht für {statistic}.",
       en="{file}: {option} applies to {valid} only, not to {statistic}.")
define("ana.quantiles",
       de="{file}: Quantil-LISA braucht --quantiles K (2 bis {max_k}) und --quantile Q "
       "(1 = niedrigste bis K = höchste Klasse); gegeben K = {k}, Q = {q}.",
       en="{file}: the quantile LISA needs --quantiles K (2 to {max_k}) and --quantile Q "
       "(1 = lowest to K = highest class); given K = {k}, Q = {q}.")
define("ana.binary",
       de="{file}: Feld {field} muss für Join Counts 0 oder 1 sein; nicht bei {keys} "
       "(z. B. {example}).",
       en="{file}: field {field} must be 0 or 1 for join counts; not for {keys} "
       "(e.g. {example}).")
define("ana.few_areas",
       de="{file}: nur {n} Gebiete (unter {minimum}): räumliche Statistik auf so wenigen "
       "Gebieten (z. B. Sozialräumen) sagt wenig über Muster; Ergebnisse vorsichtig lesen.",
       en="{file}: only {n} areas (fewer than {minimum}): spatial statistics on so few "
       "areas (e.g. Sozialräume) say little about patterns; read the results with care.")
define("ana.unreachable",
       de="{file}: mit {permutations} Permutationen ist das kleinste erreichbare p {min_p}; "
       "nach der Korrektur ({correction}) bräuchte ein einzelnes Gebiet p ≤ {needed}.{extra} "
       "--permutations auto (Standard) zieht so oft, wie die Korrektur braucht.",
       en="{file}: with {permutations} permutations the smallest reachable p is {min_p}; "
       "after the correction ({correction}) a single area would need p <= {needed}.{extra} "
       "--permutations auto (the default) draws as often as the correction needs.")
define("ana.unreachable_fdr",
       de=" Signifikant kann ein Gebiet erst werden, wenn mindestens {areas} Gebiete "
       "zugleich so extrem sind.",
       en=" An area can only become significant when at least {areas} areas are that "
       "extreme at once.")
define("ana.unreachable_none",
       de=" Kein Gebiet kann signifikant werden.",
       en=" No area can become significant.")
define("ana.small_bases",
       de="{file}: die Raten beruhen auf kleinen oder sehr ungleichen Bezugszahlen "
       "({base}: kleinste {min}, größte {max}); auch Empirical-Bayes-Raten bleiben bei "
       "kleinen Gebieten unsicher.",
       en="{file}: the rates rest on small or very unequal bases ({base}: smallest {min}, "
       "largest {max}); Empirical Bayes rates of small areas stay uncertain too.")
define("ana.small_bases_hint",
       de="{file}: {field} ist eine Rate aus kleinen oder sehr ungleichen Bezugszahlen "
       "({base}: kleinste {min}, größte {max}); Extremwerte kleiner Gebiete sind oft "
       "Zufall. Empirical-Bayes-Raten glätten sie: --field {numerator} --base {base}.",
       en="{file}: {field} is a rate from small or very unequal bases ({base}: smallest "
       "{min}, largest {max}); extremes of small areas are often chance. Empirical Bayes "
       "rates smooth them: --field {numerator} --base {base}.")


def kind_of(statistic: str) -> str:
    """The result kind of a statistic (``lisa``, ``gi``, ``geary``, ``joincount``).

    Example:
        >>> kind_of("quantile")
        'joincount'
    """
    return STATISTICS[statistic]


def check_statistic(statistic: Any, source: str) -> str:
    """A known statistic name, or a message naming the known ones.

    Example:
        >>> check_statistic("Geary", "t.gpkg")
        'geary'
    """
    name = str(statistic).strip().lower() if statistic is not None else "moran"
    if name not in STATISTICS:
        raise GeosozialError("ana.statistic", file=source, value=statistic,
                             known=", ".join(STATISTICS))
    return name


def check_options(statistic: str, source: str, *, neighbour_field: Any = None,
                  base_field: Any = None, fields: Sequence[str] = (), quantiles: Any = None,
                  quantile: Any = None, n: int | None = None) -> None:
    """Options that belong to another statistic are refused by name.

    Example:
        >>> try:
        ...     check_options("geary", "t.gpkg", base_field="bev")
        ... except GeosozialError as exc:
        ...     print(exc.params["option"])
        --base
    """
    given = [("--neighbour-field", neighbour_field, ("moran",)),
             ("--base", base_field, ("moran",)),
             ("--fields", list(fields) or None, ("geary",)),
             ("--quantiles", quantiles, ("quantile",)), ("--quantile", quantile, ("quantile",))]
    for option, value, valid in given:
        if value is not None and statistic not in valid:
            raise GeosozialError("ana.statistic_option", file=source, option=option,
                                 statistic=statistic, valid=", ".join(valid))
    if statistic == "quantile":
        max_k = (n - 1) if n else 9
        k_ok = isinstance(quantiles, int) and not isinstance(quantiles, bool) \
            and 2 <= quantiles <= max(max_k, 2)
        q_ok = isinstance(quantile, int) and not isinstance(quantile, bool) and k_ok \
            and 1 <= quantile <= quantiles
        if not (k_ok and q_ok):
            raise GeosozialError("ana.quantiles", file=source, k=quantiles, q=quantile,
                                 max_k=max_k)


def check_binary(values: np.ndarray, keys: Sequence[str], field: str, source: str) -> None:
    """Join counts need 0/1 values; the areas with other values are named.

    Example:
        >>> try:
        ...     check_binary(np.array([0.0, 1, 2]), ["a", "b", "c"], "arm", "t.gpkg")
        ... except GeosozialError as exc:
        ...     print(exc.params["keys"])
        c
    """
    bad = np.flatnonzero((values != 0) & (values != 1))
    if len(bad):
        raise GeosozialError("ana.binary", file=source, field=field,
                             keys=", ".join(str(keys[i]) for i in bad[:20]),
                             example=german(float(values[bad[0]]), 2))


def run_local(statistic: str, y: np.ndarray, w: Any, *, second: np.ndarray | None = None,
              neighbour_field: str | None = None, base_field: str | None = None,
              more: Sequence[np.ndarray] = (), fields: Sequence[str] = (),
              quantiles: int | None = None, quantile: int | None = None,
              alternative: str | None = None, **inference: Any) -> Any:
    """The kernel call of a local statistic, the same for every door.

    Parameters
    ----------
    statistic : str
        ``moran``, ``gi``, ``geary``, ``quantile`` or ``joincount``.
    y : numpy.ndarray
        The field's values.
    w : Weights
        Spatial weights.
    second : numpy.ndarray, optional
        The neighbours' field (``neighbour_field``) or the base (``base_field``) of a LISA.
    neighbour_field, base_field : str, optional
        Their names (recorded in the method).
    more, fields : sequence
        Further fields of a multivariate local Geary and the names of all its fields.
    quantiles, quantile : int, optional
        k and q of the quantile LISA.
    alternative : str, optional
        Default: :data:`DEFAULT_ALTERNATIVE` of the statistic.
    **inference
        ``permutations``, ``seed``, ``correction``, ``alpha``.

    Returns
    -------
    LocalResult
        The kernel's result (``method`` records the fields and options).

    Examples
    --------
    >>> from geosozial.kernel.weights import Weights
    >>> w = Weights.from_pairs(5, np.arange(4), np.arange(1, 5))
    >>> r = run_local("quantile", np.arange(5.0), w, quantiles=2, quantile=2, permutations=9)
    >>> r.statistic, r.method["alternative"], r.method["q"]
    ('quantile_lisa', 'greater', 2)
    """
    from geosozial.kernel import local, local_more

    inference["alternative"] = alternative or DEFAULT_ALTERNATIVE[statistic]
    if statistic == "moran" and neighbour_field:
        res = local.local_moran_bv(y, second, w, **inference)
        res.method["neighbour_field"] = neighbour_field
    elif statistic == "moran" and base_field:
        res = local.local_moran_rate(y, second, w, **inference)
        res.method["base_field"] = base_field
    elif statistic == "moran":
        res = local.local_moran(y, w, **inference)
    elif statistic == "gi":
        res = local.local_g(y, w, **inference)
    elif statistic == "geary" and len(more):
        res = local_more.local_geary_mv([y, *more], w, **inference)
        res.method["fields"] = list(fields)
    elif statistic == "geary":
        res = local_more.local_geary(y, w, **inference)
    elif statistic == "quantile":
        res = local_more.quantile_lisa(y, w, int(quantiles or 0), int(quantile or 0),
                                       **inference)
    elif statistic == "joincount":
        res = local_more.local_join_counts(y, w, **inference)
    else:
        raise KeyError(statistic)
    return res


def p_text(p: float, lang: str = "de") -> str:
    """A small p with enough decimals to see it: ``0,001``, ``0,00012``.

    Example:
        >>> p_text(0.05), p_text(0.000119), p_text(1 / 84_001)
        ('0,05', '0,00012', '0,000012')
    """
    if p is None or not math.isfinite(p) or p <= 0:
        return german(p, 3, lang)
    digits = max(2, 1 - math.floor(math.log10(p)))
    text = german(p, digits, lang)
    sep = "," if lang != "en" else "."
    return text.rstrip("0").rstrip(sep) if sep in text else text


def _correction_text(correction: str, alpha: float, lang: str) -> str:
    pct = german(alpha * 100, 2, lang).rstrip("0").rstrip(",.")
    return {"fdr": f"FDR {pct} %", "bonferroni": f"Bonferroni {pct} %"}.get(
        correction, f"{pct} %")


def warning_notices(result: Any, source: str, field: str, *, lang: str = "de",
                    base_field: str | None = None) -> list[Notice]:
    """The kernel's warnings of a local or global result as notices.

    ``few_areas``: fewer than 30 areas; ``unreachable``: the correction cannot be
    passed with the permutations chosen (how many areas must be extreme together);
    ``small_bases``: Empirical-Bayes rates on small or unequal bases.

    Example:
        >>> from geosozial.kernel.errors import KernelWarning
        >>> from types import SimpleNamespace
        >>> r = SimpleNamespace(warnings=[KernelWarning("unreachable", min_p=0.001,
        ...     needed=0.05 / 418, correction="fdr", alpha=0.05, permutations=999,
        ...     sequential=False, areas_needed=9)])
        >>> warning_notices(r, "t.gpkg", "v")[0].text()[:60]
        't.gpkg: mit 999 Permutationen ist das kleinste erreichbare p'
    """
    out: list[Notice] = []
    for item in getattr(result, "warnings", []) or []:
        code, params = (item.code, item.params) if hasattr(item, "code") else (
            item["code"], item)
        if code == "few_areas":
            out.append(Notice("ana.few_areas", "warning", file=source, n=params["n"],
                              minimum=params["minimum"]))
        elif code == "unreachable":
            areas = params.get("areas_needed")
            tests = params.get("n_tests")
            if areas is not None and (tests is None or areas <= tests):
                extra = render("ana.unreachable_fdr", {"areas": areas}, lang)
            else:
                extra = render("ana.unreachable_none", {}, lang)
            out.append(Notice("ana.unreachable", "warning", file=source,
                              permutations=german(params["permutations"], 0, lang),
                              min_p=p_text(params["min_p"], lang),
                              needed=p_text(params["needed"], lang),
                              correction=_correction_text(params["correction"],
                                                          params["alpha"], lang),
                              extra=extra))
        elif code == "small_bases":
            out.append(Notice("ana.small_bases", "warning", file=source,
                              base=base_field or "Bezug",
                              min=german(params["min"], 0, lang),
                              max=german(params["max"], 0, lang)))
    return out


def base_hint(field: str, columns: Mapping[str, Sequence[Any]], source: str,
              catalogue: Mapping[str, Any] | None = None) -> list[Notice]:
    """Suggest Empirical-Bayes rates when ``field`` is a known rate on small bases.

    ``field`` must be an indicator (the catalogue or ``catalogue``) with one numerator
    and one denominator variable whose columns are in ``columns``; the rule on the
    bases is :func:`geosozial.kernel.local.base_warnings`.

    Example:
        >>> cols = {"sgb2_quote": [5.0, 9.0], "sgb2_rlb": [3, 900],
        ...         "bev_u65": [40, 9000]}
        >>> [n.params["base"] for n in base_hint("sgb2_quote", cols, "t.gpkg")]
        ['bev_u65']
    """
    from geosozial.core.indicators import CATALOGUE
    from geosozial.kernel.local import base_warnings

    indicator = (catalogue or {}).get(field) or CATALOGUE.get(field)
    if indicator is None or len(indicator.numerator) != 1 or len(indicator.denominator) != 1:
        return []
    numerator, base = next(iter(indicator.numerator)), indicator.denominator[0]
    if numerator not in columns or base not in columns:
        return []
    values = np.array([_float(v) for v in columns[base]], dtype=float)
    found = base_warnings(values)
    if not found:
        return []
    params = found[0].params
    return [Notice("ana.small_bases_hint", "warning", file=source, field=field, base=base,
                   numerator=numerator, min=german(params["min"], 0),
                   max=german(params["max"], 0))]


def _float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan
