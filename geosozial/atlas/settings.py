"""The ``[atlas]`` section of a project file: title, Handlungsfelder, Land values.

::

    [atlas]
    title = "Sozialatlas Musterkreis"            # default: [project] name
    handlungsfelder = [
        { name = "Armut", indicators = ["sgb2_quote", "kinderarmut"] },
        { name = "Demografie", indicators = ["altenquotient", "anteil_65plus"] },
    ]
    [atlas.land]                                   # optional comparison values
    name = "Sachsen"
    year = 2023
    source = "Statistisches Landesamt, Tabelle 12411-01"
    values = { sgb2_quote = 7.9, altenquotient = 48.2 }

Without ``handlungsfelder`` the atlas has one group "Indikatoren" with every indicator.
The section is read here with :mod:`tomllib`; errors name the project file and the
entry.

Examples
--------
>>> s = atlas_settings({"atlas": {"handlungsfelder": [{"name": "Armut",
...     "indicators": ["sgb2_quote"]}]}}, ["sgb2_quote", "kinderarmut"], "p.toml")
>>> s.handlungsfelder
[('Armut', ['sgb2_quote'])]
>>> atlas_settings({}, ["a", "b"], "p.toml").handlungsfelder
[('Indikatoren', ['a', 'b'])]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geosozial.atlas.texts import text
from geosozial.core.messages import GeosozialError, define
from geosozial.core.project import toml_parser

__all__ = ["AtlasSettings", "atlas_settings", "read_atlas_settings"]

define("atlas.settings",
       de="Projektdatei {file}: Eintrag atlas.{field} ist falsch ({hint}).",
       en="project file {file}: entry atlas.{field} is wrong ({hint}).")

#: the entries of ``[atlas]`` (for the project schema)
ENTRIES = ("title", "handlungsfelder", "land", "pdf")
LAND_ENTRIES = ("name", "year", "source", "values")


@dataclass
class AtlasSettings:
    """What ``[atlas]`` says (defaults filled in).

    Attributes
    ----------
    title : str
        Empty: the project name.
    handlungsfelder : list of (str, list of str)
    land_name : str
    land_year : int or None
    land_source : str
    land_values : dict of str to float
    pdf : bool
        A PDF per Sozialdatenblatt and one combined (``pdf = false`` switches it off).

    Examples
    --------
    >>> AtlasSettings().handlungsfelder
    []
    """

    title: str = ""
    handlungsfelder: list[tuple[str, list[str]]] = field(default_factory=list)
    land_name: str = ""
    land_year: int | None = None
    land_source: str = ""
    land_values: dict[str, float] = field(default_factory=dict)
    pdf: bool = True


def _fail(file: str, where: str, hint: str) -> GeosozialError:
    return GeosozialError("atlas.settings", file=file, field=where, hint=hint)


def atlas_settings(data: Mapping[str, Any], indicators: Sequence[str], file: str,
                   lang: str = "de") -> AtlasSettings:
    """Check and read ``data["atlas"]`` of a parsed project file.

    Parameters
    ----------
    data : mapping
        The parsed TOML of the project file.
    indicators : sequence of str
        The project's indicator ids (a Handlungsfeld may name only these).
    file : str
        The project file, for messages.
    lang : str
        Language of the default group name.

    Returns
    -------
    AtlasSettings

    Raises
    ------
    GeosozialError
        ``atlas.settings`` naming the entry.

    Examples
    --------
    >>> try:
    ...     atlas_settings({"atlas": {"handlungsfelder": [{"name": "X",
    ...                    "indicators": ["nope"]}]}}, ["a"], "p.toml")
    ... except GeosozialError as exc:
    ...     print(exc.params["field"])
    handlungsfelder[0].indicators
    """
    section = data.get("atlas", {})
    if not isinstance(section, Mapping):
        raise _fail(file, "", "Abschnitt [atlas]")
    for name in section:
        if name not in ENTRIES:
            raise _fail(file, str(name), "unbekannt; erlaubt: " + ", ".join(ENTRIES))
    out = AtlasSettings()
    title = section.get("title", "")
    if not isinstance(title, str):
        raise _fail(file, "title", "Text")
    out.title = title.strip()
    fields = section.get("handlungsfelder")
    if fields is None:
        out.handlungsfelder = [(text(lang, "default_field"), list(indicators))]
    else:
        if not isinstance(fields, list) or not fields:
            raise _fail(file, "handlungsfelder",
                        'Liste wie [{ name = "Armut", indicators = ["sgb2_quote"] }]')
        for i, entry in enumerate(fields):
            where = f"handlungsfelder[{i}]"
            if not isinstance(entry, Mapping) or set(entry) - {"name", "indicators"}:
                raise _fail(file, where, "Tabelle mit name und indicators")
            name = entry.get("name")
            if not isinstance(name, str) or not name.strip():
                raise _fail(file, where + ".name", "Text")
            ids = entry.get("indicators")
            if (not isinstance(ids, list) or not ids
                    or not all(isinstance(v, str) for v in ids)):
                raise _fail(file, where + ".indicators", "Liste von Indikator-IDs")
            unknown = [v for v in ids if v not in indicators]
            if unknown:
                raise _fail(file, where + ".indicators",
                            f"unbekannt: {', '.join(unknown)}; vorhanden: "
                            f"{', '.join(indicators)}")
            out.handlungsfelder.append((name.strip(), list(dict.fromkeys(ids))))
    land = section.get("land")
    if land is not None:
        _land(land, indicators, file, out)
    pdf = section.get("pdf", True)
    if not isinstance(pdf, bool):
        raise _fail(file, "pdf", "true oder false")
    out.pdf = pdf
    return out


def _land(land: Any, indicators: Sequence[str], file: str, out: AtlasSettings) -> None:
    if not isinstance(land, Mapping):
        raise _fail(file, "land", "Tabelle mit name, year, source, values")
    for name in land:
        if name not in LAND_ENTRIES:
            raise _fail(file, f"land.{name}", "unbekannt; erlaubt: " + ", ".join(LAND_ENTRIES))
    name = land.get("name")
    if not isinstance(name, str) or not name.strip():
        raise _fail(file, "land.name", "Text, z. B. \"Sachsen\"")
    year = land.get("year")
    if year is not None and (isinstance(year, bool) or not isinstance(year, int)):
        raise _fail(file, "land.year", "Jahr")
    source = land.get("source", "")
    if not isinstance(source, str):
        raise _fail(file, "land.source", "Text")
    values = land.get("values", {})
    if not isinstance(values, Mapping):
        raise _fail(file, "land.values", "Tabelle Indikator = Wert")
    checked = {}
    for key, value in values.items():
        if key not in indicators:
            raise _fail(file, f"land.values.{key}", "kein Indikator des Projekts")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _fail(file, f"land.values.{key}", "Zahl")
        checked[str(key)] = float(value)
    out.land_name, out.land_year, out.land_source = name.strip(), year, source.strip()
    out.land_values = checked


def read_atlas_settings(project_file: str | Path, indicators: Sequence[str],
                        lang: str = "de") -> AtlasSettings:
    """Read the ``[atlas]`` section of a project file (UTF-8 TOML).

    Parameters
    ----------
    project_file : str or Path
    indicators : sequence of str
        The project's indicator ids.
    lang : str

    Returns
    -------
    AtlasSettings

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "p.toml"
    >>> _ = p.write_text('[atlas]\\ntitle = "Atlas"\\n', encoding="utf-8")
    >>> read_atlas_settings(p, ["a"]).title
    'Atlas'
    """
    data = toml_parser().loads(Path(project_file).read_text(encoding="utf-8"))
    return atlas_settings(data, list(indicators), str(project_file), lang)
