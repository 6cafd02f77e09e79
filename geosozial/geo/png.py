"""Static PNG of a map for print: the same classes, colours, legend and notes as the HTML.

Drawn with matplotlib from the simplified geometry of a
:class:`~geosozial.geo.mapdoc.BuiltMap` (projected CRS, so the map is not
distorted), one PNG per layer: title, legend with class counts ("keine Daten" and
"geheim gehalten" included; suppressed areas hatched), group outlines, area names
(:func:`place_names`: where they fit, or all of them, e.g. for Sozialräume), attribution,
date and the method line (once). Metadata carries no timestamp, so builds are
repeatable.

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


#: names are looked for on maps of at most this many areas (more would be unreadable)
MAX_NAMED = 2000
NAME_SIZE = 5.5


def map_png(built: BuiltMap, path: str | Path, *, layer: int | str = 0,
            dpi: int = DPI, names: str = "auto") -> Path:
    """Write the PNG of one layer of ``built`` (index or id) to ``path``.

    ``names``: ``"fit"`` writes an area's name where it fits inside the area and does
    not overlap another name, ``"all"`` every name (Sozialräume), ``"none"`` none;
    ``"auto"`` (default) is ``"all"`` for up to 30 areas, else ``"fit"``.

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
    mode = names if names != "auto" else ("all" if len(cls) <= 30 else "fit")
    place_names(fig, ax, shapes, doc.names, mode)

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
    foot = footer_lines(doc, chosen)
    fig.text(0.02, 0.17, "\n".join(_wrap(line, 110) for line in foot), fontsize=7,
             va="top", color="#333333")
    try:
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format="png", metadata={"Software": "geosozial"},
                        bbox_inches="tight", pad_inches=0.25)
    finally:
        plt.close(fig)
    return path


def footer_lines(doc: Any, layer: Any) -> list[str]:
    """The lines under a print map: the method line once, source, geometry, date.

    The map's method line (``Methode: 999 Permutationen, …, zweiseitig``) holds the
    layer's note; the note is printed on its own only where the method line does not
    contain it (a choropleth's classification note, for instance).

    Example:
        >>> from types import SimpleNamespace as N
        >>> doc = N(lang="de", method_note="99 Permutationen, Seed 1, FDR 5 %, zweiseitig",
        ...         source="", attribution="© GeoBasis-DE / BKG (2021)", date="")
        >>> for line in footer_lines(doc, N(note="99 Permutationen, Seed 1, FDR 5 %")):
        ...     print(line)
        Methode: 99 Permutationen, Seed 1, FDR 5 %, zweiseitig
        Geometrien: © GeoBasis-DE / BKG (2021)
    """
    text = TEXTS[doc.lang]
    foot = []
    if doc.method_note:
        foot.append(f"{text['method']}: {doc.method_note}")
        if layer.note and layer.note not in doc.method_note:
            foot.append(layer.note)
    elif layer.note:
        foot.append(layer.note)
    if doc.source:
        foot.append(f"{text['source']}: {doc.source}")
    if doc.attribution:
        foot.append(f"{text['geometry']}: {doc.attribution}")
    if doc.date:
        foot.append(f"{text['date']}: {doc.date}")
    return foot


def place_names(fig: Any, ax: Any, shapes: Any, names: Any, mode: str = "fit") -> list[int]:
    """Write area names onto the map; returns the positions of the areas named.

    ``mode="fit"``: a name is written at a point inside its area (shapely's
    ``point_on_surface``) when its text fits inside the area's extent on the page and
    does not overlap a name already written (larger areas first); more than
    :data:`MAX_NAMED` areas get no names. ``"all"``: every name (Sozialräume).
    ``"none"``: nothing.

    Example:
        >>> place_names(None, None, [], [], "none")
        []
    """
    if mode == "none" or not len(names) or (mode == "fit" and len(names) > MAX_NAMED):
        return []
    import matplotlib.patheffects as effects
    import shapely

    geoms = np.asarray(getattr(shapes, "array", shapes), dtype=object)
    present = ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
    points = shapely.point_on_surface(np.where(present, geoms, None))
    bounds = shapely.bounds(geoms)
    areas = np.where(present, shapely.area(geoms), 0.0)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    transform = ax.transData.transform
    placed: list[Any] = []
    named: list[int] = []
    for i in np.argsort(-areas, kind="stable"):
        if not present[i] or not str(names[i] or "").strip():
            continue
        x, y = shapely.get_x(points[i]), shapely.get_y(points[i])
        label = ax.text(x, y, str(names[i]), fontsize=NAME_SIZE, ha="center", va="center",
                        color="#1a1a1a", zorder=5,
                        path_effects=[effects.withStroke(linewidth=1.5, foreground="white")])
        if mode == "fit":
            box = label.get_window_extent(renderer)
            (x0, y0), (x1, y1) = transform([bounds[i][:2], bounds[i][2:]])
            fits = box.width <= (x1 - x0) * 0.95 and box.height <= (y1 - y0) * 0.9
            if not fits or any(box.overlaps(other) for other in placed):
                label.remove()
                continue
            placed.append(box)
        named.append(int(i))
    return sorted(named)


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
