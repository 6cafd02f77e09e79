"""Sozialdatenblätter as PDF: one file per sheet and one combined file, without a browser.

The sheet is the documented plain dict that the HTML Sozialdatenblatt renders too (see
:func:`sheet_pdf`); this module turns it into a Typst document and compiles it with the
``typst`` wheel (the Python binding of the Typst compiler, a self-contained Rust
extension module).

Choice of engine
----------------
Typst (PyPI ``typst`` 0.15, pinned to one minor version: another engine version may
set other bytes), not WeasyPrint. Measured on this machine (Debian 12, 2 cores):

- **speed**: Typst about 45 ms per demo sheet with the compiler kept warm (fonts parsed
  once), the 56 sheets of the demo plus the combined PDF in about 4 s
  (``scripts/bench_atlas_pdf.py``, budget 10 s); WeasyPrint 70 needed about 1 s for
  one comparable sheet, about a minute for the demo, more than the whole atlas build
  may take (15 s).
- **determinism**: both give the same bytes for the same input once the date is fixed.
  Here the creation date is ``SOURCE_DATE_EPOCH`` or the sheet's Stand (never the
  clock), the document ID is derived by Typst from the document, font subsets get
  content-derived tags, and only the fonts embedded in the wheel are used
  (``ignore_system_fonts``), so a build gives the same bytes on every machine whatever
  fonts it has installed.
- **tagging**: Typst writes a tagged PDF (language, title, headings, tables with
  header cells, reading order; shapes and repeated table headers as artifacts) and
  checks PDF/UA-1 and PDF/A-2a while exporting: a sheet that would break them is an
  error, not a silent failure. WeasyPrint's ``pdf/ua-1`` variant tags too, but does
  not check.
- **install footprint**: one binary wheel (34 MB download, 80 MB installed, no
  Python dependencies, no Debian package); WeasyPrint needs Pango, HarfBuzz and
  fontconfig from Debian (Debian 12 has Pango 1.50, new enough) plus six Python
  packages, and its output depends on the system fonts that fontconfig finds.
- **fonts**: Libertinus Serif from the wheel (all German and Sorbian letters, tabular
  lining figures, U+2212 minus), falling back to the wheel's New Computer Modern and
  DejaVu Sans Mono (Greek, Cyrillic, arrows, math signs); nothing is downloaded, no
  Debian font package is needed. PDF/A forbids a character no embedded font can show
  (an emoji, CJK): such a character is printed as ``?``.
- **QGIS**: the wheel is not part of QGIS, and the plugin ships only pure Python, so
  PDFs are not made inside QGIS; :func:`pdf_engine` returns None there and the QGIS
  algorithm names the CLI command (``geosozial report``) that adds them. The module
  itself imports without the engine (standard library and ``core`` only).

The text is in compressed content streams as glyph IDs (with a ToUnicode map): a scan
of the PDF bytes for a number finds nothing either way; read the text back with
``pdftotext`` (Debian's poppler-utils), as the tests do.

Layout: A4 portrait; header block with name, level, key, Sozialraum, Kreis, Berichtsjahr,
Gebietsstand and Stand; population and age groups; one table per group of indicators
(value, Sozialraum, Kreis, deviation from the Kreis as text and as a spine bar, a mini
time series over all years), whose header row repeats when a table flows onto the next
page; clusters and hot spots in words; notes, source and attribution. The footer of
every page repeats the name, the Gebietsstand, the source and the page number. Long
names wrap (and a long title is set smaller); nothing is placed outside the margins.

Examples
--------
>>> pdf = sheet_pdf(example_sheet())
>>> pdf[:5], pdf == sheet_pdf(example_sheet())
(b'%PDF-', True)
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
import re
import threading
from collections.abc import Mapping, Sequence
from itertools import pairwise
from typing import Any

from geosozial.core.messages import GeosozialError, define
from geosozial.core.number_format import number_text

__all__ = ["PDF_STANDARDS", "example_sheet", "pdf_engine", "sheet_pdf", "sheets_pdf"]

#: the standards every PDF is checked against while Typst writes it
PDF_STANDARDS = ("a-2a", "ua-1")

#: creation date when neither SOURCE_DATE_EPOCH nor a Stand is given (1980-01-01 UTC)
_FALLBACK_EPOCH = 315532800

#: the source text in the footer is cut here (the full text is in the notes)
_FOOTER_SOURCE_MAX = 180

_MINUS = "\u2212"

#: a flag text with one of these words gets the note on confidentiality
_WITHHELD_WORDS = ("geheim", "gesperrt", "withheld", "confidential")

#: the engine's report of text without a glyph in the embedded fonts
_NO_GLYPH = re.compile(r'the text `"(.+?)"` could not be displayed')
_MAX_GLYPH_RETRIES = 20

#: half-width of the spine bar stands for this relative deviation from the Kreis value
_SPINE_FULL = 0.5

define("atlas.pdf_engine",
       de="Für PDF-Sozialdatenblätter fehlt das Paket typst (pip install typst): {error}. "
          "In QGIS ergänzt „geosozial report“ die PDFs.",
       en="PDF data sheets need the package typst (pip install typst): {error}. "
          "In QGIS, `geosozial report` adds the PDFs.")
define("atlas.pdf_failed",
       de="PDF des Sozialdatenblatts „{title}“ nicht erzeugt: {error}",
       en="PDF of the data sheet '{title}' not made: {error}")

_WORDS = {
    "de": {
        "level": {"Gemeinde": "Gemeinde", "Sozialraum": "Sozialraum"},
        "key": "Schlüssel", "sozialraum": "Sozialraum", "kreis": "Kreis",
        "year": "Berichtsjahr", "gebietsstand": "Gebietsstand", "stand": "Stand",
        "population": "Bevölkerung", "inhabitants": "Einwohnerinnen und Einwohner",
        "age_group": "Altersgruppe", "count": "Anzahl", "share": "Anteil",
        "indicator": "Indikator", "value": "Wert", "deviation": "Abw. zum Kreis",
        "spine": "Abweichung", "series": "Verlauf", "clusters": "Cluster und Hot Spots",
        "notes": "Hinweise und Quellen", "source": "Quelle", "page": "Seite", "of": "von",
        "contents": "Inhalt", "no_value": "–", "no_series": "keine Werte",
        "no_indicators": "Für dieses Gebiet liegen keine Indikatoren vor.",
        "converted": "* Wert auf den Gebietsstand {gebietsstand} umgerechnet "
                     "(Umsteigeschlüssel).",
        "withheld": "„geheim gehalten“: Wert der statistischen Geheimhaltung wegen nicht "
                    "veröffentlicht; ohne Wert auch keine Abweichung und kein Punkt im "
                    "Verlauf.",
        "spine_note": "Balken: Abweichung vom Kreiswert, bezogen auf den Kreiswert "
                      "(volle Breite ±{full} %); Verlauf: {first}–{last}, je Indikator "
                      "auf seinen Wertebereich skaliert.",
        "sheets": "{n} Sozialdatenblätter",
    },
    "en": {
        "level": {"Gemeinde": "Municipality", "Sozialraum": "Social area"},
        "key": "Key", "sozialraum": "Social area", "kreis": "District",
        "year": "Reference year", "gebietsstand": "Boundaries as of", "stand": "As of",
        "population": "Population", "inhabitants": "inhabitants",
        "age_group": "Age group", "count": "Number", "share": "Share",
        "indicator": "Indicator", "value": "Value", "deviation": "Diff. to district",
        "spine": "Difference", "series": "Trend", "clusters": "Clusters and hot spots",
        "notes": "Notes and sources", "source": "Source", "page": "Page", "of": "of",
        "contents": "Contents", "no_value": "–", "no_series": "no values",
        "no_indicators": "No indicators for this area.",
        "converted": "* Value converted to the boundaries of {gebietsstand} (crosswalk).",
        "withheld": "Withheld values are not published for confidentiality; without a "
                    "value there is no difference and no point in the trend.",
        "spine_note": "Bar: difference from the district value relative to it (full width "
                      "±{full} %); trend: {first}–{last}, each indicator scaled to its "
                      "own range.",
        "sheets": "{n} data sheets",
    },
}

# The document: data arrive as JSON in sys.inputs.data and are only ever inserted as
# strings (never evaluated as markup), so no name or label can change the layout.
_TEMPLATE = r"""
#let data = json(bytes(sys.inputs.data))
#let W = data.words
#let c-pos = rgb("#2166ac")
#let c-neg = rgb("#b2182b")
#let c-muted = luma(90)
#let c-rule = luma(170)
#let c-zebra = luma(246)
#let footer-state = state("geosozial-footer", none)

#set document(title: data.title, author: data.author, keywords: data.keywords)
#set text(font: ("Libertinus Serif", "New Computer Modern", "DejaVu Sans Mono"), size: 9pt,
  lang: data.lang, region: data.region, number-type: "lining", number-width: "tabular",
  hyphenate: true)
#set par(justify: false, leading: 0.45em, spacing: 0.9em)
#show heading: set block(above: 1.1em, below: 0.55em)
#show heading.where(level: 1): set text(weight: "bold")
#show title: set text(size: 20pt)
#show outline.entry: set text(size: 10pt)
#show heading.where(level: 2): set text(size: 11pt, weight: "bold")

#set page(paper: "a4", margin: (left: 16mm, right: 16mm, top: 14mm, bottom: 26mm),
  footer-descent: 20%,
  footer: context {
    let f = footer-state.get()
    set text(size: 7pt, fill: c-muted, hyphenate: true)
    set par(leading: 0.35em, spacing: 0.35em)
    block(below: 0.6em, line(length: 100%, stroke: 0.4pt + c-rule))
    let pages = if data.single {
      [#W.page #counter(page).display() #W.of #counter(page).final().first()]
    } else { [#W.page #counter(page).display()] }
    grid(columns: (1fr, auto), column-gutter: 6mm,
      if f != none [#f.line1 \ #f.line2] else [#data.title],
      align(right + bottom, pages))
  })

#let spine(b) = box(width: 22mm, height: 7pt, baseline: 1pt, {
  place(line(start: (11mm, 0pt), end: (11mm, 7pt), stroke: 0.5pt + luma(60)))
  if b != none {
    let w = calc.abs(b) * 11mm
    let x = if b < 0 { 11mm - w } else { 11mm }
    place(dx: x, dy: 1.5pt, rect(width: w, height: 4pt, stroke: none,
      fill: if b < 0 { c-neg } else { c-pos }))
  }
})

#let spark(s) = {
  if s == none { text(size: 7pt, fill: c-muted, W.no_series) } else {
    box(width: 22mm, height: 8pt, baseline: 1pt, {
      let P(p) = (p.at(0) * 22mm, (1 - p.at(1)) * 8pt)
      place(line(start: (0pt, 8pt), end: (22mm, 8pt), stroke: 0.3pt + c-rule))
      for seg in s.segs { place(line(start: P(seg.at(0)), end: P(seg.at(1)),
        stroke: 0.7pt + luma(40))) }
      for p in s.dots {
        let q = P(p)
        place(dx: q.at(0) - 0.9pt, dy: q.at(1) - 0.9pt, circle(radius: 0.9pt,
          fill: luma(40), stroke: none))
      }
      if s.last != none {
        let q = P(s.last)
        place(dx: q.at(0) - 1.3pt, dy: q.at(1) - 1.3pt, circle(radius: 1.3pt,
          fill: c-pos, stroke: none))
      }
    })
  }
}

#let cell-value(v) = if v.flag {
  text(size: 7pt, style: "italic", hyphenate: false, v.text)
} else { v.text }

#let group-table(g, show-sr) = {
  let head = (W.indicator, W.value)
  if show-sr { head.push(W.sozialraum) }
  head += (W.kreis, W.deviation, W.spine, W.series)
  let cols = (1fr, 21mm)
  if show-sr { cols.push(16mm) }
  cols += (18mm, 14mm, 22mm, 22mm)  // 18 mm: "Gesamtgebiet" unbroken
  let al = (left + top, right + top)
  if show-sr { al.push(right + top) }
  al += (right + top, right + top, center + top, center + top)
  let cells = ()
  for r in g.rows {
    cells.push([#r.label#if r.unit != "" [ #text(fill: c-muted, size: 7.5pt)[(#r.unit)]]])
    cells.push(cell-value(r.value))
    if show-sr { cells.push(cell-value(r.sozialraum)) }
    cells.push(cell-value(r.kreis))
    cells.push(r.deviation)
    cells.push(spine(r.bar))
    cells.push(spark(r.spark))
  }
  table(
    columns: cols, align: al, stroke: none, inset: (x: 2.5pt, y: 2.6pt),
    fill: (_, y) => if y > 0 and calc.even(y) { c-zebra },
    table.header(repeat: true,
      ..head.map(h => text(size: 7.5pt, weight: "bold", hyphenate: false, h))),
    table.hline(stroke: 0.5pt + luma(60)),
    ..cells,
    table.hline(stroke: 0.5pt + c-rule),
  )
}

#let sheet(s) = {
  footer-state.update(s.footer)
  {
    set text(size: s.title_size * 1pt)  // outside the heading: the outline stays small
    heading(level: 1, s.title)
  }
  block(above: 0.4em, below: 0.9em, text(fill: c-muted, hyphenate: false, {
    s.meta.map(m => [#m.at(0): #m.at(1)]).join(h(0.5em) + sym.dot.c + h(0.5em))
  }))

  heading(level: 2, W.population)
  if s.population != none {
    let p = s.population
    block(below: 0.5em, [#text(size: 13pt, weight: "bold", p.total) #p.total_label])
    if p.rows.len() > 0 {
      table(columns: (1fr, 22mm, 18mm, 42mm), stroke: none,
        align: (left + top, right + top, right + top, left + horizon),
        inset: (x: 2.5pt, y: 2.4pt),
        fill: (_, y) => if y > 0 and calc.even(y) { c-zebra },
        table.header(..(W.age_group, W.count, W.share + " (%)", "")
          .map(h => text(size: 7.5pt, weight: "bold", h))),
        table.hline(stroke: 0.5pt + luma(60)),
        ..p.rows.map(r => (r.label, cell-value(r.value), cell-value(r.share),
          box(width: 40mm, height: 6pt, baseline: 1pt,
            if r.bar != none { place(dy: 1pt, rect(width: r.bar * 40mm, height: 4pt,
              fill: luma(120), stroke: none)) }))).flatten(),
        table.hline(stroke: 0.5pt + c-rule),
      )
    }
  }

  if s.groups.len() == 0 { par(W.no_indicators) }
  for g in s.groups {
    heading(level: 2, g.name)
    group-table(g, s.show_sr)
  }

  if s.clusters.len() > 0 {
    heading(level: 2, W.clusters)
    list(..s.clusters)
  }

  heading(level: 2, W.notes)
  set text(size: 8pt)
  list(..s.notes)
}

#if data.single {
  sheet(data.sheets.first())
} else {
  footer-state.update(none)
  title()
  par(text(fill: c-muted, data.subtitle))
  outline(title: W.contents, depth: 1)
  for s in data.sheets {
    pagebreak(weak: true)
    sheet(s)
  }
}
"""

_SOURCE = _TEMPLATE.encode("utf-8")
_COMPILER: list[Any] = []
_LOCK = threading.Lock()


def pdf_engine() -> str | None:
    """The PDF engine and its version, or None where it cannot be imported (QGIS).

    Returns
    -------
    str or None
        ``"typst 0.15.2"`` or None.

    Examples
    --------
    >>> pdf_engine() is None or pdf_engine().startswith("typst ")
    True
    """
    try:
        import typst
    except ImportError:
        return None
    return f"typst {getattr(typst, '__version__', '?')}"


def _compiler() -> Any:
    if not _COMPILER:
        try:
            import typst
        except ImportError as exc:
            raise GeosozialError("atlas.pdf_engine", error=str(exc)) from exc
        # only the fonts embedded in the wheel: the same bytes on every machine
        _COMPILER.append(typst.Compiler(ignore_system_fonts=True))
    return _COMPILER[0]


def _words(lang: str) -> dict[str, Any]:
    from geosozial.atlas.texts import for_total

    def total(value: Any) -> Any:
        if isinstance(value, str):
            return for_total(value, lang)
        if isinstance(value, dict):
            return {k: total(v) for k, v in value.items()}
        return value

    return total(_WORDS["en" if lang == "en" else "de"])


def _number(value: Any, digits: int, lang: str) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    text = number_text(number, digits, "en" if lang == "en" else "de")
    return None if text is None else text.replace("-", _MINUS)  # −3,2 as in print


def _signed(value: Any, digits: int, lang: str) -> str | None:
    text = _number(value, digits, lang)
    if text is None or text.startswith(_MINUS):
        return text
    return "+" + text if any(c in "123456789" for c in text) else text


def _finite(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _cell(text: str | None, flag_text: str, w: Mapping[str, Any]) -> dict[str, Any]:
    if text is None:
        return {"text": flag_text or w["no_value"], "flag": bool(flag_text)}
    return {"text": text, "flag": False}


def _spark(series: Any, years: Sequence[int], year: int | None,
           withheld: bool) -> dict[str, Any] | None:
    """Points of the mini time series as fractions (x over the years, y over the range)."""
    points: dict[int, float] = {}
    for item in series or ():
        try:
            y, v = int(item[0]), _finite(item[1])
        except (TypeError, ValueError, IndexError):
            continue
        if v is not None and not (withheld and y == year):
            points[y] = v
    axis = sorted({int(y) for y in years} | set(points))
    if not points or not axis:
        return None
    lo, hi = min(points.values()), max(points.values())
    span = hi - lo

    def xy(y: int) -> list[float]:
        x = 0.5 if len(axis) == 1 else 0.05 + 0.9 * axis.index(y) / (len(axis) - 1)
        f = 0.5 if span <= 0 else (points[y] - lo) / span
        return [round(x, 4), round(0.1 + 0.8 * f, 4)]

    segs, dots = [], []
    for a, b in pairwise(axis):
        if a in points and b in points:
            segs.append([xy(a), xy(b)])
    for y in axis:
        if y in points:
            dots.append(xy(y))
    last_year = year if year in points else None
    return {"segs": segs, "dots": dots, "last": xy(last_year) if last_year else None}


def _bar(ind: Mapping[str, Any], value: float | None, deviation: float | None
         ) -> float | None:
    if value is None:
        return None
    spine = _finite(ind.get("spine"))
    if spine is None:
        kreis = _finite(ind.get("kreis"))
        if deviation is None or kreis is None or kreis == 0:
            return None
        spine = deviation / abs(kreis) / _SPINE_FULL
    return round(max(-1.0, min(1.0, spine)), 4)


def _row(ind: Mapping[str, Any], sheet: Mapping[str, Any], lang: str,
         w: Mapping[str, Any]) -> tuple[dict[str, Any], bool, bool]:
    digits = int(ind["digits"]) if ind.get("digits") is not None else 1
    value = _finite(ind.get("value"))
    flag_text = str(ind.get("flag_text") or "")
    withheld = value is None
    converted = bool(ind.get("converted")) and not withheld
    text = _number(value, digits, lang)
    if converted and text is not None:
        text += "*"
    deviation = _finite(ind.get("deviation")) if not withheld else None
    row = {
        "label": str(ind.get("label") or ind.get("id") or ""),
        "unit": str(ind.get("unit") or ""),
        "value": _cell(text, flag_text, w),
        "sozialraum": _cell(_number(ind.get("sozialraum"), digits, lang), "", w),
        "kreis": _cell(_number(ind.get("kreis"), digits, lang), "", w),
        "deviation": _signed(deviation, digits, lang) or w["no_value"],
        "bar": _bar(ind, value, deviation),
        "spark": _spark(ind.get("series"), sheet.get("years") or (), _year(sheet), withheld),
    }
    # the note on confidentiality: for a withheld value, not for "nicht berechenbar"
    confidential = withheld and any(word in flag_text.lower() for word in _WITHHELD_WORDS)
    return row, confidential, converted


def _year(sheet: Mapping[str, Any]) -> int | None:
    try:
        return int(sheet.get("year"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _population(sheet: Mapping[str, Any], lang: str, w: Mapping[str, Any]
                ) -> dict[str, Any] | None:
    pop = sheet.get("population") or {}
    total = _number(pop.get("total"), 0, lang)
    groups = pop.get("age_groups") or []
    if total is None and not groups:
        return None
    rows = []
    for g in groups:
        share = _finite(g.get("share"))
        rows.append({
            "label": str(g.get("label") or ""),
            "value": _cell(_number(g.get("value"), 0, lang), str(g.get("flag_text") or ""), w),
            "share": _cell(_number(share, 1, lang), "", w),
            "bar": None if share is None else round(max(0.0, min(100.0, share)) / 100, 4),
        })
    return {"total": total or w["no_value"], "total_label": w["inhabitants"], "rows": rows}


def _view(sheet: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """The sheet as the template reads it: every number already formatted as text."""
    w = _words(lang)
    level = str(sheet.get("level") or "")
    name = str(sheet.get("name") or "")
    title = str(sheet.get("title") or name)
    meta = [[w["level"].get(level, level) or w["key"], str(sheet.get("key") or "")]]
    if sheet.get("sozialraum"):
        meta.append([w["sozialraum"], str(sheet["sozialraum"])])
    if sheet.get("kreis"):
        meta.append([w["kreis"], str(sheet["kreis"])])
    for key in ("year", "gebietsstand", "stand"):
        if sheet.get(key) not in (None, ""):
            meta.append([w[key], str(sheet[key])])

    groups, any_withheld, any_converted = [], False, False
    for group in sheet.get("groups") or ():
        rows = []
        for ind in group.get("indicators") or ():
            row, withheld, converted = _row(ind, sheet, lang, w)
            rows.append(row)
            any_withheld |= withheld
            any_converted |= converted
        if rows:
            groups.append({"name": str(group.get("name") or ""), "rows": rows})

    years = sorted(int(y) for y in sheet.get("years") or () if _finite(y) is not None)
    notes = []
    if any_converted:
        notes.append(w["converted"].format(gebietsstand=sheet.get("gebietsstand") or ""))
    if any_withheld:
        notes.append(w["withheld"])
    notes += [str(n) for n in sheet.get("notes") or () if str(n).strip()]
    if groups and years:
        notes.append(w["spine_note"].format(full=int(_SPINE_FULL * 100), first=years[0],
                                            last=years[-1]))
    source = str(sheet.get("source") or "")
    attribution = str(sheet.get("attribution") or "")
    if source:
        notes.append(f"{w['source']}: {source}")
    if attribution:
        notes.append(attribution)

    short = source if len(source) <= _FOOTER_SOURCE_MAX else (
        source[:_FOOTER_SOURCE_MAX].rsplit(" ", 1)[0] + " …")
    line1 = " · ".join(t for t in (f"{w['source']}: {short}" if short else "", attribution)
                       if t)
    line2 = " · ".join(t for t in (
        title,
        f"{w['gebietsstand']} {sheet['gebietsstand']}" if sheet.get("gebietsstand") else "",
        f"{w['stand']} {sheet['stand']}" if sheet.get("stand") else "") if t)
    size = 16 if len(title) <= 45 else 13 if len(title) <= 80 else 11
    return {
        "title": title, "title_size": size, "meta": meta,
        "population": _population(sheet, lang, w),
        "show_sr": level != "Sozialraum" and (bool(sheet.get("sozialraum")) or any(
            _finite(i.get("sozialraum")) is not None
            for g in sheet.get("groups") or () for i in g.get("indicators") or ())),
        "groups": groups,
        "clusters": [str(c) for c in sheet.get("clusters") or () if str(c).strip()],
        "notes": notes,
        "footer": {"line1": line1, "line2": line2},
    }


def _date(text: Any) -> _dt.datetime | None:
    text = str(text or "").strip()
    for fmt in ("%d.%m.%Y", "%Y-%m-%d"):
        try:
            return _dt.datetime.strptime(text, fmt).replace(tzinfo=_dt.timezone.utc)
        except ValueError:
            continue
    return None


def _timestamp(sheets: Sequence[Mapping[str, Any]]) -> int:
    """The creation date: SOURCE_DATE_EPOCH, else the latest Stand (or Gebietsstand)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return int(epoch)
    dates = [d for s in sheets for d in (_date(s.get("stand")),) if d is not None]
    if not dates:
        dates = [d for s in sheets for d in (_date(s.get("gebietsstand")),) if d is not None]
    return int(max(dates).timestamp()) if dates else _FALLBACK_EPOCH


def _compile(document: dict[str, Any], sheets: Sequence[Mapping[str, Any]], title: str
             ) -> bytes:
    data = json.dumps(document, ensure_ascii=False, sort_keys=True, allow_nan=False)
    compiler = _compiler()
    timestamp = _timestamp(sheets)
    for _ in range(_MAX_GLYPH_RETRIES + 1):
        try:
            with _LOCK:  # one compiler, used by one thread at a time
                pdf = compiler.compile(input=_SOURCE, format="pdf", sys_inputs={"data": data},
                                       timestamp=timestamp, pdf_standards=list(PDF_STANDARDS))
            return bytes(pdf)
        except Exception as exc:  # typst.TypstError: layout or standard violated
            message = getattr(exc, "message", None) or str(exc)
            # PDF/A forbids a glyph no embedded font has (an emoji, CJK): shown as "?"
            missing = _NO_GLYPH.search(message)
            if missing and missing.group(1) and missing.group(1) in data:
                data = data.replace(missing.group(1), "?")
                continue
            raise GeosozialError("atlas.pdf_failed", title=title, error=message) from exc
    raise GeosozialError("atlas.pdf_failed", title=title, error="glyphs missing")


def _document(views: list[dict[str, Any]], *, title: str, author: str, lang: str,
              single: bool, subtitle: str = "") -> dict[str, Any]:
    lang = "en" if lang == "en" else "de"
    return {"single": single, "title": title, "subtitle": subtitle, "author": author,
            "keywords": ["Sozialdatenblatt", "Sozialbericht"] if lang == "de"
            else ["data sheet", "social report"],
            "lang": lang, "region": "GB" if lang == "en" else "DE",
            "words": {k: v for k, v in _words(lang).items() if isinstance(v, str)},
            "sheets": views}


def sheet_pdf(sheet: Mapping[str, Any], *, lang: str = "de") -> bytes:
    """One Sozialdatenblatt as a tagged A4 PDF (:func:`_sheet_pdf`), in the words of the
    sheet's whole area (``total``: Kreis, Land or Gesamtgebiet)."""
    from geosozial.atlas.texts import whole_area

    with whole_area(str(sheet.get("total") or "kreis")):
        return _sheet_pdf(sheet, lang=lang)


def sheets_pdf(sheets: Sequence[Mapping[str, Any]], *, title: str, lang: str = "de"
               ) -> bytes:
    """Many Sozialdatenblätter in one PDF (:func:`_sheets_pdf`), in the words of their
    whole area."""
    from geosozial.atlas.texts import whole_area

    total = next((str(s.get("total")) for s in sheets if s.get("total")), "kreis")
    with whole_area(total):
        return _sheets_pdf(sheets, title=title, lang=lang)


def _sheet_pdf(sheet: Mapping[str, Any], *, lang: str = "de") -> bytes:
    """One Sozialdatenblatt as a tagged A4 PDF (PDF/UA-1, PDF/A-2a).

    Parameters
    ----------
    sheet : mapping
        The plain sheet dict that the HTML Sozialdatenblatt renders too:
        ``title``, ``level`` (``"Gemeinde"`` or ``"Sozialraum"``), ``key``, ``name``,
        ``sozialraum`` (Gemeinde only, else None), ``kreis``, ``year``, ``years``,
        ``gebietsstand``, ``stand``, ``population`` (``total`` and ``age_groups``: dicts
        with ``label``, ``value``, ``share``), ``groups`` (dicts with ``name`` and
        ``indicators``: ``id``, ``label``, ``unit``, ``value`` (None when withheld or
        missing), ``flag_text`` (shown instead of a missing value, e.g. ``"geheim
        gehalten"``), ``sozialraum``, ``kreis``, ``deviation`` (value minus Kreis),
        ``converted``, ``series`` (``[[year, value or None], ...]``), optional
        ``digits`` (default 1) and ``spine`` (the bar in -1..1, default the deviation
        relative to the Kreis value, ±50 % full width)), ``clusters`` and ``notes``
        (sentences), ``source``, ``attribution``. A missing key is shown as missing.
        Where ``value`` is None no number of that indicator and year is printed
        (neither the deviation nor the series point of the sheet's year).
    lang : {"de", "en"}
        Language of the fixed words and of the number format (``1.234,5``).

    Returns
    -------
    bytes
        The PDF. The same dict gives the same bytes: the creation date is
        ``SOURCE_DATE_EPOCH`` or the sheet's ``stand``, never the clock.

    Raises
    ------
    GeosozialError
        ``atlas.pdf_engine`` without the ``typst`` package, ``atlas.pdf_failed`` when
        the engine refuses the document.

    Examples
    --------
    >>> pdf = sheet_pdf(example_sheet())
    >>> pdf.startswith(b"%PDF-"), pdf == sheet_pdf(example_sheet())
    (True, True)
    """
    view = _view(sheet, lang)
    title = str(sheet.get("title") or sheet.get("name") or "")
    document = _document([view], title=title, author=str(sheet.get("kreis") or ""),
                         lang=lang, single=True)
    return _compile(document, [sheet], title)


def _sheets_pdf(sheets: Sequence[Mapping[str, Any]], *, title: str, lang: str = "de"
               ) -> bytes:
    """Many Sozialdatenblätter in one PDF with a table of contents and bookmarks.

    Each sheet starts on a new page; the contents page lists the sheets with their page
    numbers, and every sheet (and each of its headings) is a PDF bookmark.

    Parameters
    ----------
    sheets : sequence of mapping
        Sheet dicts as for :func:`sheet_pdf`, in the order of the document.
    title : str
        The document title (title page, PDF metadata).
    lang : {"de", "en"}
        Language of the fixed words and of the number format.

    Returns
    -------
    bytes
        The PDF; the same sheets give the same bytes (creation date: SOURCE_DATE_EPOCH
        or the latest ``stand``).

    Raises
    ------
    GeosozialError
        As :func:`sheet_pdf`.

    Examples
    --------
    >>> pdf = sheets_pdf([example_sheet(), example_sheet("Ährenfeld")],
    ...                  title="Sozialdatenblätter Musterkreis")
    >>> pdf.startswith(b"%PDF-"), b"/Outlines" in pdf
    (True, True)
    """
    views = [_view(s, lang) for s in sheets]
    authors = sorted({str(s.get("kreis")) for s in sheets if s.get("kreis")})
    subtitle = _words(lang)["sheets"].format(n=len(views))
    stands = sorted({str(s.get("stand")) for s in sheets if s.get("stand")})
    if stands:
        subtitle += f" · {_words(lang)['stand']} {', '.join(stands)}"
    document = _document(views, title=str(title), author=", ".join(authors), lang=lang,
                         single=False, subtitle=subtitle)
    return _compile(document, sheets, str(title))


def example_sheet(name: str = "Bärenfurt") -> dict[str, Any]:
    """A small sheet dict of the documented shape (fictitious numbers), for examples.

    Parameters
    ----------
    name : str
        Name of the Gemeinde.

    Returns
    -------
    dict

    Examples
    --------
    >>> s = example_sheet()
    >>> s["title"], s["groups"][0]["indicators"][1]["flag_text"]
    ('Sozialdatenblatt Bärenfurt', 'geheim gehalten')
    """
    return {
        "title": f"Sozialdatenblatt {name}", "level": "Gemeinde", "key": "14999030",
        "name": name, "sozialraum": "Sozialregion Nord", "kreis": "Musterkreis (fiktiv)",
        "year": 2023, "years": [2021, 2022, 2023], "gebietsstand": "31.12.2023",
        "stand": "20.06.2024",
        "population": {"total": 3860, "age_groups": [
            {"label": "unter 18 Jahre", "value": 560, "share": 14.5},
            {"label": "18 bis unter 65 Jahre", "value": 2210, "share": 57.3},
            {"label": "65 Jahre und älter", "value": 1090, "share": 28.2}]},
        "groups": [{"name": "Armut", "indicators": [
            {"id": "sgb2_quote", "label": "SGB II-Quote", "unit": "%", "value": 9.7,
             "flag_text": "", "sozialraum": 10.5, "kreis": 11.3, "deviation": -1.6,
             "converted": False, "series": [[2021, 9.1], [2022, None], [2023, 9.7]]},
            {"id": "kinderarmut", "label": "Kinderarmut", "unit": "%", "value": None,
             "flag_text": "geheim gehalten", "sozialraum": 14.2, "kreis": 15.0,
             "deviation": None, "converted": False,
             "series": [[2021, 12.0], [2022, 13.1], [2023, None]]}]}],
        "clusters": ["gehört zu einem Hot Spot der SGB-II-Quote (Gi*, 99 %)"],
        "notes": ["Werte 2021 und 2022 auf den Gebietsstand 31.12.2023 umgerechnet."],
        "source": "Musterkreis (fiktive Demodaten)",
        "attribution": "© GeoBasis-DE / BKG (2023)",
    }
