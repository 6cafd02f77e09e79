"""CLI command ``indicators``: the indicator catalogue, one line each.

Example:
    >>> from geosozial.cli import main
    >>> main(["indicators"])  # doctest: +ELLIPSIS
    sgb2_quote: SGB II-Quote (%): ...
    0
"""

from __future__ import annotations

import argparse
from typing import Any

from geosozial.cli.common import Texts


def add_parsers(sub: Any, t: Texts, common: argparse.ArgumentParser) -> None:
    """Register ``indicators`` on the subparsers ``sub``."""
    p = sub.add_parser("indicators", parents=[common],
                       help=t("Indikatorkatalog anzeigen", "list the indicator catalogue"))
    p.set_defaults(func=cmd_indicators)


def cmd_indicators(args: argparse.Namespace) -> int:
    """``geosozial indicators``: id, label, unit, definition and formula."""
    from geosozial.core.indicators import CATALOGUE

    for ind in CATALOGUE.values():
        num = " ".join(f"{'+' if c > 0 else '-'} {v}" for v, c in ind.numerator.items())
        print(f"{ind.id}: {ind.describe(args.lang)}  [{num.lstrip('+ ')} / "
              f"{' + '.join(ind.denominator)} × {ind.scale:g}]")
    return 0
