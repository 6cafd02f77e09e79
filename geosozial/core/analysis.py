"""The rules of an analysis that every door applies before the kernel runs.

Which values of a field are analysed (missing values are an error, or left out and
named), which weights are usable (no neighbours at all is an error, islands are named),
which LISA variant was asked for, and how kernel errors read. The geopandas door
(:mod:`geosozial.geo.analysis`) and the QGIS plugin call these with plain arrays.

Example:
    >>> keep, y = field_values([1.5, None, "2"], ["a", "b", "c"], "v", "t.gpkg", True, [])
    >>> keep.tolist(), y.tolist()
    ([0, 2], [1.5, 2.0])
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from geosozial.core.messages import GeosozialError, Notice, define, get_language, render

define("ana.no_field", de="{file}: Feld {field} gibt es nicht. Zahlenfelder: {fields}",
       en="{file}: there is no field {field}. Numeric fields: {fields}")
define("ana.not_numeric", de="{file}: Feld {field} ist keine Zahl (z. B. {example!r} bei {key}).",
       en="{file}: field {field} is not numeric (e.g. {example!r} for {key}).")
define("ana.missing",
       de="{file}: Feld {field} hat {n} fehlende Werte ({keys}). Mit {option} werden diese "
       "Gebiete ausgelassen (und hier genannt).",
       en="{file}: field {field} has {n} missing values ({keys}). With {option} these areas "
       "are left out (and named here).")
define("ana.dropped",
       de="{file}: Gebiete ohne Wert in {field} ausgelassen: {n} ({keys})",
       en="{file}: areas without a value in {field} left out: {n} ({keys})")
define("ana.constant",
       de="{file}: Feld {field} ist überall gleich ({value}); es gibt kein räumliches Muster "
       "zu finden.",
       en="{file}: field {field} is the same everywhere ({value}); there is no spatial "
       "pattern to find.")
define("ana.negative",
       de="{file}: Getis-Ord G braucht Werte ≥ 0; Feld {field} ist negativ bei {keys}.",
       en="{file}: Getis-Ord G needs values >= 0; field {field} is negative for {keys}.")
define("ana.no_neighbours",
       de="{file}: kein Gebiet hat Nachbarn ({weights}); bitte andere Nachbarschaft wählen.",
       en="{file}: no area has neighbours ({weights}); choose other weights.")
define("ana.islands",
       de="{file}: {areas} ohne Nachbarn ({weights}): {names}; {they} die Klasse "
       "'isolated' und {are} nie signifikant.{hint}",
       en="{file}: {areas} without neighbours ({weights}): {names}; {they} the class "
       "'isolated' and {are} never significant.{hint}")
define("ana.islands_hint",
       de=" Sind es keine echten Inseln, liegen meist Lücken zwischen den Grenzen "
       "(vereinfachte oder verschieden generalisierte Geometrien); {option} METER (z. B. "
       "{option} 50) verbindet Grenzen, die höchstens so weit auseinanderliegen.",
       en=" If they are not real islands, there are usually gaps between the boundaries "
       "(simplified or differently generalised geometries); {option} METRES (e.g. {option} "
       "50) joins boundaries at most that far apart.")
define("ana.snap",
       de="{file}: --snap {value} ist nicht möglich; der Fangabstand ist eine Zahl ≥ 0 in "
       "Metern, z. B. 50.",
       en="{file}: --snap {value} is not possible; the snapping distance is a number >= 0 "
       "in metres, e.g. 50.")
define("ana.variant_kind",
       de="{file}: bivariates LISA und Empirical-Bayes-Raten gibt es nur für LISA, nicht für "
       "Hot Spots.",
       en="{file}: bivariate LISA and Empirical Bayes rates exist for LISA only, not for "
       "hot spots.")
define("ana.variant_both",
       de="{file}: bivariates LISA und Empirical-Bayes-Raten lassen sich nicht kombinieren; "
       "bitte nur eines angeben.",
       en="{file}: bivariate LISA and Empirical Bayes rates cannot be combined; give one.")
define("ana.kernel", de="{file}, Feld {field}: {problem}", en="{file}, field {field}: {problem}")

define("ana.permutations",
       de="{file}: --permutations {value} ist nicht möglich; erlaubt sind auto (Standard: "
       "so viele, wie die Korrektur braucht) oder 0 bis {limit} bei {n} Gebieten ({why}).",
       en="{file}: --permutations {value} is not possible; allowed are auto (default: as "
       "many as the correction needs) or 0 to {limit} for {n} areas ({why}).")
define("ana.seed",
       de="{file}: --seed {value} ist nicht möglich; der Zufallsstartwert ist eine ganze Zahl "
       "von 0 bis 4294967295.",
       en="{file}: --seed {value} is not possible; the random seed is a whole number from 0 "
       "to 4294967295.")
define("ana.alpha",
       de="{file}: --alpha {value} ist nicht möglich; das Signifikanzniveau liegt zwischen 0 "
       "und 1 (ohne beide), z. B. 0,05.",
       en="{file}: --alpha {value} is not possible; the significance level lies between 0 "
       "and 1 (exclusive), e.g. 0.05.")
define("ana.too_few",
       de="{file}: Feld {field} hat nur {areas} mit Wert{dropped}; für räumliche "
       "Statistik braucht es mindestens 3 benachbarte Gebiete.",
       en="{file}: field {field} has only {n} areas with a value{dropped}; spatial "
       "statistics need at least 3 neighbouring areas.")
define("ana.base",
       de="{file}: die Bezugsbevölkerung {field} muss überall größer als 0 sein; nicht bei "
       "{keys}.",
       en="{file}: the population at risk {field} must be greater than 0 everywhere; not for "
       "{keys}.")
define("ana.events",
       de="{file}: Fallzahlen in {field} dürfen nicht negativ sein; negativ bei {keys}.",
       en="{file}: case counts in {field} must not be negative; negative for {keys}.")
define("ana.cases_above_base",
       de="{file}: mehr Fälle ({field}) als Bezugsbevölkerung ({base}) bei {keys}; bitte die "
       "Felder prüfen.",
       en="{file}: more cases ({field}) than population at risk ({base}) for {keys}; please "
       "check the fields.")
define("geo.invalid_repaired",
       de="{file}: {n} ungültige Geometrien repariert (make_valid): {keys}",
       en="{file}: {n} invalid geometries repaired (make_valid): {keys}")
define("geo.reprojected",
       de="{file}: geografisches CRS {source} wurde nach {target} umprojiziert; Abstände und "
       "Flächen werden nie in Grad gemessen.",
       en="{file}: geographic CRS {source} was reprojected to {target}; distances and areas "
       "are never measured in degrees.")


def utm_epsg_for(bounds: Sequence[float]) -> int:
    """ETRS89 / UTM zone 32 or 33 for lon/lat bounds (zone 33 east of 12° E).

    Example:
        >>> utm_epsg_for((12.5, 50.5, 13.5, 51.5)), utm_epsg_for((6.0, 49.0, 8.0, 50.0))
        (25833, 25832)
    """
    lon = (bounds[0] + bounds[2]) / 2
    return 25833 if lon >= 12.0 else 25832


def _number(cell: Any) -> float | None:
    """A cell as a float; NaN for an empty cell, None for text that is no number."""
    if cell is None or isinstance(cell, bool):
        return math.nan if cell is None else None
    if isinstance(cell, (int, float, np.integer, np.floating)):
        return float(cell)
    text = str(cell).strip()
    if text == "":
        return math.nan
    try:
        return float(text)
    except ValueError:
        return None


def field_values(cells: Sequence[Any], keys: Sequence[str], field: str, source: str,
                 dropna: bool, notices: list[Notice], *, option: str = "--dropna"
                 ) -> tuple[np.ndarray, np.ndarray]:
    """The analysed areas of a field: positions kept and their values.

    A cell that is no number is an error naming the key; missing values are an error
    unless ``dropna`` (then the areas are left out and named in a warning); ``option``
    names the switch that leaves them out (``--dropna``, or the QGIS parameter).

    Examples
    --------
    >>> field_values([1, 2], ["a", "b"], "v", "t.gpkg", False, [])[1].tolist()
    [1.0, 2.0]
    >>> try:
    ...     field_values([1, None], ["a", "b"], "v", "t.gpkg", False, [])
    ... except GeosozialError as exc:
    ...     print(exc.code)
    ana.missing
    """
    values = np.empty(len(cells), dtype=float)
    for i, cell in enumerate(cells):
        number = _number(cell)
        if number is None:
            raise GeosozialError("ana.not_numeric", file=source, field=field, example=cell,
                                 key=keys[i])
        values[i] = number
    missing = np.isnan(values)
    if missing.any():
        named = ", ".join(str(keys[i]) for i in np.flatnonzero(missing)[:20])
        if not dropna:
            raise GeosozialError("ana.missing", file=source, field=field,
                                 n=int(missing.sum()), keys=named, option=option)
        notices.append(Notice("ana.dropped", "warning", file=source, n=int(missing.sum()),
                              field=field, keys=named))
    keep = np.flatnonzero(~missing)
    return keep, values[keep]


def check_weights(w: Any, keys: Sequence[str], spec: str, source: str,
                  notices: list[Notice], *, names: Sequence[str] | None = None,
                  snap: float = 0.0, snap_option: str | None = "--snap") -> None:
    """No neighbours at all is an error; areas without neighbours are named (info).

    Each is named by name and key (``Kühnsheide (14522530)``); for contiguity weights
    without snapping the notice adds the likely cause (gaps between boundaries from
    simplification) and the option that helps (``snap_option``, default ``--snap``; None:
    no hint).

    Example:
        >>> from geosozial.kernel.weights import Weights
        >>> w = Weights.from_pairs(3, np.array([0]), np.array([1]), kind="queen")
        >>> n = []
        >>> check_weights(w, ["a", "b", "c"], "queen", "t.gpkg", n, names=["A", "B", "C"])
        >>> n[0].params["names"], "--snap" in n[0].text()
        ('C (c)', True)
    """
    if w.s0 == 0:
        raise GeosozialError("ana.no_neighbours", file=source, weights=spec)
    if len(w.islands):
        positions = np.asarray(w.islands, dtype=np.int64)
        shown = []
        for i in positions[:20]:
            key = str(keys[i])
            name = str(names[i]) if names is not None and names[i] not in (None, "") else ""
            shown.append(f"{name} ({key})" if name and name != key else key)
        more = len(positions) - len(shown)
        text = ", ".join(shown) + (f" und {more} weitere" if more > 0 else "")
        contiguity = str(spec).split(":")[0].strip().lower() in ("queen", "rook")
        hint = render("ana.islands_hint", {"option": snap_option}) \
            if contiguity and not snap and snap_option else ""
        one = len(positions) == 1
        lang = get_language()
        words = ({"areas": "1 Gebiet" if one else f"{len(positions)} Gebiete",
                  "they": "es bildet" if one else "sie bilden", "are": "ist" if one else "sind"}
                 if lang != "en" else
                 {"areas": "1 area" if one else f"{len(positions)} areas",
                  "they": "it forms" if one else "they form", "are": "is" if one else "are"})
        notices.append(Notice("ana.islands", "info", file=source, n=len(positions),
                              weights=spec, names=text, keys=", ".join(
                                  str(keys[i]) for i in positions[:20]), hint=hint, **words))


def check_variant(kind: str, neighbour_field: str | None, base_field: str | None,
                  source: str) -> str | None:
    """The second field of a LISA variant (bivariate or Empirical Bayes), checked.

    Example:
        >>> check_variant("lisa", "b", None, "t.gpkg")
        'b'
    """
    if neighbour_field and base_field:
        raise GeosozialError("ana.variant_both", file=source)
    second = neighbour_field or base_field
    if second is not None and kind != "lisa":
        raise GeosozialError("ana.variant_kind", file=source)
    return second


def kernel_error(exc: Any, source: str, field: str, keys: Sequence[str],
                 base_field: str | None = None) -> GeosozialError:
    """A kernel error as a message naming file, field and keys.

    Example:
        >>> from geosozial.kernel.errors import KernelError
        >>> kernel_error(KernelError("constant", value=3.0), "t.gpkg", "v", []).code
        'ana.constant'
    """
    if exc.code == "constant":
        return GeosozialError("ana.constant", file=source, field=field,
                              value=exc.params.get("value"))
    named = ", ".join(str(keys[i]) for i in exc.params.get("positions", [])[:20])
    if exc.code == "negative":
        return GeosozialError("ana.negative", file=source, field=field, keys=named)
    if exc.code == "base":
        return GeosozialError("ana.base", file=source, field=base_field or field, keys=named)
    if exc.code == "events":
        return GeosozialError("ana.events", file=source, field=field, keys=named)
    return GeosozialError("ana.kernel", file=source, field=field, problem=str(exc))


def check_inference(*, permutations: Any, seed: Any, n: int, k_max: int, local: bool,
                    source: str, alpha: Any = 0.05) -> None:
    """Permutations, seed and alpha checked before anything is computed.

    ``permutations`` is ``"auto"`` (sequential p-values, the default of every door; the
    kernel bounds its maximum by time) or a whole number. The bound on a number comes from
    :func:`geosozial.kernel.inference.max_permutations` (memory for local statistics,
    time for global ones) and is named in the message with its reason.

    Examples
    --------
    >>> check_inference(permutations=999, seed=1, n=53, k_max=8, local=True, source="t")
    >>> check_inference(permutations="auto", seed=1, n=53, k_max=8, local=True, source="t")
    >>> try:
    ...     check_inference(permutations=10**9, seed=1, n=53, k_max=8, local=True, source="t")
    ... except GeosozialError as exc:
    ...     print(exc.code, exc.params["limit"])
    ana.permutations 1688273
    """
    from geosozial.kernel.inference import MEMORY_BUDGET, OPERATIONS_BUDGET, max_permutations

    limit = max_permutations(n, k_max, local=local)
    if isinstance(permutations, str) and permutations.strip().lower() == "auto":
        pass
    elif (isinstance(permutations, bool) or not isinstance(permutations, (int, np.integer))
            or not 0 <= permutations <= limit):
        why = (f"Speicher für die Ziehungen höchstens {MEMORY_BUDGET // 1024**3} GiB" if local
               else f"Rechenzeit höchstens {OPERATIONS_BUDGET:.0e} Rechenschritte")
        raise GeosozialError("ana.permutations", file=source, value=permutations, limit=limit,
                             n=n, why=why)
    if (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))
            or not 0 <= seed <= 2**32 - 1):
        raise GeosozialError("ana.seed", file=source, value=seed)
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0 < alpha < 1:
        raise GeosozialError("ana.alpha", file=source, value=alpha)


def parse_permutations(text: Any) -> int | str | None:
    """``"auto"``, a whole number (``999``, ``9.999``) or None when not understood.

    The one reading of a permutations option for every door: ``auto`` in any case (an
    empty text is the default, auto), German thousands dots allowed; a number a script
    passes is taken as it is. The range is :func:`check_inference`'s.

    Example:
        >>> parse_permutations("AUTO"), parse_permutations("9.999"), parse_permutations("abc")
        ('auto', 9999, None)
    """
    import re

    if isinstance(text, (int, np.integer)) and not isinstance(text, bool):
        return int(text)
    if isinstance(text, float) and text.is_integer():
        return int(text)
    value = str(text).strip().replace("\u00a0", "").replace(" ", "")
    if value.lower() in ("auto", ""):
        return "auto"
    if re.fullmatch(r"[+-]?\d{1,3}(\.\d{3})+", value):
        value = value.replace(".", "")
    if not re.fullmatch(r"[+-]?\d+", value):
        return None
    return int(value)


def cases_above_base(cases: np.ndarray, base: np.ndarray, keys: Sequence[str], field: str,
                     base_field: str, source: str) -> list[Notice]:
    """A warning naming the areas with more cases than population at risk (EB rates).

    Example:
        >>> n = cases_above_base(np.array([5.0, 50]), np.array([10.0, 20]), ["a", "b"],
        ...                      "faelle", "bev", "t.gpkg")
        >>> n[0].params["keys"]
        'b'
    """
    above = np.flatnonzero(np.asarray(cases) > np.asarray(base))
    if not len(above):
        return []
    return [Notice("ana.cases_above_base", "warning", file=source, field=field,
                   base=base_field, keys=", ".join(str(keys[i]) for i in above[:20]))]


def check_count(n: int, field: str, source: str, *, dropped: bool = False) -> None:
    """At least 3 areas with a value (else no weights, no statistic, a clear message).

    Example:
        >>> try:
        ...     check_count(1, "quote", "t.gpkg", dropped=True)
        ... except GeosozialError as exc:
        ...     print(exc.text()[:39])
        t.gpkg: Feld quote hat nur 1 Gebiet mit
    """
    if n < 3:
        raise GeosozialError("ana.too_few", file=source, field=field, n=n,
                             areas="1 Gebiet" if n == 1 else f"{n} Gebiete",
                             dropped=" (die übrigen ohne Wert ausgelassen)" if dropped else "")


def check_second_field(x: np.ndarray, field: str, source: str) -> None:
    """The neighbours' field of a bivariate LISA must vary (named when it does not).

    Example:
        >>> try:
        ...     check_second_field(np.array([2.0, 2.0]), "dichte", "t.gpkg")
        ... except GeosozialError as exc:
        ...     print(exc.params["field"])
        dichte
    """
    if len(x) and np.ptp(x) == 0:
        raise GeosozialError("ana.constant", file=source, field=field, value=float(x[0]))
