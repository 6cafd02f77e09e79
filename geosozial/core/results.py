"""Result columns of the local statistics: the same names and types everywhere.

GeoPackages, QGIS layers and HTML tooltips carry ``lisa_I``, ``lisa_z``, ``lisa_p``,
``lisa_cluster`` (LISA) and ``gi_z``, ``gi_p``, ``gi_bin`` (Gi*), as DESIGN.md fixes them.

Example:
    >>> column_names("gi"), dict(RESULT_COLUMNS["lisa"])["lisa_cluster"]
    (('gi_z', 'gi_p', 'gi_bin'), 'text')
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: kind -> ((column, type), ...) with type "real", "integer" or "text"
RESULT_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "lisa": (("lisa_I", "real"), ("lisa_z", "real"), ("lisa_p", "real"),
             ("lisa_cluster", "text")),
    "gi": (("gi_z", "real"), ("gi_p", "real"), ("gi_bin", "integer")),
}


def column_names(kind: str) -> tuple[str, ...]:
    """The result column names of ``"lisa"`` or ``"gi"``.

    Example:
        >>> column_names("lisa")
        ('lisa_I', 'lisa_z', 'lisa_p', 'lisa_cluster')
    """
    return tuple(name for name, _ in RESULT_COLUMNS[kind])


def result_columns(kind: str, result: Any) -> dict[str, np.ndarray]:
    """The columns of a kernel :class:`~geosozial.kernel.local.LocalResult`, by name.

    Example:
        >>> from types import SimpleNamespace
        >>> r = SimpleNamespace(z=np.array([2.5]), p=np.array([0.01]), bins=np.array([2]))
        >>> result_columns("gi", r)["gi_bin"].tolist()
        [2]
    """
    if kind == "lisa":
        return {"lisa_I": np.asarray(result.values, dtype=float),
                "lisa_z": np.asarray(result.z, dtype=float),
                "lisa_p": np.asarray(result.p, dtype=float),
                "lisa_cluster": np.asarray(result.clusters).astype(str)}
    return {"gi_z": np.asarray(result.z, dtype=float), "gi_p": np.asarray(result.p, dtype=float),
            "gi_bin": np.asarray(result.bins).astype(np.int64)}
