"""The social atlas in QGIS: geosozial:report against ``geosozial report``.

With RUN (the default) QGIS runs the project itself: the store, the result GeoPackages,
the join reports and the maps must hold what the command line's hold (the store's
content hash, every long row, every layer value and geometry blob, the reports byte for
byte, every map page byte for byte) and the atlas must have the command line's bytes.

tests/test_qgis_plugin.py ran ``geosozial report`` on a copy of the demo project with
``[atlas] pdf = false`` (folder ``cli``) and left the same run without its atlas in
``qgis`` (key ``atlas`` of ``expected/parity.json``). Here geosozial:report builds the
atlas in ``qgis``: every file must have the bytes of the command line's; a second run
writes nothing; without the PDF engine (QGIS has no Typst) the log names the command
that adds the PDFs; a folder without a store is refused naming ``geosozial report``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import EXPECTED, log_feedback


def _case() -> dict:
    path = EXPECTED / "parity.json"
    if not path.exists():  # never pass by having nothing to compare
        pytest.fail(f"{path} fehlt")
    return json.loads(path.read_text(encoding="utf-8"))["atlas"]


def _report(params: dict, context=None):
    import processing
    from qgis.core import QgsProcessingContext, QgsProject

    if context is None:
        context = QgsProcessingContext()
        context.setProject(QgsProject.instance())
    log = log_feedback()
    return processing.run("geosozial:report", params, context=context, feedback=log), log.lines


def test_report_writes_the_bytes_of_the_command_line(qgis_app):
    case = _case()
    cli, qgis = Path(case["cli"]), Path(case["qgis"])
    assert not (qgis / "index.html").exists()  # the atlas is QGIS's to write
    result, lines = _report({"PROJECT": case["project"], "FOLDER": str(qgis), "RUN": False})
    files = case["files"]
    assert len(files) > 100  # pages, sheets, downloads, assets, search index
    different = [name for name in [*files, case["manifest"]]
                 if (qgis / name).read_bytes() != (cli / name).read_bytes()]
    assert different == []
    assert result["WRITTEN"] == len(files) == result["FILES"]
    assert result["INDEX"] == str(qgis / "index.html")
    assert any(line.startswith("Atlas ") for line in lines)
    # the project does not want PDFs: no word about them
    assert not any("PDF" in line for line in lines)
    # nothing changed: nothing is written again (bytes and modification times kept)
    stamps = {name: (qgis / name).stat().st_mtime_ns for name in files}
    again, lines = _report({"PROJECT": case["project"], "FOLDER": str(qgis), "RUN": False})
    assert again["WRITTEN"] == 0 and again["FILES"] == len(files)
    assert stamps == {name: (qgis / name).stat().st_mtime_ns for name in files}


def test_report_without_pdf_engine_names_the_command_that_adds_them(qgis_app):
    case = _case()
    folder = Path(case["pdf_folder"])
    result, lines = _report({"PROJECT": case["pdf_project"], "FOLDER": str(folder),
                             "RUN": False})
    assert (folder / "index.html").is_file() and result["WRITTEN"] > 100
    assert not (folder / "pdf").exists()
    warning = next(line for line in lines if "PDF" in line)
    assert warning.startswith("[warning]")
    assert f"geosozial report {case['pdf_project']} --out {folder}" in warning
    sheet = next((folder / "gemeinden").glob("*.html")).read_text(encoding="utf-8")
    assert ".pdf" not in sheet  # no link to a PDF that is not there


def test_report_without_store_names_the_run(qgis_app):
    from qgis.core import QgsProcessingException

    case = _case()
    with pytest.raises(QgsProcessingException) as err:
        _report({"PROJECT": case["pdf_project"], "FOLDER": case["empty"], "RUN": False})
    assert "sozialdatenbank.gpkg" in str(err.value)
    assert "geosozial report" in str(err.value)


def _table(path: Path, table: str) -> list[tuple]:
    import sqlite3

    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        names = [r[1] for r in con.execute(f'PRAGMA table_info("{table}")') if r[1] != "fid"]
        selected = ", ".join(f'"{n}"' for n in names)
        return [tuple(names), *con.execute(f'SELECT {selected} FROM "{table}" ORDER BY fid')]
    finally:
        con.close()


def test_report_runs_the_project_as_the_command_line(qgis_app):
    from qgis.core import QgsProcessingContext, QgsProject, QgsVectorLayer

    from geosozial.core.gpkg_write import read_dataset_metadata
    from geosozial.core.store_file import content_hash, read_store_file

    case = _case()
    cli, folder = Path(case["cli"]), Path(case["run_folder"])
    assert not folder.exists()
    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    result, lines = _report({"PROJECT": case["project"], "FOLDER": str(folder)}, context)
    store = folder / "sozialdatenbank.gpkg"
    assert result["STORE"] == str(store)
    # the years' layers go into the project, time-enabled by the store's default style
    loading = context.layersToLoadOnCompletion()
    uris = sorted(loading)
    assert uris == [f"{store}|layername=gemeinden_jahre", f"{store}|layername=sozialraeume_jahre"]
    assert loading[uris[0]].name == "Gemeinden (alle Jahre)"
    layer = QgsVectorLayer(uris[0], "g", "ogr")
    assert layer.isValid() and layer.featureCount() == 3 * 50
    layer.loadDefaultStyle()  # as QGIS does when it adds a layer (PyQGIS 3.22 needs it)
    assert layer.temporalProperties().isActive()
    # the store: the same content as the command line's (values, flags, layers, blobs)
    assert content_hash(store) == content_hash(cli / "sozialdatenbank.gpkg") != ""
    ours, theirs = read_store_file(store), read_store_file(cli / "sozialdatenbank.gpkg")
    assert len(ours.long["wert"]) == len(theirs.long["wert"]) > 1000
    assert {c: [repr(v) for v in ours.long[c]] for c in ours.long} == \
        {c: [repr(v) for v in theirs.long[c]] for c in theirs.long}
    assert sorted(ours.layers) == ["gemeinden", "sozialraeume"]
    for name, layer in ours.layers.items():
        assert layer.geometry == theirs.layers[name].geometry
        assert layer.columns == theirs.layers[name].columns
    # result GeoPackages (rows, columns, blobs, metadata), join reports, maps
    maps = [n for n in case["run_files"] if n.endswith(".html")]
    assert len(maps) >= 10 and any(n.startswith("emerging_hotspots_") for n in maps)
    for name in case["run_files"]:
        if name.endswith(".png"):  # matplotlib: the command line's
            assert not (folder / name).exists()
        elif name.endswith(".html"):  # layers, classes, analyses and geometry: one core
            ours_page = (folder / name).read_text(encoding="utf-8")
            assert 'id="gs-geometry">{"type":"FeatureCollection","features":[{' in ours_page
            assert ours_page == (cli / name).read_text(encoding="utf-8"), name
        elif name.endswith(".gpkg") and name != "sozialdatenbank.gpkg":
            for table in ("gemeinden", "sozialraeume"):
                assert _table(folder / name, table) == _table(cli / name, table), name
            assert read_dataset_metadata(folder / name) == read_dataset_metadata(cli / name)
        elif not name.endswith(".gpkg"):
            assert (folder / name).read_bytes() == (cli / name).read_bytes(), name
    # the atlas: the bytes of the command line's (its links to the maps included)
    files = case["files"]
    different = [n for n in [*files, case["manifest"]]
                 if (folder / n).read_bytes() != (cli / n).read_bytes()]
    assert different == []
    assert result["FILES"] == len(files)
    # the PNG maps are the command line's: the log says so and names the command
    warning = next(line for line in lines if "PNG" in line)
    assert warning.startswith("[warning]")
    assert f"geosozial report {case['project']} --out {folder}" in warning
    # run again: the same store content, so the atlas writes nothing
    again, _ = _report({"PROJECT": case["project"], "FOLDER": str(folder)})
    assert again["WRITTEN"] == 0
    assert content_hash(store) == content_hash(cli / "sozialdatenbank.gpkg")


def test_report_run_refuses_a_wrong_key_field_and_writes_nothing(qgis_app):
    from qgis.core import QgsProcessingException

    case = _case()
    folder = Path(case["bad_folder"])
    with pytest.raises(QgsProcessingException) as err:
        _report({"PROJECT": case["bad_project"], "FOLDER": str(folder)})
    message = str(err.value)
    assert "gemeinden.gpkg" in message and "GKZ" in message and "AGS" in message
    assert not folder.exists() or list(folder.iterdir()) == []


def test_report_run_on_real_boundaries_stores_what_the_command_line_stores(qgis_app):
    """Two Saxon Kreise of VG5000 (real boundaries in DHDN / Gauss-Krüger, read and
    repaired by QGIS): the store has the command line's content (values, flags, every
    geometry blob, the dissolved Sozialräume), the reports and the map pages its bytes
    (the maps' lon/lat come from the core, not from QGIS's or pyproj's transformation)."""
    from geosozial.core.store_file import content_hash, read_store_file

    path = EXPECTED / "parity.json"
    case = json.loads(path.read_text(encoding="utf-8"))["saxony_run"]
    cli, folder = Path(case["cli"]), Path(case["qgis"])
    _report({"PROJECT": case["project"], "FOLDER": str(folder)})
    ours = read_store_file(folder / "sozialdatenbank.gpkg")
    assert len(ours.layers["gemeinden"].geometry) == 3 * case["n"] > 300
    assert content_hash(folder / "sozialdatenbank.gpkg") == \
        content_hash(cli / "sozialdatenbank.gpkg") != ""
    for year in (2021, 2022, 2023):
        for suffix in ("txt", "json"):
            name = f"verknuepfungsbericht_{year}.{suffix}"
            assert (folder / name).read_bytes() == (cli / name).read_bytes(), name
    pages = sorted(p.name for p in cli.glob("*.html"))
    assert len(pages) >= 4
    for name in pages:
        assert (folder / name).read_bytes() == (cli / name).read_bytes(), name
