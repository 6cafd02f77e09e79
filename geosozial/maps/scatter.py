"""Moran scatter plot as PNG (matplotlib, no display needed), quadrants labelled.

Example:
    >>> import numpy as np
    >>> from geosozial.kernel.weights import Weights
    >>> w = Weights.from_pairs(4, np.array([0, 1, 2]), np.array([1, 2, 3]))
    >>> path = moran_scatter_png(np.array([1.0, 2, 8, 9]), w, "/tmp/s.png", title="Test")
    >>> path.suffix
    '.png'
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from geosozial.core.number_format import number_text
from geosozial.core.outputs import Output, atomic_path, check_outputs
from geosozial.kernel.weights import Weights

LABELS = {
    "de": {"x": "Wert (standardisiert)", "y": "Räumlich verzögerter Wert (standardisiert)",
           "HH": "HH: hoch, Nachbarn hoch", "LL": "LL: niedrig, Nachbarn niedrig",
           "LH": "LH: niedrig, Nachbarn hoch", "HL": "HL: hoch, Nachbarn niedrig",
           "slope": "Moran's I = {i}", "islands": "nicht gezeigt, da ohne Nachbarn: {n} Gebiet(e)"},
    "en": {"x": "value (standardised)", "y": "spatial lag (standardised)",
           "HH": "HH: high, neighbours high", "LL": "LL: low, neighbours low",
           "LH": "LH: low, neighbours high", "HL": "HL: high, neighbours low",
           "slope": "Moran's I = {i}", "islands": "not shown, without neighbours: {n} area(s)"},
}
COLOURS = {"HH": "#FF0000", "LL": "#0000FF", "LH": "#a7adf9", "HL": "#f4ada8"}


def moran_scatter_png(y: np.ndarray, w: Weights, path: str | Path, *, title: str = "",
                      lang: str = "de", note: str = "") -> Path:
    """Write the Moran scatter plot of ``y`` (row-standardised lag) to ``path``.

    The slope of the regression line is Moran's I; each quadrant is labelled. ``path``
    must end in ``.png`` in an existing folder (checked first); the image is written to
    a temporary file and renamed into place (:mod:`geosozial.core.outputs`).
    """
    path = Path(path)
    check_outputs([Output("path", path, "png")])
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = LABELS[lang]
    y = np.asarray(y, dtype=float)
    z = (y - y.mean()) / y.std()
    wr = w.row_standardised()
    lag = wr.sparse @ z
    keep = wr.cardinalities > 0
    from geosozial.kernel.globals import moran

    slope = moran(y, w, permutations=0).value  # the line's slope is Moran's I itself
    fig, ax = plt.subplots(figsize=(6.5, 7), dpi=120)
    quadrant = np.select([(z > 0) & (lag > 0), (z < 0) & (lag < 0), (z < 0) & (lag > 0)],
                         ["HH", "LL", "LH"], default="HL")
    for q, colour in COLOURS.items():
        mask = keep & (quadrant == q)
        ax.scatter(z[mask], lag[mask], s=18, color=colour, edgecolor="#333333",
                   linewidth=0.4, label=labels[q])
    ax.axhline(0, color="#777777", linewidth=0.8)
    ax.axvline(0, color="#777777", linewidth=0.8)
    xs = np.linspace(z[keep].min(), z[keep].max(), 10)
    ax.plot(xs, slope * xs, color="#222222", linewidth=1.2,
            label=labels["slope"].format(i=number_text(slope, 3) if lang == "de"
                                         else f"{slope:.3f}"))
    lim = max(np.abs(z[keep]).max(), np.abs(lag[keep]).max()) * 1.1
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    for q, (x, yy) in {"HH": (1, 1), "LL": (-1, -1), "LH": (-1, 1), "HL": (1, -1)}.items():
        ax.text(x * lim * 0.92, yy * lim * 0.92, q, ha="right" if x > 0 else "left",
                va="top" if yy > 0 else "bottom", fontsize=14, fontweight="bold",
                color=COLOURS[q])
    ax.set_xlabel(labels["x"])
    ax.set_ylabel(labels["y"])
    if title:
        ax.set_title(title)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2, fontsize=7,
              frameon=False)
    footer = [note] if note else []
    if (~keep).any():
        footer.append(labels["islands"].format(n=int((~keep).sum())))
    if footer:
        fig.text(0.01, 0.005, " · ".join(footer), fontsize=7, color="#444444")
    fig.tight_layout(rect=(0, 0.02, 1, 1))
    try:
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format="png", metadata={"Software": "geosozial"})
    finally:
        plt.close(fig)
    return path
