"""Statistical confidentiality: primary and secondary suppression of small counts.

Primary rule (configurable): counts from 1 to ``min_count - 1`` are secret (default
1–2). Secondary suppression: further cells are withheld until no secret cell can be
computed exactly from what is published, i.e. from any combination of the additive
relations (Sozialraum = sum of its municipalities, Kreis = sum of the Sozialräume, and
any extra relations such as "total = sum of age groups"). The test is exact linear
algebra: a secret cell is disclosed when its unit vector lies in the row space of the
relations restricted to the withheld cells.

Example:
    >>> import numpy as np
    >>> p = Protection.for_hierarchy(np.array([2.0, 40.0, 50.0]), np.array([0, 0, 0]))
    >>> p.solve(ConfidentialityRule())
    >>> p.withheld[:3].tolist()  # the 2 and the smaller neighbour 40 are withheld
    [True, True, False]
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.linalg import null_space

from geosozial.core.messages import define

define("conf.applied",
       de="Geheimhaltung ({rule}) in {variable}: gesperrt primär {primary}, sekundär "
       "{secondary}.",
       en="confidentiality ({rule}) in {variable}: withheld primarily {primary}, "
       "secondarily {secondary}.")


@dataclass(frozen=True)
class ConfidentialityRule:
    """Counts ``1 .. min_count-1`` are secret; zeros only if ``suppress_zero``.

    Example:
        >>> ConfidentialityRule(min_count=3).is_secret(2.0)
        True
        >>> ConfidentialityRule(min_count=3).describe()
        'Fallzahlen 1–2 geheim gehalten'
    """

    min_count: int = 3
    suppress_zero: bool = False

    def is_secret(self, value: float) -> bool:
        """True if a count must not be published."""
        if np.isnan(value):
            return False
        if value == 0:
            return self.suppress_zero
        return 0 < value < self.min_count

    def describe(self, lang: str = "de") -> str:
        """One line for method notes."""
        upper = self.min_count - 1
        if lang == "en":
            return f"counts 1–{upper} suppressed" if upper >= 1 else "no suppression"
        return f"Fallzahlen 1–{upper} geheim gehalten" if upper >= 1 else "keine Geheimhaltung"


@dataclass
class Protection:
    """Cells, their true values and the additive relations between them.

    ``values`` holds one entry per cell (NaN = unknown to everybody, e.g. already
    suppressed at the source); ``relations`` is a list of (total cell, part cells).
    After :meth:`solve`, ``primary`` and ``withheld`` say which cells are not published.
    """

    values: np.ndarray
    relations: list[tuple[int, list[int]]]
    protectable: np.ndarray  # cells that may be withheld as secondary suppression
    primary: np.ndarray = field(init=False)
    withheld: np.ndarray = field(init=False)
    exposed_anyway: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.values = np.asarray(self.values, dtype=float)
        self.primary = np.zeros(len(self.values), dtype=bool)
        self.withheld = np.isnan(self.values).copy()
        self.exposed_anyway = np.zeros(len(self.values), dtype=bool)

    @classmethod
    def for_hierarchy(cls, members: np.ndarray, groups: np.ndarray) -> Protection:
        """One variable: members, then one total per group, then the grand total.

        The grand total is always public; a group total is unknown (NaN) if any member is.

        Example:
            >>> p = Protection.for_hierarchy(np.array([1.0, 5.0]), np.array([0, 1]))
            >>> len(p.values), p.relations[-1]
            (5, (4, [2, 3]))
        """
        return cls.for_table(np.asarray(members, dtype=float)[:, None], groups)

    @classmethod
    def for_table(cls, members: np.ndarray, groups: np.ndarray,
                  column_relations: list[tuple[int, list[int]]] = (),
                  absent: np.ndarray | None = None,
                  public_groups: bool = False) -> Protection:
        """Several variables (columns of ``members``) over the same hierarchy.

        ``column_relations`` are additive relations between columns that hold in every
        row, e.g. ``(0, [1, 2])`` for "column 0 = column 1 + column 2" (total = parts).
        ``absent`` marks member cells everybody knows contribute nothing (an area without
        a table row): known zeros that are never withheld. ``public_groups`` says the
        group totals are published elsewhere (e.g. the Kreis row of an official table),
        so they count as known even when a member is unknown. The grand total is public.
        Cell ``(row r, column v)`` has index ``v * (n + g + 1) + r``, rows being the n
        members, the g groups (sorted labels) and the grand total.

        Example:
            >>> m = np.array([[5.0, 3.0, 2.0], [9.0, 4.0, 5.0]])
            >>> p = Protection.for_table(m, np.array([0, 0]), [(0, [1, 2])])
            >>> p.solve(ConfidentialityRule())
            >>> p.withheld.reshape(3, 4)[:, :2].tolist()  # 2 is hidden, so are its partners
            [[False, False], [True, True], [True, True]]
        """
        members = np.array(members, dtype=float)
        groups = np.asarray(groups)
        labels = np.unique(groups)
        n, k = members.shape
        absent = np.zeros((n, k), dtype=bool) if absent is None else np.asarray(absent, bool)
        members[absent] = 0.0
        g = len(labels)
        rows = n + g + 1
        values = np.empty(rows * k)
        protectable = np.ones(rows * k, dtype=bool)
        relations: list[tuple[int, list[int]]] = []
        for v in range(k):
            base = v * rows
            values[base: base + n] = members[:, v]
            protectable[base: base + n] = ~absent[:, v]
            for j, label in enumerate(labels):
                idx = np.flatnonzero(groups == label)
                total = members[idx, v].sum()  # NaN if any member unknown
                if public_groups:
                    total = np.nansum(members[idx, v])
                    protectable[base + n + j] = False
                values[base + n + j] = total
                relations.append((base + n + j, [base + int(i) for i in idx]))
            values[base + n + g] = np.nansum(members[:, v])  # the grand total is public
            protectable[base + n + g] = False
            relations.append((base + n + g, list(range(base + n, base + n + g))))
        for total, parts in column_relations:
            for r in range(rows):
                relations.append((total * rows + r, [p * rows + r for p in parts]))
        return cls(values=values, relations=relations, protectable=protectable)

    def matrix(self) -> np.ndarray:
        """The relation matrix: one row per relation, total +1 and parts -1."""
        cached = getattr(self, "_matrix", None)
        if cached is not None:
            return cached
        a = np.zeros((len(self.relations), len(self.values)))
        for r, (total, parts) in enumerate(self.relations):
            a[r, total] = 1.0
            a[r, parts] = -1.0
        self._matrix = a
        return a

    def informative_relations(self) -> np.ndarray:
        """Relations that tell anything: a relation with a cell that nobody knows (NaN)
        and that appears in no other remaining relation holds whatever the other cells
        are, so it is dropped; repeated until nothing changes (exact elimination)."""
        cached = getattr(self, "_informative", None)
        if cached is not None:
            return cached
        a = self.matrix() != 0
        active = np.ones(a.shape[0], dtype=bool)
        nobody_knows = np.isnan(self.values)
        while True:
            uses = a[active].sum(axis=0)
            free_cells = nobody_knows & (uses == 1)
            drop = active & a[:, free_cells].any(axis=1)
            if not drop.any():
                break
            active &= ~drop
        self._informative = active
        return active

    def disclosed(self, withheld: np.ndarray | None = None) -> np.ndarray:
        """Which withheld cells can be computed exactly from the published ones."""
        withheld = self.withheld if withheld is None else withheld
        out = np.zeros(len(self.values), dtype=bool)
        rows = self.matrix()[self.informative_relations()]
        in_relation = np.abs(rows).sum(axis=0) > 0
        unknown = np.flatnonzero(withheld & in_relation)
        if unknown.size == 0:
            return out
        sub = rows[:, unknown]
        sub = sub[np.abs(sub).sum(axis=1) > 0]
        if sub.shape[0] == 0:
            return out
        basis = null_space(sub)
        free = np.abs(basis).max(axis=1) > 1e-9 if basis.size else np.zeros(unknown.size, bool)
        out[unknown[~free]] = True
        return out

    def solve(self, rule: ConfidentialityRule) -> None:
        """Mark primary cells by ``rule`` and add secondary cells until none is disclosed."""
        secret = np.array([rule.is_secret(v) for v in self.values])
        secret &= self.protectable
        self.primary = secret
        self.withheld = np.isnan(self.values) | secret
        #: secret cells that public totals reveal whatever we withhold (reported, not hidden)
        self.exposed_anyway = np.zeros(len(self.values), dtype=bool)
        self._singletons()
        for _ in range(2 * len(self.values)):
            exposed = self.disclosed() & self.primary & ~self.exposed_anyway
            if not exposed.any():
                self._publish_derivable()
                return
            first = int(np.flatnonzero(exposed)[0])
            cell = self._next_cell(first)
            if cell is None:
                self.exposed_anyway[first] = True
                continue
            self.withheld[cell] = True

    def _singletons(self) -> None:
        """Cheap first pass: a relation in which a secret cell is the only withheld one
        gives it away; withhold a partner there. The exact test in :meth:`solve` follows."""
        a = (self.matrix()[self.informative_relations()] != 0).astype(np.int32)
        if a.size == 0:
            return
        cells_of = [np.flatnonzero(row) for row in a]
        for _ in range(len(self.values)):
            counts = a @ self.withheld.astype(np.int32)
            single = np.flatnonzero(counts == 1)
            progress = False
            for r in single:
                cells = cells_of[r]
                hidden = cells[self.withheld[cells]]
                if len(hidden) != 1 or not self.primary[hidden[0]]:
                    continue
                if self.exposed_anyway[hidden[0]]:
                    continue
                options = cells[~self.withheld[cells] & self.protectable[cells]]
                if options.size == 0:
                    continue  # left to the exact pass, which reports it
                self.withheld[min(options, key=self._cost)] = True
                progress = True
                break
            if not progress:
                return

    def _publish_derivable(self) -> None:
        """Publish withheld secondary cells that can be computed anyway (no new information)."""
        derivable = self.disclosed() & ~self.primary & ~np.isnan(self.values)
        self.withheld[derivable] = False

    def _next_cell(self, exposed: int) -> int | None:
        """The published cell whose withholding helps most: near the exposed cell, small."""
        frontier = {exposed}
        seen_relations: set[int] = set()
        while True:
            candidates: set[int] = set()
            new_cells: set[int] = set()
            for r, (total, parts) in enumerate(self.relations):
                cells = [total, *parts]
                if r in seen_relations or not frontier.intersection(cells):
                    continue
                seen_relations.add(r)
                for c in cells:
                    if not self.withheld[c] and self.protectable[c]:
                        candidates.add(c)
                    elif self.withheld[c]:
                        new_cells.add(c)
            if candidates:
                return min(candidates, key=lambda c: self._cost(c))
            if not new_cells - frontier:
                return None
            frontier |= new_cells

    def _cost(self, cell: int) -> tuple[int, float, int]:
        """Prefer parts over totals, then small positive values (least information lost)."""
        is_total = any(total == cell for total, _ in self.relations)
        value = self.values[cell]
        return (int(is_total), (value if value > 0 else np.inf), cell)


#: the default rule: counts 1–2 are secret
DEFAULT_RULE = ConfidentialityRule()
