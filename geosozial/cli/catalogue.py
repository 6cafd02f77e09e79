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


def formula_text(ind: Any) -> str:
    """The formula with parentheses where a sum stands above or below the fraction bar.

    Example:
        >>> from geosozial.core.indicators import CATALOGUE
        >>> formula_text(CATALOGUE["wanderungssaldo"])
        '(zuzuege − fortzuege) / bev_insg × 1.000'
    """
    from geosozial.core.number_format import number_text

    num = " ".join(f"{'+' if c > 0 else '−'} {v}" for v, c in ind.numerator.items())
    num = num[2:] if num.startswith("+ ") else num
    den = " + ".join(ind.denominator)
    num = f"({num})" if len(ind.numerator) > 1 else num
    den = f"({den})" if len(ind.denominator) > 1 else den
    return f"{num} / {den} × {number_text(ind.scale, 0)}"


def cmd_indicators(args: argparse.Namespace) -> int:
    """``geosozial indicators``: id, label, unit, definition and formula."""
    from geosozial.core.indicators import CATALOGUE

    for ind in CATALOGUE.values():
        print(f"{ind.id}: {ind.describe(args.lang)}  [{formula_text(ind)}]")
    return 0
