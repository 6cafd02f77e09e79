"""Sozialräume: named groups of municipalities; counts summed, rates recomputed.

A member with a suppressed or missing count makes the Sozialraum's count "nicht
berechenbar" (never a silent zero); rates are the ratio of summed counts; the
confidentiality rule is applied to municipalities and Sozialräume together.

Works on :class:`~geosozial.core.columns.Columns`; the doors merge the geometries
of each Sozialraum themselves (``result.group_of``).

Example:
    >>> from geosozial.core.columns import Columns
    >>> m = SozialraumMapping({"1": "Nord", "2": "Nord"}, {"1": 2, "2": 3}, "m.csv")
    >>> c = Columns({"key": ["1", "2"], "name": ["A", "B"], "n": [10.0, 20.0],
    ...              "n_flag": ["", ""]})
    >>> aggregate(c, m, ["n"]).sozialraeume.numbers("n").tolist()
    [30.0]
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from geosozial.core.columns import Columns, as_text, flag_column, value_columns
from geosozial.core.confidentiality import DEFAULT_RULE, ConfidentialityRule
from geosozial.core.indicators import (
    FLAG_NOT_COMPUTABLE,
    FLAG_SUPPRESSED,
    Indicator,
    add_indicator,
    check_counts,
)
from geosozial.core.keys import normalize_key
from geosozial.core.messages import GeosozialError, Notice, define
from geosozial.core.protect import column_relations, known_values, protect_frames
from geosozial.core.variables import combine_flags, count_columns, derive_variables

GROUP_COLUMNS = ("sozialraum", "sozialregion", "planungsraum", "raum", "region", "gruppe")
KEY_COLUMNS = ("ags", "gemeindeschlüssel", "gemeindeschluessel", "schlüssel", "key", "ars")

define("map.missing", de="Zuordnungsdatei {file} nicht gefunden.",
       en="mapping file {file} not found.")
define("map.columns",
       de="{file}: Spalten für Schlüssel und Sozialraum nicht gefunden (erwartet z. B. "
       "'AGS;Sozialraum'). Vorhanden: {columns}",
       en="{file}: key and Sozialraum columns not found (expected e.g. 'AGS;Sozialraum'). "
       "Found: {columns}")
define("map.empty", de="{file} enthält keine Zuordnungen.", en="{file} contains no assignments.")
define("map.bad_key", de="{file}, Zeile {line}: {problem}", en="{file}, line {line}: {problem}")
define("map.no_group", de="{file}, Zeile {line}: Gemeinde {key} hat keinen Sozialraum.",
       en="{file}, line {line}: municipality {key} has no Sozialraum.")
define("map.conflict",
       de="{file}: Gemeinde {key} ist zwei Sozialräumen zugeordnet: {first} (Zeile {line1}) "
       "und {second} (Zeile {line2}).",
       en="{file}: municipality {key} is assigned to two Sozialräume: {first} (line {line1}) "
       "and {second} (line {line2}).")
define("map.similar",
       de="{file}, Zeile {line}: Sozialraum {second!r} unterscheidet sich von {first!r} nur in "
       "Groß-/Kleinschreibung; bitte einheitlich schreiben.",
       en="{file}, line {line}: Sozialraum {second!r} differs from {first!r} only in case; "
       "please write it the same way.")
define("map.dup", de="{file}: Gemeinde {key} steht doppelt (Zeilen {line1}, {line2}) mit "
       "demselben Sozialraum; einmal gezählt.",
       en="{file}: municipality {key} is listed twice (lines {line1}, {line2}) with the same "
       "Sozialraum; counted once.")
define("map.repaired", de="{file}: {n} Schlüssel repariert (z. B. Zeile {line}: {raw} → {key}).",
       en="{file}: {n} keys repaired (e.g. line {line}: {raw} → {key}).")
define("map.unknown_key",
       de="{file}, Zeile {line}: Gemeinde {key} ({group}) gibt es in den Geometrien nicht. "
       "Gebietsstand prüfen (Fusionen, Umgliederungen).",
       en="{file}, line {line}: municipality {key} ({group}) does not exist in the geometries. "
       "Check the territorial status (mergers, reorganisations).")
define("map.unassigned",
       de="{what} keinem Sozialraum zugeordnet: {keys}. Bitte in {file} ergänzen (oder mit "
       "--kreis auf einen Kreis beschränken).",
       en="{what_en} to no Sozialraum: {keys}. Please add them to {file} (or restrict to one "
       "Kreis with --kreis).")
define("agg.fractional_count",
       de="{variable} wird als Anzahl summiert, hat aber Werte mit Nachkommastellen (z. B. "
       "{example} bei {keys}); bitte prüfen, ob die richtige Spalte gewählt ist.",
       en="{variable} is summed as a count but has fractional values (e.g. {example} for "
       "{keys}); please check that the right column is chosen.")
define("agg.group_column",
       de="Die Gemeinden haben schon ein Feld {column} mit anderen Werten; die Zuordnung "
       "steht im Feld {renamed}.",
       en="the municipalities already have a field {column} with other values; the "
       "assignment is in the field {renamed}.")
define("agg.sum_missing",
       de="--sum {column}: diese Spalte gibt es nicht. Zahlenspalten: {known}",
       en="--sum {column}: there is no such column. Numeric columns: {known}")
define("agg.sum_not_numeric",
       de="--sum {column}: die Spalte ist keine Zahl (z. B. {example!r} bei {key}).",
       en="--sum {column}: the column is not numeric (e.g. {example!r} for {key}).")
define("agg.sum_gap",
       de="Sozialraum {group}: die Summe von {column} fehlt, weil diese Gemeinden keinen Wert "
       "haben: {members}",
       en="Sozialraum {group}: the sum of {column} is missing because these municipalities "
       "have no value: {members}")
define("agg.columns",
       de="Spalten der Sozialräume: als Anzahlen summiert: {counts}; aus Anzahlen neu "
       "berechnet: {rates}; als Summe übernommen (--sum): {sums}. Nicht zusammengefasst "
       "(Merkmale oder fertige Quoten der Gemeinden, sie stehen nur im Gemeinde-Layer): "
       "{others}. Flächen und andere Summen mit --sum SPALTE addieren, Quoten mit "
       "--indicator aus Anzahlen neu berechnen.",
       en="columns of the Sozialräume: summed as counts: {counts}; recomputed from counts: "
       "{rates}; summed (--sum): {sums}. Not aggregated (attributes or ready-made rates of "
       "the municipalities, kept in the municipal layer only): {others}. Add areas and "
       "other sums with --sum COLUMN, recompute rates from counts with --indicator.")
define("agg.not_joined",
       de="{file} enthält keine Wertespalten mit Kennzeichen (Spalte und Spalte_flag); bitte "
       "zuerst 'geosozial join' ausführen.",
       en="{file} has no value columns with flags (column and column_flag); run "
       "'geosozial join' first.")
define("agg.not_computable",
       de="Sozialraum {group}: {variable} ist nicht berechenbar, weil diese Gemeinden keinen "
       "Wert haben (geheim oder fehlend): {members}",
       en="Sozialraum {group}: {variable} cannot be computed because these municipalities "
       "have no value (suppressed or missing): {members}")


@dataclass
class SozialraumMapping:
    """Municipality key -> Sozialraum name, with the source line of each assignment."""

    assignment: dict[str, str]
    lines: dict[str, int]
    source: str
    notices: list[Notice] = field(default_factory=list)

    @property
    def groups(self) -> list[str]:
        """Sozialraum names in order of first appearance."""
        return list(dict.fromkeys(self.assignment.values()))


def read_mapping(path: str | Path, key_column: str | None = None,
                 group_column: str | None = None) -> SozialraumMapping:
    """Read a mapping table (CSV with ';' or ',' or XLSX): AGS -> Sozialraum.

    Example:
        >>> m = read_mapping("geodata/musterkreis/sozialraeume.csv")  # doctest: +SKIP
        >>> len(m.groups)  # doctest: +SKIP
        6
    """
    path = Path(path)
    file = str(path)
    if not path.exists():
        raise GeosozialError("map.missing", file=file)
    decoding_notices: list[Notice] = []
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from geosozial.core.tables.plain import cell_text, xlsx_sheets

        sheet = next(iter(xlsx_sheets(path).values()), [])
        filled = [(i, [cell_text(c) for c in r]) for i, r in sheet if any(cell_text(c)
                                                                          for c in r)]
        if not filled:
            raise GeosozialError("map.empty", file=file)
        header = filled[0][1]
        rows = [r for _, r in filled[1:]]
        first_line = filled[0][0] + 1
    else:
        from geosozial.core.tables.textfile import read_table_file

        decoded = read_table_file(path)  # one decoder for all tables: BOM, UTF-16, cp1252
        text, decoding_notices = decoded.text, decoded.notices
        sample = text[:4096]
        delimiter = ";" if sample.count(";") >= sample.count(",") else ","
        if "\t" in sample and sample.count("\t") > sample.count(delimiter):
            delimiter = "\t"
        table = [r for r in csv.reader(io.StringIO(text), delimiter=delimiter)]
        if not table:
            raise GeosozialError("map.empty", file=file)
        header, rows, first_line = [c.strip() for c in table[0]], table[1:], 2
    key_idx = _pick(header, key_column, KEY_COLUMNS)
    group_idx = _pick(header, group_column, GROUP_COLUMNS)
    if key_idx is None or group_idx is None:
        if len(header) == 2 and key_column is None and group_column is None:
            key_idx, group_idx = 0, 1
        else:
            raise GeosozialError("map.columns", file=file, columns=shown_columns(header))
    mapping = mapping_from_rows(
        ((first_line + offset, row[key_idx] if key_idx < len(row) else "",
          row[group_idx] if group_idx < len(row) else "") for offset, row in enumerate(rows)),
        file)
    mapping.notices[:0] = decoding_notices
    return mapping


def _text(value: object) -> str:
    return as_text(value).strip()


def shown_columns(header: Sequence[str]) -> str:
    """Column names for a message, but never the contents of a file that is no table.

    Example:
        >>> shown_columns(["AGS", "Name"]), shown_columns(["root:x:0:0:root:/root:/bin/bash"])
        ("'AGS', 'Name'", '(keine Spaltennamen erkennbar)')
    """
    names = [str(h) for h in header]
    if not names or len(names) > 30 or any(len(h) > 40 or not h.isprintable() or
                                           h.count(":") > 1 or "/" in h for h in names):
        return "(keine Spaltennamen erkennbar)"
    return ", ".join(repr(h) for h in names)


def mapping_from_rows(rows: Iterable[tuple[int, object, object]], source: str
                      ) -> SozialraumMapping:
    """The assignment rules for ``(line, key, Sozialraum)`` rows from any source.

    Keys are repaired (reported) or refused with the line; a missing Sozialraum, a
    municipality in two Sozialräume and names that differ only in case are errors; a
    repeated identical line is counted once (reported). Used for mapping files and for a
    Sozialraum field of a layer (QGIS).

    Examples
    --------
    >>> m = mapping_from_rows([(2, "14522450", " Nord "), (3, 1001000, "Nord")], "layer")
    >>> m.assignment, [n.code for n in m.notices]
    ({'14522450': 'Nord', '01001000': 'Nord'}, ['map.repaired'])
    """
    file = source
    assignment: dict[str, str] = {}
    lines: dict[str, int] = {}
    notices: list[Notice] = []
    repaired = []
    for line, raw_value, group_value in rows:
        raw_key = _text(raw_value)
        group = _text(group_value)
        if not raw_key and not group:
            continue
        try:
            key, was_repaired = normalize_key(raw_key, "AGS")
        except GeosozialError as exc:
            raise GeosozialError("map.bad_key", file=file, line=line, problem=exc.text()) from exc
        if was_repaired:
            repaired.append((line, raw_key, key))
        if not group:
            raise GeosozialError("map.no_group", file=file, line=line, key=key)
        group = " ".join(group.split())
        similar = next((g for g in assignment.values() if g != group
                        and g.casefold() == group.casefold()), None)
        if similar is not None:
            raise GeosozialError("map.similar", file=file, line=line, first=similar,
                                 second=group)
        if key in assignment:
            if assignment[key] != group:
                raise GeosozialError("map.conflict", file=file, key=key, first=assignment[key],
                                     line1=lines[key], second=group, line2=line)
            notices.append(Notice("map.dup", "repair", file=file, key=key, line1=lines[key],
                                  line2=line))
            continue
        assignment[key] = group
        lines[key] = line
    if not assignment:
        raise GeosozialError("map.empty", file=file)
    if repaired:
        line, raw_key, key = repaired[0]
        notices.append(Notice("map.repaired", "repair", file=file, n=len(repaired), line=line,
                              raw=raw_key, key=key))
    return SozialraumMapping(assignment, lines, file, notices)


def _pick(header: list[str], wanted: str | None, candidates: Sequence[str]) -> int | None:
    lowered = [h.strip().lower() for h in header]
    if wanted is not None:
        return lowered.index(wanted.lower()) if wanted.lower() in lowered else None
    for cand in candidates:
        if cand in lowered:
            return lowered.index(cand)
    return None


def check_mapping(mapping: SozialraumMapping, keys: Sequence[str],
                  names: Sequence[str] | None = None) -> None:
    """Raise if the mapping names an unknown municipality or misses one.

    Example:
        >>> m = SozialraumMapping({"14999010": "Nord"}, {"14999010": 2}, "m.csv")
        >>> check_mapping(m, ["14999010"])
    """
    known = set(keys)
    for key, group in mapping.assignment.items():
        if key not in known:
            raise GeosozialError("map.unknown_key", file=mapping.source, line=mapping.lines[key],
                                 key=key, group=group)
    label = dict(zip(keys, names, strict=True)) if names is not None else {}
    missing = [k for k in keys if k not in mapping.assignment]
    if missing:
        shown = ", ".join(f"{k} {label.get(k, '')}".strip() for k in missing[:20])
        n = len(missing)
        raise GeosozialError("map.unassigned", n=n, keys=shown, file=mapping.source,
                             what="1 Gemeinde ist" if n == 1 else f"{n} Gemeinden sind",
                             what_en="1 municipality belongs" if n == 1 else
                             f"{n} municipalities belong")


@dataclass
class AggregateResult:
    """Municipalities and Sozialräume with protected counts, recomputed rates and notices.

    ``group_of`` gives each municipality row the position of its Sozialraum in
    ``sozialraeume`` (the doors merge the geometries with it). ``kreis`` is one row: the
    whole area (all municipalities, see :func:`total_row`).
    """

    municipalities: Columns
    sozialraeume: Columns
    counts: list[str]
    indicators: list[str]
    notices: list[Notice]
    group_of: np.ndarray
    kreis: Columns = field(default_factory=Columns)


#: the name of the whole area's row (level ``Kreis``)
TOTAL_NAME = {"de": "Insgesamt", "en": "Total"}


def total_key(keys: Sequence[str]) -> str:
    """The key of the whole area: the Kreis (five digits) or Land (two digits) that all
    AGS/ARS keys share, otherwise ``"gesamt"``.

    Parameters
    ----------
    keys : sequence of str
        The municipality keys.

    Returns
    -------
    str

    Examples
    --------
    >>> total_key(["14522010", "14522020"]), total_key(["14522010", "14521000"])
    ('14522', '14')
    >>> total_key(["14522010", "09162000"]), total_key(["A", "B"])
    ('gesamt', 'gesamt')
    """
    texts = [str(k) for k in keys]
    if texts and all(len(k) in (8, 12) and k.isdigit() for k in texts):
        for width in (5, 2):
            if len({k[:width] for k in texts}) == 1:
                return texts[0][:width]
    return "gesamt"


def _group_total(values: np.ndarray, flags: Sequence[str], idx: np.ndarray
                 ) -> tuple[float, str, list[int]]:
    """The sum of ``values[idx]`` with its flag, or NaN and the rows that lack a value
    (a sum over a gap is never the sum of the rest)."""
    lacking = [int(i) for i in idx if np.isnan(values[i])]
    if lacking:
        return float("nan"), FLAG_NOT_COMPUTABLE, lacking
    total = float(values[idx].sum())
    return total, combine_flags([flags[i] for i in idx]) if total != 0 else "-", []


def total_row(members: Columns, counts: Sequence[str], protected: Sequence[str],
              rule: ConfidentialityRule | None) -> Columns:
    """The whole area as one row: every count summed over all municipalities.

    The sum is taken over the unprotected values (call it before the protection): the
    grand total is public in every protection problem
    (:meth:`~geosozial.core.confidentiality.Protection.for_table`), so it reveals no
    withheld cell. A municipality without a value (missing in the table) makes the total
    ``nicht_berechenbar``; a protected total that is itself small (``rule.is_secret``)
    is withheld.

    Parameters
    ----------
    members : Columns
        The municipalities with ``key`` and each count with its flag column.
    counts : sequence of str
    protected : sequence of str
        The counts under the confidentiality rule.
    rule : ConfidentialityRule or None

    Returns
    -------
    Columns
        One row: ``key`` (:func:`total_key`), ``name``, ``anzahl_gemeinden`` and the counts.

    Examples
    --------
    >>> m = Columns({"key": ["14522010", "14522020"], "n": [2.0, 40.0], "n_flag": ["", ""],
    ...              "k": [1.0, 0.0], "k_flag": ["", ""]})
    >>> t = total_row(m, ["n", "k"], ["n", "k"], ConfidentialityRule())
    >>> t["key"], t.numbers("n").tolist(), t["k_flag"]
    (['14522'], [42.0], ['geheim'])
    """
    keys = members.texts("key")
    row = Columns({"key": [total_key(keys)], "name": [TOTAL_NAME["de"]],
                   "anzahl_gemeinden": [float(len(keys))]})
    idx = np.arange(len(keys))
    for c in counts:
        total, flag, _ = _group_total(known_values(members, c), members.flags(c), idx)
        if rule is not None and c in protected and rule.is_secret(total):
            total, flag = float("nan"), FLAG_SUPPRESSED
        row[c] = [total]
        row[flag_column(c)] = [flag]
    return row


def aggregate(
    joined: Columns,
    mapping: SozialraumMapping,
    counts: Sequence[str],
    indicators: Sequence[Indicator] = (),
    rule: ConfidentialityRule | None = DEFAULT_RULE,
    source: str = "",
    protect: Sequence[str] | None = None,
    relations: Sequence[tuple[str, Sequence[str]]] = (),
) -> AggregateResult:
    """Aggregate municipal counts to Sozialräume and compute indicators on both levels.

    ``joined`` needs ``key``, ``name``, ``geometry`` and for each count ``c`` a column
    ``c_flag``. ``protect`` names the counts the confidentiality ``rule`` applies to (all
    if None), ``relations`` the additive relations between them (total = parts); with
    ``rule=None`` no confidentiality is applied (internal use only).

    Example:
        >>> res = aggregate(joined, mapping, ["sgb2_rlb", "bev_u65"],
        ...                 [CATALOGUE["sgb2_quote"]])  # doctest: +SKIP
    """
    keys = joined.texts("key")
    member_names = joined.texts("name") if "name" in joined else [""] * len(keys)
    names = dict(zip(keys, member_names, strict=True))
    check_mapping(mapping, keys, member_names)
    check_counts({c: joined.numbers(c) for c in counts}, keys, source)
    notices: list[Notice] = list(mapping.notices)
    groups = mapping.groups
    group_of = np.array([groups.index(mapping.assignment[k]) for k in keys])

    members = joined.copy()
    regions = Columns({
        "key": groups,
        "name": groups,
        "gemeinden": [", ".join(k for k, g in zip(keys, group_of, strict=True) if g == j)
                      for j in range(len(groups))],
        "anzahl_gemeinden": np.bincount(group_of, minlength=len(groups)).astype(float),
    })
    for c in counts:
        values = known_values(members, c)
        all_flags = members.flags(c)
        sums = np.full(len(groups), np.nan)
        region_flags = [""] * len(groups)
        for j, group in enumerate(groups):
            sums[j], region_flags[j], lacking = _group_total(
                values, all_flags, np.flatnonzero(group_of == j))
            if lacking:
                notices.append(Notice("agg.not_computable", "warning", group=group, variable=c,
                                      members=", ".join(f"{keys[i]} {names[keys[i]]}"
                                                        for i in lacking)))
        regions[c] = sums
        regions[flag_column(c)] = region_flags
    protected = list(counts) if protect is None else [c for c in counts if c in protect]
    total = total_row(members, counts, protected, rule)  # before the members are protected
    if rule is not None:
        others = [c for c in value_columns(members) if c not in counts]
        notices.extend(protect_frames(members, protected, group_of, rule, relations, regions,
                                      other_columns=others))
    for ind in indicators:
        for frame, frame_keys in ((members, keys), (regions, groups),
                                  (total, total.texts("key"))):
            notices.extend(add_indicator(frame, ind, frame_keys, source))
    return AggregateResult(members, regions, list(counts), [i.id for i in indicators], notices,
                           group_of, total)


def aggregate_joined(
    joined: Columns,
    mapping: SozialraumMapping,
    *,
    variables: Mapping[str, Sequence[str]] | None = None,
    indicators: Sequence[Indicator] = (),
    rule: ConfidentialityRule | None = DEFAULT_RULE,
    relations: Sequence[Any] = (),
    counts: Sequence[str] | None = None,
    protect: Sequence[str] | None = None,
    source: str = "",
    sums: Sequence[str] = (),
    edition: str | None = None,
) -> AggregateResult:
    """The aggregation of every front door: variables, counts, relations, then :func:`aggregate`.

    ``variables`` defines named sums of columns; whole-number value columns are the
    counts (or ``counts``); fractional columns (ready-made rates) are not summed (with
    a notice); declared ``relations`` and GENESIS label relations are checked against
    the data; both levels are protected at once. ``sums`` are additive columns that are
    no counts (an area in km², ``--sum Flaeche_km2``): summed per Sozialraum, not
    protected. The municipalities get the column ``sozialraum`` (for outlines and
    maps); one notice (``agg.columns``) says for every input column what became of it.
    When the municipalities carry VG250/VG5000's ``WSK``, the Sozialräume get it too:
    ``edition`` (the latest ``WSK`` of the whole file the areas came from) or the latest
    of the members, so that maps of the Sozialräume credit the BKG geometry they are
    dissolved from, with the edition's year.

    Examples
    --------
    >>> m = SozialraumMapping({"1": "Nord", "2": "Nord"}, {"1": 2, "2": 3}, "m.csv")
    >>> c = Columns({"key": ["1", "2"], "name": ["A", "B"], "a": [10.0, 20.0],
    ...              "a_flag": ["", ""], "b": [1.0, 5.0], "b_flag": ["", ""]})
    >>> r = aggregate_joined(c, m, variables={"ab": ["a", "b"]}, rule=None)
    >>> r.sozialraeume.numbers("ab").tolist(), r.counts
    ([36.0], ['a', 'b', 'ab'])
    """
    cols = derive_variables(joined, variables) if variables else joined.copy()
    if not value_columns(cols):
        raise GeosozialError("agg.not_joined", file=source)
    notices: list[Notice] = []
    if counts is None:
        counts = count_columns(cols, cols.texts("key"), notices)
    else:  # declared counts: say where a value is no whole number
        for c in counts:
            values = cols.numbers(c) if c in cols else np.array([])
            odd = np.flatnonzero(~np.isnan(values) & (values != np.round(values)))
            if odd.size:
                keys = cols.texts("key")
                notices.append(Notice("agg.fractional_count", "warning", variable=c,
                                      keys=", ".join(keys[i] for i in odd[:20]),
                                      example=float(values[odd[0]])))
    derived = [(v, list(parts)) for v, parts in (variables or {}).items() if len(parts) > 1
               and v in counts and all(c in counts for c in parts)]
    rels = column_relations(cols, list(counts), relations, notices) + derived
    result = aggregate(cols, mapping, list(counts), indicators, rule, source=source,
                       protect=protect, relations=rels)
    members = result.municipalities
    groups = [mapping.assignment[k] for k in members.texts("key")]
    same_name = [c for c in members.columns if c.casefold() == "sozialraum"]
    if not same_name:
        members["sozialraum"] = groups
    elif members.texts(same_name[0]) != groups:  # field names ignore case in GeoPackages
        members["sozialraum_zuordnung"] = groups
        result.notices.append(Notice("agg.group_column", "info", column=same_name[0],
                                     renamed="sozialraum_zuordnung"))
    _add_sums(result, joined, mapping, sums, source)
    if "WSK" in joined and "WSK" not in result.sozialraeume:
        dates = [d for d in joined.texts("WSK") if d.strip()]
        latest = edition or (max(dates) if dates else "")
        result.sozialraeume["WSK"] = [latest] * len(result.sozialraeume)
    result.notices[:0] = notices
    result.notices.append(_column_report(joined, result, sums))
    return result


def _add_sums(result: AggregateResult, joined: Columns, mapping: SozialraumMapping,
              sums: Sequence[str], source: str) -> None:
    """Sum the declared additive columns per Sozialraum (a gap leaves the sum missing)."""
    keys = joined.texts("key")
    groups = mapping.groups
    for column in sums:
        if column not in joined:
            known = [c for c in joined.columns if joined.is_numeric(c)
                     and not c.endswith("_flag")]
            raise GeosozialError("agg.sum_missing", column=column, known=", ".join(known))
        values = joined.numbers(column) if joined.is_numeric(column) else None
        if values is None:
            cells = joined.texts(column)
            bad = next(i for i, v in enumerate(cells) if str(v).strip())
            raise GeosozialError("agg.sum_not_numeric", column=column, example=cells[bad],
                                 key=keys[bad])
        result.kreis[column] = [float(values.sum())]  # NaN when a municipality lacks it
        totals = []
        for j, group in enumerate(groups):
            inside = result.group_of == j
            gap = inside & np.isnan(values)
            if gap.any():
                result.notices.append(Notice("agg.sum_gap", "warning", group=group,
                                             column=column, members=", ".join(
                                                 keys[i] for i in np.flatnonzero(gap)[:20])))
                totals.append(float("nan"))
            else:
                totals.append(float(values[inside].sum()))
        result.sozialraeume[column] = totals


def _column_report(joined: Columns, result: AggregateResult, sums: Sequence[str]) -> Notice:
    """Every input column: summed as a count, recomputed as a rate, summed, or not."""
    done = set(result.counts) | set(result.indicators) | set(sums)
    flags = {f"{c}_flag" for c in joined.columns}
    others = [c for c in joined.columns if c not in done and c not in flags
              and c not in ("key", "name", "geometry", "sozialraum")]

    def listed(names: Sequence[str]) -> str:
        return ", ".join(names) if names else "–"

    return Notice("agg.columns", "info", counts=listed(result.counts),
                  rates=listed(result.indicators), sums=listed(list(sums)),
                  others=listed(others))
