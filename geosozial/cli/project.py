"""CLI commands for projects: ``report`` (a project file) and ``demo`` (the bundled one).

The output folder (``--out``) is created when missing; no file the run writes may be an
input of the project, and all of them are committed together at the end of the run.

Example:
    >>> from geosozial.cli import main
    >>> main(["report", "projekt.toml", "--out", "bericht"])  # doctest: +SKIP
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from geosozial.cli.common import Texts


def add_parsers(sub: Any, t: Texts, common: argparse.ArgumentParser) -> None:
    """Register ``report`` and ``demo`` on the subparsers ``sub``."""
    p = sub.add_parser("report", parents=[common],
                       help=t("Projekt rechnen (projekt.toml): alle Jahre, Karten, Berichte",
                              "run a project (projekt.toml): all years, maps, reports"),
                       description=t(
                           "Rechnet ein Projekt: verknüpft die Tabellen jedes Jahres, fasst zu "
                           "Sozialräumen zusammen, wendet die Geheimhaltung an und schreibt "
                           "GeoPackages, Verknüpfungsberichte und Karten.",
                           "Runs a project: joins each year's tables, aggregates to "
                           "Sozialräume, applies confidentiality and writes GeoPackages, join "
                           "reports and maps."))
    p.add_argument("project", metavar=t("PROJEKT", "PROJECT"),
                   help=t("Projektdatei (TOML)", "project file (TOML)"))
    p.add_argument("--out", help=t("Ausgabeordner (Standard: Ordner 'ausgabe' neben der "
                                   "Projektdatei; wird angelegt, wenn er fehlt)",
                                   "output folder (default: folder 'ausgabe' next to the "
                                   "project file; created when missing)"))
    p.add_argument("--database", metavar="URL",
                   help=t("Zeitreihen zusätzlich in diese PostGIS-Datenbank schreiben "
                          "(postgresql://benutzer@host:5432/datenbank; statt [database] url)",
                          "also write the time series to this PostGIS database "
                          "(postgresql://user@host:5432/database; instead of [database] url)"))
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("demo", parents=[common],
                       help=t("Demoprojekt Musterkreis rechnen", "run the Musterkreis demo"),
                       description=t(
                           "Rechnet das mitgelieferte, fiktive Demoprojekt Musterkreis wie "
                           "'geosozial report': verknüpft, fasst zu Sozialräumen zusammen und "
                           "schreibt GeoPackages, Berichte und Karten.",
                           "Runs the bundled fictional Musterkreis demo like 'geosozial "
                           "report': joins, aggregates to Sozialräume and writes GeoPackages, "
                           "reports and maps."))
    p.add_argument("--out", default="demo_out",
                   help=t("Ausgabeordner (Standard demo_out; wird angelegt, wenn er fehlt)",
                          "output folder (default demo_out; created when missing)"))
    p.set_defaults(func=cmd_demo)


def cmd_report(args: argparse.Namespace) -> int:
    """``geosozial report``: run a project file."""
    from geosozial.pipeline.project import run_project

    project = Path(args.project)
    out = Path(args.out) if args.out else project.parent / "ausgabe"
    print(run_project(project, out, lang=args.lang, out_parameter="--out",
                      database=args.database).text(args.lang))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """``geosozial demo``: ``report`` on the bundled Musterkreis project."""
    from geosozial.pipeline.demo import demo_project
    from geosozial.pipeline.project import run_project

    print(run_project(demo_project(), Path(args.out), lang=args.lang,
                      out_parameter="--out").text(args.lang))
    return 0
