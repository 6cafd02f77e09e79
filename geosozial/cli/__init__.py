"""The ``geosozial`` command: join, aggregate, demo, indicators.

Messages are German by default; ``--lang en`` switches to English.

Example:
    >>> main(["indicators", "--lang", "en"])  # doctest: +SKIP
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from geosozial import __version__
from geosozial.core.messages import GeosozialError, Notice, define, set_language

#: errors of pyogrio/GDAL that mean "cannot read or write this file"
FILE_ERRORS = {"DataSourceError", "DataLayerError", "FieldError", "GeometryError",
               "FeatureError", "CRSError", "DriverError"}


def _file_error(exc: BaseException, lang: str) -> str:
    """A one-line message for a file that cannot be read or written."""
    name = getattr(exc, "filename", None)
    text = f"{exc.strerror}: {name}" if isinstance(exc, OSError) and name else str(exc)
    if lang == "de":
        return f"Datei kann nicht gelesen oder geschrieben werden ({text})"
    return f"cannot read or write file ({text})"


define("cli.min_count", de="--min-count muss mindestens 1 sein (angegeben: {value}).",
       en="--min-count must be at least 1 (given: {value}).")


def _lang(argv: Sequence[str]) -> str:
    for i, a in enumerate(argv):
        if a == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith("--lang="):
            return a.split("=", 1)[1]
    return "de"


def build_parser(lang: str = "de") -> argparse.ArgumentParser:
    """The argument parser, with help texts in ``lang``.

    Example:
        >>> build_parser("en").prog
        'geosozial'
    """
    def t(de: str, en: str) -> str:
        return en if lang == "en" else de

    from geosozial.cli.german import use_language

    use_language(lang)

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--lang", choices=("de", "en"), default="de",
                        help=t("Sprache der Meldungen (de, en)", "message language (de, en)"))
    conf = argparse.ArgumentParser(add_help=False)
    conf.add_argument("--min-count", type=int, default=3, metavar="N",
                      help=t("Fallzahlen 1 bis N-1 werden geheim gehalten (Standard 3)",
                             "counts 1 to N-1 are suppressed (default 3)"))
    conf.add_argument("--no-confidentiality", action="store_true",
                      help=t("keine Geheimhaltung anwenden (nur für interne Auswertungen)",
                             "apply no confidentiality (internal use only)"))
    conf.add_argument("--relation", action="append", default=[], metavar="SUMME=TEIL+TEIL",
                      help=t("Summenbeziehung zwischen Spalten für die Geheimhaltung, z. B. "
                             "'Insgesamt=männlich+weiblich' (GENESIS-Summen werden erkannt)",
                             "sum relation between columns for confidentiality, e.g. "
                             "'Insgesamt=männlich+weiblich' (GENESIS totals are detected)"))

    parser = argparse.ArgumentParser(
        prog="geosozial", parents=[common],
        description=t("Kleinräumige Analysen für die integrierte Sozialplanung.",
                      "Small-area analysis for integrated social planning."))
    parser.add_argument("--version", action="version", version=f"geosozial {__version__}",
                        help=t("Version anzeigen und beenden", "show the version and exit"))
    sub = parser.add_subparsers(dest="command", metavar="BEFEHL" if lang == "de" else "COMMAND")

    p = sub.add_parser("join", parents=[common, conf],
                       help=t("Tabelle an Gemeindeflächen anfügen", "join a table to areas"),
                       description=t(
                           "Fügt eine Indikatortabelle (GENESIS/Regionalstatistik-CSV, XLSX "
                           "oder CSV mit Schlüsselspalte) über AGS/ARS an Flächen an und "
                           "berichtet in beide Richtungen.",
                           "Joins an indicator table (GENESIS/Regionalstatistik CSV, XLSX or "
                           "CSV with a key column) to areas by AGS/ARS and reports both ways."))
    p.add_argument("areas", metavar="FLAECHEN" if lang == "de" else "AREAS",
                   help=t("GeoPackage, Shapefile oder GeoJSON", "GeoPackage, Shapefile or GeoJSON"))
    p.add_argument("table", metavar="TABELLE" if lang == "de" else "TABLE",
                   help=t("Indikatortabelle (CSV/XLSX)", "indicator table (CSV/XLSX)"))
    p.add_argument("--key", default="AGS",
                   help=t("Schlüsselfeld der Flächen: AGS (Standard), ARS oder ein Feldname",
                          "key field of the areas: AGS (default), ARS or a field name"))
    p.add_argument("--out", required=True, help=t("Ausgabe-GeoPackage", "output GeoPackage"))
    p.add_argument("--columns", nargs="+", metavar="SPALTE",
                   help=t("nur diese Tabellenspalten", "only these table columns"))
    p.add_argument("--table-key", metavar="SPALTE",
                   help=t("Schlüsselspalte der Tabelle (sonst erkannt)",
                          "key column of the table (detected otherwise)"))
    p.add_argument("--sheet", help=t("Tabellenblatt (XLSX)", "sheet (XLSX)"))
    p.add_argument("--layer", help=t("Layer der Flächendatei", "layer of the area file"))
    p.add_argument("--json", action="store_true",
                   help=t("Bericht als JSON ausgeben", "print the report as JSON"))

    p = sub.add_parser("aggregate", parents=[common, conf],
                       help=t("Gemeinden zu Sozialräumen zusammenfassen",
                              "aggregate municipalities to Sozialräume"),
                       description=t(
                           "Summiert die Zählwerte einer verknüpften Datei je Sozialraum, "
                           "berechnet Quoten als Quotient der Summen und wendet die "
                           "Geheimhaltung an.",
                           "Sums the counts of a joined file per Sozialraum, computes rates as "
                           "ratio of sums and applies confidentiality."))
    p.add_argument("joined", metavar="VERKNUEPFT" if lang == "de" else "JOINED",
                   help=t("GeoPackage von 'geosozial join'", "GeoPackage from 'geosozial join'"))
    p.add_argument("mapping", metavar="ZUORDNUNG" if lang == "de" else "MAPPING",
                   help=t("Tabelle AGS;Sozialraum (CSV/XLSX)", "table AGS;Sozialraum (CSV/XLSX)"))
    p.add_argument("--out", required=True, help=t("Ausgabe-GeoPackage", "output GeoPackage"))
    p.add_argument("--var", action="append", default=[], metavar="NAME=SPALTE[+SPALTE]",
                   help=t("Variable als Summe von Spalten definieren",
                          "define a variable as a sum of columns"))
    p.add_argument("--indicator", action="append", default=[], metavar="ID",
                   help=t("Indikator aus dem Katalog berechnen (siehe 'geosozial indicators')",
                          "compute a catalogue indicator (see 'geosozial indicators')"))

    p = sub.add_parser("demo", parents=[common],
                       help=t("Demoprojekt Musterkreis rechnen", "run the Musterkreis demo"),
                       description=t(
                           "Rechnet das fiktive Demoprojekt Musterkreis: verknüpft, fasst zu "
                           "Sozialräumen zusammen und schreibt GeoPackages und Berichte.",
                           "Runs the fictional Musterkreis demo: joins, aggregates to "
                           "Sozialräume and writes GeoPackages and reports."))
    p.add_argument("--out", default="demo_out", help=t("Ausgabeordner (Standard demo_out)",
                                                       "output folder (default demo_out)"))
    p.add_argument("--project", help=t("anderes Projekt (projekt.toml)",
                                       "another project (projekt.toml)"))

    from geosozial.cli.maps import add_parsers as add_map_parsers
    from geosozial.cli.stats import add_parsers

    add_parsers(sub, t, common)
    add_map_parsers(sub, t, common)
    sub.add_parser("indicators", parents=[common],
                   help=t("Indikatorkatalog anzeigen", "list the indicator catalogue"))
    return parser


def _rule(args: argparse.Namespace):
    from geosozial.core.confidentiality import ConfidentialityRule

    if args.min_count < 1:
        raise GeosozialError("cli.min_count", value=args.min_count)
    return None if args.no_confidentiality else ConfidentialityRule(min_count=args.min_count)


def _print_notices(notices: Sequence[Notice], lang: str) -> None:
    for n in notices:
        print(f"[{n.severity}] {n.text(lang)}")


def cmd_join(args: argparse.Namespace) -> int:
    """``geosozial join``: join, protect, write, print the two-way report."""
    from geosozial.pipeline.steps import join_files

    result = join_files(args.areas, args.table, args.key, args.out, columns=args.columns,
                        rule=_rule(args), sheet=args.sheet, table_key_column=args.table_key,
                        layer=args.layer, relations=args.relation)
    if args.json:
        print(json.dumps(result.report.as_dict(args.lang), ensure_ascii=False, indent=2))
    else:
        print(result.report.text(args.lang))
        print(("geschrieben: " if args.lang == "de" else "written: ") + str(args.out))
    return 0


def cmd_aggregate(args: argparse.Namespace) -> int:
    """``geosozial aggregate``: Sozialraum sums, rates and confidentiality."""
    from geosozial.core.indicators import get_indicator
    from geosozial.pipeline.steps import aggregate_files

    variables = {}
    for spec in args.var:
        name, _, cols = spec.partition("=")
        variables[name.strip()] = [c.strip() for c in cols.split("+") if c.strip()]
    indicators = [get_indicator(i) for i in args.indicator]
    run = aggregate_files(args.joined, args.mapping, args.out, variables=variables,
                          indicators=indicators, rule=_rule(args), relations=args.relation)
    regions = run.sozialraeume
    de = args.lang == "de"
    print("Sozialräume: " + str(len(regions)))
    for _, row in regions.iterrows():
        print(f"  {row['name']}: {row['anzahl_gemeinden']} "
              + ("Gemeinden" if de else "municipalities"))
    _print_notices(run.notices, args.lang)
    print(("geschrieben: " if de else "written: ") + str(args.out))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """``geosozial demo``: run the bundled Musterkreis project."""
    from geosozial.pipeline.demo import demo_project
    from geosozial.pipeline.project import run_project

    project = Path(args.project) if args.project else demo_project()
    summary = run_project(project, Path(args.out), lang=args.lang)
    print(summary.text(args.lang))
    return 0


def cmd_indicators(args: argparse.Namespace) -> int:
    """``geosozial indicators``: the catalogue, one line each."""
    from geosozial.core.indicators import CATALOGUE

    for ind in CATALOGUE.values():
        num = " ".join(f"{'+' if c > 0 else '-'} {v}" for v, c in ind.numerator.items())
        print(f"{ind.id}: {ind.describe(args.lang)}  [{num.lstrip('+ ')} / "
              f"{' + '.join(ind.denominator)} × {ind.scale:g}]")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (2 for input errors, with a clear message).

    Example:
        >>> main(["indicators"])  # doctest: +SKIP
        0
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    lang = _lang(argv)
    if lang not in ("de", "en"):
        lang = "de"
    parser = build_parser(lang)
    args = parser.parse_args(argv)
    args.lang = lang  # --lang may stand before or after the command
    set_language(args.lang)
    from geosozial.cli.maps import cmd_map
    from geosozial.cli.stats import cmd_local, cmd_moran

    commands = {"map": cmd_map, "join": cmd_join, "aggregate": cmd_aggregate, "demo": cmd_demo,
                "indicators": cmd_indicators, "moran": cmd_moran,
                "lisa": lambda a: cmd_local(a, "lisa"),
                "hotspots": lambda a: cmd_local(a, "gi")}
    if args.command is None:
        parser.print_help()
        return 1
    try:
        return commands[args.command](args)
    except GeosozialError as exc:
        print(("Fehler: " if args.lang == "de" else "error: ") + exc.text(args.lang),
              file=sys.stderr)
        return 2
    except (OSError, RuntimeError, ValueError) as exc:  # file system, GDAL, bad values
        if type(exc).__name__ not in FILE_ERRORS and not isinstance(exc, OSError):
            raise
        print(("Fehler: " if args.lang == "de" else "error: ") + _file_error(exc, args.lang),
              file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
