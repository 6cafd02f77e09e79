"""The atlas after a data update: confidentiality in the PDFs, incremental rebuilds,
``geosozial report --check`` and byte-identical PDFs (issue 13, "Done when").

One module fixture copies the demo project (geodata/musterkreis) into a temporary
folder, runs it (``run_project``, SOURCE_DATE_EPOCH unset), keeps an untouched copy of
the run's outputs and builds the atlas. The tests then

- read the text of every PDF back with ``pdftotext -layout`` (Debian's poppler-utils) and
  look for the withheld cells of the store, with their true values from an unprotected
  join of the demo tables (and a leaky sheet as the negative control);
- run ``report`` again without a change, then again after one number of the 2023
  unemployment table changed, and compare the bytes and mtimes of every file;
- call ``geosozial report --check`` (``geosozial.cli.main``);
- build the atlas twice more (another process, another hash seed; SOURCE_DATE_EPOCH
  unset and set) and compare the PDFs byte for byte.
"""

from __future__ import annotations

import copy
import hashlib
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from datasets import true_values

from geosozial.atlas.build import AtlasSummary, build_atlas
from geosozial.atlas.manifest import MANIFEST, SITE_FOLDERS, read_manifest
from geosozial.core.number_format import number_text
from geosozial.pipeline.report import report

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "geodata" / "musterkreis"
WORDS_WITHHELD = "geheim gehalten"
N_SHEETS = 50 + 6
EPOCH = "1700000000"
EPOCH_PDF_DATE = b"D:20231114221320"

#: the one number changed: unemployed of Görnitzau (Sozialregion Südwest) in 2023, minus
#: DELTA, and the Kreis row of the table with it (the file's layout kept). Chosen so that
#: the shown values of the municipality (6,1 -> 5,6) and of its Sozialraum (6,1 -> 6,0)
#: change, the shown Kreis value (6,9) does not.
TABLE = "arbeitslose_{year}.csv"
CHANGED_KEY = "14999110"
CHANGED_SOZIALRAUM, CHANGED_SOZIALRAUM_STEM = "Sozialregion Südwest", "sozialregion-suedwest"
KREIS_KEY = "14999"
DELTA = -5
INDICATOR = "arbeitslosenanteil"


@dataclass
class Build:
    project: Path   # the project file of a copy of the demo project
    out: Path       # run outputs + atlas
    run_only: Path  # an untouched copy of the run outputs (no atlas)


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Build:
    from geosozial.pipeline.project import run_project

    root = tmp_path_factory.mktemp("rebuild")
    shutil.copytree(DEMO, root / "projekt")
    project = root / "projekt" / "projekt.toml"
    out, run_only = root / "atlas", root / "run_only"
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("SOURCE_DATE_EPOCH", raising=False)
        run_project(project, out)
        shutil.copytree(out, run_only)
        build_atlas(project, out)
    return Build(project, out, run_only)


def copy_build(build: Build, target: Path) -> Build:
    """The project and the built site copied to ``target`` (mtimes kept)."""
    shutil.copytree(build.project.parent, target / "projekt")
    shutil.copytree(build.out, target / "atlas")
    return Build(target / "projekt" / "projekt.toml", target / "atlas", build.run_only)


def site_names(out: Path) -> list[str]:
    """The files of the atlas (the manifest's outputs; the manifest itself not)."""
    manifest = read_manifest(out)
    assert manifest is not None
    return sorted(manifest["outputs"])


Snapshot = dict[str, tuple[str, int]]


def snapshot(out: Path) -> Snapshot:
    """SHA-256 and mtime_ns of every file in ``out`` (run outputs, atlas, manifest)."""
    return {p.relative_to(out).as_posix(): (hashlib.sha256(p.read_bytes()).hexdigest(),
                                            p.stat().st_mtime_ns)
            for p in sorted(out.rglob("*")) if p.is_file()}


def change_table(project: Path, year: int, key: str, delta: int) -> tuple[int, int]:
    """Add ``delta`` to the first count ("Insgesamt") of ``key`` and of the Kreis row;
    every other byte of the file stays. Returns the old and the new count."""
    path = project.parent / TABLE.format(year=year)
    lines = path.read_bytes().split(b"\n")
    old = new = 0
    for wanted in (key, KREIS_KEY):
        hits = [i for i, line in enumerate(lines) if line.startswith(wanted.encode() + b";")]
        assert len(hits) == 1, wanted
        fields = lines[hits[0]].split(b";")
        value = int(fields[2])
        fields[2] = str(value + delta).encode()
        lines[hits[0]] = b";".join(fields)
        if wanted == key:
            old, new = value, value + delta
    path.write_bytes(b"\n".join(lines))
    return old, new


# --- 1. confidentiality: the PDFs ----------------------------------------------------


def _pdftotext() -> str:
    path = shutil.which("pdftotext")
    if path is None:
        problem = "pdftotext (Debian package poppler-utils) is not installed"
        if os.environ.get("CI"):
            pytest.fail(f"the PDF scan must run in CI, but {problem}")
        pytest.skip(problem)
    return path


def pdf_pages(pdf: Path) -> list[str]:
    """The text of every page of ``pdf`` (pdftotext -layout)."""
    text = subprocess.run([_pdftotext(), "-layout", "-enc", "UTF-8", str(pdf), "-"],
                          capture_output=True, check=True).stdout.decode("utf-8")
    pages = text.split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def pdf_bytes_pages(pdf: bytes, tmp_path: Path) -> list[str]:
    path = tmp_path / "sheet.pdf"
    path.write_bytes(pdf)
    return pdf_pages(path)


@dataclass(frozen=True)
class Withheld:
    key: str
    name: str
    year: int
    variable: str
    true: float | None  # None: the source table withholds it too (".")


@pytest.fixture(scope="module")
def withheld(base: Build) -> list[Withheld]:
    """Every municipal cell the store flags ``geheim`` (changes over years left out)."""
    from geosozial.geo.store import read_store

    long = read_store(base.out / "sozialdatenbank.gpkg").long
    assert not ((long["ebene"] != "Gemeinde") & (long["kennzeichen"] == "geheim")).any(), \
        "a withheld Sozialraum cell: extend the scan to Sozialraum sheets"
    rows = long[(long["ebene"] == "Gemeinde") & (long["kennzeichen"] == "geheim")]
    true = true_values(base.project)
    return [Withheld(r.schluessel, r.name, int(r.jahr), r.variable,
                     true.get((r.schluessel, int(r.jahr), r.variable)))
            for r in rows.itertuples(index=False)
            if not r.variable.endswith(("_diff2", "_trend"))]


@pytest.fixture(scope="module")
def sheets(base: Build) -> dict[str, dict[str, Any]]:
    """The sheet dict of every area (the input of its PDF), by file stem."""
    from geosozial.atlas.data import load_model
    from geosozial.atlas.sheets import sozialdatenblatt

    model = load_model(base.project, base.out)
    return {area.stem: sozialdatenblatt(model, area) for area in model.areas}


def _norm(text: str) -> str:
    return text.replace("\u2212", "-")


#: a decimal number as printed in German (1.234,5; −3,2); integers are not looked for
#: (a withheld count of 1 or 2 is in every date and page number)
_DECIMAL = re.compile(r"(?<![\d.,-])-?\d{1,3}(?:\.\d{3})*,\d+(?![\d,])")


def _published(sheet: dict[str, Any]) -> set[str]:
    """Every decimal number the sheet publishes in its tables (value, Sozialraum, Kreis,
    deviation of each indicator, the age groups): a withheld value that happens to
    equal one of them is no leak."""
    out: set[str] = set()
    for group in sheet["groups"]:
        for ind in group["indicators"]:
            digits = int(ind.get("digits") or 1)
            for key in ("value", "sozialraum", "kreis", "deviation"):
                text = number_text(ind.get(key), digits)
                if text:
                    out.add(text)
    population = sheet.get("population") or {}
    for group in population.get("age_groups") or []:
        for key, digits in (("value", 0), ("share", 1)):
            text = number_text(group.get(key), digits)
            if text:
                out.add(text)
    return out


def sheet_leaks(text: str, sheet: dict[str, Any], cases: list[Withheld], where: str,
                checked: list[str] | None = None) -> list[str]:
    """Where the text of one sheet's PDF pages shows a withheld value.

    - The row of every withheld indicator of the sheet's own area in the last year must
      read "geheim gehalten" right after its label, and its deviation must be "–".
    - The true value of any withheld cell (any area, any year; decimal numbers) must not
      be printed anywhere on the sheet unless the sheet publishes the same number in
      one of its table cells.
    """
    found = []
    text = _norm(text)
    own = [c for c in cases if c.key == sheet["key"] and sheet["level"] == "Gemeinde"]
    labels = {i["id"]: i for g in sheet["groups"] for i in g["indicators"]}
    for case in own:
        ind = labels.get(case.variable)
        if ind is None or case.year != sheet["year"]:
            continue  # a count (no row in the PDF) or an earlier year (no number shown)
        label = f"{ind['label']} ({ind['unit']})" if ind.get("unit") else ind["label"]
        rows = [line.strip() for line in text.splitlines() if line.strip().startswith(label)]
        if len(rows) != 1:
            found.append(f"{where}: {len(rows)} rows of {label!r}")
            continue
        rest = rows[0][len(label):].strip()
        if not rest.startswith(WORDS_WITHHELD):
            found.append(f"{where}: {label} reads {rest!r}")
            continue
        tail = rest[len(WORDS_WITHHELD):].replace("keine Werte", "").split()
        if len(tail) != 3 or tail[2] != "–":  # Sozialraum, Kreis, deviation
            found.append(f"{where}: {label} reads {rest!r}")
        if checked is not None:
            checked.append(f"{where} {case.variable}")
    printed = set(_DECIMAL.findall(text))
    published = _published(sheet)
    for case in cases:
        if case.true is None:
            continue
        ind = labels.get(case.variable)
        shown = number_text(case.true, int(ind.get("digits") or 1) if ind else 1)
        if shown in printed and shown not in published:
            found.append(f"{where}: {shown} ({case.name} {case.year} {case.variable})")
    return found


def combined_by_sheet(pages: list[str]) -> dict[str, str]:
    """The pages of the combined PDF by the sheet title in their footer."""
    out: dict[str, str] = {}
    for page in pages:
        titles = re.findall(r"^(Sozialdatenblatt .+?) · Gebietsstand \d", page, re.M)
        if titles:
            out[titles[-1]] = out.get(titles[-1], "") + page
    return out


def test_no_withheld_value_in_any_pdf(base: Build, withheld: list[Withheld],
                                      sheets: dict[str, dict[str, Any]]) -> None:
    names = [n for n in site_names(base.out) if n.startswith("pdf/")]
    assert len(names) == N_SHEETS + 1 and "pdf/sozialdatenblaetter.pdf" in names
    assert sorted(f"pdf/{stem}.pdf" for stem in sheets) == sorted(
        n for n in names if n != "pdf/sozialdatenblaetter.pdf")
    with_truth = [c for c in withheld if c.true is not None]
    assert len(with_truth) >= 40  # births, deaths and their rates of 2021-2023
    last = max(c.year for c in withheld)
    assert {c.variable for c in with_truth if c.year == last} >= {
        "geburtenziffer", "geburtenverhaeltnis", "natuerlicher_saldo"}
    found: list[str] = []
    checked: list[str] = []
    for stem, sheet in sheets.items():
        text = "\n".join(pdf_pages(base.out / "pdf" / f"{stem}.pdf"))
        found += sheet_leaks(text, sheet, withheld, f"pdf/{stem}.pdf", checked)
    combined = combined_by_sheet(pdf_pages(base.out / "pdf" / "sozialdatenblaetter.pdf"))
    assert sorted(combined) == sorted(s["title"] for s in sheets.values())
    for sheet in sheets.values():
        found += sheet_leaks(combined[sheet["title"]], sheet, withheld,
                             f"sozialdatenblaetter.pdf {sheet['title']}", checked)
    assert found == []
    # every withheld indicator of the last year was looked at, in its sheet and combined
    rows = {(c.key, c.variable) for c in withheld if c.year == last
            and any(c.variable == i["id"] for g in sheets[f"gemeinde_{c.key}"]["groups"]
                    for i in g["indicators"])}
    assert len(rows) >= 10 and len(checked) == 2 * len(rows)


def test_the_pdf_scan_finds_a_leak(base: Build, withheld: list[Withheld],
                                   sheets: dict[str, dict[str, Any]],
                                   tmp_path: Path) -> None:
    """Negative control: a sheet with a true value planted in the value of its row (last
    year) and one in its notes (an earlier year); the scan must report both."""
    pytest.importorskip("typst")
    from geosozial.atlas.pdf import sheet_pdf

    last = max(c.year for c in withheld)
    in_row = next(c for c in withheld if c.true is not None and c.year == last
                  and c.variable == "natuerlicher_saldo")
    sheet = sheets[f"gemeinde_{in_row.key}"]
    earlier = next(c for c in withheld if c.key == in_row.key and c.true is not None
                   and c.year < last and c.variable == "geburtenziffer")
    assert number_text(earlier.true, 1) not in _published(sheet)
    clean = "\n".join(pdf_bytes_pages(sheet_pdf(sheet), tmp_path))
    assert sheet_leaks(clean, sheet, withheld, "clean") == []

    leaky = copy.deepcopy(sheet)
    ind = next(i for g in leaky["groups"] for i in g["indicators"]
               if i["id"] == in_row.variable)
    ind.update(value=in_row.true, flag_text="")
    leaky["notes"].append(f"Allgemeine Geburtenziffer {earlier.year}: "
                          f"{number_text(earlier.true, 1)}")
    text = "\n".join(pdf_bytes_pages(sheet_pdf(leaky), tmp_path))
    assert number_text(in_row.true, 1) in _norm(text)
    found = sheet_leaks(text, sheet, withheld, "leaky")
    assert any(f.startswith("leaky: Natürlicher Saldo") for f in found), found
    assert any(f"{earlier.year} geburtenziffer" in f for f in found), found


# --- 2. rebuilds: no change, one table changed ---------------------------------------


def test_a_second_atlas_build_rewrites_nothing(base: Build, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    site = copy_build(base, tmp_path)
    before = snapshot(site.out)
    summary = build_atlas(site.project, site.out)
    assert snapshot(site.out) == before
    assert not summary.rebuilt and summary.written == []


@dataclass
class Rerun:
    build: Build
    before: Snapshot
    after: Snapshot
    atlas: AtlasSummary


@pytest.fixture(scope="module")
def rerun(base: Build, tmp_path_factory: pytest.TempPathFactory) -> Rerun:
    """``report`` run again on a copy of the built project, nothing changed."""
    build = copy_build(base, tmp_path_factory.mktemp("rerun"))
    before = snapshot(build.out)
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("SOURCE_DATE_EPOCH", raising=False)
        _run, atlas = report(build.project, build.out)
    return Rerun(build, before, snapshot(build.out), atlas)


def test_report_without_changes_leaves_every_site_file_untouched(rerun: Rerun) -> None:
    names = site_names(rerun.build.out)
    assert len(names) > 250
    assert {n: rerun.after[n] for n in names} == {n: rerun.before[n] for n in names}
    assert rerun.atlas.written == [] and rerun.atlas.removed == []


def test_report_without_changes_keeps_the_store_content_and_the_manifest(rerun: Rerun
                                                                        ) -> None:
    """The store logs the run (``aenderungen``, its write time), so its bytes change;
    what it holds does not, and the atlas sees that: nothing is rendered or rewritten."""
    from geosozial.geo.store import content_hash, read_store

    store = rerun.build.out / "sozialdatenbank.gpkg"
    assert rerun.after[MANIFEST] == rerun.before[MANIFEST]
    assert not rerun.atlas.rebuilt
    assert content_hash(store) != ""
    changes = read_store(store).changes
    last = changes[changes["zeitpunkt"] == changes["zeitpunkt"].iloc[-1]]
    assert (last["geaendert"] == 0).all() and (last["hinzugefuegt"] == 0).all()


def test_report_without_changes_keeps_the_run_outputs(rerun: Rerun) -> None:
    site = {*site_names(rerun.build.out), MANIFEST, "sozialdatenbank.gpkg"}
    # the join reports name the input files with their folder, which the copy changed:
    # only the files whose bytes are the same are compared
    same = sorted(n for n in rerun.before if n not in site
                  and rerun.after.get(n, ("",))[0] == rerun.before[n][0])
    assert len(same) > 20 and any(n.endswith(".png") for n in same)
    assert {n: rerun.after[n][1] for n in same} == {n: rerun.before[n][1] for n in same}


@dataclass
class Changed:
    build: Build
    before: Snapshot
    after: Snapshot
    atlas: AtlasSummary
    counts: tuple[int, int]
    store_before: Any
    store_after: Any


@pytest.fixture(scope="module")
def changed(rerun: Rerun) -> Changed:
    """The rerun's copy after one number of the 2023 unemployment table changed, run
    with ``report`` again."""
    from geosozial.geo.store import read_store

    build = rerun.build
    store_before = read_store(build.out / "sozialdatenbank.gpkg").long
    counts = change_table(build.project, 2023, CHANGED_KEY, DELTA)
    before = snapshot(build.out)
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("SOURCE_DATE_EPOCH", raising=False)
        _run, atlas = report(build.project, build.out)
    store_after = read_store(build.out / "sozialdatenbank.gpkg").long
    return Changed(build, before, snapshot(build.out), atlas, counts, store_before,
                   store_after)


def _shown(long: Any, level: str, key: str, variable: str, year: int = 2023) -> str:
    row = long[(long["ebene"] == level) & (long["schluessel"] == key)
               & (long["variable"] == variable) & (long["jahr"] == year)]
    assert len(row) == 1, (level, key, variable)
    return number_text(float(row["wert"].iloc[0]), 1) or ""


def _kreis_shown(long: Any, year: int = 2023) -> str:
    rows = long[(long["ebene"] == "Kreis") & (long["jahr"] == year)].set_index("variable")
    shown = number_text(float(rows.loc[INDICATOR, "wert"]), 1)
    total = {v: float(rows.loc[v, "wert"]) for v in ("arbeitslose", "bev_15_65")}
    assert shown == number_text(100 * total["arbeitslose"] / total["bev_15_65"], 1)
    return shown or ""


def test_the_changed_number_changed_the_shown_values(changed: Changed) -> None:
    """The preconditions of the next test: what the change does to the shown values."""
    old, new = changed.counts
    assert new == old + DELTA and new >= 10  # far from the suppression of small counts
    before, after = changed.store_before, changed.store_after
    for level, key in (("Gemeinde", CHANGED_KEY), ("Sozialraum", CHANGED_SOZIALRAUM)):
        assert _shown(before, level, key, INDICATOR) != _shown(after, level, key, INDICATOR)
    assert _kreis_shown(before) == _kreis_shown(after)
    # only the unemployed and the indicator made from them changed in the store
    merged = before.merge(after, on=["schluessel", "ebene", "jahr", "variable"])
    moved = merged[~((merged["wert_x"] == merged["wert_y"])
                     | (merged["wert_x"].isna() & merged["wert_y"].isna()))]
    assert set(moved["variable"]) == {"arbeitslose", INDICATOR}
    assert set(moved["jahr"]) == {2023}
    kreis_key = str(after[after["ebene"] == "Kreis"]["schluessel"].iloc[0])
    assert set(moved["schluessel"]) == {CHANGED_KEY, CHANGED_SOZIALRAUM, kreis_key}
    # the new value is on the municipality's sheet, in HTML and PDF
    shown = _shown(after, "Gemeinde", CHANGED_KEY, INDICATOR)
    html = (changed.build.out / "gemeinden" / f"{CHANGED_KEY}.html").read_text("utf-8")
    assert f'<td class="num">{shown}</td>' in html
    text = "\n".join(pdf_pages(changed.build.out / "pdf" / f"gemeinde_{CHANGED_KEY}.pdf"))
    row = next(line for line in text.splitlines() if line.strip().startswith(
        "Arbeitslosenanteil (%)"))
    assert row.split()[2] == shown


def test_one_changed_table_rewrites_only_the_dependent_files(changed: Changed) -> None:
    out = changed.build.out
    names = site_names(out)
    before_names = sorted(n for n in changed.before if n.split("/", 1)[0] in SITE_FOLDERS
                          or n in ("index.html", "vergleich.html"))
    assert names == before_names  # no file added or removed
    new_bytes = {n for n in names if changed.after[n][0] != changed.before[n][0]}
    new_mtime = {n for n in names if changed.after[n][1] != changed.before[n][1]}
    assert new_mtime == new_bytes  # no file rewritten with its old bytes
    assert sorted(changed.atlas.written) == sorted(new_bytes)
    assert changed.atlas.reasons == ["sozialdatenbank.gpkg"] and changed.atlas.removed == []

    sr = CHANGED_SOZIALRAUM_STEM
    # files that show the changed value of the municipality or of its Sozialraum
    must = {f"gemeinden/{CHANGED_KEY}.html", f"pdf/gemeinde_{CHANGED_KEY}.pdf",
            f"downloads/gemeinde_{CHANGED_KEY}.csv", f"downloads/gemeinde_{CHANGED_KEY}.xlsx",
            f"sozialraeume/{sr}.html", f"pdf/sozialraum_{sr}.pdf",
            f"downloads/sozialraum_{sr}.csv", f"downloads/sozialraum_{sr}.xlsx",
            f"indikatoren/{INDICATOR}.html", f"downloads/indikator_{INDICATOR}.csv",
            f"downloads/indikator_{INDICATOR}.xlsx", "pdf/sozialdatenblaetter.pdf",
            "downloads/alle_werte.csv", "downloads/alle_werte.xlsx",
            "assets/vergleich.js", "downloads/vergleich.csv", "downloads/vergleich.xlsx"}
    assert must <= set(names)
    assert sorted(must - new_bytes) == []
    # files that may depend on it: every sheet shows the Kreis value of the indicator and
    # the range of the municipal values (spine chart); the start page and its key
    # figures show the Kreis value; the compare page its values
    def may_depend(name: str) -> bool:
        return (name.startswith(("gemeinden/", "sozialraeume/", "pdf/",
                                 "downloads/gemeinde_", "downloads/sozialraum_"))
                or name in must or name in {
                    "index.html", "downloads/kennzahlen.csv", "downloads/kennzahlen.xlsx",
                    "vergleich.html"})
    assert sorted(n for n in new_bytes if not may_depend(n)) == []
    # and the files that cannot depend on it: the shared assets, the search index
    # (names and links only), the pages and downloads of the other eleven indicators
    must_not = {n for n in names if not may_depend(n)}
    others = {n for n in names if n.startswith("indikatoren/") and INDICATOR not in n}
    assert len(others) == 11
    assert must_not >= {"assets/atlas.css", "assets/atlas.js", "assets/suche.js",
                        "assets/suche.json"} | others | {
        f"downloads/indikator_{Path(n).stem}.{ext}" for n in others for ext in ("csv", "xlsx")}
    assert {n: changed.after[n] for n in must_not} == {n: changed.before[n] for n in must_not}
    assert new_bytes < set(names)


# --- 3. geosozial report --check -------------------------------------------------------


def _check(build: Build, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    from geosozial.cli import main

    capsys.readouterr()
    code = main(["report", str(build.project), "--out", str(build.out), "--check"])
    return code, capsys.readouterr().out


def test_report_check(base: Build, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    site = copy_build(base, tmp_path)
    before = snapshot(site.out)
    code, out = _check(site, capsys)
    assert code == 0, out
    assert "aktuell" in out
    page = site.out / "gemeinden" / f"{CHANGED_KEY}.html"
    original = page.read_bytes()
    page.write_bytes(original.replace(b"</h1>", b" (bearbeitet)</h1>", 1))
    code, out = _check(site, capsys)
    assert code == 1
    assert out.splitlines()[0] == f"gemeinden/{CHANGED_KEY}.html"
    assert "1 Abweichungen" in out
    page.write_bytes(original)
    code, out = _check(site, capsys)
    assert code == 0, out
    # the check writes nothing
    assert {n: v[0] for n, v in snapshot(site.out).items()} == {
        n: v[0] for n, v in before.items()}


def test_report_check_sees_a_changed_input_table(base: Build, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    site = copy_build(base, tmp_path)
    assert _check(site, capsys)[0] == 0
    change_table(site.project, 2023, CHANGED_KEY, DELTA)
    code, out = _check(site, capsys)
    assert code == 1, out


# --- 4. byte-identical PDFs ------------------------------------------------------------


def _pdfs(out: Path) -> dict[str, bytes]:
    files = {p.name: p.read_bytes() for p in sorted((out / "pdf").glob("*.pdf"))}
    assert len(files) == N_SHEETS + 1 and "sozialdatenblaetter.pdf" in files
    return files


def _build_in_a_process(build: Build, target: Path, epoch: str | None) -> subprocess.Popen:
    """build_atlas on a copy of the run outputs in a fresh Python (other hash seed)."""
    shutil.copytree(build.run_only, target)
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    env["PYTHONHASHSEED"] = "4711"
    if epoch is not None:
        env["SOURCE_DATE_EPOCH"] = epoch
    script = ("import sys; from geosozial.atlas.build import build_atlas; "
              "build_atlas(sys.argv[1], sys.argv[2])")
    return subprocess.Popen([sys.executable, "-c", script, str(build.project), str(target)],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _wait(process: subprocess.Popen) -> None:
    _out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err.decode("utf-8", "replace")


def test_two_builds_give_the_same_pdfs_without_source_date_epoch(
        base: Build, tmp_path: Path) -> None:
    process = _build_in_a_process(base, tmp_path / "zweiter", None)
    _wait(process)
    first, second = _pdfs(base.out), _pdfs(tmp_path / "zweiter")
    assert sorted(first) == sorted(second)
    assert [n for n in first if first[n] != second[n]] == []
    assert all(EPOCH_PDF_DATE not in data for data in first.values())


def test_two_builds_give_the_same_pdfs_with_source_date_epoch(
        base: Build, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    process = _build_in_a_process(base, tmp_path / "zweiter", EPOCH)
    shutil.copytree(base.run_only, tmp_path / "erster")
    build_atlas(base.project, tmp_path / "erster")
    _wait(process)
    first, second = _pdfs(tmp_path / "erster"), _pdfs(tmp_path / "zweiter")
    assert [n for n in first if first[n] != second[n]] == []
    # the date is SOURCE_DATE_EPOCH's, so the bytes differ from the build without it
    assert all(EPOCH_PDF_DATE in data for data in first.values())
    unset = _pdfs(base.out)
    assert all(first[n] != unset[n] for n in first)
