"""The atlas model: plain data (no pandas), built once and rendered into every page.

:func:`geosozial.atlas.data.load_model` builds an :class:`AtlasModel` from a project
file and the time-series store a run wrote; everything after that (charts, pages,
Sozialdatenblätter, downloads, search index) reads only this model, so it runs
anywhere the standard library runs (the QGIS side included).

A value is a :class:`Cell`: a number or ``None`` plus its flag. A withheld or missing
value is ``None`` from the start: a page cannot show what the model does not hold.

Examples
--------
>>> Cell(12.25, "").text(1), Cell(None, "geheim").text(1)
('12,3', 'geheim gehalten')
>>> slug("Sozialregion Südost")
'sozialregion-suedost'
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from geosozial.atlas.numbers import number_text
from geosozial.core.symbols import CONFIDENTIAL_FLAGS, FLAG_NO_DATA, flag_text

__all__ = ["GEMEINDE", "KREIS", "SOZIALRAUM", "Area", "AtlasModel", "Cell", "ClusterNote",
           "IndicatorInfo", "MapLink", "Variable", "slug"]

GEMEINDE = "Gemeinde"
SOZIALRAUM = "Sozialraum"
#: the level of the whole area in the store (:func:`geosozial.core.sozialraum.total_row`)
KREIS = "Kreis"

_UMLAUTS = {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "ae", "Ö": "oe", "Ü": "ue"}


def slug(text: str) -> str:
    """A file-name stem from a name: lower case ASCII, umlauts spelled out, ``-``.

    Parameters
    ----------
    text : str

    Returns
    -------
    str

    Examples
    --------
    >>> slug("Sozialraum Musterstadt"), slug("Groß-Ährenfeld / Nord")
    ('sozialraum-musterstadt', 'gross-aehrenfeld-nord')
    """
    text = "".join(_UMLAUTS.get(c, c) for c in str(text))
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return text or "gebiet"


@dataclass(frozen=True)
class Cell:
    """One value with its flag.

    Attributes
    ----------
    value : float or None
        None for every value without a number (withheld, missing, not computable).
    flag : str
        The store's ``kennzeichen`` (``""``, ``geheim``, ``.``, ``nicht_berechenbar``,
        ``umgeschluesselt`` ...).
    converted : bool
        Brought onto the Gebietsstand through a crosswalk (store ``umgerechnet``).

    Examples
    --------
    >>> Cell(None, ".").withheld, Cell(3.0, "-").withheld, Cell(1.0, "", True).converted
    (True, False, True)
    """

    value: float | None
    flag: str = ""
    converted: bool = False

    @property
    def withheld(self) -> bool:
        """True if the value is kept secret (geosozial's rule or the source's ``.``/``*``).

        Examples
        --------
        >>> Cell(None, "geheim").withheld, Cell(None, "nicht_berechenbar").withheld
        (True, False)
        """
        return self.value is None and self.flag in CONFIDENTIAL_FLAGS

    def text(self, digits: int = 1, lang: str = "de") -> str:
        """The value as shown (German numbers) or the flag in words.

        Examples
        --------
        >>> Cell(1234.5).text(1), Cell(None, ".").text(), Cell(None, "").text(lang="en")
        ('1.234,5', 'geheim gehalten', 'no data')
        """
        if self.value is not None:
            return number_text(self.value, digits, lang) or ""
        return missing_text(self.flag, lang)

    def as_dict(self, digits: int = 1, lang: str = "de") -> dict[str, Any]:
        """The cell as a plain dict (value, text, flag, flag_text, converted).

        Examples
        --------
        >>> Cell(None, "geheim").as_dict()["text"]
        'geheim gehalten'
        """
        return {"value": self.value, "text": self.text(digits, lang), "flag": self.flag,
                "flag_text": flag_text(self.flag, lang) if self.flag else "",
                "withheld": self.withheld, "converted": self.converted}


def missing_text(flag: str, lang: str = "de") -> str:
    """The words for a value without a number.

    Examples
    --------
    >>> missing_text("geheim"), missing_text("*"), missing_text("nenner_null", "en")
    ('geheim gehalten', 'geheim gehalten', 'zero denominator')
    """
    if flag in CONFIDENTIAL_FLAGS:
        return flag_text("geheim", lang)
    if flag and flag_text(flag, lang) != flag:
        return flag_text(flag, lang)
    return flag_text(FLAG_NO_DATA, lang)


EMPTY = Cell(None, FLAG_NO_DATA)


@dataclass(frozen=True)
class Area:
    """A municipality or a Sozialraum of the atlas.

    Attributes
    ----------
    key : str
        The AGS of a municipality, the Sozialraum's name as the store keys it.
    name : str
    level : str
        :data:`GEMEINDE` or :data:`SOZIALRAUM`.
    page : str
        Path of its Sozialdatenblatt relative to the site folder.
    sozialraum : str
        The Sozialraum key of a municipality (``""`` for a Sozialraum).
    members : tuple of str
        The municipality keys of a Sozialraum.
    kind : str
        ``BEZ`` of a municipality (Stadt, Gemeinde), where the geometries give it.

    Examples
    --------
    >>> Area("14999010", "Ährenfeld", GEMEINDE, "gemeinden/14999010.html").stem
    'gemeinde_14999010'
    """

    key: str
    name: str
    level: str
    page: str
    sozialraum: str = ""
    members: tuple[str, ...] = ()
    kind: str = ""

    @property
    def stem(self) -> str:
        """File stem of the area's downloads (``gemeinde_<key>``, ``sozialraum_<slug>``).

        Examples
        --------
        >>> Area("Nord", "Nord", SOZIALRAUM, "sozialraeume/nord.html").stem
        'sozialraum_nord'
        """
        if self.level == GEMEINDE:
            return f"gemeinde_{slug(self.key)}"
        return f"sozialraum_{slug(self.key)}"


@dataclass(frozen=True)
class Variable:
    """A count variable and where it comes from (per year: table file and Stichtag).

    Examples
    --------
    >>> Variable("geborene", "Lebendgeborene", {2023: "bewegungen_2023.csv"}).sources[2023]
    'bewegungen_2023.csv'
    """

    id: str
    label: str
    sources: dict[int, str] = field(default_factory=dict)
    stichtage: dict[int, str] = field(default_factory=dict)
    columns: tuple[str, ...] = ()
    protected: bool = False


@dataclass(frozen=True)
class MapLink:
    """A map the project run wrote (file in the site folder) and its label.

    Examples
    --------
    >>> MapLink("karte_gemeinden_jahre.html", "Karte aller Jahre").file
    'karte_gemeinden_jahre.html'
    """

    file: str
    label: str


@dataclass(frozen=True)
class IndicatorInfo:
    """An indicator of the project as the atlas shows it.

    Attributes
    ----------
    id, label, unit, definition : str
    numerator : dict of str to float
        Variable -> coefficient.
    denominator : tuple of str
    scale : float
    digits : int
        Decimals shown.
    maps : tuple of MapLink
        The run's maps of the indicator that exist.
    analysed : bool
        LISA / Gi* computed for it (``[maps] analyse``).

    Examples
    --------
    >>> ind = IndicatorInfo("q", "Quote", "%", "a je 100 b", {"a": 1.0}, ("b",), 100.0)
    >>> ind.variables, ind.page, ind.deviation_unit()
    (('a', 'b'), 'indikatoren/q.html', 'Prozentpunkte')
    """

    id: str
    label: str
    unit: str
    definition: str
    numerator: dict[str, float]
    denominator: tuple[str, ...]
    scale: float
    digits: int = 1
    maps: tuple[MapLink, ...] = ()
    analysed: bool = False

    @property
    def variables(self) -> tuple[str, ...]:
        """Numerator and denominator variables, numerator first.

        Examples
        --------
        >>> IndicatorInfo("s", "S", "", "", {"z": 1, "f": -1}, ("b",), 1000).variables
        ('z', 'f', 'b')
        """
        return tuple(dict.fromkeys([*self.numerator, *self.denominator]))

    @property
    def page(self) -> str:
        """Path of the indicator page relative to the site folder.

        Examples
        --------
        >>> IndicatorInfo("s", "S", "", "", {}, (), 1).page
        'indikatoren/s.html'
        """
        return f"indikatoren/{self.id}.html"

    def deviation_unit(self, lang: str = "de") -> str:
        """Unit of a difference of two values: percentage points for rates in %.

        Examples
        --------
        >>> IndicatorInfo("s", "S", "je 100", "", {}, (), 100).deviation_unit("en")
        'je 100'
        """
        if self.unit == "%":
            return "Prozentpunkte" if lang == "de" else "percentage points"
        return self.unit


@dataclass(frozen=True)
class ClusterNote:
    """Membership of a municipality in a LISA cluster or a Gi* hot/cold spot.

    Attributes
    ----------
    indicator : str
    statistic : str
        ``lisa`` or ``gi``.
    category : str
        LISA class (``HH``, ``LL``, ``HL``, ``LH``, ``ns``, ``isolated``) or the Gi*
        bin as text (``-3`` .. ``3``).
    q : float or None
        The adjusted p-value (q) of the area.
    file : str
        The run's map of the statistic (``""`` if none was written).

    Examples
    --------
    >>> ClusterNote("sgb2_quote", "gi", "3", 0.001).category
    '3'
    """

    indicator: str
    statistic: str
    category: str
    q: float | None
    file: str = ""


@dataclass
class AtlasModel:
    """Everything the pages show.

    Attributes
    ----------
    title : str
        Site title (``[atlas] title`` or the project name).
    project : str
        The project name.
    lang : str
    years : list of int
    gebietsstand : str
    geheimhaltung : str
        The confidentiality rule in words (store metadata).
    quelle : str
        Attribution of the data.
    stand : str
        Stichtag of the last year (from the data, never the build time).
    created : str
        Build date from ``SOURCE_DATE_EPOCH`` (``""`` when unset).
    areas : list of Area
        Municipalities first (store order), then the Sozialräume.
    indicators : list of IndicatorInfo
    variables : dict of str to Variable
        The count variables.
    values : dict
        ``(level, key) -> variable -> year -> Cell`` for every value of the store.
    kreis : dict
        ``variable -> year -> Cell``: the Kreis values (the store's level ``Kreis``).
    land : dict
        ``indicator -> Cell`` of the Land (``[atlas] land``), with ``land_name``,
        ``land_year``, ``land_source``.
    handlungsfelder : list of (str, list of str)
    clusters : dict of str to list of ClusterNote
        Per municipality key.
    analysis_method : dict of str to str
        Per ``indicator:statistic`` a method note in words.
    shapes : dict of str to str
        Per municipality key the SVG path (``d``) in the frame ``viewbox``.
    region_shapes : dict of str to str
        Per Sozialraum key its outline path.
    viewbox : tuple of float
        ``(width, height)`` of the SVG map frame.
    maps : list of MapLink
        The run's maps over all indicators (years map, change map, ...).
    converted : dict of str to list of int
        Per municipality key the years whose values were converted.
    pdf : bool
        The site has a PDF per Sozialdatenblatt and one combined PDF (``pdf/``); False
        where the PDF engine is missing (inside QGIS).
    total : str
        What the whole area is (:func:`geosozial.atlas.texts.whole_area`): ``kreis`` or
        ``gesamt`` (municipalities of several Kreise).

    Examples
    --------
    >>> m = AtlasModel("A", "K", "de", [2022, 2023], "", "", "", "",
    ...                areas=[Area("1", "Adorf", GEMEINDE, "gemeinden/1.html")],
    ...                values={(GEMEINDE, "1"): {"q": {2023: Cell(2.5)}}})
    >>> m.last_year, m.cell(m.areas[0], "q").value, m.cell(m.areas[0], "q", 2022).flag
    (2023, 2.5, 'keine_daten')
    """

    title: str
    project: str
    lang: str
    years: list[int]
    gebietsstand: str
    geheimhaltung: str
    quelle: str
    stand: str
    created: str = ""
    areas: list[Area] = field(default_factory=list)
    indicators: list[IndicatorInfo] = field(default_factory=list)
    variables: dict[str, Variable] = field(default_factory=dict)
    values: dict[tuple[str, str], dict[str, dict[int, Cell]]] = field(default_factory=dict)
    kreis: dict[str, dict[int, Cell]] = field(default_factory=dict)
    land: dict[str, Cell] = field(default_factory=dict)
    land_name: str = ""
    land_year: int | None = None
    land_source: str = ""
    handlungsfelder: list[tuple[str, list[str]]] = field(default_factory=list)
    clusters: dict[str, list[ClusterNote]] = field(default_factory=dict)
    analysis_method: dict[str, str] = field(default_factory=dict)
    shapes: dict[str, str] = field(default_factory=dict)
    region_shapes: dict[str, str] = field(default_factory=dict)
    viewbox: tuple[float, float] = (400.0, 400.0)
    pdf: bool = False
    maps: list[MapLink] = field(default_factory=list)
    converted: dict[str, list[int]] = field(default_factory=dict)
    min_count: int = 0
    total: str = "kreis"

    @property
    def last_year(self) -> int:
        """The newest year of the atlas.

        Examples
        --------
        >>> AtlasModel("A", "K", "de", [2021, 2023], "", "", "", "").last_year
        2023
        """
        return self.years[-1]

    def gemeinden(self) -> list[Area]:
        """The municipalities, in store order.

        Examples
        --------
        >>> AtlasModel("A", "K", "de", [2023], "", "", "", "").gemeinden()
        []
        """
        return [a for a in self.areas if a.level == GEMEINDE]

    def sozialraeume(self) -> list[Area]:
        """The Sozialräume, in store order.

        Examples
        --------
        >>> AtlasModel("A", "K", "de", [2023], "", "", "", "").sozialraeume()
        []
        """
        return [a for a in self.areas if a.level == SOZIALRAUM]

    def area(self, level: str, key: str) -> Area | None:
        """The area of ``level`` with ``key`` (None if there is none).

        Examples
        --------
        >>> AtlasModel("A", "K", "de", [2023], "", "", "", "").area(GEMEINDE, "1") is None
        True
        """
        for a in self.areas:
            if a.level == level and a.key == key:
                return a
        return None

    def cell(self, area: Area, variable: str, year: int | None = None) -> Cell:
        """The value of ``variable`` for ``area`` in ``year`` (default: the last year).

        Examples
        --------
        >>> m = AtlasModel("A", "K", "de", [2023], "", "", "", "")
        >>> m.cell(Area("1", "Adorf", GEMEINDE, "g.html"), "q").text()
        'keine Daten'
        """
        year = self.last_year if year is None else year
        return self.values.get((area.level, area.key), {}).get(variable, {}).get(year, EMPTY)

    def kreis_cell(self, variable: str, year: int | None = None) -> Cell:
        """The Kreis value of ``variable`` in ``year`` (default: the last year).

        Examples
        --------
        >>> AtlasModel("A", "K", "de", [2023], "", "", "", "").kreis_cell("q").flag
        'nicht_berechenbar'
        """
        year = self.last_year if year is None else year
        return self.kreis.get(variable, {}).get(year, Cell(None, "nicht_berechenbar"))

    def indicator(self, ident: str) -> IndicatorInfo | None:
        """The indicator ``ident`` (None if the project has none of that id).

        Examples
        --------
        >>> AtlasModel("A", "K", "de", [2023], "", "", "", "").indicator("q") is None
        True
        """
        for i in self.indicators:
            if i.id == ident:
                return i
        return None
