"""Charts drawn at build time as SVG: histogram, lines, sparkline, spine chart, bars, maps.

Every chart is one ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` (named by
``aria-labelledby``); the page puts the table behind it next to it (a ``<details>``).
Colours are SVG presentation attributes (no ``style``: the pages' Content-Security-Policy
allows no inline styles) with at least 3:1 contrast against the white background
(:data:`LINE_COLOURS`, :data:`MARKS`). Same data, same bytes: no random ids, numbers
written with fixed decimals.

Examples
--------
>>> svg = histogram_svg([1.0, 2.0, 2.5, 9.0], uid="h1", title="Verteilung", desc="Vier Werte")
>>> svg.startswith('<svg') and 'role="img"' in svg and "<title id=\\"h1-t\\">" in svg
True
>>> nice_bins([0.3, 9.7])[:3]
[0.0, 2.0, 4.0]
"""

from __future__ import annotations

import html
import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from geosozial.atlas.numbers import number_text

__all__ = ["LINE_COLOURS", "MARKS", "SpineRow", "bars_svg", "choose_map_svg", "histogram_svg",
           "line_svg", "location_base_svg", "location_svg", "nice_bins", "spark_svg",
           "spine_svg"]

#: line colours (contrast to white ≥ 4.5:1), Kreis first in black
LINE_COLOURS = ("#000000", "#005a9c", "#b35806", "#00796b", "#ad1457", "#5e35b1", "#6d4c41",
                "#767676", "#1f77b4", "#d62728")
#: dash patterns, so lines differ without colour as well
DASHES = ("", "6 3", "2 2", "8 3 2 3", "4 4", "1 3", "10 4")
#: colours of marks (contrast to white ≥ 3:1)
MARKS = {"bar": "#005a9c", "area": "#a50f15", "region": "#005a9c", "range": "#767676",
         "range_fill": "#e8e8e8", "iqr": "#767676", "axis": "#595959", "text": "#222222",
         "map_fill": "#dfe8f1", "map_line": "#595959", "other_fill": "#e8e8e8"}
FONT = 'font-family="sans-serif"'


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def _f(value: float) -> str:
    """A coordinate with one decimal, no trailing ``.0``."""
    text = f"{value:.1f}"
    if text.endswith(".0"):
        text = text[:-2]
    return "0" if text == "-0" else text


def _open(uid: str, width: float, height: float, title: str, desc: str,
          css: str = "chart") -> str:
    return (f'<svg class="{css}" role="img" aria-labelledby="{uid}-t {uid}-d" '
            f'viewBox="0 0 {_f(width)} {_f(height)}" width="{_f(width)}" '
            f'height="{_f(height)}" xmlns="http://www.w3.org/2000/svg">'
            f'<title id="{uid}-t">{_esc(title)}</title><desc id="{uid}-d">{_esc(desc)}</desc>')


def _num(value: float, digits: int, lang: str) -> str:
    return number_text(value, digits, lang) or ""


def nice_bins(values: Sequence[float], k: int = 8) -> list[float]:
    """Class limits with a round step (1, 2, 2.5 or 5 × 10^n) covering ``values``.

    Parameters
    ----------
    values : sequence of float
    k : int
        About this many classes.

    Returns
    -------
    list of float
        Ascending limits, first ≤ min, last > max.

    Examples
    --------
    >>> nice_bins([12.1, 14.9], 4)
    [12.0, 13.0, 14.0, 15.0]
    >>> nice_bins([5.0, 5.0])
    [5.0, 6.0]
    """
    lo, hi = min(values), max(values)
    if hi == lo:
        return [float(math.floor(lo)), float(math.floor(lo)) + 1.0]
    raw = (hi - lo) / max(1, k)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    start = math.floor(lo / step) * step
    limits = [start]
    while limits[-1] <= hi:
        limits.append(round(limits[-1] + step, 10))
    return [float(round(v, 10)) for v in limits]


def histogram_counts(values: Sequence[float], limits: Sequence[float]) -> list[int]:
    """Counts per class ``[limit_i, limit_i+1)`` (the last class includes its top).

    Examples
    --------
    >>> histogram_counts([1.0, 2.0, 3.0], [0.0, 2.0, 4.0])
    [1, 2]
    """
    counts = [0] * (len(limits) - 1)
    for v in values:
        for i in range(len(counts)):
            top = limits[i + 1]
            if limits[i] <= v < top or (i == len(counts) - 1 and v == top):
                counts[i] += 1
                break
    return counts


def histogram_svg(values: Sequence[float], *, uid: str, title: str, desc: str,
                  digits: int = 1, lang: str = "de", limits: Sequence[float] | None = None,
                  width: float = 560, height: float = 220) -> str:
    """A histogram of ``values`` (only the values given: withheld ones are never passed).

    Parameters
    ----------
    values : sequence of float
    uid : str
        Id prefix, unique in the page.
    title, desc : str
        Text alternative.
    digits : int
        Decimals of the class limits.
    lang : str
    limits : sequence of float, optional
        Class limits (default :func:`nice_bins`).
    width, height : float

    Returns
    -------
    str

    Examples
    --------
    >>> histogram_svg([], uid="x", title="t", desc="d").count("<rect")
    0
    """
    out = [_open(uid, width, height, title, desc)]
    if not values:
        out.append("</svg>")
        return "".join(out)
    limits = list(limits) if limits is not None else nice_bins(values)
    counts = histogram_counts(values, limits)
    left, right, top, bottom = 44.0, 12.0, 12.0, 40.0
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max(counts) or 1
    bar_w = plot_w / len(counts)
    axis = MARKS["axis"]
    out.append(f'<g {FONT} font-size="11" fill="{MARKS["text"]}">')
    for tick in _ticks(0, peak, 4, whole=True):
        y = top + plot_h - tick / peak * plot_h
        out.append(f'<line x1="{_f(left)}" y1="{_f(y)}" x2="{_f(width - right)}" '
                   f'y2="{_f(y)}" stroke="#d9d9d9" stroke-width="1"/>')
        out.append(f'<text x="{_f(left - 6)}" y="{_f(y + 4)}" text-anchor="end">'
                   f'{_num(tick, 0, lang)}</text>')
    for i, count in enumerate(counts):
        x = left + i * bar_w
        h = count / peak * plot_h
        if count:
            out.append(f'<rect x="{_f(x + 1)}" y="{_f(top + plot_h - h)}" '
                       f'width="{_f(bar_w - 2)}" height="{_f(h)}" fill="{MARKS["bar"]}"/>')
    every = max(1, math.ceil(len(limits) / 8))
    for i, limit in enumerate(limits):
        if i % every:
            continue
        x = left + i * bar_w
        out.append(f'<text x="{_f(x)}" y="{_f(top + plot_h + 16)}" text-anchor="middle">'
                   f'{_num(limit, digits, lang)}</text>')
    out.append(f'<line x1="{_f(left)}" y1="{_f(top + plot_h)}" x2="{_f(width - right)}" '
               f'y2="{_f(top + plot_h)}" stroke="{axis}" stroke-width="1"/>')
    out.append("</g></svg>")
    return "".join(out)


def _ticks(lo: float, hi: float, n: int = 4, whole: bool = False) -> list[float]:
    if hi <= lo:
        return [lo]
    raw = (hi - lo) / n
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    if whole:
        step = max(1.0, math.ceil(step))
    start = math.ceil(lo / step) * step
    ticks = []
    v = start
    while v <= hi + 1e-9:
        ticks.append(round(v, 10))
        v += step
    return ticks


def line_svg(series: Sequence[tuple[str, Sequence[float | None]]], years: Sequence[int], *,
             uid: str, title: str, desc: str, digits: int = 1, lang: str = "de",
             width: float = 560, height: float = 260) -> str:
    """Lines over the years; the first series (the Kreis) is drawn thick and black.

    A missing value (``None``) breaks the line. The legend names every series.

    Parameters
    ----------
    series : sequence of (str, sequence of float or None)
        Name and one value per year.
    years : sequence of int
    uid, title, desc : str
    digits : int
    lang : str
    width, height : float

    Returns
    -------
    str

    Examples
    --------
    >>> svg = line_svg([("Kreis", [1.0, 2.0]), ("Nord", [None, 3.0])], [2022, 2023],
    ...                uid="l", title="t", desc="d")
    >>> svg.count("<polyline"), svg.count("<circle")
    (1, 3)
    """
    numbers = [v for _, vals in series for v in vals if v is not None]
    legend_rows = math.ceil(len(series) / 3)
    left, right, top = 52.0, 16.0, 12.0
    bottom = 34.0 + 18.0 * legend_rows
    out = [_open(uid, width, height, title, desc)]
    if not numbers:
        out.append("</svg>")
        return "".join(out)
    lo, hi = min(numbers), max(numbers)
    pad = (hi - lo) * 0.1 or abs(hi) * 0.1 or 1.0
    lo, hi = lo - pad, hi + pad
    plot_w, plot_h = width - left - right, height - top - bottom
    n = len(years)

    inner = 24.0  # room for the year labels at both ends

    def x_of(i: int) -> float:
        return left + inner + ((plot_w - 2 * inner) * i / (n - 1) if n > 1
                               else (plot_w - 2 * inner) / 2)

    def y_of(v: float) -> float:
        return top + plot_h - (v - lo) / (hi - lo) * plot_h

    out.append(f'<g {FONT} font-size="11" fill="{MARKS["text"]}">')
    for tick in _ticks(lo, hi, 4):
        y = y_of(tick)
        out.append(f'<line x1="{_f(left)}" y1="{_f(y)}" x2="{_f(width - right)}" '
                   f'y2="{_f(y)}" stroke="#d9d9d9" stroke-width="1"/>')
        out.append(f'<text x="{_f(left - 6)}" y="{_f(y + 4)}" text-anchor="end">'
                   f'{_num(tick, digits, lang)}</text>')
    for i, year in enumerate(years):
        out.append(f'<text x="{_f(x_of(i))}" y="{_f(top + plot_h + 16)}" '
                   f'text-anchor="middle">{year}</text>')
    out.append("</g>")
    for s, (_name, vals) in enumerate(series):
        colour = LINE_COLOURS[s % len(LINE_COLOURS)]
        dash = DASHES[s % len(DASHES)]
        wide = 3 if s == 0 else 2
        run: list[str] = []
        runs = []
        for i, v in enumerate(vals):
            if v is None:
                if run:
                    runs.append(run)
                run = []
            else:
                run.append(f"{_f(x_of(i))},{_f(y_of(v))}")
        if run:
            runs.append(run)
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        for r in runs:
            if len(r) > 1:
                out.append(f'<polyline points="{" ".join(r)}" fill="none" stroke="{colour}" '
                           f'stroke-width="{wide}"{dash_attr}/>')
        for i, v in enumerate(vals):
            if v is not None:
                out.append(f'<circle cx="{_f(x_of(i))}" cy="{_f(y_of(v))}" r="3.5" '
                           f'fill="{colour}"/>')
    out.append(f'<g {FONT} font-size="11" fill="{MARKS["text"]}">')
    for s, (name, _vals) in enumerate(series):
        colour = LINE_COLOURS[s % len(LINE_COLOURS)]
        dash = DASHES[s % len(DASHES)]
        col, row = s % 3, s // 3
        x = left + col * (plot_w / 3)
        y = top + plot_h + 36 + row * 18
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(f'<line x1="{_f(x)}" y1="{_f(y - 4)}" x2="{_f(x + 22)}" y2="{_f(y - 4)}" '
                   f'stroke="{colour}" stroke-width="{3 if s == 0 else 2}"{dash_attr}/>')
        out.append(f'<text x="{_f(x + 28)}" y="{_f(y)}">{_esc(_short(name, 26))}</text>')
    out.append("</g></svg>")
    return "".join(out)


def _short(name: str, limit: int) -> str:
    return name if len(name) <= limit else name[:limit - 1] + "…"


def spark_svg(values: Sequence[float | None], *, uid: str, title: str, desc: str,
              width: float = 96, height: float = 28) -> str:
    """A small line of one area's values over the years (no axes; the table has them).

    Examples
    --------
    >>> spark_svg([1.0, None, 2.0], uid="s", title="t", desc="d").count("<circle")
    2
    """
    out = [_open(uid, width, height, title, desc, css="spark")]
    numbers = [v for v in values if v is not None]
    if numbers:
        lo, hi = min(numbers), max(numbers)
        span = hi - lo or 1.0
        n = len(values)
        points = []
        for i, v in enumerate(values):
            if v is None:
                continue
            x = 6 + (width - 12) * (i / (n - 1) if n > 1 else 0.5)
            y = height - 5 - (v - lo) / span * (height - 10) if hi > lo else height / 2
            points.append((x, y))
        if len(points) > 1:
            out.append('<polyline points="' + " ".join(f"{_f(x)},{_f(y)}" for x, y in points)
                       + f'" fill="none" stroke="{MARKS["bar"]}" stroke-width="2"/>')
        for x, y in points:
            out.append(f'<circle cx="{_f(x)}" cy="{_f(y)}" r="2.5" fill="{MARKS["bar"]}"/>')
    out.append("</svg>")
    return "".join(out)


@dataclass(frozen=True)
class SpineRow:
    """One indicator of a spine chart: the area's value against the municipalities.

    ``kreis`` is the centre (where the Kreis value cannot be computed, the caller passes
    the median and says so in the label); ``low``/``high`` the smallest and largest
    municipal value, ``q1``/``q3`` the quartiles; ``area`` and ``region`` may be None
    (withheld).

    Examples
    --------
    >>> SpineRow("Quote", None, 11.0, 10.0, 4.0, 8.0, 12.0, 15.0).area is None
    True
    """

    label: str
    area: float | None
    region: float | None
    kreis: float | None
    low: float
    q1: float
    q3: float
    high: float


def spine_svg(rows: Sequence[SpineRow], *, uid: str, title: str, desc: str,
              width: float = 640) -> str:
    """A spine chart: per row the municipal range around the Kreis value (centre line).

    Each row is scaled on its own so that the Kreis value is in the middle and the
    farther extreme touches the edge; the area is a red circle, its Sozialraum a blue
    diamond. A row without a Kreis value is centred on the middle of its range.

    Parameters
    ----------
    rows : sequence of SpineRow
    uid, title, desc : str
    width : float

    Returns
    -------
    str

    Examples
    --------
    >>> row = SpineRow("Quote", 12.0, 11.0, 10.0, 4.0, 8.0, 12.0, 15.0)
    >>> spine_svg([row], uid="sp", title="t", desc="d").count("<circle")
    1
    """
    label_w, pad, row_h = 250.0, 12.0, 26.0
    height = pad * 2 + row_h * len(rows) + 18
    out = [_open(uid, width, height, title, desc, css="chart spine")]
    bar_left, bar_right = label_w + pad, width - pad
    bar_w = bar_right - bar_left
    centre_x = bar_left + bar_w / 2
    out.append(f'<g {FONT} font-size="11" fill="{MARKS["text"]}">')
    for r, row in enumerate(rows):
        y = pad + r * row_h
        mid = y + row_h / 2
        centre = row.kreis if row.kreis is not None else (row.low + row.high) / 2
        half = max(centre - row.low, row.high - centre, 1e-9)

        def x_of(v: float, centre: float = centre, half: float = half) -> float:
            return centre_x + (v - centre) / half * (bar_w / 2)

        out.append(f'<text x="{_f(label_w)}" y="{_f(mid + 4)}" text-anchor="end">'
                   f'{_esc(_short(row.label, 42))}</text>')
        out.append(f'<rect x="{_f(x_of(row.low))}" y="{_f(mid - 7)}" '
                   f'width="{_f(max(0.5, x_of(row.high) - x_of(row.low)))}" height="14" '
                   f'fill="{MARKS["range_fill"]}" stroke="{MARKS["range"]}" stroke-width="1"/>')
        out.append(f'<rect x="{_f(x_of(row.q1))}" y="{_f(mid - 7)}" '
                   f'width="{_f(max(0.5, x_of(row.q3) - x_of(row.q1)))}" height="14" '
                   f'fill="{MARKS["iqr"]}"/>')
        if row.region is not None:
            x = x_of(row.region)
            out.append(f'<path d="M{_f(x)} {_f(mid - 7)}L{_f(x + 7)} {_f(mid)}L{_f(x)} '
                       f'{_f(mid + 7)}L{_f(x - 7)} {_f(mid)}Z" fill="{MARKS["region"]}" '
                       'stroke="#ffffff" stroke-width="1.5"/>')
        if row.area is not None:
            out.append(f'<circle cx="{_f(x_of(row.area))}" cy="{_f(mid)}" r="6" '
                       f'fill="{MARKS["area"]}" stroke="#ffffff" stroke-width="1.5"/>')
    bottom = pad + row_h * len(rows)
    out.append(f'<line x1="{_f(centre_x)}" y1="{_f(pad - 2)}" x2="{_f(centre_x)}" '
               f'y2="{_f(bottom + 2)}" stroke="#000000" stroke-width="2"/>')
    out.append("</g></svg>")
    return "".join(out)


def bars_svg(items: Sequence[tuple[str, float]], *, uid: str, title: str, desc: str,
             digits: int = 1, unit: str = "", lang: str = "de", width: float = 520) -> str:
    """Horizontal bars with their values written beside them (e.g. age groups in %).

    Examples
    --------
    >>> bars_svg([("unter 15", 12.0), ("65+", 30.0)], uid="b", title="t", desc="d",
    ...          unit="%").count("<rect")
    2
    """
    label_w, row_h, pad = 150.0, 22.0, 8.0
    height = pad * 2 + row_h * len(items)
    out = [_open(uid, width, height, title, desc)]
    peak = max((v for _, v in items), default=0) or 1.0
    bar_w = width - label_w - 90
    out.append(f'<g {FONT} font-size="11" fill="{MARKS["text"]}">')
    for i, (label, value) in enumerate(items):
        y = pad + i * row_h
        w = max(0.0, value) / peak * bar_w
        out.append(f'<text x="{_f(label_w - 8)}" y="{_f(y + 15)}" text-anchor="end">'
                   f'{_esc(label)}</text>')
        out.append(f'<rect x="{_f(label_w)}" y="{_f(y + 4)}" width="{_f(w)}" height="14" '
                   f'fill="{MARKS["bar"]}"/>')
        shown = _num(value, digits, lang) + (f" {unit}" if unit else "")
        out.append(f'<text x="{_f(label_w + w + 6)}" y="{_f(y + 15)}">{_esc(shown)}</text>')
    out.append("</g></svg>")
    return "".join(out)


def _location_paths(shapes: Mapping[str, str], chosen: Collection[str], stroke: float,
                    outlines: Iterable[str], *, others: bool = True) -> list[str]:
    out = []
    for key, d in shapes.items():
        if not d or not (others or key in chosen):
            continue
        fill = MARKS["area"] if key in chosen else MARKS["other_fill"]
        out.append(f'<path d="{d}" fill="{fill}" stroke="{MARKS["range"]}" '
                   f'stroke-width="{_f2(stroke)}" fill-rule="evenodd"/>')
    for d in outlines:
        out.append(f'<path d="{d}" fill="none" stroke="#222222" '
                   f'stroke-width="{_f2(stroke * 2)}"/>')
    return out


def location_base_svg(shapes: Mapping[str, str], *, size: tuple[float, float],
                      outlines: Mapping[str, str] | None = None, width: float = 260) -> str:
    """The Kreis without a highlighted area, as a file of its own (``assets/lage.svg``).

    Every Sozialdatenblatt draws it under its highlighted area
    (:func:`location_svg` with ``base``): the outlines of all municipalities are stored
    once per site, not in every sheet (with the 419 municipalities of Saxony they were
    nine tenths of a sheet's bytes). The strokes are those of :func:`location_svg` at
    the same ``width``.

    Examples
    --------
    >>> svg = location_base_svg({"1": "M0 0L1 0L1 1Z", "2": "M1 0L2 0L2 1Z"}, size=(2, 1))
    >>> svg.startswith("<svg") and svg.count("<path") == 2 and 'fill="#a50f15"' not in svg
    True
    """
    w, h = size
    stroke = 0.8 * w / width
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_f(w)} {_f(h)}" '
           f'width="{_f(w)}" height="{_f(h)}">']
    out += _location_paths(shapes, (), stroke, (outlines or {}).values())
    out.append("</svg>\n")
    return "".join(out)


def location_svg(shapes: Mapping[str, str], highlight: Sequence[str], *, uid: str,
                 title: str, desc: str, size: tuple[float, float],
                 outlines: Mapping[str, str] | None = None, width: float = 260,
                 base: str = "", around: Sequence[str] = ()) -> str:
    """The Kreis with the areas ``highlight`` filled red (a Sozialraum: its members).

    With ``base`` (the relative address of :func:`location_base_svg`'s file) the Kreis
    is that image and only the highlighted areas and the outlines ``around`` (keys of
    ``outlines``: the Sozialraum of the highlighted areas, drawn over them again) are in
    the SVG; the picture is the same.

    Examples
    --------
    >>> svg = location_svg({"1": "M0 0L1 0L1 1Z", "2": "M1 0L2 0L2 1Z"}, ["2"], uid="m",
    ...                    title="t", desc="d", size=(2, 1))
    >>> svg.count('fill="#a50f15"')
    1
    >>> svg = location_svg({"1": "M0 0L1 0L1 1Z", "2": "M1 0L2 0L2 1Z"}, ["2"], uid="m",
    ...                    title="t", desc="d", size=(2, 1), base="../assets/lage.svg")
    >>> svg.count("<path"), '<image href="../assets/lage.svg"' in svg
    (1, True)
    """
    w, h = size
    height = width * h / w if w else width
    out = [f'<svg class="locmap" role="img" aria-labelledby="{uid}-t {uid}-d" '
           f'viewBox="0 0 {_f(w)} {_f(h)}" width="{_f(width)}" height="{_f(height)}" '
           f'xmlns="http://www.w3.org/2000/svg"><title id="{uid}-t">{_esc(title)}</title>'
           f'<desc id="{uid}-d">{_esc(desc)}</desc>']
    chosen = set(highlight)
    stroke = 0.8 * w / width
    if base:
        out.append(f'<image href="{_esc(base)}" x="0" y="0" width="{_f(w)}" '
                   f'height="{_f(h)}"/>')
        lines = [(outlines or {})[k] for k in dict.fromkeys(around) if k in (outlines or {})]
        out += _location_paths(shapes, chosen, stroke, lines, others=False)
    else:
        out += _location_paths(shapes, chosen, stroke, (outlines or {}).values())
    out.append("</svg>")
    return "".join(out)


def _f2(value: float) -> str:
    return f"{value:.2f}"


def choose_map_svg(shapes: Mapping[str, str], links: Mapping[str, tuple[str, str]], *,
                   uid: str, title: str, desc: str, size: tuple[float, float],
                   outlines: Mapping[str, str] | None = None, width: float = 560) -> str:
    """A map to choose an area: one link per municipality (``href``, accessible name).

    ``links`` maps a key to ``(href, name)``. The SVG is a labelled group of links;
    keyboard focus shows on the area (CSS ``.choose a:focus path``).

    Examples
    --------
    >>> svg = choose_map_svg({"1": "M0 0L1 0L1 1Z"}, {"1": ("gemeinden/1.html", "Adorf")},
    ...                      uid="c", title="t", desc="d", size=(1, 1))
    >>> 'href="gemeinden/1.html"' in svg and 'aria-label="Adorf"' in svg
    True
    """
    w, h = size
    height = width * h / w if w else width
    stroke = 0.8 * w / width
    out = [f'<svg class="choose" role="group" aria-labelledby="{uid}-t" '
           f'viewBox="0 0 {_f(w)} {_f(h)}" width="{_f(width)}" height="{_f(height)}" '
           f'xmlns="http://www.w3.org/2000/svg"><title id="{uid}-t">{_esc(title)}</title>'
           f'<desc id="{uid}-d">{_esc(desc)}</desc>']
    for key, d in shapes.items():
        if not d or key not in links:
            continue
        href, name = links[key]
        out.append(f'<a href="{_esc(href)}" aria-label="{_esc(name)}"><title>{_esc(name)}'
                   f'</title><path d="{d}" fill="{MARKS["map_fill"]}" '
                   f'stroke="{MARKS["map_line"]}" stroke-width="{_f2(stroke)}" '
                   'fill-rule="evenodd"/></a>')
    for d in (outlines or {}).values():
        out.append(f'<path d="{d}" fill="none" stroke="#222222" '
                   f'stroke-width="{_f2(stroke * 2.5)}" pointer-events="none"/>')
    out.append("</svg>")
    return "".join(out)
