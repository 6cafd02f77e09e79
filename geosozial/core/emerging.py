"""Emerging hot spots: result columns, category words and the notices, for every door.

The kernel (:func:`geosozial.kernel.trends.emerging_hotspots_years`) gives per area
the Gi* z-values of the years, their Mann-Kendall trend and a category after the rules
of ArcGIS's Emerging Hot Spot Analysis. Here the category codes get their German (and
English) words, the result columns their names (``ehs_kategorie``, ``ehs_trend_z``,
``ehs_trend_p``, ``ehs_tau``, and ``gi_z_<year>`` / ``gi_bin_<year>`` per year), and
the kernel's warning its notice. Pure (standard library + numpy): used by the geopandas
door, the project pipeline and the QGIS plugin.

Example:
    >>> category_text("intensifying"), category_text("new_cold")
    ('zunehmender Hot Spot', 'neuer Cold Spot')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from geosozial.core.messages import GeosozialError, Notice, define

#: category code -> (German, English); hot spots first, then cold spots, then none
CATEGORY_WORDS: dict[str, tuple[str, str]] = {
    "new": ("neuer Hot Spot", "new hot spot"),
    "consecutive": ("fortlaufender Hot Spot", "consecutive hot spot"),
    "intensifying": ("zunehmender Hot Spot", "intensifying hot spot"),
    "persistent": ("beständiger Hot Spot", "persistent hot spot"),
    "diminishing": ("abnehmender Hot Spot", "diminishing hot spot"),
    "sporadic": ("sporadischer Hot Spot", "sporadic hot spot"),
    "oscillating": ("oszillierender Hot Spot", "oscillating hot spot"),
    "historical": ("früherer Hot Spot", "historical hot spot"),
    "new_cold": ("neuer Cold Spot", "new cold spot"),
    "consecutive_cold": ("fortlaufender Cold Spot", "consecutive cold spot"),
    "intensifying_cold": ("zunehmender Cold Spot", "intensifying cold spot"),
    "persistent_cold": ("beständiger Cold Spot", "persistent cold spot"),
    "diminishing_cold": ("abnehmender Cold Spot", "diminishing cold spot"),
    "sporadic_cold": ("sporadischer Cold Spot", "sporadic cold spot"),
    "oscillating_cold": ("oszillierender Cold Spot", "oscillating cold spot"),
    "historical_cold": ("früherer Cold Spot", "historical cold spot"),
    "none": ("kein Muster", "no pattern"),
}

#: the rules in words (method notes, README, QGIS help)
RULES = {
    "de": ("Gi* je Jahr (gleiche Nachbarschaft, gleicher Seed), Trend der z-Werte nach "
           "Mann-Kendall; neu: nur im letzten Jahr signifikant; fortlaufend: ununterbrochen "
           "seit mindestens zwei Jahren bis zum letzten, vorher nie; beständig / zunehmend / "
           "abnehmend: in mindestens 90 % der Jahre und im letzten, ohne / mit steigendem / "
           "mit fallendem Trend; sporadisch: im letzten Jahr, zeitweise, nie das Gegenteil; "
           "oszillierend: im letzten Jahr, früher auch das Gegenteil; früher: in mindestens "
           "90 % der Jahre, aber nicht im letzten."),
    "en": ("Gi* per year (same neighbours, same seed), Mann-Kendall trend of the z-values; "
           "new: significant in the last year only; consecutive: uninterrupted for at least "
           "two years up to the last, never before; persistent / intensifying / diminishing: "
           "in at least 90 % of the years and the last, with no / a rising / a falling "
           "trend; sporadic: in the last year, on and off, never the opposite; oscillating: "
           "in the last year, earlier the opposite; historical: in at least 90 % of the "
           "years but not the last."),
}

define("ehs.few_years",
       de="{source}: {field} über {n} Jahre ({years}); erst ab {minimum} Jahren kann ein "
       "Mann-Kendall-Trend signifikant werden, daher gibt es keine zunehmenden oder "
       "abnehmenden Hot Spots. Die übrigen Kategorien gelten.",
       en="{source}: {field} over {n} years ({years}); a Mann-Kendall trend can be "
       "significant only from {minimum} years on, so there are no intensifying or "
       "diminishing hot spots. The other categories apply.")
define("ehs.years",
       de="{source}: für Emerging Hot Spots werden mindestens 2 Jahre gebraucht "
       "(vorhanden: {years}).",
       en="{source}: emerging hot spots need at least 2 years (present: {years}).")


def category_text(code: str, lang: str = "de") -> str:
    """The words of a category code (``new``, ``persistent_cold``, ``none``, ...).

    Examples
    --------
    >>> category_text("historical", "en")
    'historical hot spot'
    """
    de, en = CATEGORY_WORDS[code]
    return en if lang == "en" else de


def emerging_columns(result: Any) -> dict[str, np.ndarray]:
    """The result columns of an emerging hot-spot run, in order.

    ``ehs_kategorie`` (code), ``ehs_trend_z``, ``ehs_trend_p``, ``ehs_tau``, then
    ``gi_z_<year>`` and ``gi_bin_<year>`` for every year.

    Examples
    --------
    >>> from geosozial.kernel.trends import emerging_hotspots_years
    >>> from geosozial.kernel.weights import Weights
    >>> w = Weights.from_pairs(4, np.arange(3), np.arange(1, 4))
    >>> r = emerging_hotspots_years([2022, 2023], np.array([[1, 2, 3, 4.0], [1, 2, 4, 4]]),
    ...                             w, permutations=0)
    >>> list(emerging_columns(r))[:5]
    ['ehs_kategorie', 'ehs_trend_z', 'ehs_trend_p', 'ehs_tau', 'gi_z_2022']
    """
    out: dict[str, np.ndarray] = {
        "ehs_kategorie": np.asarray(result.categories, dtype=object),
        "ehs_trend_z": np.asarray(result.trend_z, dtype=float),
        "ehs_trend_p": np.asarray(result.trend_p, dtype=float),
        "ehs_tau": np.asarray(result.trend_tau, dtype=float),
    }
    for k, year in enumerate(result.years):
        out[f"gi_z_{year}"] = np.asarray(result.z[k], dtype=float)
        out[f"gi_bin_{year}"] = np.asarray(result.bins[k]).astype(np.int64)
    return out


def emerging_notices(result: Any, source: str, field: str) -> list[Notice]:
    """The notice of the kernel's ``few_years`` warning.

    Examples
    --------
    >>> class R:
    ...     years, warnings = (2021, 2022, 2023), ("few_years",)
    >>> emerging_notices(R(), "demo", "sgb2_quote")[0].params["minimum"]
    5
    """
    from geosozial.kernel.trends import MIN_TREND_YEARS

    if "few_years" not in result.warnings:
        return []
    years: Sequence[int] = result.years
    return [Notice("ehs.few_years", "warning", source=source, field=field, n=len(years),
                   years=", ".join(map(str, years)), minimum=MIN_TREND_YEARS)]


def category_counts(categories: Sequence[str], lang: str = "de") -> str:
    """``beständiger Hot Spot: 3, kein Muster: 40`` in the order of :data:`CATEGORY_WORDS`.

    Examples
    --------
    >>> category_counts(["none", "new", "none"])
    'neuer Hot Spot: 1, kein Muster: 2'
    """
    listed = list(categories)
    return ", ".join(f"{category_text(c, lang)}: {listed.count(c)}"
                     for c in CATEGORY_WORDS if c in listed)


define("ehs.keys",
       de="{source}: die Jahre müssen dieselben Gebiete in derselben Reihenfolge haben (ein "
       "Gebietsstand); {year} weicht ab bei {key}. Ältere Jahre zuerst mit einem "
       "Umsteigeschlüssel umrechnen.",
       en="{source}: the years must have the same areas in the same order (one "
       "Gebietsstand); {year} differs at {key}. Convert older years with a crosswalk first.")


def check_year_keys(keys: Mapping[int, Sequence[str]], source: str) -> list[int]:
    """The years (ascending) of per-year key lists that are one Gebietsstand.

    At least two years, and every year lists the same keys in the same order as the
    last one (else the year and the first differing key are named).

    Examples
    --------
    >>> check_year_keys({2023: ["a", "b"], 2022: ["a", "b"]}, "demo")
    [2022, 2023]
    >>> try:
    ...     check_year_keys({2022: ["a", "c"], 2023: ["a", "b"]}, "demo")
    ... except GeosozialError as exc:
    ...     print(exc.params["year"], exc.params["key"])
    2022 c
    """
    years = sorted(int(y) for y in keys)
    if len(years) < 2:
        raise GeosozialError("ehs.years", source=source, years=", ".join(map(str, years)))
    last = list(keys[years[-1]])
    for year in years:
        found = list(keys[year])
        if found != last:
            differing = next((a for a, b in zip(found, last, strict=False) if a != b),
                             (found + last)[min(len(found), len(last))])
            raise GeosozialError("ehs.keys", source=source, year=year, key=differing)
    return years


def year_in_name(name: str) -> int | None:
    """The last year (19xx/20xx standing alone) in a file or layer name.

    Examples
    --------
    >>> year_in_name("out/musterkreis_2022.gpkg"), year_in_name("gemeinden.gpkg")
    (2022, None)
    """
    import re

    found = re.findall(r"(?<!\d)(19\d\d|20\d\d)(?!\d)", str(name))
    return int(found[-1]) if found else None
