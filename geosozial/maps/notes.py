"""Method notes for maps, data sheets and QGIS outputs, written from a method record.

Pure Python: the CLI, the maps and the QGIS plugin share it.

Example:
    >>> method_note({"permutations": 99, "seed": 1, "weights": "rook", "correction": "none",
    ...              "alpha": 0.1})
    '99 Permutationen, Seed 1, Rook-Nachbarschaft, ohne Korrektur, 10 %'
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable
from typing import Any


def method_note(method: dict[str, Any], lang: str = "de") -> str:
    """"999 Permutationen, Seed 12345, Queen-Nachbarschaft, FDR 5 %" from a method record.

    Example:
        >>> method_note({"permutations": 999, "seed": 12345, "weights": "queen",
        ...              "correction": "fdr", "alpha": 0.05})
        '999 Permutationen, Seed 12345, Queen-Nachbarschaft, FDR 5 %'
        >>> method_note({"permutations": "auto", "sequential": True, "h": 10, "seed": 1,
        ...              "max_permutations": 83916, "weights": "queen",
        ...              "correction": "fdr", "alpha": 0.05})
        'sequenziell, h = 10, höchstens 83.916 Permutationen, Seed 1, Queen-Nachbarschaft, FDR 5 %'
        >>> method_note({"permutations": "auto", "sequential": True, "h": 10,
        ...              "late": [10000, 3], "max_permutations": 440559, "seed": 1,
        ...              "weights": "queen"}).split(", Seed")[0]
        'sequenziell, h = 10 (ab 10.000 Permutationen 3), höchstens 440.559 Permutationen'
    """
    weights = str(method.get("weights", ""))
    correction = method.get("correction")
    alpha = method.get("alpha")
    pct = f"{alpha * 100:g}".replace(".", ",") if alpha is not None else ""
    corr = {"fdr": f"FDR {pct} %", "bonferroni": f"Bonferroni {pct} %",
            "none": f"ohne Korrektur, {pct} %" if lang == "de" else f"uncorrected, {pct} %"
            }.get(correction, "")
    draws = _draws_text(method, lang)
    snap = method.get("snap")
    if lang == "en":
        parts = [draws, f"seed {method.get('seed')}", f"{weights} weights"
                 + (f" (snapped {snap:g} m)" if snap else "")]
    else:
        parts = [draws, f"Seed {method.get('seed')}",
                 f"{weights[:1].upper()}{weights[1:]}-Nachbarschaft"
                 + (f" (Fangabstand {snap:g} m)".replace(".", ",") if snap else "")]
    if method.get("neighbour_field"):
        parts.insert(0, f"bivariat gegen Nachbarwerte von {method['neighbour_field']}"
                     if lang != "en" else f"bivariate against neighbours' "
                     f"{method['neighbour_field']}")
    if len(method.get("fields") or ()) > 1:
        names = ", ".join(method["fields"])
        parts.insert(0, f"multivariat über {names}" if lang != "en" else
                     f"multivariate over {names}")
    if method.get("statistic") == "quantile_lisa":
        parts.insert(0, f"Quantil {method.get('q')} von {method.get('k')}" if lang != "en"
                     else f"quantile {method.get('q')} of {method.get('k')}")
    if method.get("base_field"):
        parts.insert(0, f"Empirical-Bayes-Raten je {method['base_field']}" if lang != "en"
                     else f"Empirical Bayes rates per {method['base_field']}")
    return ", ".join([*parts, corr] if corr else parts)


def _draws_text(method: dict[str, Any], lang: str) -> str:
    """"999 Permutationen" or "sequenziell, h = 10, höchstens 83.916 Permutationen"

    (with "(ab 10.000 Permutationen 3)" after h where the stopping count drops late)."""
    from geosozial.core.number_format import number_text

    if method.get("sequential"):
        most = number_text(method.get("max_permutations"), 0, lang)
        h = str(method.get("h"))
        late = method.get("late")
        if late:
            after = number_text(late[0], 0, lang)
            h += (f" ({late[1]} from {after} permutations on)" if lang == "en"
                  else f" (ab {after} Permutationen {late[1]})")
        return (f"sequential, h = {h}, at most {most} permutations" if lang == "en" else
                f"sequenziell, h = {h}, höchstens {most} Permutationen")
    count = method.get("permutations")
    if count == 0:
        return "normal approximation" if lang == "en" else "Normalverteilungsnäherung"
    text = number_text(count, 0, lang) if isinstance(count, (int, float)) else str(count)
    return f"{text} permutations" if lang == "en" else f"{text} Permutationen"


def alternative_text(alternative: str, lang: str = "de") -> str:
    """The alternative hypothesis in words.

    Example:
        >>> alternative_text("two-sided"), alternative_text("greater", "en")
        ('zweiseitig', 'one-sided (greater)')
    """
    words = {"two-sided": ("zweiseitig", "two-sided"),
             "greater": ("einseitig (größer)", "one-sided (greater)"),
             "less": ("einseitig (kleiner)", "one-sided (less)"),
             "folded": ("gefaltet (|z|)", "folded (|z|)")}.get(alternative)
    if words is None:
        return alternative
    return words[1] if lang == "en" else words[0]


def map_date(lang: str = "de") -> str:
    """The map's date: ``SOURCE_DATE_EPOCH`` (reproducible builds) or today.

    Example:
        >>> os.environ["SOURCE_DATE_EPOCH"] = "1700000000"
        >>> map_date(), map_date("en")
        ('14.11.2023', '2023-11-14')
        >>> del os.environ["SOURCE_DATE_EPOCH"]
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    day = (dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).date() if epoch
           else dt.date.today())
    return day.isoformat() if lang == "en" else day.strftime("%d.%m.%Y")


def geobasis_text(years: Iterable[Any]) -> str:
    """"© GeoBasis-DE / BKG (Jahr)" with the latest of ``years``; "" without any.

    Example:
        >>> geobasis_text([2020, 2021.0]), geobasis_text([])
        ('© GeoBasis-DE / BKG (2021)', '')
    """
    latest = max((int(y) for y in years), default=None)
    return "" if latest is None else f"© GeoBasis-DE / BKG ({latest})"


def method_line(method: dict[str, Any], lang: str = "de") -> str:
    """The method note and the alternative in one line, as every output shows it.

    Example:
        >>> method_line({"permutations": 999, "seed": 12345, "weights": "queen",
        ...              "correction": "fdr", "alpha": 0.05, "alternative": "two-sided"})
        '999 Permutationen, Seed 12345, Queen-Nachbarschaft, FDR 5 %, zweiseitig'
    """
    alternative = alternative_text(method.get("alternative", "two-sided"), lang)
    return f"{method_note(method, lang)}, {alternative}"
