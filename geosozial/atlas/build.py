"""Build the static atlas into the output folder of a project run.

:func:`build_atlas` runs after :func:`geosozial.pipeline.project.run_project` has written
its outputs into ``out``; it writes the site into the same folder, so its pages link the
run's maps:

- ``index.html``, ``vergleich.html``;
- ``indikatoren/<id>.html``, ``gemeinden/<key>.html``, ``sozialraeume/<slug>.html``;
- ``downloads/*.csv`` and ``*.xlsx`` (the tables of every page, all values);
- ``assets/atlas.css``, ``assets/atlas.js``, ``assets/suche.js``, ``assets/suche.json``,
  ``assets/vergleich.js``, ``assets/lage.svg`` (stored once for the whole site; the last
  is the Kreis map under every sheet's location map);
- ``pdf/*.pdf`` (one per Sozialdatenblatt and all in one, when the engine is there);
- ``atlas_manifest.json`` (:mod:`geosozial.atlas.manifest`).

Incremental and deterministic: when the inputs equal the manifest's and every output is
intact, nothing is read or written (the check hashes files, it imports nothing heavy);
otherwise every file is rendered in memory and only files whose bytes differ are
written (atomically, all together at the end: an error leaves the previous site as it
was); files of the previous build that the new one no longer has are removed. Dates
come from the data or ``SOURCE_DATE_EPOCH``, never from the clock.

Examples
--------
>>> summary = build_atlas("geodata/musterkreis/projekt.toml", Path("demo_out"))  # doctest: +SKIP
>>> print(summary.text())  # doctest: +SKIP
Atlas demo_out/index.html: 142 Dateien, 142 neu geschrieben, 0 unverändert.
"""

from __future__ import annotations

import hashlib
import html as _html
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geosozial import __version__
from geosozial.atlas.manifest import (
    MANIFEST,
    SITE_FOLDERS,
    code_hash,
    read_manifest,
    sha256_file,
    up_to_date,
    write_manifest,
)
from geosozial.atlas.texts import LANGUAGES, text
from geosozial.core.messages import GeosozialError, define
from geosozial.core.project import toml_parser

__all__ = ["AtlasSummary", "atlas_inputs", "build_atlas", "site_files"]

define("atlas.lang", de="Sprache {lang!r} unbekannt; möglich: de, en.",
       en="unknown language {lang!r}; possible: de, en.")
define("atlas.summary",
       de="Atlas {index}: {total} Dateien, {written} neu geschrieben, {unchanged} "
       "unverändert{removed}.",
       en="atlas {index}: {total} files, {written} written, {unchanged} unchanged{removed}.")
define("atlas.summary_removed", de=", {n} entfernt", en=", {n} removed")
define("atlas.summary_nothing",
       de="Eingaben unverändert (Manifest {manifest}); keine Datei neu geschrieben.",
       en="inputs unchanged (manifest {manifest}); no file written.")
define("atlas.summary_reasons", de="Geändert: {reasons}.", en="changed: {reasons}.")
define("atlas.summary_files", de="Neu geschrieben: {files}", en="written: {files}")

#: files of the site in the top folder (everything else there belongs to the run)
ROOT_FILES = ("index.html", "vergleich.html", MANIFEST)
_ASSETS = Path(__file__).resolve().parent / "assets"

Progress = Callable[[int, int], None]


@dataclass
class AtlasSummary:
    """What :func:`build_atlas` did.

    Attributes
    ----------
    out : Path
        The site folder.
    written : list of str
        Files written (new or changed), relative to ``out``.
    unchanged : list of str
        Files whose bytes were already right (not touched).
    removed : list of str
        Files of the previous build that the site no longer has.
    reasons : list of str
        The inputs that changed since the previous build (empty on a first build).
    rebuilt : bool
        False when the inputs equalled the manifest and nothing was rendered.

    Examples
    --------
    >>> s = AtlasSummary(Path("out"), ["index.html"], ["vergleich.html"])
    >>> s.pages_written, s.pages_unchanged
    (1, 1)
    >>> print(s.text())
    Atlas out/index.html: 2 Dateien, 1 neu geschrieben, 1 unverändert.
    Neu geschrieben: index.html
    """

    out: Path
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    rebuilt: bool = True

    @property
    def pages_written(self) -> int:
        """Number of files written.

        Examples
        --------
        >>> AtlasSummary(Path("o"), ["a", "b"]).pages_written
        2
        """
        return len(self.written)

    @property
    def pages_unchanged(self) -> int:
        """Number of files left untouched.

        Examples
        --------
        >>> AtlasSummary(Path("o"), [], ["a"]).pages_unchanged
        1
        """
        return len(self.unchanged)

    def text(self, lang: str | None = None) -> str:
        """A summary in words (German by default, ``lang="en"``).

        Examples
        --------
        >>> AtlasSummary(Path("o"), [], ["a"], rebuilt=False).text("en").splitlines()[1]
        'inputs unchanged (manifest atlas_manifest.json); no file written.'
        """
        from geosozial.core.messages import render

        removed = render("atlas.summary_removed", {"n": len(self.removed)}, lang) \
            if self.removed else ""
        lines = [render("atlas.summary", {
            "index": str(self.out / "index.html"), "total": len(self.written)
            + len(self.unchanged), "written": len(self.written),
            "unchanged": len(self.unchanged), "removed": removed}, lang)]
        if not self.rebuilt:
            lines.append(render("atlas.summary_nothing", {"manifest": MANIFEST}, lang))
        if self.reasons:
            lines.append(render("atlas.summary_reasons",
                                {"reasons": ", ".join(self.reasons)}, lang))
        if self.written:
            shown = ", ".join(self.written[:12]) + (" …" if len(self.written) > 12 else "")
            lines.append(render("atlas.summary_files", {"files": shown}, lang))
        return "\n".join(lines)


def atlas_inputs(project_path: str | Path, out: str | Path, lang: str = "de") -> dict[str, Any]:
    """What a build reads, as the manifest records it (hashes, no time stamps).

    Parameters
    ----------
    project_path : str or Path
    out : str or Path
    lang : str

    Returns
    -------
    dict
        ``project`` (file name and SHA-256: the manifest names no folder outside the
        site), ``tables`` (the run's input files by their project entry, SHA-256),
        ``store`` (path relative to ``out``, hash of its content), ``run_files``
        (the HTML files of the run in ``out``, whose links the pages carry) and
        ``generator`` (geosozial version, hash of the atlas code, language,
        ``SOURCE_DATE_EPOCH``).

    Examples
    --------
    >>> sorted(atlas_inputs("geodata/musterkreis/projekt.toml", Path("/nonexistent")))
    ['generator', 'project', 'run_files', 'store', 'tables']
    """
    out = Path(out)
    project = Path(project_path)
    try:
        data = toml_parser().loads(project.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    database = data.get("database", {}) if isinstance(data.get("database"), dict) else {}
    store_name = str(database.get("file", "sozialdatenbank.gpkg"))

    def hashed(path: Path) -> str:
        try:
            return sha256_file(path)
        except OSError:
            return ""

    run_files = sorted(p.name for p in out.glob("*.html") if p.name not in ROOT_FILES) \
        if out.is_dir() else []
    return {
        "tables": _input_hashes(project),
        "project": {"name": project.name, "sha256": hashed(project)},
        # what the store holds, not its bytes (a re-run rewrites it with a new time stamp)
        "store": {"path": store_name, "content": _store_hash(out / store_name)},
        "run_files": run_files,
        "generator": {"geosozial": __version__, "atlas": code_hash(), "lang": lang,
                      "source_date_epoch": os.environ.get("SOURCE_DATE_EPOCH", "").strip()},
    }


def _input_hashes(project: Path) -> dict[str, str]:
    """The run's input files (tables, geometries, mapping, crosswalks) by their entry in
    the project file, with their SHA-256: a table changed after the run makes the atlas
    out of date (``report --check``)."""
    from geosozial.core.project import input_hashes, load_project

    try:
        return input_hashes(load_project(project))
    except GeosozialError:
        return {}


def _store_hash(path: Path) -> str:
    from geosozial.core.store_file import content_hash

    return content_hash(path) if path.is_file() else ""


def site_files(model: Any) -> dict[str, bytes]:
    """Every file of the site rendered from ``model``, path (relative) -> bytes.

    Parameters
    ----------
    model : AtlasModel

    Returns
    -------
    dict of str to bytes
        In a fixed order: assets, pages, downloads.

    Examples
    --------
    >>> from geosozial.atlas.model import AtlasModel
    >>> files = site_files(AtlasModel("A", "K", "de", [2023], "", "", "", ""))
    >>> [name for name in files][:2], "index.html" in files
    (['assets/atlas.css', 'assets/atlas.js'], True)
    """
    from geosozial.atlas.texts import whole_area

    with whole_area(model.total):  # Kreis, Land or Gesamtgebiet in every text
        return _site_files(model)


def _site_files(model: Any) -> dict[str, bytes]:
    from geosozial.atlas.downloads import csv_bytes, xlsx_download
    from geosozial.atlas.pages import (
        LOCATION_BASE,
        all_values_table,
        compare_page,
        compare_script,
        download_note,
        index_page,
        indicator_page,
        location_base,
        sheet_page,
    )
    from geosozial.atlas.search import search_json, search_script
    from geosozial.atlas.sheets import sozialdatenblatt, spine_ranges

    lang = model.lang
    files: dict[str, bytes] = {
        "assets/atlas.css": (_ASSETS / "atlas.css").read_bytes(),
        "assets/atlas.js": (_ASSETS / "atlas.js").read_bytes(),
        "assets/suche.js": search_script(model).encode("utf-8"),
        "assets/suche.json": search_json(model).encode("utf-8"),
        "assets/vergleich.js": compare_script(model).encode("utf-8"),
    }
    base = location_base(model)  # the Kreis map under every sheet's location map, once
    if base is not None:
        files[LOCATION_BASE] = base.encode("utf-8")
    pages = [index_page(model), compare_page(model)]
    pages += [indicator_page(model, ind) for ind in model.indicators]
    ranges = spine_ranges(model)  # the same on every sheet
    sheets = [sozialdatenblatt(model, area, ranges=ranges) for area in model.areas]
    pages += [sheet_page(model, area, sheet) for area, sheet in zip(model.areas, sheets,
                                                                     strict=True)]
    downloads: dict[str, bytes] = {}
    for page in pages:
        files[page.path] = page.html.encode("utf-8")
        if page.tables and page.stem:
            title = page.html.split("<title>", 1)[1].split("</title>", 1)[0] \
                if "<title>" in page.html else page.stem
            note = download_note(model, _html.unescape(title))
            downloads[f"downloads/{page.stem}.csv"] = csv_bytes(page.tables, note, lang)
            downloads[f"downloads/{page.stem}.xlsx"] = xlsx_download(page.tables, note, lang)
    table = all_values_table(model)
    note = download_note(model, table.title)
    downloads["downloads/alle_werte.csv"] = csv_bytes([table], note, lang)
    downloads["downloads/alle_werte.xlsx"] = xlsx_download([table], note, lang)
    files.update(downloads)
    if model.pdf:  # one PDF per Sozialdatenblatt and all of them in one (Kreistag files)
        from geosozial.atlas.pdf import sheet_pdf, sheets_pdf
        from geosozial.atlas.pdfpack import pack_pdf

        # packed: the engine's objects in compressed object streams (half the bytes of a
        # sheet, a quarter of the combined file; the same objects, text and tags)
        for area, sheet in zip(model.areas, sheets, strict=True):
            files[f"pdf/{area.stem}.pdf"] = pack_pdf(sheet_pdf(sheet, lang=lang))
        files["pdf/sozialdatenblaetter.pdf"] = pack_pdf(sheets_pdf(
            sheets, title=f"{text(lang, 'pdf_all')}: {model.title}", lang=lang))
    return files


def _reasons(old: dict[str, Any] | None, new: dict[str, Any]) -> list[str]:
    if old is None:
        return []
    before = old.get("inputs", {})
    reasons = []
    if before.get("project") != new["project"]:
        reasons.append(new["project"]["name"])
    if before.get("store") != new["store"]:
        reasons.append(new["store"]["path"])
    if before.get("run_files") != new["run_files"]:
        reasons.append("Karten" if new["generator"]["lang"] == "de" else "maps")
    if before.get("generator") != new["generator"]:
        reasons.append("geosozial")
    return reasons


def build_atlas(project_path: str | Path, out: str | Path, *, lang: str = "de",
                progress: Progress | None = None) -> AtlasSummary:
    """Write the static atlas of a project into ``out``, beside the outputs of its run.

    Parameters
    ----------
    project_path : str or Path
        The project file (TOML) that :func:`~geosozial.pipeline.project.run_project`
        ran.
    out : str or Path
        The run's output folder; the site is written into it.
    lang : str
        ``de`` (default) or ``en``: the fixed texts of the site.
    progress : callable, optional
        ``progress(done, total)``, called once per file of the site.

    Returns
    -------
    AtlasSummary

    Raises
    ------
    GeosozialError
        An unknown language, a wrong project file, no store in ``out``.

    Examples
    --------
    >>> build_atlas("geodata/musterkreis/projekt.toml", Path("demo_out"))  # doctest: +SKIP
    """
    if lang not in LANGUAGES:
        raise GeosozialError("atlas.lang", lang=lang)
    out = Path(out)
    inputs = atlas_inputs(project_path, out, lang)
    _check_store_current(project_path, out, inputs)
    current = up_to_date(out, inputs)
    if current is not None:
        for i, _ in enumerate(current, 1):
            if progress:
                progress(i, len(current))
        return AtlasSummary(out, [], sorted(current), rebuilt=False)
    previous = read_manifest(out)
    from geosozial.atlas.data import load_model

    model = load_model(project_path, out, lang=lang)
    files = site_files(model)
    written, unchanged = [], []
    changed: dict[str, bytes] = {}
    total = len(files)
    for i, (name, data) in enumerate(files.items(), 1):
        try:
            same = (out / name).read_bytes() == data
        except OSError:
            same = False
        if same:
            unchanged.append(name)
        else:
            changed[name] = data
            written.append(name)
        if progress:
            progress(i, total)
    _commit_files(out, changed, protected=[Path(project_path), out / inputs["store"]["path"]])
    removed = []
    for name in (previous or {}).get("outputs", {}):
        ours = name in ROOT_FILES or name.split("/", 1)[0] in SITE_FOLDERS
        if name not in files and ours and ".." not in name and (out / name).is_file():
            (out / name).unlink()
            removed.append(name)
    hashes = {name: _sha(data) for name, data in files.items()}
    write_manifest(out, inputs, hashes)
    return AtlasSummary(out, written, unchanged, removed, _reasons(previous, inputs))


define("atlas.store_outdated",
       de="Die Sozialdatenbank {store} stammt aus einem Lauf vor der letzten Änderung von "
       "{inputs}; der Atlas zeigte alte Zahlen. Bitte zuerst geosozial report {project} "
       "--out {out} ausführen.",
       en="the time-series store {store} comes from a run before the last change of "
       "{inputs}; the atlas would show old numbers. Run geosozial report {project} --out "
       "{out} first.")


def _check_store_current(project_path: str | Path, out: Path, inputs: dict[str, Any]) -> None:
    """Refuse a store whose run read other input files than the project has now (the
    hashes the run recorded in ``eingaben``)."""
    from geosozial.core.store_file import read_meta

    store = out / inputs["store"]["path"]
    recorded = read_meta(store).get("eingaben") if store.is_file() else None
    if not isinstance(recorded, dict):
        return  # a store of an older version records none
    changed = [name for name, digest in inputs["tables"].items()
               if recorded.get(name) != digest]
    if changed:
        raise GeosozialError("atlas.store_outdated", store=str(store),
                             inputs=", ".join(changed), project=str(project_path), out=str(out))


def _commit_files(out: Path, files: dict[str, bytes], protected: list[Path]) -> None:
    """Write ``files`` (relative name -> bytes) into ``out`` all together, through one
    :class:`~geosozial.core.outputs.OutputSet`: all or none on any error (Ctrl-C
    included); no target may be an input (``protected``)."""
    from geosozial.core.outputs import OutputSet, atomic_write_bytes

    with OutputSet([("project", p) for p in protected]):
        for name, data in files.items():
            target = out / name
            target.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(target, data)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
