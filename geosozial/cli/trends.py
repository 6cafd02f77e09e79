"""CLI command ``trends``: emerging hot spots and changes over several years.

Each input is one year's areas on the same Gebietsstand (e.g. the per-year GeoPackages
of ``geosozial report``, whose metadata names the year; otherwise the year is taken from
``--years`` or from the file name). The output holds the last year's areas with the
emerging hot-spot columns (``ehs_kategorie``, ``ehs_trend_z``, ``ehs_trend_p``,
``ehs_tau``, ``gi_z_<year>``, ``gi_bin_<year>``) and, with ``--change K``, the change
over K years and the trend (``<field>_diff<K>``, ``<field>_trend``).

Example:
    >>> from geosozial.cli import main
    >>> main(["trends", "musterkreis_2021.gpkg", "musterkreis_2022.gpkg",
    ...       "musterkreis_2023.gpkg", "--field", "sgb2_quote", "--html", "ehs.html"]
    ...      )  # doctest: +SKIP
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from geosozial import __version__
from geosozial.cli.common import Texts, whole
from geosozial.core.messages import GeosozialError, define

define("cli.trends.year",
       de="{file}: kein Jahr erkennbar (weder Metadaten 'jahr' noch eine Jahreszahl im "
       "Dateinamen); bitte --years angeben.",
       en="{file}: no year found (neither metadata 'jahr' nor a year in the file name); "
       "please give --years.")
define("cli.trends.years_count",
       de="--years nennt {n} Jahre, angegeben sind {files} Dateien.",
       en="--years names {n} years, {files} files are given.")
define("cli.trends.same_year",
       de="Das Jahr {year} kommt zweimal vor ({first}, {second}).",
       en="The year {year} occurs twice ({first}, {second}).")


def add_parsers(sub: Any, t: Texts, common: argparse.ArgumentParser) -> None:
    """Register ``trends`` on the subparsers ``sub``."""
    from geosozial.cli.maps import add_map_options
    from geosozial.cli.stats import inference_parser

    p = sub.add_parser("trends", parents=[common, inference_parser(t)],
                       help=t("Emerging Hot Spots und Veränderungen über mehrere Jahre",
                              "emerging hot spots and changes over several years"),
                       description=t(
                           "Gi* je Jahr, Mann-Kendall-Trend der z-Werte und die Kategorien "
                           "der Emerging-Hot-Spot-Analyse (neu, fortlaufend, zunehmend, "
                           "beständig, abnehmend, sporadisch, oszillierend, früher); alle "
                           "Jahre auf einem Gebietsstand.",
                           "Gi* per year, Mann-Kendall trend of the z-values and the "
                           "categories of emerging hot-spot analysis (new, consecutive, "
                           "intensifying, persistent, diminishing, sporadic, oscillating, "
                           "historical); all years on one Gebietsstand."))
    p.add_argument("files", nargs="+", metavar=t("JAHRESDATEI", "YEAR_FILE"),
                   help=t("Flächen je Jahr (GeoPackage u. a.), gleicher Gebietsstand",
                          "areas per year (GeoPackage etc.), same Gebietsstand"))
    p.add_argument("--field", required=True, help=t("zu untersuchendes Zahlenfeld",
                                                    "numeric field to analyse"))
    p.add_argument("--years", nargs="+", type=whole, metavar=t("JAHR", "YEAR"),
                   help=t("die Jahre der Dateien in ihrer Reihenfolge (Standard: aus den "
                          "Metadaten oder dem Dateinamen)", "the years of the files in their "
                          "order (default: from the metadata or the file name)"))
    p.add_argument("--key", default="key", help=t("Schlüsselfeld (Standard key, sonst AGS)",
                                                  "key field (default key, else AGS)"))
    p.add_argument("--layer", default=None, help=t("Layer (Standard gemeinden, sonst der "
                                                   "erste)", "layer (default gemeinden, else "
                                                   "the first)"))
    p.add_argument("--change", type=whole, metavar="K",
                   help=t("auch die Veränderung über K Jahre und den Trend je Jahr schreiben",
                          "also write the change over K years and the trend per year"))
    p.add_argument("--correction", default="fdr", choices=("fdr", "bonferroni", "none"),
                   help=t("Korrektur für multiples Testen je Jahr (Standard fdr)",
                          "multiple-testing correction per year (default fdr)"))
    p.add_argument("--out", help=t("Ausgabe-GeoPackage", "output GeoPackage"))
    p.add_argument("--html", metavar="HTML", help=t("Karte der Kategorien (HTML)",
                                                   "map of the categories (HTML)"))
    add_map_options(p, t)
    p.set_defaults(func=cmd_trends)


def year_of(path: str, meta: dict[str, str]) -> int:
    """The year of a file: its metadata ``jahr``, else the last year in its name.

    Examples
    --------
    >>> year_of("out/musterkreis_2022.gpkg", {}), year_of("x.gpkg", {"jahr": "2021"})
    (2022, 2021)
    """
    from geosozial.core.emerging import year_in_name

    if str(meta.get("jahr", "")).strip().isdigit():
        return int(meta["jahr"])
    found = year_in_name(Path(path).name)
    if found is None:
        raise GeosozialError("cli.trends.year", file=path)
    return found


def _read_years(args: argparse.Namespace) -> dict[int, Any]:
    from geosozial.geo.areas import read_areas
    from geosozial.geo.gpkg import read_metadata

    if args.years and len(args.years) != len(args.files):
        raise GeosozialError("cli.trends.years_count", n=len(args.years), files=len(args.files))
    frames: dict[int, Any] = {}
    where: dict[int, str] = {}
    for i, path in enumerate(args.files):
        meta = read_metadata(path) if path.endswith(".gpkg") and Path(path).exists() else {}
        year = args.years[i] if args.years else year_of(path, meta)
        if year in frames:
            raise GeosozialError("cli.trends.same_year", year=year, first=where[year],
                                 second=path)
        layer = args.layer or ("gemeinden" if path.endswith(".gpkg") and _has_layer(
            path, "gemeinden") else None)
        key = args.key if args.key != "key" or layer == "gemeinden" else "AGS"
        frames[year] = read_areas(path, key=key, layer=layer).frame
        where[year] = path
    return dict(sorted(frames.items()))


def _has_layer(path: str, name: str) -> bool:
    import pyogrio

    return name in [row[0] for row in pyogrio.list_layers(path)]


def cmd_trends(args: argparse.Namespace) -> int:
    """``geosozial trends``: emerging hot spots (and changes) into a GeoPackage / map."""
    from geosozial.cli.common import outputs_of, print_notices, print_written
    from geosozial.cli.maps import map_options, write_outputs
    from geosozial.core.emerging import category_counts
    from geosozial.geo.emerging import emerging_analysis, emerging_map
    from geosozial.geo.gpkg import write_geopackage
    from geosozial.maps.notes import method_line

    if not (args.out or args.html):
        raise GeosozialError("cli.stats.no_output")
    outputs = outputs_of([(f"{'JAHRESDATEI' if args.lang == 'de' else 'YEAR_FILE'} {i + 1}",
                           f) for i, f in enumerate(args.files)],
                         [("--out", args.out, "gpkg"), ("--html", args.html, "html")])
    with outputs:
        frames = _read_years(args)
        source = f"{Path(args.files[-1]).name} ({min(frames)}–{max(frames)})"
        analysis = emerging_analysis(frames, args.field, weights=args.weights,
                                     permutations=args.permutations, seed=args.seed,
                                     correction=args.correction, source=source,
                                     snap=args.snap)
        frame = analysis.frame
        notices = list(analysis.notices)
        if args.change:
            from geosozial.pipeline.timeline import DynamicsSpec, add_dynamics

            work = {y: f.copy() for y, f in frames.items()}
            add_dynamics(work, [DynamicsSpec(args.field, args.change)], [], source,
                         kinds=None)
            last = work[max(work)]
            for c in last.columns:
                if str(c).startswith((f"{args.field}_diff", f"{args.field}_trend")):
                    frame[c] = last[c].to_numpy()
        method = analysis.method()
        if args.out:
            write_geopackage(args.out, {"emerging_hotspots": frame}, {
                "geosozial_version": __version__, "quelle": ", ".join(args.files),
                "feld": args.field, "methode": method,
                "hinweise": [n.as_dict() for n in notices]})
        print_notices(notices, args.lang)
        de = args.lang == "de"
        print(("Jahre: " if de else "years: ") + ", ".join(map(str, frames)))
        print(("Kategorien: " if de else "categories: ")
              + category_counts(frame["ehs_kategorie"].tolist(), args.lang))
        print(("Methode: " if de else "method: ") + method_line(method, args.lang))
        if args.html:
            args.areas = args.files[-1]
            options = map_options(args, frame)
            built = emerging_map(analysis, source=options.pop("source", source), **options)
            write_outputs(built, args.html, None, args.lang)
    for path in (args.out, args.html):
        if path:
            print_written(Path(path), args.lang)
    return 0
