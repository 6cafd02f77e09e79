"""Self-contained HTML maps: one file per map, no request to any other host.

:func:`render_map` turns a :class:`MapDocument` (GeoJSON whose features carry only the
integer property ``i`` = row index, area names and keys, and one or more
:class:`MapLayer` s) into one HTML file:

- Leaflet 1.9.4 inlined from the vendored copy in ``maps/vendor/leaflet`` (licence text
  included in the file); no jQuery, Bootstrap, Font Awesome, web fonts or images;
- no tiles by default; area outlines (e.g. Sozialräume) drawn for orientation; the
  basemap.de Web Raster (BKG) is an opt-in with attribution. A Content-Security-Policy
  in the page lets the browser load nothing from anywhere else (only basemap.de tiles
  when the basemap is switched on) and runs only the two scripts of the page;
- map kinds: classed choropleth (``"keine Daten"`` and ``"geheim gehalten"`` as
  classes of their own), LISA cluster map, Gi* hot-spot map, significance map;
- several layers in one file share one copy of the geometry: switching restyles it;
- years: layers with a :attr:`MapLayer.year` (one per indicator ``group`` and year, every
  group in every year) get a year control "Jahr" (a labelled ``<select>``) beside the
  indicator switcher; switching the year keeps the indicator and vice versa, legend,
  tooltip, table and summary show the chosen year;
- title, legend of the visible layer with class counts, tooltip, text summary, a data
  table sortable by keyboard, source / attribution line, date and method note; German
  by default, English with ``lang="en"``; numbers as 1.234,5 whatever the browser's
  language;
- safety: every string from the data is escaped for HTML or embedded as JSON escaped
  for a ``<script>`` context and inserted by the page as text (``textContent``);
- deterministic: the same document gives the same bytes (no random ids, no clock).

folium makes the Leaflet map itself (``folium.Map`` without tiles, its element id fixed
so that builds are byte-identical); its CDN links are not used (Leaflet is inlined).
folium's layer classes (GeoJson, GeoJsonTooltip, Choropleth) are not used: they insert
data with ``innerHTML``, format numbers in the browser's locale, embed one copy of the
geometry per layer and load d3 / jQuery / Bootstrap from CDNs; folium's page shell
sets ``user-scalable=no``, no ``lang`` and random element ids. Around the folium map
the page is Python string assembly with explicit escaping plus a small script
(``maps/assets/map.js``) that styles the one geometry, builds legend, tooltip, table
and summary with DOM text nodes. folium, branca and jinja2 are pure Python, so this
also runs inside QGIS.

Example:
    >>> geojson = ('{"type":"FeatureCollection","features":[{"type":"Feature",'
    ...            '"properties":{"i":0},"geometry":{"type":"Polygon","coordinates":'
    ...            '[[[13,51],[13.1,51],[13.1,51.1],[13,51.1],[13,51]]]}}]}')
    >>> layer = MapLayer(id="sgb2", label="SGB-II-Quote", unit="%", kind="choropleth",
    ...                  classes=[LegendClass("bis 10,0", "#fee0d2"),
    ...                           LegendClass("über 10,0", "#de2d26")],
    ...                  class_of=[1], values=[12.5])
    >>> doc = MapDocument(title="SGB II", geojson=geojson, names=["Döbeln"],
    ...                   keys=["14522080"], layers=[layer])
    >>> page = render_map(doc)
    >>> page.startswith("<!DOCTYPE html>"), 'src="http' in page, "Döbeln" in page
    (True, False, True)
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import math
import operator
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from geosozial.core.messages import GeosozialError, define
from geosozial.core.number_format import number_text  # noqa: F401 (used by the page and re-exported)
from geosozial.maps.palettes import SPECIAL_CLASSES

define("maps.html.bad_kind", de="Kartenart {kind!r} unbekannt; möglich: {kinds}.",
       en="unknown map kind {kind!r}; possible: {kinds}.")
define("maps.html.length",
       de="Ebene {layer}: {what} hat {got} Einträge, es gibt aber {n} Gebiete.",
       en="layer {layer}: {what} has {got} entries, but there are {n} areas.")
define("maps.html.keys_length",
       de="Es gibt {names} Namen, aber {keys} Schlüssel.",
       en="there are {names} names but {keys} keys.")
define("maps.html.class_index",
       de="Ebene {layer}: Klasse {value} an Position {index} gibt es nicht (erlaubt: 0 bis "
       "{last}, -1 für keine Daten, -2 für geheim gehalten).",
       en="layer {layer}: class {value} at position {index} does not exist (allowed: 0 to "
       "{last}, -1 for no data, -2 for suppressed).")
define("maps.html.colour",
       de="Ebene {layer}: Farbe {colour!r} ist keine Farbe der Form #rrggbb.",
       en="layer {layer}: colour {colour!r} is not a colour of the form #rrggbb.")
define("maps.html.count",
       de="Ebene {layer}: Klasse {label!r} hat laut Angabe {given} Gebiete, tatsächlich "
       "{actual}.",
       en="layer {layer}: class {label!r} is said to have {given} areas, it has {actual}.")
define("maps.html.suppressed_value",
       de="Ebene {layer}: Position {index} ist geheim gehalten, hat aber einen Wert in "
       "{what}; geheim gehaltene Werte dürfen nicht in die Karte.",
       en="layer {layer}: position {index} is suppressed but has a value in {what}; "
       "suppressed values must not go into the map.")
define("maps.html.no_layers", de="Die Karte braucht mindestens eine Ebene.",
       en="the map needs at least one layer.")
define("maps.html.duplicate_layer", de="Ebenen-ID {id!r} kommt mehrfach vor.",
       en="layer id {id!r} occurs more than once.")
define("maps.html.geojson",
       de="{what} ist kein gültiges GeoJSON: {problem}.",
       en="{what} is not valid GeoJSON: {problem}.")
define("maps.html.feature_index",
       de="Objekt {index} der Geometrie: Eigenschaft i={value!r} ist keine Zeile "
       "(0 bis {last}) oder kommt mehrfach vor.",
       en="geometry feature {index}: property i={value!r} is not a row (0 to {last}) or "
       "occurs more than once.")
define("maps.html.lang", de="Sprache {lang!r} unbekannt; möglich: de, en.",
       en="unknown language {lang!r}; possible: de, en.")
define("maps.html.basemap",
       de="Hintergrundkarte {value!r} unbekannt; möglich: False, True, \"grau\", \"farbe\".",
       en="unknown basemap {value!r}; possible: False, True, \"grau\", \"farbe\".")
define("maps.html.basemap_year",
       de="Für die Hintergrundkarte fehlt das Jahr für „© GeoBasis-DE / BKG (Jahr)“: "
       "basemap_year angeben oder ein Datum mit Jahreszahl.",
       en="the basemap needs the year for \"© GeoBasis-DE / BKG (year)\": give "
       "basemap_year or a date with the year.")
define("maps.html.year_mixed",
       de="Ebene {layer} hat kein Jahr, andere Ebenen haben eines: entweder alle Ebenen "
       "mit Jahr oder keine.",
       en="layer {layer} has no year while other layers have one: give a year to all "
       "layers or to none.")
define("maps.html.year_value",
       de="Ebene {layer}: Jahr {year!r} ist keine ganze Zahl.",
       en="layer {layer}: year {year!r} is not a whole number.")
define("maps.html.year_duplicate",
       de="Indikator {group!r} hat für {year} mehr als eine Ebene.",
       en="indicator {group!r} has more than one layer for {year}.")
define("maps.html.year_missing",
       de="Indikator {group!r} hat keine Ebene für {year}; jeder Indikator braucht eine "
       "Ebene für jedes Jahr der Karte ({years}).",
       en="indicator {group!r} has no layer for {year}; every indicator needs a layer "
       "for every year of the map ({years}).")
define("maps.html.value",
       de="Ebene {layer}: {what} an Position {index} ist keine Zahl: {value!r}.",
       en="layer {layer}: {what} at position {index} is not a number: {value!r}.")

#: Map kinds and what they show.
KINDS = ("choropleth", "lisa", "gi", "geary", "joincount", "emerging", "significance")


#: basemap.de Web Raster (BKG), WMTS in Web Mercator; only with ``basemap`` switched on.
BASEMAP_HOST = "https://sgx.geodatenzentrum.de"
BASEMAP_URL = (BASEMAP_HOST + "/wmts_basemapde/tile/1.0.0/de_basemapde_web_raster_{style}"
               "/default/GLOBAL_WEBMERCATOR/{z}/{y}/{x}.png")

LEAFLET_VERSION = "1.9.4"

#: Size budget of a map file: fixed part (Leaflet, page) plus bytes per area, at most 3 MB.
BUDGET_BASE = 280_000
BUDGET_PER_AREA = 300
BUDGET_MAX = 3_000_000


def html_budget(n_areas: int) -> int:
    """Default size budget of a map file: 280 kB + 300 bytes per area, at most 3 MB.

    Example:
        >>> html_budget(50), html_budget(2259), html_budget(10997)
        (295000, 957700, 3000000)
    """
    return min(BUDGET_MAX, BUDGET_BASE + BUDGET_PER_AREA * int(n_areas))

#: The folium map's element id and JavaScript variable (fixed: byte-identical builds).
MAP_NAME = "map_gs"

_HERE = Path(__file__).resolve().parent
_VENDOR = _HERE / "vendor" / "leaflet"
_ASSETS = _HERE / "assets"
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")

TEXTS: dict[str, dict[str, Any]] = {
    "de": {
        "skip": "Zur Datentabelle springen",
        "switch": "Indikator wählen",
        "year": "Jahr",
        "label_year": "{label} {year}",
        "legend": "Legende",
        "no_data": SPECIAL_CLASSES["no_data"].labels["de"],
        "suppressed": SPECIAL_CLASSES["suppressed"].labels["de"],
        "areas": "Gebiete",
        "table": "Datentabelle",
        "caption": "Werte je Gebiet: {label}. Spaltenköpfe sind Schaltflächen zum Sortieren.",
        "name": "Gebiet",
        "key": "Schlüssel",
        "flag": "Kennzeichen",
        "ascending": "aufsteigend",
        "descending": "absteigend",
        "sorted": "Tabelle sortiert nach {column}, {direction}.",
        "shown": "Angezeigt: {label}",
        "map": "Karte",
        "zoom_in": "Hineinzoomen",
        "zoom_out": "Herauszoomen",
        "summary": "Zusammenfassung",
        "summary_count": "{label}: {n} Gebiete.",
        "summary_range": "Höchster Wert: {max_name} ({max_value}), niedrigster Wert: "
                         "{min_name} ({min_value}).",
        "summary_no_data": "Keine Daten: {n}.",
        "summary_suppressed": "Geheim gehalten: {n}.",
        "source": "Quelle",
        "geometry": "Geometrien",
        "method": "Methode",
        "date": "Stand",
        "basemap": "Hintergrundkarte: basemap.de / © GeoBasis-DE / BKG ({year}), CC BY 4.0",
        "made_with": "Erstellt mit geosozial. Kartenbibliothek: Leaflet {version} "
                     "(BSD-2-Clause-Lizenz, Lizenztext im Quelltext dieser Datei).",
        "noscript": "Karte, Legende und Datentabelle brauchen JavaScript.",
        "kind": {"choropleth": "Klassen", "lisa": "Lokale Cluster (LISA)",
                 "gi": "Hot Spots und Cold Spots (Gi*)", "geary": "Lokales Geary",
                 "joincount": "Lokale Join Counts", "emerging": "Emerging Hot Spots",
                 "significance": "Signifikanz"},
        "class_heading": {"choropleth": "Klasse", "lisa": "Cluster", "gi": "Gi*-Klasse",
                          "geary": "Geary-Klasse", "joincount": "Klasse",
                          "emerging": "Kategorie",
                          "significance": "Signifikanz"},
    },
    "en": {
        "skip": "Skip to the data table",
        "switch": "Choose indicator",
        "year": "Year",
        "label_year": "{label} {year}",
        "legend": "Legend",
        "no_data": SPECIAL_CLASSES["no_data"].labels["en"],
        "suppressed": SPECIAL_CLASSES["suppressed"].labels["en"],
        "areas": "areas",
        "table": "Data table",
        "caption": "Values per area: {label}. Column headers are buttons for sorting.",
        "name": "Area",
        "key": "Key",
        "flag": "Flag",
        "ascending": "ascending",
        "descending": "descending",
        "sorted": "Table sorted by {column}, {direction}.",
        "shown": "Showing: {label}",
        "map": "Map",
        "zoom_in": "Zoom in",
        "zoom_out": "Zoom out",
        "summary": "Summary",
        "summary_count": "{label}: {n} areas.",
        "summary_range": "Highest value: {max_name} ({max_value}), lowest value: "
                         "{min_name} ({min_value}).",
        "summary_no_data": "No data: {n}.",
        "summary_suppressed": "Suppressed (confidential): {n}.",
        "source": "Source",
        "geometry": "Geometries",
        "method": "Method",
        "date": "Date",
        "basemap": "Basemap: basemap.de / © GeoBasis-DE / BKG ({year}), CC BY 4.0",
        "made_with": "Made with geosozial. Map library: Leaflet {version} "
                     "(BSD 2-Clause licence, licence text in the source of this file).",
        "noscript": "The map, legend and data table need JavaScript.",
        "kind": {"choropleth": "Classes", "lisa": "Local clusters (LISA)",
                 "gi": "Hot spots and cold spots (Gi*)", "geary": "Local Geary",
                 "joincount": "Local join counts", "emerging": "Emerging hot spots",
                 "significance": "Significance"},
        "class_heading": {"choropleth": "Class", "lisa": "Cluster", "gi": "Gi* class",
                          "geary": "Geary class", "joincount": "Class",
                          "emerging": "Category",
                          "significance": "Significance"},
    },
}


# --- the document ------------------------------------------------------------------


@dataclass
class LegendClass:
    """One class of a layer: legend label, fill colour ``#rrggbb`` and (optional) count.

    The count is computed from :attr:`MapLayer.class_of`; a given count must agree.

    Example:
        >>> LegendClass("Hoch-Hoch (HH)", "#FF0000").colour
        '#FF0000'
    """

    label: str
    colour: str
    count: int | None = None


@dataclass
class Column:
    """An extra per-area column of a layer, shown in tooltip and table.

    Use the result column names of DESIGN.md (``lisa_I``, ``lisa_p``, ``gi_z``, ...).
    Values are numbers (shown with ``digits`` decimals), strings or None.

    Example:
        >>> Column("lisa_p", [0.004, 0.31, None], digits=3).name
        'lisa_p'
    """

    name: str
    values: Sequence[Any]
    digits: int = 3
    label: str | None = None


@dataclass
class MapLayer:
    """One indicator or result shown on the map.

    ``class_of`` holds per area the index into ``classes`` (legend order), ``-1`` for
    "keine Daten" and ``-2`` for "geheim gehalten"; ``values`` the number shown in
    tooltip and table (None if missing; must be None where suppressed), headed
    ``value_label`` (default ``label``); ``flags`` an optional statistical flag per
    area (e.g. ``"p"``); ``note`` a short method note shown under the legend.
    ``year`` (optional) makes the layer one year of the indicator ``group`` (default:
    its ``id``): the page then shows a year control, and every group needs a layer for
    every year. ``signed`` shows values with their sign (``+1,5``, ``−0,5``), for
    change maps.

    Example:
        >>> MapLayer(id="lisa", label="SGB-II-Quote: Cluster", unit="%", kind="lisa",
        ...          classes=[LegendClass("Hoch-Hoch (HH)", "#FF0000"),
        ...                   LegendClass("nicht signifikant", "#eeeeee")],
        ...          class_of=[0, 1, -1], values=[12.0, 8.5, None]).kind
        'lisa'
    """

    id: str
    label: str
    unit: str
    kind: str
    classes: Sequence[LegendClass]
    class_of: Sequence[int]
    values: Sequence[float | None]
    flags: Sequence[str] | None = None
    digits: int = 1
    columns: Sequence[Column] = ()
    note: str = ""
    value_label: str = ""
    year: int | None = None
    group: str = ""
    signed: bool = False


@dataclass
class MapDocument:
    """Everything one HTML map shows.

    ``geojson`` is a FeatureCollection (lon/lat) whose features carry the integer
    property ``i``: the position in ``names`` / ``keys`` / the layer arrays (features
    without geometry are allowed; areas without a feature appear in the table only).
    ``outlines`` is an optional GeoJSON of outlines drawn on top for orientation.
    The page shows ``layers[0]`` first (with years: that layer's indicator and year).
    ``attribution`` is shown on the map and in the footer, e.g.
    ``"© GeoBasis-DE / BKG (2021)"``. ``basemap``: False (default, no request at all),
    True or ``"grau"`` (basemap.de grey), ``"farbe"`` (colour).

    Example:
        >>> MapDocument(title="Karte", geojson='{"type":"FeatureCollection","features":[]}',
        ...             names=[], keys=[], layers=[]).lang
        'de'
    """

    title: str
    geojson: str
    names: Sequence[str]
    keys: Sequence[str]
    layers: Sequence[MapLayer]
    outlines: str | None = None
    attribution: str = ""
    source: str = ""
    date: str = ""
    method_note: str = ""
    summary: str = ""
    lang: str = "de"
    basemap: bool | str = False
    basemap_year: int | None = None
    area_label: str = ""


# --- public functions ----------------------------------------------------------------


def render_map(doc: MapDocument) -> str:
    """The HTML page of ``doc`` as a string (same document, same string).

    Example:
        >>> doc = MapDocument(title="Leer", geojson='{"type":"FeatureCollection",'
        ...                   '"features":[]}', names=[], keys=[],
        ...                   layers=[MapLayer("x", "X", "", "choropleth", [], [], [])])
        >>> render_map(doc) == render_map(doc)
        True
    """
    if doc.lang not in TEXTS:
        raise GeosozialError("maps.html.lang", lang=doc.lang)
    text = TEXTS[doc.lang]
    n = len(doc.names)
    names = [str(v) for v in doc.names]
    keys = [str(v) for v in doc.keys]
    if keys and len(keys) != n:
        raise GeosozialError("maps.html.keys_length", names=n, keys=len(keys))
    if keys:  # an area without a name is shown by its key (tooltip, table, summary)
        names = [name or key for name, key in zip(names, keys, strict=True)]
    if not doc.layers:
        raise GeosozialError("maps.html.no_layers")
    seen: set[str] = set()
    layers = []
    for layer in doc.layers:
        if layer.id in seen:
            raise GeosozialError("maps.html.duplicate_layer", id=layer.id)
        seen.add(layer.id)
        layers.append(_layer_json(layer, n))
    _check_years(layers)
    geojson = _checked_geojson(doc.geojson, "geojson", n)
    outlines = _checked_geojson(doc.outlines, "outlines", None) if doc.outlines else None
    basemap = _basemap(doc)

    attribution = doc.attribution.strip()
    if basemap:
        attribution = "; ".join(a for a in (attribution, basemap["attribution"]) if a)
    data = {
        "lang": doc.lang,
        "names": names,
        "keys": keys,
        "layers": layers,
        "attribution": attribution,
        "basemap": basemap,
        "special": {
            key: {"fill": special.fill, "outline": special.outline, "hatch": special.hatch,
                  "label": text[key]}
            for key, special in SPECIAL_CLASSES.items()
        },
        "text": {**text, "name": doc.area_label or text["name"]},
    }
    map_div, map_script = _folium_map()
    data["map"] = MAP_NAME
    scripts = [_leaflet_js(), map_script, _asset("map.js")]
    return _page(doc, text, data, geojson, outlines, scripts, basemap, map_div)


def write_map(doc: MapDocument, path: str | Path) -> Path:
    """Write the map page of ``doc`` to ``path`` (UTF-8, ``\\n`` line ends); return it.

    ``path`` must end in ``.html`` or ``.htm`` in an existing folder; the page is written
    atomically (temporary file, then rename; :mod:`geosozial.core.outputs`).

    Example:
        >>> import tempfile
        >>> doc = MapDocument(title="Leer", geojson='{"type":"FeatureCollection",'
        ...                   '"features":[]}', names=[], keys=[],
        ...                   layers=[MapLayer("x", "X", "", "choropleth", [], [], [])])
        >>> with tempfile.TemporaryDirectory() as d:
        ...     write_map(doc, Path(d) / "karte.html").suffix
        '.html'
    """
    from geosozial.core.outputs import Output, atomic_write_bytes, check_outputs

    path = Path(path)
    check_outputs([Output("path", path, "html")])
    return atomic_write_bytes(path, render_map(doc).encode("utf-8"))


def script_json(obj: Any) -> str:
    """JSON for a ``<script>`` element: sorted keys, no NaN, ``<``, ``>``, ``&``,
    U+2028 and U+2029 escaped as ``\\u003c`` etc., so no data can end the element.

    Example:
        >>> script_json({"b": "</script>", "a": 1})
        '{"a":1,"b":"\\\\u003c/script\\\\u003e"}'
    """
    text = json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      allow_nan=False)
    return _escape_script_json(text)


# --- internals -------------------------------------------------------------------------


_SCRIPT_ESCAPES = (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"),
                   ("\u2028", "\\u2028"), ("\u2029", "\\u2029"))


def _escape_script_json(text: str) -> str:
    # Valid only for JSON text: outside strings JSON has none of these characters, and
    # inside strings the \\uXXXX escapes mean the same characters.
    for raw, escaped in _SCRIPT_ESCAPES:
        text = text.replace(raw, escaped)
    return text


def _number(value: Any, layer: str, what: str, index: int) -> float | None:
    if value is None:
        return None
    if isinstance(value, (bool, str)) or not hasattr(value, "__float__"):
        raise GeosozialError("maps.html.value", layer=layer, what=what, index=index,
                             value=value)
    number = float(value)
    return number if math.isfinite(number) else None


def _cell(value: Any, layer: str, what: str, index: int) -> float | str | None:
    if isinstance(value, str):
        return value
    return _number(value, layer, what, index)


def _layer_json(layer: MapLayer, n: int) -> dict[str, Any]:
    if layer.kind not in KINDS:
        raise GeosozialError("maps.html.bad_kind", kind=layer.kind, kinds=", ".join(KINDS))
    for what, seq in (("class_of", layer.class_of), ("values", layer.values),
                      ("flags", layer.flags or [""] * n),
                      *((c.name, c.values) for c in layer.columns)):
        if len(seq) != n:
            raise GeosozialError("maps.html.length", layer=layer.id, what=what,
                                 got=len(seq), n=n)
    k = len(layer.classes)
    cls: list[int] = []
    for i, value in enumerate(layer.class_of):
        try:
            c = int(value)
        except (TypeError, ValueError):
            c = -3
        if c != value or not -2 <= c < k:
            raise GeosozialError("maps.html.class_index", layer=layer.id, value=value,
                                 index=i, last=k - 1)
        cls.append(c)
    counts = [0] * k
    for c in cls:
        if c >= 0:
            counts[c] += 1
    classes = []
    for legend, count in zip(layer.classes, counts, strict=True):
        if not _COLOUR.match(legend.colour):
            raise GeosozialError("maps.html.colour", layer=layer.id, colour=legend.colour)
        if legend.count is not None and int(legend.count) != count:
            raise GeosozialError("maps.html.count", layer=layer.id, label=legend.label,
                                 given=legend.count, actual=count)
        classes.append({"label": str(legend.label), "colour": legend.colour.lower(),
                        "count": count})
    values = [_number(v, layer.id, "values", i) for i, v in enumerate(layer.values)]
    columns = [{"name": c.name, "label": c.label or c.name, "digits": int(c.digits),
                "values": [_cell(v, layer.id, c.name, i) for i, v in enumerate(c.values)]}
               for c in layer.columns]
    for i, c in enumerate(cls):
        if c != -2:
            continue
        if values[i] is not None:
            raise GeosozialError("maps.html.suppressed_value", layer=layer.id, index=i,
                                 what="values")
        for column in columns:
            if column["values"][i] is not None:
                raise GeosozialError("maps.html.suppressed_value", layer=layer.id, index=i,
                                     what=column["name"])
    flags = [str(f or "") for f in layer.flags] if layer.flags is not None else []
    year = None
    if layer.year is not None:
        try:
            year = operator.index(layer.year)
        except TypeError:
            year = None
        if year is None or isinstance(layer.year, bool):
            raise GeosozialError("maps.html.year_value", layer=layer.id, year=layer.year)
    return {
        "id": str(layer.id),
        "label": str(layer.label),
        "unit": str(layer.unit),
        "kind": layer.kind,
        "digits": int(layer.digits),
        "classes": classes,
        "cls": cls,
        "values": values,
        "flags": flags if any(flags) else None,
        "columns": columns,
        "note": str(layer.note),
        "value_label": str(layer.value_label or layer.label),
        "special_counts": {"no_data": cls.count(-1), "suppressed": cls.count(-2)},
        "year": None if year is None else int(year),
        "group": str(layer.group or layer.id),
        "signed": bool(layer.signed),
    }


def _check_years(layers: list[dict[str, Any]]) -> None:
    """Years on all layers or none; each group exactly once in every year."""
    with_year = [layer for layer in layers if layer["year"] is not None]
    if not with_year:
        return
    for layer in layers:
        if layer["year"] is None:
            raise GeosozialError("maps.html.year_mixed", layer=layer["id"])
    slots: set[tuple[str, int]] = set()
    for layer in layers:
        slot = (layer["group"], layer["year"])
        if slot in slots:
            raise GeosozialError("maps.html.year_duplicate", group=slot[0], year=slot[1])
        slots.add(slot)
    years = sorted({layer["year"] for layer in layers})
    for group in dict.fromkeys(layer["group"] for layer in layers):
        for year in years:
            if (group, year) not in slots:
                raise GeosozialError("maps.html.year_missing", group=group, year=year,
                                     years=", ".join(str(y) for y in years))


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


_POLYGONAL = frozenset({"Polygon", "MultiPolygon"})
_LINEAR = _POLYGONAL | {"LineString", "MultiLineString"}


def _checked_geojson(text: str, what: str, n: int | None) -> str:
    """Validate a FeatureCollection and return it escaped for a <script> element."""
    try:
        obj = json.loads(text, parse_constant=_no_constant)
    except (ValueError, TypeError) as err:
        raise GeosozialError("maps.html.geojson", what=what, problem=str(err)) from None
    if not isinstance(obj, dict) or obj.get("type") != "FeatureCollection" or \
            not isinstance(obj.get("features"), list):
        raise GeosozialError("maps.html.geojson", what=what,
                             problem="no FeatureCollection with a list of features")
    allowed = _POLYGONAL if n is not None else _LINEAR
    seen: set[int] = set()
    for index, feature in enumerate(obj["features"]):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            raise GeosozialError("maps.html.geojson", what=what,
                                 problem=f"element {index} is not a Feature")
        geometry = feature.get("geometry")
        if geometry is not None and (not isinstance(geometry, dict)
                                     or geometry.get("type") not in allowed):
            kind = geometry.get("type") if isinstance(geometry, dict) else type(geometry)
            raise GeosozialError("maps.html.geojson", what=what,
                                 problem=f"feature {index} has geometry type {kind}, "
                                 f"allowed: {', '.join(sorted(allowed))}")
        if n is None:
            continue
        props = feature.get("properties")
        i = props.get("i") if isinstance(props, dict) else None
        if isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < n or i in seen:
            raise GeosozialError("maps.html.feature_index", index=index, value=i,
                                 last=n - 1)
        seen.add(i)
    return _escape_script_json(text.strip())


def _basemap(doc: MapDocument) -> dict[str, str] | None:
    if doc.basemap is False or doc.basemap is None:
        return None
    style = {True: "grau", "grau": "grau", "farbe": "farbe"}.get(doc.basemap)  # type: ignore[arg-type]
    if style is None:
        raise GeosozialError("maps.html.basemap", value=doc.basemap)
    year = doc.basemap_year
    if year is None:
        match = re.search(r"(?<!\d)(\d{4})(?!\d)", doc.date)  # 2024-12-31 or 31.12.2024
        if match is None:
            raise GeosozialError("maps.html.basemap_year")
        year = int(match.group(1))
    return {"url": BASEMAP_URL.replace("{style}", style),
            "attribution": TEXTS[doc.lang]["basemap"].format(year=int(year))}


@cache
def _asset(name: str) -> str:
    return (_ASSETS / name).read_text(encoding="utf-8")


@cache
def _leaflet_js() -> str:
    code = (_VENDOR / "leaflet.js").read_text(encoding="utf-8")
    code = re.sub(r"\n//# sourceMappingURL=\S*\s*$", "\n", code)
    licence = (_VENDOR / "LICENSE").read_text(encoding="utf-8").replace("\r\n", "\n")
    if "*/" in licence:
        raise RuntimeError("Leaflet LICENSE contains '*/'")
    return f"/*! Leaflet {LEAFLET_VERSION}, vendored in geosozial/maps/vendor/leaflet.\n" \
           f"{licence.strip()}\n*/\n{code}"


def _folium_map() -> tuple[str, str]:
    """The map element and the script that makes the Leaflet map, from folium.

    No tiles (the basemap, if asked for, is added by the page script), no default
    controls (the page adds zoom buttons with German titles, scale and attribution);
    the view is set from the data's bounds by the page script.
    """
    import folium

    fmap = folium.Map(location=[51.16, 10.45], zoom_start=6, tiles=None, zoom_control=False,
                      attribution_control=False, zoom_snap=0.25,
                      fade_animation=False)
    fmap._id = MAP_NAME.removeprefix("map_")
    if fmap.get_name() != MAP_NAME:
        raise RuntimeError(f"folium names the map {fmap.get_name()!r}, not {MAP_NAME!r}")
    macros = fmap._template.module
    div = macros.html(fmap, {}).strip()
    script = "\n".join(line.strip() for line in macros.script(fmap, {}).splitlines()
                       if line.strip())
    return div, script


@cache
def _leaflet_css() -> str:
    return (_VENDOR / "leaflet.css").read_text(encoding="utf-8")


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode(
        "ascii") + "'"


def _esc(value: str) -> str:
    return html.escape(str(value), quote=True)


def _paragraphs(value: str) -> str:
    parts = [p.strip() for p in re.split(r"\n\s*\n", value) if p.strip()]
    return "".join(f"<p>{_esc(p)}</p>" for p in parts)


def _page(doc: MapDocument, text: dict[str, Any], data: dict[str, Any], geojson: str,
          outlines: str | None, scripts: list[str], basemap: dict[str, str] | None,
          map_div: str) -> str:
    for code in scripts:
        if re.search(r"</script|<!--", code, re.IGNORECASE):
            raise RuntimeError("inlined script contains '</script' or '<!--'")
    for css in (_leaflet_css(), _asset("map.css")):
        if re.search(r"</style", css, re.IGNORECASE):
            raise RuntimeError("inlined CSS contains '</style'")
    img_src = "data:" + (f" {BASEMAP_HOST}" if basemap else "")
    csp = ("default-src 'none'; script-src " + " ".join(_sha256(s) for s in scripts)
           + "; style-src 'unsafe-inline'; img-src " + img_src
           + "; base-uri 'none'; form-action 'none'")
    first = data["layers"][0]
    shown = first["label"] if first["year"] is None else \
        text["label_year"].format(label=first["label"], year=first["year"])
    sub = [f'<span id="gs-active-label">{_esc(shown)}</span>']
    if doc.date:
        sub.append(f"{_esc(text['date'])}: {_esc(doc.date)}")
    foot = []
    if doc.source:
        foot.append(f"<p>{_esc(text['source'])}: {_esc(doc.source)}</p>")
    if doc.attribution:
        foot.append(f"<p>{_esc(text['geometry'])}: {_esc(doc.attribution)}</p>")
    if basemap:
        foot.append(f"<p>{_esc(basemap['attribution'])}</p>")
    if doc.method_note:
        foot.append(f"<p>{_esc(text['method'])}: {_esc(doc.method_note)}</p>")
    if doc.date:
        foot.append(f"<p>{_esc(text['date'])}: {_esc(doc.date)}</p>")
    foot.append(f"<p>{_esc(text['made_with'].format(version=LEAFLET_VERSION))}</p>")
    json_blocks = [f'<script type="application/json" id="gs-data">{script_json(data)}</script>',
                   f'<script type="application/json" id="gs-geometry">{geojson}</script>']
    if outlines is not None:
        json_blocks.append(
            f'<script type="application/json" id="gs-outlines">{outlines}</script>')
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{doc.lang}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta http-equiv="Content-Security-Policy" content="{_esc(csp)}">',
        '<meta name="referrer" content="no-referrer">',
        '<meta name="generator" content="geosozial">',
        f"<title>{_esc(doc.title)}</title>",
        f"<style>\n{_leaflet_css()}</style>",
        f"<style>\n{_asset('map.css')}</style>",
        "</head>",
        "<body>",
        f'<a class="gs-skip" href="#gs-table-heading">{_esc(text["skip"])}</a>',
        '<header class="gs-head">',
        f"<h1>{_esc(doc.title)}</h1>",
        f'<p class="gs-sub">{" · ".join(sub)}</p>',
        "</header>",
        "<main>",
        '<div class="gs-layout">',
        f'<div id="gs-map" role="region" aria-label="{_esc(text["map"])}: {_esc(doc.title)}">'
        f"{map_div}</div>",
        '<div class="gs-panel">',
        f'<div id="gs-switch" class="gs-switch" role="group" aria-labelledby="gs-switch-h" '
        f'hidden><h2 id="gs-switch-h">{_esc(text["switch"])}</h2>'
        '<div id="gs-switch-buttons"></div></div>',
        f'<div id="gs-year-box" class="gs-year" hidden><label for="gs-year">'
        f'{_esc(text["year"])}</label><select id="gs-year"></select></div>',
        '<section class="gs-legend" aria-labelledby="gs-legend-h">'
        f'<h2 id="gs-legend-h">{_esc(text["legend"])}</h2>'
        '<div id="gs-legend" aria-live="polite"></div></section>',
        '<p id="gs-status" class="gs-visually-hidden" role="status" aria-live="polite"></p>',
        "</div>",
        "</div>",
        f"<noscript><p class=\"gs-section\">{_esc(text['noscript'])}</p></noscript>",
        '<section class="gs-section" aria-labelledby="gs-summary-h">'
        f'<h2 id="gs-summary-h">{_esc(text["summary"])}</h2>'
        f'{_paragraphs(doc.summary)}<p id="gs-auto-summary"></p></section>',
        '<section class="gs-section" aria-labelledby="gs-table-heading">'
        f'<h2 id="gs-table-heading" tabindex="-1">{_esc(text["table"])}</h2>'
        '<div class="gs-table-wrap" role="region" aria-labelledby="gs-table-heading" '
        'tabindex="0"><table id="gs-table" class="gs-table"><caption></caption>'
        "<thead></thead><tbody></tbody></table></div></section>",
        "</main>",
        '<footer class="gs-foot">',
        *foot,
        "</footer>",
        *json_blocks,
        *(f"<script>{code}</script>" for code in scripts),
        "</body>",
        "</html>",
        "",
    ]
    return "\n".join(parts)
