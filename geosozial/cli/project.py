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
    p.add_argument("--check", action="store_true",
                   help=t("nur prüfen, ob der Atlas im Ausgabeordner zu seinen Eingaben passt "
                          "(Exit-Code 1 bei Abweichungen); nichts wird geschrieben",
                          "only check that the atlas in the output folder matches its inputs "
                          "(exit code 1 on differences); nothing is written"))
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


def _progress(lang: str) -> Any:
    """Pages written of total on the terminal (a line that rewrites itself on a tty)."""
    import sys

    if not sys.stderr.isatty():
        return None
    word = "Atlas: Datei" if lang == "de" else "atlas: file"

    def show(done: int, total: int) -> None:
        end = "\n" if done == total else ""
        print(f"\r{word} {done}/{total}", end=end, file=sys.stderr, flush=True)
    return show


def cmd_report(args: argparse.Namespace) -> int:
    """``geosozial report``: run a project file and build its atlas (``--check``:
    only compare a built atlas with its inputs)."""
    from geosozial.pipeline.report import report

    project = Path(args.project)
    out = Path(args.out) if args.out else project.parent / "ausgabe"
    if args.check:
        from geosozial.atlas.manifest import check_atlas

        problems = check_atlas(out, project)
        for line in problems:
            print(line)
        de = args.lang == "de"
        print((f"Atlas {out}: " + ("aktuell" if de else "up to date")) if not problems else
              (f"Atlas {out}: {len(problems)} " + ("Abweichungen" if de else "differences")))
        return 1 if problems else 0
    run, atlas = report(project, out, lang=args.lang, out_parameter="--out",
                        database=args.database, progress=_progress(args.lang))
    print(run.text(args.lang))
    print(atlas.text(args.lang))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """``geosozial demo``: ``report`` on the bundled Musterkreis project."""
    from geosozial.pipeline.demo import demo_project
    from geosozial.pipeline.report import report

    run, atlas = report(demo_project(), Path(args.out), lang=args.lang,
                        out_parameter="--out", progress=_progress(args.lang))
    print(run.text(args.lang))
    print(atlas.text(args.lang))
    return 0
