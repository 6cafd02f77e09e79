"""Map layers from values and result columns: choropleth, LISA, Gi*, significance.

Each builder turns plain arrays (values, flags, result columns of DESIGN.md) into a
:class:`~geosozial.maps.html.MapLayer`: classes in legend order with the DESIGN
colours and German labels, ``-1`` for "keine Daten" and ``-2`` for "geheim gehalten"
(flag ``geheim``). Suppressed values never reach the layer. No geopandas here: the
QGIS plugin calls these with arrays read from a QGIS layer.

Example:
    >>> layer = choropleth_layer([1.0, 2.0, 3.0, None], id="q", label="Quote", unit="%",
    ...                          scheme="equal_interval", k=3)
    >>> [c.label for c in layer.classes], list(layer.class_of)
    (['bis 1,7', '1,7 bis 2,3', 'über 2,3'], [0, 1, 2, -1])
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from geosozial.core.messages import GeosozialError, define
from geosozial.core.symbols import CONFIDENTIAL_FLAGS, flag_text
from geosozial.maps.classify import Classification, classify, shown_digits
from geosozial.maps.html import Column, LegendClass, MapLayer
from geosozial.maps.palettes import (
    GEARY_CLASSES,
    GEARY_COLOURS,
    GI_BINS,
    GI_COLOURS,
    JOIN_CLASSES,
    JOIN_COLOURS,
    LISA_CLASSES,
    LISA_COLOURS,
    class_label,
    gi_label,
    lisa_label,
    palette,
)

define("maps.layers.cluster",
       de="Ebene {layer}: LISA-Klasse {value!r} an Position {index} unbekannt; möglich: "
       "{known}.",
       en="layer {layer}: LISA class {value!r} at position {index} is unknown; possible: "
       "{known}.")
define("maps.layers.bin",
       de="Ebene {layer}: Gi*-Klasse {value!r} an Position {index} unbekannt; möglich: "
       "-3 bis 3.",
       en="layer {layer}: Gi* bin {value!r} at position {index} is unknown; possible: -3 to 3.")
define("maps.layers.length",
       de="Ebene {layer}: {what} hat {got} Einträge statt {n}.",
       en="layer {layer}: {what} has {got} entries instead of {n}.")

#: Significance classes: upper p limit, colour (ColorBrewer Greens), label.
SIGNIFICANCE_LEVELS = ((0.001, "#006d2c"), (0.01, "#31a354"), (0.05, "#a1d99b"))
#: ... and the 90 % level of the Gi* bins (or an alpha above 0.05)
LEVEL_010 = (0.10, "#e5f5e0")
NOT_SIGNIFICANT_COLOUR = LISA_COLOURS["ns"]
ISOLATED_COLOUR = LISA_COLOURS["isolated"]

_SIG_WORDS = {"de": ("nicht signifikant", "ohne Nachbarn (isoliert)", "Pseudo-p-Wert"),
              "en": ("not significant", "no neighbours (isolated)", "pseudo p-value")}
#: correction -> (symbol in the legend, value label) per language
_SIG_MEASURE = {
    "de": {"fdr": ("q", "q-Wert (FDR-korrigiertes p)"),
           "bonferroni": ("p·n", "p-Wert × Anzahl Tests (Bonferroni)"),
           "none": ("p", "Pseudo-p-Wert (unkorrigiert)")},
    "en": {"fdr": ("q", "q-value (FDR-adjusted p)"),
           "bonferroni": ("p·n", "p-value × number of tests (Bonferroni)"),
           "none": ("p", "pseudo p-value (uncorrected)")},
}

define("maps.layer.classes", de="Feld {field} ({label}): {problem}",
       en="field {field} ({label}): {problem}")


def choropleth_layer(
    values: Sequence[Any],
    *,
    id: str,
    label: str,
    unit: str = "",
    flags: Sequence[str] | None = None,
    scheme: str = "quantiles",
    k: int = 5,
    breaks: Sequence[float] | None = None,
    palette_name: str = "YlOrRd",
    reverse: bool = False,
    digits: int = 1,
    note: str = "",
    lang: str = "de",
) -> MapLayer:
    """A classed choropleth layer (quantiles, natural breaks, equal interval, manual).

    Areas flagged ``geheim`` (or with the official confidentiality symbols ``.`` and the
    BA's ``*``) are "geheim gehalten" (their value is left out), other missing values
    "keine Daten". The palette is a ColorBrewer palette at the number of
    classes the scheme produced (fewer than ``k`` for tied values: reported in the
    layer's notices, see :func:`choropleth_classification`).

    Example:
        >>> layer = choropleth_layer([5.0, 7.0, 9.0, 11.0], id="x", label="X", k=2,
        ...                          flags=["", "", "geheim", ""])
        >>> list(layer.class_of), layer.values[2]
        ([0, 0, -2, 1], None)
    """
    y, suppressed = _values_and_suppressed(values, flags, id)
    try:
        classification = choropleth_classification(y, scheme=scheme, k=k, breaks=breaks)
    except GeosozialError as exc:  # name the field: "Feld quote: alle Werte sind gleich"
        raise GeosozialError("maps.layer.classes", field=id, label=label,
                             problem=exc.text()) from exc
    colours = class_colours(palette_name, classification.k, reverse=reverse)
    digits, label_d = shown_digits(y, classification.classes, classification.breaks, digits)
    labels = classification.labels(digits=label_d, lang=lang)
    cls = classification.classes.copy()
    cls[suppressed] = -2
    shown = [None if (s or math.isnan(v)) else float(v) for v, s in zip(y, suppressed,
                                                                       strict=True)]
    return MapLayer(id=id, label=label, unit=unit, kind="choropleth",
                    classes=[LegendClass(lab, col) for lab, col in zip(labels, colours,
                                                                       strict=True)],
                    class_of=[int(c) for c in cls], values=shown,
                    flags=_flag_texts(flags, len(y), lang), digits=digits, note=note)


def choropleth_classification(values: np.ndarray, *, scheme: str = "quantiles", k: int = 5,
                              breaks: Sequence[float] | None = None) -> Classification:
    """The classification of a choropleth (missing values as NaN get class -1).

    Example:
        >>> choropleth_classification(np.array([1.0, 2, 3, 4]), scheme="quantiles", k=2).breaks
        (2.5, 4.0)
    """
    return classify(values, scheme, k, breaks)


def class_colours(name: str, k: int, *, reverse: bool = False) -> list[str]:
    """``k`` colours of a ColorBrewer palette; below its smallest class count, the
    first, middle or outer colours of the 3-class palette.

    Example:
        >>> class_colours("Reds", 2), class_colours("Reds", 3)
        (['#fee0d2', '#de2d26'], ['#fee0d2', '#fc9272', '#de2d26'])
    """
    if k >= 3:
        return palette(name, k, reverse=reverse)
    three = palette(name, 3, reverse=reverse)
    return [three[0], three[2]] if k == 2 else [three[1]]


def lisa_layer(
    clusters: Sequence[Any],
    *,
    id: str,
    label: str,
    values: Sequence[Any] | None = None,
    lisa_i: Sequence[Any] | None = None,
    lisa_z: Sequence[Any] | None = None,
    lisa_p: Sequence[Any] | None = None,
    lisa_q: Sequence[Any] | None = None,
    unit: str = "",
    digits: int = 1,
    note: str = "",
    value_label: str = "",
    lang: str = "de",
) -> MapLayer:
    """A LISA cluster layer: HH, LL, LH, HL, ns, isolated in GeoDa colours.

    ``clusters`` holds the ``lisa_cluster`` codes; None or "" (area not analysed) is
    "keine Daten". ``values`` (the analysed field) and the result columns go into
    tooltip and table, the q-value (``lisa_q``) beside the class.

    Example:
        >>> layer = lisa_layer(["HH", "ns", None], id="l", label="Cluster")
        >>> [c.label for c in layer.classes][:2], list(layer.class_of)
        (['Hoch-Hoch (HH)', 'Niedrig-Niedrig (LL)'], [0, 4, -1])
    """
    n = len(clusters)
    cls = []
    for i, code in enumerate(clusters):
        if code is None or (isinstance(code, float) and math.isnan(code)) or code == "":
            cls.append(-1)
        elif code in LISA_CLASSES:
            cls.append(LISA_CLASSES.index(code))
        else:
            raise GeosozialError("maps.layers.cluster", layer=id, value=code, index=i,
                                 known=", ".join(LISA_CLASSES))
    columns = _columns(id, n, (("lisa_I", lisa_i, 3), ("lisa_z", lisa_z, 2),
                               ("lisa_p", lisa_p, 4), ("lisa_q", lisa_q, 4)))
    columns.append(Column("lisa_cluster", [None if c < 0 else LISA_CLASSES[c] for c in cls]))
    return MapLayer(id=id, label=label, unit=unit, kind="lisa",
                    classes=[LegendClass(lisa_label(c, lang), LISA_COLOURS[c])
                             for c in LISA_CLASSES],
                    class_of=cls, values=_numbers(values, n, id, "values"), digits=digits,
                    columns=columns, note=note, value_label=value_label)


def gi_layer(
    bins: Sequence[Any],
    *,
    id: str,
    label: str,
    values: Sequence[Any] | None = None,
    gi_z: Sequence[Any] | None = None,
    gi_p: Sequence[Any] | None = None,
    gi_q: Sequence[Any] | None = None,
    unit: str = "",
    digits: int = 1,
    note: str = "",
    value_label: str = "",
    lang: str = "de",
) -> MapLayer:
    """A Gi* hot-spot layer: 7 bins from "Hot Spot 99 %" to "Cold Spot 99 %".

    Example:
        >>> layer = gi_layer([3, 0, -1, None], id="g", label="Hot Spots")
        >>> list(layer.class_of), layer.classes[0].colour
        ([0, 3, 4, -1], '#D62F27')
    """
    n = len(bins)
    cls = []
    for i, value in enumerate(bins):
        if value is None or (isinstance(value, float) and math.isnan(value)):
            cls.append(-1)
            continue
        b = int(value) if float(value) == int(value) else None
        if b not in GI_BINS:
            raise GeosozialError("maps.layers.bin", layer=id, value=value, index=i)
        cls.append(GI_BINS.index(b))
    columns = _columns(id, n, (("gi_z", gi_z, 2), ("gi_p", gi_p, 4), ("gi_q", gi_q, 4)))
    columns.append(Column("gi_bin", [None if c < 0 else GI_BINS[c] for c in cls], digits=0))
    return MapLayer(id=id, label=label, unit=unit, kind="gi",
                    classes=[LegendClass(gi_label(b, lang), GI_COLOURS[b]) for b in GI_BINS],
                    class_of=cls, values=_numbers(values, n, id, "values"), digits=digits,
                    columns=columns, note=note, value_label=value_label)


def class_layer(
    kind: str,
    clusters: Sequence[Any],
    *,
    id: str,
    label: str,
    columns: Sequence[tuple[str, Sequence[Any] | None, int]] = (),
    values: Sequence[Any] | None = None,
    unit: str = "",
    digits: int = 1,
    note: str = "",
    value_label: str = "",
    lang: str = "de",
    multivariate: bool = False,
) -> MapLayer:
    """A local Geary (``kind="geary"``) or join-count / quantile LISA
    (``kind="joincount"``) layer in GeoDa's colours.

    ``clusters`` holds the class codes of :mod:`geosozial.kernel.local_more`
    (``High-High``, ..., ``Negative``; ``cluster``; ``ns``, ``isolated``); None or ""
    is "keine Daten". ``columns`` are (name, values, digits) of the result columns
    (``geary_c``, ``geary_q``, ...), shown in tooltip and table before the class. The
    legend lists the classes of the statistic (the multivariate local Geary,
    ``multivariate=True``, has Positive / Negative only) and ``isolated`` if it occurs.

    Example:
        >>> layer = class_layer("joincount", ["cluster", "ns", None], id="j", label="JC")
        >>> [c.label for c in layer.classes], list(layer.class_of)
        (['Cluster (Häufung)', 'nicht signifikant'], [0, 1, -1])
    """
    known, colours = ((GEARY_CLASSES, GEARY_COLOURS) if kind == "geary"
                      else (JOIN_CLASSES, JOIN_COLOURS))
    present = {c for c in clusters if isinstance(c, str) and c}
    for i, code in enumerate(clusters):
        if isinstance(code, str) and code and code not in known:
            raise GeosozialError("maps.layers.cluster", layer=id, value=code, index=i,
                                 known=", ".join(known))
    if kind == "geary" and (multivariate or "Positive" in present):
        wanted = ("Positive", "Negative", "ns")
    elif kind == "geary":
        wanted = ("High-High", "Low-Low", "Other positive", "Negative", "ns")
    else:
        wanted = ("cluster", "ns")
    shown = [c for c in known if c in wanted or c in present]
    n = len(clusters)
    cls = [shown.index(c) if isinstance(c, str) and c in shown else -1 for c in clusters]
    cols = _columns(id, n, tuple(columns))
    cols.append(Column(f"{'geary' if kind == 'geary' else 'jc'}_cluster",
                       [None if c < 0 else shown[c] for c in cls]))
    return MapLayer(id=id, label=label, unit=unit, kind=kind,
                    classes=[LegendClass(class_label(c, lang), colours[c]) for c in shown],
                    class_of=cls, values=_numbers(values, n, id, "values"), digits=digits,
                    columns=cols, note=note, value_label=value_label)


def significance_layer(
    p: Sequence[Any],
    significant: Sequence[bool],
    *,
    id: str,
    label: str,
    isolated: Sequence[bool] | None = None,
    note: str = "",
    lang: str = "de",
    correction: str = "none",
    levels: Sequence[float] = (0.001, 0.01, 0.05),
) -> MapLayer:
    """A significance map: the corrected p of the areas that are significant.

    ``p`` is the p that the correction compares with alpha
    (:func:`geosozial.core.results.adjusted_p`: the q-value under FDR, ``p·n`` under
    Bonferroni, the pseudo p without correction), so that an area in class
    "q ≤ 0,01" is significant at 0,01 after the correction. ``significant`` comes from
    the corrected result (a cluster other than ns and isolated, a Gi* bin other than 0),
    so the map never shows more than the cluster map. Classes at ``levels`` (default
    0,001 / 0,01 / 0,05; add 0,1 for the Gi* 90 % bins), ColorBrewer Greens.

    Example:
        >>> layer = significance_layer([0.0005, 0.03, 0.04, None], [True, True, False, False],
        ...                            id="s", label="Signifikanz")
        >>> [c.label for c in layer.classes], list(layer.class_of)
        (['p ≤ 0,001', 'p ≤ 0,01', 'p ≤ 0,05', 'nicht signifikant'], [0, 2, 3, -1])
    """
    n = len(p)
    ps = _numbers(p, n, id, "p")
    sig = _booleans(significant, n, id, "significant")
    iso = _booleans(isolated, n, id, "isolated") if isolated is not None else [False] * n
    words = _SIG_WORDS["en" if lang == "en" else "de"]
    symbol, value_label = _SIG_MEASURE["en" if lang == "en" else "de"].get(
        correction, _SIG_MEASURE["de"]["none"])
    palette_of = dict((*SIGNIFICANCE_LEVELS, LEVEL_010))
    limits = sorted(float(v) for v in levels)
    classes = [LegendClass(_p_label(limit, lang, symbol), palette_of.get(limit, "#a1d99b"))
               for limit in limits]
    classes.append(LegendClass(words[0], NOT_SIGNIFICANT_COLOUR))
    if any(iso):
        classes.append(LegendClass(words[1], ISOLATED_COLOUR))
    cls = []
    for value, s, alone in zip(ps, sig, iso, strict=True):
        if alone:
            cls.append(len(limits) + 1)
        elif value is None:
            cls.append(-1)
        elif not s:
            cls.append(len(limits))
        else:
            level = next((j for j, limit in enumerate(limits) if value <= limit),
                         len(limits) - 1)
            cls.append(level)
    return MapLayer(id=id, label=label, unit="", kind="significance", classes=classes,
                    class_of=cls, values=ps, digits=4, note=note, value_label=value_label)


# --- internals -------------------------------------------------------------------------


def _p_label(limit: float, lang: str, symbol: str = "p") -> str:
    text = f"{limit:g}"
    return f"{symbol} ≤ {text.replace('.', ',') if lang != 'en' else text}"


def _values_and_suppressed(values: Sequence[Any], flags: Sequence[str] | None, layer: str
                           ) -> tuple[np.ndarray, np.ndarray]:
    n = len(values)
    y = np.array([math.nan if v is None else float(v) for v in _numbers(values, n, layer,
                                                                        "values")])
    if flags is None:
        return y, np.zeros(n, dtype=bool)
    if len(flags) != n:
        raise GeosozialError("maps.layers.length", layer=layer, what="flags", got=len(flags),
                             n=n)
    suppressed = np.array([str(f) in CONFIDENTIAL_FLAGS for f in flags], dtype=bool)
    y[suppressed] = math.nan
    return y, suppressed


def _flag_texts(flags: Sequence[str] | None, n: int, lang: str) -> list[str] | None:
    if flags is None:
        return None
    return ["" if f is None or (isinstance(f, float) and math.isnan(f)) else
            flag_text(str(f), lang) for f in flags]


def _numbers(values: Sequence[Any] | None, n: int, layer: str, what: str
             ) -> list[float | None]:
    if values is None:
        return [None] * n
    if len(values) != n:
        raise GeosozialError("maps.layers.length", layer=layer, what=what, got=len(values), n=n)
    out: list[float | None] = []
    for v in values:
        number = None if v is None else float(v)
        out.append(number if number is not None and math.isfinite(number) else None)
    return out


def _booleans(values: Sequence[Any], n: int, layer: str, what: str) -> list[bool]:
    if len(values) != n:
        raise GeosozialError("maps.layers.length", layer=layer, what=what, got=len(values), n=n)
    return [bool(v) for v in values]


def _columns(layer: str, n: int, specs: tuple[tuple[str, Sequence[Any] | None, int], ...]
             ) -> list[Column]:
    return [Column(name, _numbers(values, n, layer, name), digits=digits)
            for name, values, digits in specs if values is not None]


def significance_flags(kind: str, classes: Sequence[Any], islands: Sequence[bool] | None = None
                       ) -> tuple[list[bool], list[bool]]:
    """Which areas the significance map shows as significant and which as isolated.

    ``classes``: LISA clusters or Gi* bins of every map area (None/NaN: left out).
    Significant: a cluster HH, LL, LH, HL or a bin other than 0 (after correction).
    Isolated: the LISA class ``isolated``; for Gi* (islands have bin 0) ``islands``.

    Example:
        >>> significance_flags("lisa", ["HH", "ns", "isolated", None])
        ([True, False, False, False], [False, False, True, False])
        >>> significance_flags("gi", [3, 0, 0, float("nan")], [False, False, True, False])
        ([True, False, False, False], [False, False, True, False])
    """
    if kind == "lisa":
        return ([c in ("HH", "LL", "LH", "HL") for c in classes],
                [c == "isolated" for c in classes])
    significant = [c is not None and c == c and c != 0 for c in classes]
    isolated = [bool(i) for i in islands] if islands is not None else [False] * len(classes)
    return significant, isolated
