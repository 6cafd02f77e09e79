"""The indicator table every reader returns: keys, names, values, flags and text attributes.

Value columns hold numbers and official symbols (value plus flag); text columns
(names, Kreis, remarks) are carried as attributes and never read as values.

Example:
    >>> t = Table.from_records(
    ...     [("01001", "Flensburg", {"pop": (89504.0, "")})], source="x.csv")
    >>> t.keys, t.value_columns, t.value("01001", "pop")
    (['01001'], ['pop'], 89504.0)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from geosozial.core.messages import Notice
from geosozial.core.symbols import MISSING_FLAGS


@dataclass
class Table:
    """Values and symbol flags of one indicator table, one row per source row.

    - ``keys``: the row keys as written in the source (text, never a number).
    - ``names``: the row names (or ``""``).
    - ``values``: value column -> float array (NaN where missing).
    - ``flags``: value column -> the official symbol of each cell (``"-"``, ``"."``,
      ``"x"``, ``"p"``, ...) or ``""`` for a plain number.
    - ``texts``: text attribute column -> list of ``str`` (names of the Kreis, remarks).
    - ``lines``: the 1-based line (CSV) or row (XLSX) each row came from, for messages.
    - ``notices``: warnings and repairs made while reading.
    - ``meta``: what the source says about itself (table code, title, Stichtag, Stand).
    """

    keys: list[str]
    names: list[str]
    values: dict[str, np.ndarray]
    flags: dict[str, list[str]]
    lines: list[int]
    source: str
    texts: dict[str, list[str]] = field(default_factory=dict)
    notices: list[Notice] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.keys)

    @property
    def value_columns(self) -> list[str]:
        """The value columns in source order."""
        return list(self.values)

    @property
    def text_columns(self) -> list[str]:
        """The text attribute columns in source order."""
        return list(self.texts)

    def row(self, key: str) -> int:
        """The position of the (first) row with ``key``."""
        return self.keys.index(key)

    def value(self, key: str, column: str) -> float:
        """The value of ``column`` for the (first) row with ``key``."""
        return float(self.values[column][self.row(key)])

    def flag(self, key: str, column: str) -> str:
        """The symbol flag of ``column`` for the (first) row with ``key``."""
        return self.flags[column][self.row(key)]

    def text(self, key: str, column: str) -> str:
        """The text attribute ``column`` for the (first) row with ``key``."""
        return self.texts[column][self.row(key)]

    def count_flags(self, flag: str) -> int:
        """How many cells carry ``flag``."""
        return sum(f == flag for flags in self.flags.values() for f in flags)

    def missing(self, column: str) -> np.ndarray:
        """True where a cell of ``column`` has no value (NaN or a missing symbol)."""
        return np.isnan(self.values[column]) | np.isin(
            np.asarray(self.flags[column], dtype=object), list(MISSING_FLAGS))

    def select(self, columns: Iterable[str]) -> Table:
        """A table with only the value columns ``columns``; keys, names and texts kept."""
        cols = list(columns)
        return Table(keys=list(self.keys), names=list(self.names),
                     values={c: self.values[c].copy() for c in cols},
                     flags={c: list(self.flags[c]) for c in cols}, lines=list(self.lines),
                     source=self.source, texts={c: list(v) for c, v in self.texts.items()},
                     notices=list(self.notices), meta=dict(self.meta))

    @classmethod
    def from_records(
        cls,
        records: Iterable[tuple[str, str, Mapping[str, tuple[float, str]]]],
        source: str,
        lines: list[int] | None = None,
        notices: list[Notice] | None = None,
        meta: dict[str, str] | None = None,
        texts: Mapping[str, Sequence[str]] | None = None,
    ) -> Table:
        """Build a table from ``(key, name, {column: (value, flag)})`` records.

        Examples
        --------
        >>> t = Table.from_records([("1", "", {"a": (0.0, "-")})], source="s",
        ...                        texts={"Kreis": ["Mittelsachsen"]})
        >>> t.flag("1", "a"), t.text("1", "Kreis")
        ('-', 'Mittelsachsen')
        """
        records = list(records)
        columns: list[str] = []
        for _, _, cells in records:
            for c in cells:
                if c not in columns:
                    columns.append(c)
        values = {c: np.array([r[2].get(c, (np.nan, ""))[0] for r in records], dtype=float)
                  for c in columns}
        flags = {c: [str(r[2].get(c, (np.nan, ""))[1]) for r in records] for c in columns}
        return cls(keys=[str(r[0]) for r in records], names=[str(r[1]) for r in records],
                   values=values, flags=flags,
                   lines=lines if lines is not None else list(range(1, len(records) + 1)),
                   source=source, texts={c: [str(v) for v in t] for c, t in (texts or {}).items()},
                   notices=notices or [], meta=meta or {})
