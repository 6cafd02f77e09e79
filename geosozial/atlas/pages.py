"""The pages of the atlas: start page, indicator pages, Sozialdatenblätter, comparison.

Each ``*_page`` function takes the model (and for a sheet its
:func:`~geosozial.atlas.sheets.sozialdatenblatt` dict) and returns a :class:`Page`: the
HTML text and the tables it shows (the build writes them as downloads). Pure string
assembly with escaping (:func:`geosozial.atlas.layout.esc`); charts from
:mod:`geosozial.atlas.charts`; no value is computed here that the model or the sheet
does not hold, so a withheld value cannot appear.

Examples
--------
>>> from geosozial.atlas.model import AtlasModel, Area, GEMEINDE
>>> m = AtlasModel("Atlas", "Kreis", "de", [2023], "31.12.2023", "keine", "", "31.12.2023",
...                areas=[Area("1", "Adorf", GEMEINDE, "gemeinden/1.html")])
>>> page = index_page(m)
>>> page.path, "<h1>Atlas</h1>" in page.html
('index.html', True)
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from geosozial.atlas.charts import (
    SpineRow,
    bars_svg,
    choose_map_svg,
    histogram_counts,
    histogram_svg,
    line_svg,
    location_base_svg,
    location_svg,
    nice_bins,
    spark_svg,
    spine_svg,
)
from geosozial.atlas.layout import esc, figure_html, page_html, prefix_for
from geosozial.atlas.model import (
    GEMEINDE,
    SOZIALRAUM,
    Area,
    AtlasModel,
    Cell,
    IndicatorInfo,
    slug,
)
from geosozial.atlas.numbers import number_text
from geosozial.atlas.tables import Link, Num, Table, num, table_html
from geosozial.atlas.texts import text, variable_label
from geosozial.core.symbols import CONFIDENTIAL_FLAGS

__all__ = ["LOCATION_BASE", "Page", "all_values_table", "compare_data", "compare_page",
           "download_note", "index_page", "indicator_page", "location_base",
           "name_key", "sheet_page"]

#: the Kreis map under every Sozialdatenblatt's location map, stored once per site
LOCATION_BASE = "assets/lage.svg"

_FOLD = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss", "Ä": "a", "Ö": "o",
                       "Ü": "u"})


def name_key(name: str) -> tuple[str, str]:
    """Sort key for German names (DIN 5007 variant 1: ä as a, ß as ss).

    Examples
    --------
    >>> sorted(["Zwickau", "Ährenfeld", "Aue"], key=name_key)
    ['Ährenfeld', 'Aue', 'Zwickau']
    """
    return name.translate(_FOLD).casefold(), name


@dataclass
class Page:
    """A page: its path in the site, its HTML and the tables it shows.

    Examples
    --------
    >>> Page("index.html", "<p>").tables
    []
    """

    path: str
    html: str
    tables: list[Table] = field(default_factory=list)
    stem: str = ""


class _Ids:
    """Deterministic ids unique in one page."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self, prefix: str) -> str:
        self.n += 1
        return f"{prefix}{self.n}"


def _footer(model: AtlasModel) -> list[str]:
    lang = model.lang
    lines = []
    if model.stand:
        lines.append(f"{text(lang, 'stand')}: {model.stand}")
    if model.gebietsstand:
        lines.append(f"{text(lang, 'gebietsstand')}: {model.gebietsstand}")
    if model.quelle:
        lines.append(f"{text(lang, 'source')}: {model.quelle}")
    lines.append(f"{text(lang, 'rule')}: {model.geheimhaltung}")
    if model.created:
        lines.append(f"{text(lang, 'created')}: {model.created}")
    return lines


def download_note(model: AtlasModel, what: str) -> list[str]:
    """The header note of a download: title, method, rule, Gebietsstand, Stand.

    Examples
    --------
    >>> from geosozial.atlas.model import AtlasModel
    >>> m = AtlasModel("Atlas", "K", "de", [2023], "31.12.2023", "keine", "Q", "31.12.2023")
    >>> download_note(m, "Kennzahlen")[0]
    'Atlas: Kennzahlen'
    """
    lang = model.lang
    lines = [f"{model.title}: {what}", text(lang, "download_note"),
             text(lang, "download_rule", rule=model.geheimhaltung)]
    if model.gebietsstand:
        lines.append(f"{text(lang, 'gebietsstand')}: {model.gebietsstand}")
    if model.stand:
        lines.append(f"{text(lang, 'stand')}: {model.stand}")
    if model.quelle:
        lines.append(f"{text(lang, 'source')}: {model.quelle}")
    if model.created:
        lines.append(f"{text(lang, 'created')}: {model.created}")
    return lines


def _downloads(stem: str, prefix: str, lang: str, pdf: bool = False) -> str:
    sheet = (f'<li><a href="{prefix}pdf/{esc(stem)}.pdf">{esc(text(lang, "pdf_sheet"))} '
             f'({esc(stem)}.pdf)</a></li>') if pdf else ""
    return (f'<section class="downloads" aria-labelledby="dl-h"><h2 id="dl-h">'
            f'{esc(text(lang, "download_tables"))}</h2><ul>{sheet}'
            f'<li><a href="{prefix}downloads/{esc(stem)}.csv">{text(lang, "csv")} '
            f'({esc(stem)}.csv)</a></li>'
            f'<li><a href="{prefix}downloads/{esc(stem)}.xlsx">{text(lang, "xlsx")} '
            f'({esc(stem)}.xlsx)</a></li></ul></section>')


def _unit(ind: IndicatorInfo) -> str:
    return f" ({ind.unit})" if ind.unit else ""


def _trend(model: AtlasModel, ind: IndicatorInfo) -> str:
    lang = model.lang
    if len(model.years) < 2:
        return "–"
    first, last = model.kreis_cell(ind.id, model.years[0]), model.kreis_cell(ind.id)
    if first.value is None or last.value is None:
        return text(lang, "not_computable")
    delta = last.value - first.value
    shown = number_text(abs(delta), ind.digits, lang) or ""
    if shown.strip("0,.") == "":
        return f"{text(lang, 'same')} {text(lang, 'since', year=model.years[0])}"
    direction = text(lang, "up" if delta > 0 else "down")
    return text(lang, "change", direction=direction, delta=shown,
                unit=ind.deviation_unit(lang), since=text(lang, "since", year=model.years[0]))


def _area_links(areas: Sequence[Area], prefix: str) -> str:
    items = "".join(f'<li><a href="{prefix}{esc(a.page)}">{esc(a.name)}</a></li>'
                    for a in sorted(areas, key=lambda a: name_key(a.name)))
    return f'<ul class="columns">{items}</ul>'


def _map_links(links: Sequence[Any], prefix: str) -> str:
    if not links:
        return ""
    items = "".join(f'<li><a href="{prefix}{esc(m.file)}">{esc(m.label)}</a></li>'
                    for m in links)
    return f"<ul>{items}</ul>"


# --- start page --------------------------------------------------------------------------


def key_figures_table(model: AtlasModel) -> Table:
    """The Kreis's key figures: every indicator in the first and last year, the trend.

    Examples
    --------
    >>> from geosozial.atlas.model import AtlasModel
    >>> key_figures_table(AtlasModel("A", "K", "de", [2023], "", "", "", "")).header[0]
    'Indikator'
    """
    lang = model.lang
    first, last = model.years[0], model.last_year
    header = [text(lang, "indicator"), text(lang, "unit"), f"{text(lang, 'kreis')} {last}"]
    if first != last:
        header.append(f"{text(lang, 'kreis')} {first}")
    header.append(text(lang, "trend"))
    rows: list[list[object]] = []
    if "bev_insg" in model.variables:
        row: list[object] = [text(lang, "population_total"), "",
                             num(model.kreis_cell("bev_insg"), 0)]
        if first != last:
            row.append(num(model.kreis_cell("bev_insg", first), 0))
        row.append("")
        rows.append(row)
    for ind in model.indicators:
        row = [Link(ind.label, ind.page), ind.unit, num(model.kreis_cell(ind.id), ind.digits)]
        if first != last:
            row.append(num(model.kreis_cell(ind.id, first), ind.digits))
        row.append(_trend(model, ind))
        rows.append(row)
    return Table("kennzahlen", text(lang, "key_figures"), header, rows,
                 note=_converted_mark(model, any(c.converted for c in
                                                 (model.kreis_cell(i.id, y)
                                                  for i in model.indicators
                                                  for y in model.years))))


def _converted_mark(model: AtlasModel, any_converted: bool) -> str:
    if not any_converted or not model.gebietsstand:
        return ""
    return text(model.lang, "converted_mark", stand=model.gebietsstand)


def index_page(model: AtlasModel) -> Page:
    """The start page (``index.html``): title, Stand and sources, key figures, search,
    Handlungsfelder, the map to choose an area, the lists of areas, maps, downloads.

    Examples
    --------
    >>> from geosozial.atlas.model import AtlasModel
    >>> "suche" in index_page(AtlasModel("A", "K", "de", [2023], "", "", "", "")).html
    True
    """
    lang = model.lang
    ids = _Ids()
    gemeinden, regions = model.gemeinden(), model.sozialraeume()
    facts = [(text(lang, "stand"), model.stand), (text(lang, "gebietsstand"),
                                                  model.gebietsstand),
             (text(lang, "sources"), model.quelle), (text(lang, "rule"), model.geheimhaltung)]
    body = [f"<h1>{esc(model.title)}</h1>",
            '<p class="lead">' + esc(text(lang, "intro", n=len(model.indicators),
                                           g=len(gemeinden), s=len(regions),
                                           first=model.years[0], last=model.last_year))
            + "</p>",
            '<dl class="facts">' + "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>"
                                           for k, v in facts if v) + "</dl>"]
    body.append(
        '<section aria-labelledby="suche-h"><h2 id="suche-h">'
        f'{esc(text(lang, "search"))}</h2><div role="search" class="search">'
        f'<label for="suche">{esc(text(lang, "search_label"))}</label>'
        '<input id="suche" type="search" autocomplete="off" spellcheck="false" '
        'aria-describedby="suche-hinweis" aria-controls="treffer" '
        f'data-none="{esc(text(lang, "search_none"))}" '
        f'data-hits="{esc(text(lang, "search_hits", n="{n}"))}">'
        f'<p id="suche-hinweis" class="hint">{esc(text(lang, "search_hint"))}</p>'
        '<p id="suche-status" class="hint" role="status" aria-live="polite"></p>'
        '<ul id="treffer" class="hits"></ul></div></section>')
    figures = key_figures_table(model)
    body.append('<section aria-labelledby="kennzahlen-h"><h2 id="kennzahlen-h">'
                f'{esc(text(lang, "key_figures"))}</h2>{table_html(figures, lang)}</section>')
    fields = []
    for name, members in model.handlungsfelder:
        anchor = "hf-" + slug(name)
        items = []
        for ident in members:
            ind = model.indicator(ident)
            if ind is None:
                continue
            value = model.kreis_cell(ind.id)
            items.append(f'<li><a href="{esc(ind.page)}">{esc(ind.label)}</a> '
                         f'<span class="kv">{esc(text(lang, "kreis_value"))} {model.last_year}'
                         f': {esc(num(value, ind.digits).text(lang, mark=True))}'
                         f'{esc(" " + ind.unit if value.value is not None else "")}'
                         "</span></li>")
        fields.append(f'<section class="field" aria-labelledby="{anchor}"><h3 id="{anchor}">'
                      f'{esc(name)}</h3><ul>{"".join(items)}</ul></section>')
    body.append('<section id="indikatoren" aria-labelledby="hf-h"><h2 id="hf-h">'
                f'{esc(text(lang, "handlungsfelder"))}</h2><div class="fields">'
                f'{"".join(fields)}</div></section>')
    if model.shapes:
        uid = ids("karte")
        links = {a.key: (a.page, a.name) for a in gemeinden}
        svg = choose_map_svg(model.shapes, links, uid=uid, title=text(
            lang, "choose_area"), desc=text(lang, "map_hint"), size=model.viewbox,
            outlines=model.region_shapes)
        body.append('<section aria-labelledby="karte-h"><h2 id="karte-h">'
                    f'{esc(text(lang, "choose_area"))}</h2><p class="hint">'
                    f'{esc(text(lang, "map_hint"))}</p><div class="map-box">{svg}</div>'
                    "</section>")
    region_items = "".join(
        f'<li><a href="{esc(a.page)}">{esc(a.name)}</a> <span class="kv">'
        f'({esc(text(lang, "n_gemeinden", n=len(a.members)))})</span></li>'
        for a in sorted(regions, key=lambda a: name_key(a.name)))
    body.append('<section id="sozialraeume" aria-labelledby="sr-h"><h2 id="sr-h">'
                f'{esc(text(lang, "sozialraeume"))}</h2><ul class="columns">{region_items}'
                "</ul></section>")
    body.append('<section id="gemeinden" aria-labelledby="gem-h"><h2 id="gem-h">'
                f'{esc(text(lang, "gemeinden"))}</h2>{_area_links(gemeinden, "")}</section>')
    if model.maps:
        body.append('<section aria-labelledby="karten-h"><h2 id="karten-h">'
                    f'{esc(text(lang, "run_maps"))}</h2>{_map_links(model.maps, "")}'
                    "</section>")
    downloads = [("alle_werte", text(lang, "all_values")),
                 ("kennzahlen", text(lang, "key_figures")),
                 ("vergleich", text(lang, "compare_title"))]
    items = "".join(f'<li>{esc(label)}: <a href="downloads/{stem}.csv">CSV</a>, '
                    f'<a href="downloads/{stem}.xlsx">XLSX</a></li>' for stem, label in downloads)
    if model.pdf:
        items += (f'<li><a href="pdf/sozialdatenblaetter.pdf">'
                  f'{esc(text(lang, "pdf_all"))}</a> (PDF, A4)</li>')
    body.append('<section id="downloads" aria-labelledby="downloads-h"><h2 id="downloads-h">'
                f'{esc(text(lang, "downloads"))}</h2><ul>{items}</ul></section>')
    html = page_html(title=model.title, body="\n".join(body), depth=0, lang=lang,
                     site=model.title, footer=_footer(model), current="home",
                     scripts=("suche.js", "atlas.js"))
    return Page("index.html", html, [figures], "kennzahlen")


# --- indicator pages ---------------------------------------------------------------------


def _rank_table(model: AtlasModel, ind: IndicatorInfo, areas: Sequence[Area], ident: str,
                title: str) -> Table:
    lang = model.lang
    simple = (len(ind.numerator) == 1 and next(iter(ind.numerator.values())) == 1
              and len(ind.denominator) == 1)
    header = [text(lang, "area"), text(lang, "rank")]
    with_region = any(a.level == GEMEINDE for a in areas)
    if with_region:
        header.append(text(lang, "sozialraum"))
    header.append(f"{text(lang, 'value')}{_unit(ind)}")
    if simple:
        header += [model.variables[v].label if v in model.variables else variable_label(v, lang)
                   for v in (*ind.numerator, *ind.denominator)]
    cells = [(a, model.cell(a, ind.id)) for a in areas]
    valued = sorted([(a, c) for a, c in cells if c.value is not None],
                    key=lambda ac: (-(ac[1].value or 0.0), name_key(ac[0].name)))
    missing = sorted([(a, c) for a, c in cells if c.value is None],
                     key=lambda ac: name_key(ac[0].name))
    rows: list[list[object]] = []
    rank, previous = 0, None
    for position, (area, cell) in enumerate(valued, 1):
        if cell.value != previous:
            rank, previous = position, cell.value
        rows.append(_rank_row(model, ind, area, cell, str(rank), with_region, simple))
    for area, cell in missing:
        rows.append(_rank_row(model, ind, area, cell, "–", with_region, simple))
    return Table(ident, title, header, rows,
                 note=_converted_mark(model, any(c.converted for _, c in cells)))


def _rank_row(model: AtlasModel, ind: IndicatorInfo, area: Area, cell: Cell, rank: str,
              with_region: bool, simple: bool) -> list[object]:
    row: list[object] = [Link(area.name, area.page), rank]
    if with_region:
        region = model.area(SOZIALRAUM, area.sozialraum)
        row.append(Link(region.name, region.page) if region else "")
    row.append(num(cell, ind.digits))
    if simple:
        row += [num(model.cell(area, v), 0) for v in (*ind.numerator, *ind.denominator)]
    return row


def _series_table(model: AtlasModel, ind: IndicatorInfo, ident: str) -> tuple[Table, list[
        tuple[str, list[float | None]]]]:
    lang = model.lang
    rows: list[list[object]] = []
    series = []
    kreis = [model.kreis_cell(ind.id, y) for y in model.years]
    rows.append([text(lang, "kreis"), *[num(c, ind.digits) for c in kreis]])
    series.append((text(lang, "kreis"), [c.value for c in kreis]))
    for region in model.sozialraeume():
        cells = [model.cell(region, ind.id, y) for y in model.years]
        rows.append([Link(region.name, region.page), *[num(c, ind.digits) for c in cells]])
        series.append((region.name, [c.value for c in cells]))
    converted = any(isinstance(c, Num) and c.converted for r in rows for c in r)
    table = Table(ident, text(lang, "timeseries") + f" – {ind.label}{_unit(ind)}",
                  [text(lang, "area"), *map(str, model.years)], rows,
                  note=_converted_mark(model, converted))
    return table, series


def _series_desc(model: AtlasModel, ind: IndicatorInfo,
                 series: Sequence[tuple[str, Sequence[float | None]]]) -> str:
    lang = model.lang
    parts = []
    for name, values in series:
        if values and values[0] is not None and values[-1] is not None:
            parts.append(text(lang, "ts_desc_line", name=name,
                              a=number_text(values[0], ind.digits, lang),
                              b=number_text(values[-1], ind.digits, lang)))
        else:
            shown = ", ".join(f"{y} " + (number_text(v, ind.digits, lang) if v is not None
                                         else text(lang, "not_computable"))
                              for y, v in zip(model.years, values, strict=True))
            parts.append(text(lang, "ts_desc_partial", name=name, values=shown))
    return text(lang, "ts_desc", label=ind.label, first=model.years[0], last=model.last_year,
                lines="; ".join(parts))


def _formula(model: AtlasModel, ind: IndicatorInfo) -> str:
    lang = model.lang

    def label(v: str) -> str:
        return model.variables[v].label if v in model.variables else variable_label(v, lang)

    terms = []
    for i, (v, coef) in enumerate(ind.numerator.items()):
        sign = "−" if coef < 0 else ("+" if i else "")
        factor = "" if abs(coef) == 1 else f"{number_text(abs(coef), 2, lang)} × "
        terms.append(f"{sign} {factor}{label(v)}".strip())
    numerator = " ".join(terms)
    denominator = " + ".join(label(v) for v in ind.denominator)
    scale = number_text(ind.scale, 0 if float(ind.scale).is_integer() else 2, lang)
    return text(lang, "formula_text", label=ind.label, numerator=numerator,
                denominator=denominator, scale=scale)


def _variables_table(model: AtlasModel, ind: IndicatorInfo, ident: str) -> Table:
    lang = model.lang
    rows: list[list[object]] = []
    for v in ind.variables:
        var = model.variables.get(v)
        if var is None:
            rows.append([v, variable_label(v, lang), "", "", ""])
            continue
        sources = "; ".join(f"{y}: {s}" for y, s in sorted(var.sources.items()))
        stichtage = "; ".join(f"{y}: {s}" for y, s in sorted(var.stichtage.items()))
        rows.append([v, var.label, sources, stichtage, _columns_text(var.columns)])
    return Table(ident, text(lang, "variables"),
                 [text(lang, "variable"), text(lang, "label_col"), text(lang, "source"),
                  text(lang, "stichtag"), text(lang, "columns")], rows)


def _columns_text(columns: Sequence[str]) -> str:
    """Source columns, their common GENESIS header levels (``a | b | c``) said once.

    Examples
    --------
    >>> _columns_text(["A | x | 1", "A | x | 2"])
    'A | x: 1 + 2'
    """
    parts = [[p.strip() for p in c.split("|")] for c in columns]
    if len(parts) < 2:
        return " + ".join(columns)
    common = 0
    while all(len(p) > common + 1 for p in parts) and len({p[common] for p in parts}) == 1:
        common += 1
    if not common:
        return " + ".join(columns)
    return " | ".join(parts[0][:common]) + ": " + " + ".join(" | ".join(p[common:])
                                                           for p in parts)


def _withheld_text(model: AtlasModel, ind: IndicatorInfo) -> str:
    lang = model.lang
    parts = [text(lang, "withheld_rule", rule=model.geheimhaltung)]
    for year in reversed(model.years):
        names = [a.name for a in model.gemeinden()
                 if (c := model.cell(a, ind.id, year)).value is None
                 and c.flag in CONFIDENTIAL_FLAGS]
        if names:
            parts.append(text(lang, "withheld_list", year=year, n=len(names),
                              names=", ".join(sorted(names, key=name_key))))
        elif year == model.last_year:
            parts.append(text(lang, "withheld_none", year=year))
    return "".join(f"<p>{esc(p)}</p>" for p in parts)


def _converted_text(model: AtlasModel, ind: IndicatorInfo) -> str:
    lang = model.lang
    items = []
    for area in model.areas:
        years = [y for y in model.years if model.cell(area, ind.id, y).converted]
        if years:
            items.append(f"{area.name} ({', '.join(map(str, years))})")
    if not items:
        return f"<p>{esc(text(lang, 'converted_none'))}</p>"
    shown = text(lang, "converted_list", stand=model.gebietsstand, items="; ".join(items))
    return f"<p>{esc(shown)}</p>"


def indicator_page(model: AtlasModel, ind: IndicatorInfo) -> Page:
    """The page of one indicator (``indikatoren/<id>.html``): maps, ranking, distribution,
    time series and the Indikatorenblatt.

    Examples
    --------
    >>> from geosozial.atlas.model import AtlasModel, IndicatorInfo
    >>> ind = IndicatorInfo("q", "Quote", "%", "a je 100 b", {"a": 1.0}, ("b",), 100.0)
    >>> m = AtlasModel("A", "K", "de", [2023], "", "", "", "", indicators=[ind])
    >>> indicator_page(m, ind).path
    'indikatoren/q.html'
    """
    lang = model.lang
    p = prefix_for(1)
    ids = _Ids()
    year = model.last_year
    kreis = model.kreis_cell(ind.id)
    body = [f"<h1>{esc(ind.label)}</h1>",
            f'<p class="lead">{esc(ind.definition)}{esc(_unit(ind))}</p>',
            '<dl class="facts">'
            f'<dt>{esc(text(lang, "kreis_value"))} {year}</dt>'
            f'<dd>{esc(num(kreis, ind.digits).text(lang, mark=True))}'
            f'{esc(" " + ind.unit if kreis.value is not None else "")}</dd>'
            + (f'<dt>{esc(text(lang, "land"))} ({esc(model.land_name)} '
               f'{esc(model.land_year or "")})</dt><dd>'
               f'{esc(num(model.land[ind.id], ind.digits).text(lang))} {esc(ind.unit)}</dd>'
               if ind.id in model.land else "")
            + f'<dt>{esc(text(lang, "trend"))}</dt><dd>{esc(_trend(model, ind))}</dd></dl>']
    if ind.maps:
        body.append('<section aria-labelledby="karten-h"><h2 id="karten-h">'
                    f'{esc(text(lang, "run_maps"))}</h2>{_map_links(ind.maps, p)}</section>')
    rank_gem = _rank_table(model, ind, model.gemeinden(), "rang-gemeinden",
                           text(lang, "ranking_gem", year=year))
    rank_sr = _rank_table(model, ind, model.sozialraeume(), "rang-sozialraeume",
                          text(lang, "ranking_sr", year=year))
    body.append('<section aria-labelledby="rang-h"><h2 id="rang-h">'
                f'{esc(text(lang, "ranking", year=year))}</h2>'
                f'<h3>{esc(text(lang, "gemeinden"))}</h3>{table_html(rank_gem, lang, p)}'
                f'<h3>{esc(text(lang, "sozialraeume"))}</h3>{table_html(rank_sr, lang, p)}'
                "</section>")
    values = [c.value for a in model.gemeinden() if (c := model.cell(a, ind.id)).value
              is not None]
    missing = len(model.gemeinden()) - len(values)
    tables = [rank_gem, rank_sr]
    if values:
        limits = nice_bins(values)
        counts = histogram_counts(values, limits)
        rows: list[list[object]] = []
        for i, count in enumerate(counts):
            key = "hist_from_to_last" if i == len(counts) - 1 else "hist_from_to"
            rows.append([text(lang, key, lo=number_text(limits[i], ind.digits, lang),
                              hi=number_text(limits[i + 1], ind.digits, lang)),
                         Num(float(count), "", 0)])
        hist_table = Table("verteilung", text(lang, "distribution", year=year)
                           + f" – {ind.label}{_unit(ind)}",
                           [text(lang, "hist_class") + _unit(ind),
                            text(lang, "count") + " " + text(lang, "gemeinden")], rows)
        desc = text(lang, "hist_desc", n=len(values), year=year, k=len(counts),
                    lo=number_text(limits[0], ind.digits, lang),
                    hi=number_text(limits[-1], ind.digits, lang), unit=ind.unit,
                    missing=text(lang, "hist_missing", n=missing) if missing else "")
        svg = histogram_svg(values, uid=ids("hist"), title=hist_table.title, desc=desc,
                            digits=ind.digits, lang=lang, limits=limits)
        body.append('<section aria-labelledby="vert-h"><h2 id="vert-h">'
                    f'{esc(text(lang, "distribution", year=year))}</h2>'
                    f"{figure_html(svg, hist_table, lang, p)}</section>")
        tables.append(hist_table)
    series_table, series = _series_table(model, ind, "zeitreihe")
    svg = line_svg(series, model.years, uid=ids("ts"), title=series_table.title,
                   desc=_series_desc(model, ind, series), digits=ind.digits, lang=lang)
    body.append('<section aria-labelledby="ts-h"><h2 id="ts-h">'
                f'{esc(text(lang, "timeseries"))}</h2>{figure_html(svg, series_table, lang, p)}'
                "</section>")
    tables.append(series_table)
    variables = _variables_table(model, ind, "variablen")
    tables.append(variables)
    kreis_text = num(kreis, ind.digits).text(lang)
    reading = text(lang, "read_rate", example=kreis_text, unit=ind.unit,
                   definition=ind.definition, year=year, kreis=kreis_text) \
        if kreis.value is not None else text(lang, "read_no_kreis")
    method = "".join(f"<p>{esc(note)}</p>" for key, note in sorted(model.analysis_method.items())
                     if key.split(":")[0] == ind.id)
    body.append(
        '<section aria-labelledby="blatt-h"><h2 id="blatt-h">'
        f'{esc(text(lang, "sheet_ind"))}</h2>'
        f'<h3>{esc(text(lang, "definition"))}</h3><p>{esc(ind.definition)}{esc(_unit(ind))}</p>'
        f'<h3>{esc(text(lang, "formula"))}</h3><p>{esc(_formula(model, ind))}</p>'
        f'<p>{esc(text(lang, "formula_agg"))}</p>'
        f'<h3>{esc(text(lang, "variables"))}</h3>{table_html(variables, lang, p)}'
        f'<h3>{esc(text(lang, "gebietsstand"))}</h3>'
        f'<p>{esc(text(lang, "gebietsstand_note", stand=model.gebietsstand))}</p>'
        f'<h3>{esc(text(lang, "converted_title"))}</h3>{_converted_text(model, ind)}'
        f'<h3>{esc(text(lang, "how_to_read"))}</h3><p>{esc(reading)}</p>'
        f'<h3>{esc(text(lang, "withheld_title"))}</h3>{_withheld_text(model, ind)}'
        + (f'<h3>{esc(text(lang, "method"))}</h3>{method}' if method else "")
        + "</section>")
    stem = f"indikator_{ind.id}"
    body.append(_downloads(stem, p, lang))
    html = page_html(title=ind.label, body="\n".join(body), depth=1, lang=lang,
                     site=model.title, footer=_footer(model))
    return Page(ind.page, html, tables, stem)


# --- Sozialdatenblätter ------------------------------------------------------------------


def _cell_num(cell: dict[str, Any] | None, digits: int) -> Num | str:
    if cell is None:
        return ""
    return Num(cell["value"], cell["flag"], digits, cell["converted"])


def location_base(model: AtlasModel) -> str | None:
    """The file :data:`LOCATION_BASE` (the Kreis, no area highlighted) or None when the
    model has no geometries.

    Examples
    --------
    >>> location_base(AtlasModel("A", "K", "de", [2023], "", "", "", "")) is None
    True
    """
    if not model.shapes:
        return None
    return location_base_svg(model.shapes, size=model.viewbox, outlines=model.region_shapes)


def sheet_page(model: AtlasModel, area: Area, sheet: dict[str, Any]) -> Page:
    """The Sozialdatenblatt of ``area`` as a page (from its
    :func:`~geosozial.atlas.sheets.sozialdatenblatt` dict).

    The location map draws the highlighted area over the site's :data:`LOCATION_BASE`
    (:func:`location_base`, written by :func:`~geosozial.atlas.build.site_files`).

    Examples
    --------
    >>> from geosozial.atlas.model import AtlasModel, Area, GEMEINDE
    >>> from geosozial.atlas.sheets import sozialdatenblatt
    >>> m = AtlasModel("A", "K", "de", [2023], "", "", "", "",
    ...                areas=[Area("1", "Adorf", GEMEINDE, "gemeinden/1.html")])
    >>> sheet_page(m, m.areas[0], sozialdatenblatt(m, m.areas[0])).stem
    'gemeinde_1'
    """
    lang = model.lang
    p = prefix_for(1)
    ids = _Ids()
    year = sheet["year"]
    name = sheet["name"]
    is_gemeinde = sheet["level"] == GEMEINDE
    lead = []
    if is_gemeinde:
        lead.append(esc(f"{text(lang, 'key')}: {sheet['key']}"))
    if sheet["kind"]:
        lead.append(esc(f"{text(lang, 'kind')}: {sheet['kind']}"))
    if sheet["sozialraum"]:
        lead.append(f'{esc(text(lang, "part_of"))} <a href="{p}{esc(sheet["sozialraum_page"])}">'
                    f'{esc(sheet["sozialraum"])}</a>')
    body = [f"<h1>{esc(sheet['title'])}</h1>",
            '<p class="lead">' + " · ".join(lead) + "</p>",
            '<p class="print-hide"><button type="button" class="print-button" '
            f'data-print>{esc(text(lang, "print"))}</button></p>',
            '<dl class="facts">'
            f'<dt>{esc(text(lang, "year"))}</dt><dd>{year}</dd>'
            f'<dt>{esc(text(lang, "stand"))}</dt><dd>{esc(sheet["stand"])}</dd>'
            f'<dt>{esc(text(lang, "gebietsstand"))}</dt><dd>{esc(sheet["gebietsstand"])}</dd>'
            "</dl>"]
    tables: list[Table] = []
    top = ['<div class="sheet-top">']
    if model.shapes:
        highlight = [sheet["key"]] if is_gemeinde else [m["key"] for m in sheet["members"]]
        around = [sheet["key"] if not is_gemeinde else area.sozialraum]
        svg = location_svg(model.shapes, highlight, uid=ids("lage"),
                           title=text(lang, "location_title", name=name, kreis=model.project),
                           desc=text(lang, "location_desc", n=len(model.shapes), name=name),
                           size=model.viewbox, outlines=model.region_shapes,
                           base=f"{p}{LOCATION_BASE}", around=around)
        top.append('<section class="loc" aria-labelledby="lage-h"><h2 id="lage-h">'
                   f'{esc(text(lang, "location"))}</h2>{svg}</section>')
    pop = sheet["population"]
    pop_rows: list[list[object]] = [[text(lang, "population_total"),
                                     _cell_num(pop["total_cell"], 0), ""]]
    for g in pop["variables"]:
        pop_rows.append([g["label"], _cell_num(g["value"], 0), _cell_num(g["share"], 1)])
    pop_table = Table("bevoelkerung", f"{text(lang, 'population')} {year}",
                      [text(lang, "group"), text(lang, "count"),
                       f"{text(lang, 'share')} (%)"], pop_rows)
    tables.append(pop_table)
    pop_html = table_html(pop_table, lang, p)
    if pop["age_groups"]:
        items = [(g["label"], g["share"]) for g in pop["age_groups"]]
        desc = "; ".join(f"{label}: {number_text(v, 1, lang)} %" for label, v in items)
        bars = bars_svg(items, uid=ids("alter"), title=text(lang, "age_chart") + f" {year}",
                        desc=desc, unit="%", lang=lang)
        age_table = Table("altersgruppen", text(lang, "age_chart") + f" {year}",
                          [text(lang, "age_chart"), text(lang, "count"),
                           f"{text(lang, 'share')} (%)"],
                          [[g["label"], Num(g["value"], "", 0), Num(g["share"], "", 1)]
                           for g in pop["age_groups"]])
        tables.append(age_table)
        pop_html += figure_html(bars, age_table, lang, p)
    top.append('<section class="pop" aria-labelledby="bev-h"><h2 id="bev-h">'
               f'{esc(text(lang, "population"))}</h2>{pop_html}</section>')
    top.append("</div>")
    body.append("".join(top))
    if sheet["members"]:
        items_html = "".join(f'<li><a href="{p}{esc(m["page"])}">{esc(m["name"])}</a></li>'
                             for m in sorted(sheet["members"], key=lambda m: name_key(m["name"])))
        body.append('<section aria-labelledby="mitglieder-h"><h2 id="mitglieder-h">'
                    f'{esc(text(lang, "members"))}</h2><ul class="columns">{items_html}</ul>'
                    "</section>")
    has_region = is_gemeinde and sheet["sozialraum"] is not None
    has_land = bool(sheet["land"])
    header = [text(lang, "indicator"), f"{name} {year}"]
    if has_region:
        header.append(text(lang, "sozialraum"))
    header.append(text(lang, "kreis"))
    if has_land:
        header.append(text(lang, "land"))
    header.append(text(lang, "deviation"))
    overview_rows: list[list[object]] = []
    sparks: list[str] = []
    for ind in sheet["indicators"]:
        cells = ind["cells"]
        digits = ind["digits"]
        unit = f" ({ind['unit']})" if ind["unit"] else ""
        row: list[object] = [Link(f"{ind['label']}{unit}", ind["page"]),
                             _cell_num(cells["value"], digits)]
        if has_region:
            row.append(_cell_num(cells["sozialraum"], digits))
        row.append(_cell_num(cells["kreis"], digits))
        if has_land:
            row.append(_cell_num(cells["land"], digits))
        row.append(Num(ind["deviation"], "nicht_berechenbar", digits, signed=True))
        overview_rows.append(row)
        spark_desc = "; ".join(f"{c['year']}: {c['text']}" for c in ind["series_cells"])
        sparks.append(spark_svg([c["value"] for c in ind["series_cells"]], uid=ids("spark"),
                                title=text(lang, "series_of", label=ind["label"]),
                                desc=spark_desc))
    converted = any(isinstance(c, Num) and c.converted for r in overview_rows for c in r)
    overview = Table("indikatoren", text(lang, "all_indicators") + f" {year}", header,
                     overview_rows, note=_converted_mark(model, converted))
    tables.append(overview)
    body.append('<section aria-labelledby="ind-h"><h2 id="ind-h">'
                f'{esc(text(lang, "all_indicators"))}</h2>'
                f'{_overview_html(overview, sparks, model, lang, p)}</section>')
    spine_rows = []
    spine_table_rows: list[list[object]] = []
    for ind in sheet["indicators"]:
        stats = ind["range"]
        if stats is None:
            continue
        digits = ind["digits"]
        cells = ind["cells"]
        centre = ind["kreis"]
        label = ind["label"]
        if centre is None:  # no Kreis value: centred on the municipal median
            centre = stats["median"]
            label = f"{label} ({text(lang, 'median')})"
        spine_rows.append(SpineRow(label, ind["value"], ind["sozialraum"], centre,
                                   stats["low"], stats["q1"], stats["q3"], stats["high"]))
        unit = f" ({ind['unit']})" if ind["unit"] else ""
        row = [f"{ind['label']}{unit}", _cell_num(cells["value"], digits)]
        if has_region:
            row.append(_cell_num(cells["sozialraum"], digits))
        row += [_cell_num(cells["kreis"], digits),
                *[Num(stats[k], "", digits) for k in ("low", "q1", "median", "q3", "high")]]
        spine_table_rows.append(row)
    if spine_rows:
        sr = text(lang, "spine_sr") if has_region else ""
        spine_header = [text(lang, "indicator"), name]
        if has_region:
            spine_header.append(text(lang, "sozialraum"))
        spine_header += [text(lang, "kreis"), "Min", "Q1", "Median", "Q3", "Max"]
        spine_table = Table("spine", text(lang, "spine") + f" {year}", spine_header,
                            spine_table_rows)
        tables.append(spine_table)
        svg = spine_svg(spine_rows, uid=ids("spine"), title=spine_table.title,
                        desc=text(lang, "spine_desc", name=name, sr=sr))
        body.append('<section aria-labelledby="spine-h"><h2 id="spine-h">'
                    f'{esc(text(lang, "spine"))}</h2>{figure_html(svg, spine_table, lang, p)}'
                    "</section>")
    series_rows: list[list[object]] = []
    for ind in sheet["indicators"]:
        unit = f" ({ind['unit']})" if ind["unit"] else ""
        series_rows.append([f"{ind['label']}{unit}",
                            *[_cell_num(c, ind["digits"]) for c in ind["series_cells"]]])
    converted = any(isinstance(c, Num) and c.converted for r in series_rows for c in r)
    series_table = Table("zeitreihen", text(lang, "series") + f" {name}",
                         [text(lang, "indicator"), *map(str, sheet["years"])], series_rows,
                         note=_converted_mark(model, converted))
    tables.append(series_table)
    body.append('<section aria-labelledby="zr-h"><h2 id="zr-h">'
                f'{esc(text(lang, "series"))}</h2>{table_html(series_table, lang, p)}'
                "</section>")
    patterns = []
    for c in sheet["cluster_items"]:
        label = text(lang, "map_lisa" if c["statistic"] == "lisa" else "map_gi", year=year)
        link = (f' (<a href="{p}{esc(c["map"])}">{esc(label)}</a>)' if c["map"] else "")
        patterns.append(f"<li>{esc(c['text'])}{link}</li>")
    pattern_html = f"<ul>{''.join(patterns)}</ul>" if patterns else \
        f"<p>{esc(sheet['cluster_summary'])}</p>"
    method = "".join(f'<p class="hint">{esc(note)}</p>'
                     for _, note in sorted(model.analysis_method.items()))
    body.append('<section aria-labelledby="muster-h"><h2 id="muster-h">'
                f'{esc(text(lang, "clusters"))}</h2>{pattern_html}{method}</section>')
    body.append('<section aria-labelledby="hinweise-h"><h2 id="hinweise-h">'
                f'{esc(text(lang, "notes"))}</h2>'
                + "".join(f"<p>{esc(n)}</p>" for n in sheet["notes"]) + "</section>")
    stem = area.stem
    body.append(_downloads(stem, p, lang, pdf=model.pdf))
    html = page_html(title=sheet["title"], body="\n".join(body), depth=1, lang=lang,
                     site=model.title, footer=_footer(model), page_class="sheet")
    return Page(area.page, html, tables, stem)


def _overview_html(table: Table, sparks: Sequence[str], model: AtlasModel, lang: str,
                   prefix: str) -> str:
    """The overview table with one more column: the sparkline of every indicator."""
    trend = text(lang, "trend") + f" {model.years[0]}–{model.last_year}"
    html = table_html(Table(table.id, table.title, [*table.header, trend],
                            table.rows, table.note), lang, prefix, css="data overview")
    parts = html.split("</tr>")
    out = [parts[0]]  # header row, already with the column
    for i, part in enumerate(parts[1:-1]):
        out.append(part + f'<td class="spark-cell">{sparks[i]}</td>' if i < len(sparks)
                   else part)
    out.append(parts[-1])
    return "</tr>".join(out)


# --- comparison --------------------------------------------------------------------------


def compare_data(model: AtlasModel) -> dict[str, Any]:
    """The data of the comparison page: every area's published values of the last year.

    Values are numbers (for the bars) and texts as the pages show them; a withheld value
    is ``null`` with its words.

    Examples
    --------
    >>> from geosozial.atlas.model import AtlasModel
    >>> compare_data(AtlasModel("A", "K", "de", [2023], "", "", "", ""))["areas"][0]["id"]
    'kreis'
    """
    lang = model.lang
    indicators = [{"id": i.id, "label": i.label, "unit": i.unit, "page": i.page}
                  for i in model.indicators]

    def values(cells: Sequence[Cell], digits: Sequence[int]) -> list[list[Any]]:
        return [[c.value if c.value is not None else None,
                 Num(c.value, c.flag, d, c.converted).text(lang, mark=True)]
                for c, d in zip(cells, digits, strict=True)]

    digits = [i.digits for i in model.indicators]
    areas = [{"id": "kreis", "name": model.project, "level": text(lang, "kreis"),
              "page": "index.html",
              "values": values([model.kreis_cell(i.id) for i in model.indicators], digits)}]
    for level in (SOZIALRAUM, GEMEINDE):
        for a in sorted((x for x in model.areas if x.level == level),
                        key=lambda x: name_key(x.name)):
            areas.append({"id": f"{'sr' if level == SOZIALRAUM else 'g'}-{slug(a.key)}",
                          "name": a.name,
                          "level": text(lang, "sozialraum" if level == SOZIALRAUM
                                        else "gemeinde"),
                          "page": a.page,
                          "values": values([model.cell(a, i.id) for i in model.indicators],
                                           digits)})
    texts = {k: text(lang, k) for k in ("compare_empty", "indicator", "compare_status",
                                        "area", "unit")}
    return {"year": model.last_year, "indicators": indicators, "areas": areas,
            "text": texts, "max": 5}


def compare_table(model: AtlasModel) -> Table:
    """All areas and indicators of the last year: the table behind the comparison page.

    Examples
    --------
    >>> from geosozial.atlas.model import AtlasModel
    >>> compare_table(AtlasModel("A", "K", "de", [2023], "", "", "", "")).id
    'vergleich'
    """
    lang = model.lang
    header = [text(lang, "area"), text(lang, "key"), text(lang, "sozialraum")] + [
        f"{i.label}{_unit(i)}" for i in model.indicators]
    rows: list[list[object]] = [[model.project, "", "", *[num(model.kreis_cell(i.id), i.digits)
                                                          for i in model.indicators]]]
    for level in (SOZIALRAUM, GEMEINDE):
        for a in sorted((x for x in model.areas if x.level == level),
                        key=lambda x: name_key(x.name)):
            rows.append([Link(a.name, a.page), a.key if level == GEMEINDE else "",
                         a.sozialraum if level == GEMEINDE else "",
                         *[num(model.cell(a, i.id), i.digits) for i in model.indicators]])
    return Table("vergleich", text(lang, "compare_table", year=model.last_year), header, rows)


def compare_page(model: AtlasModel) -> Page:
    """The comparison page (``vergleich.html``): up to five areas side by side, chosen in
    the page (labelled selects; the script ``assets/vergleich.js`` holds the values).

    Examples
    --------
    >>> from geosozial.atlas.model import AtlasModel
    >>> compare_page(AtlasModel("A", "K", "de", [2023], "", "", "", "")).html.count(
    ...     "<select")
    5
    """
    lang = model.lang
    data = compare_data(model)
    options = [f'<option value="">{esc(text(lang, "compare_none"))}</option>',
               f'<option value="kreis">{esc(model.project)} ({esc(text(lang, "kreis"))})'
               "</option>"]
    for level, label in ((text(lang, "sozialraum"), text(lang, "sozialraeume")),
                         (text(lang, "gemeinde"), text(lang, "gemeinden"))):
        group = "".join(f'<option value="{esc(a["id"])}">{esc(a["name"])}</option>'
                        for a in data["areas"] if a["level"] == level)
        if group:
            options.append(f'<optgroup label="{esc(label)}">{group}</optgroup>')
    selects = "".join(
        f'<div class="slot"><label for="wahl-{n}">{esc(text(lang, "compare_slot", n=n))}'
        f'</label><select id="wahl-{n}" class="wahl">{"".join(options)}</select></div>'
        for n in range(1, 6))
    rows = "".join(f'<tr><th scope="row"><a href="{esc(i["page"])}">{esc(i["label"])}</a>'
                   f'</th><td>{esc(i["unit"])}</td></tr>' for i in data["indicators"])
    year = model.last_year
    body = [f"<h1>{esc(text(lang, 'compare_title'))}</h1>",
            f'<p class="lead">{esc(text(lang, "compare_intro", year=year))}</p>',
            f'<noscript><p>{esc(text(lang, "compare_noscript"))}</p></noscript>',
            f'<fieldset class="slots"><legend>{esc(text(lang, "compare_title"))}</legend>'
            f"{selects}</fieldset>",
            '<p id="vergleich-status" class="hint" role="status" aria-live="polite">'
            f'{esc(text(lang, "compare_empty"))}</p>',
            '<section aria-labelledby="vt-h"><h2 id="vt-h">'
            f'{esc(text(lang, "compare_table", year=year))}</h2>'
            '<div class="table-wrap" role="region" aria-label="'
            f'{esc(text(lang, "table_word"))}: {esc(text(lang, "compare_table", year=year))}" '
            'tabindex="0">'
            f'<table class="data" id="vergleich-tabelle"><caption id="vt-cap">'
            f'{esc(text(lang, "compare_table", year=year))}</caption><thead><tr>'
            f'<th scope="col">{esc(text(lang, "indicator"))}</th>'
            f'<th scope="col">{esc(text(lang, "unit"))}</th></tr></thead>'
            f"<tbody>{rows}</tbody></table></div></section>",
            '<section aria-labelledby="vb-h"><h2 id="vb-h">'
            f'{esc(text(lang, "compare_charts"))}</h2><div id="vergleich-balken" '
            'class="bars"></div></section>',
            _downloads("vergleich", "", lang)]
    html = page_html(title=text(lang, "compare_title"), body="\n".join(body), depth=0,
                     lang=lang, site=model.title, footer=_footer(model), current="compare",
                     scripts=("vergleich.js", "atlas.js"))
    return Page("vergleich.html", html, [compare_table(model)], "vergleich")


def compare_script(model: AtlasModel) -> str:
    """``assets/vergleich.js``: the comparison data as a script (``file://`` allows no
    fetch of JSON).

    Examples
    --------
    >>> from geosozial.atlas.model import AtlasModel
    >>> compare_script(AtlasModel("A", "K", "de", [2023], "", "", "", "")).startswith(
    ...     "window.geosozialVergleich = ")
    True
    """
    return "window.geosozialVergleich = " + script_json(compare_data(model)) + ";\n"


def script_json(obj: Any) -> str:
    """JSON safe inside a script file or element (sorted keys, ``<``, ``>``, ``&``,
    U+2028/9 escaped).

    Examples
    --------
    >>> script_json({"b": "</script>", "a": 1})
    '{"a":1,"b":"\\\\u003c/script\\\\u003e"}'
    """
    out = json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                     allow_nan=False)
    for raw, escaped in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        out = out.replace(raw, escaped)
    return out


def all_values_table(model: AtlasModel) -> Table:
    """Every value of the atlas in long format (level, key, name, year, variable, value,
    flag, converted, source, Stichtag): the data download.

    Examples
    --------
    >>> from geosozial.atlas.model import AtlasModel
    >>> all_values_table(AtlasModel("A", "K", "de", [2023], "", "", "", "")).header[:3]
    ['Ebene', 'Schlüssel', 'Gebiet']
    """
    lang = model.lang
    en = lang == "en"
    header = ["Level" if en else "Ebene", text(lang, "key"), text(lang, "area"),
              text(lang, "year"), text(lang, "variable"), "Label" if en else "Bezeichnung",
              text(lang, "value"), text(lang, "flag"),
              "Converted" if en else "Umgerechnet", text(lang, "source"),
              text(lang, "stichtag")]
    labels = {i.id: f"{i.label}{_unit(i)}" for i in model.indicators}
    labels.update({v.id: v.label for v in model.variables.values()})
    digits = {i.id: 3 for i in model.indicators}
    rows: list[list[object]] = []
    order = list(labels)
    for area in model.areas:
        for var in order:
            is_count = var in model.variables
            for year in model.years:
                cell = model.cell(area, var, year)
                info = model.variables.get(var)
                rows.append([area.level, area.key, area.name, str(year), var, labels[var],
                             Num(cell.value, cell.flag, digits.get(var, 0), cell.converted),
                             _flag_words(cell, lang),
                             ("yes" if en else "ja") if cell.converted else "",
                             info.sources.get(year, "") if is_count and info else "",
                             info.stichtage.get(year, "") if is_count and info else ""])
    for var in order:
        for year in model.years:
            cell = model.kreis_cell(var, year)
            rows.append([text(lang, "kreis"), "", model.project, str(year), var, labels[var],
                         Num(cell.value, cell.flag, digits.get(var, 0), cell.converted),
                         _flag_words(cell, lang),
                         ("yes" if en else "ja") if cell.converted else "", "", ""])
    return Table("alle-werte", text(lang, "all_values"), header, rows)


def _flag_words(cell: Cell, lang: str) -> str:
    from geosozial.atlas.model import missing_text
    from geosozial.core.symbols import flag_text

    if cell.value is None:
        return missing_text(cell.flag, lang)
    return flag_text(cell.flag, lang) if cell.flag else ""
