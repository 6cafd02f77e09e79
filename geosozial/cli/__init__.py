"""The ``geosozial`` command: one module per command group, each registering its
subcommands with ``set_defaults(func=...)``.

- :mod:`geosozial.cli.tables`: ``join``, ``aggregate``
- :mod:`geosozial.cli.stats`: ``moran``, ``lisa``, ``hotspots``
- :mod:`geosozial.cli.maps`: ``map``
- :mod:`geosozial.cli.project`: ``report``, ``demo``
- :mod:`geosozial.cli.catalogue`: ``indicators``

Messages are German by default; ``--lang en`` switches to English.

Example:
    >>> main(["indicators", "--lang", "en"])  # doctest: +SKIP
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from geosozial import __version__
from geosozial.core.messages import GeosozialError, set_language

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

    from geosozial.cli import catalogue, maps, project, stats, tables
    from geosozial.cli.common import parent_parsers
    from geosozial.cli.german import use_language

    use_language(lang)
    common, conf = parent_parsers(t)
    parser = argparse.ArgumentParser(
        prog="geosozial", parents=[common],
        description=t("Kleinräumige Analysen für die integrierte Sozialplanung.",
                      "Small-area analysis for integrated social planning."))
    parser.add_argument("--version", action="version", version=f"geosozial {__version__}",
                        help=t("Version anzeigen und beenden", "show the version and exit"))
    sub = parser.add_subparsers(dest="command", metavar=t("BEFEHL", "COMMAND"))
    tables.add_parsers(sub, t, common, conf)
    stats.add_parsers(sub, t, common)
    maps.add_parsers(sub, t, common)
    project.add_parsers(sub, t, common)
    catalogue.add_parsers(sub, t, common)
    return parser


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
    if args.command is None:
        parser.print_help()
        return 1
    try:
        return args.func(args)
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
