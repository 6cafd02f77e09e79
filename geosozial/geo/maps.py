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

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from geosozial.core.keys import kreis_outline_groups
from geosozial.core.messages import GeosozialError, define, render
from geosozial.core.results import column_names, result_kind
from geosozial.geo.areas import geobasis_attribution
from geosozial.geo.mapdoc import BuiltMap, build_map
from geosozial.maps.analysis import analysis_layers, field_label
from geosozial.maps.classify import class_labels, common_breaks, scheme_name, shown_digits
from geosozial.maps.html import LegendClass, MapLayer
from geosozial.maps.layers import (
    _values_and_suppressed,
    choropleth_layer,
)
from geosozial.maps.notes import map_date
from geosozial.maps.palettes import CHANGE_PALETTE, palette_kind

define("maps.frames.no_field",
       de="{source}: Feld {field} gibt es nicht. Zahlenfelder: {fields}",
       en="{source}: there is no field {field}. Numeric fields: {fields}")
define("maps.frames.not_numeric",
       de="{source}: Feld {field} ist keine Zahl (z. B. {example!r} bei {key}).",
       en="{source}: field {field} is not numeric (e.g. {example!r} for {key}).")
#: Class limits: one list for all fields (``scheme="manual"``) or one per field.
Breaks = Sequence[float] | Mapping[str, Sequence[float]] | None

#: Decimals of the values in year maps before :func:`shown_digits` adds what the classes need.
VALUE_DIGITS = 1

define("maps.years.none", de="Die Karte der Jahre braucht mindestens ein Jahr.",
       en="the map of years needs at least one year.")
define("maps.years.year", de="Jahr {year!r} ist keine Jahreszahl.",
       en="year {year!r} is not a year.")
define("maps.years.keys",
       de="{year}: die Gebiete sind nicht die von {last} (alle Jahre brauchen denselben "
       "Gebietsstand, dieselben Schlüssel in derselben Reihenfolge): an Position "
       "{position} steht {key}, in {last} {expected}.",
       en="{year}: the areas are not those of {last} (all years need the same "
       "Gebietsstand, the same keys in the same order): at position {position} there is "
       "{key}, in {last} {expected}.")
define("maps.years.note",
       de="Klassen gemeinsam für {years} ({scheme})",
       en="classes common to {years} ({scheme})")
define("maps.years.absent",
       de="Für {year} fehlt das Feld: keine Daten.",
       en="the field is missing for {year}: no data.")


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
                digits: int = 1, lang: str = "de", source: str = "",
                diverging: bool = False, note: str | None = None) -> MapLayer:
    """A choropleth layer of one field (flags from ``<field>_flag`` where present).

    ``diverging=True`` makes a change map: classes symmetric around 0 (scheme
    ``"diverging"``, :func:`geosozial.maps.classify.diverging`; given ``breaks`` are
    used as they are, with signed labels), the palette ``palette_name`` if it is a
    diverging one, else :data:`~geosozial.maps.palettes.CHANGE_PALETTE`, turned round
    (decrease blue, increase red), values shown with their sign. ``note`` replaces the
    method note under the legend ("Klassen: Quantile").

    Example:
        >>> f = pd.DataFrame({"key": list("abcd"), "q": [1.0, 2, 3, 4],
        ...                   "q_flag": ["", "", "geheim", ""]})
        >>> field_layer(f, "q", k=2).class_of
        [0, 0, -2, 1]
        >>> d = pd.DataFrame({"key": list("abcd"), "d": [-2.0, -0.4, 0.3, 1.5]})
        >>> layer = field_layer(d, "d", k=3, diverging=True)
        >>> layer.class_of, [c.label for c in layer.classes], layer.signed
        ([0, 1, 1, 2], ['bis −0,7', '−0,7 bis +0,7', 'über +0,7'], True)
    """
    values = numeric_field(frame, field, source)
    flags = _flags(frame, field)
    default_label, default_unit = field_label(field, lang)
    if diverging:
        scheme = "diverging"
        if palette_kind(palette_name) != "diverging":
            palette_name = CHANGE_PALETTE
    if note is None:
        note = f"{'Classes' if lang == 'en' else 'Klassen'}: {scheme_name(scheme, lang)}"
    layer = choropleth_layer(values, id=field, label=label or default_label,
                             unit=default_unit if unit is None else unit, flags=flags,
                             scheme=scheme, k=k, breaks=breaks, palette_name=palette_name,
                             reverse=diverging, digits=digits, note=note, lang=lang)
    return replace(layer, signed=True) if diverging else layer


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

    Example:
        >>> indicator_map(frame, ["sgb2_quote", "kinderarmut"], title="Armut")  # doctest: +SKIP
    """
    labels = labels or {}
    changes = set(diverging)
    layers = [field_layer(frame, f, label=labels.get(f, (None, None))[0],
                          unit=labels.get(f, (None, None))[1], k=k,
                          **_field_scheme(f, scheme, breaks, f in changes),
                          palette_name=diverging_palette if f in changes else palette_name,
                          lang=lang, source=source, diverging=f in changes,
                          note=(notes or {}).get(f))
              for f in fields]
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
    and the first field, and switching the year keeps the field and vice versa.

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
    years = _years(frames)
    last = frames[years[-1]]
    _same_keys(frames, years, lang)
    labels = labels or {}
    changes = set(diverging)
    layers: list[MapLayer] = []
    for field in fields:
        change = field in changes
        layers += _field_years(
            frames, years, field, label=labels.get(field, (None, None))[0],
            unit=labels.get(field, (None, None))[1], k=k,
            **_field_scheme(field, scheme, breaks, change),
            palette_name=diverging_palette if change else palette_name, diverging=change,
            lang=lang, source=source)
    return _build(last, layers, title=title, outline_groups=outline_groups, lang=lang,
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


def _field_scheme(field: str, scheme: str, breaks: Breaks, change: bool) -> dict[str, Any]:
    """Scheme and breaks of one field: per-field limits, the common ones, or none."""
    if isinstance(breaks, Mapping):
        limits = breaks.get(field)
        if limits is not None:
            return {"scheme": "diverging" if change else "manual", "breaks": list(limits)}
        return {"scheme": "diverging" if change else scheme, "breaks": None}
    if change:
        return {"scheme": "diverging", "breaks": None}
    return {"scheme": scheme, "breaks": None if breaks is None else list(breaks)}


def _flags(frame: pd.DataFrame, field: str) -> list[str] | None:
    """The statistical flags of ``field`` (column ``<field>_flag``), None without."""
    column = f"{field}_flag"
    return frame[column].fillna("").astype(str).tolist() if column in frame.columns else None


def _years(frames: Mapping[int, Any]) -> list[int]:
    """The years, ascending (whole numbers, at least one)."""
    if not frames:
        raise GeosozialError("maps.years.none")
    years = []
    for year in frames:
        if isinstance(year, bool) or not isinstance(year, (int, np.integer)):
            raise GeosozialError("maps.years.year", year=year)
        years.append(int(year))
    return sorted(years)


def _keys(frame: Any) -> list[str]:
    return frame["key"].astype(str).tolist() if "key" in frame.columns else \
        [str(i + 1) for i in range(len(frame))]


def _same_keys(frames: Mapping[int, Any], years: list[int], lang: str) -> None:
    """Every year lists the keys of the last year in the same order (one Gebietsstand)."""
    expected = _keys(frames[years[-1]])
    none = "(no area)" if lang == "en" else "(kein Gebiet)"
    for year in years[:-1]:
        keys = _keys(frames[year])
        if keys == expected:
            continue
        position = next((i for i, (a, b) in enumerate(zip(keys, expected, strict=False))
                         if a != b),
                        min(len(keys), len(expected)))
        raise GeosozialError(
            "maps.years.keys", year=year, last=years[-1], position=position + 1,
            key=repr(keys[position]) if position < len(keys) else none,
            expected=repr(expected[position]) if position < len(expected) else none)


def shared_classes(frames: Mapping[int, Any], field: str, *, scheme: str = "quantiles",
                   k: int = 5, breaks: Sequence[float] | None = None, label: str | None = None,
                   lang: str = "de", source: str = "") -> tuple[tuple[float, ...], str]:
    """The class breaks of ``field`` over all years of ``frames`` and the legend note.

    Suppressed values do not shape the classes; the note names the years whose values
    made them ("Klassen gemeinsam für 2021–2023 (Quantile)"). Each year's map then
    classifies with these breaks (``scheme="manual"``, or ``"diverging"`` for changes),
    so that the yearly maps can be compared.

    Examples
    --------
    >>> f = {2022: pd.DataFrame({"key": list("ab"), "q": [1.0, 2.0]}),
    ...      2023: pd.DataFrame({"key": list("ab"), "q": [3.0, 4.0]})}
    >>> shared_classes(f, "q", k=2)
    ((2.5, 4.0), 'Klassen gemeinsam für 2022–2023 (Quantile)')
    """
    years = sorted(frames)
    present = [y for y in years if field in frames[y].columns]
    if not present:  # the error names the field and the numeric fields of the last year
        numeric_field(frames[years[-1]], field, source)
    pooled = []
    for year in present:  # suppressed values must not shape the classes
        frame = frames[year]
        y, _ = _values_and_suppressed(numeric_field(frame, field, f"{source} {year}".strip()),
                                      _flags(frame, field), field)
        pooled.append(y)
    shown_label = label or field_label(field, lang)[0]
    try:
        shared = common_breaks(pooled, scheme, k, breaks)
    except GeosozialError as exc:  # name the field, as choropleth_layer does
        raise GeosozialError("maps.layer.classes", field=field, label=shown_label,
                             problem=exc.text(lang)) from exc
    given = breaks is not None and scheme in ("manual", "diverging")
    name = scheme_name("manual" if given else scheme, lang)
    # the years whose values made the classes (a field missing in a year adds nothing)
    note = render("maps.years.note", {"years": _year_span(present, lang), "scheme": name},
                  lang) if len(present) > 1 else \
        f"{'Classes' if lang == 'en' else 'Klassen'}: {name}"
    return tuple(float(b) for b in shared), note


def _field_years(frames: Mapping[int, Any], years: list[int], field: str, *,
                 label: str | None, unit: str | None, scheme: str, k: int,
                 breaks: Sequence[float] | None, palette_name: str, diverging: bool,
                 lang: str, source: str) -> list[MapLayer]:
    """The layers of one field, last year first, all with the breaks of all years."""
    present = [y for y in years if field in frames[y].columns]
    shared, note = shared_classes(frames, field, scheme=scheme, k=k, breaks=breaks,
                                  label=label, lang=lang, source=source)
    fixed = "diverging" if diverging else "manual"
    built: dict[int, MapLayer] = {}
    for year in present:
        layer = field_layer(frames[year], field, label=label, unit=unit, scheme=fixed, k=k,
                            breaks=shared, palette_name=palette_name, lang=lang,
                            source=f"{source} {year}".strip(), diverging=diverging,
                            note=note)
        built[year] = replace(layer, id=f"{field}_{year}", group=field, year=year)
    # one legend for all years: labels and decimals from all shown values together
    values = np.concatenate([[math.nan if v is None else v for v in built[y].values]
                             for y in present])
    classes = np.concatenate([np.asarray(built[y].class_of) for y in present])
    reference = built[present[-1]]
    value_digits, label_d = shown_digits(values, classes, shared, VALUE_DIGITS)
    finite = values[~np.isnan(values)]
    texts = class_labels(shared, label_d, lang, minimum=float(finite.min()) if len(finite)
                         else None, signed=diverging)
    colours = [c.colour for c in reference.classes]
    out = []
    n = len(reference.class_of)
    for year in reversed(years):
        legend = [LegendClass(text, colour) for text, colour in zip(texts, colours,
                                                                    strict=True)]
        if year in built:
            layer = replace(built[year], classes=legend, digits=value_digits)
        else:  # the field is not in this year's frame: no data everywhere
            absent = render("maps.years.absent", {"year": year}, lang)
            layer = replace(reference, id=f"{field}_{year}", year=year, classes=legend,
                            digits=value_digits, class_of=[-1] * n, values=[None] * n,
                            flags=None, columns=(), note=f"{note}. {absent}")
        out.append(layer)
    return out


def _year_span(years: list[int], lang: str) -> str:
    """``2021–2023`` for consecutive years, else ``2019, 2021 und 2023``."""
    if len(years) == 1:
        return str(years[0])
    if years == list(range(years[0], years[-1] + 1)):
        return f"{years[0]}\u2013{years[-1]}"
    word = "and" if lang == "en" else "und"
    return ", ".join(str(y) for y in years[:-1]) + f" {word} {years[-1]}"


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
