"""Conversion between :class:`Weights` and libpysal (``graph.Graph``, legacy ``weights.W``).

libpysal is optional: it is imported inside the functions only, never by the kernel at
import time. Row order, ids and weight values are kept exactly.

Transforms map as follows (libpysal's ``V`` means *variance stabilising*, ours means
*values as built*):

=========  ===================  =========================================
ours       to libpysal          from libpysal
=========  ===================  =========================================
``B``      ``B``                ``B``; ``O`` when all weights are 1
``R``      ``R``                ``R``
``V``      ``O`` (original)     ``O`` with other weights, and ``D``, ``V``, ``C``
                                (the libpysal code kept in ``meta``)
=========  ===================  =========================================

Ids: our ``ids`` (strings) become the libpysal ids; without ids the positions
``0 .. n-1`` are used, and integer ids ``0 .. n-1`` in that order come back as ``ids=None``.
Other ids come back as strings.

Example:
    >>> import numpy as np
    >>> from geosozial.kernel.weights import Weights
    >>> w = Weights.from_pairs(3, np.array([0]), np.array([1]), kind="queen",
    ...                        ids=("a", "b", "c"))
    >>> g = to_libpysal_graph(w)                      # doctest: +SKIP
    >>> from_libpysal(g, kind="queen").ids            # doctest: +SKIP
    ('a', 'b', 'c')
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import sparse

from geosozial.kernel.weights import Weights, WeightsError

__all__ = ["from_libpysal", "to_libpysal_graph", "to_libpysal_w"]

_TO_LIBPYSAL = {"B": "B", "R": "R", "V": "O"}


def _libpysal_ids(w: Weights) -> list:
    return list(w.ids) if w.ids is not None else list(range(w.n))


def to_libpysal_graph(w: Weights) -> Any:
    """A :class:`libpysal.graph.Graph` with the same ids, weights and transform.

    Islands become self-loops of weight 0, as libpysal's Graph requires.

    Example:
        >>> w = Weights.from_pairs(3, np.array([0]), np.array([1]))
        >>> g = to_libpysal_graph(w)                   # doctest: +SKIP
        >>> g.transformation, g.isolates.tolist()      # doctest: +SKIP
        ('B', [2])
    """
    from libpysal.graph import Graph

    g = Graph.from_sparse(w.sparse, ids=np.asarray(_libpysal_ids(w), dtype=object))
    return Graph(g.adjacency, transformation=_TO_LIBPYSAL[w.transform], is_sorted=True)


def to_libpysal_w(w: Weights) -> Any:
    """A legacy :class:`libpysal.weights.W` with the same ids, weights and transform.

    Example:
        >>> w = Weights.from_pairs(3, np.array([0]), np.array([1])).row_standardised()
        >>> lw = to_libpysal_w(w)                      # doctest: +SKIP
        >>> lw.transform, lw.islands                   # doctest: +SKIP
        ('R', [2])
    """
    from libpysal.weights import W

    ids = _libpysal_ids(w)
    m = w.sparse
    neighbors, weights = {}, {}
    for row, key in enumerate(ids):
        lo, hi = m.indptr[row], m.indptr[row + 1]
        neighbors[key] = [ids[j] for j in m.indices[lo:hi]]
        weights[key] = m.data[lo:hi].tolist()
    lw = W(neighbors, weights, id_order=ids, silence_warnings=True)
    code = _TO_LIBPYSAL[w.transform]
    if code != "O":
        lw.transformations[code] = lw.weights  # already transformed: no recomputation
        lw.transform = code
    return lw


def from_libpysal(obj: Any, *, kind: str = "libpysal") -> Weights:
    """:class:`Weights` from a libpysal ``Graph`` or ``W`` (also ``WSP``-like objects).

    Example:
        >>> from libpysal.weights import lat2W       # doctest: +SKIP
        >>> from_libpysal(lat2W(3, 3), kind="rook")   # doctest: +SKIP
        Weights(kind='rook', transform='B', n=9, nnz=24, islands=0)
    """
    if hasattr(obj, "unique_ids") and hasattr(obj, "adjacency"):  # libpysal.graph.Graph
        uid = obj.unique_ids
        ids = list(uid)
        adj = obj.adjacency
        rows = uid.get_indexer(adj.index.get_level_values(0))
        cols = uid.get_indexer(adj.index.get_level_values(1))
        m = sparse.csr_array((adj.to_numpy(dtype=float), (rows, cols)),
                             shape=(len(ids), len(ids)))
        code = str(obj.transformation).upper()
    elif hasattr(obj, "id_order") and hasattr(obj, "sparse"):  # libpysal.weights.W
        ids = list(obj.id_order)
        m = sparse.csr_array(obj.sparse, dtype=float)
        code = str(obj.transform).upper()
    else:
        raise WeightsError(f"cannot convert {type(obj).__name__}: expected a libpysal "
                           "Graph or W")
    m.eliminate_zeros()
    meta: dict[str, str] = {}
    if code in ("B", "R"):
        transform = code
    elif code == "O" and (m.data == 1).all():
        transform = "B"
    else:
        transform = "V"
        if code != "O":
            meta["libpysal_transform"] = code
    positional = all(isinstance(i, (int, np.integer)) and i == pos for pos, i in enumerate(ids))
    out_ids = None if positional else tuple(str(i) for i in ids)
    return Weights(m, kind=kind, transform=transform, ids=out_ids, meta=meta)
