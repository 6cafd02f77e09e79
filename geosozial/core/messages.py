"""User-facing messages in German (default) and English.

Every module defines its own messages with :func:`define`; errors and notices carry a
message code plus parameters and are rendered in the current language.

Example:
    >>> from geosozial.core.messages import define, Notice, set_language
    >>> define("demo.hello", de="Hallo {name}", en="Hello {name}")
    >>> n = Notice("demo.hello", name="Döbeln")
    >>> n.text("de"), n.text("en")
    ('Hallo Döbeln', 'Hello Döbeln')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

_CATALOGUE: dict[str, dict[str, str]] = {}
_LANGUAGE = ["de"]

SEVERITIES = ("info", "repair", "warning")


def define(code: str, *, de: str, en: str) -> None:
    """Register message ``code`` with a German and an English template.

    Example:
        >>> define("demo.x", de="Datei {file}", en="file {file}")
    """
    _CATALOGUE[code] = {"de": de, "en": en}


def set_language(lang: str) -> None:
    """Set the language for messages: ``"de"`` (default) or ``"en"``.

    Example:
        >>> set_language("de")
    """
    if lang not in ("de", "en"):
        raise ValueError(f"unknown language {lang!r}; use 'de' or 'en'")
    _LANGUAGE[0] = lang


def get_language() -> str:
    """Return the current message language.

    Example:
        >>> get_language() in ("de", "en")
        True
    """
    return _LANGUAGE[0]


def render(code: str, params: dict[str, Any], lang: str | None = None) -> str:
    """Render message ``code`` with ``params`` in ``lang`` (current language if None).

    Example:
        >>> define("demo.y", de="{n} Zeilen", en="{n} rows")
        >>> render("demo.y", {"n": 3}, "en")
        '3 rows'
    """
    lang = lang or get_language()
    templates = _CATALOGUE.get(code)
    if templates is None:
        return f"{code}: {params}"
    try:
        return templates[lang].format(**params)
    except (KeyError, IndexError, ValueError):
        return f"{templates[lang]} {params}"


@dataclass
class Notice:
    """Something a user must be told: a repair, a warning or an information.

    Example:
        >>> define("demo.z", de="{key} repariert", en="{key} repaired")
        >>> Notice("demo.z", severity="repair", key="01001000").text("en")
        '01001000 repaired'
    """

    code: str
    severity: str = "warning"
    params: dict[str, Any] = field(default_factory=dict)

    def __init__(self, code: str, severity: str = "warning", **params: Any) -> None:
        if severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {SEVERITIES}")
        self.code = code
        self.severity = severity
        self.params = params

    def text(self, lang: str | None = None) -> str:
        """The message in ``lang`` (current language if None)."""
        return render(self.code, self.params, lang)

    def as_dict(self, lang: str | None = None) -> dict[str, Any]:
        """A JSON-ready dict: code, severity, text and parameters."""
        return {
            "code": self.code,
            "severity": self.severity,
            "text": self.text(lang),
            "params": {k: _plain(v) for k, v in self.params.items()},
        }

    def __str__(self) -> str:
        return self.text()


class GeosozialError(Exception):
    """An input problem the user must fix; the message names file, row, key or field.

    Example:
        >>> define("demo.err", de="Datei {file} ist leer", en="file {file} is empty")
        >>> str(GeosozialError("demo.err", file="a.csv"))
        'Datei a.csv ist leer'
    """

    def __init__(self, code: str, **params: Any) -> None:
        self.code = code
        self.params = params
        super().__init__(code)

    def text(self, lang: str | None = None) -> str:
        """The message in ``lang`` (current language if None)."""
        return render(self.code, self.params, lang)

    def __str__(self) -> str:
        return self.text()


def _plain(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return str(value)
