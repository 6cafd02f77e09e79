"""The static atlas (geosozial.atlas) built on the demo project.

One module fixture runs the Musterkreis project (``run_project``) into a temporary
folder, keeps an untouched copy of the run's outputs, and builds the atlas into the run
folder. The tests check the pages and links, that nothing is loaded from outside, that
sheets show the store's values, the Kreis values, confidentiality (against the true
values of the unprotected join, with a leaky build as the negative control), formula
injection in downloads, byte-identical and no-change rebuilds, and ``check_atlas``.
"""

from __future__ import annotations

import csv
import html as _html
import io
import itertools
import math
import re
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from datasets import true_values

from geosozial.atlas.build import AtlasSummary, build_atlas, site_files
from geosozial.atlas.manifest import MANIFEST, check_atlas, read_manifest
from geosozial.core.number_format import number_text

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "geodata" / "musterkreis"
PROJECT = DEMO / "projekt.toml"
N_INDICATORS, N_GEMEINDEN, N_SOZIALRAEUME = 12, 50, 6
WORDS_WITHHELD = "geheim gehalten"


@dataclass
class Demo:
    out: Path          # run outputs + atlas
    run_only: Path     # an untouched copy of the run outputs (no atlas)
    summary: AtlasSummary


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    from geosozial.pipeline.project import run_project

    out = tmp_path_factory.mktemp("atlas_site")
    run_project(PROJECT, out)
    run_only = tmp_path_factory.mktemp("atlas_run_only")
    shutil.copytree(out, run_only, dirs_exist_ok=True)
    summary = build_atlas(PROJECT, out)
    return Demo(out, run_only, summary)


@pytest.fixture(scope="module")
def store(demo: Demo) -> Any:
    from geosozial.geo.store import read_store

    return read_store(demo.out / "sozialdatenbank.gpkg")


def fresh_copy(demo: Demo, target: Path) -> Path:
    """A copy of the run's outputs without the atlas."""
    shutil.copytree(demo.run_only, target)
    return target


def site_pages(out: Path) -> list[Path]:
    pages = [out / "index.html", out / "vergleich.html"]
    for folder in ("indikatoren", "gemeinden", "sozialraeume"):
        pages += sorted((out / folder).glob("*.html"))
    return pages


def atlas_files(out: Path) -> list[str]:
    manifest = read_manifest(out)
    assert manifest is not None
    return sorted(manifest["outputs"])


def strip_tags(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def rows_of(html: str) -> list[tuple[str, str]]:
    """Every table row as (text of its first cell, text of the whole row)."""
    out = []
    for row in re.findall(r"<tr>(.*?)</tr>", html, re.S):
        first = re.match(r"\s*<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        out.append((strip_tags(first.group(1)) if first else "", strip_tags(row)))
    return out


def cells_of(html: str, table_id: str) -> list[list[str]]:
    """The body rows of the table ``table_id`` as lists of cell texts (no sparklines)."""
    match = re.search(rf'<table[^>]*id="{table_id}".*?<tbody>(.*?)</tbody>', html, re.S)
    assert match, table_id
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", match.group(1), re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", re.sub(r"<svg.*?</svg>", "", row,
                                                                flags=re.S), re.S)
        rows.append([strip_tags(c) for c in cells])
    return rows


def shown(value: float | None, flag: str, digits: int = 1, converted: bool = False) -> str:
    """A store value as the pages show it."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        if flag in (".", "*", "geheim"):
            return WORDS_WITHHELD
        return {"nicht_berechenbar": "nicht berechenbar", "nenner_null": "Nenner null"}.get(
            flag, "keine Daten")
    return (number_text(value, digits) or "") + ("*" if converted else "")


# --- pages, links, no external loads ------------------------------------------------------


def test_every_page_exists(demo: Demo) -> None:
    out = demo.out
    assert (out / "index.html").is_file() and (out / "vergleich.html").is_file()
    assert len(list((out / "indikatoren").glob("*.html"))) == N_INDICATORS
    assert len(list((out / "gemeinden").glob("*.html"))) == N_GEMEINDEN
    assert len(list((out / "sozialraeume").glob("*.html"))) == N_SOZIALRAEUME
    for name in ("atlas.css", "atlas.js", "suche.js", "suche.json", "vergleich.js"):
        assert (out / "assets" / name).is_file(), name
    pages_with_tables = 1 + 1 + N_INDICATORS + N_GEMEINDEN + N_SOZIALRAEUME
    assert len(list((out / "downloads").glob("*.csv"))) == pages_with_tables + 1  # alle_werte
    assert len(list((out / "downloads").glob("*.xlsx"))) == pages_with_tables + 1
    assert (out / MANIFEST).is_file()
    files = atlas_files(out)
    assert demo.summary.pages_written == len(files) and demo.summary.pages_unchanged == 0
    assert "index.html" in demo.summary.text() and "neu geschrieben" in demo.summary.text()


def test_internal_links_resolve(demo: Demo) -> None:
    out = demo.out
    ids: dict[Path, set[str]] = {}
    broken = []
    for page in site_pages(out):
        html = page.read_text(encoding="utf-8")
        for ref in re.findall(r'\b(?:href|src)="([^"]*)"', html):
            if ref.startswith(("data:", "#")) and ref != "#":
                if ref.startswith("#") and f'id="{ref[1:]}"' not in html:
                    broken.append(f"{page.relative_to(out)}: {ref}")
                continue
            path, _, fragment = ref.partition("#")
            target = (page.parent / path).resolve()
            if not target.is_file() or out.resolve() not in target.parents:
                broken.append(f"{page.relative_to(out)}: {ref}")
                continue
            if fragment and target.suffix == ".html":
                if target not in ids:
                    ids[target] = set(re.findall(r'\bid="([^"]+)"',
                                                 target.read_text(encoding="utf-8")))
                if fragment not in ids[target]:
                    broken.append(f"{page.relative_to(out)}: {ref}")
    assert broken == []
    # the search index and the comparison data link existing pages too
    index = (out / "assets" / "suche.json").read_text(encoding="utf-8")
    for url in re.findall(r'"u": "([^"]+)"', index):
        assert (out / url.partition("#")[0]).is_file(), url


def test_nothing_is_loaded_from_outside(demo: Demo) -> None:
    out = demo.out
    for page in site_pages(out):
        html = page.read_text(encoding="utf-8")
        assert not re.search(r'\b(?:src|href|action|srcset|poster|data)\s*=\s*["\']?\s*'
                             r'(?:https?:)?//', html, re.I), page
        assert "http-equiv=\"Content-Security-Policy\"" in html
        policy = _html.unescape(re.search(r'Content-Security-Policy" content="([^"]+)"',
                                          html).group(1))
        assert policy.startswith("default-src 'none'; script-src 'self'; style-src 'self'")
        assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None, "inline script"
        assert " style=" not in html and "<style" not in html, "inline style"
        assert '<html lang="de">' in html
    css = (out / "assets" / "atlas.css").read_text(encoding="utf-8")
    assert "url(" not in css and "@import" not in css
    for script in (out / "assets").glob("*.js"):
        text = script.read_text(encoding="utf-8")
        assert "fetch(" not in text and "XMLHttpRequest" not in text and "http" not in \
            text.replace("http://www.w3.org/2000/svg", "")


def test_pages_have_one_h1_headings_in_order_and_labelled_charts(demo: Demo) -> None:
    for page in [*site_pages(demo.out)[:20], demo.out / "gemeinden" / "14999410.html"]:
        html = page.read_text(encoding="utf-8")
        levels = [int(h) for h in re.findall(r"<h([1-6])\b", html)]
        assert levels.count(1) == 1 and levels[0] == 1, page
        assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), page
        for svg in re.findall(r"<svg[^>]*>", html):
            if 'role="img"' in svg:
                uid = re.search(r'aria-labelledby="([^" ]+)-t \1-d"', svg)
                assert uid, svg
                assert f'<title id="{uid.group(1)}-t">' in html
                assert f'<desc id="{uid.group(1)}-d">' in html
        assert '<a class="skip" href="#inhalt">' in html and 'id="inhalt"' in html
        assert "<th>" not in html  # every header cell has its scope


# --- values -----------------------------------------------------------------------------


def test_sheets_show_the_values_of_the_store(demo: Demo, store: Any) -> None:
    long = store.long
    labels = {}
    from geosozial.pipeline.project import load_project

    for ind in load_project(PROJECT).indicators:
        labels[ind.label + (f" ({ind.unit})" if ind.unit else "")] = ind.id
    last = int(long["jahr"].max())
    checked = 0
    for level, folder in (("Gemeinde", "gemeinden"), ("Sozialraum", "sozialraeume")):
        rows = long[(long["ebene"] == level) & (long["jahr"] == last)]
        by = {(r.schluessel, r.variable): r for r in rows.itertuples(index=False)}
        names = {r.schluessel: r.name for r in rows.itertuples(index=False)}
        for page in (demo.out / folder).glob("*.html"):
            html = page.read_text(encoding="utf-8")
            title = re.search(r"<h1>Sozialdatenblatt (.*?)</h1>", html).group(1)
            key = next(k for k, n in names.items() if n == title.replace("&amp;", "&"))
            for cells in cells_of(html, "indikatoren"):
                ident = labels[cells[0]]
                r = by[(key, ident)]
                value = None if math.isnan(r.wert) else r.wert
                assert cells[1] == shown(value, r.kennzeichen, 1, bool(r.umgerechnet)), \
                    (page.name, ident)
                checked += 1
    assert checked == (N_GEMEINDEN + N_SOZIALRAEUME) * N_INDICATORS


def test_sheet_of_a_converted_municipality_marks_the_converted_years(demo: Demo) -> None:
    html = (demo.out / "gemeinden" / "14999010.html").read_text(encoding="utf-8")  # Ährenfeld
    rows = cells_of(html, "zeitreihen")
    assert all(r[1].endswith("*") and r[2].endswith("*") and not r[3].endswith("*")
               for r in rows if r[1] not in (WORDS_WITHHELD,))
    assert "Umgerechnet auf den Gebietsstand 31.12.2023: die Werte der Jahre 2021, 2022" in html


def _kreis(true: dict[tuple[str, int, str], float], year: int,
           numerator: dict[str, float], denominator: list[str], scale: float
           ) -> float | None:
    """The Kreis rate from the true (unprotected) counts of all municipalities."""
    sums = {}
    for var in {*numerator, *denominator}:
        values = [v for (_, y, name), v in true.items() if y == year and name == var]
        if len(values) < N_GEMEINDEN:  # a municipality without a value in the table
            return None
        sums[var] = float(sum(values))
    return scale * sum(c * sums[v] for v, c in numerator.items()) / sum(
        sums[v] for v in denominator)


def test_kreis_value_is_the_ratio_of_summed_counts(demo: Demo, store: Any) -> None:
    long = store.long
    true = true_values(PROJECT)
    quote = _kreis(true, 2023, {"sgb2_rlb": 1}, ["bev_u65"], 100)
    assert quote is not None and 15 < quote < 16
    # and not the mean of the municipal rates
    rates = long[(long["ebene"] == "Gemeinde") & (long["jahr"] == 2023)
                 & (long["variable"] == "sgb2_quote")]["wert"]
    assert abs(float(rates.mean()) - quote) > 1
    index = (demo.out / "index.html").read_text(encoding="utf-8")
    row = next(r for r in cells_of(index, "kennzahlen") if r[0] == "SGB II-Quote")
    assert row[2] == number_text(quote, 1)
    saldo = _kreis(true, 2023, {"zuzuege": 1, "fortzuege": -1}, ["bev_insg"], 1000)
    row = next(r for r in cells_of(index, "kennzahlen") if r[0] == "Wanderungssaldo")
    assert row[2] == number_text(saldo, 1)
    # a member without a value (Kühnsheide, Seewerder: "." in the SGB II table)
    assert _kreis(true, 2023, {"sgb2_nef_u15": 1}, ["bev_u15"], 100) is None
    row = next(r for r in cells_of(index, "kennzahlen") if r[0].startswith("Kinderarmut"))
    assert row[2] == "nicht berechenbar"
    page = (demo.out / "indikatoren" / "sgb2_quote.html").read_text(encoding="utf-8")
    assert f"<dd>{number_text(quote, 1)} %</dd>" in page
    values = (demo.out / "downloads" / "alle_werte.csv").read_text(encoding="utf-8-sig")
    kreis_row = next(line for line in values.splitlines()
                     if line.startswith("Kreis;") and ";2023;sgb2_quote;" in line)
    assert f";{number_text(quote, 3).replace('.', '')};" in kreis_row


def test_kreis_has_values_where_a_municipality_is_withheld(store: Any) -> None:
    """The store's Kreis level (the run's aggregation) sums the true counts: a count
    withheld in some municipality still has its Kreis total, equal to the true sum."""
    long = store.long
    true = true_values(PROJECT)
    gem = long[(long["ebene"] == "Gemeinde") & (long["jahr"] == 2023)]
    kreis = long[(long["ebene"] == "Kreis") & (long["jahr"] == 2023)].set_index("variable")
    assert len(set(kreis["schluessel"])) == 1
    from geosozial.pipeline.project import load_project

    counts = sorted({v for (_, y, v) in true if y == 2023}
                    - {i.id for i in load_project(PROJECT).indicators})
    checked = 0
    for var in counts:
        rows = gem[gem["variable"] == var]
        values = [v for (_, y, name), v in true.items() if y == 2023 and name == var]
        if not (rows["kennzeichen"] == "geheim").any() or len(values) < N_GEMEINDEN:
            continue
        assert kreis.loc[var, "wert"] == pytest.approx(sum(values)), var
        checked += 1
    assert checked >= 2
    # per variable, the Stichtag of its own table (a table without one gives none)
    from geosozial.core.tables.read import read_table

    project = load_project(PROJECT)
    dated = 0
    for spec in project.tables:
        table = read_table(DEMO / spec.file.format(year=2023), key_column=spec.key_column)
        for var in spec.variables:
            assert kreis.loc[var, "stichtag"] == str(table.meta.get("Stichtag", "")), var
            dated += bool(table.meta.get("Stichtag"))
    assert dated >= 2


def test_the_store_reader_without_gdal_reads_what_the_geo_door_reads(demo: Demo,
                                                                     store: Any) -> None:
    """The atlas (and the QGIS plugin) read the store with sqlite3 alone: the same long
    table, layers and geometries as geopandas/pyogrio give."""
    from geosozial.core.store_file import read_store_file
    from geosozial.core.wkb import gpkg_polygons
    from geosozial.geo.weights import ring_arrays as shapely_rings

    plain = read_store_file(demo.out / "sozialdatenbank.gpkg")
    long = store.long
    for column in ("schluessel", "ebene", "variable", "kennzeichen", "stichtag"):
        assert plain.long[column] == long[column].tolist(), column
    assert plain.long["jahr"] == long["jahr"].tolist()
    assert [x == y or (x != x and y != y) for x, y in zip(
        plain.long["wert"], long["wert"].tolist(), strict=True)] == [True] * len(long)
    assert plain.meta == store.meta
    for name, frame in store.layers.items():
        layer = plain.layers[name]
        assert [str(k) for k in layer.columns["key"]] == frame["key"].tolist()
        assert layer.columns["jahr"] == frame["jahr"].tolist()
        from geosozial.core.wkb import ring_arrays

        ours = ring_arrays([gpkg_polygons(b) for b in layer.geometry])
        theirs = shapely_rings(frame.geometry)
        assert all(np.array_equal(a, b) for a, b in zip(ours, theirs, strict=True))


def test_cluster_notes_are_the_maps_local_statistics(demo: Demo, store: Any) -> None:
    """The sheets' LISA and hot-spot words come from the same computation as the run's
    maps (geo door, same settings and seed), although the atlas builds weights and
    statistics from the store alone."""
    from geosozial.atlas.data import load_model
    from geosozial.geo.analysis import local_analysis
    from geosozial.pipeline.project import load_project

    project = load_project(PROJECT)
    model = load_model(PROJECT, demo.out)
    frame = store.layers["gemeinden"]
    frame = frame[frame["jahr"] == model.last_year].reset_index(drop=True)
    settings = project.maps
    ident = project.indicators[0].id
    checked = 0
    for statistic, kind in (("moran", "lisa"), ("gi", "gi")):
        analysis = local_analysis(frame, ident, statistic=statistic, weights=settings.weights,
                                  permutations=settings.permutations, seed=settings.seed,
                                  correction=settings.correction, alpha=settings.alpha,
                                  dropna=True, snap=settings.snap)
        result = analysis.frame
        for row in result.itertuples(index=False):
            note = next(n for n in model.clusters[str(row.key)]
                        if n.indicator == ident and n.statistic == kind)
            expected = str(row.lisa_cluster) if kind == "lisa" else str(int(row.gi_bin))
            q = row.lisa_q if kind == "lisa" else row.gi_q
            assert note.category == expected
            assert note.q is None if q != q else note.q == pytest.approx(q, abs=1e-15)
            checked += 1
        assert (result["lisa_cluster"] != "ns").any() if kind == "lisa" else \
            (result["gi_bin"] != 0).any()
    assert checked == 2 * len(frame)


# --- confidentiality -------------------------------------------------------------------


@pytest.fixture(scope="module")
def withheld(store: Any) -> list[tuple[str, str, int, str, float]]:
    """(key, name, year, variable, true value) of every cell the store withholds with the
    flag ``geheim`` and whose true value the unprotected join knows."""
    long = store.long
    rows = long[(long["ebene"] == "Gemeinde") & (long["kennzeichen"] == "geheim")]
    true = true_values(PROJECT)
    cases = []
    for r in rows.itertuples(index=False):
        if r.variable.endswith(("_diff2", "_trend")):
            continue
        value = true.get((r.schluessel, int(r.jahr), r.variable))
        if value is not None:
            cases.append((r.schluessel, r.name, int(r.jahr), r.variable, value))
    return cases


def html_tables(html: str) -> dict[str, tuple[list[str], list[list[str]], list[str]]]:
    """Every table of a page by id: header, body rows (cell texts without charts) and
    the raw HTML of each body row."""
    out = {}
    for ident, body in re.findall(r'<table[^>]*id="([^"]+)"[^>]*>(.*?)</table>', html, re.S):
        head = re.search(r"<thead>(.*?)</thead>", body, re.S)
        header = [strip_tags(c) for c in re.findall(r"<th[^>]*>(.*?)</th>", head.group(1),
                                                    re.S)] if head else []
        raw = re.findall(r"<tr>(.*?)</tr>", body.split("<tbody>", 1)[-1], re.S)
        rows = [[strip_tags(c) for c in re.findall(
            r"<t[hd][^>]*>(.*?)</t[hd]>", re.sub(r"<svg.*?</svg>", "", r, flags=re.S), re.S)]
            for r in raw]
        out[ident] = (header, rows, raw)
    return out


def csv_tables(text: str) -> dict[str, tuple[list[str], list[list[str]]]]:
    """The tables of a CSV download by title (a blank line, the title, the header)."""
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    out = {}
    i = 0
    while i < len(rows):
        if rows[i] == [] and i + 2 < len(rows):
            title, header = rows[i + 1][0], rows[i + 2]
            j = i + 3
            body = []
            while j < len(rows) and rows[j] != []:
                body.append(rows[j])
                j += 1
            out[title] = (header, body)
            i = j
        else:
            i += 1
    return out


def _cell(header: list[str], rows: list[list[str]], first: str, column: str) -> str | None:
    """The cell of the row whose first cell is ``first`` in the column ``column``."""
    if column not in header:
        return None
    index = header.index(column)
    for row in rows:
        if row and row[0] == first and index < len(row):
            return row[index]
    return None


def _leaks(files: dict[str, bytes], cases: list[tuple[str, str, int, str, float]],
           model: Any) -> list[str]:
    """Where a withheld value is shown as a number: every slot of the site that holds
    the value of (area, variable, year) is read; it must hold the words instead."""
    labels = {i.id: i.label + (f" ({i.unit})" if i.unit else "") for i in model.indicators}
    count_labels = {v.id: v.label for v in model.variables.values()}
    last = model.last_year
    found = []

    def expect(where: str, value: str | None) -> None:
        if value is not None and value != WORDS_WITHHELD:
            found.append(f"{where}: {value}")

    values_csv = csv_tables(files["downloads/alle_werte.csv"].decode("utf-8-sig"))
    (header, body), = values_csv.values()
    wert = header.index("Wert")
    by_slot = {(r[1], r[3], r[4]): r[wert] for r in body}
    sheet_xml = zipfile.ZipFile(io.BytesIO(files["downloads/alle_werte.xlsx"])).read(
        "xl/worksheets/sheet1.xml").decode("utf-8")
    xlsx_slots = {}
    for xrow in re.findall(r'<row r="\d+">(.*?)</row>', sheet_xml):
        cells = dict(re.findall(r'<c r="([A-Z]+)\d+"[^>]*>(.*?)</c>', xrow))
        texts = {c: strip_tags(v) for c, v in cells.items()}
        xlsx_slots[(texts.get("B"), texts.get("D"), texts.get("E"))] = cells.get("G", "")
    compare = files["assets/vergleich.js"].decode("utf-8")
    compare_csv = csv_tables(files["downloads/vergleich.csv"].decode("utf-8-sig"))
    for key, name, year, var, _value in cases:
        where = f"{name} {year} {var}"
        expect(f"alle_werte.csv {where}", by_slot[(key, str(year), var)])
        if "<v>" in xlsx_slots[(key, str(year), var)]:
            found.append(f"alle_werte.xlsx {where}")
        label = labels.get(var) or count_labels.get(var, var)
        sheet = html_tables(files[f"gemeinden/{key}.html"].decode("utf-8"))
        sheet_csv = csv_tables(files[f"downloads/gemeinde_{key}.csv"].decode("utf-8-sig"))
        for kind, tables in (("html", [(h, r) for h, r, _ in sheet.values()]),
                             ("csv", list(sheet_csv.values()))):
            for header, rows in tables:
                expect(f"sheet {kind} {where}", _cell(header, rows, label, str(year)))
                if year == last:
                    for column in (f"{name} {year}", name):
                        expect(f"sheet {kind} {where}", _cell(header, rows, label, column))
                    deviation = _cell(header, rows, label, "Abweichung vom Kreis")
                    if deviation is not None and deviation != "nicht berechenbar":
                        found.append(f"sheet {kind} deviation {where}: {deviation}")
        header, rows, raw = sheet.get("indikatoren", ([], [], []))
        for cells, html in zip(rows, raw, strict=True):
            if cells and cells[0] == label:
                desc = re.search(r"<desc[^>]*>(.*?)</desc>", html, re.S).group(1)
                expect(f"sparkline {where}", dict(
                    part.split(": ", 1) for part in desc.split("; ")).get(str(year)))
        if year != last:
            continue
        for ind in model.indicators:  # ranking rows of the pages that show the value
            if var != ind.id and var not in ind.variables:
                continue
            page = html_tables(files[ind.page].decode("utf-8"))
            header, rows, _ = page["rang-gemeinden"]
            column = f"Wert ({ind.unit})" if var == ind.id else count_labels.get(var)
            expect(f"{ind.page} {where}", _cell(header, rows, name, column))
        if var in labels:
            header, rows = next(iter(compare_csv.values()))
            expect(f"vergleich.csv {where}", _cell(header, rows, name, labels[var]))
            entry = re.search(r'"id":"g-' + key + r'","level":"[^"]*","name":"[^"]*",'
                              r'"page":"[^"]*","values":(\[\[.*?\]\])\}', compare)
            assert entry, key
            position = [i.id for i in model.indicators].index(var)
            pairs = re.findall(r'\[(null|[-\d.e]+),"([^"]*)"\]', entry.group(1))
            if pairs[position] != ("null", WORDS_WITHHELD):
                found.append(f"vergleich.js {where}: {pairs[position]}")
    return found


def test_no_withheld_value_appears_anywhere(demo: Demo, withheld: list[Any]) -> None:
    from geosozial.atlas.data import load_model

    assert len(withheld) >= 40  # counts and rates of 2021-2023 (geburten, sterbefälle)
    assert {c[3] for c in withheld} >= {"geborene", "geburtenziffer", "natuerlicher_saldo"}
    files = {name: (demo.out / name).read_bytes() for name in atlas_files(demo.out)}
    model = load_model(PROJECT, demo.out)
    assert _leaks(files, withheld, model) == []
    # the search index holds no value at all
    assert not re.search(r"\d+,\d", files["assets/suche.json"].decode("utf-8"))


def test_the_confidentiality_scan_finds_a_leak(demo: Demo, withheld: list[Any]) -> None:
    """Negative control: put the true values back into the model; the scan must see it."""
    from geosozial.atlas.data import load_model
    from geosozial.atlas.model import Cell

    model = load_model(PROJECT, demo.out)
    last = model.last_year
    leak = next(c for c in withheld if c[2] == last and c[3] == "geburtenziffer")
    key, _name, year, var, value = leak
    model.values[("Gemeinde", key)][var][year] = Cell(value, "")
    files = site_files(model)
    found = _leaks(files, [leak], model)
    for where in ("alle_werte.csv", "alle_werte.xlsx", "sheet html", "sheet csv",
                  "sparkline", f"indikatoren/{var}.html", "vergleich.csv", "vergleich.js"):
        assert any(f.startswith(where) for f in found), (where, found)
    # and the number itself is on the sheet
    shown_value = number_text(value, 1)
    assert shown_value in files[f"gemeinden/{key}.html"].decode("utf-8")


# --- downloads -------------------------------------------------------------------------


def test_downloads_escape_formula_injection() -> None:
    from geosozial.atlas.downloads import csv_bytes, escape_text, xlsx_download
    from geosozial.atlas.tables import Link, Num, Table

    evil = ["=HYPERLINK(\"http://x\";\"y\")", "+1+2", "-2+3", "@SUM(A1)", "\tx", "Nord"]
    table = Table("t", "=Titel", ["=Kopf", "Wert"],
                  [[Link(e, "a.html"), Num(-3.25, "", 2)] for e in evil])
    text = csv_bytes([table], ["-Hinweis"]).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0] == ["'-Hinweis"] and rows[2] == ["'=Titel"] and rows[3][0] == "'=Kopf"
    assert [r[0] for r in rows[4:]] == ["'" + e for e in evil[:5]] + ["Nord"]
    assert {r[1] for r in rows[4:]} == {"-3,25"}  # numbers stay numbers
    assert "\r\n" in text
    book = zipfile.ZipFile(io.BytesIO(xlsx_download([table], ["-Hinweis"])))
    sheet = book.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert ">'=HYPERLINK(" in sheet and ">'@SUM(A1)<" in sheet and ">'-Hinweis<" in sheet
    assert "<v>-3.25</v>" in sheet and "<f>" not in sheet
    assert escape_text("-") == "'-" and escape_text("1-2") == "1-2"


def test_real_downloads_have_no_formula_cells(demo: Demo) -> None:
    for path in sorted((demo.out / "downloads").glob("*.csv")):
        raw = path.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), path
        for row in csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"):
            for cell in row:
                if cell[:1] in ("=", "+", "@", "\t", "\r"):
                    pytest.fail(f"{path.name}: {cell!r}")
                if cell.startswith("-"):
                    assert re.fullmatch(r"-\d+(,\d+)?", cell), (path.name, cell)


def test_xlsx_downloads_open_and_hold_numbers(demo: Demo) -> None:
    from geosozial.core.tables.xlsx import read_workbook

    book = read_workbook(demo.out / "downloads" / "indikator_sgb2_quote.xlsx")
    first = next(iter(book.values()))
    values = [v for _, row in first for v in row]
    assert any(isinstance(v, float) for v in values)
    assert any(isinstance(v, str) and "Geheimhaltung" in v for v in values)
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.load_workbook(demo.out / "downloads" / "gemeinde_14999050.xlsx")
    assert len(wb.sheetnames) >= 4


# --- determinism, incremental builds, manifest -----------------------------------------


def test_the_same_inputs_give_a_byte_identical_site(demo: Demo, tmp_path: Path) -> None:
    second = fresh_copy(demo, tmp_path / "zweiter")
    summary = build_atlas(PROJECT, second)
    names = atlas_files(demo.out)
    assert atlas_files(second) == names and summary.pages_written == len(names)
    for name in [*names, MANIFEST]:
        assert (demo.out / name).read_bytes() == (second / name).read_bytes(), name


def test_a_rebuild_without_changes_rewrites_nothing(demo: Demo) -> None:
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns)
              for p in demo.out.rglob("*") if p.is_file()}
    calls: list[tuple[int, int]] = []
    summary = build_atlas(PROJECT, demo.out, progress=lambda d, t: calls.append((d, t)))
    after = {p: (p.read_bytes(), p.stat().st_mtime_ns)
             for p in demo.out.rglob("*") if p.is_file()}
    assert after == before
    assert not summary.rebuilt and summary.written == [] and summary.removed == []
    assert summary.pages_unchanged == len(atlas_files(demo.out))
    assert calls == [(i, len(calls)) for i in range(1, len(calls) + 1)]
    assert "keine Datei neu geschrieben" in summary.text()


def test_a_rebuild_without_manifest_compares_bytes_and_writes_nothing(
        demo: Demo, tmp_path: Path) -> None:
    site = fresh_copy(demo, tmp_path / "site")
    build_atlas(PROJECT, site)
    (site / MANIFEST).unlink()
    stamps = {n: (site / n).stat().st_mtime_ns for n in atlas_files(demo.out)}
    calls: list[int] = []
    summary = build_atlas(PROJECT, site, progress=lambda d, t: calls.append(d))
    assert summary.rebuilt and summary.written == []
    assert {n: (site / n).stat().st_mtime_ns for n in stamps} == stamps
    assert (site / MANIFEST).read_bytes() == (demo.out / MANIFEST).read_bytes()
    assert calls == list(range(1, len(stamps) + 1))


def test_check_atlas_finds_a_tampered_file(demo: Demo, tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(demo.out, site)
    assert check_atlas(site) == []
    assert check_atlas(site, PROJECT) == []
    sheet = site / "gemeinden" / "14999020.html"
    sheet.write_text(sheet.read_text(encoding="utf-8").replace("Bad Überfeld", "Bad Unterfeld"),
                     encoding="utf-8")
    (site / "gemeinden" / "fremd.html").write_text("<p>", encoding="utf-8")
    (site / "downloads" / "alle_werte.csv").unlink()
    assert check_atlas(site) == ["downloads/alle_werte.csv", "gemeinden/14999020.html",
                                 "gemeinden/fremd.html"]
    other = tmp_path / "anderes.toml"
    other.write_text(PROJECT.read_text(encoding="utf-8") + "\n# geändert\n", encoding="utf-8")
    assert str(other) in check_atlas(site, other)
    # a rebuild repairs the site (the manifest's inputs still match, the outputs do not)
    summary = build_atlas(PROJECT, site)
    assert sorted(summary.written) == ["downloads/alle_werte.csv", "gemeinden/14999020.html"]
    assert check_atlas(site) == ["gemeinden/fremd.html"]


def test_english_site_and_build_date(demo: Demo, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    site = fresh_copy(demo, tmp_path / "en")
    build_atlas(PROJECT, site, lang="en")
    sheet = (site / "gemeinden" / "14999050.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in sheet and "<h1>Data sheet Buchholzau</h1>" in sheet
    assert "confidential" in sheet and "Created: 2023-11-14" in sheet
    assert "Sozialdatenblatt" not in sheet
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "Key figures of the district" in index and "SGB II rate" in index


def test_atlas_section_handlungsfelder_and_land(demo: Demo, tmp_path: Path) -> None:
    project_dir = tmp_path / "projekt"
    shutil.copytree(DEMO, project_dir)
    project = project_dir / "projekt.toml"
    project.write_text(project.read_text(encoding="utf-8") + """
[atlas]
title = "Sozialatlas Musterkreis"
handlungsfelder = [
    { name = "Armut", indicators = ["sgb2_quote", "kinderarmut", "elb_quote"] },
    { name = "Demografie", indicators = ["altenquotient", "anteil_65plus"] },
]
[atlas.land]
name = "Sachsen"
year = 2023
source = "fiktiver Landeswert"
values = { sgb2_quote = 7.9 }
""", encoding="utf-8")
    site = fresh_copy(demo, tmp_path / "site")
    build_atlas(project, site)
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "<h1>Sozialatlas Musterkreis</h1>" in index
    assert '<h3 id="hf-armut">Armut</h3>' in index and '<h3 id="hf-demografie">' in index
    sheet = (site / "gemeinden" / "14999020.html").read_text(encoding="utf-8")
    row = next(r for r in cells_of(sheet, "indikatoren") if r[0] == "SGB II-Quote (%)")
    assert "7,9" in row and "Landeswert: Sachsen 2023, fiktiver Landeswert." in sheet
    search = (site / "assets" / "suche.json").read_text(encoding="utf-8")
    assert '"t": "Armut"' in search


def test_atlas_settings_are_checked() -> None:
    from geosozial.atlas.settings import atlas_settings
    from geosozial.core.messages import GeosozialError

    for bad, where in (({"atlas": {"titel": "x"}}, "titel"),
                       ({"atlas": {"handlungsfelder": []}}, "handlungsfelder"),
                       ({"atlas": {"handlungsfelder": [{"name": "A", "indicators": ["x"]}]}},
                        "handlungsfelder[0].indicators"),
                       ({"atlas": {"land": {"name": "S", "values": {"a": "7"}}}},
                        "land.values.a")):
        with pytest.raises(GeosozialError) as info:
            atlas_settings(bad, ["a"], "p.toml")
        assert info.value.params["field"] == where


def test_an_unknown_language_is_refused(demo: Demo) -> None:
    from geosozial.core.messages import GeosozialError

    with pytest.raises(GeosozialError) as info:
        build_atlas(PROJECT, demo.out, lang="fr")
    assert info.value.code == "atlas.lang"


def test_without_store_the_message_names_the_command(tmp_path: Path) -> None:
    from geosozial.core.messages import GeosozialError

    with pytest.raises(GeosozialError) as info:
        build_atlas(PROJECT, tmp_path)
    assert info.value.code == "atlas.no_store" and "geosozial report" in info.value.text()


def test_a_table_changed_after_the_run_is_refused(tmp_path: Path) -> None:
    """The run records the hashes of its inputs in the store: building the atlas (e.g.
    in QGIS, which does not run the project) after a table changed would show old
    numbers, so it is refused, naming the table's entry and the command; nothing is
    written."""
    from geosozial.core.messages import GeosozialError
    from geosozial.core.store_file import read_meta
    from geosozial.pipeline.project import run_project

    project_dir = tmp_path / "projekt"
    shutil.copytree(DEMO, project_dir)
    project = project_dir / "projekt.toml"
    out = tmp_path / "lauf"
    run_project(project, out)
    from geosozial.core.project import load_project, project_inputs

    table = project_dir / "arbeitslose_2023.csv"
    entry = next(name for name, path in project_inputs(load_project(project))
                 if path == table)
    recorded = read_meta(out / "sozialdatenbank.gpkg")["eingaben"]
    assert len(recorded[entry]) == 64 and len(recorded) > 6
    table.write_bytes(table.read_bytes() + b"\n")
    before = sorted(p.name for p in out.iterdir())
    with pytest.raises(GeosozialError) as info:
        build_atlas(project, out)
    text = info.value.text()
    assert info.value.code == "atlas.store_outdated"
    assert entry in text and entry.startswith("tables[")
    assert f"geosozial report {project} --out {out}" in text
    assert sorted(p.name for p in out.iterdir()) == before
    run_project(project, out)  # after the run the atlas is built
    assert build_atlas(project, out).pages_written > 100


def test_chart_colours_have_contrast() -> None:
    from geosozial.atlas.charts import LINE_COLOURS, MARKS

    def luminance(colour: str) -> float:
        rgb = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    def ratio(a: str, b: str) -> float:
        la, lb = sorted([luminance(a), luminance(b)], reverse=True)
        return (la + 0.05) / (lb + 0.05)

    for colour in LINE_COLOURS:
        assert ratio(colour, "#ffffff") >= 4.5, colour
    for name in ("bar", "area", "region", "range", "iqr", "axis", "map_line"):
        assert ratio(MARKS[name], "#ffffff") >= 3.0, name
    assert ratio(MARKS["text"], "#ffffff") >= 4.5
    # the marks of the spine chart against its bar
    assert ratio(MARKS["area"], MARKS["range_fill"]) >= 3.0
    assert ratio(MARKS["iqr"], MARKS["range_fill"]) >= 3.0


def test_the_sheet_dict_is_the_input_of_the_pdf(demo: Demo) -> None:
    """The Sozialdatenblatt dict renders as HTML and, unchanged, as PDF."""
    pytest.importorskip("typst")
    from geosozial.atlas.data import load_model
    from geosozial.atlas.pdf import sheet_pdf
    from geosozial.atlas.sheets import sozialdatenblatt

    model = load_model(PROJECT, demo.out)
    sheet = sozialdatenblatt(model, model.area("Gemeinde", "14999410"))
    assert sheet["groups"][0]["indicators"][1]["value"] is None  # Kinderarmut, withheld
    assert sheet["groups"][0]["indicators"][1]["flag_text"] == WORDS_WITHHELD
    assert sheet_pdf(sheet).startswith(b"%PDF-")
