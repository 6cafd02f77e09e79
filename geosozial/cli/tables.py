"""CLI commands for tables: ``join`` and ``aggregate``.

Example:
    >>> from geosozial.cli import main
    >>> main(["join", "gemeinden.gpkg", "tabelle.csv", "--out", "x.gpkg"])  # doctest: +SKIP
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from geosozial.cli.common import (
    Texts,
    kreis_parser,
    label,
    outputs_of,
    print_notices,
    print_written,
    rule,
)
from geosozial.cli.crosswalk import add_workbook_options, read_crosswalk_options
from geosozial.core.indicators import indicators_from_specs
from geosozial.core.messages import GeosozialError, define
from geosozial.core.variables import parse_variables

define("cli.join.crosswalk_options",
       de="--crosswalk-sheet und --crosswalk-share gelten nur mit --crosswalk (einer "
       "Umsteigeschlüssel-Datei).",
       en="--crosswalk-sheet and --crosswalk-share apply only with --crosswalk (a crosswalk "
       "file).")
define("cli.join.crosswalk_twice",
       de="--crosswalk und --old-areas schließen sich aus: entweder einen Umsteigeschlüssel "
       "angeben oder ihn aus den alten Geometrien ableiten lassen.",
       en="--crosswalk and --old-areas exclude each other: give a crosswalk or have it "
       "derived from the old geometries.")


def add_parsers(sub: Any, t: Texts, common: argparse.ArgumentParser,
                conf: argparse.ArgumentParser) -> None:
    """Register ``join`` and ``aggregate`` on the subparsers ``sub``."""
    kreis = kreis_parser(t)
    p = sub.add_parser("join", parents=[common, conf, kreis],
                       help=t("Tabelle an Gemeindeflächen anfügen", "join a table to areas"),
                       description=t(
                           "Fügt eine Indikatortabelle (GENESIS/Regionalstatistik-CSV, XLSX "
                           "oder CSV mit Schlüsselspalte) über AGS/ARS an Flächen an und "
                           "berichtet in beide Richtungen. Textspalten (Namen, Kreis, "
                           "Bemerkungen) werden als Merkmale übernommen.",
                           "Joins an indicator table (GENESIS/Regionalstatistik CSV, XLSX or "
                           "CSV with a key column) to areas by AGS/ARS and reports both ways. "
                           "Text columns (names, district, remarks) are carried as "
                           "attributes."))
    p.add_argument("areas", metavar=t("FLAECHEN", "AREAS"),
                   help=t("GeoPackage, Shapefile oder GeoJSON", "GeoPackage, Shapefile or GeoJSON"))
    p.add_argument("table", metavar=t("TABELLE", "TABLE"),
                   help=t("Indikatortabelle (CSV/XLSX)", "indicator table (CSV/XLSX)"))
    p.add_argument("--key", default="AGS",
                   help=t("Schlüsselfeld der Flächen: AGS (Standard), ARS oder ein Feldname",
                          "key field of the areas: AGS (default), ARS or a field name"))
    p.add_argument("--out", required=True, help=t("Ausgabe-GeoPackage", "output GeoPackage"))
    p.add_argument("--columns", nargs="+", metavar=t("SPALTE", "COLUMN"),
                   help=t("nur diese Wertspalten (andere Spalten bleiben Textmerkmale)",
                          "only these value columns (other columns stay text attributes)"))
    p.add_argument("--table-key", metavar=t("SPALTE", "COLUMN"),
                   help=t("Schlüsselspalte der Tabelle (sonst erkannt)",
                          "key column of the table (detected otherwise)"))
    p.add_argument("--sheet", help=t("Tabellenblatt (XLSX)", "sheet (XLSX)"))
    p.add_argument("--decimal", choices=(",", "."),
                   help=t("Dezimalzeichen der Tabelle, wenn es nicht eindeutig ist (, oder .)",
                          "decimal mark of the table when it is ambiguous (, or .)"))
    p.add_argument("--layer", help=t("Layer der Flächendatei", "layer of the area file"))
    p.add_argument("--crosswalk", metavar=t("UMSTEIGER", "CROSSWALK"),
                   help=t("Umsteigeschlüssel vom Gebietsstand der Tabelle zu dem der Geometrien "
                          "(CSV alt;neu;anteil oder BBSR-Arbeitsmappe): der Bericht nennt "
                          "Gemeinden mit geändertem Gebiet und die Nachfolger alter Schlüssel",
                          "crosswalk from the table's Gebietsstand to the geometries' (CSV "
                          "alt;neu;anteil or BBSR workbook): the report names municipalities "
                          "whose territory changed and the successors of old keys"))
    add_workbook_options(p, t, prefix="crosswalk-")
    p.add_argument("--old-areas", metavar=t("ALTE_FLAECHEN", "OLD_AREAS"),
                   help=t("Geometrien des Gebietsstands der Tabelle: der Umsteigeschlüssel "
                          "wird durch Verschneidung abgeleitet (wie 'crosswalk derive')",
                          "geometries of the table's Gebietsstand: the crosswalk is derived "
                          "by overlay (as 'crosswalk derive')"))
    p.add_argument("--json", action="store_true",
                   help=t("Bericht als JSON ausgeben", "print the report as JSON"))
    p.set_defaults(func=cmd_join)

    p = sub.add_parser("aggregate", parents=[common, conf, kreis],
                       help=t("Gemeinden zu Sozialräumen zusammenfassen",
                              "aggregate municipalities to Sozialräume"),
                       description=t(
                           "Summiert die Zählwerte einer verknüpften Datei je Sozialraum, "
                           "berechnet Quoten als Quotient der Summen und wendet die "
                           "Geheimhaltung an.",
                           "Sums the counts of a joined file per Sozialraum, computes rates as "
                           "ratio of sums and applies confidentiality."))
    p.add_argument("joined", metavar=t("VERKNUEPFT", "JOINED"),
                   help=t("GeoPackage von 'geosozial join'", "GeoPackage from 'geosozial join'"))
    p.add_argument("mapping", metavar=t("ZUORDNUNG", "MAPPING"),
                   help=t("Tabelle AGS;Sozialraum (CSV/XLSX)", "table AGS;Sozialraum (CSV/XLSX)"))
    p.add_argument("--out", required=True, help=t("Ausgabe-GeoPackage", "output GeoPackage"))
    p.add_argument("--var", action="append", default=[], metavar=t("NAME=SPALTE[+SPALTE]",
                                                                   "NAME=COLUMN[+COLUMN]"),
                   help=t("Variable als Summe von Spalten definieren",
                          "define a variable as a sum of columns"))
    p.add_argument("--indicator", action="append", default=[], metavar="ID|ID=ZÄHLER/NENNER*100",
                   help=t("Indikator aus dem Katalog (siehe 'geosozial indicators') oder eigene "
                          "Quote, z. B. frauenanteil=frauen/einwohner*100",
                          "catalogue indicator (see 'geosozial indicators') or a custom rate, "
                          "e.g. frauenanteil=frauen/einwohner*100"))
    p.add_argument("--sum", action="append", default=[], metavar=t("SPALTE", "COLUMN"),
                   dest="sums",
                   help=t("Spalte, die je Sozialraum addiert wird, ohne eine Anzahl zu sein "
                          "(z. B. --sum Flaeche_km2; mehrfach möglich)", "column added up per "
                          "Sozialraum that is no count (e.g. --sum Flaeche_km2; repeatable)"))
    p.add_argument("--label", action="append", default=[],
                   help=t("Beschriftung der eigenen Quote (je --indicator ID=...)",
                          "label of the custom rate (one per --indicator ID=...)"))
    p.add_argument("--unit", action="append", default=[],
                   help=t("Einheit der eigenen Quote (Standard %% bei *100)",
                          "unit of the custom rate (default %% for *100)"))
    p.set_defaults(func=cmd_aggregate)


def cmd_join(args: argparse.Namespace) -> int:
    """``geosozial join``: join, protect, write, print the two-way report.

    The GeoPackage and its ``.report.json`` are checked before anything is read and
    appear together (or, on an error or Ctrl-C, neither; a previous pair stays).
    """
    from geosozial.pipeline.steps import join_files, report_path

    outputs = outputs_of(
        [(label(args, "FLAECHEN", "AREAS"), args.areas),
         (label(args, "TABELLE", "TABLE"), args.table)],
        [("--out", args.out, "gpkg"),
         (label(args, "--out (Bericht)", "--out (report)"), report_path(args.out), "json")])
    if args.crosswalk and args.old_areas:
        from geosozial.core.messages import GeosozialError

        raise GeosozialError("cli.join.crosswalk_twice")
    with outputs:
        crosswalk = _join_crosswalk(args)
        result = join_files(args.areas, args.table, args.key, args.out, columns=args.columns,
                            rule=rule(args), sheet=args.sheet,
                            table_key_column=args.table_key, layer=args.layer,
                            relations=args.relation, kreis=args.kreis,
                            decimal=args.decimal, crosswalk=crosswalk)
    if args.json:
        print(json.dumps(result.report.as_dict(args.lang), ensure_ascii=False, indent=2))
    else:
        print(result.report.text(args.lang))
        print_written(args.out, args.lang)
    return 0


def _join_crosswalk(args: argparse.Namespace) -> object | None:
    """The crosswalk of ``--crosswalk`` (read) or ``--old-areas`` (derived by overlay)."""
    if args.crosswalk:
        return read_crosswalk_options(Path(args.crosswalk), args.crosswalk_sheet,
                                      args.crosswalk_share, prefix="crosswalk-")
    if args.crosswalk_sheet or args.crosswalk_share:
        raise GeosozialError("cli.join.crosswalk_options")
    if args.old_areas:
        from geosozial.geo.areas import read_areas
        from geosozial.geo.crosswalk import derive_crosswalk

        old = read_areas(args.old_areas, key=args.key)
        new = read_areas(args.areas, key=args.key, layer=args.layer, kreis=args.kreis)
        return derive_crosswalk(old, new)
    return None


def cmd_aggregate(args: argparse.Namespace) -> int:
    """``geosozial aggregate``: Sozialraum sums, rates and confidentiality."""
    from geosozial.pipeline.steps import aggregate_files

    outputs = outputs_of(
        [(label(args, "VERKNUEPFT", "JOINED"), args.joined),
         (label(args, "ZUORDNUNG", "MAPPING"), args.mapping)],
        [("--out", args.out, "gpkg")])
    indicators = indicators_from_specs(args.indicator, args.label, args.unit)
    with outputs:
        run = aggregate_files(args.joined, args.mapping, args.out,
                              variables=parse_variables(args.var), indicators=indicators,
                              rule=rule(args), relations=args.relation, kreis=args.kreis,
                              sums=args.sums)
    regions = run.sozialraeume
    de = args.lang == "de"
    print("Sozialräume: " + str(len(regions)))
    for name, n in zip(regions["name"], regions["anzahl_gemeinden"], strict=True):
        print(f"  {name}: {int(n)} " + ("Gemeinden" if de else "municipalities"))
    print_notices(run.notices, args.lang)
    print_written(args.out, args.lang)
    return 0
