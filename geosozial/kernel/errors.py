"""Errors and warnings of the kernel: a code plus parameters; the front doors render them.

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


class KernelWarning:
    """A warning as data: a code plus parameters; the front doors render it in German.

    Codes: ``few_areas`` (n, minimum), ``unreachable`` (min_p, needed, correction,
    alpha, permutations, sequential, and for FDR areas_needed), ``small_bases`` (min,
    max, ratio, rule).

    Example:
        >>> w = KernelWarning("few_areas", n=7, minimum=30)
        >>> w.code, w.params["n"], w.as_dict()["code"]
        ('few_areas', 7, 'few_areas')
    """

    __slots__ = ("code", "params")

    def __init__(self, code: str, **params: Any) -> None:
        self.code = code
        self.params = params

    def as_dict(self) -> dict[str, Any]:
        """``{"code": ..., **params}``, JSON-ready."""
        return {"code": self.code, **self.params}

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, KernelWarning) and self.code == other.code
                and self.params == other.params)

    def __repr__(self) -> str:
        return f"KernelWarning({self.code!r}, {self.params!r})"
