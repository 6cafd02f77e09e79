"""CLI for maps: ``geosozial map`` and the ``--html`` / ``--png`` options of lisa/hotspots.

Example:
    >>> from geosozial.cli import main
    >>> main(["map", "gemeinden.gpkg", "--field", "sgb2_quote",
    ...       "--out", "karte.html"])  # doctest: +SKIP
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from geosozial.cli.common import kreis_parser, number, whole
from geosozial.core.messages import GeosozialError, define

define("cli.maps.breaks",
       de="--breaks: {value!r} ist keine Liste von Zahlen (Beispiel: --breaks \"10;20,5;30\").",
       en="--breaks: {value!r} is not a list of numbers (example: --breaks \"10;20.5;30\").")
define("cli.maps.no_output",
       de="Bitte --out KARTE.html und/oder --png KARTE.png angeben.",
       en="give --out MAP.html and/or --png MAP.png.")
define("cli.maps.label_count",
       de="--{option} wurde {given}-mal angegeben, es gibt aber {n} --field; bitte je Feld eins.",
       en="--{option} was given {given} times but there are {n} --field; give one per field.")
define("cli.maps.group_field",
       de="{file}: Feld {field} für --outline gibt es nicht. Felder: {fields}",
       en="{file}: there is no field {field} for --outline. Fields: {fields}")


def add_map_options(parser: argparse.ArgumentParser, t: Callable[[str, str], str]) -> None:
    """Options every map-writing command shares (title, basemap, size, outlines, PNG)."""
    parser.add_argument("--title", help=t("Kartentitel", "map title"))
    parser.add_argument("--png", metavar="PNG",
                        help=t("die Karte zusätzlich als PNG für den Druck",
                               "also write the map as PNG for print"))
    parser.add_argument("--outline", metavar=t("FELD", "FIELD"),
                        help=t("Umrisse von Gruppen zeichnen (z. B. Sozialraum-Feld); "
                               "Standard: Kreisgrenzen, wenn mehrere Kreise",
                               "draw outlines of groups (e.g. a Sozialraum field); default: "
                               "district borders when there are several districts"))
    parser.add_argument("--basemap", choices=("grau", "farbe"),
                        help=t("Hintergrundkarte basemap.de (BKG) einblenden: Kartenkacheln "
                               "werden dann von sgx.geodatenzentrum.de geladen",
                               "show the basemap.de (BKG) background: tiles are then loaded "
                               "from sgx.geodatenzentrum.de"))
    parser.add_argument("--attribution",
                        help=t("Quellenvermerk der Geometrien (Standard bei VG250/VG5000: "
                               "© GeoBasis-DE / BKG (Jahr))",
                               "attribution of the geometries (default for VG250/VG5000: "
                               "© GeoBasis-DE / BKG (year))"))
    parser.add_argument("--gebietsstand", metavar=t("TT.MM.JJJJ", "DD.MM.YYYY"),
                        help=t("Gebietsstand der Geometrien (Jahr im BKG-Quellenvermerk; "
                               "Standard: die Ausgabe der ganzen Datei)", "Gebietsstand of "
                               "the geometries (year in the BKG credit; default: the edition "
                               "of the whole file)"))
    parser.add_argument("--source", help=t("Datenquelle für die Fußzeile",
                                           "data source for the footer"))
    parser.add_argument("--date", help=t("Datum in der Karte (Standard: heute oder "
                                         "SOURCE_DATE_EPOCH)",
                                         "date shown (default: today or SOURCE_DATE_EPOCH)"))
    parser.add_argument("--tolerance", type=number,
                        help=t("Vereinfachungstoleranz in Metern (Standard: passend zum "
                               "Größenbudget)", "simplification tolerance in metres (default: "
                               "chosen to meet the size budget)"))
    parser.add_argument("--max-bytes", type=whole,
                        help=t("Größenbudget der HTML-Datei in Bytes",
                               "size budget of the HTML file in bytes"))


def add_parsers(sub: Any, t: Callable[[str, str], str], common: argparse.ArgumentParser
                ) -> None:
    """Register ``map`` on the subparsers ``sub``."""
    p = sub.add_parser("map", parents=[common, kreis_parser(t)],
                       help=t("Choroplethenkarte als eigenständige HTML-Datei",
                              "choropleth map as a self-contained HTML file"))
    p.add_argument("areas", metavar=t("FLAECHEN", "AREAS"),
                   help=t("GeoPackage, Shapefile oder GeoJSON", "GeoPackage, Shapefile or "
                          "GeoJSON"))
    p.add_argument("--field", action="append", required=True,
                   help=t("Zahlenfeld (mehrfach: Umschalter in einer Datei)",
                          "numeric field (repeat: a switcher in one file)"))
    p.add_argument("--key", default="AGS", help=t("Schlüsselfeld (Standard AGS)",
                                                  "key field (default AGS)"))
    p.add_argument("--layer", help=t("Layer der Flächendatei", "layer of the area file"))
    p.add_argument("--out", help=t("Ausgabe-HTML", "output HTML"))
    p.add_argument("--scheme", default="quantiles",
                   choices=("quantiles", "natural_breaks", "equal_interval", "manual"),
                   help=t("Klassifikation (Standard quantiles)", "classification (default "
                          "quantiles)"))
    p.add_argument("--k", type=whole, default=5, help=t("Anzahl Klassen (Standard 5)",
                                                      "number of classes (default 5)"))
    p.add_argument("--breaks", help=t("feste Klassengrenzen für --scheme manual, z. B. "
                                      "\"10;20,5;30\" (Semikolon trennt, Komma ist das "
                                      "Dezimalzeichen)",
                                      "class breaks for --scheme manual, e.g. \"10;20.5;30\" "
                                      "(semicolons separate)"))
    p.add_argument("--label", action="append", default=[],
                   help=t("Beschriftung je --field (Standard: Katalog oder Angaben von "
                          "'geosozial aggregate' in der Datei)", "label per --field (default: "
                          "catalogue or what 'geosozial aggregate' stored in the file)"))
    p.add_argument("--unit", action="append", default=[],
                   help=t("Einheit je --field", "unit per --field"))
    p.add_argument("--palette", default="YlOrRd",
                   help=t("ColorBrewer-Palette (Standard YlOrRd)",
                          "ColorBrewer palette (default YlOrRd)"))
    add_map_options(p, t)
    p.set_defaults(func=cmd_map)


def parse_breaks(text: str | None) -> list[float] | None:
    """``"10,20,30"`` or ``"10;20;30"`` as numbers.

    Example:
        >>> parse_breaks("10, 20, 30"), parse_breaks("10;20,5;30")
        ([10.0, 20.0, 30.0], [10.0, 20.5, 30.0])
    """
    if text is None:
        return None
    if ";" in text:  # "10;20,5;30": German decimal commas
        parts = [p.strip().replace(",", ".") for p in text.split(";")]
    else:
        parts = [p.strip() for p in text.split(",")]
    try:
        return [float(p) for p in parts if p]
    except ValueError:
        raise GeosozialError("cli.maps.breaks", value=text) from None


def map_options(args: argparse.Namespace, frame: Any) -> dict[str, Any]:
    """The keyword arguments for the map builders from the shared options."""
    options: dict[str, Any] = {"lang": args.lang}
    if args.outline:
        if args.outline not in frame.columns:
            raise GeosozialError("cli.maps.group_field", file=str(args.areas),
                                 field=args.outline,
                                 fields=", ".join(c for c in frame.columns if c != "geometry"))
        options["outline_groups"] = frame[args.outline].tolist()
    for name in ("attribution", "date", "tolerance"):
        if getattr(args, name) is not None:
            options[name] = getattr(args, name)
    if getattr(args, "gebietsstand", None) and not args.attribution:
        from geosozial.geo.areas import credit_for

        options["attribution"] = credit_for(frame, args.gebietsstand)
    if args.source:
        options["source"] = args.source
    if args.max_bytes is not None:
        options["max_bytes"] = args.max_bytes
    if args.basemap:
        options["basemap"] = args.basemap
    return options


def write_outputs(built: Any, html: str | None, png: str | None, lang: str,
                  png_layer: int = 0) -> list[Path]:
    """Write the HTML and/or PNG of ``built`` (atomically, inside the command's
    :class:`~geosozial.core.outputs.OutputSet`); print the notices. The command prints
    ``geschrieben:`` once its outputs are in place."""
    from geosozial.geo.png import map_png

    for n in built.notices:  # rendered in the language set for the command
        if n["severity"] != "info" or n["code"] in ("maps.doc.size", "maps.geo.simplified"):
            print(f"[{n['severity']}] {n['text']}")
    written = []
    if html:
        written.append(built.write(html))
    if png:
        written.append(map_png(built, png, layer=png_layer))
    return written


def stored_labels(path: str, lang: str) -> dict[str, tuple[str, str]]:
    """Labels and units a GeoPackage of ``aggregate``/``report`` carries (else none)."""
    from geosozial.geo.gpkg import read_metadata
    from geosozial.geo.maps import labels_from_metadata

    if not str(path).lower().endswith(".gpkg"):
        return {}
    try:
        return labels_from_metadata(read_metadata(path), lang)
    except Exception:  # a GeoPackage without metadata (not written by geosozial)
        return {}


def cmd_map(args: argparse.Namespace) -> int:
    """``geosozial map``: choropleth of one or more fields as HTML (and PNG).

    ``--out`` (``.html``/``.htm``) and ``--png`` (``.png``) are checked before the areas
    are read and committed together at the end.
    """
    from geosozial.cli.common import label, outputs_of, print_written
    from geosozial.geo.areas import read_areas
    from geosozial.geo.maps import field_label, indicator_map, numeric_field

    if not args.out and not args.png:
        raise GeosozialError("cli.maps.no_output")
    outputs = outputs_of([(label(args, "FLAECHEN", "AREAS"), args.areas)],
                         [("--out", args.out, "html"), ("--png", args.png, "png")])
    with outputs:
        areas = read_areas(args.areas, key=args.key, layer=args.layer, kreis=args.kreis)
        for field in args.field:  # every field checked before anything is written
            numeric_field(areas.frame, field, str(args.areas))
        for n in areas.notices:
            print(f"[{n.severity}] {n.text(args.lang)}")
        options = map_options(args, areas.frame)
        labels = stored_labels(args.areas, args.lang)
        for option, given in (("label", args.label), ("unit", args.unit)):
            if given and len(given) != len(args.field):
                raise GeosozialError("cli.maps.label_count", option=option, given=len(given),
                                     n=len(args.field))
        for i, f in enumerate(args.field):
            label_, unit = labels.get(f, field_label(f, args.lang))
            labels[f] = (args.label[i] if args.label else label_,
                         args.unit[i] if args.unit else unit)
        title = args.title or ", ".join(labels[f][0] for f in args.field)
        built = indicator_map(areas.frame, args.field, title=title, scheme=args.scheme,
                              k=args.k, breaks=parse_breaks(args.breaks),
                              palette_name=args.palette, labels=labels,
                              source=options.pop("source", ""), **options)
        write_outputs(built, args.out, args.png, args.lang)
    for path in (args.out, args.png):
        if path:
            print_written(Path(path), args.lang)
    return 0
