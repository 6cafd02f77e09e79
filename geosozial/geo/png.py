"""Static PNG of a map for print: the same classes, colours, legend and notes as the HTML.

Drawn with matplotlib from the simplified geometry of a
:class:`~geosozial.geo.mapdoc.BuiltMap` (projected CRS, so the map is not
distorted), one PNG per layer: title, legend with class counts ("keine Daten" and
"geheim gehalten" included; suppressed areas hatched), group outlines, attribution,
date and method note. Metadata carries no timestamp, so builds are repeatable.

Example:
    >>> built = build_map(...)  # doctest: +SKIP
    >>> map_png(built, "karte.png")  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from geosozial.core.outputs import Output, atomic_path, check_outputs
from geosozial.maps.html import TEXTS
from geosozial.maps.palettes import NO_DATA, SUPPRESSED

WIDTH_INCH = 8.27  # A4 portrait width
DPI = 150

if TYPE_CHECKING:
    from geosozial.geo.mapdoc import BuiltMap


def map_png(built: BuiltMap, path: str | Path, *, layer: int | str = 0,
            dpi: int = DPI) -> Path:
    """Write the PNG of one layer of ``built`` (index or id) to ``path``.

    ``path`` must end in ``.png`` in an existing folder (checked first); the image is
    saved to a temporary file beside it and renamed into place (atomically, see
    :mod:`geosozial.core.outputs`).

    Example:
        >>> from shapely.geometry import box
        >>> from geosozial.geo.mapdoc import build_map
        >>> from geosozial.maps.layers import choropleth_layer
        >>> import tempfile
        >>> built = build_map([box(0, 0, 9, 9), box(9, 0, 18, 9)], crs="EPSG:25832",
        ...                   names=["A", "B"], keys=["1", "2"], title="T",
        ...                   layers=[choropleth_layer([1.0, 2.0], id="v", label="V", k=2)])
        >>> with tempfile.TemporaryDirectory() as d:
        ...     map_png(built, Path(d) / "k.png").stat().st_size > 1000
        True
    """
    path = Path(path)
    check_outputs([Output("path", path, "png")])
    import matplotlib

    matplotlib.use("Agg")
    import geopandas as gpd
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    doc = built.document
    text = TEXTS[doc.lang]
    chosen = _layer(doc.layers, layer)
    cls = np.asarray(chosen.class_of, dtype=int)
    shapes = gpd.GeoSeries(built.geometry.simplified, crs=built.geometry.crs)
    colours = [c.colour for c in chosen.classes]
    fills = np.array([colours[c] if c >= 0 else (SUPPRESSED.fill if c == -2 else NO_DATA.fill)
                      for c in cls], dtype=object)
    edges = np.array(["#666666" if c >= 0 else (SUPPRESSED.outline if c == -2
                                                else NO_DATA.outline) for c in cls],
                     dtype=object)

    fig = plt.figure(figsize=(WIDTH_INCH, WIDTH_INCH * 1.1), dpi=dpi)
    ax = fig.add_axes((0.02, 0.2, 0.66, 0.72))
    ax.set_axis_off()
    ax.set_aspect("equal")
    plain = cls != -2
    shapes[plain].plot(ax=ax, color=list(fills[plain]), edgecolor=list(edges[plain]),
                       linewidth=0.4)
    if (~plain).any():
        shapes[~plain].plot(ax=ax, color=SUPPRESSED.fill, edgecolor=SUPPRESSED.outline,
                            linewidth=0.4, hatch="////")
    if doc.outlines:
        outlines = gpd.read_file(doc.outlines).set_crs(4326, allow_override=True)
        outlines.to_crs(built.geometry.crs).plot(ax=ax, color="#1a1a1a", linewidth=1.2)

    counts = np.bincount(cls[cls >= 0], minlength=len(colours))
    handles = [Patch(facecolor=c.colour, edgecolor="#666666",
                     label=f"{c.label} ({int(n)})") for c, n in zip(chosen.classes, counts,
                                                                    strict=True)]
    for code, special, hatch in ((-1, NO_DATA, None), (-2, SUPPRESSED, "////")):
        n = int((cls == code).sum())
        if n:
            handles.append(Patch(facecolor=special.fill, edgecolor=special.outline,
                                 hatch=hatch, label=f"{text[special.key]} ({n})"))
    heading = chosen.value_label or chosen.label
    if chosen.kind == "choropleth" and chosen.unit:
        heading = f"{heading} ({chosen.unit})"
    legend = fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.69, 0.9),
                        frameon=False, fontsize=8, title=_wrap(heading, 28),
                        title_fontsize=9)
    legend._legend_box.align = "left"
    fig.text(0.02, 0.965, doc.title, fontsize=13, fontweight="bold", va="top")
    if chosen.label != doc.title:
        fig.text(0.02, 0.935, chosen.label, fontsize=10, va="top", color="#333333")
    foot = []
    if chosen.note:
        foot.append(chosen.note)
    if doc.method_note and doc.method_note != chosen.note:
        foot.append(f"{text['method']}: {doc.method_note}")
    if doc.source:
        foot.append(f"{text['source']}: {doc.source}")
    if doc.attribution:
        foot.append(f"{text['geometry']}: {doc.attribution}")
    if doc.date:
        foot.append(f"{text['date']}: {doc.date}")
    fig.text(0.02, 0.17, "\n".join(_wrap(line, 110) for line in foot), fontsize=7,
             va="top", color="#333333")
    try:
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format="png", metadata={"Software": "geosozial"},
                        bbox_inches="tight", pad_inches=0.25)
    finally:
        plt.close(fig)
    return path


def _layer(layers: Any, which: int | str) -> Any:
    if isinstance(which, int):
        return layers[which]
    for layer in layers:
        if layer.id == which:
            return layer
    raise KeyError(which)


def _wrap(line: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(line, width)) or line
