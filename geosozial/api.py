"""The public Python API: ``import geosozial as gs``.

Every function takes frames or paths, never modifies its input, applies the same rules
as the command line (confidentiality by default) and returns a result with ``.frame``
(a new GeoDataFrame), the report or notices and ``.method``. Areas need no special
preparation: the key is a named column (``key=``; by default ``key``, ``AGS``, ``ARS``
or ``RS`` when present) or the index.

Example:
    >>> import geosozial as gs
    >>> areas = gs.read_areas(gs.demo_path("gemeinden.gpkg"), key="AGS")
    >>> joined = gs.join(areas, gs.demo_path("bewegungen_2023.csv"))
    >>> births = "Natürliche Bevölkerungsbewegung | Lebendgeborene"
    >>> joined.report.matched, sorted(set(joined.frame[births + "_flag"]))
    (50, ['', 'geheim'])
    >>> gs.lisa(joined.frame, "Wanderungen | Zuzüge über die Gemeindegrenzen").method["seed"]
    12345
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geosozial.core.confidentiality import ConfidentialityRule
from geosozial.core.indicators import Indicator, indicators_from_specs
from geosozial.core.join import JoinReport
from geosozial.core.keys import KEY_LENGTHS, NAME_FIELDS, normalize_key
from geosozial.core.messages import GeosozialError, Notice, define
from geosozial.core.sozialraum import SozialraumMapping, read_mapping
from geosozial.core.tables.read import read_table as _read_table
from geosozial.core.tables.table import Table
from geosozial.geo.areas import Areas
from geosozial.geo.areas import read_areas as _read_areas
from geosozial.kernel.weights import Weights

__all__ = ["aggregate", "apply_crosswalk", "derive_crosswalk", "dynamics", "emerging_hotspots",
           "hotspots", "join", "lisa", "map", "moran", "read_areas", "read_crosswalk",
           "read_store", "read_table", "report", "weights"]

define("api.no_key",
       de="Schlüsselfeld {key} gibt es nicht. Felder: {fields}",
       en="there is no key field {key}. Fields: {fields}")
define("api.not_frame",
       de="{what}: erwartet wird ein GeoDataFrame, ein Ergebnis von read_areas oder ein "
       "Dateipfad, nicht {type}.",
       en="{what}: expected a GeoDataFrame, a result of read_areas or a file path, not {type}.")
define("api.min_count", de="min_count muss eine ganze Zahl ab 1 sein (angegeben: {value!r}).",
       en="min_count must be a whole number of at least 1 (given: {value!r}).")

KEY_CANDIDATES = ("key", "AGS", "ARS", "RS")


# --- results ---------------------------------------------------------------------------


@dataclass
class JoinResult:
    """The joined areas, the two-way report and the method."""

    frame: gpd.GeoDataFrame
    report: JoinReport
    method: dict[str, Any]
    value_columns: list[str] = field(default_factory=list)
    text_columns: list[str] = field(default_factory=list)

    @property
    def notices(self) -> list[Notice]:
        """Everything the join and the protection reported."""
        return self.report.notices


@dataclass
class AggregateResult:
    """Sozialräume (``.frame``), municipalities, notices and the method."""

    frame: gpd.GeoDataFrame
    municipalities: gpd.GeoDataFrame
    notices: list[Notice]
    method: dict[str, Any]


@dataclass
class AnalysisResult:
    """The areas with result columns (``lisa_*`` / ``gi_*``), notices and the method.

    For :func:`moran`, ``frame`` is a table with one row per statistic (statistic,
    value, expected, z, p, permutations, seed, weights, ...).
    """

    frame: pd.DataFrame
    notices: list[Notice]
    method: dict[str, Any]
    weights: Weights
    classes: dict[str, int] = field(default_factory=dict)
    analysis: Any = None


# --- reading ---------------------------------------------------------------------------


def read_areas(path: str | Path, key: str = "AGS", *, layer: str | None = None,
               name_field: str | None = None, crs: str | int | None = None,
               kreis: str | Sequence[str] | None = None) -> Areas:
    """Read municipality polygons (GeoPackage, Shapefile, GeoJSON) keyed by AGS/ARS.

    Parameters
    ----------
    path : str or Path
        The geometry file.
    key : str
        ``AGS`` (default), ``ARS`` or any field name.
    layer, name_field, crs : optional
        The layer of a multi-layer file, the name field (default ``GEN``, ``name``, ...),
        a CRS to project to (default: keep a projected CRS, geographic to ETRS89/UTM).
    kreis : str or sequence of str, optional
        Only the areas of these Kreise (``"14522"``; reported in the notices).

    Returns
    -------
    Areas
        ``.frame`` with the columns ``key`` and ``name`` first, ``.notices`` with every
        repair (keys, invalid geometries, reprojection).

    Examples
    --------
    >>> areas = read_areas(demo_path("gemeinden.gpkg"))
    >>> len(areas.frame), areas.frame.crs.to_epsg()
    (50, 25833)
    """
    return _read_areas(path, key=key, layer=layer, name_field=name_field, crs=crs, kreis=kreis)


def read_table(path: str | Path, *, key_column: str | None = None, sheet: str | int | None = None,
               encoding: str | None = None, columns: Sequence[str] | None = None,
               decimal: str | None = None) -> Table:
    """Read an indicator table: GENESIS/Regionalstatistik CSV or XLSX, plain CSV/XLSX.

    Parameters
    ----------
    path : str or Path
    key_column : str, optional
        The key column of a plain table (found by name otherwise).
    sheet : str or int, optional
        The XLSX sheet.
    encoding : str, optional
        Overrides the detected encoding of a CSV.
    columns : sequence of str, optional
        The value columns of a plain table; the other columns are text attributes.
    decimal : str, optional
        ``","`` or ``"."`` where the table's decimal mark is ambiguous (decided per
        column by default; an ambiguous column is refused with a message).

    Returns
    -------
    Table

    Examples
    --------
    >>> t = read_table(demo_path("sgb2_2023.csv"))
    >>> t.meta["layout"], t.keys[0]
    ('genesis-csv', '14999')
    """
    return _read_table(path, key_column=key_column, sheet=sheet, encoding=encoding,
                       columns=columns, decimal=decimal)


# --- join and aggregate ------------------------------------------------------------------


def join(areas: Any, table: Table | str | Path, *, key: str | None = None,
         columns: Sequence[str] | None = None, min_count: int = 3,
         confidentiality: bool = True,
         relations: Sequence[str | tuple[str, Sequence[str]]] = (),
         crosswalk: Any = None) -> JoinResult:
    """Join an indicator table to areas and withhold small counts, as ``geosozial join``.

    Parameters
    ----------
    areas : GeoDataFrame, Areas or path
        The areas; for a GeoDataFrame ``key`` names the key column (see module doc).
    table : Table or path
        The indicator table.
    key : str, optional
        The key field (``AGS`` by default for paths).
    columns : sequence of str, optional
        Value columns to join (all by default; text columns always come along).
    min_count : int
        Counts from 1 to ``min_count - 1`` are withheld (default 3: counts 1 and 2).
    confidentiality : bool
        False joins without withholding anything (internal use only).
    relations : sequence
        Sum relations between columns (``"Insgesamt=männlich+weiblich"``).
    crosswalk : Crosswalk, optional
        From the table's Gebietsstand to the areas' one: the report names areas whose
        territory changed under the same key and the successors of unmatched keys.

    Returns
    -------
    JoinResult
        ``.frame`` (withheld cells NaN with flag ``geheim``), ``.report``, ``.method``.

    Examples
    --------
    >>> r = join(demo_path("gemeinden.gpkg"), demo_path("arbeitslose_2023.csv"))
    >>> r.report.matched, r.method["confidentiality"]
    (50, 'Fallzahlen 1–2 geheim gehalten')
    """
    from geosozial.pipeline.steps import join_step

    rule = _rule(min_count, confidentiality)
    prepared = _areas(areas, key)
    if not isinstance(table, Table):
        table = _read_table(table, columns=columns)
    if crosswalk is None:
        result = join_step(prepared, table, columns, rule=rule, relations=relations)
    else:
        from geosozial.geo.frames import join_frame

        result = join_frame(prepared.frame, table, columns, key_field=prepared.key_field,
                            source=prepared.source, notices=prepared.notices, rule=rule,
                            relations=relations, crosswalk=crosswalk)
    frame = result.frame
    if isinstance(areas, gpd.GeoDataFrame):  # no column the caller did not have
        frame = frame.drop(columns=[c for c in ("key", "name") if c not in areas.columns])
    method = {"step": "join", "key": prepared.key_field,
              "confidentiality": rule.describe() if rule else "keine",
              "relations": [r if isinstance(r, str) else f"{r[0]}={'+'.join(r[1])}"
                            for r in relations]}
    return JoinResult(frame, result.report, method, result.value_columns,
                      result.text_columns)


def aggregate(joined: Any, mapping: SozialraumMapping | str | Path, *,
              variables: Mapping[str, Sequence[str]] | None = None,
              indicators: Sequence[str | Indicator] = (), min_count: int = 3,
              confidentiality: bool = True, key: str | None = None,
              relations: Sequence[str | tuple[str, Sequence[str]]] = (),
              sums: Sequence[str] = ()) -> AggregateResult:
    """Aggregate joined municipalities to Sozialräume, as ``geosozial aggregate``.

    Counts are summed, rates recomputed as the ratio of summed counts; a member
    without a value makes the Sozialraum "nicht berechenbar"; both levels are protected.

    Parameters
    ----------
    joined : GeoDataFrame or JoinResult
        Municipalities with value and ``<column>_flag`` columns.
    mapping : SozialraumMapping or path
        The table ``AGS;Sozialraum``.
    variables : mapping, optional
        Named sums of columns (``{"bev_u18": ["u15", "15_18"]}``).
    indicators : sequence
        Catalogue ids, custom rates (``"frauenanteil=frauen/einwohner*100"``) or
        :class:`~geosozial.core.indicators.Indicator` objects (with label and unit, see
        :func:`~geosozial.core.indicators.indicator_from_text`).
    min_count, confidentiality, key, relations
        As for :func:`join`.
    sums : sequence of str
        Additive columns that are no counts (``["Flaeche_km2"]``): summed per
        Sozialraum, not protected.

    Returns
    -------
    AggregateResult

    Examples
    --------
    >>> r = aggregate(join(demo_path("gemeinden.gpkg"), demo_path("sgb2_2023.csv"),
    ...                    confidentiality=False).frame, demo_path("sozialraeume.csv"))
    >>> len(r.frame), "sozialraum" in r.municipalities
    (6, True)
    """
    from geosozial.pipeline.steps import aggregate_step

    rule = _rule(min_count, confidentiality)
    frame = joined.frame if isinstance(joined, JoinResult) else joined
    prepared = _areas(frame, key)
    if not isinstance(mapping, SozialraumMapping):
        mapping = read_mapping(mapping)
    inds = [i if isinstance(i, Indicator) else indicators_from_specs([i])[0]
            for i in indicators]
    result = aggregate_step(prepared.frame, mapping, variables=variables, indicators=inds,
                            rule=rule, relations=relations, source=prepared.source,
                            sums=sums)
    method = {"step": "aggregate", "mapping": mapping.source,
              "confidentiality": rule.describe() if rule else "keine",
              "indicators": [i.id for i in inds]}
    for frame in (result.sozialraeume, result.municipalities):  # labels for gs.map
        frame.attrs["indikatoren"] = {i.id: i.as_dict() for i in inds}
    return AggregateResult(result.sozialraeume, result.municipalities, result.notices, method)


# --- statistics --------------------------------------------------------------------------


def weights(frame: Any, spec: str = "queen", *, key: str | None = None) -> Weights:
    """Spatial weights (``queen``, ``rook``, ``knn:K``, ``distance:METRES[:inverse]``).

    Examples
    --------
    >>> w = weights(read_areas(demo_path("gemeinden.gpkg")).frame, "queen")
    >>> w.n, len(w.islands)
    (50, 1)
    """
    from geosozial.geo.weights import weights_for

    return weights_for(_areas(frame, key).frame, spec)


def moran(frame: Any, field: str, *, key: str | None = None, weights: str = "queen",
          permutations: int | str = "auto", seed: int = 12345,
          alternative: str = "two-sided", dropna: bool = False,
          snap: float = 0.0) -> AnalysisResult:
    """Global Moran's I, Geary's C and (for values >= 0) General G, as ``geosozial moran``.

    ``permutations="auto"`` is 999 for these global statistics (one test each).

    Returns
    -------
    AnalysisResult
        ``.frame``: one row per statistic (value, expected, z, p, ...).

    Examples
    --------
    >>> r = moran(read_areas(demo_path("gemeinden.gpkg")).frame, "EWZ")
    >>> list(r.frame["statistic"])
    ['moran', 'geary', 'general_g']
    """
    from geosozial.geo.analysis import global_analysis

    prepared = _areas(frame, key)
    analysis = global_analysis(prepared.frame, field, weights=weights,
                               permutations=permutations, seed=seed, alternative=alternative,
                               dropna=dropna, source=prepared.source, snap=snap)
    table = pd.DataFrame([r.as_row() for r in analysis.result])
    return AnalysisResult(table, prepared.notices + analysis.notices, analysis.method(),
                          analysis.weights, analysis=analysis)


def lisa(frame: Any, field: str, *, key: str | None = None, weights: str = "queen",
         statistic: str = "moran", permutations: int | str = "auto", seed: int = 12345,
         alternative: str | None = None, correction: str = "fdr", alpha: float = 0.05,
         dropna: bool = False, neighbour_field: str | None = None, base: str | None = None,
         fields: Sequence[str] = (), quantiles: int | None = None,
         quantile: int | None = None, snap: float = 0.0) -> AnalysisResult:
    """A local statistic with its classes, as ``geosozial lisa``.

    ``statistic``: ``moran`` (LISA, default; ``neighbour_field`` gives the bivariate
    LISA, ``base`` the LISA of Empirical-Bayes rates with ``field`` case counts and
    ``base`` the population at risk), ``geary`` (local Geary; with ``fields`` the
    multivariate local Geary over ``field`` and ``fields``), ``quantile`` (quantile
    LISA of class ``quantile`` of ``quantiles``, default the highest) or ``joincount``
    (local join counts of a 0/1 field). ``permutations="auto"`` (default): sequential
    p-values with as many draws as the correction needs; a number gives that many.

    Returns
    -------
    AnalysisResult
        ``.frame``: the areas with the result columns (``lisa_I``, ``lisa_z``,
        ``lisa_p``, ``lisa_q``, ``lisa_cluster``; ``geary_*``; ``jc_*``),
        ``.notices`` with the warnings (few areas, unreachable correction, small bases).

    Examples
    --------
    >>> r = lisa(read_areas(demo_path("gemeinden.gpkg")).frame, "EWZ")
    >>> sorted(r.classes), r.method["correction"], r.method["sequential"]
    (['HH', 'isolated', 'ns'], 'fdr', True)
    >>> r = lisa(read_areas(demo_path("gemeinden.gpkg")).frame, "EWZ", statistic="geary")
    >>> [c for c in r.frame.columns if c.startswith("geary_")]
    ['geary_c', 'geary_z', 'geary_p', 'geary_q', 'geary_cluster']
    """
    if statistic == "quantile" and quantiles is not None and quantile is None:
        quantile = quantiles
    return _local(frame, field, "lisa", key=key, weights=weights, statistic=statistic,
                  permutations=permutations, seed=seed, alternative=alternative,
                  correction=correction, alpha=alpha, dropna=dropna,
                  neighbour_field=neighbour_field, base_field=base, fields=list(fields),
                  quantiles=quantiles, quantile=quantile, snap=snap)


def hotspots(frame: Any, field: str, *, key: str | None = None, weights: str = "queen",
             permutations: int | str = "auto", seed: int = 12345,
             alternative: str = "two-sided",
             correction: str = "fdr", alpha: float = 0.05,
             dropna: bool = False, snap: float = 0.0) -> AnalysisResult:
    """Getis-Ord Gi* hot and cold spots with bins -3..3, as ``geosozial hotspots``.

    ``snap`` (metres) joins contiguity across gaps between boundaries, as ``--snap``.

    Examples
    --------
    >>> r = hotspots(read_areas(demo_path("gemeinden.gpkg")).frame, "EWZ")
    >>> set(r.frame["gi_bin"]) <= {-3, -2, -1, 0, 1, 2, 3}
    True
    """
    return _local(frame, field, "gi", key=key, weights=weights, permutations=permutations,
                  seed=seed, alternative=alternative, correction=correction, alpha=alpha,
                  dropna=dropna, snap=snap)


def read_crosswalk(path: str | Path, *, sheet: str | int | None = None,
                   share: str | None = None, gebietsstand: str = "") -> Any:
    """A crosswalk from a file: CSV ``alt;neu;anteil`` or a BBSR Umstiegsschlüssel workbook.

    ``sheet`` picks the workbook's sheet (a name or the old year), ``share`` the BBSR
    share (``flaeche``, ``bevoelkerung`` (default), ``beschaeftigte``).

    Examples
    --------
    >>> cw = read_crosswalk(demo_path("umsteiger_2022_2023.csv"))
    >>> [c.kind for c in cw.changes()]
    ['merged_existing', 'merged_new']
    """
    from geosozial.core.crosswalk_files import read_crosswalk as _read

    return _read(path, sheet=sheet, share=share, gebietsstand=gebietsstand)


def derive_crosswalk(old: Any, new: Any, *, key: str | None = None, tolerance: float = 0.2,
                     gebietsstand: str = "", weight_points: Any = None,
                     weight_field: str | None = None) -> Any:
    """A crosswalk from two geometry editions by overlay, as ``geosozial crosswalk derive``.

    Each old municipality goes whole to the new one holding most of its area; shares
    below ``tolerance`` are differences of generalisation (reported in
    ``.notices``), larger ones make a split (with population shares from
    ``weight_points``/``weight_field`` where given). ``.report()`` lists every change.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> old = gpd.GeoDataFrame({"AGS": ["01001000", "01002000"]}, crs=25832,
    ...                        geometry=[box(0, 0, 10, 10), box(10, 0, 20, 10)])
    >>> new = gpd.GeoDataFrame({"AGS": ["01001000"]}, crs=25832, geometry=[box(0, 0, 20, 10)])
    >>> derive_crosswalk(old, new).rows
    [('01001000', '01001000', 1.0), ('01002000', '01001000', 1.0)]
    """
    from geosozial.geo.crosswalk import derive_crosswalk as _derive

    return _derive(_areas(old, key), _areas(new, key), tolerance=tolerance,
                   gebietsstand=gebietsstand, weight_points=weight_points,
                   weight_field=weight_field)


def apply_crosswalk(table: Table | str | Path, crosswalk: Any, columns: Sequence[str] | None
                    = None, *, gebietsstand: str = "") -> Table:
    """The counts of ``table`` on the crosswalk's new keys, as ``geosozial crosswalk apply``.

    Sum of count × share per new key; mergers exact and flagged ``umgeschluesselt``,
    splits ``geschaetzt``; a column that is not a count is refused (recompute rates from
    converted counts); a table holding a merged unit and its former parts is refused.
    ``crosswalk`` is a crosswalk or a file for :func:`read_crosswalk`.

    Examples
    --------
    >>> t = apply_crosswalk(demo_path("sgb2_2022.csv"), demo_path("umsteiger_2022_2023.csv"))
    >>> t.flag("14999010", "Insgesamt"), "14999013" in t.keys
    ('umgeschluesselt', False)
    """
    from geosozial.core.crosswalk import apply_crosswalk as _apply

    cw = read_crosswalk(crosswalk) if isinstance(crosswalk, (str, Path)) else crosswalk
    data = table if isinstance(table, Table) else _read_table(table)
    return _apply(data, cw, columns, gebietsstand=gebietsstand)


def read_store(target: str | Path) -> Any:
    """The time-series store of a project (``sozialdatenbank.gpkg`` or a PostGIS URL).

    Returns ``.long`` (one row per key, year and variable: ``schluessel``, ``name``,
    ``ebene``, ``jahr``, ``variable``, ``wert``, ``kennzeichen``, ``quelle``,
    ``stichtag``, ``gebietsstand``, ``umgerechnet``), ``.layers`` (``gemeinden`` and
    ``sozialraeume`` with all years stacked, ``jahr`` and ``datum``), ``.changes``
    (what each run replaced) and ``.meta``; the same from either backend.

    Examples
    --------
    >>> store = read_store("ausgabe/sozialdatenbank.gpkg")  # doctest: +SKIP
    >>> store.long.query("variable == 'sgb2_quote' and jahr == 2023")  # doctest: +SKIP
    """
    from geosozial.geo.store import read_store as _read

    return _read(target)


def emerging_hotspots(frames: Mapping[int, Any], field: str, *, key: str | None = None,
                      weights: str = "queen", permutations: int | str = "auto",
                      seed: int = 12345, correction: str = "fdr", alpha: float = 0.05,
                      trend_alpha: float = 0.05, snap: float = 0.0) -> AnalysisResult:
    """Emerging hot spots over years: Gi* per year, Mann-Kendall trend, categories.

    ``frames`` maps each year to its areas on ONE Gebietsstand (same keys, same
    order; convert older years with a crosswalk first). Returns the last year's areas
    with ``ehs_kategorie`` (``new``, ``consecutive``, ``intensifying``, ``persistent``,
    ``diminishing``, ``sporadic``, ``oscillating``, ``historical``, the same with
    ``_cold``, or ``none``), ``ehs_trend_z``, ``ehs_trend_p``, ``ehs_tau`` and
    ``gi_z_<year>`` / ``gi_bin_<year>``; each year's Gi* equals :func:`hotspots` with the
    same seed. As ``geosozial trends``.

    Examples
    --------
    >>> areas = read_areas(demo_path("gemeinden.gpkg")).frame
    >>> frames = {2022: areas.assign(v=areas["EWZ"] * 0.9), 2023: areas.assign(v=areas["EWZ"])}
    >>> r = emerging_hotspots(frames, "v")
    >>> bool(r.frame["ehs_kategorie"].isin(["persistent", "none", "new"]).all())
    True
    >>> r.method["years"]
    [2022, 2023]
    """
    from geosozial.core.emerging import CATEGORY_WORDS
    from geosozial.geo.emerging import emerging_analysis

    prepared = {int(y): _areas(f, key) for y, f in frames.items()}
    last = prepared[max(prepared)]
    analysis = emerging_analysis({y: a.frame for y, a in prepared.items()}, field,
                                 weights=weights, permutations=permutations, seed=seed,
                                 correction=correction, alpha=alpha, trend_alpha=trend_alpha,
                                 source=last.source, snap=snap)
    original = _original(frames[max(prepared)])
    rows = _positions(last.frame, analysis.frame)
    out = original.iloc[rows].copy().reset_index(drop=True)
    for c in analysis.frame.columns:
        if str(c).startswith(("ehs_", "gi_z_", "gi_bin_")):
            out[c] = analysis.frame[c].to_numpy()
    geometry = out.geometry.name
    out = out[[c for c in out.columns if c != geometry] + [geometry]]
    codes = analysis.frame["ehs_kategorie"].tolist()
    return AnalysisResult(gpd.GeoDataFrame(out, geometry=geometry, crs=original.crs),
                          last.notices + analysis.notices, analysis.method(),
                          analysis.weights,
                          {c: codes.count(c) for c in CATEGORY_WORDS if c in codes}, analysis)


def dynamics(frames: Mapping[int, Any], field: str, *, years: int = 1,
             kind: str | None = None, key: str | None = None) -> AnalysisResult:
    """Change of ``field`` over ``years`` years and its linear trend per area.

    ``kind``: ``rate`` (difference in percentage points), ``count`` (relative change
    in %) or ``value`` (difference); by default ``rate`` for catalogue indicators in %,
    ``value`` for other catalogue indicators, ``count`` otherwise. Returns the last
    year's areas with ``<field>_diff<years>`` and ``<field>_trend`` (slope per year over
    all years, at least 3) and their flag columns; a withheld value makes the change
    ``geheim``, a missing one ``nicht_berechenbar``. The frames must be on one
    Gebietsstand (same keys).

    Examples
    --------
    >>> areas = read_areas(demo_path("gemeinden.gpkg")).frame
    >>> r = dynamics({2022: areas.assign(n=100.0), 2023: areas.assign(n=110.0)}, "n")
    >>> float(r.frame["n_diff1"].iloc[0]), r.method["unit"]
    (10.0, '%')
    """
    from geosozial.core.dynamics import UNITS
    from geosozial.geo.emerging import year_values
    from geosozial.pipeline.timeline import DynamicsSpec, add_dynamics, change_kind

    prepared = {int(y): _areas(f, key) for y, f in frames.items()}
    last_year = max(prepared)
    year_values({y: a.frame for y, a in prepared.items()}, field, prepared[last_year].source)
    work = {y: a.frame.copy() for y, a in prepared.items()}
    indicators: list[Any] = []
    chosen = kind or change_kind(field, indicators)
    if chosen not in UNITS:
        raise GeosozialError("dyn.kind", kind=chosen)
    labels = add_dynamics(work, [DynamicsSpec(field, int(years))], indicators, "dynamics",
                          kinds={field: chosen})
    diff, trend_col = f"{field}_diff{int(years)}", f"{field}_trend"
    original = _original(frames[last_year])
    rows = _positions(prepared[last_year].frame, work[last_year])
    out = original.iloc[rows].copy().reset_index(drop=True)
    for c in (diff, f"{diff}_flag", trend_col, f"{trend_col}_flag"):
        out[c] = work[last_year][c].to_numpy()
    geometry = out.geometry.name
    out = out[[c for c in out.columns if c != geometry] + [geometry]]
    method = {"statistic": "dynamics", "field": field, "years": sorted(prepared),
              "span": int(years), "kind": chosen, "unit": labels[diff][1]}
    return AnalysisResult(gpd.GeoDataFrame(out, geometry=geometry, crs=original.crs),
                          prepared[last_year].notices, method, None)


def _local(frame: Any, field: str, kind: str, *, key: str | None,
           **options: Any) -> AnalysisResult:
    from geosozial.core.results import column_names
    from geosozial.geo.analysis import local_analysis

    prepared = _areas(frame, key)
    analysis = local_analysis(prepared.frame, field, kind=kind, source=prepared.source,
                              **options)
    columns = column_names(analysis.kind)
    original = _original(frame)
    rows = _positions(prepared.frame, analysis.frame)
    out = original.iloc[rows].copy().reset_index(drop=True)
    for c in columns:
        out[c] = analysis.frame[c].to_numpy()
    geometry = out.geometry.name
    out = out[[c for c in out.columns if c != geometry] + [geometry]]
    return AnalysisResult(gpd.GeoDataFrame(out, geometry=geometry, crs=original.crs),
                          prepared.notices + analysis.notices, analysis.method(),
                          analysis.weights, analysis.result.counts(), analysis)


# --- maps and projects -----------------------------------------------------------------


def map(frame: Any, fields: str | Sequence[str], *, out: str | Path | None = None,
        key: str | None = None, title: str | None = None, **options: Any) -> Any:
    """A self-contained HTML map of one or more fields (see ``geosozial map``).

    ``options`` are those of :func:`geosozial.geo.maps.indicator_map` (``scheme``,
    ``k``, ``breaks``, ``palette_name``, ``labels``, ``lang``, ``attribution`` ...).
    Label and unit of an indicator come from the catalogue or, for a frame made by
    :func:`aggregate`, from its definition (custom rates included).
    Returns the built map (``.html``, ``.write(path)``); with ``out`` it is written
    atomically. ``out`` must end in ``.html``/``.htm`` in an existing folder and may not
    be the file ``frame`` was read from; both are checked before anything is read.

    Examples
    --------
    >>> m = map(read_areas(demo_path("gemeinden.gpkg")).frame, "EWZ", title="Einwohner")
    >>> m.html.startswith("<!DOCTYPE html>")
    True
    """
    import json

    from geosozial.geo.maps import field_label, indicator_map, labels_from_metadata

    if out is not None:
        from geosozial.core.outputs import Output, check_outputs

        check_outputs([Output("out", out, "html")],
                      [("frame", frame)] if isinstance(frame, (str, Path)) else [])
    prepared = _areas(frame, key)
    names = [fields] if isinstance(fields, str) else list(fields)
    lang = options.get("lang", "de")
    stored = getattr(frame, "attrs", {}).get("indikatoren")
    labels = labels_from_metadata({"indikatoren": json.dumps(stored)}, lang) if stored else {}
    labels = {f: labels.get(f, field_label(f, lang)) for f in names} | options.pop("labels", {})
    heading = title or ", ".join(labels[f][0] for f in names)
    built = indicator_map(prepared.frame, names, title=heading, labels=labels, **options)
    if out is not None:
        built.write(out)
    return built


def report(project: str | Path | None = None, out: str | Path = "geosozial_out", *,
           lang: str = "de") -> Any:
    """Run a project file and build its atlas (``geosozial report projekt.toml``); None
    runs the demo.

    Returns the run summary (``.files``, ``.years``, ``.text()``) with the atlas summary
    as ``.atlas`` (pages written and unchanged). The folder ``out`` is created when
    missing; no written file may be an input of the project; the run's files are
    committed together (see :func:`geosozial.pipeline.project.run_project`), then the
    site (``index.html``, indicator pages, Sozialdatenblätter, downloads) beside them.

    Examples
    --------
    >>> import tempfile
    >>> summary = report(None, tempfile.mkdtemp())  # doctest: +SKIP
    >>> summary.atlas.text()  # doctest: +SKIP
    """
    from geosozial.pipeline.report import report as atlas_report

    summary, atlas = atlas_report(Path(project) if project else demo_path("projekt.toml"),
                                  Path(out), lang=lang)
    summary.atlas = atlas
    return summary


def demo_path(name: str = "projekt.toml") -> Path:
    """A file of the bundled demo project (the fictional Musterkreis).

    Examples
    --------
    >>> demo_path("sozialraeume.csv").name
    'sozialraeume.csv'
    """
    from geosozial.pipeline.demo import demo_project

    return demo_project().parent / name


# --- internals -----------------------------------------------------------------------


def _rule(min_count: int, confidentiality: bool) -> ConfidentialityRule | None:
    if isinstance(min_count, bool) or not isinstance(min_count, (int, np.integer)) \
            or min_count < 1:
        raise GeosozialError("api.min_count", value=min_count)
    return ConfidentialityRule(min_count=int(min_count)) if confidentiality else None


def _original(frame: Any) -> gpd.GeoDataFrame:
    if isinstance(frame, Areas):
        return frame.frame
    if isinstance(frame, (str, Path)):
        return _read_areas(frame).frame
    return frame.reset_index(drop=False) if _use_index(frame) else frame.reset_index(drop=True)


def _use_index(frame: pd.DataFrame) -> bool:
    return not any(c in frame.columns for c in KEY_CANDIDATES) and frame.index.name is not None


def _areas(frame: Any, key: str | None) -> Areas:
    """The areas as the core steps take them: a copy with ``key`` and ``name`` first."""
    if isinstance(frame, Areas):
        return frame
    if isinstance(frame, (str, Path)):
        return _read_areas(frame, key=key or "AGS")
    if not isinstance(frame, gpd.GeoDataFrame):
        raise GeosozialError("api.not_frame", what="areas", type=type(frame).__name__)
    work = frame.copy().reset_index(drop=not _use_index(frame))
    if key is None:
        key = next((c for c in KEY_CANDIDATES if c in work.columns), None)
    if key is None:  # the index is the key
        keys = [str(v) for v in frame.index]
        key_field = str(frame.index.name or "index")
    elif key in work.columns:
        from geosozial.geo.frames import to_columns

        keys = to_columns(work[[key]]).texts(key)
        key_field = key
        if key.upper() in KEY_LENGTHS:
            keys = [_normal_key(k, key.upper(), row) for row, k in enumerate(keys, start=1)]
    else:
        raise GeosozialError("api.no_key", key=key,
                             fields=", ".join(str(c) for c in work.columns if c != "geometry"))
    name_col = next((c for c in NAME_FIELDS if c in work.columns and c != key), None)
    names = work[name_col].fillna("").astype(str).tolist() if name_col else keys
    work = work.drop(columns=[c for c in ("key", "name") if c in work.columns])
    work.insert(0, "key", pd.Series(keys, dtype=object))
    work.insert(1, "name", pd.Series(names, dtype=object))
    return Areas(frame=gpd.GeoDataFrame(work, geometry=frame.geometry.name, crs=frame.crs),
                 key_field=key_field, source="GeoDataFrame")


def _normal_key(value: str, kind: str, row: int) -> str:
    try:
        return normalize_key(value, kind)[0]
    except GeosozialError as exc:
        raise GeosozialError("geo.key_bad", file="GeoDataFrame", row=row, key=kind,
                             problem=exc.text()) from exc


def _positions(work: pd.DataFrame, result: pd.DataFrame) -> list[int]:
    where = {k: i for i, k in enumerate(work["key"].astype(str))}
    return [where[k] for k in result["key"].astype(str)]
