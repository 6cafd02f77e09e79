"""geosozial: small-area analysis for German integrated social planning.

The public API, imported lazily (``import geosozial`` costs nothing until a function
is used): :func:`read_areas`, :func:`read_table`, :func:`join`, :func:`aggregate`,
:func:`weights`, :func:`moran`, :func:`lisa`, :func:`hotspots`, :func:`map`,
:func:`report`; see :mod:`geosozial.api`.

Example:
    >>> import geosozial as gs
    >>> gs.__version__
    '0.1.0'
    >>> sorted(gs.__all__)[:3]
    ['aggregate', 'demo_path', 'hotspots']
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

__all__ = ["aggregate", "demo_path", "hotspots", "join", "lisa", "map", "moran", "read_areas",
           "read_table", "report", "weights"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from geosozial import api

        return getattr(api, name)
    raise AttributeError(f"module 'geosozial' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
