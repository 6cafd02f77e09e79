"""CLI command ``crosswalk``: derive a crosswalk from two geometry editions, apply one
(CSV or BBSR XLSX), list the key changes between two GV100AD key lists.

Example:
    >>> from geosozial.cli import main
    >>> main(["crosswalk", "derive", "gemeinden_2015.gpkg", "VG5000_GEM.shp",
    ...       "--out", "umsteiger.csv"])  # doctest: +SKIP
    >>> main(["crosswalk", "apply", "bev2015.csv", "--crosswalk",
    ...       "ref-gemeinden-umrech-2021-2011-2020.xlsx", "--sheet", "2015", "--share",
    ...       "bevoelkerung", "--out", "bev2020.csv"])  # doctest: +SKIP
    >>> main(["crosswalk", "changes", "GV100AD_311215.txt", "GV100AD_311221.txt"])
    ... # doctest: +SKIP
"""

from __future__ import annotations

import argparse
import csv
import io
from typing import Any

from geosozial.cli.common import Texts, label, number, outputs_of, print_notices, print_written
from geosozial.core.messages import GeosozialError
from geosozial.core.outputs import atomic_write_text


def add_workbook_options(parser: argparse.ArgumentParser, t: Texts, prefix: str = "") -> None:
    """``--sheet`` and ``--share`` of a crosswalk file (``--crosswalk-sheet`` ... with
    ``prefix="crosswalk-"``, where the command has a ``--sheet`` of its own)."""
    see = " (wie 'crosswalk apply --sheet')" if prefix else ""
    see_en = " (as 'crosswalk apply --sheet')" if prefix else ""
    parser.add_argument(f"--{prefix}sheet", metavar=t("BLATT", "SHEET") if prefix else None,
                        help=t("BBSR-XLSX: Tabellenblatt oder Jahr des alten Stands, z. B. 2015"
                               + see, "BBSR XLSX: sheet or year of the old Gebietsstand, e.g. "
                               "2015" + see_en))
    parser.add_argument(f"--{prefix}share", metavar=t("ANTEIL", "SHARE") if prefix else None,
                        help=t("BBSR-XLSX: flaeche, bevoelkerung (Standard) oder "
                               "beschaeftigte; CSV: Name der Anteilsspalte",
                               "BBSR XLSX: flaeche, bevoelkerung (default) or beschaeftigte "
                               "(area, population, employment); CSV: name of the share column"))


def read_crosswalk_options(path: Any, sheet: str | None, share: str | None, *,
                           prefix: str = "", gebietsstand: str = "") -> Any:
    """:func:`geosozial.core.crosswalk_files.read_crosswalk` with errors that name the
    command's options (``--sheet`` or ``--crosswalk-sheet``), not the parameters."""
    from geosozial.core.crosswalk_files import read_crosswalk

    try:
        return read_crosswalk(path, sheet=sheet, share=share, gebietsstand=gebietsstand)
    except GeosozialError as exc:
        if exc.params.get("param") in ("sheet", "share"):
            exc.params["param"] = f"--{prefix}{exc.params['param']}"
        raise


def add_parsers(sub: Any, t: Texts, common: argparse.ArgumentParser) -> None:
    """Register ``crosswalk derive`` and ``crosswalk apply`` on the subparsers ``sub``."""
    p = sub.add_parser("crosswalk", parents=[common],
                       help=t("Umsteigeschlüssel zwischen Gebietsständen ableiten oder anwenden",
                              "derive or apply a crosswalk between Gebietsstände"))
    steps = p.add_subparsers(dest="step", metavar=t("SCHRITT", "STEP"), required=True)
    d = steps.add_parser("derive", parents=[common],
                         help=t("aus zwei Geometrie-Ständen ableiten (Verschneidung)",
                                "derive from two geometry editions (overlay)"))
    d.add_argument("old", metavar=t("ALT", "OLD"), help=t("Gemeinden des alten Stands",
                                                          "municipalities, old edition"))
    d.add_argument("new", metavar=t("NEU", "NEW"), help=t("Gemeinden des neuen Stands",
                                                          "municipalities, new edition"))
    d.add_argument("--key", default="AGS", help=t("Schlüsselfeld (Standard AGS)",
                                                  "key field (default AGS)"))
    d.add_argument("--prefix", help=t("nur Schlüssel mit diesem Anfang (z. B. 14 für Sachsen)",
                                      "only keys starting with this (e.g. 14 for Saxony)"))
    d.add_argument("--tolerance", type=number, default=0.2,
                   help=t("Flächenanteile darunter gelten als Generalisierungsunterschied "
                          "(Standard 0.2)", "area shares below this count as differences of "
                          "generalisation (default 0.2)"))
    d.add_argument("--gebietsstand", default="", help=t("Gebietsstand des neuen Stands, z. B. "
                                                        "31.12.2021", "Gebietsstand of the new "
                                                        "edition, e.g. 31.12.2021"))
    d.add_argument("--weights", metavar=t("PUNKTE", "POINTS"),
                   help=t("Punkte mit Einwohnern (z. B. Zensus-Gitterzellen): Aufteilungen nach "
                          "Einwohneranteilen statt Flächenanteilen",
                          "points with population (e.g. Zensus grid cells): splits by "
                          "population shares instead of area shares"))
    d.add_argument("--weight-field", metavar=t("FELD", "FIELD"),
                   help=t("Feld der Einwohner in --weights, z. B. EW",
                          "population field of --weights, e.g. EW"))
    d.add_argument("--out", required=True, help=t("Umsteigeschlüssel (CSV alt;neu;anteil)",
                                                  "crosswalk (CSV alt;neu;anteil)"))
    d.set_defaults(func=cmd_derive)
    a = steps.add_parser("apply", parents=[common],
                         help=t("Zählwerte einer Tabelle auf den neuen Gebietsstand umrechnen",
                                "convert the counts of a table to the new Gebietsstand"))
    a.add_argument("table", metavar=t("TABELLE", "TABLE"),
                   help=t("Indikatortabelle (CSV/XLSX)", "indicator table (CSV/XLSX)"))
    a.add_argument("--crosswalk", required=True,
                   help=t("Umsteigeschlüssel: CSV alt;neu;anteil oder BBSR-Umsteigeschlüssel "
                          "(XLSX)", "crosswalk: CSV alt;neu;anteil or BBSR crosswalk (XLSX)"))
    add_workbook_options(a, t)
    a.add_argument("--columns", nargs="+", metavar=t("SPALTE", "COLUMN"),
                   help=t("nur diese Zählwerte", "only these counts"))
    a.add_argument("--gebietsstand", default="", help=t("Ziel-Gebietsstand, z. B. 31.12.2021",
                                                        "target Gebietsstand, e.g. 31.12.2021"))
    a.add_argument("--out", required=True, help=t("umgerechnete Tabelle (CSV)",
                                                  "converted table (CSV)"))
    a.set_defaults(func=cmd_apply)
    c = steps.add_parser("changes", parents=[common],
                         help=t("weggefallene und neue Schlüssel zweier GV100AD-Verzeichnisse",
                                "vanished and new keys of two GV100AD key lists"))
    c.add_argument("old", metavar=t("ALT", "OLD"), help=t("GV100AD-Datei des alten Stands",
                                                          "GV100AD file, old Gebietsstand"))
    c.add_argument("new", metavar=t("NEU", "NEW"), help=t("GV100AD-Datei des neuen Stands",
                                                          "GV100AD file, new Gebietsstand"))
    c.add_argument("--level", default="Gemeinde",
                   choices=("Gemeinde", "Gemeindeverband", "Kreis", "Region",
                            "Regierungsbezirk", "Land"),
                   help=t("Ebene (Standard Gemeinde)", "level (default Gemeinde)"))
    c.set_defaults(func=cmd_changes)


def crosswalk_csv(rows: list[tuple[str, str, float]], old_names: dict[str, str],
                  new_names: dict[str, str], gebietsstand: str) -> str:
    """The crosswalk as CSV text (``;``, German decimal comma), names for the reader.

    Example:
        >>> print(crosswalk_csv([("1", "2", 0.5)], {"1": "A"}, {"2": "B"}, "31.12.2021"))
        alt;name_alt;neu;name_neu;anteil;gebietsstand
        1;A;2;B;0,5;31.12.2021
        <BLANKLINE>
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
    writer.writerow(["alt", "name_alt", "neu", "name_neu", "anteil", "gebietsstand"])
    for old, new, share in rows:
        writer.writerow([old, old_names.get(old, ""), new, new_names.get(new, ""),
                         _decimal(share), gebietsstand])
    return buffer.getvalue()


def _decimal(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".").replace(".", ",")


def _cell(value: float, flag: str) -> str:
    """A value as the official tables write it: the symbol where there is no number."""
    if value != value:
        return flag if flag in (".", "x", "/", "...", "*") else "."
    return _decimal(value)


def cmd_derive(args: argparse.Namespace) -> int:
    """``geosozial crosswalk derive``: overlay two editions, report every change."""
    from geosozial.geo.areas import read_areas
    from geosozial.geo.crosswalk import derive_crosswalk

    outputs = outputs_of([(label(args, "ALT", "OLD"), args.old),
                          (label(args, "NEU", "NEW"), args.new), ("--weights", args.weights)],
                         [("--out", args.out, "csv")])
    if (args.weights is None) != (args.weight_field is None):
        raise GeosozialError("cw.weights_pair", points=args.weights or "-",
                             field=args.weight_field or "-")
    old = read_areas(args.old, key=args.key)
    new = read_areas(args.new, key=args.key)
    if args.prefix:
        for areas in (old, new):
            areas.frame = areas.frame[areas.frame["key"].str.startswith(args.prefix)] \
                .reset_index(drop=True)
    cw = derive_crosswalk(old, new, tolerance=args.tolerance, gebietsstand=args.gebietsstand,
                          weight_points=args.weights, weight_field=args.weight_field)
    print_notices(old.notices + new.notices + cw.notices, args.lang)
    de = args.lang == "de"
    lines = cw.report(args.lang)
    print(("Änderungen: " if de else "changes: ") + str(len(lines)))
    for line in lines:
        print("  " + line)
    differences = cw.differences(args.lang)
    if differences:
        print(("Generalisierungsunterschiede (keine Gebietsänderung): " if de else
               "differences of generalisation (no territorial change): ")
              + str(len(cw.noise)))
        for line in differences:
            print("  " + line)
    text = crosswalk_csv(cw.rows, cw.old_names, cw.new_names, cw.gebietsstand)
    with outputs:
        atomic_write_text(args.out, text)
    print_written(args.out, args.lang)
    return 0


def cmd_apply(args: argparse.Namespace) -> int:
    """``geosozial crosswalk apply``: counts onto the new Gebietsstand, as CSV."""
    from geosozial.core.crosswalk import apply_crosswalk
    from geosozial.core.tables.read import read_table

    outputs = outputs_of([(label(args, "TABELLE", "TABLE"), args.table),
                          ("--crosswalk", args.crosswalk)], [("--out", args.out, "csv")])
    cw = read_crosswalk_options(args.crosswalk, args.sheet, args.share,
                                gebietsstand=args.gebietsstand)
    table = read_table(args.table, columns=args.columns)
    converted = apply_crosswalk(table, cw, args.columns, gebietsstand=cw.gebietsstand)
    print_notices(cw.notices + converted.notices, args.lang)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
    stand = converted.meta.get("Gebietsstand", "")
    columns = converted.value_columns
    writer.writerow(["AGS", "Name", *columns, "Kennzeichen", "Gebietsstand"])
    for i, key in enumerate(converted.keys):
        cells = [_cell(converted.values[c][i], converted.flags[c][i]) for c in columns]
        marks = sorted({converted.flags[c][i] for c in columns} & {"umgeschluesselt",
                                                                   "geschaetzt"})
        writer.writerow([key, converted.names[i], *cells, ", ".join(marks), stand])
    with outputs:
        atomic_write_text(args.out, buffer.getvalue())
    print_written(args.out, args.lang)
    return 0


def cmd_changes(args: argparse.Namespace) -> int:
    """``geosozial crosswalk changes``: the keys that vanished, appeared or were renamed."""
    from geosozial.core.crosswalk_files import key_list_changes, read_gv100ad

    old = read_gv100ad(args.old)
    new = read_gv100ad(args.new)
    print_notices(old.notices + new.notices, args.lang)
    changes = key_list_changes(old, new, level=args.level)
    lines = changes.report(args.lang)
    print(lines[0])
    for line in lines[1:]:
        print("  " + line)
    return 0
