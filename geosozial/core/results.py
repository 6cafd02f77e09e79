"""Result columns of the local statistics: the same names and types everywhere.

GeoPackages, QGIS layers and HTML tooltips carry ``lisa_I``, ``lisa_z``, ``lisa_p``,
``lisa_q`` (Benjamini-Hochberg adjusted p), ``lisa_cluster`` (LISA) and ``gi_z``,
``gi_p``, ``gi_q``, ``gi_bin`` (Gi*), as DESIGN.md fixes them; the local Geary (one or
several fields) ``geary_c``, ``geary_z``, ``geary_p``, ``geary_q``, ``geary_cluster``;
local join counts and the quantile LISA ``jc_count``, ``jc_p``, ``jc_q``,
``jc_cluster``.

Example:
    >>> column_names("gi"), dict(RESULT_COLUMNS["lisa"])["lisa_cluster"]
    (('gi_z', 'gi_p', 'gi_q', 'gi_bin'), 'text')
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: kind -> ((column, type), ...) with type "real", "integer" or "text"
RESULT_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "lisa": (("lisa_I", "real"), ("lisa_z", "real"), ("lisa_p", "real"), ("lisa_q", "real"),
             ("lisa_cluster", "text")),
    "gi": (("gi_z", "real"), ("gi_p", "real"), ("gi_q", "real"), ("gi_bin", "integer")),
    "geary": (("geary_c", "real"), ("geary_z", "real"), ("geary_p", "real"),
              ("geary_q", "real"), ("geary_cluster", "text")),
    "joincount": (("jc_count", "real"), ("jc_p", "real"), ("jc_q", "real"),
                  ("jc_cluster", "text")),
    # emerging hot spots (:mod:`geosozial.core.emerging`), plus gi_z_<year>, gi_bin_<year>
    "emerging": (("ehs_kategorie", "text"), ("ehs_trend_z", "real"), ("ehs_trend_p", "real"),
                 ("ehs_tau", "real")),
}

#: kind -> (statistic column, p column, q column, class column)
ROLES: dict[str, tuple[str, str, str, str]] = {
    "lisa": ("lisa_I", "lisa_p", "lisa_q", "lisa_cluster"),
    "gi": ("gi_z", "gi_p", "gi_q", "gi_bin"),
    "geary": ("geary_c", "geary_p", "geary_q", "geary_cluster"),
    "joincount": ("jc_count", "jc_p", "jc_q", "jc_cluster"),
}


def column_names(kind: str) -> tuple[str, ...]:
    """The result column names of a kind (``lisa``, ``gi``, ``geary``, ``joincount``).

    Example:
        >>> column_names("lisa")
        ('lisa_I', 'lisa_z', 'lisa_p', 'lisa_q', 'lisa_cluster')
    """
    return tuple(name for name, _ in RESULT_COLUMNS[kind])


def result_kind(columns: Any) -> str | None:
    """The kind whose class column is among ``columns`` (None: no result columns).

    Example:
        >>> result_kind(["AGS", "geary_c", "geary_cluster"])
        'geary'
    """
    names = set(columns)
    return next((kind for kind, roles in ROLES.items() if roles[3] in names), None)


def result_columns(kind: str, result: Any) -> dict[str, np.ndarray]:
    """The columns of a kernel :class:`~geosozial.kernel.local.LocalResult`, by name.

    Example:
        >>> from types import SimpleNamespace
        >>> r = SimpleNamespace(z=np.array([2.5]), p=np.array([0.01]), bins=np.array([2]),
        ...                     q=np.array([0.02]))
        >>> result_columns("gi", r)["gi_q"].tolist()
        [0.02]
    """
    p = np.asarray(result.p, dtype=float)
    q = np.asarray(result.q, dtype=float) if getattr(result, "q", None) is not None \
        else np.full(p.shape, np.nan)
    if kind == "lisa":
        return {"lisa_I": np.asarray(result.values, dtype=float),
                "lisa_z": np.asarray(result.z, dtype=float), "lisa_p": p, "lisa_q": q,
                "lisa_cluster": np.asarray(result.clusters).astype(str)}
    if kind == "gi":
        return {"gi_z": np.asarray(result.z, dtype=float), "gi_p": p, "gi_q": q,
                "gi_bin": np.asarray(result.bins).astype(np.int64)}
    if kind == "geary":
        return {"geary_c": np.asarray(result.values, dtype=float),
                "geary_z": np.asarray(result.z, dtype=float), "geary_p": p, "geary_q": q,
                "geary_cluster": np.asarray(result.clusters).astype(str)}
    if kind == "joincount":
        return {"jc_count": np.asarray(result.values, dtype=float), "jc_p": p, "jc_q": q,
                "jc_cluster": np.asarray(result.clusters).astype(str)}
    raise KeyError(kind)


def adjusted_p(p: Any, q: Any, correction: str) -> np.ndarray:
    """The p that the correction compares with alpha: q (FDR), ``min(1, m p)``
    (Bonferroni over the m tested areas) or p itself (no correction).

    An area is significant at a level exactly when its adjusted p is at most that level,
    so significance maps and tables classify by it.

    Example:
        >>> adjusted_p([0.01, 0.2, float("nan")], [0.02, 0.2, float("nan")],
        ...            "bonferroni").tolist()
        [0.02, 0.4, nan]
    """
    p = np.asarray(p, dtype=float)
    if correction == "fdr":
        return np.asarray(q, dtype=float)
    if correction == "bonferroni":
        m = int((~np.isnan(p)).sum())
        return np.minimum(p * m, 1.0)
    return p
