"""German texts for argparse's own messages (usage, help headings, errors).

argparse looks its texts up through ``argparse._`` (gettext); :func:`use_language`
swaps that lookup so that ``geosozial --help`` and argument errors are German by
default and English with ``--lang en``.

Example:
    >>> use_language("de")
    >>> import argparse
    >>> argparse._("positional arguments")
    'Argumente'
    >>> use_language("en")
"""

from __future__ import annotations

import argparse
from gettext import gettext

GERMAN = {
    "usage: ": "Aufruf: ",
    "positional arguments": "Argumente",
    "options": "Optionen",
    "optional arguments": "Optionen",
    "show this help message and exit": "diese Hilfe anzeigen und beenden",
    "%(prog)s: error: %(message)s\n": "%(prog)s: Fehler: %(message)s\n",
    "the following arguments are required: %s": "diese Angaben fehlen: %s",
    "unrecognized arguments: %s": "unbekannte Angaben: %s",
    "invalid choice: %(value)r (choose from %(choices)s)":
        "ungültige Wahl: %(value)r (möglich: %(choices)s)",
    "invalid %(type)s value: %(value)r": "ungültiger Wert (%(type)s): %(value)r",
    "argument %(argument_name)s: %(message)s": "Angabe %(argument_name)s: %(message)s",
    "expected one argument": "ein Wert erwartet",
    "expected at least one argument": "mindestens ein Wert erwartet",
    "expected at most one argument": "höchstens ein Wert erwartet",
    "ambiguous option: %(option)s could match %(matches)s":
        "mehrdeutige Option: %(option)s passt zu %(matches)s",
    "not allowed with argument %s": "nicht zusammen mit %s erlaubt",
    "one of the arguments %s is required": "eine dieser Angaben ist nötig: %s",
    "unknown parser %(parser_name)r (choices: %(choices)s)":
        "unbekannter Befehl %(parser_name)r (möglich: %(choices)s)",
    "show program's version number and exit": "Version anzeigen und beenden",
}


def _german(text: str) -> str:
    return GERMAN.get(text, gettext(text))


def use_language(lang: str) -> None:
    """German (``"de"``) or English argparse texts from now on."""
    argparse._ = _german if lang == "de" else gettext  # type: ignore[attr-defined]
