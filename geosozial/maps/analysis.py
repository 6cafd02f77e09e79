"""The layers of a local statistic's map, from result columns: one rule for every door.

The command line (:func:`geosozial.geo.maps.analysis_map`) and the QGIS plugin build
the map of a LISA, Gi*, local Geary, quantile LISA or join-count run here: the class
layer (clusters, hot spots or GeoDa classes, with the q-value beside the class), the
significance layer of the p that the correction compares with alpha
(:func:`geosozial.core.results.adjusted_p`; classes 0,001 / 0,01 / 0,05, and 0,1 for
the Gi* 90 % bins or an alpha above 0,05) and the title. No geopandas: plain lists.

Example:
    >>> cols = {"lisa_I": [0.5, 0.1], "lisa_z": [2.0, 0.3], "lisa_p": [0.001, 0.4],
    ...         "lisa_q": [0.002, 0.4], "lisa_cluster": ["HH", "ns"]}
    >>> main, sig, title = analysis_layers("lisa", cols, {"correction": "fdr"},
    ...                                    label="Quote", values=[9.0, 3.0])
    >>> main.kind, [c.label for c in sig.classes][:1], title
    ('lisa', ['q ≤ 0,001'], 'Lokale Cluster: Quote')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from geosozial.core.indicators import field_label  # noqa: F401  (one home; re-exported)
from geosozial.core.results import RESULT_COLUMNS, ROLES, adjusted_p
from geosozial.maps.html import MapLayer
from geosozial.maps.layers import (
    class_layer,
    gi_layer,
    lisa_layer,
    significance_flags,
    significance_layer,
)
from geosozial.maps.notes import method_note

#: the words of analysis maps: layer names and titles, per statistic
KIND_TEXT = {
    "de": {"lisa": "lokale Cluster (LISA)", "gi": "Hot Spots (Gi*)",
           "geary": "lokales Geary", "joincount": "lokale Join Counts",
           "quantile": "Quantil-LISA", "significance": "Signifikanz",
           "lisa_title": "Lokale Cluster", "gi_title": "Hot Spots und Cold Spots",
           "geary_title": "Lokales Geary", "joincount_title": "Lokale Join Counts",
           "quantile_title": "Quantil-LISA"},
    "en": {"lisa": "local clusters (LISA)", "gi": "hot spots (Gi*)",
           "geary": "local Geary", "joincount": "local join counts",
           "quantile": "quantile LISA", "significance": "significance",
           "lisa_title": "Local clusters", "gi_title": "Hot spots and cold spots",
           "geary_title": "Local Geary", "joincount_title": "Local join counts",
           "quantile_title": "Quantile LISA"},
}


def _list(values: Any) -> list[Any]:
    return values.tolist() if hasattr(values, "tolist") else list(values)


def analysis_layers(kind: str, columns: Mapping[str, Sequence[Any]], method: dict[str, Any],
                    *, label: str, values: Sequence[Any] | None = None, unit: str = "",
                    islands: Sequence[bool] | None = None, lang: str = "de"
                    ) -> tuple[MapLayer, MapLayer, str]:
    """The class layer, the significance layer and the title of an analysis map.

    Parameters
    ----------
    kind : str
        ``lisa``, ``gi``, ``geary`` or ``joincount`` (:mod:`geosozial.core.results`).
    columns : mapping
        The result columns by name, one entry per map area (None / NaN: area left out).
    method : dict
        The method record (``correction``, ``alpha``, ``statistic``, ``fields``, ...).
    label, unit : str
        The analysed field's label and unit.
    values : sequence, optional
        The analysed field's values (tooltip and table).
    islands : sequence of bool, optional
        Areas without neighbours (Gi* gives them bin 0; the other kinds have a class).
    lang : str
        ``de`` (default) or ``en``.

    Returns
    -------
    tuple of (MapLayer, MapLayer, str)
        Class layer, significance layer, title.

    Examples
    --------
    >>> cols = {"gi_z": [3.1, 0.2], "gi_p": [0.001, 0.5], "gi_q": [0.002, 0.5],
    ...         "gi_bin": [3, 0]}
    >>> main, sig, _ = analysis_layers("gi", cols, {"correction": "fdr"}, label="Quote")
    >>> [c.label for c in sig.classes][:4]
    ['q ≤ 0,001', 'q ≤ 0,01', 'q ≤ 0,05', 'q ≤ 0,1']
    """
    words = KIND_TEXT["en" if lang == "en" else "de"]
    note = method_note(method, lang)
    common = {"values": None if values is None else _list(values), "unit": unit,
              "note": note, "lang": lang, "value_label": label}
    _, p_col, q_col, class_col = ROLES[kind]
    name = "quantile" if method.get("statistic") == "quantile_lisa" else kind
    levels: tuple[float, ...] = (0.001, 0.01, 0.05)
    if kind == "lisa":
        clusters = _list(columns["lisa_cluster"])
        main = lisa_layer(clusters, id="lisa", label=f"{label}: {words['lisa']}",
                          lisa_i=_list(columns["lisa_I"]), lisa_z=_list(columns["lisa_z"]),
                          lisa_p=_list(columns["lisa_p"]), lisa_q=_list(columns["lisa_q"]),
                          **common)
        significant, isolated = significance_flags("lisa", clusters)
    elif kind == "gi":
        bins = _list(columns["gi_bin"])
        main = gi_layer(bins, id="gi", label=f"{label}: {words['gi']}",
                        gi_z=_list(columns["gi_z"]), gi_p=_list(columns["gi_p"]),
                        gi_q=_list(columns["gi_q"]), **common)
        significant, isolated = significance_flags("gi", bins, islands)
        levels = (0.001, 0.01, 0.05, 0.10)
    else:
        shown = [(c, _list(columns[c]), 4 if c.endswith(("_p", "_q")) else 3)
                 for c, _ in RESULT_COLUMNS[kind] if c != class_col]
        clusters = [c if isinstance(c, str) and c else None for c in _list(columns[class_col])]
        main = class_layer(kind, clusters, id=name, label=f"{label}: {words[name]}",
                           columns=shown, multivariate=len(method.get("fields") or ()) > 1,
                           **common)
        significant, isolated = significance_flags("lisa", [
            "HH" if c not in (None, "ns", "isolated") else c for c in clusters])
    correction = method.get("correction", "fdr")
    if method.get("alpha", 0.05) > 0.05 and 0.10 not in levels:
        levels = (*levels, 0.10)
    p = adjusted_p(np.asarray(_numbers(columns[p_col])), np.asarray(_numbers(columns[q_col])),
                   correction).tolist()
    sig = significance_layer(p, significant, id="signifikanz",
                             label=f"{label}: {words['significance']}", isolated=isolated,
                             note=note, lang=lang, correction=correction, levels=levels)
    return main, sig, f"{words[name + '_title']}: {label}"


def _numbers(values: Sequence[Any]) -> list[float]:
    out = []
    for v in _list(values):
        try:
            out.append(float(v) if v is not None else float("nan"))
        except (TypeError, ValueError):
            out.append(float("nan"))
    return out


#: emerging hot-spot categories -> fill colour (hot: reds/oranges, cold: blues/purples)
EMERGING_COLOURS = {
    "new": "#fddbc7", "consecutive": "#f4a582", "intensifying": "#b2182b",
    "persistent": "#d6604d", "diminishing": "#fbb4ae", "sporadic": "#fee090",
    "oscillating": "#e08214", "historical": "#c994c7",
    "new_cold": "#d1e5f0", "consecutive_cold": "#92c5de", "intensifying_cold": "#2166ac",
    "persistent_cold": "#4393c3", "diminishing_cold": "#b3cde3", "sporadic_cold": "#ccebc5",
    "oscillating_cold": "#8073ac", "historical_cold": "#a6bddb", "none": "#eeeeee",
}


def emerging_layer(columns: Mapping[str, Sequence[Any]], method: dict[str, Any], *,
                   label: str, unit: str = "", values: Sequence[Any] | None = None,
                   lang: str = "de") -> tuple[MapLayer, str]:
    """The category layer and title of an emerging hot-spot map.

    ``columns`` holds ``ehs_kategorie``, ``ehs_trend_z``, ``ehs_trend_p`` and the
    ``gi_bin_<year>`` of :func:`geosozial.core.emerging.emerging_columns`; the legend
    lists the categories that occur (in the order hot, cold, none) with their counts.

    Examples
    --------
    >>> cols = {"ehs_kategorie": ["persistent", "none"], "ehs_trend_z": [0.5, 0.0],
    ...         "ehs_trend_p": [0.6, 1.0], "gi_bin_2022": [3, 0], "gi_bin_2023": [3, 0]}
    >>> layer, title = emerging_layer(cols, {"years": [2022, 2023]}, label="Quote")
    >>> [c.label for c in layer.classes], layer.class_of, title
    (['beständiger Hot Spot', 'kein Muster'], [0, 1], 'Emerging Hot Spots: Quote')
    """
    from geosozial.core.emerging import CATEGORY_WORDS, RULES, category_text
    from geosozial.maps.html import Column, LegendClass

    codes = [c if isinstance(c, str) and c else None for c in _list(columns["ehs_kategorie"])]
    present = [c for c in CATEGORY_WORDS if c in codes]
    classes = [LegendClass(category_text(c, lang), EMERGING_COLOURS[c]) for c in present]
    class_of = [present.index(c) if c is not None else -1 for c in codes]
    years = list(method.get("years") or [])
    shown = [Column("ehs_trend_z", _numbers(columns["ehs_trend_z"]), digits=2,
                    label="Trend z (Mann-Kendall)" if lang != "en" else
                    "trend z (Mann-Kendall)"),
             Column("ehs_trend_p", _numbers(columns["ehs_trend_p"]), digits=3,
                    label="Trend p")]
    shown += [Column(f"gi_bin_{y}", [None if v != v else int(v) for v in
                                     _numbers(columns[f"gi_bin_{y}"])], digits=0,
                     label=f"Gi*-Klasse {y}" if lang != "en" else f"Gi* class {y}")
              for y in years if f"gi_bin_{y}" in columns]
    span = f"{years[0]}–{years[-1]}" if years else ""
    note = (f"{method_note(method, lang)} {span}: {RULES['en' if lang == 'en' else 'de']}"
            if method.get("permutations") is not None else RULES["en" if lang == "en" else "de"])
    vals = None if values is None else _numbers(values)
    layer = MapLayer(id="emerging", label=f"{label}: Emerging Hot Spots {span}".strip(),
                     unit=unit, kind="emerging", classes=classes, class_of=class_of,
                     values=[None if v is None or v != v else v for v in vals]
                     if vals is not None else [None] * len(codes),
                     columns=shown, note=note, value_label=label)
    return layer, f"Emerging Hot Spots: {label}"
