"""Honesty checks on input values: missing values and constant fields are errors.

Example:
    >>> import numpy as np
    >>> check_values(np.array([1.0, 2.0, 3.0])).tolist()
    [1.0, 2.0, 3.0]
"""

from __future__ import annotations

import numpy as np

from geosozial.kernel.errors import KernelError
from geosozial.kernel.weights import Weights


def check_values(y: np.ndarray, name: str = "y") -> np.ndarray:
    """Return ``y`` as floats; raise on NaN/inf or a (near-)constant field.

    A field is near-constant when its spread is below 1e-10 of its magnitude: such a
    map has no pattern to find, whatever a p-value would say.

    Example:
        >>> check_values(np.array([2.0, 2.0, 2.0]))
        Traceback (most recent call last):
        ...
        geosozial.kernel.errors.KernelError: y is constant (2.0); nothing to analyse
    """
    y = np.asarray(y, dtype=float).ravel()
    bad = np.flatnonzero(~np.isfinite(y))
    if bad.size:
        raise KernelError("missing", f"{name} has {bad.size} missing values "
                          f"(positions {bad[:10].tolist()})", field=name,
                          positions=bad.tolist())
    if y.size < 3:
        raise KernelError("too_few", f"{name} needs at least 3 observations", field=name,
                          n=int(y.size))
    spread = float(np.ptp(y))
    if spread <= 1e-10 * max(1.0, float(np.abs(y).max())):
        raise KernelError("constant", f"{name} is constant ({float(y[0])!r}); nothing to analyse",
                          field=name, value=float(y[0]))
    return y


def check_weights(w: Weights, n: int) -> Weights:
    """Raise if the weights do not fit ``n`` observations.

    Example:
        >>> w = Weights.from_pairs(3, np.array([0]), np.array([1]))
        >>> check_weights(w, 3).n
        3
    """
    if w.n != n:
        raise KernelError("weights_size", f"weights for {w.n} observations, values for {n}",
                          weights=w.n, values=n)
    return w
