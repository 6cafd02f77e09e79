"""The geopandas front door of the maps: GeoDataFrames and analyses to HTML maps.

Frames come from :func:`geosozial.geo.areas.read_areas` (columns ``key``,
``name``, attributes, ``geometry``) or from a result GeoPackage. A value column ``f``
with a sibling ``f_flag`` (``geheim``, official symbols) shows suppressed values as
"geheim gehalten". Catalogue indicators get their German label and unit.

:func:`years_map` puts several years of one Gebietsstand into one map (a year control,
classes common to all years); fields named in ``diverging`` (changes, e.g.
``sgb2_quote_diff_2``) are drawn as change maps: classes symmetric around 0
(:func:`geosozial.maps.classify.diverging`), decrease blue, increase red.

Example:
    >>> built = indicator_map(frame, ["sgb2_quote"], title="SGB II")  # doctest: +SKIP
    >>> built.write("karte.html")  # doctest: +SKIP
    >>> years_map({2021: f21, 2022: f22, 2023: f23}, ["sgb2_quote"],
    ...           title="SGB II")  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from geosozial.core.columns import Columns
from geosozial.core.keys import kreis_outline_groups
from geosozial.core.results import column_names, result_kind
from geosozial.geo.areas import geobasis_attribution
from geosozial.geo.mapdoc import BuiltMap, build_map
from geosozial.maps.analysis import field_label  # noqa: F401  (re-exported)
from geosozial.maps.content import (  # noqa: F401  (re-exported)
    VALUE_DIGITS,
    Breaks,
    analysis_content,
    indicator_layers,
    numeric_values,
    year_list,
    years_layers,
)
from geosozial.maps.content import field_layer as content_field_layer
from geosozial.maps.content import shared_classes as content_shared_classes
from geosozial.maps.html import MapLayer
from geosozial.maps.notes import map_date
from geosozial.maps.palettes import CHANGE_PALETTE


def labels_from_metadata(meta: dict[str, str], lang: str = "de") -> dict[str, tuple[str, str]]:
    """Field -> (label, unit) from the ``indikatoren`` entry a GeoPackage of
    ``geosozial aggregate`` or ``report`` carries (custom rates included).

    Example:
        >>> labels_from_metadata({"indikatoren": '{"fa": {"label": "Frauenanteil", "unit": "%"}}'})
        {'fa': ('Frauenanteil', '%')}
    """
    import json

    try:
        entries = json.loads(meta.get("indikatoren", "{}"))
    except ValueError:
        return {}
    if not isinstance(entries, dict):
        return {}
    out = {}
    for ident, spec in entries.items():
        if isinstance(spec, dict):
            label = spec.get("label_en") if lang == "en" and spec.get("label_en") else \
                spec.get("label", ident)
            out[str(ident)] = (str(label), str(spec.get("unit", "")))
    return out










def _table(frame: Any) -> Columns:
    """The attribute columns of a frame as core columns (the map content's input)."""
    from geosozial.geo.frames import to_columns

    return to_columns(frame)


def numeric_field(frame: pd.DataFrame, field: str, source: str = "") -> np.ndarray:
    """The values of ``field`` as floats (NaN where missing); clear errors otherwise
    (:func:`geosozial.maps.content.numeric_values`).

    Example:
        >>> numeric_field(pd.DataFrame({"key": ["a"], "v": ["1,5"]}), "v")
        Traceback (most recent call last):
        geosozial.core.messages.GeosozialError: : Feld v ist keine Zahl (z. B. '1,5' bei a).
    """
    return numeric_values(_table(frame), field, source)


def field_layer(frame: pd.DataFrame, field: str, **options: Any) -> MapLayer:
    """A choropleth layer of one field of a frame (:func:`geosozial.maps.content.
    field_layer`).

    Example:
        >>> f = pd.DataFrame({"key": list("abcd"), "q": [1.0, 2, 3, 4],
        ...                   "q_flag": ["", "", "geheim", ""]})
        >>> field_layer(f, "q", k=2).class_of
        [0, 0, -2, 1]
    """
    return content_field_layer(_table(frame), field, **options)


def shared_classes(frames: Mapping[int, Any], field: str, **options: Any
                   ) -> tuple[tuple[float, ...], str]:
    """The class breaks of ``field`` over all years of ``frames`` and the legend note
    (:func:`geosozial.maps.content.shared_classes`).

    Examples
    --------
    >>> f = {2022: pd.DataFrame({"key": list("ab"), "q": [1.0, 2.0]}),
    ...      2023: pd.DataFrame({"key": list("ab"), "q": [3.0, 4.0]})}
    >>> shared_classes(f, "q", k=2)
    ((2.5, 4.0), 'Klassen gemeinsam für 2022–2023 (Quantile)')
    """
    return content_shared_classes({y: _table(f) for y, f in frames.items()}, field,
                                  **options)


def indicator_map(frame: Any, fields: Sequence[str], *, title: str, scheme: str = "quantiles",
                  k: int = 5, breaks: Breaks = None,
                  palette_name: str = "YlOrRd", outline_groups: Sequence[Any] | None = None,
                  labels: dict[str, tuple[str, str]] | None = None, lang: str = "de",
                  source: str = "", diverging: Collection[str] = (),
                  diverging_palette: str = CHANGE_PALETTE,
                  notes: Mapping[str, str] | None = None,
                  **options: Any) -> BuiltMap:
    """A choropleth map of one or more fields (a switcher when there are several).

    ``notes`` replaces the legend note of single fields (e.g. the note of
    :func:`shared_classes` when the breaks are common to several years).

    ``labels`` maps a field to (label, unit) (default: the indicator catalogue).
    Fields in ``diverging`` (changes) are change maps (see :func:`field_layer`):
    classes symmetric around 0, ``diverging_palette``; ``scheme`` and ``palette_name``
    are for the other fields. ``breaks``: upper class limits for ``scheme="manual"``
    (not for change fields), or a mapping field -> limits for single fields (any
    field, change fields too, whatever ``scheme`` is).
    ``options`` go to :func:`~geosozial.geo.mapdoc.build_map` (attribution, date,
    source, method_note, summary, basemap, tolerance, max_bytes). Without
    ``outline_groups``, Kreis outlines are drawn when the map spans several Kreise.
    The layers are :func:`geosozial.maps.content.indicator_layers`.

    Example:
        >>> indicator_map(frame, ["sgb2_quote", "kinderarmut"], title="Armut")  # doctest: +SKIP
    """
    layers = indicator_layers(_table(frame), fields, scheme=scheme, k=k, breaks=breaks,
                              palette_name=palette_name, labels=labels, lang=lang,
                              source=source, diverging=list(diverging),
                              diverging_palette=diverging_palette, notes=notes)
    return _build(frame, layers, title=title, outline_groups=outline_groups, lang=lang,
                  source=source, **options)


def years_map(frames: Mapping[int, Any], fields: Sequence[str], *, title: str,
              scheme: str = "quantiles", k: int = 5, breaks: Breaks = None,
              palette_name: str = "YlOrRd",
              labels: dict[str, tuple[str, str]] | None = None,
              diverging: Collection[str] = (), outline_groups: Sequence[Any] | None = None,
              lang: str = "de", source: str = "",
              diverging_palette: str = CHANGE_PALETTE,
              **options: Any) -> BuiltMap:
    """One map of several years on one Gebietsstand: a year control, common classes.

    For each field the class breaks are computed once over the values of all years
    (:func:`geosozial.maps.classify.common_breaks`; suppressed values left out), so the
    same value has the same class and colour in every year; the legend note says so
    ("Klassen gemeinsam für 2021–2023 (Quantile)"). Each field gets one layer per year
    (:func:`field_layer` with the common breaks: "geheim" and missing values as there),
    all with the same legend labels and decimals; the note names the years whose values
    made the classes (those that have the field). The geometry (stored once in the
    page), names and keys are those of the last year; the page opens on the last year
    and the first field, and switching the year keeps the field and vice versa. The
    layers are :func:`geosozial.maps.content.years_layers`.

    Parameters
    ----------
    frames : mapping of int to GeoDataFrame
        Year -> frame with ``key``, ``name``, geometry, the fields and their
        ``<field>_flag`` columns. All frames must list the same keys in the same order.
    fields : sequence of str
        The fields to map. A field missing from the frame of some year is shown for
        that year as "keine Daten" everywhere (with a note), so that every field has
        every year; it must be in at least one frame.
    title : str
        Title of the page.
    scheme, k, palette_name
        Classification and ColorBrewer palette of the fields (not the change fields).
    breaks : sequence of float or mapping, optional
        Upper class limits for ``scheme="manual"`` (not for change fields), or a mapping
        field -> limits for single fields (change fields too), as :func:`indicator_map`.
    labels : dict, optional
        Field -> (label, unit); default: the indicator catalogue.
    diverging : collection of str
        Fields that are changes (e.g. ``sgb2_quote_diff_2``): classes symmetric around 0
        over all years (:func:`geosozial.maps.classify.diverging`, from the largest
        absolute change of all years), ``diverging_palette`` turned round (decrease
        blue, increase red), values and labels with signs.
    outline_groups, lang, source, options
        As :func:`indicator_map` (``options`` go to
        :func:`~geosozial.geo.mapdoc.build_map`).

    Returns
    -------
    BuiltMap
        The page; ``document.layers`` holds per field the years from the last to the
        first, layer ids ``<field>_<year>``.

    Raises
    ------
    GeosozialError
        No year; a year whose keys differ from the last year's (the message names the
        year and the first differing key); a field in no frame; values that cannot be
        classified (all missing or all equal over all years).

    Examples
    --------
    >>> built = years_map({2021: f2021, 2022: f2022, 2023: f2023}, ["sgb2_quote"],
    ...                   title="SGB II")  # doctest: +SKIP
    >>> [layer.id for layer in built.document.layers]  # doctest: +SKIP
    ['sgb2_quote_2023', 'sgb2_quote_2022', 'sgb2_quote_2021']
    """
    years = year_list(frames)
    tables = {y: _table(frames[y]) for y in years}
    layers = years_layers(tables, fields, scheme=scheme, k=k, breaks=breaks,
                          palette_name=palette_name, labels=labels, diverging=list(diverging),
                          lang=lang, source=source, diverging_palette=diverging_palette)
    return _build(frames[years[-1]], layers, title=title, outline_groups=outline_groups,
                  lang=lang, source=source, **options)


def analysis_map(frame: Any, analysis: Any, *, title: str = "", lang: str = "de",
                 scheme: str = "quantiles", k: int = 5, palette_name: str = "YlOrRd",
                 outline_groups: Sequence[Any] | None = None, source: str = "",
                 label: tuple[str, str] | None = None, **options: Any) -> BuiltMap:
    """The map of a LISA or Gi* analysis: cluster or hot-spot layer, significance, values.

    ``frame`` holds all areas (an area left out of the analysis, e.g. with
    ``dropna``, shows as "keine Daten"); ``analysis`` is the result of
    :func:`geosozial.geo.analysis.local_analysis`. The method note ("999
    Permutationen, Seed 12345, Queen-Nachbarschaft, FDR 5 %") comes from its method
    record. ``label`` is the field's (label, unit) (default: the indicator catalogue).

    Example:
        >>> a = local_analysis(frame, "sgb2_quote", kind="lisa")  # doctest: +SKIP
        >>> analysis_map(frame, a).write("lisa.html")  # doctest: +SKIP
    """
    method = analysis.method()
    kind = result_kind(analysis.frame.columns) or "lisa"
    field = analysis.field_name
    result = _aligned(frame, analysis.frame)
    islands = None
    if kind == "gi":
        mask = np.zeros(len(analysis.frame), dtype=bool)
        mask[np.asarray(analysis.weights.islands, dtype=np.int64)] = True
        islands = [bool(mask[pos]) if pos is not None else False
                   for pos in _positions(frame, analysis.frame)]
    columns = {c: result[c].tolist() for c in column_names(kind)}
    layers, default_title, note = analysis_content(
        _table(frame), kind, field, columns, method, islands=islands, lang=lang,
        scheme=scheme, k=k, palette_name=palette_name, source=source, label=label)
    options.setdefault("method_note", note)
    return _build(frame, layers, title=title or default_title,
                  outline_groups=outline_groups, lang=lang, source=source, **options)


# --- internals -------------------------------------------------------------------------


















def _build(frame: Any, layers: list[MapLayer], *, title: str,
           outline_groups: Sequence[Any] | None, lang: str, source: str,
           **options: Any) -> BuiltMap:
    keys = frame["key"].astype(str).tolist() if "key" in frame.columns else \
        [str(i + 1) for i in range(len(frame))]
    names = frame["name"].astype(str).tolist() if "name" in frame.columns else keys
    if outline_groups is None:
        outline_groups = kreis_outline_groups(keys)
    if not options.get("attribution"):  # the licence credit of the geometries
        options["attribution"] = geobasis_attribution(frame)
    options.setdefault("date", map_date(lang))
    options.setdefault("source", source)
    return build_map(frame.geometry, names=names, keys=keys, layers=layers, title=title,
                     outline_groups=outline_groups, lang=lang, **options)


def _positions(frame: pd.DataFrame, result: pd.DataFrame) -> list[int | None]:
    """Position in ``result`` of each row of ``frame`` (by key; None if left out)."""
    if len(result) == len(frame) and (result["key"].to_numpy() == frame["key"].to_numpy()).all():
        return list(range(len(frame)))
    where = {k: i for i, k in enumerate(result["key"].astype(str))}
    return [where.get(k) for k in frame["key"].astype(str)]


def _aligned(frame: pd.DataFrame, result: pd.DataFrame) -> pd.DataFrame:
    """The result rows in the order of ``frame``; rows left out of the analysis empty."""
    positions = _positions(frame, result)
    taken = pd.DataFrame(result.drop(columns="geometry", errors="ignore")).reset_index(drop=True)
    index = pd.Index([-1 if p is None else p for p in positions])
    return taken.reindex(index).reset_index(drop=True)
