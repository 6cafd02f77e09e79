"""Crosswalks between Gebietsstände: old keys -> new keys with shares, and their use.

A crosswalk ("Umsteigeschlüssel") gives each old key its shares in the new keys (the
shares of one old key sum to 1). Municipal mergers are whole-unit assignments (share
1); a split gives several shares. Counts are converted as the sum of count x share per
new key: a value that only moved whole units (a merger, a new key) is exact and flagged
``umgeschluesselt``, one built on a share below 1 is flagged ``geschaetzt``; rates are
never converted but recomputed from the converted counts.

Pure (standard library + numpy): the geopandas door derives crosswalks from two
geometry editions (:func:`geosozial.geo.crosswalk.derive_crosswalk`), the QGIS plugin
from layers, both through :func:`crosswalk_from_overlay`.

Example:
    >>> cw = Crosswalk([("14521030", "14521035", 1.0), ("14521050", "14521035", 1.0),
    ...                 ("14521460", "14521460", 1.0)], source="demo")
    >>> [c.kind for c in cw.changes()]
    ['merged_new']
    >>> from geosozial.core.tables.table import Table
    >>> t = Table.from_records([("14521030", "Aue", {"bev": (16000.0, "")}),
    ...                         ("14521050", "Bad Schlema", {"bev": (5000.0, "")})], "t.csv")
    >>> new = apply_crosswalk(t, cw)
    >>> new.keys, new.values["bev"].tolist(), new.flags["bev"]
    (['14521035'], [21000.0], ['umgeschluesselt'])
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from geosozial.core.messages import GeosozialError, Notice, define
from geosozial.core.number_format import number_text
from geosozial.core.symbols import (  # flags of converted values: umgeschluesselt, geschaetzt
    CONFIDENTIAL_FLAGS,
    FLAG_ESTIMATED,
    FLAG_RECODED,
    FLAG_SUPPRESSED,
    MISSING_FLAGS,
)
from geosozial.core.tables.table import Table

#: kinds of change, with their German words
CHANGE_KINDS = {
    "merged_existing": "eingegliedert, Schlüssel bleibt",
    "merged_new": "zusammengeschlossen, neuer Schlüssel",
    "rekeyed": "neuer Schlüssel",
    "split": "aufgeteilt (Anteile geschätzt)",
}

define("cw.shares",
       de="Umsteigeschlüssel {file}: die Anteile von {key} ergeben {total} statt 1.",
       en="crosswalk {file}: the shares of {key} sum to {total} instead of 1.")
define("cw.share_value",
       de="Umsteigeschlüssel {file}, Zeile {line}: Anteil {value!r} ist keine Zahl zwischen 0 "
       "und 1.",
       en="crosswalk {file}, line {line}: share {value!r} is not a number between 0 and 1.")
define("cw.not_count",
       de="{file}: Spalte {column} ist keine Anzahl (z. B. {example} bei {key}); umgerechnet "
       "werden nur Zählwerte, Quoten werden aus umgerechneten Zählern und Nennern neu "
       "berechnet. Bitte nur Zählwerte wählen (Anzahlspalten: {counts}).",
       en="{file}: column {column} is not a count (e.g. {example} for {key}); only counts are "
       "converted, rates are recomputed from converted numerators and denominators. Choose "
       "counts only (count columns: {counts}).")
define("cw.double",
       de="{file}: die Tabelle enthält {new} ({new_name}) und auch die früheren Gemeinden "
       "{old}; umgerechnet würden sie doppelt gezählt. Bitte eine Tabelle eines "
       "Gebietsstands verwenden.",
       en="{file}: the table holds {new} ({new_name}) and also its former municipalities "
       "{old}; converted they would be counted twice. Use a table of one Gebietsstand.")
define("cw.converted",
       de="{file}: auf den Gebietsstand {gebietsstand} umgerechnet: {merged} Zusammenschlüsse "
       "(exakt, Kennzeichen umgeschluesselt), {split} Aufteilungen (geschätzt, Kennzeichen "
       "geschaetzt); {kept} Schlüssel unverändert.",
       en="{file}: converted to the Gebietsstand {gebietsstand}: {merged} mergers (exact, "
       "flag umgeschluesselt), {split} splits (estimated, flag geschaetzt); {kept} keys "
       "unchanged.")
define("cw.unknown_keys",
       de="{file}: {n} Gemeindeschlüssel stehen nicht im Umsteigeschlüssel und bleiben "
       "unverändert: {keys}",
       en="{file}: {n} municipality keys are not in the crosswalk and stay as they are: "
       "{keys}")
define("cw.weight_fallback",
       de="Umsteigeschlüssel: {n} aufgeteilte Gemeinden enthalten keine Gewichtungspunkte; "
       "ihre Anteile bleiben Flächenanteile: {keys}",
       en="crosswalk: {n} split municipalities contain no weight points; their shares stay "
       "area shares: {keys}")
define("cw.untouched",
       de="{file}: {n} Gemeinden sind von den Gebietsänderungen des Umsteigeschlüssels nicht "
       "betroffen und bleiben unverändert.",
       en="{file}: {n} municipalities are not affected by the crosswalk's territorial "
       "changes and stay as they are.")
define("cw.noise",
       de="Umsteigeschlüssel: {n} Gemeinden haben Flächenanteile außerhalb ihrer Nachfolgerin "
       "unter der Toleranz von {tolerance} % (Generalisierungsunterschiede, keine "
       "Gebietsänderung); größter Anteil {largest} % bei {key} {name} ({km2} km²).",
       en="crosswalk: {n} municipalities have area shares outside their successor below the "
       "tolerance of {tolerance} % (differences of generalisation, no territorial change); "
       "largest {largest} % for {key} {name} ({km2} km²).")


@dataclass(frozen=True)
class Change:
    """One territorial change: old keys -> one new key, with its kind."""

    kind: str
    old: tuple[str, ...]
    new: str
    shares: tuple[float, ...]

    def text(self, old_names: Mapping[str, str], new_names: Mapping[str, str]) -> str:
        """``14521030 Aue, 14521050 Bad Schlema -> 14521035 Aue-Bad Schlema (...)``."""
        parts = ", ".join(f"{k} {old_names.get(k, '')}".strip() for k in self.old)
        return (f"{parts} → {self.new} {new_names.get(self.new, '')}".rstrip()
                + f" ({CHANGE_KINDS[self.kind]})")


@dataclass
class Crosswalk:
    """Old key -> new key with the old key's share; the shares of an old key sum to 1.

    ``noise`` lists, per old key, the largest area share outside its successor that was
    treated as generalisation noise (share, km²), for the report.
    """

    rows: list[tuple[str, str, float]]
    source: str = ""
    old_names: dict[str, str] = field(default_factory=dict)
    new_names: dict[str, str] = field(default_factory=dict)
    gebietsstand: str = ""
    noise: dict[str, tuple[float, float]] = field(default_factory=dict)
    notices: list[Notice] = field(default_factory=list)

    def successors(self, old: str) -> list[tuple[str, float]]:
        """The new keys of ``old`` with their shares."""
        return [(n, s) for o, n, s in self.rows if o == old]

    def predecessors(self, new: str) -> list[str]:
        """The old keys that (partly) went into ``new``."""
        return [o for o, n, _ in self.rows if n == new]

    @property
    def old_keys(self) -> list[str]:
        """The old keys in order."""
        return list(dict.fromkeys(o for o, _, _ in self.rows))

    def changes(self) -> list[Change]:
        """Every change, one per new key that is not a 1:1 continuation.

        Example:
            >>> Crosswalk([("1", "1", 1.0), ("2", "1", 1.0)]).changes()[0].kind
            'merged_existing'
        """
        by_new: dict[str, list[tuple[str, float]]] = {}
        for o, n, s in self.rows:
            by_new.setdefault(n, []).append((o, s))
        old_set = set(self.old_keys)
        out = []
        for new, parts in by_new.items():
            olds = tuple(o for o, _ in parts)
            shares = tuple(s for _, s in parts)
            if any(s < 1 for s in shares):
                kind = "split"
            elif len(olds) > 1:
                kind = "merged_existing" if new in old_set else "merged_new"
            elif olds[0] != new:
                kind = "rekeyed"
            else:
                continue
            out.append(Change(kind, olds, new, shares))
        return out

    def changed_territory(self) -> list[str]:
        """New keys that kept an old key but got territory (the join cannot see them).

        Example:
            >>> Crosswalk([("1", "1", 1.0), ("2", "1", 1.0)]).changed_territory()
            ['1']
        """
        return [c.new for c in self.changes() if c.new in c.old or
                (c.kind == "split" and c.new in self.old_keys)]

    def differences(self, lang: str = "de", *, minimum: float = 0.01) -> list[str]:
        """The generalisation differences (no territorial change), largest first, with
        their size: ``14521610 Tannenberg: 8,0 % der Fläche (0,64 km²)``; those below
        ``minimum`` (share) are counted in a last line.

        Example:
            >>> Crosswalk([("1", "1", 1.0)], old_names={"1": "A"},
            ...           noise={"1": (0.031, 0.2)}).differences()
            ['1 A: 3,1 % der Fläche (0,20 km²) in einer anderen Gemeinde']
        """
        order = sorted(self.noise.items(), key=lambda item: -item[1][0])
        big = [(k, v) for k, v in order if v[0] >= minimum]
        de = lang != "en"
        lines = [f"{k} {self.old_names.get(k, '')}".strip() + ": "
                 + f"{number_text(share * 100, 1)} % "
                 + ("der Fläche" if de else "of the area")
                 + f" ({number_text(km2, 2)} km²) "
                 + ("in einer anderen Gemeinde" if de else "in another municipality")
                 for k, (share, km2) in big]
        rest = len(order) - len(big)
        if rest:
            lines.append(f"{rest} " + ("weitere unter" if de else "more below")
                         + f" {number_text(minimum * 100, 0)} %")
        return lines

    def report(self, lang: str = "de") -> list[str]:
        """One line per change, German by default."""
        return [c.text(self.old_names, self.new_names) for c in self.changes()]


def check_shares(rows: Iterable[tuple[str, str, float]], source: str) -> None:
    """The shares of every old key sum to 1 (within 1e-6).

    Example:
        >>> check_shares([("1", "a", 0.5), ("1", "b", 0.5)], "cw.csv")
    """
    totals: dict[str, float] = {}
    for o, _, s in rows:
        totals[o] = totals.get(o, 0.0) + s
    for key, total in totals.items():
        if abs(total - 1.0) > 1e-6:
            raise GeosozialError("cw.shares", file=source, key=key, total=round(total, 6))


def crosswalk_from_overlay(
    old_keys: Sequence[str],
    old_areas: Sequence[float],
    pieces: Iterable[tuple[str, str, float]],
    *,
    tolerance: float = 0.2,
    old_names: Mapping[str, str] | None = None,
    new_names: Mapping[str, str] | None = None,
    source: str = "",
    weights: Iterable[tuple[str, str, float]] | None = None,
) -> Crosswalk:
    """A crosswalk from the intersection areas of two geometry editions.

    ``pieces`` are ``(old key, new key, area)`` of the overlay. Each old unit goes
    whole to the new unit that holds most of its area; parts in other new units below
    ``tolerance`` (share of the old unit's area) are differences of generalisation and
    only reported (largest share and its km² per key); a part of at least ``tolerance``
    makes a split with area shares.

    ``weights`` (optional) are ``(old key, new key, weight)`` per piece, e.g. the
    population of the Zensus grid points in it. Whether a unit is split is still decided
    by area (so a merger stays a whole-unit share 1 whatever lies in a sliver); the
    shares of a split are then the shares of its weight among the split's parts. A part
    without weight gets no row (a share of 0 carries nothing); a split whose parts hold
    no weight at all keeps its area shares and is reported (``cw.weight_fallback``).

    Examples
    --------
    >>> cw = crosswalk_from_overlay(["a", "b"], [100.0, 50.0],
    ...                             [("a", "X", 97.0), ("a", "Y", 3.0), ("b", "X", 50.0)])
    >>> cw.rows, cw.noise["a"]
    ([('a', 'X', 1.0), ('b', 'X', 1.0)], (0.03, 3e-06))
    >>> crosswalk_from_overlay(["a"], [100.0], [("a", "X", 60.0), ("a", "Y", 40.0)],
    ...                        weights=[("a", "X", 30.0), ("a", "Y", 90.0)]).rows
    [('a', 'Y', 0.75), ('a', 'X', 0.25)]
    """
    area = {k: float(a) for k, a in zip(old_keys, old_areas, strict=True)}
    parts: dict[str, dict[str, float]] = {k: {} for k in old_keys}
    for o, n, a in pieces:
        if o in parts and a > 0:
            parts[o][n] = parts[o].get(n, 0.0) + float(a)
    weight: dict[str, dict[str, float]] | None = None
    if weights is not None:
        weight = {}
        for o, n, w in weights:
            weight.setdefault(o, {})[n] = weight.get(o, {}).get(n, 0.0) + float(w)
    rows: list[tuple[str, str, float]] = []
    noise: dict[str, tuple[float, float]] = {}
    fallback: list[str] = []
    for key in old_keys:
        shares = {n: a / area[key] for n, a in parts[key].items() if area[key] > 0}
        if not shares:
            continue
        big = {n: s for n, s in shares.items() if s >= tolerance}
        if not big:
            big = {max(shares, key=shares.get): 1.0}
        small = {n: s for n, s in shares.items() if n not in big}
        if small:
            n_max = max(small, key=small.get)
            noise[key] = (round(small[n_max], 4), round(parts[key][n_max] / 1e6, 6))
        total = sum(big.values())
        if len(big) == 1:
            rows.append((key, next(iter(big)), 1.0))
            continue
        if weight is not None:
            held = {n: weight.get(key, {}).get(n, 0.0) for n in big}
            if sum(held.values()) > 0:
                big, total = {n: w for n, w in held.items() if w > 0}, sum(held.values())
            else:
                fallback.append(key)
        rows += [(key, n, s / total) for n, s in sorted(big.items(), key=lambda x: -x[1])]
    cw = Crosswalk(rows, source=source, old_names=dict(old_names or {}),
                   new_names=dict(new_names or {}), noise=noise)
    if fallback:
        cw.notices.append(Notice("cw.weight_fallback", "warning", n=len(fallback),
                                 keys=", ".join(f"{k} {cw.old_names.get(k, '')}".strip()
                                                for k in fallback[:20])))
    if noise:
        key = max(noise, key=lambda k: noise[k][0])
        cw.notices.append(Notice("cw.noise", "info", n=len(noise),
                                 tolerance=number_text(tolerance * 100, 0),
                                 largest=number_text(noise[key][0] * 100, 1), key=key,
                                 name=cw.old_names.get(key, ""),
                                 km2=number_text(noise[key][1], 2)))
    return cw


def crosswalk_from_table(table: Table, *, old_column: str | None = None,
                         new_column: str | None = None, share_column: str | None = None
                         ) -> Crosswalk:
    """A crosswalk from a plain table ``alt;neu;anteil`` (read by the core readers).

    The key column (``alt``/``AGS``) is the table's key; ``neu`` and ``anteil`` are found
    by name (``neu``, ``new``, ``ags_neu``; ``anteil``, ``share``, ``faktor``) unless given.
    A missing share means 1 (a whole-unit assignment).

    Examples
    --------
    >>> t = Table.from_records([("1001000", "", {"anteil": (1.0, "")})], "cw.csv",
    ...                        texts={"neu": ["01002000"]})
    >>> crosswalk_from_table(t).rows
    [('01001000', '01002000', 1.0)]
    """
    from geosozial.core.keys import normalize_key

    def pick(columns: Sequence[str], wanted: str | None, names: Sequence[str]) -> str | None:
        if wanted is not None:
            return wanted if wanted in columns else None
        folded = {c.casefold(): c for c in columns}
        return next((folded[n] for n in names if n in folded), None)

    new_col = pick([*table.text_columns, *table.value_columns], new_column,
                   ("neu", "new", "ags_neu", "ags neu", "schlüssel neu", "nachfolger"))
    share_col = pick(table.value_columns, share_column,
                     ("anteil", "share", "faktor", "gewicht", "weight"))
    if new_col is None:
        raise GeosozialError("table.no_key_column", file=table.source, wanted="neu",
                             columns=", ".join([*table.text_columns, *table.value_columns]))
    news = (table.texts[new_col] if new_col in table.texts else
            [str(int(v)) if v == v else "" for v in table.values[new_col]])
    rows = []
    for i, old in enumerate(table.keys):
        kind = "AGS" if len(old.strip()) in (7, 8) else "ARS"
        old_key = normalize_key(old, kind)[0]
        new_key = normalize_key(news[i], kind)[0]
        share = 1.0 if share_col is None else float(table.values[share_col][i])
        if not (0 < share <= 1) or math.isnan(share):
            raise GeosozialError("cw.share_value", file=table.source, line=table.lines[i],
                                 value=share)
        rows.append((old_key, new_key, share))
    check_shares(rows, table.source)
    stand = next((v for c, vals in table.texts.items() if c.casefold() == "gebietsstand"
                  for v in vals if v), "")
    new_names = dict(zip(news, table.texts.get("name_neu", [""] * len(news)), strict=True))
    old_names = table.texts.get("name_alt") or table.names
    return Crosswalk(rows, source=table.source, gebietsstand=stand,
                     old_names={normalize_key(k, "AGS" if len(k.strip()) in (7, 8) else "ARS")[0]:
                                n for k, n in zip(table.keys, old_names, strict=True)},
                     new_names={normalize_key(k, "AGS" if len(k) in (7, 8) else "ARS")[0]: n
                                for k, n in new_names.items() if k})


def apply_crosswalk(table: Table, cw: Crosswalk, columns: Sequence[str] | None = None, *,
                    gebietsstand: str = "") -> Table:
    """Bring the counts of ``table`` onto the crosswalk's new keys.

    Each new key gets the sum of count x share of its predecessors. A predecessor
    without a value (missing, confidential) makes the new value missing with that
    symbol (``geheim``/``.`` stay confidential, never a silent zero); a value from
    whole units only is flagged ``umgeschluesselt`` (exact) where it changed, one with a
    share below 1 ``geschaetzt``. Rows whose key is not in the crosswalk (Kreis and Land
    totals, other Länder) are kept as they are; municipal keys among them are reported.

    Raises
    ------
    GeosozialError
        A chosen column that is not a count (fractions, negative values), or a table that
        holds a merged unit and its former parts (they would be counted twice).

    Examples
    --------
    >>> cw = Crosswalk([("a", "a", 1.0), ("b", "a", 0.5), ("b", "c", 0.5)])
    >>> t = Table.from_records([("a", "", {"n": (10.0, "")}), ("b", "", {"n": (4.0, "")})],
    ...                        "t.csv")
    >>> out = apply_crosswalk(t, cw)
    >>> list(zip(out.keys, out.values["n"].tolist(), out.flags["n"]))
    [('a', 12.0, 'geschaetzt'), ('c', 2.0, 'geschaetzt')]
    """
    columns = list(table.value_columns if columns is None else columns)
    old_set = set(cw.old_keys)
    positions = {k: i for i, k in enumerate(table.keys)}
    counts = [c for c in table.value_columns if _is_count(table.values[c])]
    for c in columns:
        values = table.values[c]
        bad = np.flatnonzero(~np.isnan(values) & ((values < 0) | (values != np.round(values))))
        if bad.size:
            raise GeosozialError("cw.not_count", file=table.source, column=c,
                                 example=float(values[bad[0]]), key=table.keys[bad[0]],
                                 counts=", ".join(counts) or "keine")
    for change in cw.changes():
        if change.new not in old_set and change.new in positions and any(
                o in positions for o in change.old):
            raise GeosozialError("cw.double", file=table.source, new=change.new,
                                 new_name=cw.new_names.get(change.new, ""),
                                 old=", ".join(o for o in change.old if o in positions))
    targets: dict[str, list[tuple[int, float]]] = {}
    for o, n, s in cw.rows:
        if o in positions:
            targets.setdefault(n, []).append((positions[o], s))
    kept = [i for i, k in enumerate(table.keys) if k not in old_set]
    unknown = [table.keys[i] for i in kept if len(table.keys[i]) in (8, 12)
               and table.keys[i] not in cw.new_names]
    keys = list(targets) + [table.keys[i] for i in kept]
    names = [cw.new_names.get(k) or _name_of(table, targets[k]) for k in targets] + [
        table.names[i] for i in kept]
    values: dict[str, np.ndarray] = {}
    flags: dict[str, list[str]] = {}
    merged = split = unchanged = 0
    for c in columns:
        out = np.full(len(keys), np.nan)
        out_flags: list[str] = []
        for j, (new, parts) in enumerate(targets.items()):
            value, flag = _combine(table, c, new, parts)
            out[j] = value
            out_flags.append(flag)
        for j, i in enumerate(kept, start=len(targets)):
            out[j] = table.values[c][i]
            out_flags.append(table.flags[c][i])
        values[c] = out
        flags[c] = out_flags
    for new, parts in targets.items():
        if any(s < 1 for _, s in parts):
            split += 1
        elif len(parts) > 1 or table.keys[parts[0][0]] != new:
            merged += 1
        else:
            unchanged += 1
    notices = list(table.notices)
    stand = gebietsstand or cw.gebietsstand or "neu"
    notices.append(Notice("cw.converted", "repair", file=table.source, gebietsstand=stand,
                          merged=merged, split=split, kept=unchanged))
    changed = {o for c in cw.changes() for o in c.old}
    if unknown and set(cw.old_keys) <= changed:  # a list of the changes only
        notices.append(Notice("cw.untouched", "info", file=table.source, n=len(unknown)))
    elif unknown:
        notices.append(Notice("cw.unknown_keys", "warning", file=table.source, n=len(unknown),
                              keys=", ".join(unknown[:20])))
    meta = dict(table.meta, Gebietsstand=stand, umgerechnet_aus=table.meta.get(
        "Gebietsstand", table.meta.get("Stichtag", "")))
    lines = [table.lines[parts[0][0]] for parts in targets.values()] + [
        table.lines[i] for i in kept]
    return Table(keys=keys, names=names, values=values, flags=flags, lines=lines,
                 source=table.source, texts={}, notices=notices, meta=meta)


def _is_count(values: np.ndarray) -> bool:
    known = values[~np.isnan(values)]
    return bool((known >= 0).all() and (known == np.round(known)).all())


def _name_of(table: Table, parts: list[tuple[int, float]]) -> str:
    return " + ".join(table.names[i] for i, _ in parts if table.names[i])


def _combine(table: Table, column: str, new: str, parts: list[tuple[int, float]]
             ) -> tuple[float, str]:
    """The converted value of one new key from its predecessors' (value, flag, share)."""
    total = 0.0
    marks = []
    for i, share in parts:
        value, flag = float(table.values[column][i]), table.flags[column][i]
        if flag in CONFIDENTIAL_FLAGS:
            return math.nan, FLAG_SUPPRESSED if flag == FLAG_SUPPRESSED else flag
        if math.isnan(value) or flag in MISSING_FLAGS:
            return math.nan, flag or "keine_daten"
        total += value * share
        if flag and flag != "-":
            marks.append(flag)
    if any(s < 1 for _, s in parts):
        return total, FLAG_ESTIMATED
    if len(parts) > 1 or table.keys[parts[0][0]] != new:
        return total, FLAG_RECODED
    return total, table.flags[column][parts[0][0]]


define("cw.mapping_moved",
       de="Sozialraum-Zuordnung {file}: {n} Schlüssel des alten Gebietsstands auf die "
       "Nachfolger umgestellt: {moves}",
       en="Sozialraum mapping {file}: {n} keys of the old Gebietsstand moved to their "
       "successors: {moves}")
define("cw.mapping_conflict",
       de="Sozialraum-Zuordnung {file}, Zeile {line}: {old} {old_name} ({group}) gehört "
       "heute zu {new} {new_name}, das {other} zugeordnet ist. Eine Gemeinde kann nur in "
       "einem Sozialraum liegen; bitte die Zuordnung auf den heutigen Gebietsstand bringen.",
       en="Sozialraum mapping {file}, line {line}: {old} {old_name} ({group}) now belongs "
       "to {new} {new_name}, which is assigned to {other}. A municipality lies in one "
       "Sozialraum only; please bring the mapping onto today's Gebietsstand.")
define("cw.mapping_split",
       de="Sozialraum-Zuordnung {file}, Zeile {line}: {old} {old_name} wurde aufgeteilt "
       "({new}); welcher Sozialraum gilt, kann nicht abgeleitet werden. Bitte die "
       "heutigen Schlüssel zuordnen.",
       en="Sozialraum mapping {file}, line {line}: {old} {old_name} was split ({new}); "
       "which Sozialraum applies cannot be derived. Please assign today's keys.")


def mapping_on_new_keys(assignment: Mapping[str, str], lines: Mapping[str, int],
                        cw: Crosswalk, known: Iterable[str], source: str = ""
                        ) -> tuple[dict[str, str], list[Notice]]:
    """A Sozialraum mapping of an old Gebietsstand moved onto the crosswalk's new keys.

    A key that is not among ``known`` (today's areas) but is an old key of ``cw`` is
    replaced by its successor (reported); the successor keeps a Sozialraum it already
    has only if it is the same one (else an error, as for a split old unit, whose
    Sozialraum cannot be derived).

    Examples
    --------
    >>> cw = Crosswalk([("1", "3", 1.0), ("2", "3", 1.0)], old_names={"1": "A", "2": "B"})
    >>> new, notices = mapping_on_new_keys({"1": "Nord", "2": "Nord", "4": "Süd"},
    ...                                    {"1": 2, "2": 3, "4": 4}, cw, ["3", "4"])
    >>> new, notices[0].params["n"]
    ({'4': 'Süd', '3': 'Nord'}, 2)
    """
    known_set = set(known)
    out = {k: g for k, g in assignment.items() if k in known_set or not cw.successors(k)}
    moves = []
    for key, group in assignment.items():
        if key in out:
            continue
        successors = cw.successors(key)
        if len(successors) > 1:
            raise GeosozialError("cw.mapping_split", file=source, line=lines.get(key, "?"),
                                 old=key, old_name=cw.old_names.get(key, ""),
                                 new=", ".join(n for n, _ in successors))
        new = successors[0][0]
        if out.get(new, group) != group:
            raise GeosozialError("cw.mapping_conflict", file=source, line=lines.get(key, "?"),
                                 old=key, old_name=cw.old_names.get(key, ""), group=group,
                                 new=new, new_name=cw.new_names.get(new, ""), other=out[new])
        out[new] = group
        moves.append(f"{key} {cw.old_names.get(key, '')} → {new}".replace("  ", " "))
    notices = [Notice("cw.mapping_moved", "repair", file=source, n=len(moves),
                      moves=", ".join(moves))] if moves else []
    return out, notices
