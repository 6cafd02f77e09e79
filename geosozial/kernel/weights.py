"""Spatial weights as one canonical structure: a CSR matrix plus ids and a transform.

Builders (contiguity from coordinate arrays, k nearest neighbours, distance band) live
in :mod:`geosozial.kernel.contiguity` and :mod:`geosozial.kernel.distance`; they all
return :class:`Weights`. Transforms return new objects. numpy + scipy only.

Example:
    >>> import numpy as np
    >>> w = Weights.from_pairs(3, np.array([0, 1]), np.array([1, 2]), kind="queen")
    >>> w.cardinalities.tolist(), w.islands.tolist()
    ([1, 2, 1], [])
    >>> w.row_standardised().sparse.sum(axis=1).tolist()
    [1.0, 1.0, 1.0]
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import sparse

TRANSFORMS = ("B", "R", "V")  # binary, row-standardised, values as built (e.g. 1/d)


class WeightsError(ValueError):
    """Weights that cannot be used (wrong shape, negative weights, ...)."""


@dataclass(frozen=True)
class Weights:
    """n × n spatial weights; row i holds the neighbours of observation i.

    ``kind`` says how they were built (``queen``, ``rook``, ``knn:5``,
    ``distance:2000``, ...), ``transform`` is ``B`` (binary), ``R`` (row-standardised)
    or ``V`` (values as built, e.g. inverse distance). ``ids`` are the observation keys.
    """

    sparse: sparse.csr_array
    kind: str = "custom"
    transform: str = "B"
    ids: tuple[str, ...] | None = None
    meta: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        m = sparse.csr_array(self.sparse, dtype=float)
        m.sum_duplicates()
        m.sort_indices()
        m.eliminate_zeros()
        if m.shape[0] != m.shape[1]:
            raise WeightsError(f"weights must be square, got {m.shape}")
        if m.nnz and m.data.min() < 0:
            raise WeightsError("weights must not be negative")
        if m.diagonal().any():
            raise WeightsError("weights must have an empty diagonal (no self-neighbours)")
        if self.ids is not None and len(self.ids) != m.shape[0]:
            raise WeightsError(f"{len(self.ids)} ids for {m.shape[0]} observations")
        if self.transform not in TRANSFORMS:
            raise WeightsError(f"transform must be one of {TRANSFORMS}")
        object.__setattr__(self, "sparse", m)

    @classmethod
    def from_pairs(cls, n: int, i: np.ndarray, j: np.ndarray, values: np.ndarray | None = None,
                   *, symmetric: bool = True, kind: str = "custom",
                   ids: tuple[str, ...] | None = None) -> Weights:
        """Binary (or valued) weights from neighbour pairs; ``symmetric`` adds (j, i).

        With ``values``, list each pair once (duplicates are summed).

        Example:
            >>> Weights.from_pairs(2, np.array([0]), np.array([1])).sparse.toarray().tolist()
            [[0.0, 1.0], [1.0, 0.0]]
        """
        i = np.asarray(i, dtype=np.int64)
        j = np.asarray(j, dtype=np.int64)
        v = np.ones(len(i)) if values is None else np.asarray(values, dtype=float)
        keep = i != j
        i, j, v = i[keep], j[keep], v[keep]
        if symmetric:
            i, j, v = np.concatenate([i, j]), np.concatenate([j, i]), np.concatenate([v, v])
        m = sparse.coo_array((v, (i, j)), shape=(n, n)).tocsr()
        m.sum_duplicates()
        if values is None:
            m.data[:] = 1.0  # a pair listed twice is still one neighbour
        return cls(m, kind=kind, transform="B" if values is None else "V", ids=ids)

    @property
    def n(self) -> int:
        """Number of observations."""
        return int(self.sparse.shape[0])

    @property
    def cardinalities(self) -> np.ndarray:
        """Number of neighbours of each observation."""
        return np.diff(self.sparse.indptr)

    @property
    def islands(self) -> np.ndarray:
        """Indices of observations without neighbours."""
        return np.flatnonzero(self.cardinalities == 0)

    @property
    def components(self) -> tuple[int, np.ndarray]:
        """Number of connected components and the component label of each observation."""
        from scipy.sparse.csgraph import connected_components

        n, labels = connected_components(self.sparse, directed=True, connection="weak")
        return int(n), labels

    @property
    def s0(self) -> float:
        """Sum of all weights."""
        return float(self.sparse.sum())

    def binary(self) -> Weights:
        """All weights 1 (a new object)."""
        m = self.sparse.copy()
        m.data[:] = 1.0
        return Weights(m, self.kind, "B", self.ids, dict(self.meta))

    def row_standardised(self) -> Weights:
        """Each row sums to 1; islands keep an empty row (a new object).

        Example:
            >>> w = Weights.from_pairs(3, np.array([0, 0]), np.array([1, 2]))
            >>> w.row_standardised().sparse.toarray()[0].tolist()
            [0.0, 0.5, 0.5]
        """
        m = self.sparse.copy()
        sums = np.asarray(m.sum(axis=1)).ravel()
        scale = np.divide(1.0, sums, out=np.zeros_like(sums), where=sums > 0)
        m.data *= np.repeat(scale, np.diff(m.indptr))
        return Weights(m, self.kind, "R", self.ids, dict(self.meta))

    def transformed(self, transform: str) -> Weights:
        """``B``, ``R`` or ``V`` (unchanged)."""
        if transform == "B":
            return self.binary()
        if transform == "R":
            return self.row_standardised()
        if transform == "V":
            return self
        raise WeightsError(f"transform must be one of {TRANSFORMS}")

    def subset(self, keep: np.ndarray) -> Weights:
        """The weights among the observations in ``keep`` (bool mask or indices)."""
        keep = np.asarray(keep)
        idx = np.flatnonzero(keep) if keep.dtype == bool else keep
        m = self.sparse[idx][:, idx]
        ids = tuple(self.ids[i] for i in idx) if self.ids is not None else None
        return Weights(sparse.csr_array(m), self.kind, self.transform, ids, dict(self.meta))

    def describe(self, lang: str = "de", *, transform: bool = True) -> str:
        """One line: kind, transform (unless ``transform=False``, when each statistic
        names the transform it uses), islands and components.

        Example:
            >>> w = Weights.from_pairs(3, np.array([0]), np.array([1]), kind="queen")
            >>> w.describe()
            'queen (B): 3 Gebiete, 1 ohne Nachbarn, 2 Zusammenhangskomponenten'
            >>> w.describe(transform=False)[:16]
            'queen: 3 Gebiete'
        """
        n_comp, _ = self.components
        name = f"{self.kind} ({self.transform})" if transform else self.kind
        if lang == "en":
            return (f"{name}: {self.n} areas, {len(self.islands)} "
                    f"without neighbours, {n_comp} connected "
                    f"{'component' if n_comp == 1 else 'components'}")
        return (f"{name}: {self.n} Gebiete, {len(self.islands)} ohne "
                f"Nachbarn, {n_comp} "
                f"{'Zusammenhangskomponente' if n_comp == 1 else 'Zusammenhangskomponenten'}")

    def __repr__(self) -> str:
        return (f"Weights(kind={self.kind!r}, transform={self.transform!r}, n={self.n}, "
                f"nnz={self.sparse.nnz}, islands={len(self.islands)})")

    def save(self, path: str | Path) -> Path:
        """Save as ``.npz`` (CSR arrays, kind, transform, ids).

        Example:
            >>> w = Weights.from_pairs(2, np.array([0]), np.array([1]))
            >>> Weights.load(w.save("/tmp/w.npz")).sparse.nnz
            2
        """
        path = Path(path)
        header = json.dumps({"kind": self.kind, "transform": self.transform,
                             "ids": list(self.ids) if self.ids is not None else None,
                             "meta": self.meta, "format": "geosozial-weights-1"})
        with path.open("wb") as fh:
            np.savez_compressed(fh, indptr=self.sparse.indptr, indices=self.sparse.indices,
                                data=self.sparse.data, shape=np.array(self.sparse.shape),
                                header=np.array(header))
        return path

    @classmethod
    def load(cls, path: str | Path) -> Weights:
        """Load weights written by :meth:`save`."""
        with np.load(Path(path), allow_pickle=False) as z:
            header = json.loads(str(z["header"]))
            m = sparse.csr_array((z["data"], z["indices"], z["indptr"]),
                                 shape=tuple(z["shape"]))
        ids = tuple(header["ids"]) if header["ids"] is not None else None
        return cls(m, header["kind"], header["transform"], ids, header.get("meta", {}))
