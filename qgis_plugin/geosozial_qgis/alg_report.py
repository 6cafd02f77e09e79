"""geosozial:report - run a project and build its static social atlas, inside QGIS.

With RUN (the default) the project is run first (:mod:`.project_run`): QGIS reads the
areas, the core joins, aggregates, protects and writes the result GeoPackages, the join
reports and the time-series store, with the values, flags and store content of
``geosozial report``. The atlas (:mod:`geosozial.atlas`) then reads the project file and
the store with the standard library and numpy alone, so it writes the pages, charts,
downloads and search index of ``geosozial report``; the run's HTML maps are the command
line's (drawn on QGIS's geometry). Not written in QGIS (the log says so and names the
command): the PNG maps, the PostGIS copy of the store, and the PDF sheets (the PDF
engine Typst, a Python package with a compiled binary, is not part of QGIS). Without RUN
the atlas is built from the folder of an earlier run.
"""

from __future__ import annotations

from pathlib import Path

from qgis.core import (
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingOutputFile,
    QgsProcessingOutputNumber,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFile,
)

from .alg_base import GeosozialAlgorithm, log_notices, push_warning

LANGUAGES = ["de", "en"]
#: the store's layers a run adds to the project (the Temporal Controller steps the years)
LOADED_LAYERS = (("gemeinden_jahre", "Gemeinden (alle Jahre)"),
                 ("sozialraeume_jahre", "Sozialräume (alle Jahre)"))
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

    HELP = ("Führt ein Projekt aus und baut seinen statischen Sozialatlas wie 'geosozial "
            "report': zuerst (Projekt ausführen) die Ergebnis-GeoPackages je Jahr, die "
            "Verknüpfungsberichte und die Sozialdatenbank (sozialdatenbank.gpkg) mit "
            "denselben Werten, Kennzeichen und Geheimhaltungen wie die Kommandozeile; dann "
            "den Atlas: Startseite, eine Seite je Indikator, ein Sozialdatenblatt je "
            "Gemeinde und Sozialraum, Vergleichsseite, Downloads (CSV, XLSX) und Suchindex, "
            "barrierefrei (WCAG 2.1 AA) und ohne Inhalte aus dem Netz, in den Ordner "
            "(index.html). Nur Dateien, deren Inhalt sich ändert, werden neu geschrieben. "
            "Ohne 'Projekt ausführen' wird der Atlas aus dem Ordner eines früheren Laufs "
            "gebaut. Die HTML-Karten des Laufs schreibt QGIS mit; PNG-Bilder der Karten, "
            "eine PostGIS-Kopie und PDF-Datenblätter (PDF-Engine Typst) schreibt nur die "
            "Kommandozeile: das Protokoll nennt den Befehl.")

    def name(self) -> str:
        return "report"

    def displayName(self) -> str:
        return "Sozialatlas erstellen"

    def initAlgorithm(self, config=None) -> None:
        self.addParameter(QgsProcessingParameterFile(
            "PROJECT", "Projektdatei (TOML)", extension="toml"))
        self.addParameter(QgsProcessingParameterFile(
            "FOLDER", "Ausgabeordner (Ergebnisse des Laufs und Atlas)",
            behavior=QgsProcessingParameterFile.Folder))
        self.addParameter(QgsProcessingParameterBoolean(
            "RUN", "Projekt zuerst ausführen (sonst: Atlas aus einem früheren Lauf)",
            defaultValue=True))
        self.addParameter(QgsProcessingParameterEnum(
            "LANGUAGE", "Sprache der Seiten", options=LANGUAGE_LABELS, defaultValue=0))
        self.addOutput(QgsProcessingOutputFile("INDEX", "Startseite des Atlas (index.html)"))
        self.addOutput(QgsProcessingOutputNumber("WRITTEN", "Neu geschriebene Dateien"))
        self.addOutput(QgsProcessingOutputNumber("FILES", "Dateien des Atlas"))
        self.addOutput(QgsProcessingOutputFile("STORE", "Sozialdatenbank (GeoPackage)"))

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
        run = self.parameterAsBoolean(parameters, "RUN", context)
        if not folder or (not run and not Path(folder).is_dir()):
            raise GeosozialError("qgis.report_folder", folder=folder)
        store = ""
        if run:
            from .project_run import run_project_qgis

            done = run_project_qgis(project, folder, lang, feedback)
            store = next((str(f) for f in done.files
                          if f.name == done.project.database_file), "")
            log_notices(feedback, [n for n in done.notices if n.severity != "warning"])
            for line in done.text.splitlines():
                if "[warning]" in line:
                    push_warning(feedback, line.strip())
                else:
                    feedback.pushInfo(line)
            log_notices(feedback, done.door_notices)  # never cut off with the others

        start = 30.0 if run else 0.0

        def progress(done: int, total: int) -> None:
            if feedback.isCanceled():
                raise QgsProcessingException("abgebrochen")
            feedback.setProgress(start + (100.0 - start) * done / max(total, 1))

        summary = build_atlas(project, folder, lang=lang, progress=progress)
        for line in summary.text("de").splitlines():
            feedback.pushInfo(line)
        ids = [i.id for i in load_project(project).indicators]
        if read_atlas_settings(project, ids, lang).pdf and pdf_engine() is None:
            log_notices(feedback, [Notice("qgis.report_no_pdf", "warning", project=project,
                                          folder=folder)])
        if store:  # the years' layers into the project (their default style holds the time)
            feedback.pushInfo("Die Layer " + ", ".join(label for _, label in LOADED_LAYERS)
                              + " kommen ins Projekt; ihre Zeitsteuerung (ein Jahr je Bild) "
                              "steht im Vorgabestil (Layereigenschaften > Stil > Vorgabe "
                              "laden, falls QGIS 3.22 sie nicht gleich zeigt).")
            for table, label in LOADED_LAYERS:
                context.addLayerToLoadOnCompletion(
                    f"{store}|layername={table}",
                    QgsProcessingContext.LayerDetails(label, context.project(), table))
        return {"INDEX": str(Path(folder) / "index.html"), "WRITTEN": len(summary.written),
                "FILES": len(summary.written) + len(summary.unchanged), "STORE": store}
