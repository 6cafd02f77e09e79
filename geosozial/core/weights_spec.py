"""Weights specifications (``queen``, ``rook``, ``knn:K``, ``distance:M[:inverse[:P]]``).

Pure Python (no geopandas), shared by the geopandas front door
(:mod:`geosozial.geo.weights`) and the QGIS plugin.

Example:
    >>> str(parse_weights_spec("KNN:6"))
    'knn:6'
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from geosozial.core.messages import GeosozialError, define

if TYPE_CHECKING:
    from geosozial.kernel.weights import Weights
from geosozial.kernel.distance import format_number

ALLOWED = "queen, rook, knn:K, distance:METER, distance:METER:inverse"
ALLOWED_EN = "queen, rook, knn:K, distance:METRES, distance:METRES:inverse"

define("weights.spec_unknown",
       de="Unbekannte Nachbarschaftsdefinition '{spec}'. Erlaubt sind: " + ALLOWED + ".",
       en="unknown weights specification '{spec}'. Allowed: " + ALLOWED_EN + ".")
define("weights.spec_k",
       de="'{spec}': Die Zahl der nächsten Nachbarn K muss eine ganze Zahl ab 1 sein "
       "(z. B. knn:5).",
       en="'{spec}': the number of nearest neighbours K must be a whole number of at least 1 "
       "(e.g. knn:5).")
define("weights.ids_duplicate",
       de="Schlüssel in {column} kommen mehrfach vor: {keys}. Nachbarschaften brauchen "
       "eindeutige Schlüssel.",
       en="keys in {column} occur more than once: {keys}. Weights need unique keys.")
define("weights.k_too_large",
       de="'{spec}': bei {n} Gebieten gibt es höchstens {most} nächste Nachbarn; bitte ein "
       "kleineres K wählen (z. B. knn:6).",
       en="'{spec}': with {n} areas there are at most {most} nearest neighbours; choose a "
       "smaller K (e.g. knn:6).")
define("weights.spec_distance",
       de="'{spec}': Die Entfernung muss eine positive Zahl in Metern sein "
       "(z. B. distance:5000).",
       en="'{spec}': the distance must be a positive number of metres (e.g. distance:5000).")
define("weights.spec_power",
       de="'{spec}': Nach 'inverse' darf nur ein positiver Exponent folgen "
       "(z. B. distance:5000:inverse:2).",
       en="'{spec}': 'inverse' may only be followed by a positive power "
       "(e.g. distance:5000:inverse:2).")


@dataclass(frozen=True)
class WeightsSpec:
    """A parsed weights specification; ``str(spec)`` is the canonical form (= ``kind``).

    Example:
        >>> s = parse_weights_spec("Distance:2500,5:inverse")
        >>> s.method, s.threshold, s.inverse, s.power, str(s)
        ('distance', 2500.5, True, 1.0, 'distance:2500.5:inverse')
    """

    method: str
    k: int | None = None
    threshold: float | None = None
    inverse: bool = False
    power: float = 1.0

    @property
    def measures_distance(self) -> bool:
        """True for ``knn`` and ``distance`` (they need metres)."""
        return self.method in ("knn", "distance")

    def __str__(self) -> str:
        if self.method == "knn":
            return f"knn:{self.k}"
        if self.method == "distance":
            text = f"distance:{format_number(self.threshold or 0.0)}"
            if self.inverse:
                text += ":inverse" if self.power == 1 else f":inverse:{format_number(self.power)}"
            return text
        return self.method


def parse_weights_spec(spec: str | WeightsSpec) -> WeightsSpec:
    """Parse ``queen``, ``rook``, ``knn:K``, ``distance:M[:inverse[:P]]``.

    Raises :class:`~geosozial.core.messages.GeosozialError` (German or English) for anything
    else, e.g. ``knn:0``, ``distance:-5`` or ``hexagon``.

    Example:
        >>> parse_weights_spec(" KNN:6 ")
        WeightsSpec(method='knn', k=6, threshold=None, inverse=False, power=1.0)
        >>> try:
        ...     parse_weights_spec("knn:0")
        ... except GeosozialError as exc:
        ...     print(exc.code)
        weights.spec_k
    """
    if isinstance(spec, WeightsSpec):
        return spec
    text = str(spec).strip()
    parts = [p.strip() for p in text.lower().split(":")]
    method = parts[0]
    if method in ("queen", "rook") and len(parts) == 1:
        return WeightsSpec(method)
    if method == "knn":
        k = _number(parts[1]) if len(parts) == 2 else None
        if k is None or k != int(k) or k < 1:
            raise GeosozialError("weights.spec_k", spec=text)
        return WeightsSpec("knn", k=int(k))
    if method == "distance":
        threshold = _number(parts[1]) if len(parts) >= 2 else None
        if threshold is None or threshold <= 0:
            raise GeosozialError("weights.spec_distance", spec=text)
        if len(parts) == 2:
            return WeightsSpec("distance", threshold=threshold)
        if parts[2] != "inverse" or len(parts) > 4:
            raise GeosozialError("weights.spec_unknown", spec=text)
        power = _number(parts[3]) if len(parts) == 4 else 1.0
        if power is None or power <= 0:
            raise GeosozialError("weights.spec_power", spec=text)
        return WeightsSpec("distance", threshold=threshold, inverse=True, power=power)
    raise GeosozialError("weights.spec_unknown", spec=text)


def _number(text: str) -> float | None:
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def weights_from_arrays(
    spec: str | WeightsSpec,
    n: int,
    *,
    ids: Sequence[str] | None = None,
    rings: tuple[np.ndarray, np.ndarray, np.ndarray | None] | None = None,
    points: np.ndarray | None = None,
    tolerance: float = 0.0,
    symmetric: bool = False,
) -> Weights:
    """Weights of a specification from the arrays both doors build from their geometries.

    Parameters
    ----------
    spec : str or WeightsSpec
        ``queen``, ``rook``, ``knn:K``, ``distance:M[:inverse[:P]]``.
    n : int
        The number of areas.
    ids : sequence of str, optional
        The area keys (kept in the weights).
    rings : (coords, ring_index, area_of_ring), optional
        Polygon rings in metres, for contiguity (see :mod:`geosozial.kernel.contiguity`).
    points : ndarray, optional
        One point per area (``(n, 2)``, metres) for ``knn`` and ``distance``.
    tolerance : float
        Contiguity snapping tolerance in metres.
    symmetric : bool
        Make ``knn`` symmetric.

    Returns
    -------
    Weights

    Examples
    --------
    >>> pts = np.array([[0.0, 0.0], [1.0, 0.0], [5.0, 0.0]])
    >>> weights_from_arrays("knn:1", 3, points=pts).kind
    'knn:1'
    >>> weights_from_arrays("distance:2", 3, points=pts).islands.tolist()
    [2]
    """
    from geosozial.kernel.contiguity import contiguity_weights
    from geosozial.kernel.distance import distance_band_weights, knn_weights

    parsed = parse_weights_spec(spec)
    if parsed.measures_distance:
        if points is None:
            raise ValueError("knn and distance weights need one point per area")
        if parsed.method == "knn":
            if (parsed.k or 1) >= n:
                raise GeosozialError("weights.k_too_large", spec=str(parsed), n=n,
                                     most=max(n - 1, 0))
            return knn_weights(points, parsed.k or 1, symmetric=symmetric, ids=ids)
        return distance_band_weights(points, parsed.threshold or 0.0, binary=not parsed.inverse,
                                     alpha=-parsed.power, ids=ids)
    if rings is None:
        raise ValueError("contiguity weights need the polygon rings")
    coords, ring_index, area_of_ring = rings
    return contiguity_weights(coords, ring_index, area_of_ring, n,
                              rook=parsed.method == "rook", tolerance=tolerance, ids=ids)


def unique_ids(keys: Sequence[object], column: str) -> tuple[str, ...]:
    """The area keys as weights ids; duplicates are refused (they name no single area).

    Examples
    --------
    >>> unique_ids(["1", 2], "AGS")
    ('1', '2')
    >>> try:
    ...     unique_ids(["1", "1", "2"], "AGS")
    ... except GeosozialError as exc:
    ...     print(exc.params["keys"])
    1
    """
    values = [str(k) for k in keys]
    if len(set(values)) != len(values):
        seen: set[str] = set()
        dup = sorted({v for v in values if v in seen or seen.add(v)})
        raise GeosozialError("weights.ids_duplicate", column=column, keys=", ".join(dup[:10]))
    return tuple(values)
