"""The geopandas front door of the maps: GeoDataFrames and analyses to HTML maps.

Frames come from :func:`geosozial.geo.areas.read_areas` (columns ``key``,
``name``, attributes, ``geometry``) or from a result GeoPackage. A value column ``f``
with a sibling ``f_flag`` (``geheim``, official symbols) shows suppressed values as
"geheim gehalten". Catalogue indicators get their German label and unit.

Example:
    >>> built = indicator_map(frame, ["sgb2_quote"], title="SGB II")  # doctest: +SKIP
    >>> built.write("karte.html")  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from geosozial.core.keys import kreis_outline_groups
from geosozial.core.messages import GeosozialError, define
from geosozial.core.results import column_names, result_kind
from geosozial.geo.areas import geobasis_attribution
from geosozial.geo.mapdoc import BuiltMap, build_map
from geosozial.maps.analysis import analysis_layers, field_label
from geosozial.maps.html import MapLayer
from geosozial.maps.layers import (
    choropleth_layer,
)
from geosozial.maps.notes import map_date

define("maps.frames.no_field",
       de="{source}: Feld {field} gibt es nicht. Zahlenfelder: {fields}",
       en="{source}: there is no field {field}. Numeric fields: {fields}")
define("maps.frames.not_numeric",
       de="{source}: Feld {field} ist keine Zahl (z. B. {example!r} bei {key}).",
       en="{source}: field {field} is not numeric (e.g. {example!r} for {key}).")


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


def numeric_field(frame: pd.DataFrame, field: str, source: str = "") -> np.ndarray:
    """The values of ``field`` as floats (NaN where missing); clear errors otherwise.

    Example:
        >>> numeric_field(pd.DataFrame({"key": ["a"], "v": ["1,5"]}), "v")
        Traceback (most recent call last):
        geosozial.core.messages.GeosozialError: : Feld v ist keine Zahl (z. B. '1,5' bei a).
    """
    if field not in frame.columns:
        numeric = [str(c) for c in frame.columns if c != "geometry"
                   and pd.api.types.is_numeric_dtype(frame[c])]
        raise GeosozialError("maps.frames.no_field", source=source, field=field,
                             fields=", ".join(numeric))
    raw = frame[field]
    values = pd.to_numeric(raw, errors="coerce")
    bad = values.isna() & raw.notna() & (raw.astype(str).str.strip() != "")
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        key = frame["key"].iloc[i] if "key" in frame.columns else i + 1
        raise GeosozialError("maps.frames.not_numeric", source=source, field=field,
                             example=raw.iloc[i], key=key)
    return values.to_numpy(dtype=float)


def field_layer(frame: pd.DataFrame, field: str, *, label: str | None = None,
                unit: str | None = None, scheme: str = "quantiles", k: int = 5,
                breaks: Sequence[float] | None = None, palette_name: str = "YlOrRd",
                digits: int = 1, lang: str = "de", source: str = "") -> MapLayer:
    """A choropleth layer of one field (flags from ``<field>_flag`` where present).

    Example:
        >>> f = pd.DataFrame({"key": list("abcd"), "q": [1.0, 2, 3, 4],
        ...                   "q_flag": ["", "", "geheim", ""]})
        >>> field_layer(f, "q", k=2).class_of
        [0, 0, -2, 1]
    """
    values = numeric_field(frame, field, source)
    flag_col = f"{field}_flag"
    flags = frame[flag_col].fillna("").astype(str).tolist() if flag_col in frame.columns \
        else None
    default_label, default_unit = field_label(field, lang)
    scheme_names = {"quantiles": "Quantile", "natural_breaks": "natürliche Klassen "
                    "(Fisher-Jenks)", "equal_interval": "gleiche Abstände",
                    "manual": "feste Grenzen"}
    note = (f"Klassen: {scheme_names.get(scheme, scheme)}" if lang != "en"
            else f"Classes: {scheme.replace('_', ' ')}")
    return choropleth_layer(values, id=field, label=label or default_label,
                            unit=default_unit if unit is None else unit, flags=flags,
                            scheme=scheme, k=k, breaks=breaks, palette_name=palette_name,
                            digits=digits, note=note, lang=lang)


def indicator_map(frame: Any, fields: Sequence[str], *, title: str, scheme: str = "quantiles",
                  k: int = 5, breaks: Sequence[float] | None = None,
                  palette_name: str = "YlOrRd", outline_groups: Sequence[Any] | None = None,
                  labels: dict[str, tuple[str, str]] | None = None, lang: str = "de",
                  source: str = "", **options: Any) -> BuiltMap:
    """A choropleth map of one or more fields (a switcher when there are several).

    ``labels`` maps a field to (label, unit) (default: the indicator catalogue).
    ``options`` go to :func:`~geosozial.geo.mapdoc.build_map` (attribution, date,
    source, method_note, summary, basemap, tolerance, max_bytes). Without
    ``outline_groups``, Kreis outlines are drawn when the map spans several Kreise.

    Example:
        >>> indicator_map(frame, ["sgb2_quote", "kinderarmut"], title="Armut")  # doctest: +SKIP
    """
    labels = labels or {}
    layers = [field_layer(frame, f, label=labels.get(f, (None, None))[0],
                          unit=labels.get(f, (None, None))[1], scheme=scheme, k=k,
                          breaks=breaks, palette_name=palette_name, lang=lang, source=source)
              for f in fields]
    return _build(frame, layers, title=title, outline_groups=outline_groups, lang=lang,
                  source=source, **options)


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
    from geosozial.maps.notes import method_line

    method = analysis.method()
    kind = result_kind(analysis.frame.columns) or "lisa"
    field = analysis.field_name
    result = _aligned(frame, analysis.frame)
    label, unit = label or field_label(field, lang)
    values = numeric_field(frame, field, source)
    islands = None
    if kind == "gi":
        mask = np.zeros(len(analysis.frame), dtype=bool)
        mask[np.asarray(analysis.weights.islands, dtype=np.int64)] = True
        islands = [bool(mask[pos]) if pos is not None else False
                   for pos in _positions(frame, analysis.frame)]
    columns = {c: result[c].tolist() for c in column_names(kind)}
    main, sig, default_title = analysis_layers(kind, columns, method, label=label, unit=unit,
                                               values=values, islands=islands, lang=lang)
    value_layer = field_layer(frame, field, label=label, unit=unit, scheme=scheme, k=k,
                              palette_name=palette_name, lang=lang, source=source)
    heading = title or default_title
    options.setdefault("method_note", method_line(method, lang))
    return _build(frame, [main, sig, value_layer], title=heading,
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
