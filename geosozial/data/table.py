"""The indicator table every reader returns: keys, names, values and flags.

Example:
    >>> import pandas as pd
    >>> t = Table.from_records(
    ...     [("01001", "Flensburg", {"pop": (89504.0, "")})], source="x.csv")
    >>> t.keys.tolist(), t.value_columns, t.value("01001", "pop")
    (['01001'], ['pop'], 89504.0)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from geosozial.data.symbols import MISSING_FLAGS
from geosozial.messages import Notice


@dataclass
class Table:
    """Values and symbol flags of one indicator table, one row per source row.

    - ``frame``: columns ``key`` (str, as written in the source, never a number),
      ``name`` (str or empty) and one float column per value column; missing is NaN.
    - ``flags``: same index and value columns; each cell the official symbol
      (``"-"``, ``"."``, ``"x"``, ``"p"``, ...) or ``""`` for a plain number.
    - ``lines``: the 1-based line (CSV) or row (XLSX) each row came from, for messages.
    - ``notices``: warnings and repairs made while reading.
    - ``meta``: what the source says about itself (table code, title, Stichtag, Stand).
    """

    frame: pd.DataFrame
    flags: pd.DataFrame
    lines: list[int]
    source: str
    value_columns: list[str]
    notices: list[Notice] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)

    @property
    def keys(self) -> pd.Series:
        """The row keys as strings."""
        return self.frame["key"]

    def value(self, key: str, column: str) -> float:
        """The value of ``column`` for the (first) row with ``key``."""
        row = self.frame.index[self.frame["key"] == key][0]
        return float(self.frame.at[row, column])

    def flag(self, key: str, column: str) -> str:
        """The symbol flag of ``column`` for the (first) row with ``key``."""
        row = self.frame.index[self.frame["key"] == key][0]
        return str(self.flags.at[row, column])

    def count_flags(self, flag: str) -> int:
        """How many cells carry ``flag``."""
        return int((self.flags == flag).to_numpy().sum())

    def missing_mask(self) -> pd.DataFrame:
        """True where a cell has no value (NaN or a missing symbol)."""
        return self.frame[self.value_columns].isna() | self.flags.isin(MISSING_FLAGS)

    def select(self, columns: Iterable[str]) -> Table:
        """A table with only ``columns`` (value columns), keys and names kept."""
        cols = list(columns)
        return Table(
            frame=self.frame[["key", "name", *cols]].copy(),
            flags=self.flags[cols].copy(),
            lines=list(self.lines),
            source=self.source,
            value_columns=cols,
            notices=list(self.notices),
            meta=dict(self.meta),
        )

    @classmethod
    def from_records(
        cls,
        records: Iterable[tuple[str, str, dict[str, tuple[float, str]]]],
        source: str,
        lines: list[int] | None = None,
        notices: list[Notice] | None = None,
        meta: dict[str, str] | None = None,
    ) -> Table:
        """Build a table from ``(key, name, {column: (value, flag)})`` records.

        Example:
            >>> t = Table.from_records([("1", "", {"a": (0.0, "-")})], source="s")
            >>> t.flag("1", "a")
            '-'
        """
        records = list(records)
        columns: list[str] = []
        for _, _, cells in records:
            for c in cells:
                if c not in columns:
                    columns.append(c)
        frame = pd.DataFrame(
            {
                "key": pd.Series([str(r[0]) for r in records], dtype=object),
                "name": pd.Series([str(r[1]) for r in records], dtype=object),
            }
        )
        flags = pd.DataFrame(index=frame.index)
        for c in columns:
            frame[c] = np.array([r[2].get(c, (np.nan, ""))[0] for r in records], dtype=float)
            flags[c] = pd.Series([r[2].get(c, (np.nan, ""))[1] for r in records], dtype=object)
        return cls(
            frame=frame,
            flags=flags,
            lines=lines if lines is not None else list(range(1, len(records) + 1)),
            source=source,
            value_columns=columns,
            notices=notices or [],
            meta=meta or {},
        )
