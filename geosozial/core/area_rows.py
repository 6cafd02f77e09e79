"""Which rows of an areas file are municipalities, and their keys and names.

The rule of every door that reads municipality polygons (geopandas in
:func:`geosozial.geo.areas.read_areas`, QGIS in the plugin's project run): VG250 rows
that are no land area (``GF`` other than 4: water, coast) are left out (reported); the
key comes from the key field (any case), an ``AGS`` from ``ARS``/``RS`` when the file has
no AGS (reported), each normalised by :func:`~geosozial.core.keys.normalize_area_keys`;
``kreis`` keeps only the municipalities of these Kreise; the name from the name field or
the first of :data:`~geosozial.core.keys.NAME_FIELDS`; the edition is the latest ``WSK``
of the whole file. Geometry stays with the door.

Examples
--------
>>> cells = {"AGS": ["14522010", "14522020", "14522020"], "GEN": ["A", "B", "B See"],
...          "GF": [4, 4, 2], "WSK": ["2020-01-01", "2021-01-01", None]}
>>> rows = area_rows(list(cells), cells.__getitem__, "AGS", "vg250.gpkg")
>>> rows.keep, rows.keys, rows.names, rows.edition, [n.code for n in rows.notices]
([0, 1], ['14522010', '14522020'], ['A', 'B'], '2021-01-01', ['geo.gf_filter'])
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from geosozial.core.keys import (
    KEY_LENGTHS,
    NAME_FIELDS,
    ags_from_ars,
    kreis_mask,
    normalize_area_keys,
    parse_kreise,
)
from geosozial.core.messages import GeosozialError, Notice, define

define("geo.missing", de="Geometriedatei {file} nicht gefunden.",
       en="geometry file {file} not found.")
define("geo.unreadable", de="Geometriedatei {file} kann nicht gelesen werden: {error}",
       en="cannot read geometry file {file}: {error}")
define("geo.first_layer",
       de="{file} hat mehrere Layer; verwendet wird der erste ({layer}), weitere: {others}. "
       "Mit --layer einen anderen wählen.",
       en="{file} has several layers; the first ({layer}) is used, others: {others}. "
       "Choose another with --layer.")
define("geo.empty", de="Geometriedatei {file} enthält keine Objekte.",
       en="geometry file {file} contains no features.")
define("geo.nokey",
       de="Geometriedatei {file} hat kein Schlüsselfeld {key}. Vorhandene Felder: {fields}. "
       "Mit --key das richtige Feld wählen.",
       en="geometry file {file} has no key field {key}. Fields found: {fields}. "
       "Choose the right field with --key.")
define("geo.key_from_ars",
       de="{file}: kein Feld AGS, der AGS wurde aus dem Feld ARS abgeleitet ({n} Objekte).",
       en="{file}: no AGS field; AGS derived from the ARS field ({n} features).")
define("geo.gf_filter",
       de="{file}: VG250-Schema erkannt, nur Landflächen (GF = 4) behalten; {n} Objekte mit "
       "anderem GF ausgelassen (GF-Werte {values}).",
       en="{file}: VG250 schema found, land areas (GF = 4) kept; {n} features with another GF "
       "left out (GF values {values}).")
define("geo.null_geometry",
       de="{file}: {n} Objekte ohne Geometrie: {keys}. Sie bleiben erhalten, können aber "
       "nicht kartiert werden.",
       en="{file}: {n} features without geometry: {keys}. They are kept but cannot be mapped.")
define("geo.no_crs",
       de="{file} hat kein Koordinatenbezugssystem (CRS). Bitte die .prj-Datei ergänzen oder "
       "die Daten in QGIS mit CRS (z. B. EPSG:25832) neu speichern.",
       en="{file} has no coordinate reference system. Add the .prj file or save the data "
       "again with a CRS (e.g. EPSG:25832) in QGIS.")
define("geo.not_polygon_layer",
       de="{problem} Gelesen wurde der erste Layer {layer}; die Datei hat auch {others}: "
       "mit --layer NAME den Layer mit den Gemeindeflächen wählen.",
       en="{problem} The first layer {layer} was read; the file also has {others}: choose "
       "the layer with the municipality polygons with --layer NAME.")
define("geo.not_polygon",
       de="{file}: Objekt {row} ({key}) ist keine Fläche, sondern {geom_type}.",
       en="{file}: feature {row} ({key}) is not a polygon but {geom_type}.")

__all__ = ["AreaRows", "area_rows", "wsk_date"]

_DATE = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})")
_DATE_DE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")


@dataclass
class AreaRows:
    """The municipalities of an areas file: rows kept, keys, names, what was reported."""

    #: positions of the file's rows that are kept, in file order
    keep: list[int]
    keys: list[str]
    names: list[str]
    notices: list[Notice] = field(default_factory=list)
    #: the latest ``WSK`` of the whole file (``YYYY-MM-DD``), "" without one
    edition: str = ""
    #: the years of every ``WSK`` of the whole file (for the BKG credit)
    wsk_years: list[int] = field(default_factory=list)


def wsk_date(value: Any) -> str:
    """A ``WSK`` cell as ``YYYY-MM-DD`` ("" when it is none).

    Examples
    --------
    >>> wsk_date("2021-01-01"), wsk_date(_dt.date(2020, 9, 25)), wsk_date(None)
    ('2021-01-01', '2020-09-25', '')
    >>> wsk_date("01.01.2021"), wsk_date("2020/1/5"), wsk_date("2019-01-01T00:00:00")
    ('2021-01-01', '2020-01-05', '2019-01-01')
    """
    if value is None or value != value:  # NaN, NaT
        return ""
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.strftime("%Y-%m-%d")
    text = str(value).strip()
    found = _DATE.match(text)
    if found:
        year, month, day = found.groups()
    else:
        german = _DATE_DE.match(text)
        if not german:
            return ""
        day, month, year = german.groups()
    return f"{int(year):04d}-{int(month):02d}-{int(day):02d}"


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _land_rows(cells: Sequence[Any], file: str, notices: list[Notice]) -> list[int]:
    numbers = []
    for v in cells:
        try:
            numbers.append(float(v))
        except (TypeError, ValueError):
            numbers.append(math.nan)
    if 4.0 not in numbers:
        return list(range(len(cells)))
    dropped = [v for v in numbers if v != 4.0]
    if dropped:
        notices.append(Notice("geo.gf_filter", "repair", file=file, n=len(dropped),
                              values=sorted({int(v) for v in dropped if v == v})))
    return [i for i, v in enumerate(numbers) if v == 4.0]


def _keys(fields: Sequence[str], cells: Callable[[str], Sequence[Any]], rows: list[int],
          key: str, file: str, notices: list[Notice]) -> list[str]:
    kind = key.upper() if key.upper() in KEY_LENGTHS else None
    source_field = next((c for c in fields if c == key), None)
    if source_field is None:
        source_field = next((c for c in fields if c.upper() == key.upper()), None)
    derive_from_ars = False
    if source_field is None and kind == "ARS":
        source_field = next((c for c in fields if c.upper() == "RS"), None)
    if source_field is None and kind == "AGS":
        source_field = next((c for c in fields if c.upper() in ("ARS", "RS")), None)
        derive_from_ars = source_field is not None
    if source_field is None:
        raise GeosozialError("geo.nokey", file=file, key=key, fields=", ".join(fields))
    column = cells(source_field)
    keys, key_notices = normalize_area_keys([column[i] for i in rows],
                                            "ARS" if derive_from_ars else kind,
                                            source=file, field=source_field)
    notices.extend(key_notices)
    if derive_from_ars:
        keys = [ags_from_ars(k) for k in keys]
        notices.append(Notice("geo.key_from_ars", "repair", file=file, n=len(keys)))
    return keys


def area_rows(fields: Sequence[str], cells: Callable[[str], Sequence[Any]], key: str,
              file: str, *, name_field: str | None = None,
              kreis: str | Sequence[str] | None = None) -> AreaRows:
    """The municipalities of an areas file (the rule of every door).

    Parameters
    ----------
    fields : sequence of str
        The attribute fields of the file (not the geometry), in file order.
    cells : callable
        ``cells(field)`` -> the field's values, one per row of the file.
    key : str
        The key field (``AGS``, ``ARS`` or any field name).
    file : str
        The file (for messages).
    name_field : str, optional
        The name field (default: the first of :data:`NAME_FIELDS` the file has).
    kreis : str or sequence of str, optional
        Only the municipalities of these Kreise (reported).

    Returns
    -------
    AreaRows

    Raises
    ------
    GeosozialError
        No key field (``geo.nokey``, naming the fields), a key that cannot be repaired.
    """
    notices: list[Notice] = []
    dates = [wsk_date(v) for v in cells("WSK")] if "WSK" in fields else []
    dates = [d for d in dates if d]
    rows = _land_rows(cells("GF"), file, notices) if "GF" in fields else \
        list(range(len(cells(fields[0])) if fields else 0))
    keys = _keys(fields, cells, rows, key, file, notices)
    kreise = parse_kreise(kreis)
    if kreise:  # only these Kreise (keys starting with the Kreis key)
        inside, kreis_notices = kreis_mask(keys, kreise, file)
        notices.extend(kreis_notices)
        rows = [r for r, keep in zip(rows, inside, strict=True) if keep]
        keys = [k for k, keep in zip(keys, inside, strict=True) if keep]
    name_col = name_field or next((f for f in NAME_FIELDS if f in fields), None)
    if name_col:
        column = cells(name_col)
        names = ["" if _is_missing(column[r]) else str(column[r]) for r in rows]
    else:
        names = [""] * len(rows)
    return AreaRows(rows, keys, names, notices, max(dates, default=""),
                    [int(d[:4]) for d in dates])
