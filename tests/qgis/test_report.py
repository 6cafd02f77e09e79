"""The social atlas in QGIS: geosozial:report against ``geosozial report``.

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


def _report(params: dict):
    import processing
    from qgis.core import QgsProcessingContext, QgsProject

    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    log = log_feedback()
    return processing.run("geosozial:report", params, context=context, feedback=log), log.lines


def test_report_writes_the_bytes_of_the_command_line(qgis_app):
    case = _case()
    cli, qgis = Path(case["cli"]), Path(case["qgis"])
    assert not (qgis / "index.html").exists()  # the atlas is QGIS's to write
    result, lines = _report({"PROJECT": case["project"], "FOLDER": str(qgis)})
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
    again, lines = _report({"PROJECT": case["project"], "FOLDER": str(qgis)})
    assert again["WRITTEN"] == 0 and again["FILES"] == len(files)
    assert stamps == {name: (qgis / name).stat().st_mtime_ns for name in files}


def test_report_without_pdf_engine_names_the_command_that_adds_them(qgis_app):
    case = _case()
    folder = Path(case["pdf_folder"])
    result, lines = _report({"PROJECT": case["pdf_project"], "FOLDER": str(folder)})
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
        _report({"PROJECT": case["pdf_project"], "FOLDER": case["empty"]})
    assert "sozialdatenbank.gpkg" in str(err.value)
    assert "geosozial report" in str(err.value)
