"""Named columns of equal length: the plain table every core rule works on.

The core never sees a pandas or QGIS object. The geopandas door
(:mod:`geosozial.geo.frames`) and the QGIS plugin turn frames or layers into
:class:`Columns` and back: number columns are float arrays (NaN for missing), text
columns (keys, names, flags, attributes) lists of ``str``. Value columns and their
``<column>_flag`` siblings follow one naming rule, :func:`flag_column`.

Example:
    >>> c = Columns({"key": ["1", "2"], "n": [3, None], "n_flag": ["", "."]})
    >>> len(c), c.columns, c.numbers("n").tolist(), value_columns(c)
    (2, ['key', 'n', 'n_flag'], [3.0, nan], ['n'])
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

#: suffix of the flag column that belongs to a value column
FLAG_SUFFIX = "_flag"


def flag_column(column: str) -> str:
    """The name of the flag column that belongs to ``column``.

    Parameters
    ----------
    column : str
        A value column.

    Returns
    -------
    str

    Examples
    --------
    >>> flag_column("sgb2_rlb")
    'sgb2_rlb_flag'
    """
    return f"{column}{FLAG_SUFFIX}"


def as_text(value: Any) -> str:
    """One cell as text: None and NaN are ``""``, whole floats lose their ``.0``.

    Examples
    --------
    >>> as_text(None), as_text(float("nan")), as_text(14522.0), as_text(" Aue ")
    ('', '', '14522', ' Aue ')
    """
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer():
            return str(int(value))
    return str(value)


def as_number(value: Any) -> float:
    """One cell as a float; None, empty text and non-numbers are NaN.

    Examples
    --------
    >>> as_number(3), as_number(None), as_number("2.5"), as_number("x")
    (3.0, nan, 2.5, nan)
    """
    if value is None or isinstance(value, bool):
        return math.nan
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        return math.nan


class Columns:
    """Ordered named columns of one length (a plain, pandas-free table).

    Parameters
    ----------
    data : mapping of str to sequence, optional
        Column name -> cells. Numeric sequences (numpy arrays, lists of numbers and
        None) are kept as float arrays; everything else as a list of ``str``.
    n : int, optional
        The number of rows (needed for an empty mapping).

    Examples
    --------
    >>> c = Columns({"key": ["a", "b"]})
    >>> c["v"] = np.array([1.0, 2.0])
    >>> c.take([1]).as_dict()
    {'key': ['b'], 'v': [2.0]}
    """

    def __init__(self, data: Mapping[str, Sequence[Any]] | None = None,
                 n: int | None = None) -> None:
        self._data: dict[str, Any] = {}
        self._n = n
        for name, cells in (data or {}).items():
            self[name] = cells
        if self._n is None:
            self._n = 0

    # --- mapping ----------------------------------------------------------------------

    def __len__(self) -> int:
        return int(self._n or 0)

    def __contains__(self, name: object) -> bool:
        return name in self._data

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __getitem__(self, name: str) -> Any:
        return self._data[name]

    def __setitem__(self, name: str, cells: Sequence[Any]) -> None:
        column = _column(cells)
        if self._n is None:
            self._n = len(column)
        elif len(column) != self._n:
            raise ValueError(f"column {name!r} has {len(column)} cells, expected {self._n}")
        self._data[name] = column

    def __delitem__(self, name: str) -> None:
        del self._data[name]

    def __repr__(self) -> str:
        return f"Columns(n={len(self)}, columns={self.columns})"

    @property
    def columns(self) -> list[str]:
        """Column names in order."""
        return list(self._data)

    # --- typed access -----------------------------------------------------------------

    def numbers(self, name: str) -> np.ndarray:
        """A column as a float array (a copy; text that is no number is NaN)."""
        column = self._data[name]
        if isinstance(column, np.ndarray):
            return column.astype(float, copy=True)
        return np.array([as_number(v) for v in column], dtype=float)

    def texts(self, name: str) -> list[str]:
        """A column as a list of ``str`` (NaN and None are ``""``)."""
        column = self._data[name]
        if isinstance(column, np.ndarray):
            return [as_text(float(v)) for v in column]
        return list(column)

    def is_numeric(self, name: str) -> bool:
        """True if the column holds numbers."""
        return isinstance(self._data[name], np.ndarray)

    def flags(self, name: str) -> list[str]:
        """The flags of value column ``name`` (all ``""`` if it has no flag column)."""
        flag = flag_column(name)
        return self.texts(flag) if flag in self._data else [""] * len(self)

    # --- new tables ---------------------------------------------------------------------

    def copy(self) -> Columns:
        """An independent copy."""
        out = Columns(n=len(self))
        for name, column in self._data.items():
            out._data[name] = column.copy() if isinstance(column, np.ndarray) else list(column)
        return out

    def take(self, rows: Iterable[int]) -> Columns:
        """The rows at the positions ``rows``, in that order."""
        index = np.asarray(list(rows), dtype=np.int64)
        out = Columns(n=len(index))
        for name, column in self._data.items():
            out._data[name] = (column[index] if isinstance(column, np.ndarray)
                               else [column[i] for i in index])
        return out

    def select(self, names: Iterable[str]) -> Columns:
        """Only the columns ``names`` (in that order)."""
        out = Columns(n=len(self))
        for name in names:
            out._data[name] = self._data[name]
        return out.copy()

    def as_dict(self) -> dict[str, list[Any]]:
        """Plain lists (for JSON and tests)."""
        return {name: (column.tolist() if isinstance(column, np.ndarray) else list(column))
                for name, column in self._data.items()}


def _column(cells: Sequence[Any]) -> Any:
    if isinstance(cells, np.ndarray):
        if cells.dtype.kind in "fiub":
            return cells.astype(float)
        cells = cells.tolist()
    cells = list(cells)
    numeric = all(v is None or (isinstance(v, (int, float, np.integer, np.floating))
                                and not isinstance(v, bool)) for v in cells)
    if numeric and any(v is not None for v in cells):
        return np.array([math.nan if v is None else float(v) for v in cells], dtype=float)
    return [as_text(v) for v in cells]


def value_columns(columns: Columns | Mapping[str, Any]) -> list[str]:
    """Columns that have a flag sibling (``c`` and ``c_flag``), in order.

    Examples
    --------
    >>> value_columns(Columns({"a": [1], "a_flag": [""], "b": [2]}))
    ['a']
    """
    names = list(columns.columns if isinstance(columns, Columns) else columns)
    present = set(names)
    return [c for c in names if flag_column(str(c)) in present]
