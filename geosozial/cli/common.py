"""Pieces every command group shares: parent parsers, the confidentiality rule, output.

Outputs: every command checks all its outputs before it reads or writes anything
(:func:`outputs_of`), writes them inside one :class:`~geosozial.core.outputs.OutputSet`
(committed together when the command is done) and only then prints ``geschrieben:``.
Rules: an output file (``--out``, ``--html``, ``--png``, ``--plot``) needs an existing
folder and the extension of its format (``.gpkg``, ``.html``/``.htm``, ``.png``); output
folders (``report --out DIR``, ``demo --out DIR``) are created when missing.

Example:
    >>> common, conf = parent_parsers(lambda de, en: de)
    >>> conf.parse_args(["--min-count", "4"]).min_count
    4
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Sequence
from pathlib import Path

from geosozial.core.confidentiality import ConfidentialityRule
from geosozial.core.messages import GeosozialError, Notice, define
from geosozial.core.outputs import Output, OutputSet

Texts = Callable[[str, str], str]

define("cli.min_count", de="--min-count muss mindestens 1 sein (angegeben: {value}).",
       en="--min-count must be at least 1 (given: {value}).")


def number(text: str) -> float:
    """An argparse type: a number written the German way (``0,05``) or plainly (``0.05``).

    Examples
    --------
    >>> number("0,05"), number("0.05"), number("2.500,5"), number("-1")
    (0.05, 0.05, 2500.5, -1.0)
    """
    from geosozial.core.symbols import UnknownSymbol, parse_number

    value = text.strip()
    try:
        if "," in value or value.count(".") > 1:
            return parse_number(value, decimal=",")
        return float(value)
    except (UnknownSymbol, ValueError):
        raise argparse.ArgumentTypeError(
            f"{text!r} ist keine Zahl (z. B. 0,05 oder 0.05)" if _german() else
            f"{text!r} is not a number (e.g. 0.05)") from None


def whole(text: str) -> int:
    """An argparse type: a whole number, German thousands dots allowed (``9.999``).

    Examples
    --------
    >>> whole("999"), whole("9.999"), whole("-5")
    (999, 9999, -5)
    """
    value = text.strip().replace("\u00a0", "")
    if re.fullmatch(r"[+-]?\d{1,3}(\.\d{3})+", value):
        value = value.replace(".", "")
    try:
        return int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} ist keine ganze Zahl (z. B. 999)" if _german() else
            f"{text!r} is not a whole number (e.g. 999)") from None


def permutations(text: str) -> int | str:
    """An argparse type: ``auto`` or a whole number of permutations.

    Examples
    --------
    >>> permutations("auto"), permutations("99.999")
    ('auto', 99999)
    """
    from geosozial.core.analysis import parse_permutations

    value = parse_permutations(text) if text.strip() else None
    if value is None:
        raise argparse.ArgumentTypeError(
            f"{text!r}: bitte auto oder eine ganze Zahl (z. B. 9999)" if _german() else
            f"{text!r}: give auto or a whole number (e.g. 9999)")
    return value


def _german() -> bool:
    from geosozial.core.messages import get_language

    return get_language() == "de"


def parent_parsers(t: Texts) -> tuple[argparse.ArgumentParser, argparse.ArgumentParser]:
    """``common`` (``--lang``) and ``conf`` (``--min-count``, ``--no-confidentiality``,
    ``--relation``) for the subcommands."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--lang", choices=("de", "en"), default="de",
                        help=t("Sprache der Meldungen (de, en)", "message language (de, en)"))
    conf = argparse.ArgumentParser(add_help=False)
    conf.add_argument("--min-count", type=whole, default=3, metavar="N",
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
    return common, conf


def kreis_parser(t: Texts) -> argparse.ArgumentParser:
    """``--kreis 14522[,14521]``: only the areas of these Kreise (join, aggregate,
    statistics, maps)."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--kreis", metavar=t("KREIS", "KREIS"),
                        help=t("nur die Gemeinden dieser Kreise (fünfstelliger Schlüssel, "
                               "mehrere mit Komma), z. B. 14522",
                               "only the municipalities of these Kreise (five-digit key, "
                               "several with commas), e.g. 14522"))
    return parser


def rule(args: argparse.Namespace) -> ConfidentialityRule | None:
    """The confidentiality rule of ``--min-count`` / ``--no-confidentiality``.

    Example:
        >>> rule(argparse.Namespace(min_count=3, no_confidentiality=False)).min_count
        3
    """
    if args.min_count < 1:
        raise GeosozialError("cli.min_count", value=args.min_count)
    return None if args.no_confidentiality else ConfidentialityRule(min_count=args.min_count)


def print_notices(notices: Sequence[Notice], lang: str) -> None:
    """One line per notice: ``[severity] text``."""
    for n in notices:
        print(f"[{n.severity}] {n.text(lang)}")


def print_written(path: str | Path, lang: str) -> None:
    """``geschrieben: PATH`` (``written:`` in English)."""
    print(("geschrieben: " if lang == "de" else "written: ") + str(path))


def label(args: argparse.Namespace, de: str, en: str) -> str:
    """``de`` or ``en`` by the command's language (for names of inputs in messages).

    Parameters
    ----------
    args : argparse.Namespace
        The parsed command line (its ``lang``).
    de, en : str
        The German and the English text.

    Returns
    -------
    str

    Examples
    --------
    >>> label(argparse.Namespace(lang="en"), "FLAECHEN", "AREAS")
    'AREAS'
    """
    return en if getattr(args, "lang", "de") == "en" else de


def outputs_of(inputs: Sequence[tuple[str, str | Path | None]],
               outputs: Sequence[tuple[str, str | Path | None, str]]) -> OutputSet:
    """The outputs of a command, checked before anything is read or written.

    Parameters
    ----------
    inputs : sequence of (str, path)
        The command's inputs: the name shown (``FLAECHEN``) and the path.
    outputs : sequence of (str, path or None, str)
        Option, path (None: not given) and format (``gpkg``, ``html``, ``png``).

    Returns
    -------
    OutputSet
        Protecting ``inputs``, with ``outputs`` planned; write inside ``with``.

    Raises
    ------
    GeosozialError
        (exit 2) if an output is an input, repeats another output, lacks its format's
        extension or lies in a missing or unwritable folder.

    Examples
    --------
    >>> outputs_of([("TABELLE", "t.csv")], [("--out", "t.csv", "gpkg")])
    Traceback (most recent call last):
    ...
    geosozial.core.messages.GeosozialError: --out t.csv ist zugleich die Eingabe
    TABELLE t.csv ...
    """
    outputs_set = OutputSet(inputs)
    outputs_set.check([Output(option, path, kind) for option, path, kind in outputs
                       if path is not None])
    return outputs_set
