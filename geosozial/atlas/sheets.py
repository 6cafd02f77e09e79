"""The Sozialdatenblatt of one area as a plain dict (the HTML page and the PDF).

:func:`sozialdatenblatt` collects everything a sheet shows into a dict of plain values
(str, int, float, bool, None, lists, dicts), so that every renderer shows the same
content without computing anything: the HTML page (:func:`geosozial.atlas.pages.
sheet_page`) and the PDF (:func:`geosozial.atlas.pdf.sheet_pdf`, which reads the keys of
the first group below). A withheld value is ``None`` with the words "geheim gehalten":
its number never enters the dict.

Keys read by the PDF (numbers as numbers):

``title``, ``level`` (``"Gemeinde"``/``"Sozialraum"``), ``key``, ``name``
    The sheet and its area.
``sozialraum``, ``kreis``
    Name of the municipality's Sozialraum (None on a Sozialraum sheet); the Kreis.
``year``, ``years``, ``gebietsstand``, ``stand``
    The sheet's year (the last), all years, Gebietsstand, Stichtag of the last year.
``population``
    ``{"total": float or None, "age_groups": [{"label", "value", "share",
    "flag_text"}]}``: disjoint age groups (only when every group has a value).
``groups``
    The Handlungsfelder ``[{"name", "indicators": [IND, ...]}]``; IND is
    ``{"id", "label", "unit", "digits", "value" (None: withheld or missing),
    "flag_text" (words instead of a missing value), "sozialraum", "kreis", "deviation"
    (value minus Kreis; None if either is missing), "converted", "series" ([[year,
    value or None], ...])}``.
``clusters``, ``notes``
    Sentences: cluster and hot-spot membership; withheld, not computable and
    converted values, the Gebietsstand, the Land's source.
``source``, ``attribution``
    Data source, geometry credit.

More keys for the HTML page (``"schema": "geosozial.sozialdatenblatt/1"``):

``lang``, ``atlas`` (site title), ``kind`` (Stadt, Gemeinde), ``page``,
``sozialraum_page``, ``members`` (``[{"key", "name", "page"}]`` of a Sozialraum),
``geheimhaltung``, ``quelle``, ``land`` (``{"name", "year", "source"}`` or None)
    As the names say.
``indicators``
    Every indicator once, in project order (the same IND dicts as in ``groups``), each
    with more keys: ``definition``, ``page``, ``cells`` (``{"value", "sozialraum",
    "kreis", "land"}``: CELL or None), ``deviation_text``, ``deviation_unit``,
    ``series_cells`` (``[{"year", **CELL}]``), ``range`` (``{"low", "q1", "median",
    "q3", "high"}`` of the published municipal values, or None).
``population["variables"]``
    ``[{"variable", "label", "value": CELL, "share": CELL}]`` (the population table);
    ``population["total_cell"]``: CELL.
``cluster_items``, ``cluster_summary``
    ``[{"indicator", "label", "statistic" ("lisa"/"gi"), "category", "q", "text",
    "map"}]`` behind ``clusters``; one sentence when there is none.

CELL is :meth:`geosozial.atlas.model.Cell.as_dict`: ``{"value" (float or None), "text"
(as shown, or the flag in words), "flag", "flag_text", "withheld", "converted"}``.

Examples
--------
>>> from geosozial.atlas.model import AtlasModel, Area, GEMEINDE
>>> m = AtlasModel("Atlas", "Kreis", "de", [2023], "31.12.2023", "keine", "", "31.12.2023",
...                areas=[Area("1", "Adorf", GEMEINDE, "gemeinden/1.html")])
>>> sheet = sozialdatenblatt(m, m.areas[0])
>>> sheet["title"], sheet["schema"], sheet["level"]
('Sozialdatenblatt Adorf', 'geosozial.sozialdatenblatt/1', 'Gemeinde')
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from geosozial.atlas.model import (
    GEMEINDE,
    SOZIALRAUM,
    Area,
    AtlasModel,
    Cell,
    ClusterNote,
    IndicatorInfo,
)
from geosozial.atlas.numbers import number_text
from geosozial.atlas.texts import text, variable_label
from geosozial.core.symbols import CONFIDENTIAL_FLAGS

__all__ = ["SCHEMA", "cluster_text", "quartiles", "sozialdatenblatt", "spine_ranges",
           "spine_stats"]

SCHEMA = "geosozial.sozialdatenblatt/1"

#: disjoint age groups: label, variables added, variables subtracted
AGE_GROUPS = (
    ("unter 15", "under 15", ("bev_u15",), ()),
    ("15 bis unter 20", "15 to 19", ("bev_u20",), ("bev_u15",)),
    ("20 bis unter 65", "20 to 64", ("bev_20_65",), ()),
    ("65 und älter", "65 and over", ("bev_65plus",), ()),
)
#: population variables shown in the table, in this order
POPULATION = ("bev_u15", "bev_u18", "bev_u20", "bev_15_65", "bev_20_65", "bev_u65",
              "bev_65plus", "frauen_15_45")

_GI_CONFIDENCE = {1: 90, 2: 95, 3: 99}


def quartiles(values: Sequence[float]) -> tuple[float, float, float, float]:
    """Minimum, first quartile, third quartile and maximum (linear interpolation).

    Examples
    --------
    >>> quartiles([1.0, 2.0, 3.0, 4.0, 5.0])
    (1.0, 2.0, 4.0, 5.0)
    """
    data = sorted(values)
    n = len(data)

    def at(p: float) -> float:
        pos = p * (n - 1)
        lo = int(pos)
        hi = min(lo + 1, n - 1)
        return data[lo] + (data[hi] - data[lo]) * (pos - lo)

    return data[0], at(0.25), at(0.75), data[-1]


def spine_stats(model: AtlasModel, indicator: str, year: int | None = None
                ) -> dict[str, float] | None:
    """Range and quartiles of the published municipal values of ``indicator``.

    Examples
    --------
    >>> from geosozial.atlas.model import AtlasModel
    >>> spine_stats(AtlasModel("A", "K", "de", [2023], "", "", "", ""), "x") is None
    True
    """
    values = [c.value for a in model.gemeinden()
              if (c := model.cell(a, indicator, year)).value is not None]
    if not values:
        return None
    low, q1, q3, high = quartiles(values)
    ordered = sorted(values)
    middle = len(ordered) // 2
    median = ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    return {"low": low, "q1": q1, "median": median, "q3": q3, "high": high}


def cluster_text(note: ClusterNote, label: str, lang: str = "de") -> str:
    """The membership of ``note`` in words ("" when not significant).

    Examples
    --------
    >>> cluster_text(ClusterNote("q", "gi", "3", 0.001), "SGB II-Quote")
    'gehört zu einem Hot Spot bei „SGB II-Quote“ (Gi*, 99 %)'
    >>> cluster_text(ClusterNote("q", "lisa", "ns", 0.4), "SGB II-Quote")
    ''
    """
    of = text(lang, "label_of", label=label)
    q = number_text(note.q, 3, lang) if note.q is not None else "–"
    if note.statistic == "lisa":
        if note.category in ("HH", "LL", "HL", "LH"):
            return text(lang, f"lisa_{note.category}", label=of, q=q)
        if note.category == "isolated":
            return text(lang, "lisa_isolated", label=of)
        return ""
    try:
        bin_value = int(note.category)
    except ValueError:
        return ""
    if bin_value == 0:
        return ""
    conf = _GI_CONFIDENCE.get(abs(bin_value), 90)
    return text(lang, "gi_hot" if bin_value > 0 else "gi_cold", label=of, conf=conf)


def _population(model: AtlasModel, area: Area, lang: str) -> dict[str, Any]:
    total = model.cell(area, "bev_insg")
    groups = []
    for var in POPULATION:
        if var not in model.variables:
            continue
        cell = model.cell(area, var)
        share = Cell(None, cell.flag if cell.value is None else "nicht_berechenbar")
        if cell.value is not None and total.value:
            share = Cell(100.0 * cell.value / total.value)
        groups.append({"variable": var, "label": variable_label(var, lang),
                       "value": cell.as_dict(0, lang), "share": share.as_dict(1, lang)})
    ages = []
    if total.value:
        for de, en, plus, minus in AGE_GROUPS:
            cells = [model.cell(area, v) for v in (*plus, *minus)]
            if any(v not in model.variables for v in (*plus, *minus)) or any(
                    c.value is None for c in cells):
                ages = []
                break
            count = sum(model.cell(area, v).value or 0.0 for v in plus) - sum(
                model.cell(area, v).value or 0.0 for v in minus)
            ages.append({"label": en if lang == "en" else de, "value": count,
                         "share": 100.0 * count / total.value, "flag_text": ""})
    return {"total": total.value, "age_groups": ages, "total_cell": total.as_dict(0, lang),
            "variables": groups}


def _deviation(value: Cell, kreis: Cell, ind: IndicatorInfo, lang: str) -> dict[str, Any]:
    if value.value is None or kreis.value is None:
        return {"value": None, "text": "–", "unit": ind.deviation_unit(lang)}
    delta = value.value - kreis.value
    shown = number_text(delta, ind.digits, lang) or ""
    if shown.startswith("-"):
        shown = "\u2212" + shown[1:]
    elif any(c in "123456789" for c in shown):
        shown = "+" + shown
    return {"value": delta, "text": shown, "unit": ind.deviation_unit(lang)}


def _items(model: AtlasModel, area: Area, lang: str, test: Any) -> str:
    """``label (years)`` of every indicator and count variable whose cells pass ``test``."""
    names: list[tuple[str, str]] = [(i.id, i.label) for i in model.indicators]
    names += [(v.id, v.label) for v in model.variables.values()]
    items = []
    for var, label in names:
        years = [y for y in model.years if test(model.cell(area, var, y))]
        if years:
            items.append(f"{label} ({', '.join(map(str, years))})")
    return "; ".join(items)


def _clusters(model: AtlasModel, area: Area, lang: str) -> tuple[list[dict[str, Any]], str]:
    labels = {i.id: i.label for i in model.indicators}
    analysed = [i.label for i in model.indicators if i.analysed]
    out = []
    if area.level == GEMEINDE:
        for note in model.clusters.get(area.key, []):
            sentence = cluster_text(note, labels.get(note.indicator, note.indicator), lang)
            if sentence:
                out.append({"indicator": note.indicator, "label": labels.get(note.indicator),
                            "statistic": note.statistic, "category": note.category,
                            "q": note.q, "text": f"{area.name} {sentence}.",
                            "map": note.file})
        if out:
            return out, ""
        if not model.clusters:
            return [], text(lang, "no_analysis")
        return [], text(lang, "no_clusters", name=area.name, indicators=", ".join(analysed))
    members = [model.area(GEMEINDE, k) for k in area.members]
    members = [m for m in members if m is not None]
    grouped: dict[tuple[str, str, str], list[str]] = {}
    files: dict[tuple[str, str, str], str] = {}
    for member in members:
        for note in model.clusters.get(member.key, []):
            sentence = cluster_text(note, labels.get(note.indicator, note.indicator), lang)
            if sentence:
                key = (note.indicator, note.statistic, sentence)
                grouped.setdefault(key, []).append(member.name)
                files[key] = note.file
    for (ident, statistic, sentence), names in grouped.items():
        out.append({"indicator": ident, "label": labels.get(ident), "statistic": statistic,
                    "category": "", "q": None,
                    "text": text(lang, "sr_clusters", n=len(names), m=len(members),
                                 items=", ".join(names)) + " " + sentence + ".",
                    "map": files[(ident, statistic, sentence)]})
    if out:
        return out, ""
    if not model.clusters:
        return [], text(lang, "no_analysis")
    return [], text(lang, "no_clusters", name=area.name, indicators=", ".join(analysed))


def _copy(stats: dict[str, float] | None) -> dict[str, float] | None:
    return dict(stats) if stats is not None else None


def _link(area: Area | None) -> dict[str, str] | None:
    if area is None:
        return None
    return {"key": area.key, "name": area.name, "page": area.page}


def spine_ranges(model: AtlasModel) -> dict[str, dict[str, float] | None]:
    """:func:`spine_stats` of every indicator of ``model`` (last year), for
    :func:`sozialdatenblatt` (the ranges are the same on every sheet: computed once per
    build, not once per sheet and indicator).

    Examples
    --------
    >>> from geosozial.atlas.model import AtlasModel
    >>> spine_ranges(AtlasModel("A", "K", "de", [2023], "", "", "", ""))
    {}
    """
    return {ind.id: spine_stats(model, ind.id) for ind in model.indicators}


def sozialdatenblatt(model: AtlasModel, area: Area, *,
                     ranges: dict[str, dict[str, float] | None] | None = None
                     ) -> dict[str, Any]:
    """The content of the Sozialdatenblatt of ``area`` (see the module doc for the keys).

    Parameters
    ----------
    model : AtlasModel
    area : Area
        A municipality or a Sozialraum of ``model``.
    ranges : dict, optional
        :func:`spine_ranges` of ``model`` (computed here when not given).

    Returns
    -------
    dict
        Plain values only; withheld values have no number.

    Examples
    --------
    >>> from geosozial.atlas.model import AtlasModel, Area, GEMEINDE
    >>> m = AtlasModel("A", "K", "en", [2023], "", "", "", "",
    ...                areas=[Area("1", "Adorf", GEMEINDE, "gemeinden/1.html")])
    >>> sozialdatenblatt(m, m.areas[0])["title"]
    'Data sheet Adorf'
    """
    from geosozial.atlas.texts import whole_area

    with whole_area(model.total):  # Kreis, Land or Gesamtgebiet in the sheet's words
        return dict(_sheet(model, area, ranges), total=model.total)


def _sheet(model: AtlasModel, area: Area,
           ranges: dict[str, dict[str, float] | None] | None) -> dict[str, Any]:
    lang = model.lang
    year = model.last_year
    region = model.area(SOZIALRAUM, area.sozialraum) if area.level == GEMEINDE else None
    if ranges is None:
        ranges = spine_ranges(model)
    indicators = []
    for ind in model.indicators:
        value = model.cell(area, ind.id)
        kreis = model.kreis_cell(ind.id)
        land = model.land.get(ind.id)
        region_cell = model.cell(region, ind.id) if region is not None else None
        deviation = _deviation(value, kreis, ind, lang)
        series = [model.cell(area, ind.id, y) for y in model.years]
        indicators.append({
            "id": ind.id, "label": ind.label, "unit": ind.unit, "digits": ind.digits,
            "value": value.value,
            "flag_text": "" if value.value is not None else value.text(ind.digits, lang),
            "sozialraum": region_cell.value if region_cell is not None else None,
            "kreis": kreis.value, "deviation": deviation["value"],
            "converted": value.converted,
            "series": [[y, c.value] for y, c in zip(model.years, series, strict=True)],
            "definition": ind.definition, "page": ind.page,
            "cells": {"value": value.as_dict(ind.digits, lang),
                      "sozialraum": region_cell.as_dict(ind.digits, lang)
                      if region_cell is not None else None,
                      "kreis": kreis.as_dict(ind.digits, lang),
                      "land": land.as_dict(ind.digits, lang) if land is not None else None},
            "deviation_text": deviation["text"], "deviation_unit": deviation["unit"],
            "series_cells": [{"year": y, **c.as_dict(ind.digits, lang)}
                             for y, c in zip(model.years, series, strict=True)],
            "range": _copy(ranges[ind.id]) if ind.id in ranges else spine_stats(model, ind.id),
        })
    by_id = {i["id"]: i for i in indicators}
    groups = [{"name": name, "indicators": [by_id[i] for i in ids if i in by_id]}
              for name, ids in model.handlungsfelder] or [
        {"name": text(lang, "default_field"), "indicators": indicators}]
    cluster_items, summary = _clusters(model, area, lang)
    withheld = _items(model, area, lang, lambda c: c.value is None
                      and c.flag in CONFIDENTIAL_FLAGS)
    not_computable = _items(model, area, lang, lambda c: c.value is None
                            and c.flag not in CONFIDENTIAL_FLAGS)
    if area.level == GEMEINDE:
        conv_years = model.converted.get(area.key, [])
    else:
        conv_years = sorted({y for k in area.members for y in model.converted.get(k, [])})
    notes = []
    if withheld:
        notes.append(text(lang, "withheld_note", items=withheld, rule=model.geheimhaltung))
    if not_computable:
        notes.append(text(lang, "nc_note", items=not_computable))
    if conv_years:
        notes.append(text(lang, "converted_note", stand=model.gebietsstand,
                          years=", ".join(map(str, conv_years))))
    if model.gebietsstand:
        notes.append(text(lang, "gebietsstand_note", stand=model.gebietsstand))
    if model.land:
        notes.append(text(lang, "land_note", name=model.land_name,
                          year=model.land_year or "",
                          source=f", {model.land_source}" if model.land_source else ""))
    members = [_link(model.area(GEMEINDE, k)) for k in area.members]
    return {
        "title": text(lang, "sheet_title", name=area.name),
        "level": area.level,
        "key": area.key,
        "name": area.name,
        "sozialraum": region.name if region is not None else None,
        "kreis": model.project,
        "year": year,
        "years": list(model.years),
        "gebietsstand": model.gebietsstand,
        "stand": model.stand,
        "population": _population(model, area, lang),
        "groups": groups,
        "clusters": [c["text"] for c in cluster_items],
        "notes": notes,
        "source": model.quelle,
        "attribution": "",
        "schema": SCHEMA,
        "lang": lang,
        "atlas": model.title,
        "kind": area.kind,
        "page": area.page,
        "sozialraum_page": region.page if region is not None else None,
        "members": [m for m in members if m is not None],
        "geheimhaltung": model.geheimhaltung,
        "quelle": model.quelle,
        "land": {"name": model.land_name, "year": model.land_year,
                 "source": model.land_source} if model.land else None,
        "indicators": indicators,
        "cluster_items": cluster_items,
        "cluster_summary": summary,
    }
