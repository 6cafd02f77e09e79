"""Crosswalk and key-list files: BBSR Umsteigeschlüssel (XLSX), plain CSV, GV100AD.

:func:`read_crosswalk` is the one door the pipeline and the QGIS plugin use: a ``.csv``
(``alt;neu;anteil``, read by :func:`geosozial.core.crosswalk.crosswalk_from_table`) or a
BBSR workbook (``.xlsx``, :func:`read_bbsr_crosswalk`) becomes a
:class:`~geosozial.core.crosswalk.Crosswalk`. :func:`read_gv100ad` reads the key list of
the Destatis Gemeindeverzeichnis and :func:`key_list_changes` names the keys that
vanished, appeared or were renamed between two lists, for users without geometries.

Pure (standard library + numpy + the core XLSX reader): importable inside QGIS.

BBSR layout
-----------
The BBSR (Bundesinstitut für Bau-, Stadt- und Raumforschung) publishes "Umstiegsschlüssel"
for Gemeinden and Kreise (https://www.bbsr.bund.de/BBSR/DE/forschung/raumbeobachtung/
umstiegsschluessel/umstiegsschluessel.html; "Die Gebietsstände beziehen sich immer auf
den 31. Dezember"): files ``ref-gemeinden-umrech-2021-2011-2020.xlsx`` and
``ref-kreise-umrech-2020-1990-2019.xlsx``, one sheet per old Gebietsstand (``2015-2020``:
from 31.12.2015 to 31.12.2020). Checked against the real Kreise workbook shipped in the R
package ``ags`` (github.com/sumtxt/ags, ``data-raw/rawdata/``; its ``data-raw/xm20.R``
and ``colnames_2020.xlsx`` give the Gemeinde headers), one row per (old, new) pair::

    Kreise\\n 31.12.2019 | Kreisname 2019 | flächen-\\nproportionaler\\nUmsteige-schlüssel |
    bevölkerungs- \\nproportionaler \\nUmsteige- \\nschlüssel | beschäftigten- ... |
    Fläche am 31.12.2019 in km² | Bevölkerung am 31.12.2019 in 1000 | sozialvers.pflichtig
    Beschäftigte am Arbeitsort am 30.6.2019 in 1000 | Kreise\\n 31.12.2020 | Kreisname 2020

(Gemeinde files: ``Gemeinden 31.12.2015``, ``Gemeindename 2015``; the sheets before 1997
have no employment share). Keys are numbers (``1001000`` for ``01001000``; Kreise as
eight digits ``1001000`` for ``01001``), empty rows follow the data, a population share
can be 0. The reader finds the header by its content (title rows above it are skipped),
repairs the keys (7 -> 8 digits for AGS, 11 -> 12 for ARS; Kreise -> 5 digits), checks
that the shares of every old key sum to 1 and names file, sheet, row and column of any
cell it cannot read.

Examples
--------
>>> import tempfile, pathlib
>>> from geosozial.core.tables.xlsx import write_minimal_xlsx
>>> path = pathlib.Path(tempfile.mkdtemp()) / "ref-gemeinden-umrech.xlsx"
>>> write_minimal_xlsx(path, {"2015-2020": [
...     ["Gemeinden\\n 31.12.2015", "Gemeindename 2015", "flächen-\\nproportionaler\\n"
...      "Umsteige-schlüssel", "bevölkerungs- \\nproportionaler \\nUmsteige- \\nschlüssel",
...      "Gemeinden\\n 31.12.2020", "Gemeindename 2020"],
...     [1001000, "Flensburg", 1, 1, 1001000, "Flensburg"],
...     [1003000, "Lübeck", 0.5, 0.9, 1003000, "Lübeck"],
...     [1003000, "Lübeck", 0.5, 0.1, 1004000, "Neumünster"]]})
>>> cw = read_crosswalk(path, sheet=2015, share="population")
>>> cw.rows[1:], cw.gebietsstand
([('01003000', '01003000', 0.9), ('01003000', '01004000', 0.1)], '31.12.2020')
"""

from __future__ import annotations

import datetime
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from geosozial.core.crosswalk import Crosswalk, check_shares, crosswalk_from_table
from geosozial.core.keys import LAENDER, normalize_key
from geosozial.core.messages import GeosozialError, Notice, define

__all__ = ["SHARES", "GvRecord", "KeyChanges", "KeyList", "key_list_changes",
           "read_bbsr_crosswalk", "read_crosswalk", "read_gv100ad", "share_name"]

#: the shares of a BBSR Umsteigeschlüssel, with their German words
SHARES = {"flaeche": "flächenproportional", "bevoelkerung": "bevölkerungsproportional",
          "beschaeftigte": "beschäftigtenproportional"}
_SHARE_ALIASES = {
    "flaeche": "flaeche", "fläche": "flaeche", "flache": "flaeche", "area": "flaeche",
    "size": "flaeche", "bevoelkerung": "bevoelkerung", "bevölkerung": "bevoelkerung",
    "einwohner": "bevoelkerung", "population": "bevoelkerung", "pop": "bevoelkerung",
    "beschaeftigte": "beschaeftigte", "beschäftigte": "beschaeftigte",
    "employment": "beschaeftigte", "employees": "beschaeftigte", "emp": "beschaeftigte"}
#: the share used when none is chosen
DEFAULT_SHARE = "bevoelkerung"
#: rows searched for the header of a BBSR sheet
HEADER_ROWS = 30

define("cw.file_kind",
       de="Umsteigeschlüssel {file}: unbekanntes Dateiformat {suffix!r}; erwartet wird eine "
       "CSV-Datei (alt;neu;anteil) oder ein BBSR-Umsteigeschlüssel als XLSX.",
       en="crosswalk {file}: unknown file format {suffix!r}; a CSV file (alt;neu;anteil) or a "
       "BBSR crosswalk as XLSX is expected.")
define("cw.share_unknown",
       de="Umsteigeschlüssel {file}: {param} {value!r} ist unbekannt; möglich sind flaeche, "
       "bevoelkerung, beschaeftigte (auch area, population, employment).",
       en="crosswalk {file}: {param} {value!r} is unknown; use flaeche, bevoelkerung, "
       "beschaeftigte (or area, population, employment).")
define("cw.share_column",
       de="Umsteigeschlüssel {file}: {param} {value!r}: eine solche Anteilsspalte gibt es "
       "nicht. Spalten: {columns}",
       en="crosswalk {file}: {param} {value!r}: there is no such share column. Columns: "
       "{columns}")
define("cw.sheet_csv",
       de="Umsteigeschlüssel {file}: {param} {value!r} gilt nur für Arbeitsmappen (XLSX); eine "
       "CSV-Datei hat keine Tabellenblätter.",
       en="crosswalk {file}: {param} {value!r} applies to workbooks (XLSX) only; a CSV file "
       "has no sheets.")
define("cw.sheet_needed",
       de="Umsteigeschlüssel {file}: die Arbeitsmappe hat {n} Tabellenblätter; bitte das Jahr "
       "des alten Gebietsstands wählen ({param}), z. B. {example}. Blätter: {sheets}",
       en="crosswalk {file}: the workbook has {n} sheets; choose the year of the old "
       "Gebietsstand ({param}), e.g. {example}. Sheets: {sheets}")
define("cw.sheet_unknown",
       de="Umsteigeschlüssel {file}: {param} {value!r}: kein solches Tabellenblatt. Blätter: "
       "{sheets}",
       en="crosswalk {file}: {param} {value!r}: no such sheet. Sheets: {sheets}")
define("cw.bbsr_header",
       de="Umsteigeschlüssel {file}, Tabellenblatt {sheet}: in den ersten {rows} Zeilen steht "
       "keine Kopfzeile eines BBSR-Umsteigeschlüssels (erwartet: zwei Schlüsselspalten wie "
       "'Gemeinden 31.12.2015' und 'Gemeinden 31.12.2020' und Anteilsspalten wie "
       "'bevölkerungsproportionaler Umsteigeschlüssel').",
       en="crosswalk {file}, sheet {sheet}: the first {rows} rows hold no header of a BBSR "
       "crosswalk (expected: two key columns such as 'Gemeinden 31.12.2015' and 'Gemeinden "
       "31.12.2020' and share columns such as 'bevölkerungsproportionaler "
       "Umsteigeschlüssel').")
define("cw.bbsr_no_share",
       de="Umsteigeschlüssel {file}, Tabellenblatt {sheet}: es gibt keinen {kind}en "
       "Umsteigeschlüssel ({param} {value!r}); vorhanden: {available}.",
       en="crosswalk {file}, sheet {sheet}: there is no {kind} share ({param} {value!r}); "
       "available: {available}.")
define("cw.bbsr_cell",
       de="Umsteigeschlüssel {file}, Tabellenblatt {sheet}, Zeile {row}, Spalte {column} "
       "({header}): {problem}",
       en="crosswalk {file}, sheet {sheet}, row {row}, column {column} ({header}): {problem}")
define("cw.bbsr_empty",
       de="Umsteigeschlüssel {file}, Tabellenblatt {sheet}: unter der Kopfzeile (Zeile {row}) "
       "stehen keine Schlüssel.",
       en="crosswalk {file}, sheet {sheet}: there are no keys below the header (row {row}).")
define("cw.bbsr_read",
       de="Umsteigeschlüssel {file}, Tabellenblatt {sheet}: {n} Schlüssel des Stands {old} auf "
       "den Gebietsstand {new}, Anteile {kind}; {repaired} Schlüssel waren Zahlen ohne "
       "führende Null und wurden repariert.",
       en="crosswalk {file}, sheet {sheet}: {n} keys of {old} onto the Gebietsstand {new}, "
       "{kind} shares; {repaired} keys were numbers without leading zero and were repaired.")
define("cw.stand_differs",
       de="Umsteigeschlüssel {file}: der Ziel-Gebietsstand laut Datei ist {stated}, angegeben "
       "wurde {given}; verwendet wird {stated}.",
       en="crosswalk {file}: the file states the target Gebietsstand {stated}, {given} was "
       "given; {stated} is used.")
define("cw.problem_share",
       de="{value!r} ist kein Anteil zwischen 0 und 1.",
       en="{value!r} is not a share between 0 and 1.")
define("cw.problem_missing", de="die Zelle ist leer.", en="the cell is empty.")
define("cw.problem_key", de="{value!r} ist kein Gebietsschlüssel.",
       en="{value!r} is not an area key.")
define("gv.unreadable",
       de="GV100AD-Datei {file}: {error}", en="GV100AD file {file}: {error}")
define("gv.empty",
       de="GV100AD-Datei {file} enthält keine Sätze.", en="GV100AD file {file} holds no records.")
define("gv.line",
       de="GV100AD-Datei {file}, Zeile {line}: {problem}",
       en="GV100AD file {file}, line {line}: {problem}")
define("gv.problem_satzart",
       de="Satzart {value!r} ist unbekannt (erwartet 10, 20, 30, 40, 50 oder 60); ist das eine "
       "GV100AD-Datei?",
       en="record type (Satzart) {value!r} is unknown (10, 20, 30, 40, 50 or 60 expected); is "
       "this a GV100AD file?")
define("gv.problem_field",
       de="Feld {field} (Stellen {start}–{end}) {value!r}: {expected}",
       en="field {field} (positions {start}–{end}) {value!r}: {expected}")
define("gv.expect_date", de="kein Datum JJJJMMTT.", en="not a date YYYYMMDD.")
define("gv.expect_key", de="kein {digits}-stelliger Schlüssel mit Land 01–16.",
       en="not a {digits}-digit key with Land 01–16.")
define("gv.expect_verband", de="keine vierstellige Zahl.", en="not a four-digit number.")
define("gv.expect_number", de="keine ganze Zahl.", en="not a whole number.")
define("gv.stands",
       de="GV100AD-Datei {file}: Sätze mit {n} verschiedenen Gebietsständen ({stands}); "
       "verwendet wird {used}.",
       en="GV100AD file {file}: records of {n} different Gebietsstände ({stands}); {used} is "
       "used.")
define("gv.vanished", de="weggefallen: {key} {name}{hint}",
       en="vanished: {key} {name}{hint}")
define("gv.hint", de=" (mögliche Nachfolger: {keys})", en=" (possible successors: {keys})")
define("gv.appeared", de="neu: {key} {name}", en="new: {key} {name}")
define("gv.renamed", de="umbenannt: {key} {old} → {new}", en="renamed: {key} {old} → {new}")
define("gv.area", de="Fläche geändert: {key} {name} {old} ha → {new} ha",
       en="area changed: {key} {name} {old} ha → {new} ha")
define("gv.summary",
       de="Schlüssel {level} {old_stand} → {new_stand}: {vanished} weggefallen, {appeared} neu, "
       "{renamed} umbenannt, {area} mit geänderter Fläche.",
       en="keys {level} {old_stand} → {new_stand}: {vanished} vanished, {appeared} new, "
       "{renamed} renamed, {area} with a changed area.")


def share_name(value: str, *, source: str = "", param: str = "share") -> str:
    """The canonical share (``flaeche``, ``bevoelkerung``, ``beschaeftigte``) of a name.

    English aliases (``area``, ``population``, ``employment``) and umlauts are accepted;
    anything else is an error naming ``param``.

    Examples
    --------
    >>> share_name("population"), share_name("Fläche"), share_name("emp")
    ('bevoelkerung', 'flaeche', 'beschaeftigte')
    """
    canonical = _SHARE_ALIASES.get(str(value).strip().casefold())
    if canonical is None:
        raise GeosozialError("cw.share_unknown", file=source, param=param, value=value)
    return canonical


def read_crosswalk(path: str | Path, *, sheet: str | int | None = None,
                   share: str | None = None, gebietsstand: str = "") -> Crosswalk:
    """Read a crosswalk file, by its extension: CSV ``alt;neu;anteil`` or a BBSR XLSX.

    Parameters
    ----------
    path : str or Path
        ``.csv``/``.txt`` (plain table, see
        :func:`~geosozial.core.crosswalk.crosswalk_from_table`) or ``.xlsx``/``.xlsm``
        (BBSR Umsteigeschlüssel, see :func:`read_bbsr_crosswalk`).
    sheet : str or int, optional
        XLSX only: the sheet, by name (``"2015-2020"``) or by the year of the old
        Gebietsstand (``2015``). Needed when the workbook has several sheets.
    share : str, optional
        XLSX: ``flaeche``, ``bevoelkerung`` (default) or ``beschaeftigte`` (English
        ``area``, ``population``, ``employment``). CSV: the name of the share column
        (default: ``anteil``, ``share``, ``faktor``, ...).
    gebietsstand : str
        The target Gebietsstand where the file does not state it (``31.12.2021``).

    Returns
    -------
    Crosswalk

    Raises
    ------
    GeosozialError
        Unknown extension, sheet or share; unreadable cells (naming file, sheet, row and
        column); shares of an old key that do not sum to 1 (naming the key).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "umsteiger.csv"
    >>> _ = path.write_text("alt;neu;anteil\\n1001000;1002000;1\\n", encoding="utf-8")
    >>> cw = read_crosswalk(path, gebietsstand="31.12.2021")
    >>> cw.rows, cw.gebietsstand
    ([('01001000', '01002000', 1.0)], '31.12.2021')
    """
    from geosozial.core.tables.plain import read_plain_csv

    path = Path(path)
    suffix = path.suffix.casefold()
    if suffix in (".xlsx", ".xlsm"):
        return read_bbsr_crosswalk(path, sheet=sheet, share=share, gebietsstand=gebietsstand)
    if suffix not in (".csv", ".txt"):
        raise GeosozialError("cw.file_kind", file=str(path), suffix=path.suffix)
    if sheet is not None:
        raise GeosozialError("cw.sheet_csv", file=str(path), param="sheet", value=sheet)
    table = read_plain_csv(path, key_column="alt")
    if share is not None and share not in table.value_columns:
        raise GeosozialError("cw.share_column", file=str(path), param="share", value=share,
                             columns=", ".join(table.value_columns) or "-")
    cw = crosswalk_from_table(table, share_column=share)
    if not cw.gebietsstand:
        cw.gebietsstand = gebietsstand
    elif gebietsstand and gebietsstand != cw.gebietsstand:
        cw.notices.append(Notice("cw.stand_differs", "warning", file=str(path),
                                 stated=cw.gebietsstand, given=gebietsstand))
    return cw


# ---------------------------------------------------------------- BBSR Umsteigeschlüssel

@dataclass
class _Header:
    row: int
    old: int
    new: int
    old_name: int | None
    new_name: int | None
    shares: dict[str, int]
    texts: list[str]
    kind: str  # AGS, ARS or Kreis


def read_bbsr_crosswalk(path: str | Path, *, sheet: str | int | None = None,
                        share: str | None = None, gebietsstand: str = "") -> Crosswalk:
    """Read one sheet of a BBSR Umsteigeschlüssel workbook (see the module documentation).

    Parameters
    ----------
    path : str or Path
        The workbook (``ref-gemeinden-umrech-2021-2011-2020.xlsx``).
    sheet : str or int, optional
        The sheet by name or by the year of the old Gebietsstand (``2015`` finds
        ``2015`` or ``2015-2020``); may be left out when there is only one sheet.
    share : str, optional
        ``flaeche``, ``bevoelkerung`` (default) or ``beschaeftigte``; English ``area``,
        ``population``, ``employment``.
    gebietsstand : str
        The target Gebietsstand if neither the header (``Gemeinden 31.12.2020``) nor the
        sheet name (``2015-2020``) states it.

    Returns
    -------
    Crosswalk
        Old key -> new key with the chosen share (rows with share 0 left out), names of
        both Gebietsstände, the target Gebietsstand and a notice saying what was read.

    Raises
    ------
    GeosozialError
        Unknown sheet or share, no header, a cell that is no key or no share (naming
        file, sheet, row and column), or shares of an old key that do not sum to 1.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from geosozial.core.tables.xlsx import write_minimal_xlsx
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "kreise.xlsx"
    >>> write_minimal_xlsx(path, [["Umstiegsschlüssel Kreise"], [],
    ...     ["Kreise\\n 31.12.2007", "Kreisname 2007", "flächen-\\nproportionaler\\n"
    ...      "Umsteige-schlüssel", "Kreise\\n 31.12.2008", "Kreisname 2008"],
    ...     [14181000, "Mittweida", 1, 14522000, "Mittelsachsen"]], title="2007")
    >>> cw = read_bbsr_crosswalk(path, share="area")
    >>> cw.rows, cw.new_names, cw.gebietsstand
    ([('14181', '14522', 1.0)], {'14522': 'Mittelsachsen'}, '31.12.2008')
    """
    path = Path(path)
    file = str(path)
    canonical = DEFAULT_SHARE if share is None else share_name(share, source=file)
    title = _pick_sheet(_sheet_names(path), sheet, file)
    rows = _sheet_rows(path, title)
    header = _find_header(rows, file, title)
    if canonical not in header.shares:
        raise GeosozialError("cw.bbsr_no_share", file=file, sheet=title,
                             kind=SHARES[canonical], param="share",
                             value=share if share is not None else canonical,
                             available=", ".join(header.shares) or "-")
    column = header.shares[canonical]
    out: list[tuple[str, str, float]] = []
    old_names: dict[str, str] = {}
    new_names: dict[str, str] = {}
    repaired: set[str] = set()

    def cell_error(number: int, index: int, code: str, **params: object) -> GeosozialError:
        return GeosozialError("cw.bbsr_cell", file=file, sheet=title, row=number,
                              column=_letters(index), header=_display(header.texts[index]),
                              problem=Notice(code, **params).text())

    for number, cells in rows:
        if number <= header.row:
            continue
        old_cell, new_cell = _at(cells, header.old), _at(cells, header.new)
        share_cell = _at(cells, column)
        if _blank(new_cell) and _blank(share_cell) and (
                _blank(old_cell) or (isinstance(old_cell, str)
                                     and not old_cell.strip().isdigit())):
            continue  # an empty row, or a note below the table ("Quelle: BBSR ...")
        keys = []
        for index, cell in ((header.old, old_cell), (header.new, new_cell)):
            if _blank(cell):
                raise cell_error(number, index, "cw.problem_missing")
            key, padded = _bbsr_key(cell, header.kind)
            if key is None:
                raise cell_error(number, index, "cw.problem_key", value=cell)
            if padded and index == header.old:
                repaired.add(key)
            keys.append(key)
        if _blank(share_cell):
            raise cell_error(number, column, "cw.problem_missing")
        value = _share_value(share_cell)
        if value is None:
            raise cell_error(number, column, "cw.problem_share", value=share_cell)
        old_key, new_key = keys
        out.append((old_key, new_key, value))
        for index, store, key in ((header.old_name, old_names, old_key),
                                  (header.new_name, new_names, new_key)):
            if index is not None and not _blank(_at(cells, index)):
                store.setdefault(key, str(_at(cells, index)).strip())
    if not out:
        raise GeosozialError("cw.bbsr_empty", file=file, sheet=title, row=header.row)
    check_shares(out, f"{file}, Tabellenblatt {title}, {SHARES[canonical]}")
    old_stand = _stand(header.texts[header.old]) or _sheet_stand(title, 0)
    stated = _stand(header.texts[header.new]) or _sheet_stand(title, 1)
    notices: list[Notice] = []
    if stated and gebietsstand and stated != gebietsstand:
        notices.append(Notice("cw.stand_differs", "warning", file=file, stated=stated,
                              given=gebietsstand))
    stand = stated or gebietsstand
    notices.insert(0, Notice("cw.bbsr_read", "info", file=file, sheet=title,
                             n=len(dict.fromkeys(o for o, _, _ in out)), old=old_stand or "?",
                             new=stand or "?", kind=SHARES[canonical], repaired=len(repaired)))
    return Crosswalk([r for r in out if r[2] > 0], source=f"{file}, Tabellenblatt {title}",
                     old_names=old_names, new_names=new_names, gebietsstand=stand,
                     notices=notices)


def _sheet_names(path: Path) -> list[str]:
    from geosozial.core.tables.xlsx import sheet_names

    return sheet_names(path)


def _sheet_rows(path: Path, title: str) -> list[tuple[int, list[object]]]:
    """The rows of one sheet; formulas without a cached value are refused.

    A BBSR Gemeinde workbook holds ten sheets of ~11,000 rows; only the chosen one is
    parsed, through the core reader's workbook object (the whole workbook is read if
    that internal interface ever changes).
    """
    from geosozial.core.tables import xlsx

    uncached: list[str] = []
    try:
        book_class, opener = xlsx._Book, xlsx._open
        broken = (xlsx._Corrupt, *xlsx._BROKEN)
    except AttributeError:  # pragma: no cover - fallback for a changed reader
        found: dict[str, list[str]] = {}
        rows = xlsx.read_workbook(path, uncached=found)[title]
        uncached = found.get(title, [])
    else:
        with opener(path) as archive:
            try:
                book = book_class(archive)
                rows = book.rows(dict(book.sheets)[title], uncached)
            except broken as exc:
                raise GeosozialError("table.not_xlsx", file=str(path)) from exc
    xlsx.check_formulas(uncached, title, str(path))
    return rows


def _pick_sheet(names: Sequence[str], sheet: str | int | None, file: str) -> str:
    if sheet is None:
        if len(names) == 1:
            return names[0]
        example = next((y for y in map(_first_year, names) if y), "2015")
        raise GeosozialError("cw.sheet_needed", file=file, n=len(names), param="sheet",
                             example=example, sheets=", ".join(names))
    wanted = str(sheet).strip()
    if wanted in names:
        return wanted
    folded = [n for n in names if n.strip().casefold() == wanted.casefold()]
    if len(folded) == 1:
        return folded[0]
    by_year = [n for n in names if re.fullmatch(r"\d{4}", wanted) and _first_year(n) == wanted]
    if len(by_year) == 1:
        return by_year[0]
    raise GeosozialError("cw.sheet_unknown", file=file, param="sheet", value=sheet,
                         sheets=", ".join(names))


def _first_year(text: str) -> str:
    m = re.search(r"(?<!\d)(19|20)\d\d(?!\d)", text)
    return m.group(0) if m else ""


def _sheet_stand(title: str, which: int) -> str:
    """``31.12.YYYY`` of the ``which``-th year in a sheet name such as ``2015-2020``."""
    years = re.findall(r"(?<!\d)(?:19|20)\d\d(?!\d)", title)
    if which == 1 and len(years) < 2:
        return ""
    return f"31.12.{years[which]}" if len(years) > which else ""


def _stand(header: str) -> str:
    """The Gebietsstand a key header states: its date, or 31.12. of its year (BBSR:
    Gebietsstände always refer to 31 December)."""
    m = re.search(r"(\d{1,2})\.(\d{1,2})\.((?:19|20)\d\d)", header)
    if m:
        return f"{int(m.group(1)):02d}.{int(m.group(2)):02d}.{m.group(3)}"
    year = _first_year(header)
    return f"31.12.{year}" if year else ""


def _display(header: str) -> str:
    """A header cell on one line, words hyphenated across lines joined again."""
    text = re.sub(r"(?<=\w)-\s*\n\s*(?=[a-zäöüß])", "", header)
    return re.sub(r"\s+", " ", text).strip()


def _fold(text: object) -> str:
    """A header cell for matching: lower case, umlauts spelt out, no spaces or hyphens."""
    t = str(text).casefold()
    for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        t = t.replace(a, b)
    return re.sub(r"[\s\-‐­_]+", "", t)


def _key_column(folded: str) -> str | None:
    """``AGS``/``ARS``/``Kreis`` if a header names a key column, else None."""
    if "name" in folded or "umsteig" in folded or "umstieg" in folded:
        return None
    if folded.startswith(("regionalschluessel", "ars")) or "regionalschluessel" in folded:
        return "ARS"
    if folded.startswith("kreis") and not folded.startswith("kreisname"):
        return "Kreis"
    if folded.startswith("gemeinde") and not folded.startswith(
            ("gemeindeverband", "gemeindename")):
        return "AGS"
    if folded.startswith(("ags", "gemeindeschluessel", "schluessel", "gkz")):
        return "AGS"
    return None


def _share_column(folded: str) -> str | None:
    if not ("umsteig" in folded or "umstieg" in folded or "proportional" in folded):
        return None
    for prefix, kind in (("flaeche", "flaeche"), ("bevoelkerung", "bevoelkerung"),
                         ("einwohner", "bevoelkerung"), ("beschaeftigt", "beschaeftigte")):
        if folded.startswith(prefix):
            return kind
    return None


def _find_header(rows: Sequence[tuple[int, list[object]]], file: str, sheet: str) -> _Header:
    for number, cells in rows[:HEADER_ROWS]:
        texts = ["" if c is None else str(c) for c in cells]
        folded = [_fold(t) for t in texts]
        keys = [(i, k) for i, f in enumerate(folded) if f and (k := _key_column(f))]
        shares: dict[str, int] = {}
        for i, f in enumerate(folded):
            kind = _share_column(f) if f else None
            if kind:
                shares.setdefault(kind, i)
        if len(keys) < 2 or not shares:
            continue
        (first, kind), (second, _) = keys[0], keys[1]
        y1, y2 = _first_year(texts[first]), _first_year(texts[second])
        old, new = (second, first) if y1 and y2 and y1 > y2 else (first, second)
        names = [i for i, f in enumerate(folded) if "name" in f]

        def name_of(column: int, names: list[int] = names, others: tuple = (first, second)
                    ) -> int | None:
            after = [i for i in names if i > column and not any(column < o < i for o in others)]
            return after[0] if after else None

        return _Header(number, old, new, name_of(old), name_of(new), shares, texts, kind)
    raise GeosozialError("cw.bbsr_header", file=file, sheet=sheet, rows=HEADER_ROWS)


def _at(cells: Sequence[object], index: int) -> object:
    return cells[index] if index < len(cells) else None


def _blank(cell: object) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _bbsr_key(cell: object, kind: str) -> tuple[str | None, bool]:
    """(key, leading zero restored) of a key cell: AGS 8, ARS 12 or Kreis 5 digits (Kreise
    stored as eight digits ``14522000`` or five); None if the cell holds no such key."""
    if isinstance(cell, bool):
        return None, False
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    text = str(cell).strip()
    if isinstance(cell, str) and re.fullmatch(r"\d+[.,]0+", text):
        text = re.split(r"[.,]", text)[0]
    if not text.isdigit():
        return None, False
    length = len(text)
    if kind == "Kreis":
        if length in (7, 8) and text.endswith("000"):
            return _bbsr_key(text[:-3], kind)[0], length == 7
        if length in (4, 5) and text.zfill(5)[:2] in LAENDER:
            return text.zfill(5), length == 4
        return None, False
    try:
        if kind == "ARS" or length in (11, 12):
            return normalize_key(text, "ARS")[0], length == 11
        return normalize_key(text, "AGS")[0], length == 7
    except GeosozialError:
        return None, False


def _share_value(cell: object) -> float | None:
    if isinstance(cell, bool):
        return None
    if isinstance(cell, (int, float)):
        value = float(cell)
    else:
        text = str(cell).strip().replace(",", ".")
        try:
            value = float(text)
        except ValueError:
            return None
    if value != value or value < -1e-9 or value > 1 + 1e-9:
        return None
    return min(max(value, 0.0), 1.0)


def _letters(index: int) -> str:
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = chr(65 + rest) + out
    return out


# ---------------------------------------------------------------- GV100AD

#: Satzart -> level of the GV100AD records
SATZARTEN = {"10": "Land", "20": "Regierungsbezirk", "30": "Region", "40": "Kreis",
             "50": "Gemeindeverband", "60": "Gemeinde"}
#: (start, end) of the key in each Satzart, 0-based, end exclusive (see read_gv100ad)
_KEY_SLICES = {"10": (10, 12), "20": (10, 13), "30": (10, 14), "40": (10, 15),
               "50": (10, 15), "60": (10, 18)}


@dataclass(frozen=True)
class GvRecord:
    """One record of a GV100AD file.

    ``key`` is the key of its level (Land 2, Regierungsbezirk 3, Region 4, Kreis 5,
    Gemeindeverband 9, Gemeinde AGS 8 digits); ``ars`` the Regionalschlüssel (12 digits
    for a Gemeinde, 9 for a Gemeindeverband, else the key). ``area_ha``,
    ``population`` and ``population_male`` are given for Gemeinden (Satzart 60) only.
    """

    satzart: str
    level: str
    key: str
    ars: str
    name: str
    gebietsstand: str
    textkennzeichen: str = ""
    area_ha: int | None = None
    population: int | None = None
    population_male: int | None = None
    line: int = 0


@dataclass
class KeyList:
    """The records of one GV100AD file, with its Gebietsstand (``30.04.2021``)."""

    records: list[GvRecord]
    source: str = ""
    gebietsstand: str = ""
    notices: list[Notice] = field(default_factory=list)

    def names(self, level: str = "Gemeinde") -> dict[str, str]:
        """``{key: name}`` of one level (``Gemeinde``, ``Kreis``, ...), in file order.

        Example:
            >>> KeyList([GvRecord("40", "Kreis", "14522", "14522", "Mittelsachsen",
            ...                   "31.12.2021")]).names("Kreis")
            {'14522': 'Mittelsachsen'}
        """
        return {r.key: r.name for r in self.records if r.level == level}

    def record(self, key: str, level: str = "Gemeinde") -> GvRecord | None:
        """The record of ``key`` on ``level``, or None.

        Example:
            >>> KeyList([GvRecord("60", "Gemeinde", "14522450", "145225203450", "Ostrau",
            ...                   "31.12.2021")]).record("14522450").name
            'Ostrau'
        """
        return next((r for r in self.records if r.key == key and r.level == level), None)


def read_gv100ad(path: str | Path) -> KeyList:
    """Read a GV100AD file (Destatis Gemeindeverzeichnis, fixed-width records).

    Field positions (1-based, inclusive) as in the record description shipped with the
    Destatis files (GV-ISys, ``GV100AD_DDMMYYYY.txt`` with a PDF describing the format,
    https://www.destatis.de/DE/Themen/Laender-Regionen/Regionales/Gemeindeverzeichnis/
    _inhalt.html) and implemented identically by three public readers: the R package
    ``wiesbaden`` (github.com/sumtxt/wiesbaden, ``data-raw/GV100ADfwf.csv``), the Rust
    crate ``gv100ad`` (github.com/jgraef/gv100ad, ``src/parser.rs``, tested with real
    Saarland records of 30.04.2021) and ``gv100ad-py`` (github.com/openpotato/gv100ad-py,
    ``entities/``, tested with a real record of Eberbach, 31.01.2022):

    ========  =========================================================================
    1–2       Satzart: 10 Land, 20 Regierungsbezirk, 30 Region (Baden-Württemberg),
              40 Kreis, 50 Gemeindeverband, 60 Gemeinde
    3–10      Gebietsstand JJJJMMTT
    11–12     Land; 13 Regierungsbezirk; 14 Region (Satzart 30); 14–15 Kreis;
              16–18 Gemeinde (Satzart 60) - so 11–18 is the AGS
    19–22     Gemeindeverband (Satzart 50, 60); the ARS is 11–15 + 19–22 + 16–18
    23–72     Name
    73–122    Sitz der Verwaltung (Satzart 10–50)
    123–124   Textkennzeichen (Satzart 40, 50, 60; e.g. 63 Stadt, 64 Gemeinde)
    129–139   Fläche in ha (Satzart 60)
    140–150   Bevölkerung insgesamt (Satzart 60)
    151–161   Bevölkerung männlich (Satzart 60)
    ========  =========================================================================

    Positions count characters: the files are UTF-8 since about 2019 (Sorbian names),
    ISO-8859-1 before; both are read.

    Parameters
    ----------
    path : str or Path
        The ``GV100AD_*.txt`` (or ``.asc``) file.

    Returns
    -------
    KeyList
        All records, in file order, with the file's Gebietsstand (``DD.MM.YYYY``).

    Raises
    ------
    GeosozialError
        A missing or empty file, an unknown Satzart, a bad date or key (naming the line).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> line = ("60202104301004110001" "00" + "Saarbrücken, Landeshauptstadt".ljust(50)
    ...         + " " * 50 + "63" + " " * 4 + "00000016752" "00000180374" "00000089528")
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "GV100AD_300421.txt"
    >>> _ = path.write_text(line + "\\n", encoding="utf-8")
    >>> r = read_gv100ad(path).records[0]
    >>> r.key, r.ars, r.name, r.area_ha, r.population, r.gebietsstand
    ('10041100', '100410100100', 'Saarbrücken, Landeshauptstadt', 16752, 180374, '30.04.2021')
    """
    path = Path(path)
    file = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise GeosozialError("gv.unreadable", file=file, error=exc.strerror or str(exc)) from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    records: list[GvRecord] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        records.append(_gv_record(line.rstrip("\r\n"), number, file))
    if not records:
        raise GeosozialError("gv.empty", file=file)
    stands = Counter(r.gebietsstand for r in records)
    used = stands.most_common(1)[0][0]
    notices = []
    if len(stands) > 1:
        notices.append(Notice("gv.stands", "warning", file=file, n=len(stands),
                              stands=", ".join(stands), used=used))
    return KeyList(records, source=file, gebietsstand=used, notices=notices)


def _gv_record(line: str, number: int, file: str) -> GvRecord:
    def bad(field_name: str, start: int, end: int, code: str, **params: object
            ) -> GeosozialError:
        problem = Notice("gv.problem_field", field=field_name, start=start + 1, end=end,
                         value=line[start:end], expected=Notice(code, **params).text()).text()
        return GeosozialError("gv.line", file=file, line=number, problem=problem)

    satzart = line[:2]
    if satzart not in SATZARTEN:
        raise GeosozialError("gv.line", file=file, line=number, problem=Notice(
            "gv.problem_satzart", value=satzart).text())
    try:
        stand = datetime.datetime.strptime(line[2:10], "%Y%m%d").strftime("%d.%m.%Y")
    except ValueError:
        raise bad("Gebietsstand", 2, 10, "gv.expect_date") from None
    start, end = _KEY_SLICES[satzart]
    key = line[start:end]
    if len(key) != end - start or not key.isdigit() or key[:2] not in LAENDER:
        raise bad("Schlüssel", start, end, "gv.expect_key", digits=end - start)
    ars = key
    if satzart in ("50", "60"):
        verband = line[18:22]
        if not (len(verband) == 4 and verband.isdigit()):
            raise bad("Gemeindeverband", 18, 22, "gv.expect_verband")
        ars = key[:5] + verband + key[5:]
        if satzart == "50":
            key = ars
    textkennzeichen = line[122:124].strip() if satzart in ("40", "50", "60") else ""
    numbers: list[int | None] = [None, None, None]
    if satzart == "60":
        for i, (field_name, a, b) in enumerate((("Fläche", 128, 139),
                                                ("Bevölkerung", 139, 150),
                                                ("Bevölkerung männlich", 150, 161))):
            cell = line[a:b].strip()
            if cell and not cell.isdigit():
                raise bad(field_name, a, b, "gv.expect_number")
            numbers[i] = int(cell) if cell else None
    return GvRecord(satzart, SATZARTEN[satzart], key, ars, line[22:72].strip(), stand,
                    textkennzeichen, *numbers, line=number)


@dataclass
class KeyChanges:
    """Keys that vanished, appeared or changed between two key lists.

    ``candidates`` gives, per vanished key, the keys of the new list that may have taken
    it over: an appeared key with the same name; else the appeared or grown (area) keys
    of the same Kreis, those carrying its name first, then by the closest area gain;
    else (the Kreis itself is gone) those of
    the same Land whose area gain matches within 5 %. A hint for checking, not a
    crosswalk.
    """

    vanished: list[tuple[str, str]]
    appeared: list[tuple[str, str]]
    renamed: list[tuple[str, str, str]]
    area_changed: list[tuple[str, str, int, int]] = field(default_factory=list)
    candidates: dict[str, list[str]] = field(default_factory=dict)
    level: str = "Gemeinde"
    old_stand: str = ""
    new_stand: str = ""

    def report(self, lang: str | None = None) -> list[str]:
        """A summary line, then one line per change (German by default).

        Example:
            >>> key_list_changes({"1": "A", "2": "B"}, {"1": "A"}).report("en")
            ['keys Gemeinde ? → ?: 1 vanished, 0 new, 0 renamed, 0 with a changed area.', \
'vanished: 2 B']
        """
        from geosozial.core.number_format import number_text

        lines = [Notice("gv.summary", level=self.level, old_stand=self.old_stand or "?",
                        new_stand=self.new_stand or "?", vanished=len(self.vanished),
                        appeared=len(self.appeared), renamed=len(self.renamed),
                        area=len(self.area_changed)).text(lang)]
        for key, name in self.vanished:
            cands = self.candidates.get(key, [])
            hint = Notice("gv.hint", keys=", ".join(cands)).text(lang) if cands else ""
            lines.append(Notice("gv.vanished", key=key, name=name, hint=hint).text(lang))
        lines += [Notice("gv.appeared", key=k, name=n).text(lang) for k, n in self.appeared]
        lines += [Notice("gv.renamed", key=k, old=a, new=b).text(lang)
                  for k, a, b in self.renamed]
        lines += [Notice("gv.area", key=k, name=n, old=number_text(a, 0),
                         new=number_text(b, 0)).text(lang) for k, n, a, b in self.area_changed]
        return lines


def key_list_changes(old: KeyList | Mapping[str, str], new: KeyList | Mapping[str, str], *,
                     level: str = "Gemeinde", area_tolerance: float = 0.005) -> KeyChanges:
    """Which keys of ``level`` vanished, appeared or were renamed from ``old`` to ``new``.

    With GV100AD lists (areas in ha) the keys whose area changed by more than
    ``area_tolerance`` (share of the old area) are listed too (a municipality that took
    in another keeps its key but grows), and every vanished key gets its possible
    successors (see :class:`KeyChanges`).

    Parameters
    ----------
    old, new : KeyList or mapping of str to str
        Two key lists (:func:`read_gv100ad`) or ``{key: name}`` mappings.
    level : str
        ``Gemeinde`` (default), ``Gemeindeverband``, ``Kreis``, ... (KeyList only).
    area_tolerance : float
        Relative area change below which an area is unchanged (remeasurement).

    Returns
    -------
    KeyChanges

    Examples
    --------
    >>> ch = key_list_changes({"14521030": "Aue", "14521050": "Bad Schlema"},
    ...                       {"14521035": "Aue-Bad Schlema"})
    >>> ch.vanished, ch.appeared, ch.candidates["14521030"]
    ([('14521030', 'Aue'), ('14521050', 'Bad Schlema')], [('14521035', 'Aue-Bad Schlema')], \
['14521035'])
    """
    old_names = old.names(level) if isinstance(old, KeyList) else dict(old)
    new_names = new.names(level) if isinstance(new, KeyList) else dict(new)
    old_area = _areas(old, level)
    new_area = _areas(new, level)
    vanished = [(k, n) for k, n in old_names.items() if k not in new_names]
    appeared = [(k, n) for k, n in new_names.items() if k not in old_names]
    renamed = [(k, n, new_names[k]) for k, n in old_names.items()
               if k in new_names and new_names[k] != n]
    area_changed = [(k, old_names[k], old_area[k], new_area[k]) for k in old_names
                    if k in new_names and k in old_area and k in new_area
                    and abs(new_area[k] - old_area[k]) > area_tolerance * max(old_area[k], 1)]
    gains = {k: new_area[k] - a for k, _, a, _ in area_changed if new_area[k] > a}
    takers = [k for k, _ in appeared] + list(gains)
    by_name: dict[str, list[str]] = {}
    for k, n in appeared:
        by_name.setdefault(n, []).append(k)
    new_kreise = {k[:5] for k in new_names}
    candidates: dict[str, list[str]] = {}
    for key, name in vanished:
        size = old_area.get(key)

        def fit(k: str, size: int | None = size) -> float:
            """How far the area that ``k`` gained is from the vanished key's area."""
            gain = gains.get(k, new_area.get(k, 0))
            return 0.0 if size is None else abs(gain - size) / max(size, 1)

        stem = name.split(",")[0].strip()
        if name in by_name:  # the same name under a new key (e.g. after a Kreis reform)
            near = by_name[name]
        elif key[:5] in new_kreise:  # taken in within its Kreis; its name carried on first
            near = sorted((k for k in takers if k[:5] == key[:5]),
                          key=lambda k, stem=stem, fit=fit: (stem not in new_names[k], fit(k)))
        else:  # the Kreis is gone: only where an area gain fits
            near = sorted((k for k in takers if k[:2] == key[:2] and size is not None
                           and fit(k) <= 0.05), key=fit)
        if near:
            candidates[key] = near[:5]
    return KeyChanges(vanished, appeared, renamed, area_changed, candidates, level,
                      old.gebietsstand if isinstance(old, KeyList) else "",
                      new.gebietsstand if isinstance(new, KeyList) else "")


def _areas(keys: KeyList | Mapping[str, str], level: str) -> dict[str, int]:
    if not isinstance(keys, KeyList):
        return {}
    return {r.key: r.area_ha for r in keys.records if r.level == level and r.area_ha}
