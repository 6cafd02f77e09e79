"""What a map shows, from core columns: choropleth layers, years with common classes,
LISA/Gi* layers (standard library, numpy and the rest of :mod:`geosozial.maps`).

Every door builds the layers of its maps here from :class:`~geosozial.core.columns.
Columns` (``key``, ``name``, value columns and their ``<field>_flag``) and only adds the
geometry: the geopandas door (:mod:`geosozial.geo.maps`) and the QGIS plugin, so the
same values give the same legends, classes, colours and tooltips in both.

Examples
--------
>>> from geosozial.core.columns import Columns
>>> t = Columns({"key": list("abcd"), "q": [1.0, 2, 3, 4], "q_flag": ["", "", "geheim", ""]})
>>> field_layer(t, "q", k=2).class_of
[0, 0, -2, 1]
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from geosozial.core.columns import Columns, flag_column
from geosozial.core.indicators import field_label
from geosozial.core.messages import GeosozialError, define, render
from geosozial.maps.classify import class_labels, common_breaks, scheme_name, shown_digits
from geosozial.maps.html import LegendClass, MapLayer
from geosozial.maps.layers import _values_and_suppressed, choropleth_layer
from geosozial.maps.palettes import CHANGE_PALETTE, palette_kind

__all__ = ["Breaks", "field_layer", "field_scheme", "field_years", "numeric_values",
           "same_keys", "shared_classes", "table_flags", "table_keys", "year_list"]

define("maps.frames.no_field",
       de="{source}: Feld {field} gibt es nicht. Zahlenfelder: {fields}",
       en="{source}: there is no field {field}. Numeric fields: {fields}")
define("maps.frames.not_numeric",
       de="{source}: Feld {field} ist keine Zahl (z. B. {example!r} bei {key}).",
       en="{source}: field {field} is not numeric (e.g. {example!r} for {key}).")
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

#: Class limits: one list for all fields (``scheme="manual"``) or one per field.
Breaks = Sequence[float] | Mapping[str, Sequence[float]] | None

#: Decimals of the values in year maps before :func:`shown_digits` adds what the classes need.
VALUE_DIGITS = 1


def numeric_values(table: Columns, field: str, source: str = "") -> np.ndarray:
    """The values of ``field`` as floats (NaN where missing); clear errors otherwise.

    Examples
    --------
    >>> numeric_values(Columns({"key": ["a"], "v": ["1,5"]}), "v")
    Traceback (most recent call last):
    geosozial.core.messages.GeosozialError: : Feld v ist keine Zahl (z. B. '1,5' bei a).
    """
    if field not in table:
        numeric = [c for c in table.columns if table.is_numeric(c)]
        raise GeosozialError("maps.frames.no_field", source=source, field=field,
                             fields=", ".join(numeric))
    values = table.numbers(field)
    if not table.is_numeric(field):
        texts = table.texts(field)
        bad = [i for i, (v, t) in enumerate(zip(values, texts, strict=True))
               if math.isnan(v) and t.strip() != ""]
        if bad:
            i = bad[0]
            key = table.texts("key")[i] if "key" in table else i + 1
            raise GeosozialError("maps.frames.not_numeric", source=source, field=field,
                                 example=texts[i], key=key)
    return values


def table_flags(table: Columns, field: str) -> list[str] | None:
    """The statistical flags of ``field`` (column ``<field>_flag``), None without."""
    column = flag_column(field)
    return table.texts(column) if column in table else None


def table_keys(table: Columns) -> list[str]:
    """The keys of the areas (``key``; positions from 1 without)."""
    return table.texts("key") if "key" in table else [str(i + 1) for i in range(len(table))]


def field_layer(table: Columns, field: str, *, label: str | None = None,
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

    Examples
    --------
    >>> d = Columns({"key": list("abcd"), "d": [-2.0, -0.4, 0.3, 1.5]})
    >>> layer = field_layer(d, "d", k=3, diverging=True)
    >>> layer.class_of, [c.label for c in layer.classes], layer.signed
    ([0, 1, 1, 2], ['bis −0,7', '−0,7 bis +0,7', 'über +0,7'], True)
    """
    values = numeric_values(table, field, source)
    flags = table_flags(table, field)
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


def field_scheme(field: str, scheme: str, breaks: Breaks, change: bool) -> dict[str, Any]:
    """Scheme and breaks of one field: per-field limits, the common ones, or none.

    Examples
    --------
    >>> field_scheme("q", "quantiles", {"q": [1, 2]}, False)
    {'scheme': 'manual', 'breaks': [1, 2]}
    """
    if isinstance(breaks, Mapping):
        limits = breaks.get(field)
        if limits is not None:
            return {"scheme": "diverging" if change else "manual", "breaks": list(limits)}
        return {"scheme": "diverging" if change else scheme, "breaks": None}
    if change:
        return {"scheme": "diverging", "breaks": None}
    return {"scheme": scheme, "breaks": None if breaks is None else list(breaks)}


def year_list(tables: Mapping[int, Any]) -> list[int]:
    """The years, ascending (whole numbers, at least one).

    Examples
    --------
    >>> year_list({2023: None, 2021: None})
    [2021, 2023]
    """
    if not tables:
        raise GeosozialError("maps.years.none")
    years = []
    for year in tables:
        if isinstance(year, bool) or not isinstance(year, (int, np.integer)):
            raise GeosozialError("maps.years.year", year=year)
        years.append(int(year))
    return sorted(years)


def same_keys(tables: Mapping[int, Columns], years: list[int], lang: str) -> None:
    """Every year lists the keys of the last year in the same order (one Gebietsstand)."""
    expected = table_keys(tables[years[-1]])
    none = "(no area)" if lang == "en" else "(kein Gebiet)"
    for year in years[:-1]:
        keys = table_keys(tables[year])
        if keys == expected:
            continue
        position = next((i for i, (a, b) in enumerate(zip(keys, expected, strict=False))
                         if a != b),
                        min(len(keys), len(expected)))
        raise GeosozialError(
            "maps.years.keys", year=year, last=years[-1], position=position + 1,
            key=repr(keys[position]) if position < len(keys) else none,
            expected=repr(expected[position]) if position < len(expected) else none)


def shared_classes(tables: Mapping[int, Columns], field: str, *, scheme: str = "quantiles",
                   k: int = 5, breaks: Sequence[float] | None = None, label: str | None = None,
                   lang: str = "de", source: str = "") -> tuple[tuple[float, ...], str]:
    """The class breaks of ``field`` over all years of ``tables`` and the legend note.

    Suppressed values do not shape the classes; the note names the years whose values
    made them ("Klassen gemeinsam für 2021–2023 (Quantile)"). Each year's map then
    classifies with these breaks (``scheme="manual"``, or ``"diverging"`` for changes),
    so that the yearly maps can be compared.

    Examples
    --------
    >>> f = {2022: Columns({"key": list("ab"), "q": [1.0, 2.0]}),
    ...      2023: Columns({"key": list("ab"), "q": [3.0, 4.0]})}
    >>> shared_classes(f, "q", k=2)
    ((2.5, 4.0), 'Klassen gemeinsam für 2022–2023 (Quantile)')
    """
    years = sorted(tables)
    present = [y for y in years if field in tables[y]]
    if not present:  # the error names the field and the numeric fields of the last year
        numeric_values(tables[years[-1]], field, source)
    pooled = []
    for year in present:  # suppressed values must not shape the classes
        table = tables[year]
        y, _ = _values_and_suppressed(numeric_values(table, field,
                                                     f"{source} {year}".strip()),
                                      table_flags(table, field), field)
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


def field_years(tables: Mapping[int, Columns], years: list[int], field: str, *,
                label: str | None, unit: str | None, scheme: str, k: int,
                breaks: Sequence[float] | None, palette_name: str, diverging: bool,
                lang: str, source: str) -> list[MapLayer]:
    """The layers of one field, last year first, all with the breaks of all years."""
    present = [y for y in years if field in tables[y]]
    shared, note = shared_classes(tables, field, scheme=scheme, k=k, breaks=breaks,
                                  label=label, lang=lang, source=source)
    fixed = "diverging" if diverging else "manual"
    built: dict[int, MapLayer] = {}
    for year in present:
        layer = field_layer(tables[year], field, label=label, unit=unit, scheme=fixed, k=k,
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
        else:  # the field is not in this year's table: no data everywhere
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


def indicator_layers(table: Columns, fields: Sequence[str], *, scheme: str = "quantiles",
                     k: int = 5, breaks: Breaks = None, palette_name: str = "YlOrRd",
                     labels: Mapping[str, tuple[str, str]] | None = None, lang: str = "de",
                     source: str = "", diverging: Sequence[str] = (),
                     diverging_palette: str = CHANGE_PALETTE,
                     notes: Mapping[str, str] | None = None) -> list[MapLayer]:
    """The layers of a map of one or more fields (see
    :func:`geosozial.geo.maps.indicator_map`)."""
    labels = labels or {}
    changes = set(diverging)
    return [field_layer(table, f, label=labels.get(f, (None, None))[0],
                        unit=labels.get(f, (None, None))[1], k=k,
                        **field_scheme(f, scheme, breaks, f in changes),
                        palette_name=diverging_palette if f in changes else palette_name,
                        lang=lang, source=source, diverging=f in changes,
                        note=(notes or {}).get(f))
            for f in fields]


def years_layers(tables: Mapping[int, Columns], fields: Sequence[str], *,
                 scheme: str = "quantiles", k: int = 5, breaks: Breaks = None,
                 palette_name: str = "YlOrRd",
                 labels: Mapping[str, tuple[str, str]] | None = None,
                 diverging: Sequence[str] = (), lang: str = "de", source: str = "",
                 diverging_palette: str = CHANGE_PALETTE) -> list[MapLayer]:
    """The layers of a map of several years (see :func:`geosozial.geo.maps.years_map`)."""
    years = year_list(tables)
    same_keys(tables, years, lang)
    labels = labels or {}
    changes = set(diverging)
    layers: list[MapLayer] = []
    for field in fields:
        change = field in changes
        layers += field_years(
            tables, years, field, label=labels.get(field, (None, None))[0],
            unit=labels.get(field, (None, None))[1], k=k,
            **field_scheme(field, scheme, breaks, change),
            palette_name=diverging_palette if change else palette_name, diverging=change,
            lang=lang, source=source)
    return layers


def analysis_content(table: Columns, kind: str, field: str, columns: Mapping[str, list],
                     method: Mapping[str, Any], *, islands: Sequence[bool] | None = None,
                     lang: str = "de", scheme: str = "quantiles", k: int = 5,
                     palette_name: str = "YlOrRd", source: str = "",
                     label: tuple[str, str] | None = None
                     ) -> tuple[list[MapLayer], str, str]:
    """The layers, default title and method note of a LISA/Gi* (or other local
    statistic) map: the class layer, the significance layer and the field's values.

    ``columns`` are the result columns of the statistic (:mod:`geosozial.core.results`)
    aligned with ``table`` (None where an area was left out).
    """
    from geosozial.maps.analysis import analysis_layers
    from geosozial.maps.notes import method_line

    label_text, unit = label or field_label(field, lang)
    values = numeric_values(table, field, source)
    main, sig, title = analysis_layers(kind, dict(columns), dict(method), label=label_text,
                                       unit=unit, values=values, islands=islands, lang=lang)
    value_layer = field_layer(table, field, label=label_text, unit=unit, scheme=scheme, k=k,
                              palette_name=palette_name, lang=lang, source=source)
    return [main, sig, value_layer], title, method_line(dict(method), lang)
