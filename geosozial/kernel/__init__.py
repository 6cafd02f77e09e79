"""Numbers only: weights, permutation inference, spatial statistics (numpy + scipy).

Submodules load on first use, so ``import geosozial.kernel`` is instant; the functions
below are reachable as attributes.

Example:
    >>> import geosozial.kernel as k
    >>> k.local_moran.__name__
    'local_moran'
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "Weights": "weights",
    "local_moran": "local",
    "local_moran_bv": "local",
    "local_moran_rate": "local",
    "local_g": "local",
    "eb_rates": "local",
    "base_warnings": "local",
    "LocalResult": "local",
    "local_geary": "local_more",
    "local_geary_mv": "local_more",
    "local_join_counts": "local_more",
    "quantile_lisa": "local_more",
    "q_values": "inference",
    "check_permutations": "inference",
    "significance_levels": "inference",
    "auto_permutations": "inference",
    "KernelWarning": "errors",
    "moran": "globals",
    "moran_bv": "globals",
    "moran_rate": "globals",
    "geary": "globals",
    "general_g": "globals",
    "GlobalResult": "globals",
    "correct": "inference",
    "KernelError": "errors",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        module = importlib.import_module(f"geosozial.kernel.{_EXPORTS[name]}")
        return getattr(module, name)
    raise AttributeError(f"module 'geosozial.kernel' has no attribute {name!r}")
