"""Which year a table belongs to, and the checks of a yearly data update.

A table filed under year Y whose own Stichtag says another year is an error (a 2023
file saved as ``sgb2_2024.csv`` must not become 2024); a year whose table has far fewer
keys than the previous year's is reported.

Example:
    >>> table_year({"Stichtag": "31.12.2023"}), table_year({"Stand": "11.04.2024"})
    (2023, None)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from geosozial.core.messages import GeosozialError, Notice, define

define("year.mismatch",
       de="{file} ist unter dem Jahr {year} eingetragen, die Tabelle selbst nennt aber den "
       "Stichtag {stichtag} ({found}). Bitte die Datei oder das Jahr prüfen.",
       en="{file} is filed under the year {year}, but the table itself names the reference "
       "date {stichtag} ({found}). Please check the file or the year.")
define("year.fewer_keys",
       de="{file} ({year}) hat nur {n} Schlüssel, das Vorjahr {previous_year} hatte "
       "{previous}; fehlen Gemeinden?",
       en="{file} ({year}) has only {n} keys, the year before ({previous_year}) had "
       "{previous}; are municipalities missing?")


def table_year(meta: Mapping[str, str]) -> int | None:
    """The year of a table's Stichtag (reference date), if the table names one.

    Examples
    --------
    >>> table_year({"Stichtag": "30.06.2019"}), table_year({})
    (2019, None)
    """
    stichtag = str(meta.get("Stichtag", ""))
    years = re.findall(r"(?<!\d)(19\d\d|20\d\d)(?!\d)", stichtag)
    return int(years[-1]) if years else None


define("year.gebietsstand",
       de="--gebietsstand {value!r}: erwartet wird ein Datum TT.MM.JJJJ (z. B. 01.01.2021) "
       "oder ein Jahr.",
       en="--gebietsstand {value!r}: a date DD.MM.YYYY (e.g. 01.01.2021) or a year is "
       "expected.")


def gebietsstand_year(text: str) -> int:
    """The year of a stated Gebietsstand: ``01.01.2021``, ``2021-01-01`` or ``2021``.

    Examples
    --------
    >>> gebietsstand_year("01.01.2021"), gebietsstand_year("2020-12-31")
    (2021, 2020)
    """
    value = str(text).strip()
    match = re.fullmatch(r"(?:\d{1,2}\.\d{1,2}\.)?(\d{4})|(\d{4})-\d{2}-\d{2}", value)
    if not match:
        raise GeosozialError("year.gebietsstand", value=text)
    return int(match.group(1) or match.group(2))


def check_table_year(meta: Mapping[str, str], year: int, file: str) -> None:
    """Refuse a table whose Stichtag names another year than the one it is filed under.

    Examples
    --------
    >>> check_table_year({"Stichtag": "31.12.2023"}, 2023, "sgb2_2023.csv")
    >>> try:
    ...     check_table_year({"Stichtag": "31.12.2023"}, 2024, "sgb2_2024.csv")
    ... except GeosozialError as exc:
    ...     print(exc.params["found"])
    2023
    """
    found = table_year(meta)
    if found is not None and found != year:
        raise GeosozialError("year.mismatch", file=file, year=year,
                             stichtag=meta.get("Stichtag", ""), found=found)


def fewer_keys(n: int, previous: int, *, year: int, previous_year: int, file: str,
               share: float = 0.9) -> list[Notice]:
    """A warning when a year has fewer than ``share`` of the previous year's keys.

    Examples
    --------
    >>> fewer_keys(30, 50, year=2023, previous_year=2022, file="t.csv")[0].code
    'year.fewer_keys'
    >>> fewer_keys(49, 50, year=2023, previous_year=2022, file="t.csv")
    []
    """
    if previous and n < share * previous:
        return [Notice("year.fewer_keys", "warning", file=file, year=year, n=n,
                       previous_year=previous_year, previous=previous)]
    return []


define("join.stand_hint",
       de="{file}: Stichtag {stichtag}, die Geometrien {areas} haben den Stand {edition}; "
       "{n} Gemeindeschlüssel der Tabelle haben keine Geometrie. Gemeinden können sich "
       "seither zusammengeschlossen haben: mit einem Umsteigeschlüssel (geosozial join "
       "--crosswalk UMSTEIGER.csv oder --old-areas mit den Geometrien des alten Stands; in "
       "QGIS der Parameter CROSSWALK) nennt der Bericht geänderte Gebiete und Nachfolger; "
       "umgerechnet wird mit 'geosozial crosswalk apply' bzw. geosozial:crosswalkapply.",
       en="{file}: reference date {stichtag}, the geometries {areas} are of {edition}; {n} "
       "municipality keys of the table have no geometry. Municipalities may have merged "
       "since: with a crosswalk (geosozial join --crosswalk CROSSWALK.csv or --old-areas "
       "with the old edition's geometries; in QGIS the parameter CROSSWALK) the report "
       "names changed territories and successors; 'geosozial crosswalk apply' or "
       "geosozial:crosswalkapply converts.")


def stand_hint(table: Any, known_keys: Iterable[str], edition: str, areas: str
               ) -> list[Notice]:
    """A hint when a table is older than the geometries and keys are left over.

    The table's year comes from its Stichtag (:func:`table_year`), the geometries' from
    their ``edition`` (the latest ``WSK``, ``YYYY-MM-DD`` or any text with a year).

    Examples
    --------
    >>> from geosozial.core.tables.table import Table
    >>> t = Table.from_records([("14521030", "Aue", {})], "bev_2015.csv",
    ...                        meta={"Stichtag": "31.12.2015"})
    >>> stand_hint(t, ["14521035"], "2020-09-25", "VG5000")[0].params["edition"]
    '25.09.2020'
    >>> stand_hint(t, ["14521030"], "2020-09-25", "VG5000")
    []
    """
    year = table_year(table.meta)
    iso = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", edition)
    if iso:
        edition = f"{iso.group(3)}.{iso.group(2)}.{iso.group(1)}"
    digits = [int(x) for x in re.findall(r"(?<!\d)(19\d\d|20\d\d)(?!\d)", edition)]
    if year is None or not digits or digits[-1] <= year:
        return []
    known = set(known_keys)
    left = [k for k in table.keys if len(k) in (8, 12) and k not in known]
    if not left:
        return []
    return [Notice("join.stand_hint", "warning", file=table.source,
                   stichtag=table.meta.get("Stichtag", year), areas=areas,
                   edition=edition, n=len(left))]
