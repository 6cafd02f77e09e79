"""geosozial: small-area analysis for German integrated social planning.

The public API, imported lazily (``import geosozial`` costs nothing until a function
is used): :func:`read_areas`, :func:`read_table`, :func:`join`, :func:`aggregate`,
:func:`weights`, :func:`moran`, :func:`lisa`, :func:`hotspots`,
:func:`emerging_hotspots`, :func:`dynamics`, :func:`read_crosswalk`,
:func:`derive_crosswalk`, :func:`apply_crosswalk`, :func:`read_store`, :func:`map`,
:func:`report`; see
:mod:`geosozial.api`.

Example:
    >>> import geosozial as gs
    >>> gs.__version__
    '0.1.0'
    >>> sorted(gs.__all__)[:3]
    ['aggregate', 'apply_crosswalk', 'demo_path']
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

__all__ = ["aggregate", "apply_crosswalk", "demo_path", "derive_crosswalk", "dynamics",
           "emerging_hotspots", "hotspots", "join", "lisa", "map", "moran", "read_areas",
           "read_crosswalk", "read_store", "read_table", "report", "weights"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from geosozial import api

        return getattr(api, name)
    raise AttributeError(f"module 'geosozial' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
