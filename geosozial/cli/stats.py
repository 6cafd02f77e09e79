"""CLI commands for spatial statistics: ``moran``, ``lisa``, ``hotspots``.

Example:
    >>> from geosozial.cli import main
    >>> main(["moran", "gemeinden.gpkg", "--field", "quote", "--json"])  # doctest: +SKIP
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from geosozial import __version__
from geosozial.cli.common import kreis_parser, number, permutations, whole
from geosozial.core.messages import define
from geosozial.core.number_format import german
from geosozial.maps.notes import alternative_text, method_line, method_note
from geosozial.maps.palettes import class_counts_text

__all__ = ["add_parsers", "alternative_text", "class_counts_text", "cmd_local", "cmd_moran",
           "method_note"]

#: the GeoPackage layer each statistic writes
LAYER_NAMES = {"moran": "lisa", "gi": "hotspots", "geary": "geary", "quantile": "quantil_lisa",
               "joincount": "join_counts"}

define("cli.stats.no_output",
       de="Bitte --out ERGEBNIS.gpkg, --html KARTE.html oder --png KARTE.png angeben.",
       en="give --out RESULT.gpkg, --html MAP.html or --png MAP.png.")


def inference_parser(t: Callable[[str, str], str]) -> argparse.ArgumentParser:
    """The options of every spatial statistic: weights, snap, permutations, seed.

    Example:
        >>> inference_parser(lambda de, en: en).parse_args([]).permutations
        'auto'
    """
    stats = argparse.ArgumentParser(add_help=False)
    stats.add_argument("--weights", default="queen",
                       help=t("Nachbarschaft: queen, rook, knn:K, distance:METER",
                              "weights: queen, rook, knn:K, distance:METRES"))
    stats.add_argument("--snap", type=number, default=0.0, metavar=t("METER", "METRES"),
                       help=t("Nachbarn auch über Lücken zwischen Grenzen bis zu so vielen "
                              "Metern (vereinfachte Geometrien; Standard 0)", "neighbours "
                              "also across gaps between boundaries up to this many metres "
                              "(simplified geometries; default 0)"))
    stats.add_argument("--permutations", type=permutations, default="auto",
                       help=t("Permutationen: auto (Standard; lokal sequenziell so viele, wie "
                              "die Korrektur braucht, global 999) oder eine Zahl, z. B. 9999",
                              "permutations: auto (default; local statistics draw "
                              "sequentially as many as the correction needs, global 999) or "
                              "a number, e.g. 9999"))
    stats.add_argument("--seed", type=whole, default=12345,
                       help=t("Zufallsstartwert (Standard 12345)", "random seed (default 12345)"))
    return stats


def add_parsers(sub: Any, t: Callable[[str, str], str], common: argparse.ArgumentParser
                ) -> None:
    """Register ``moran``, ``lisa`` and ``hotspots`` on the subparsers ``sub``."""
    stats = argparse.ArgumentParser(add_help=False, parents=[kreis_parser(t),
                                                             inference_parser(t)])
    stats.add_argument("areas", metavar=t("FLAECHEN", "AREAS"),
                       help=t("GeoPackage, Shapefile oder GeoJSON", "GeoPackage, Shapefile or "
                              "GeoJSON"))
    stats.add_argument("--field", required=True, help=t("zu untersuchendes Zahlenfeld",
                                                        "numeric field to analyse"))
    stats.add_argument("--key", default="AGS", help=t("Schlüsselfeld (Standard AGS)",
                                                      "key field (default AGS)"))
    stats.add_argument("--layer", help=t("Layer der Flächendatei", "layer of the area file"))
    stats.add_argument("--alternative", default=None,
                       choices=("two-sided", "greater", "less", "folded"),
                       help=t("Alternativhypothese (Standard two-sided; Join Counts und "
                              "Quantil-LISA greater)", "alternative hypothesis (default "
                              "two-sided; join counts and quantile LISA greater)"))
    stats.add_argument("--dropna", action="store_true",
                       help=t("Gebiete ohne Wert auslassen (werden genannt)",
                              "leave out areas without a value (they are named)"))
    local = argparse.ArgumentParser(add_help=False)
    local.add_argument("--out", help=t("Ausgabe-GeoPackage", "output GeoPackage"))
    local.add_argument("--html", metavar="HTML",
                       help=t("Karte als eigenständige HTML-Datei (Cluster bzw. Hot Spots, "
                              "Signifikanz und Werte)", "map as a self-contained HTML file "
                              "(clusters or hot spots, significance and values)"))
    local.add_argument("--correction", default="fdr", choices=("fdr", "bonferroni", "none"),
                       help=t("Korrektur für multiples Testen (Standard fdr)",
                              "multiple-testing correction (default fdr)"))
    local.add_argument("--alpha", type=number, default=0.05,
                       help=t("Signifikanzniveau (Standard 0,05)", "significance level "
                              "(default 0.05)"))

    p = sub.add_parser("moran", parents=[common, stats],
                       help=t("globale Autokorrelation (Moran, Geary, General G)",
                              "global autocorrelation (Moran, Geary, General G)"))
    p.add_argument("--json", action="store_true", help=t("Ergebnis als JSON", "result as JSON"))
    p.add_argument("--plot", metavar="PNG", help=t("Moran-Streudiagramm als PNG schreiben",
                                                   "write the Moran scatter plot as PNG"))
    p.set_defaults(func=cmd_moran)
    from geosozial.cli.maps import add_map_options

    add_map_options(local, t)
    lisa = sub.add_parser("lisa", parents=[common, stats, local],
                          help=t("lokale Autokorrelation (LISA-Cluster)",
                                 "local autocorrelation (LISA clusters)"))
    lisa.add_argument("--plot", metavar="PNG",
                      help=t("Moran-Streudiagramm als PNG", "Moran scatter as PNG"))
    lisa.add_argument("--neighbour-field", metavar=t("FELD", "FIELD"),
                      help=t("bivariates LISA: --field am Gebiet gegen den Mittelwert dieses "
                             "Felds bei den Nachbarn", "bivariate LISA: --field at the area "
                             "against the neighbours' mean of this field"))
    lisa.add_argument("--base", metavar=t("FELD", "FIELD"),
                      help=t("--field sind Fallzahlen, dieses Feld die Bezugsbevölkerung: LISA "
                             "der Empirical-Bayes-Raten", "--field are case counts, this field "
                             "the population at risk: LISA of Empirical Bayes rates"))
    lisa.add_argument("--statistic", default="moran",
                      choices=("moran", "geary", "quantile", "joincount"),
                      help=t("lokale Statistik: moran (LISA, Standard), geary (lokales Geary; "
                             "mit --fields multivariat), quantile (Quantil-LISA mit "
                             "--quantiles/--quantile), joincount (0/1-Feld)",
                             "local statistic: moran (LISA, default), geary (local Geary; "
                             "multivariate with --fields), quantile (quantile LISA with "
                             "--quantiles/--quantile), joincount (0/1 field)"))
    lisa.add_argument("--fields", metavar=t("FELD;FELD", "FIELD;FIELD"),
                      help=t("multivariates lokales Geary: weitere Felder neben --field, mit "
                             "; getrennt", "multivariate local Geary: further fields beside "
                             "--field, separated by ;"))
    lisa.add_argument("--quantiles", type=whole, metavar="K",
                      help=t("Quantil-LISA: Anzahl Quantilklassen (z. B. 5)",
                             "quantile LISA: number of quantile classes (e.g. 5)"))
    lisa.add_argument("--quantile", type=whole, metavar="Q",
                      help=t("Quantil-LISA: untersuchte Klasse, 1 = niedrigste bis K = höchste "
                             "(Standard K)", "quantile LISA: the class studied, 1 = lowest "
                             "to K = highest (default K)"))
    lisa.set_defaults(func=lambda a: cmd_local(a, "lisa"))
    hot = sub.add_parser("hotspots", parents=[common, stats, local],
                         help=t("Hot Spots und Cold Spots (Getis-Ord Gi*)",
                                "hot and cold spots (Getis-Ord Gi*)"))
    hot.set_defaults(func=lambda a: cmd_local(a, "gi"))


def _read(args: argparse.Namespace):
    from geosozial.geo.areas import read_areas

    return read_areas(args.areas, key=args.key, layer=args.layer, kreis=args.kreis)


def _print_notices(notices, lang: str) -> None:
    for n in notices:
        print(f"[{n.severity}] {n.text(lang)}")


def cmd_moran(args: argparse.Namespace) -> int:
    """``geosozial moran``: Moran's I, Geary's C, General G as a table or JSON."""
    from geosozial.cli.common import label, outputs_of
    from geosozial.geo.analysis import global_analysis

    outputs = outputs_of([(label(args, "FLAECHEN", "AREAS"), args.areas)],
                         [("--plot", args.plot, "png")])
    with outputs:
        areas = _read(args)
        analysis = global_analysis(areas.frame, args.field, weights=args.weights,
                                   permutations=args.permutations, seed=args.seed,
                                   alternative=args.alternative or "two-sided",
                                   dropna=args.dropna, snap=args.snap,
                                   source=str(args.areas))
        if args.plot:
            from geosozial.maps.scatter import moran_scatter_png

            _, y = _values(analysis)
            moran_scatter_png(y, analysis.weights, args.plot, title=args.field,
                              lang=args.lang)
    rows = [r.as_row() for r in analysis.result]
    if args.json:
        print(json.dumps({"field": args.field, "statistics": rows,
                          "notices": [n.as_dict(args.lang) for n in
                                      areas.notices + analysis.notices]},
                         ensure_ascii=False, indent=2))
        return 0
    _print_notices(areas.notices + analysis.notices, args.lang)
    de = args.lang == "de"
    print(("Feld" if de else "field") + f": {args.field}, " + analysis.weights.describe(
        args.lang, transform=False))
    header = ("Statistik", "Wert", "Erwartung", "z", "p", "Gewichte") if de else (
        "statistic", "value", "expected", "z", "p", "weights")
    print(f"{header[0]:<12}{header[1]:>12}{header[2]:>12}{header[3]:>10}{header[4]:>10}  "
          f"{header[5]}")
    for r in rows:
        cells = [german(r["value"], 6, args.lang), german(r["expected"], 6, args.lang),
                 german(r["z"], 3, args.lang), german(r["p"], 4, args.lang)]
        print(f"{r['statistic']:<12}{cells[0]:>12}{cells[1]:>12}{cells[2]:>10}{cells[3]:>10}  "
              f"{r['weights']}")
    first = analysis.result[0]
    print(("Methode: " if de else "method: ") + method_line(
        {"permutations": first.permutations, "seed": first.seed, "weights": first.weights,
         "alternative": first.alternative}, args.lang))
    print(moran_reading(rows[0], args.lang))
    return 0


def moran_reading(row: dict[str, Any], lang: str = "de", alpha: float = 0.05) -> str:
    """One plain sentence about Moran's I for GIS staff.

    Example:
        >>> moran_reading({"value": 0.0977, "expected": -0.002, "p": 0.001})
        "Ähnliche Werte liegen räumlich beieinander (Moran's I = 0,098; p = 0,001)."
    """
    value, p = row["value"], row["p"]
    numbers = f"(Moran's I = {german(value, 3, lang)}; p = {german(p, 3, lang)})"
    if p is None or p != p or p > alpha:
        return (f"Kein räumliches Muster nachweisbar {numbers}." if lang == "de" else
                f"No spatial pattern can be shown {numbers}.")
    if value > row["expected"]:
        return (f"Ähnliche Werte liegen räumlich beieinander {numbers}." if lang == "de" else
                f"Similar values lie close together {numbers}.")
    return (f"Benachbarte Gebiete unterscheiden sich stärker als zufällig {numbers}."
            if lang == "de" else f"Neighbouring areas differ more than by chance {numbers}.")


def _values(analysis):
    import numpy as np

    return analysis.frame, np.asarray(analysis.frame[analysis.field_name], dtype=float)


def cmd_local(args: argparse.Namespace, kind: str) -> int:
    """``geosozial lisa`` / ``geosozial hotspots``: result columns into a GeoPackage.

    ``--out``, ``--plot``, ``--html`` and ``--png`` are all checked before the areas are
    read and committed together when the command is done.
    """
    from geosozial.cli.common import label, outputs_of, print_written
    from geosozial.cli.maps import map_options, write_outputs
    from geosozial.core.messages import GeosozialError
    from geosozial.geo.analysis import local_analysis
    from geosozial.geo.gpkg import write_geopackage

    if not (args.out or args.html or args.png):
        raise GeosozialError("cli.stats.no_output")
    plot = getattr(args, "plot", None) if kind == "lisa" else None
    outputs = outputs_of([(label(args, "FLAECHEN", "AREAS"), args.areas)],
                         [("--out", args.out, "gpkg"), ("--plot", plot, "png"),
                          ("--html", args.html, "html"), ("--png", args.png, "png")])
    with outputs:
        areas = _read(args)
        options = map_options(args, areas.frame) if (args.html or args.png) else {}
        statistic = getattr(args, "statistic", None) or ("gi" if kind == "gi" else "moran")
        quantiles = getattr(args, "quantiles", None)
        quantile = getattr(args, "quantile", None)
        if statistic == "quantile" and quantiles is not None and quantile is None:
            quantile = quantiles
        fields = [f.strip() for f in (getattr(args, "fields", None) or "").split(";")
                  if f.strip()]
        analysis = local_analysis(areas.frame, args.field, statistic=statistic,
                                  weights=args.weights, permutations=args.permutations,
                                  seed=args.seed, correction=args.correction,
                                  alpha=args.alpha, alternative=args.alternative,
                                  dropna=args.dropna, source=str(args.areas),
                                  neighbour_field=getattr(args, "neighbour_field", None),
                                  base_field=getattr(args, "base", None), fields=fields,
                                  quantiles=quantiles, quantile=quantile, snap=args.snap)
        kind = analysis.kind
        method = analysis.method()
        counts = analysis.result.counts()
        if args.out:
            write_geopackage(args.out, {LAYER_NAMES[statistic]: analysis.frame}, {
                "geosozial_version": __version__, "quelle": str(args.areas),
                "feld": args.field, "methode": method,
                "methode_text": method_note(method, "de"), "klassen": counts,
                "hinweise": [n.as_dict() for n in areas.notices + analysis.notices],
            })
        if plot:
            from geosozial.maps.scatter import moran_scatter_png

            _, y = _values(analysis)
            moran_scatter_png(y, analysis.weights, plot, title=args.field, lang=args.lang,
                              note=method_note(method, args.lang))
        _print_notices(areas.notices + analysis.notices, args.lang)
        de = args.lang == "de"
        print(analysis.weights.describe(args.lang, transform=False)
              + f" ({'Gewichte' if de else 'weights'} {method.get('transform', '')})")
        print(("Klassen: " if de else "classes: ") + class_counts_text(kind, counts, args.lang))
        print(("Methode: " if de else "method: ") + method_line(method, args.lang))
        if args.html or args.png:
            from geosozial.geo.maps import analysis_map

            built = analysis_map(areas.frame, analysis, title=args.title or "",
                                 source=options.pop("source", ""), **options)
            write_outputs(built, args.html, args.png, args.lang)
    for path in (args.out, plot, args.html, args.png):
        if path:
            print_written(Path(path), args.lang)
    return 0
