"""GeoDataFrames <-> core columns, and the core's join and aggregation for frames.

The geopandas door only converts: a frame's attribute columns become
:class:`~geosozial.core.columns.Columns`, the core applies its rules, and the result
comes back as a new GeoDataFrame (the caller's frame is never modified). The QGIS plugin
does the same with layers, so both doors give the same values and flags.

Example:
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> f = gpd.GeoDataFrame({"key": ["1"], "n": [2.0]}, geometry=[box(0, 0, 1, 1)], crs=25833)
    >>> c = to_columns(f)
    >>> c["n"] = c.numbers("n") * 2
    >>> from_columns(c, f.geometry.array, f.crs)["n"].tolist()
    [4.0]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geosozial.core.columns import Columns, as_text, flag_column, value_columns
from geosozial.core.join import JoinReport, join_protected
from geosozial.core.sozialraum import AggregateResult, SozialraumMapping, aggregate_joined
from geosozial.core.tables.table import Table


def to_columns(frame: pd.DataFrame) -> Columns:
    """The attribute columns of ``frame`` (not the geometry) as core columns.

    Numeric columns become float arrays, all others lists of text (None/NaN -> "").

    Examples
    --------
    >>> to_columns(pd.DataFrame({"a": [1, 2], "b": ["x", None]})).as_dict()
    {'a': [1.0, 2.0], 'b': ['x', '']}
    """
    geometry = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    out = Columns(n=len(frame))
    for name in frame.columns:
        if name == geometry:
            continue
        series = frame[name]
        if pd.api.types.is_bool_dtype(series):
            out[str(name)] = [str(v) for v in series]
        elif pd.api.types.is_numeric_dtype(series):
            out[str(name)] = series.to_numpy(dtype=float, na_value=np.nan)
        elif pd.api.types.infer_dtype(series, skipna=False) == "string":
            out[str(name)] = series.tolist()  # text only, nothing missing: as it is
        else:
            out[str(name)] = [_text(v) for v in series]
    return out


def _text(value: Any) -> str:
    """:func:`geosozial.core.columns.as_text`, and pandas' NA as empty text."""
    return "" if value is pd.NA else as_text(value)


def from_columns(columns: Columns, geometry: Any, crs: Any) -> gpd.GeoDataFrame:
    """A new GeoDataFrame from core columns and a geometry array (geometry last).

    Examples
    --------
    >>> from shapely.geometry import box
    >>> g = from_columns(Columns({"key": ["1"]}), [box(0, 0, 1, 1)], 25833)
    >>> list(g.columns), g.crs.to_epsg()
    (['key', 'geometry'], 25833)
    """
    frame = columns_frame(columns)
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(list(geometry), crs=crs).array,
                            crs=crs)


def with_columns(frame: gpd.GeoDataFrame, columns: Columns, geometry: Any = None,
                 only: Sequence[str] | None = None) -> gpd.GeoDataFrame:
    """A new frame: ``frame``'s own columns with their types kept, plus (or replaced by)
    the core ``columns`` (all, or ``only`` these), geometry last.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> f = gpd.GeoDataFrame({"EWZ": [5]}, geometry=[box(0, 0, 1, 1)], crs=25833)
    >>> g = with_columns(f, Columns({"q": [0.5]}))
    >>> g["EWZ"].dtype.kind, list(g.columns)
    ('i', ['EWZ', 'q', 'geometry'])
    """
    out = pd.DataFrame(frame.drop(columns=frame.geometry.name)).reset_index(drop=True)
    for name in (columns.columns if only is None else only):
        out[name] = (columns[name] if columns.is_numeric(name)
                     else pd.Series(columns[name], dtype=object))
    geoms = frame.geometry.array if geometry is None else geometry
    result = gpd.GeoDataFrame(out, geometry=gpd.GeoSeries(list(geoms), crs=frame.crs).array,
                              crs=frame.crs)
    result.attrs.update(frame.attrs)  # the geometries' licence credit travels along
    return result


@dataclass
class FrameJoin:
    """The joined areas as a new GeoDataFrame and the two-way report."""

    frame: gpd.GeoDataFrame
    report: JoinReport
    value_columns: list[str]
    text_columns: list[str]


def join_frame(frame: gpd.GeoDataFrame, table: Table, columns: Sequence[str] | None = None, *,
               key_field: str = "AGS", source: str = "", notices: Sequence[Any] = (),
               rule: Any = None, relations: Sequence[Any] = (),
               crosswalk: Any = None) -> FrameJoin:
    """Join ``table`` to the areas of ``frame`` (columns ``key`` and ``name``).

    Areas that share a key are merged into one (reported); the result has the area
    attributes, each value column with its ``<column>_flag`` and the table's text
    attributes, geometry last; ``rule`` and ``relations`` as in
    :func:`geosozial.core.join.join_protected`.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> areas = gpd.GeoDataFrame({"key": ["14522450"], "name": ["Roßwein"]},
    ...                          geometry=[box(0, 0, 1, 1)], crs=25833)
    >>> t = Table.from_records([("14522450", "", {"n": (2.0, "")})], source="t.csv")
    >>> join_frame(areas, t).frame["n"].tolist()
    [2.0]
    """
    attributes = to_columns(frame)
    result = join_protected(attributes.texts("key"), attributes.texts("name"), table, columns,
                            rule=rule, relations=relations, key_field=key_field,
                            areas_source=source,
                            area_columns=[*attributes.columns, frame.geometry.name],
                            area_notices=notices, crosswalk=crosswalk)
    joined = with_columns(frame.iloc[result.first_rows], result.columns,
                          _merged_geometry(frame, result.rows))
    return FrameJoin(joined, result.report, result.value_columns, result.text_columns)


def _merged_geometry(frame: gpd.GeoDataFrame, rows: Sequence[Sequence[int]]) -> list[Any]:
    import shapely

    geoms = np.asarray(frame.geometry.array, dtype=object)
    return [geoms[r[0]] if len(r) == 1 else shapely.union_all(geoms[list(r)]) for r in rows]


@dataclass
class FrameAggregate:
    """Municipalities and Sozialräume as new GeoDataFrames, and the core result."""

    municipalities: gpd.GeoDataFrame
    sozialraeume: gpd.GeoDataFrame
    result: AggregateResult
    #: the whole area as one row (:func:`geosozial.core.sozialraum.total_row`), no geometry
    kreis: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def notices(self) -> list[Any]:
        """What the aggregation reported."""
        return self.result.notices



def columns_frame(columns: Columns) -> pd.DataFrame:
    """Core columns as a new DataFrame without geometry.

    Examples
    --------
    >>> columns_frame(Columns({"key": ["1"], "n": [2.0]})).to_dict("list")
    {'key': ['1'], 'n': [2.0]}
    """
    return pd.DataFrame({name: (columns[name] if columns.is_numeric(name) else
                                pd.Series(columns[name], dtype=object)) for name in columns},
                        index=pd.RangeIndex(len(columns)))


def aggregate_frame(joined: gpd.GeoDataFrame, mapping: SozialraumMapping,
                    **kwargs: Any) -> FrameAggregate:
    """:func:`geosozial.core.sozialraum.aggregate_joined` for a GeoDataFrame.

    The Sozialraum geometries are the union of their municipalities; the municipal
    layer gets the column ``sozialraum``.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> f = gpd.GeoDataFrame({"key": ["1", "2"], "name": ["A", "B"], "n": [4.0, 5.0],
    ...                       "n_flag": ["", ""]}, geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)],
    ...                      crs=25833)
    >>> m = SozialraumMapping({"1": "Nord", "2": "Nord"}, {"1": 2, "2": 3}, "m.csv")
    >>> r = aggregate_frame(f, m)
    >>> r.sozialraeume["n"].tolist(), r.sozialraeume.area.round(1).tolist()
    ([9.0], [2.0])
    """
    frame = joined.reset_index(drop=True)
    kwargs.setdefault("edition", frame.attrs.get("wsk"))  # the edition of the areas' file
    return aggregate_frames(frame, aggregate_joined(to_columns(frame), mapping, **kwargs))


def aggregate_frames(frame: gpd.GeoDataFrame, result: AggregateResult) -> FrameAggregate:
    """The core's aggregation as frames: the municipalities (``frame`` with the columns the
    aggregation added or changed), the Sozialräume (dissolved geometries) and the Kreis.

    ``frame`` holds the joined municipalities in the order the core aggregated them.
    """
    import shapely

    members = result.municipalities
    changed = set(value_columns(members)) | {flag_column(c) for c in value_columns(members)}
    touched = [c for c in members.columns if c not in frame.columns or c in changed]
    geoms = np.asarray(frame.geometry.array, dtype=object)
    merged = [shapely.union_all(geoms[result.group_of == j])
              for j in range(len(result.sozialraeume))]
    regions = from_columns(result.sozialraeume, merged, frame.crs)
    regions.attrs.update(frame.attrs)  # dissolved from the same (e.g. BKG) geometries
    return FrameAggregate(with_columns(frame, members, only=touched), regions, result,
                          columns_frame(result.kreis))


def features_of(frame: gpd.GeoDataFrame) -> list[Any]:
    """The polygons of a frame as core features (:mod:`geosozial.core.wkb`), from the
    same WKB a GeoPackage stores: the analyses of the maps see the rings every door
    sees."""
    import shapely

    from geosozial.core.wkb import wkb_polygons

    wkb = shapely.to_wkb(frame.geometry.to_numpy(), byte_order=1)
    return [wkb_polygons(None if w is None else bytes(w)) for w in wkb]
