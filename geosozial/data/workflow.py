"""File-to-file steps behind the CLI: join a table to areas, aggregate to Sozialräume.

Example:
    >>> result = join_files("gemeinden.gpkg", "tabelle.csv", out="x.gpkg")  # doctest: +SKIP
    >>> print(result.report.text())  # doctest: +SKIP
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd

from geosozial import __version__
from geosozial.data.confidentiality import DEFAULT_RULE, ConfidentialityRule
from geosozial.data.export import kreis_groups, write_geopackage
from geosozial.data.geometries import read_areas
from geosozial.data.indicators import Indicator
from geosozial.data.join import JoinResult, join_table
from geosozial.data.protect import (
    label_relations,
    parse_relation,
    protect_frames,
    verify_relations,
)
from geosozial.data.sozialraum import AggregateResult, aggregate, read_mapping
from geosozial.data.tables import read_table
from geosozial.data.variables import count_columns, derive_variables, value_columns
from geosozial.messages import GeosozialError, Notice, define

define("wf.not_joined",
       de="{file} enthält keine Wertespalten mit Kennzeichen (Spalte und Spalte_flag); bitte "
       "zuerst 'geosozial join' ausführen.",
       en="{file} has no value columns with flags (column and column_flag); run "
       "'geosozial join' first.")
define("wf.relation_column",
       de="Beziehung: Spalte {column} ist keine Anzahlspalte. Anzahlspalten: {columns}",
       en="relation: column {column} is not a count column. Count columns: {columns}")
define("wf.no_key", de="{file} hat keine Spalte 'key'; bitte eine Datei von 'geosozial join' "
       "verwenden.", en="{file} has no column 'key'; use a file written by 'geosozial join'.")


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
) -> JoinResult:
    """Read areas and a table, join them, protect counts and optionally write a GeoPackage.

    The written layer ``gemeinden`` carries the values, ``<column>_flag`` columns and
    the join report in the dataset metadata; ``<out>.report.json`` holds the report too.
    Confidentiality takes the Kreis totals as public and uses sum relations between
    columns: those declared in ``relations`` (``"Insgesamt=männlich+weiblich"``) and
    those the GENESIS labels suggest, each checked against the data.

    Example:
        >>> r = join_files("g.shp", "t.csv", "AGS", "x.gpkg")  # doctest: +SKIP
    """
    areas = read_areas(areas_path, key=key, layer=layer)
    table = read_table(table_path, key_column=table_key_column, sheet=sheet)
    result = join_table(areas, table, list(columns) if columns else None)
    if rule is not None:
        counts = count_columns(result.frame, list(result.frame["key"]), result.report.notices)
        others = [c for c in value_columns(result.frame) if c not in counts]
        rels = _relations(result.frame, counts, relations, result.report.notices)
        notices = protect_frames(result.frame, counts, _groups(result.frame, key), rule, rels,
                                 public_groups=True, other_columns=others)
        result.report.notices.extend(notices)
    if out is not None:
        report = result.report.as_dict()
        write_geopackage(out, {"gemeinden": result.frame}, {
            "geosozial_version": __version__,
            "schritt": "join",
            "geheimhaltung": rule.describe() if rule else "keine",
            "verknuepfungsbericht": report,
        })
        write_report(Path(out), report)
    return result


def _relations(frame: gpd.GeoDataFrame, counts: Sequence[str], declared: Sequence[str],
               notices: list[Notice]) -> list[tuple[str, list[str]]]:
    """Declared relations (checked, warned) plus label relations (checked, quiet)."""
    parsed = [parse_relation(r) for r in declared]
    for total, parts in parsed:
        for c in (total, *parts):
            if c not in counts:
                raise GeosozialError("wf.relation_column", column=c, columns=", ".join(counts))
    assumed = [(t, p) for t, p in label_relations(counts) if (t, p) not in parsed]
    kept_declared, n1 = verify_relations(frame, parsed, warn=True)
    kept_assumed, n2 = verify_relations(frame, assumed, warn=False)
    notices.extend(n1 + n2)
    return kept_declared + kept_assumed


def _groups(frame: gpd.GeoDataFrame, key: str) -> list[str]:
    if key.upper() in ("AGS", "ARS"):
        return list(kreis_groups(frame["key"]))
    return ["alle"] * len(frame)


def write_report(out: Path, report: Mapping[str, object]) -> Path:
    """Write ``report`` as JSON next to ``out`` (``name.report.json``)."""
    path = out.with_suffix(".report.json")
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


@dataclass
class AggregateRun:
    """The aggregate result plus the columns that were summed."""

    result: AggregateResult
    notices: list[Notice]


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
) -> AggregateRun:
    """Aggregate a joined GeoPackage to Sozialräume and optionally write both levels.

    Whole-number value columns are summed as counts; fractional columns (ready-made
    rates) are not summed, with a notice. ``variables`` defines named sums of columns.

    Example:
        >>> run = aggregate_files("joined.gpkg", "sozialraeume.csv", "sr.gpkg")  # doctest: +SKIP
    """
    joined = gpd.read_file(joined_path, layer=layer)
    file = str(joined_path)
    if "key" not in joined.columns:
        raise GeosozialError("wf.no_key", file=file)
    joined["key"] = joined["key"].astype(str)
    joined["name"] = joined["name"].fillna("").astype(str) if "name" in joined else ""
    for c in value_columns(joined):
        joined[f"{c}_flag"] = joined[f"{c}_flag"].fillna("").astype(str)
    if variables:
        joined = derive_variables(joined, variables)
    if not value_columns(joined):
        raise GeosozialError("wf.not_joined", file=file)
    notices: list[Notice] = []
    counts = count_columns(joined, list(joined["key"]), notices)
    derived = [(v, list(cols)) for v, cols in (variables or {}).items() if len(cols) > 1
               and v in counts and all(c in counts for c in cols)]
    rels = _relations(joined, counts, relations, notices) + derived
    mapping = read_mapping(mapping_path)
    result = aggregate(joined, mapping, counts, indicators, rule, source=file, relations=rels)
    result.notices[:0] = notices
    if out is not None:
        write_geopackage(out, {"gemeinden": result.municipalities,
                               "sozialraeume": result.sozialraeume}, {
            "geosozial_version": __version__,
            "schritt": "aggregate",
            "geheimhaltung": rule.describe() if rule else "keine",
            "zuordnung": str(mapping_path),
            "hinweise": [n.as_dict() for n in result.notices],
        })
    return AggregateRun(result=result, notices=result.notices)
