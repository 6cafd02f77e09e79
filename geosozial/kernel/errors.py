"""Errors of the kernel: a code plus parameters; the front doors render them in German.

Example:
    >>> e = KernelError("constant", field="x")
    >>> e.code, e.params
    ('constant', {'field': 'x'})
"""

from __future__ import annotations

from typing import Any


class KernelError(ValueError):
    """A statistic that cannot honestly be computed (constant field, missing values, ...)."""

    def __init__(self, code: str, message: str = "", **params: Any) -> None:
        self.code = code
        self.params = params
        super().__init__(message or f"{code}: {params}")
