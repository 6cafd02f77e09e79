"""geosozial:report - the static social atlas of a project, built inside QGIS.

The atlas (:mod:`geosozial.atlas`) reads the project file and the time-series store of a
run with the standard library and numpy alone, so this algorithm writes the same pages,
charts, downloads and search index as ``geosozial report`` (the same bytes). The PDF
engine (Typst, a Python package with a compiled binary) is not part of QGIS: without it
the sheets have no PDF, the log says so and names the command that adds them.
"""

from __future__ import annotations

from pathlib import Path

from qgis.core import (
    QgsProcessingException,
    QgsProcessingOutputFile,
    QgsProcessingOutputNumber,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFile,
)

from .alg_base import GeosozialAlgorithm, log_notices

LANGUAGES = ["de", "en"]
LANGUAGE_LABELS = ["Deutsch", "English"]


def _define_messages() -> None:
    from geosozial.core.messages import define

    define("qgis.report_no_pdf",
           de="Ohne PDF-Datenblätter: die PDF-Engine Typst (ein Python-Paket mit "
           "Binärprogramm) gehört nicht zu QGIS. Auf der Kommandozeile schreibt "
           "geosozial report {project} --out {folder} denselben Atlas mit den PDFs (pdf/).",
           en="without PDF sheets: the PDF engine Typst (a Python package with a binary) "
           "is not part of QGIS. On the command line geosozial report {project} --out "
           "{folder} writes the same atlas with the PDFs (pdf/).")
    define("qgis.report_folder",
           de="FOLDER: {folder} ist kein Ordner. Gemeint ist der Ausgabeordner eines Laufs "
           "von geosozial report (mit der Sozialdatenbank).",
           en="FOLDER: {folder} is not a folder. Expected the output folder of a run of "
           "geosozial report (with the time-series store).")


class ReportAlgorithm(GeosozialAlgorithm):
    """geosozial:report."""

    HELP = ("Baut den statischen Sozialatlas eines Projekts wie 'geosozial report': "
            "Startseite, eine Seite je Indikator, ein Sozialdatenblatt je Gemeinde und "
            "Sozialraum, Vergleichsseite, Downloads (CSV, XLSX) und Suchindex, barrierefrei "
            "(WCAG 2.1 AA) und ohne Inhalte aus dem Netz. Gelesen werden die Projektdatei "
            "und die Sozialdatenbank (sozialdatenbank.gpkg) im Ordner des Laufs; der Atlas "
            "kommt in denselben Ordner (index.html). Nur Dateien, deren Inhalt sich ändert, "
            "werden neu geschrieben. PDF-Datenblätter braucht die PDF-Engine Typst, die "
            "nicht zu QGIS gehört: ohne sie nennt das Protokoll den Befehl, der sie ergänzt.")

    def name(self) -> str:
        return "report"

    def displayName(self) -> str:
        return "Sozialatlas erstellen"

    def initAlgorithm(self, config=None) -> None:
        self.addParameter(QgsProcessingParameterFile(
            "PROJECT", "Projektdatei (TOML)", extension="toml"))
        self.addParameter(QgsProcessingParameterFile(
            "FOLDER", "Ordner des Laufs (mit sozialdatenbank.gpkg); der Atlas kommt hinein",
            behavior=QgsProcessingParameterFile.Folder))
        self.addParameter(QgsProcessingParameterEnum(
            "LANGUAGE", "Sprache der Seiten", options=LANGUAGE_LABELS, defaultValue=0))
        self.addOutput(QgsProcessingOutputFile("INDEX", "Startseite des Atlas (index.html)"))
        self.addOutput(QgsProcessingOutputNumber("WRITTEN", "Neu geschriebene Dateien"))
        self.addOutput(QgsProcessingOutputNumber("FILES", "Dateien des Atlas"))

    def compute(self, parameters, context, feedback):
        from geosozial.atlas.build import build_atlas
        from geosozial.atlas.pdf import pdf_engine
        from geosozial.atlas.settings import read_atlas_settings
        from geosozial.core.messages import GeosozialError, Notice
        from geosozial.core.project import load_project

        _define_messages()
        project = self.parameterAsFile(parameters, "PROJECT", context)
        folder = self.parameterAsFile(parameters, "FOLDER", context)
        lang = LANGUAGES[self.parameterAsEnum(parameters, "LANGUAGE", context)]
        if not folder or not Path(folder).is_dir():
            raise GeosozialError("qgis.report_folder", folder=folder)

        def progress(done: int, total: int) -> None:
            if feedback.isCanceled():
                raise QgsProcessingException("abgebrochen")
            feedback.setProgress(100.0 * done / max(total, 1))

        summary = build_atlas(project, folder, lang=lang, progress=progress)
        for line in summary.text("de").splitlines():
            feedback.pushInfo(line)
        ids = [i.id for i in load_project(project).indicators]
        if read_atlas_settings(project, ids, lang).pdf and pdf_engine() is None:
            log_notices(feedback, [Notice("qgis.report_no_pdf", "warning", project=project,
                                          folder=folder)])
        return {"INDEX": str(Path(folder) / "index.html"), "WRITTEN": len(summary.written),
                "FILES": len(summary.written) + len(summary.unchanged)}
