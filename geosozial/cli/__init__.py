"""The ``geosozial`` command: one module per command group, each registering its
subcommands with ``set_defaults(func=...)``.

- :mod:`geosozial.cli.tables`: ``join``, ``aggregate``
- :mod:`geosozial.cli.stats`: ``moran``, ``lisa``, ``hotspots``
- :mod:`geosozial.cli.maps`: ``map``
- :mod:`geosozial.cli.project`: ``report``, ``demo``
- :mod:`geosozial.cli.crosswalk`: ``crosswalk derive``, ``crosswalk apply``
- :mod:`geosozial.cli.trends`: ``trends`` (emerging hot spots, changes over years)
- :mod:`geosozial.cli.catalogue`: ``indicators``

Messages are German by default; ``--lang en`` switches to English.

Exit codes: 0 done; 2 an input problem (a message naming file, line, key, field or
parameter); 1 an unexpected internal error (a short message and the path of a log file
in the system temp folder, ``geosozial-fehler-<Zeitstempel>-….log``, that holds the
traceback); 130 interrupted (Ctrl-C: one line, no traceback; outputs are written
atomically, so every previous output is left as it was).

Example:
    >>> main(["indicators", "--lang", "en"])  # doctest: +SKIP
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

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


#: exit code after Ctrl-C (128 + SIGINT, as shells report it)
EXIT_INTERRUPTED = 130

INTERRUPTED = {"de": "abgebrochen", "en": "interrupted"}


def _interrupted(lang: str) -> int:
    """One line on stderr, no traceback; exit code 130."""
    try:
        print(INTERRUPTED.get(lang, INTERRUPTED["de"]), file=sys.stderr)
    except (OSError, ValueError):  # stderr already closed
        pass
    return EXIT_INTERRUPTED


def write_error_log(exc: BaseException, argv: Sequence[str]) -> Path | None:
    """Write the full traceback of an unexpected error into a new log file.

    Parameters
    ----------
    exc : BaseException
        The error.
    argv : sequence of str
        The command line (recorded with the version, Python and platform).

    Returns
    -------
    Path or None
        ``geosozial-fehler-<YYYYmmdd-HHMMSS>-<random>.log`` in the system temp folder
        (readable by the user only), or None if it cannot be written.

    Examples
    --------
    >>> try:
    ...     1 / 0
    ... except ZeroDivisionError as exc:
    ...     log = write_error_log(exc, ["join"])
    >>> log.name.startswith("geosozial-fehler-"), "ZeroDivisionError" in log.read_text()
    (True, True)
    >>> log.unlink()
    """
    import platform
    import tempfile
    import time
    import traceback

    stamp = time.strftime("%Y%m%d-%H%M%S")
    text = (f"geosozial {__version__}\nPython {sys.version}\n{platform.platform()}\n"
            f"Befehl: geosozial {' '.join(argv)}\nOrdner: {os.getcwd()}\n\n"
            + "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
    try:
        fd, name = tempfile.mkstemp(prefix=f"geosozial-fehler-{stamp}-", suffix=".log")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError:
        return None
    return Path(name)


def _internal_error(exc: BaseException, argv: Sequence[str], lang: str) -> int:
    """A short message naming the log file with the traceback; exit code 1."""
    log = write_error_log(exc, argv)
    first = (str(exc).strip().splitlines() or [""])[0]
    what = type(exc).__name__ + (f": {first[:200]}" if first else "")
    if log is None:  # no log file possible: the traceback is the only record left
        import traceback

        traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)
    if lang == "en":
        print(f"error: internal error in geosozial ({what}). This is a bug, not a problem "
              f"of your input. The full traceback is in {log}; please send that file with "
              "a bug report." if log else f"error: internal error in geosozial ({what}).",
              file=sys.stderr)
    else:
        print(f"Fehler: interner Fehler in geosozial ({what}). Das ist ein Programmfehler, "
              f"kein Fehler Ihrer Eingaben. Der vollständige Ablauf steht in {log}; bitte "
              "diese Datei mit der Fehlermeldung einsenden." if log else
              f"Fehler: interner Fehler in geosozial ({what}).", file=sys.stderr)
    return 1


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

    from geosozial.cli import catalogue, crosswalk, maps, project, stats, tables, trends
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
    trends.add_parsers(sub, t, common)
    maps.add_parsers(sub, t, common)
    project.add_parsers(sub, t, common)
    crosswalk.add_parsers(sub, t, common)
    catalogue.add_parsers(sub, t, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (2 for input errors, with a clear message;
    1 for an internal error, with the path of the log file; 130 after Ctrl-C).

    Example:
        >>> main(["indicators"])  # doctest: +SKIP
        0
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    lang = _lang(argv)
    if lang not in ("de", "en"):
        lang = "de"
    # GDAL would write a .aux.xml beside an input GeoPackage with dataset metadata it
    # merely reads; a run of geosozial adds no file to the folders of its inputs
    pam = os.environ.get("GDAL_PAM_ENABLED")
    if pam is None:
        os.environ["GDAL_PAM_ENABLED"] = "NO"
    try:
        return _run(argv, lang)
    except KeyboardInterrupt:
        return _interrupted(lang)
    except Exception as exc:  # a bug outside the command itself (parser, set-up)
        return _internal_error(exc, argv, lang)
    finally:
        if pam is None:
            os.environ.pop("GDAL_PAM_ENABLED", None)


def _run(argv: list[str], lang: str) -> int:
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
    except KeyboardInterrupt:
        raise
    except Exception as exc:
        if not (isinstance(exc, OSError) or type(exc).__name__ in FILE_ERRORS):
            return _internal_error(exc, argv, args.lang)
        print(("Fehler: " if args.lang == "de" else "error: ") + _file_error(exc, args.lang),
              file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
