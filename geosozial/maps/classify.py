"""Class breaks for choropleth maps and German legend labels (numpy only).

Schemes: :func:`quantiles`, :func:`natural_breaks` (Fisher-Jenks, exact),
:func:`equal_interval`, :func:`manual` and, for change maps, :func:`diverging` (classes
symmetric around 0). Each returns a :class:`Classification`:
the class breaks as upper bounds (the last one is the maximum), a class index per
value (``-1`` for NaN, shown as "keine Daten") and notices. Class ``c`` holds the
values ``breaks[c-1] < v <= breaks[c]``, as in mapclassify. Values suppressed for
confidentiality are the caller's business (pass them as NaN or leave them out).
Maps of several years share their classes through :func:`common_breaks` (breaks of
the pooled values, then ``manual`` / ``diverging`` with those breaks for every year).

Labels use German number formatting by default: "bis 12,5", "12,5 bis 20,0",
"über 20,0"; English ("up to", "to", "over") on request; changes with signs
("−1,5 bis −0,5", "+0,5 bis +1,5").

Example:
    >>> import numpy as np
    >>> c = quantiles(np.array([1.0, 2, 3, 4, 5, 6, 7, 8, np.nan]), 4)
    >>> c.breaks, c.classes.tolist()
    ((2.75, 4.5, 6.25, 8.0), [0, 0, 1, 1, 2, 2, 3, 3, -1])
    >>> c.labels()
    ['bis 2,75', '2,75 bis 4,50', '4,50 bis 6,25', 'über 6,25']
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import numpy as np

from geosozial.core.messages import GeosozialError, Notice, define, get_language
from geosozial.core.number_format import number_text

define("classify.k", de="Die Zahl der Klassen muss eine ganze Zahl ab 2 sein, nicht {k}.",
       en="the number of classes must be a whole number of at least 2, not {k}.")
define("classify.no_data", de="Keine Werte zum Einteilen: alle Werte fehlen.",
       en="no values to classify: all values are missing.")
define("classify.infinite",
       de="{n} Werte sind unendlich (z. B. Division durch null); bitte als fehlend markieren.",
       en="{n} values are infinite (e.g. division by zero); mark them as missing.")
define("classify.constant",
       de="Alle Werte sind gleich ({value}); eine Einteilung in Klassen ist nicht möglich.",
       en="all values are equal ({value}); they cannot be divided into classes.")
define("classify.fewer_classes",
       de="Nur {k} statt {requested} Klassen: es gibt nur {unique} verschiedene Werte.",
       en="only {k} instead of {requested} classes: there are only {unique} distinct values.")
define("classify.ties",
       de="Nur {k} statt {requested} Klassen: viele gleiche Werte fallen auf dieselbe "
       "Klassengrenze.",
       en="only {k} instead of {requested} classes: many equal values fall on the same "
       "class break.")
define("classify.empty_classes",
       de="{n} Klasse(n) ohne Werte: {labels}.", en="{n} class(es) without values: {labels}.")
define("classify.missing", de="{n} Werte fehlen; sie erscheinen als „keine Daten“.",
       en="{n} values are missing; they appear as 'no data'.")
define("classify.breaks_invalid",
       de="Die Klassengrenzen müssen endliche, streng aufsteigende Zahlen sein: {breaks}.",
       en="class breaks must be finite, strictly increasing numbers: {breaks}.")
define("classify.above_breaks",
       de="{n} Werte liegen über der höchsten Klassengrenze {limit} (bis {maximum}); sie "
       "bilden eine zusätzliche Klasse „über {limit}“.",
       en="{n} values lie above the highest class break {limit} (up to {maximum}); they "
       "form an extra class 'over {limit}'.")
define("classify.diverging_odd",
       de="{k} statt {requested} Klassen: bei Veränderungen liegt die 0 in der mittleren "
       "Klasse, dafür braucht es eine ungerade Zahl von Klassen.",
       en="{k} instead of {requested} classes: for changes 0 lies in the middle class, "
       "which needs an odd number of classes.")
define("classify.unknown_scheme", de="Unbekanntes Klassifikationsverfahren {scheme}; "
       "möglich sind {schemes}.", en="unknown classification scheme {scheme}; use one of "
       "{schemes}.")

WORDS = {"de": ("bis", "bis", "über"), "en": ("up to", "to", "over")}
NO_DATA = {"de": "keine Daten", "en": "no data"}
#: Names of the schemes in legends and method notes.
SCHEME_NAMES = {
    "de": {"quantiles": "Quantile", "natural_breaks": "natürliche Klassen (Fisher-Jenks)",
           "equal_interval": "gleiche Abstände", "manual": "feste Grenzen",
           "diverging": "symmetrisch um 0"},
    "en": {"quantiles": "quantiles", "natural_breaks": "natural breaks (Fisher-Jenks)",
           "equal_interval": "equal intervals", "manual": "fixed breaks",
           "diverging": "symmetric around 0"},
}
#: The minus sign of signed legend labels (U+2212, not the hyphen).
MINUS = "\u2212"


@dataclass(frozen=True)
class Classification:
    """Class breaks (upper bounds), a class per value (-1 = no data) and notices.

    Example:
        >>> c = equal_interval(np.array([0.0, 1, 2, 10]), 2)
        >>> c.k, c.breaks, c.counts
        (2, (5.0, 10.0), (3, 1))
    """

    scheme: str
    breaks: tuple[float, ...]
    classes: np.ndarray = field(repr=False, compare=False)
    minimum: float
    k_requested: int
    notices: list[dict[str, Any]] = field(default_factory=list)
    signed: bool = False

    @property
    def k(self) -> int:
        """The number of classes."""
        return len(self.breaks)

    @property
    def counts(self) -> tuple[int, ...]:
        """Number of values per class."""
        valid = self.classes[self.classes >= 0]
        return tuple(int(n) for n in np.bincount(valid, minlength=self.k))

    def labels(self, digits: int | None = None, lang: str | None = None) -> list[str]:
        """Legend labels, e.g. ``['bis 5,0', 'über 5,0']`` (see :func:`class_labels`);
        with signs (``'+0,5 bis +1,5'``) for the ``diverging`` scheme."""
        return class_labels(self.breaks, digits, lang, minimum=self.minimum,
                            signed=self.signed)


# --- numbers and labels ----------------------------------------------------------------


def format_number(value: float, digits: int = 1, lang: str | None = None) -> str:
    """A number with German (default) or English grouping and decimal marks.

    Example:
        >>> format_number(1234.5, 1), format_number(-0.04, 1), format_number(1234.5, 2, "en")
        ('1.234,5', '0,0', '1,234.50')
    """
    lang = lang or get_language()
    text = number_text(value, max(0, int(digits)), "en" if lang == "en" else "de")
    return NO_DATA.get(lang, NO_DATA["de"]) if text is None else text


def signed_number(value: float, digits: int = 1, lang: str | None = None) -> str:
    """A change with its sign: ``+1,5``, ``−0,5`` (U+2212), ``0,0`` (no sign for zero).

    The sign follows the number as shown: -0.04 with 1 decimal is ``0,0``.

    Example:
        >>> signed_number(1.5), signed_number(-0.5), signed_number(-0.04), signed_number(2, 0, "en")
        ('+1,5', '−0,5', '0,0', '+2')
    """
    text = format_number(value, digits, lang)
    if text.startswith("-"):
        return MINUS + text[1:]
    return "+" + text if any(c in "123456789" for c in text) else text


def scheme_name(scheme: str, lang: str | None = None) -> str:
    """The name of a classification scheme for legends and notes.

    Example:
        >>> scheme_name("quantiles"), scheme_name("diverging", "en")
        ('Quantile', 'symmetric around 0')
    """
    names = SCHEME_NAMES["en" if (lang or get_language()) == "en" else "de"]
    return names.get(scheme, scheme.replace("_", " "))


def label_digits(breaks: Sequence[float]) -> int:
    """Decimals for legend numbers: exact for short decimals, distinct in any case.

    Whole numbers and numbers from 1,000 get 0 decimals, others 1 (2 below 1), more
    if a break has up to 3 decimals (2.75 is shown as 2,75) or two breaks would look
    the same (up to 6).

    Example:
        >>> label_digits([10, 20, 35]), label_digits([2.5, 7.25]), label_digits([0.012, 0.015])
        (0, 2, 3)
    """
    values = np.asarray(breaks, dtype=float)
    top = float(np.max(np.abs(values))) if len(values) else 0.0
    whole = bool(np.all(values == np.round(values)))
    digits = 0 if whole or top >= 1000 else (1 if top >= 1 else 2)
    if not whole:  # short decimals are shown exactly, whatever the magnitude
        for exact in range(digits, 4):
            if np.allclose(np.round(values, exact), values, rtol=1e-12, atol=1e-12):
                digits = exact
                break
    while digits < 6 and len(values) > 1:
        if np.all(np.diff(np.round(values, digits)) > 0):
            break
        digits += 1
    return digits


def shown_digits(values: Any, classes: Any, breaks: Sequence[float], value_digits: int,
                 label_digits_: int | None = None) -> tuple[int, int]:
    """Decimals for values and legend so that every shown value visibly lies in its class.

    With 1 decimal, 50,18 (class "bis 50,21") and 50,24 (class "50,21 bis 50,4") are
    both shown as 50,2 but labelled "bis 50,2" and "50,2 bis 50,4": a reader sees 50,2
    in two classes. Starting from ``value_digits`` and :func:`label_digits`, both grow
    together (to at most 6) until each value, rounded as shown, is above its class's
    rounded lower bound and at most its rounded upper bound.

    Parameters
    ----------
    values : array-like
        The mapped values (NaN: no data).
    classes : array-like
        Their classes (-1: no data), as :class:`Classification`.
    breaks : sequence of float
        Upper bounds of the classes.
    value_digits, label_digits_ : int
        The decimals wanted for values and labels (labels: :func:`label_digits`).

    Returns
    -------
    tuple of (int, int)
        Decimals for values and for legend labels.

    Examples
    --------
    >>> shown_digits([50.18, 50.24, 50.38], [0, 1, 1], [50.21, 50.4], 1)
    (2, 2)
    >>> shown_digits([1.0, 7.0], [0, 1], [5.0, 7.0], 1)
    (1, 0)
    """
    y = np.asarray(values, dtype=float)
    c = np.asarray(classes, dtype=np.int64)
    b = np.asarray(breaks, dtype=float)
    ok = (c >= 0) & ~np.isnan(y)
    y, c = y[ok], c[ok]
    v_d = int(value_digits)
    l_d = label_digits(b) if label_digits_ is None else int(label_digits_)
    if not len(b) or not len(y):
        return v_d, l_d
    while True:
        shown = np.round(y, v_d)
        upper = np.round(b, l_d)[c]
        lower = np.where(c > 0, np.round(b, l_d)[np.maximum(c - 1, 0)], -np.inf)
        if np.all((shown <= upper + 1e-12) & (shown > lower + 1e-12)) or max(v_d, l_d) >= 6:
            return v_d, l_d
        v_d = l_d = max(v_d, l_d) if v_d != l_d else v_d + 1


def class_labels(breaks: Sequence[float], digits: int | None = None, lang: str | None = None,
                 *, minimum: float | None = None, signed: bool = False) -> list[str]:
    """Legend labels for upper-bound breaks: "bis a", "a bis b", …, "über y".

    A single class is labelled "minimum bis maximum". ``signed`` writes changes with
    their sign: "+0,5", "−0,5" (minus sign U+2212), "0,0" without a sign.

    Example:
        >>> class_labels([12.5, 20.0, 31.0])
        ['bis 12,5', '12,5 bis 20,0', 'über 20,0']
        >>> class_labels([12.5, 20.0, 31.0], lang="en")
        ['up to 12.5', '12.5 to 20.0', 'over 20.0']
        >>> class_labels([-0.5, 0.5, 1.5], signed=True)
        ['bis −0,5', '−0,5 bis +0,5', 'über +0,5']
    """
    lang = lang or get_language()
    upto, to, over = WORDS.get(lang, WORDS["de"])
    breaks = [float(b) for b in breaks]
    if minimum is not None and math.isnan(minimum):
        minimum = None
    if digits is None:
        single = len(breaks) == 1 and minimum is not None
        digits = label_digits([minimum, *breaks] if single else breaks)

    def fmt(v: float) -> str:
        return signed_number(v, digits, lang) if signed else format_number(v, digits, lang)

    if len(breaks) == 1:
        low = breaks[0] if minimum is None else minimum
        return [f"{fmt(low)} {to} {fmt(breaks[0])}"]
    labels = [f"{upto} {fmt(breaks[0])}"]
    labels += [f"{fmt(lo)} {to} {fmt(hi)}" for lo, hi in pairwise(breaks[:-1])]
    labels.append(f"{over} {fmt(breaks[-2])}")
    return labels


# --- schemes -----------------------------------------------------------------------------


def quantiles(values: Any, k: int = 5) -> Classification:
    """Quantile classes: about the same number of values per class.

    Breaks are the ``100*c/k`` percentiles (linear interpolation, as mapclassify);
    repeated breaks from tied values are merged and reported. With no more than ``k``
    distinct values, each value is a class of its own.

    Example:
        >>> quantiles(np.array([1.0, 1, 1, 1, 2, 3, 4]), 3).breaks
        (1.0, 2.0, 4.0)
        >>> quantiles(np.array([1.0, 1, 1, 1, 2, 3, 4]), 6).breaks  # 4 values, 4 classes
        (1.0, 2.0, 3.0, 4.0)
    """
    y, prep = _prepare(values, k)
    finite = y[~np.isnan(y)]
    notices = prep.notices
    if prep.unique <= k:  # one class per distinct value
        breaks = np.unique(finite)
        if prep.unique < k:
            notices.append(Notice("classify.fewer_classes", "warning", k=len(breaks),
                                  requested=k, unique=prep.unique))
        return _result("quantiles", y, breaks, k, notices)
    raw = np.percentile(finite, 100.0 * np.arange(1, k + 1) / k)
    raw[-1] = finite.max()
    breaks = np.unique(raw)
    if len(breaks) < k:
        notices.append(Notice("classify.ties", "warning", k=len(breaks), requested=k,
                              unique=prep.unique))
    return _result("quantiles", y, breaks, k, notices)


def equal_interval(values: Any, k: int = 5) -> Classification:
    """Classes of equal width between minimum and maximum.

    Example:
        >>> equal_interval(np.array([0.0, 3, 4, 10]), 4).breaks
        (2.5, 5.0, 7.5, 10.0)
    """
    y, prep = _prepare(values, k)
    low, high = float(np.nanmin(y)), float(np.nanmax(y))
    width = (high - low) / k
    breaks = low + width * np.arange(1, k + 1)
    breaks[-1] = high
    return _result("equal_interval", y, breaks, k, prep.notices)


def natural_breaks(values: Any, k: int = 5) -> Classification:
    """Fisher-Jenks natural breaks: the exact partition with least within-class variance.

    Dynamic programming over the distinct values (weighted by how often they occur),
    with the divide-and-conquer optimisation that the monotone split points of 1-D
    k-means allow: O(k n log n) for n distinct values, exact for any n.

    Example:
        >>> natural_breaks(np.array([1.0, 2, 3, 10, 11, 12, 30]), 3).breaks
        (3.0, 12.0, 30.0)
    """
    y, prep = _prepare(values, k)
    unique, weights = np.unique(y[~np.isnan(y)], return_counts=True)
    notices = prep.notices
    kk = min(k, len(unique))
    if kk < k:
        notices.append(Notice("classify.fewer_classes", "warning", k=kk, requested=k,
                              unique=len(unique)))
    ends = fisher_jenks(unique, weights, kk)
    return _result("natural_breaks", y, unique[ends - 1], k, notices)


def manual(values: Any, breaks: Sequence[float], *, signed: bool = False) -> Classification:
    """User-defined upper class limits; values above the last one get an extra class.

    Fixed limits need no spread in the data: equal values, and even values that are all
    missing (class -1 everywhere), are classified, so that the maps of several years can
    share the classes of :func:`common_breaks`. ``signed`` labels the classes of a change
    map with signs (scheme ``"diverging"``, as :func:`diverging`).

    Example:
        >>> c = manual(np.array([1.0, 5, 12, 25]), [10, 20])
        >>> c.breaks, c.classes.tolist(), c.notices[0]["code"]
        ((10.0, 20.0, 25.0), [0, 0, 1, 2], 'classify.above_breaks')
        >>> manual(np.array([3.0, 3.0]), [2, 4]).classes.tolist()
        [1, 1]
    """
    limits = np.asarray(list(breaks), dtype=float)
    text = ", ".join(format_number(b, label_digits(limits)) for b in limits) if len(limits) \
        else "—"
    if len(limits) == 0 or not np.all(np.isfinite(limits)) or np.any(np.diff(limits) <= 0):
        raise GeosozialError("classify.breaks_invalid", breaks=text)
    y, prep = _prepare(values, 2, strict=False)
    notices = prep.notices
    high = float(np.nanmax(y)) if prep.unique else -math.inf
    if high > limits[-1]:
        above = int(np.count_nonzero(y > limits[-1]))
        digits = label_digits([*limits, high])
        notices.append(Notice("classify.above_breaks", "info", n=above,
                              limit=format_number(limits[-1], digits),
                              maximum=format_number(high, digits)))
        limits = np.append(limits, high)
    return _result("diverging" if signed else "manual", y, limits, len(limits), notices,
                   signed=signed)


def diverging(values: Any, k: int = 5) -> Classification:
    """Classes symmetric around 0 for changes (differences, percentage points).

    The classes have equal width ``2 m / k`` and cover ``-m`` to ``m``, where ``m`` is
    the largest absolute value; ``k`` is odd, so the middle class ``-m/k`` to ``m/k``
    holds 0 ("little change"); an even ``k`` becomes ``k + 1`` (reported). The breaks
    are exactly symmetric (break ``c`` is minus break ``k - 2 - c``), so equal colour
    intensity means the same size of change in both directions, and a decrease and an
    increase of the same size are never in classes of different width. Equal widths
    (not quantiles) keep the classes readable as amounts of change; one extreme change
    widens all classes, which the legend counts show. Labels carry signs
    ("−1,5 bis −0,5", "+0,5 bis +1,5"). Draw it with a diverging palette turned round
    (:data:`geosozial.maps.palettes.CHANGE_PALETTE`: decrease blue, increase red), e.g.
    ``choropleth_layer(values, scheme="diverging", palette_name="RdBu", reverse=True)``.

    Parameters
    ----------
    values : array-like
        The changes (NaN: no data); not all equal.
    k : int
        Number of classes (odd; at least 3 after rounding up).

    Returns
    -------
    Classification
        Scheme ``"diverging"`` with signed labels.

    Examples
    --------
    >>> c = diverging(np.array([-2.5, -1.0, 0.2, 0.4, 1.0, 2.0]), 5)
    >>> c.breaks, c.classes.tolist()
    ((-1.5, -0.5, 0.5, 1.5, 2.5), [0, 1, 2, 2, 3, 4])
    >>> c.labels()
    ['bis −1,5', '−1,5 bis −0,5', '−0,5 bis +0,5', '+0,5 bis +1,5', 'über +1,5']
    """
    y, prep = _prepare(values, k)
    notices = prep.notices
    kk = int(k) if k % 2 else int(k) + 1
    if kk != k:
        notices.append(Notice("classify.diverging_odd", "info", k=kk, requested=k))
    m = float(np.nanmax(np.abs(y)))
    half = kk // 2
    upper = m * (2 * np.arange(half + 1) + 1) / kk   # m/k, 3m/k, ..., m
    upper[-1] = m
    breaks = np.r_[-upper[:half][::-1], upper]
    return _result("diverging", y, breaks, k, notices, signed=True)


SCHEMES = {"quantiles": quantiles, "natural_breaks": natural_breaks,
           "equal_interval": equal_interval, "diverging": diverging}


def classify(values: Any, scheme: str = "quantiles", k: int = 5,
             breaks: Sequence[float] | None = None) -> Classification:
    """Classify with a scheme by name; ``scheme="manual"`` uses ``breaks``.

    ``scheme="diverging"`` with ``breaks`` uses those breaks (e.g. the common breaks of
    several years) with signed labels; without, :func:`diverging`.

    Example:
        >>> classify(np.array([1.0, 2, 3, 4]), "equal_interval", 2).breaks
        (2.5, 4.0)
        >>> classify(np.array([-1.0, 0.2]), "diverging", breaks=[-0.5, 0.5, 1.5]).labels()
        ['bis −0,5', '−0,5 bis +0,5', 'über +0,5']
    """
    if scheme == "manual":
        return manual(values, breaks if breaks is not None else [])
    if scheme == "diverging" and breaks is not None:
        return manual(values, breaks, signed=True)
    if scheme not in SCHEMES:
        raise GeosozialError("classify.unknown_scheme", scheme=scheme,
                             schemes=", ".join([*SCHEMES, "manual"]))
    return SCHEMES[scheme](values, k)


def common_breaks(arrays: Iterable[Any], scheme: str = "quantiles", k: int = 5,
                  breaks: Sequence[float] | None = None) -> tuple[float, ...]:
    """Class breaks shared by several maps (years): computed once over the pooled values.

    The values of all arrays are put together (NaN ignored) and classified with
    ``scheme`` as :func:`classify` does; the breaks returned classify every single array
    with ``classify(values, "manual", breaks=...)`` (``"diverging"`` for a change map)
    into the same classes: the same value gets the same class in every year, and the
    last break is the largest pooled value, so no array gets an extra class. With
    ``scheme="manual"`` the given ``breaks`` are used (extended once by the pooled
    maximum when values lie above them).

    Parameters
    ----------
    arrays : iterable of array-like
        The values of each year (any lengths).
    scheme : str
        ``"quantiles"``, ``"natural_breaks"``, ``"equal_interval"``, ``"diverging"`` or
        ``"manual"``.
    k : int
        Number of classes.
    breaks : sequence of float, optional
        Fixed upper class limits for ``scheme="manual"`` (or ``"diverging"``).

    Returns
    -------
    tuple of float
        Upper bounds of the classes, ascending.

    Raises
    ------
    GeosozialError
        When the pooled values cannot be classified (all missing, all equal).

    Examples
    --------
    >>> y2021, y2023 = np.array([1.0, 2, 3, np.nan]), np.array([4.0, 5, 6, 7])
    >>> shared = common_breaks([y2021, y2023], "equal_interval", 3)
    >>> shared
    (3.0, 5.0, 7.0)
    >>> classify(y2021, "manual", breaks=shared).classes.tolist()
    [0, 0, 0, -1]
    >>> classify(y2023, "manual", breaks=shared).classes.tolist()
    [1, 1, 2, 2]
    """
    parts = [np.asarray(a, dtype=float).reshape(-1) for a in arrays]
    pooled = np.concatenate(parts) if parts else np.empty(0)
    return classify(pooled, scheme, k, breaks).breaks


# --- Fisher-Jenks ------------------------------------------------------------------------


def fisher_jenks(values: np.ndarray, weights: np.ndarray | None, k: int) -> np.ndarray:
    """End positions (exclusive) of the ``k`` optimal classes of sorted ``values``.

    Minimises the weighted sum of squared deviations from the class means. ``values``
    must be sorted ascending (distinct values with ``weights`` = their counts).

    Example:
        >>> fisher_jenks(np.array([1.0, 2, 10, 11, 30]), None, 3).tolist()
        [2, 4, 5]
    """
    x = np.asarray(values, dtype=float)
    n = len(x)
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    if not 1 <= k <= n:
        raise ValueError(f"k must be between 1 and {n}")
    # centre and scale: the argmin is unchanged, the prefix sums lose less precision
    mean = np.average(x, weights=w)
    scale = float(np.max(np.abs(x - mean))) or 1.0
    z = (x - mean) / scale
    cw = np.r_[0.0, np.cumsum(w)]
    c1 = np.r_[0.0, np.cumsum(w * z)]
    c2 = np.r_[0.0, np.cumsum(w * z * z)]

    def cost(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Weighted SSD of values a..b-1."""
        s = c1[b] - c1[a]
        return np.maximum(c2[b] - c2[a] - s * s / (cw[b] - cw[a]), 0.0)

    ends = np.arange(n + 1)
    prev = np.full(n + 1, np.inf)
    prev[1:] = cost(np.zeros(n, dtype=np.int64), ends[1:])
    split = np.zeros((k + 1, n + 1), dtype=np.int64)
    for j in range(2, k + 1):
        prev, split[j] = _layer(prev, j, n, cost)
    bounds = [n]
    for j in range(k, 1, -1):
        bounds.append(int(split[j][bounds[-1]]))
    return np.array(bounds[::-1], dtype=np.int64)


def _layer(prev: np.ndarray, j: int, n: int, cost: Any) -> tuple[np.ndarray, np.ndarray]:
    """One DP layer: best cost of the first i values in j classes, for all i >= j.

    Divide and conquer on i (the optimal split is monotone in i), breadth first so
    that each recursion level is one vectorised step.
    """
    best = np.full(n + 1, np.inf)
    arg = np.zeros(n + 1, dtype=np.int64)
    # nodes: targets i_lo..i_hi, candidate splits m_lo..m_hi (last class = values m..i-1)
    i_lo, i_hi = np.array([j]), np.array([n])
    m_lo, m_hi = np.array([j - 1]), np.array([n - 1])
    while len(i_lo):
        mid = (i_lo + i_hi) // 2
        lo = np.maximum(m_lo, j - 1)
        hi = np.minimum(m_hi, mid - 1)
        length = hi - lo + 1
        node = np.repeat(np.arange(len(mid)), length)
        offset = np.arange(len(node)) - np.repeat(np.cumsum(length) - length, length)
        m = lo[node] + offset
        value = prev[m] + cost(m, mid[node])
        first = np.cumsum(length) - length
        minimum = np.minimum.reduceat(value, first)
        hit = np.flatnonzero(value <= minimum[node])
        _, first_hit = np.unique(node[hit], return_index=True)
        choice = m[hit[first_hit]]
        best[mid], arg[mid] = minimum, choice
        left = i_lo <= mid - 1
        right = mid + 1 <= i_hi
        i_lo, i_hi, m_lo, m_hi = (
            np.r_[i_lo[left], mid[right] + 1], np.r_[mid[left] - 1, i_hi[right]],
            np.r_[m_lo[left], choice[right]], np.r_[choice[left], m_hi[right]])
    return best, arg


# --- shared ------------------------------------------------------------------------------


@dataclass
class _Prepared:
    unique: int
    notices: list[Notice]


def _prepare(values: Any, k: int, strict: bool = True) -> tuple[np.ndarray, _Prepared]:
    """Checked values; ``strict``: at least two distinct values (fixed breaks need none)."""
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 2:
        raise GeosozialError("classify.k", k=k)
    y = np.asarray(values, dtype=float).reshape(-1)
    infinite = np.isinf(y)
    if infinite.any():
        raise GeosozialError("classify.infinite", n=int(infinite.sum()))
    missing = np.isnan(y)
    if missing.all() and strict:
        raise GeosozialError("classify.no_data")
    finite = y[~missing]
    unique = len(np.unique(finite))
    if unique == 1 and strict:
        raise GeosozialError("classify.constant",
                             value=format_number(finite[0], label_digits(finite[:1])))
    notices = []
    if missing.any():
        notices.append(Notice("classify.missing", "info", n=int(missing.sum())))
    return y, _Prepared(unique, notices)


def _result(scheme: str, y: np.ndarray, breaks: np.ndarray, k: int,
            notices: list[Notice], signed: bool = False) -> Classification:
    breaks = np.asarray(breaks, dtype=float)
    classes = np.full(len(y), -1, dtype=np.int64)
    present = ~np.isnan(y)
    classes[present] = np.searchsorted(breaks, y[present], side="left")
    minimum = float(np.min(y[present])) if present.any() else math.nan
    counts = np.bincount(classes[present], minlength=len(breaks))
    empty = np.flatnonzero(counts == 0)
    if len(empty):
        labels = class_labels(breaks, minimum=minimum, signed=signed)
        notices.append(Notice("classify.empty_classes", "info", n=len(empty),
                              labels=", ".join(labels[i] for i in empty)))
    return Classification(scheme=scheme, breaks=tuple(float(b) for b in breaks),
                          classes=classes, minimum=minimum, k_requested=int(k),
                          notices=[n.as_dict() for n in notices], signed=signed)
