"""The steps every front door chains: read -> join -> protect -> aggregate -> write.

The CLI commands, project runs and the public Python API call these functions; the
rules themselves (key repair, duplicate policy, confidentiality, ratio of sums) live
in :mod:`geosozial.core`, so every door gives the same numbers and flags.

Example:
    >>> result = join_files("gemeinden.gpkg", "tabelle.csv", out="x.gpkg")  # doctest: +SKIP
    >>> print(result.report.text())  # doctest: +SKIP
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd

from geosozial import __version__
from geosozial.core.columns import value_columns
from geosozial.core.confidentiality import DEFAULT_RULE, ConfidentialityRule
from geosozial.core.indicators import Indicator
from geosozial.core.keys import kreis_mask, parse_kreise
from geosozial.core.messages import GeosozialError, Notice, define
from geosozial.core.outputs import Output, OutputSet, atomic_write_text, check_outputs
from geosozial.core.sozialraum import SozialraumMapping, read_mapping
from geosozial.core.tables.read import read_table
from geosozial.core.tables.table import Table
from geosozial.geo.areas import Areas, read_areas
from geosozial.geo.frames import (
    FrameAggregate,
    FrameJoin,
    aggregate_frame,
    join_frame,
)
from geosozial.geo.gpkg import no_side_files, write_geopackage

define("wf.no_key", de="{file} hat keine Spalte 'key'; bitte eine Datei von 'geosozial join' "
       "verwenden.", en="{file} has no column 'key'; use a file written by 'geosozial join'.")


def join_step(areas: Areas, table: Table, columns: Sequence[str] | None = None, *,
              rule: ConfidentialityRule | None = DEFAULT_RULE,
              relations: Sequence[str | tuple[str, Sequence[str]]] = (),
              crosswalk: Any = None) -> FrameJoin:
    """Join and protect: the join of every door (CLI, Python, project, QGIS via core).

    With ``rule=None`` nothing is withheld (internal joins that are aggregated and
    protected afterwards).

    Example:
        >>> joined = join_step(read_areas("g.gpkg"), read_table("t.csv"))  # doctest: +SKIP
    """
    notices = list(areas.notices)
    if crosswalk is None:
        notices += stand_hint(table, areas)
    return join_frame(areas.frame, table, columns, key_field=areas.key_field,
                      source=areas.source, notices=notices, rule=rule,
                      relations=relations, crosswalk=crosswalk)


def stand_hint(table: Table, areas: Areas) -> list[Notice]:
    """The hint of :func:`geosozial.core.years.stand_hint` for areas read by geopandas
    (their edition: the latest ``WSK``, :func:`geosozial.core.area_rows.area_rows`)."""
    from geosozial.core.years import stand_hint as core_stand_hint
    from geosozial.geo.areas import EDITION

    return core_stand_hint(table, areas.frame["key"].astype(str),
                           str(areas.frame.attrs.get(EDITION) or ""), areas.source)


def join_files(
    areas_path: str | Path,
    table_path: str | Path,
    key: str = "AGS",
    out: str | Path | None = None,
    *,
    columns: Sequence[str] | None = None,
    rule: ConfidentialityRule | None = DEFAULT_RULE,
    sheet: str | None = None,
    table_key_column: str | None = None,
    layer: str | None = None,
    relations: Sequence[str] = (),
    kreis: str | Sequence[str] | None = None,
    decimal: str | None = None,
    crosswalk: Any = None,
) -> FrameJoin:
    """Read areas and a table, join them, protect counts and optionally write a GeoPackage.

    The written layer ``gemeinden`` carries the values, ``<column>_flag`` columns and
    the join report in the dataset metadata; ``<out>.report.json`` holds the report too.
    Confidentiality takes the Kreis totals as public and uses sum relations between
    columns: those declared in ``relations`` (``"Insgesamt=männlich+weiblich"``) and
    those the GENESIS labels suggest, each checked against the data.

    Both files are checked before anything is read (neither may be an input, ``out`` must
    end in ``.gpkg`` in an existing folder) and appear together: the report is renamed
    into place right after the GeoPackage, and if that fails the previous GeoPackage is
    restored (:class:`~geosozial.core.outputs.OutputSet`).

    Example:
        >>> r = join_files("g.shp", "t.csv", "AGS", "x.gpkg")  # doctest: +SKIP
    """
    inputs = [("areas_path", areas_path), ("table_path", table_path)]
    if out is not None:
        check_outputs([Output("out", out, "gpkg"), Output("out", report_path(out), "json")],
                      inputs)
    areas = read_areas(areas_path, key=key, layer=layer, kreis=kreis)
    table = read_table(table_path, key_column=table_key_column, sheet=sheet,
                       columns=list(columns) if columns else None, decimal=decimal)
    result = join_step(areas, table, list(columns) if columns else None, rule=rule,
                       relations=relations, crosswalk=crosswalk)
    if out is not None:
        report = result.report.as_dict()
        with OutputSet(inputs):  # the GeoPackage first, then its report; both or neither
            write_geopackage(out, {"gemeinden": result.frame}, {
                "geosozial_version": __version__,
                "schritt": "join",
                "geheimhaltung": rule.describe() if rule else "keine",
                "verknuepfungsbericht": report,
            })
            write_report(Path(out), report)
    return result


def report_path(out: str | Path) -> Path:
    """The join report beside a joined GeoPackage.

    Parameters
    ----------
    out : str or Path
        The GeoPackage written by :func:`join_files`.

    Returns
    -------
    Path
        ``name.report.json`` in the same folder.

    Examples
    --------
    >>> report_path("daten/verknuepft.gpkg").as_posix()
    'daten/verknuepft.report.json'
    """
    return Path(out).with_suffix(".report.json")


def write_report(out: Path, report: Mapping[str, object]) -> Path:
    """Write ``report`` as JSON next to ``out`` (``name.report.json``), atomically."""
    return atomic_write_text(report_path(out),
                             json.dumps(report, ensure_ascii=False, indent=2) + "\n")


def aggregate_step(
    joined: gpd.GeoDataFrame,
    mapping: SozialraumMapping,
    *,
    variables: Mapping[str, Sequence[str]] | None = None,
    indicators: Sequence[Indicator] = (),
    rule: ConfidentialityRule | None = DEFAULT_RULE,
    relations: Sequence[str | tuple[str, Sequence[str]]] = (),
    counts: Sequence[str] | None = None,
    protect: Sequence[str] | None = None,
    source: str = "",
    sums: Sequence[str] = (),
) -> FrameAggregate:
    """Aggregate joined municipalities to Sozialräume, protecting both levels at once.

    Whole-number value columns are summed as counts (or ``counts`` if given);
    fractional columns (ready-made rates) are not summed, with a notice. ``variables``
    defines named sums of columns; relations are checked against the data; ``sums``
    are additive columns that are no counts (areas), summed and not protected.

    Example:
        >>> r = aggregate_step(joined, read_mapping("sr.csv"))  # doctest: +SKIP
    """
    return aggregate_frame(joined, mapping, variables=variables, indicators=indicators,
                           rule=rule, relations=relations, counts=counts, protect=protect,
                           source=source, sums=sums)


def read_joined(path: str | Path, layer: str | None = None) -> gpd.GeoDataFrame:
    """A GeoPackage written by ``geosozial join`` (keys, names and flags as text).

    Example:
        >>> frame = read_joined("verknuepft.gpkg")  # doctest: +SKIP
    """
    with no_side_files():
        joined = gpd.read_file(path, layer=layer)
    if "key" not in joined.columns:
        raise GeosozialError("wf.no_key", file=str(path))
    joined["key"] = joined["key"].astype(str)
    joined["name"] = joined["name"].fillna("").astype(str) if "name" in joined else ""
    for c in value_columns(list(joined.columns)):
        joined[f"{c}_flag"] = joined[f"{c}_flag"].fillna("").astype(str)
    from geosozial.geo.areas import stored_attrs

    joined.attrs.update(stored_attrs(path))  # the geometries' credit the join stored
    return joined


def aggregate_files(
    joined_path: str | Path,
    mapping_path: str | Path,
    out: str | Path | None = None,
    *,
    variables: Mapping[str, Sequence[str]] | None = None,
    indicators: Sequence[Indicator] = (),
    rule: ConfidentialityRule | None = DEFAULT_RULE,
    layer: str | None = None,
    relations: Sequence[str] = (),
    kreis: str | Sequence[str] | None = None,
    sums: Sequence[str] = (),
) -> FrameAggregate:
    """Aggregate a joined GeoPackage to Sozialräume and optionally write both levels.

    ``out`` is checked before anything is read (not an input, ``.gpkg``, existing folder).

    Example:
        >>> run = aggregate_files("joined.gpkg", "sozialraeume.csv", "sr.gpkg")  # doctest: +SKIP
    """
    inputs = [("joined_path", joined_path), ("mapping_path", mapping_path)]
    if out is not None:
        check_outputs([Output("out", out, "gpkg")], inputs)
    joined = read_joined(joined_path, layer)
    notices: list[Notice] = []
    kreise = parse_kreise(kreis)
    if kreise:  # only these Kreise: a Sozialraum mapping of one Kreis on an all-Land join
        keep, notices = kreis_mask(joined["key"].tolist(), kreise, str(joined_path))
        joined = joined[keep].reset_index(drop=True)
    mapping = read_mapping(mapping_path)
    result = aggregate_step(joined, mapping, variables=variables, indicators=indicators,
                            rule=rule, relations=relations, source=str(joined_path),
                            sums=sums)
    result.result.notices[:0] = notices
    if out is not None:
        with OutputSet(inputs):
            write_geopackage(out, {"gemeinden": result.municipalities,
                                   "sozialraeume": result.sozialraeume}, {
                "geosozial_version": __version__,
                "schritt": "aggregate",
                "geheimhaltung": rule.describe() if rule else "keine",
                "zuordnung": str(mapping_path),
                "indikatoren": {i.id: i.as_dict() for i in indicators},
                "hinweise": [n.as_dict() for n in result.notices],
            })
    return result


def method_record(**parts: Any) -> dict[str, Any]:
    """The method of a run as stored in outputs (drops empty entries).

    Example:
        >>> method_record(rule="Fallzahlen 1–2 gesperrt", relations=[])
        {'rule': 'Fallzahlen 1–2 gesperrt'}
    """
    return {k: v for k, v in parts.items() if v not in (None, "", [], {}, ())}
