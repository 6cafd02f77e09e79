"""From polygons, names and layers to one self-contained HTML map within a size budget.

:func:`build_map` simplifies the polygons as a coverage (:mod:`geosozial.geo.simplify`)
so that the whole HTML file, Leaflet and data included, stays within ``max_bytes``
(default :func:`html_budget`: under 300 kB for a Landkreis, 1 MB for Rheinland-Pfalz's 2,259
municipalities, at most 3 MB for Germany's 10,997). Group outlines (districts,
Sozialräume) are dissolved from the same simplified, rounded polygons, so they lie
exactly on the area edges.

Example:
    >>> from shapely.geometry import box
    >>> from geosozial.maps.layers import choropleth_layer
    >>> layer = choropleth_layer([1.0, 2.0], id="q", label="Quote", k=2)
    >>> built = build_map([box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000)],
    ...                   crs="EPSG:25832", names=["Aue", "Öd"], keys=["1", "2"],
    ...                   layers=[layer], title="Test")
    >>> built.html.startswith("<!DOCTYPE html>"), built.size <= built.budget
    (True, True)
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from geosozial.core.messages import Notice, define
from geosozial.geo.simplify import PreparedGeometry, prepare_geometry
from geosozial.maps.html import (
    MapDocument,
    MapLayer,
    html_budget,
    render_map,
)

define("maps.doc.over_budget",
       de="Die Karte ist {size} Bytes groß, das Budget {budget} Bytes; schon die Daten "
       "und Leaflet brauchen {fixed} Bytes. Weniger Ebenen oder ein größeres Budget "
       "(max_bytes) wählen.",
       en="the map has {size} bytes, the budget {budget} bytes; data and Leaflet alone "
       "need {fixed} bytes. Choose fewer layers or a larger budget (max_bytes).")
define("maps.doc.size",
       de="Karte: {size} Bytes (Budget {budget}), davon Geometrie {geometry}, Umrisse "
       "{outlines}.",
       en="map: {size} bytes (budget {budget}), geometry {geometry}, outlines {outlines}.")

#: Smallest geometry budget tried before giving up on the total budget.
MIN_GEOMETRY_BYTES = 20_000
FIT_ROUNDS = 4

_EMPTY = '{"type":"FeatureCollection","features":[]}'


@dataclass
class BuiltMap:
    """The HTML page of a map, its document, prepared geometry and notices.

    Example:
        >>> BuiltMap.__dataclass_fields__["budget"].type
        'int | None'
    """

    html: str
    document: MapDocument
    geometry: PreparedGeometry
    budget: int | None
    notices: list[dict[str, Any]] = field(default_factory=list)

    @property
    def size(self) -> int:
        """Size of the HTML file in bytes (UTF-8)."""
        return len(self.html.encode("utf-8"))

    def write(self, path: str | Path) -> Path:
        """Write the page (UTF-8) to ``path`` atomically and return the path.

        ``path`` must end in ``.html``/``.htm`` in an existing folder (checked first);
        see :mod:`geosozial.core.outputs`.
        """
        from geosozial.core.outputs import Output, atomic_write_bytes, check_outputs

        path = Path(path)
        check_outputs([Output("path", path, "html")])
        return atomic_write_bytes(path, self.html.encode("utf-8"))


def build_map(
    geoms: Any,
    *,
    names: Sequence[Any],
    keys: Sequence[Any],
    layers: Sequence[MapLayer],
    title: str,
    crs: Any = None,
    outline_groups: Sequence[Any] | None = None,
    attribution: str = "",
    source: str = "",
    date: str = "",
    method_note: str = "",
    summary: str = "",
    lang: str = "de",
    basemap: bool | str = False,
    basemap_year: int | None = None,
    area_label: str = "",
    tolerance: float | None = None,
    max_bytes: int | str | None = "auto",
) -> BuiltMap:
    """Simplify ``geoms`` to fit the budget and render the HTML map.

    ``geoms`` are the polygons in any CRS (a GeoSeries/GeoDataFrame carries its own,
    otherwise give ``crs``); ``names``, ``keys`` and the layer arrays follow their
    order. ``outline_groups`` (one label per area, e.g. the Kreis part of the AGS or the
    Sozialraum) draws the outlines of the groups. ``tolerance`` (metres) fixes the
    simplification; by default it is chosen so that the file stays within ``max_bytes``
    (``"auto"``: :func:`html_budget`; None: no budget).

    Example:
        >>> from shapely.geometry import box
        >>> from geosozial.maps.layers import choropleth_layer
        >>> built = build_map([box(0, 0, 10, 10), box(10, 0, 20, 10)], crs="EPSG:25832",
        ...                   names=["A", "B"], keys=["1", "2"], title="T",
        ...                   layers=[choropleth_layer([1.0, 2.0], id="v", label="V", k=2)],
        ...                   outline_groups=["x", "y"])
        >>> built.document.outlines.count('"Feature"')
        1
    """
    n = len(names)
    doc = MapDocument(title=title, geojson=_EMPTY, names=[str(v) for v in names],
                      keys=[str(v) for v in keys], layers=list(layers),
                      attribution=attribution, source=source, date=date,
                      method_note=method_note, summary=summary, lang=lang, basemap=basemap,
                      basemap_year=basemap_year, area_label=area_label)
    fixed = len(render_map(doc).encode("utf-8"))
    budget = html_budget(n) if max_bytes == "auto" else max_bytes
    geometry_budget = None if budget is None else max(MIN_GEOMETRY_BYTES, int(budget) - fixed)
    notices: list[dict[str, Any]] = []
    for _ in range(FIT_ROUNDS):
        prep = prepare_geometry(geoms, crs, tolerance=tolerance, max_bytes=geometry_budget)
        outlines = group_outlines(prep.geojson, outline_groups) if outline_groups is not None \
            else None
        built = replace(doc, geojson=prep.geojson, outlines=outlines)
        page = render_map(built)
        size = len(page.encode("utf-8"))
        if budget is None or size <= budget or tolerance is not None or \
                geometry_budget is None or geometry_budget <= MIN_GEOMETRY_BYTES:
            break
        geometry_budget = max(MIN_GEOMETRY_BYTES, int(geometry_budget - 1.02 * (size - budget)))
    notices += prep.notices
    outline_size = len(outlines) if outlines else 0
    notices.append(Notice("maps.doc.size", "info", size=size, budget=budget,
                          geometry=prep.size, outlines=outline_size).as_dict())
    if budget is not None and size > budget:
        notices.append(Notice("maps.doc.over_budget", "warning", size=size, budget=budget,
                              fixed=fixed).as_dict())
    return BuiltMap(html=page, document=built, geometry=prep, budget=budget, notices=notices)


def group_outlines(geojson: str, groups: Sequence[Any]) -> str | None:
    """Outlines of groups of areas as a GeoJSON FeatureCollection of lines.

    ``geojson`` is the areas' FeatureCollection (features with property ``i``);
    ``groups`` one label per area (None: not part of a group). Each edge between two
    groups appears once; the outer edge of the map is left out (the areas' own edges
    show it). None when there is no edge between two groups.

    Example:
        >>> fc = ('{"type":"FeatureCollection","features":['
        ...       '{"type":"Feature","properties":{"i":0},"geometry":{"type":"Polygon",'
        ...       '"coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}},'
        ...       '{"type":"Feature","properties":{"i":1},"geometry":{"type":"Polygon",'
        ...       '"coordinates":[[[1,0],[2,0],[2,1],[1,1],[1,0]]]}}]}')
        >>> group_outlines(fc, ["a", "b"]).count("LineString")
        1
    """
    features = json.loads(geojson)["features"]
    labels = [None if g is None or (isinstance(g, float) and g != g) else str(g)
              for g in groups]
    by_group: dict[str, list[Any]] = {}
    for feature in features:
        label = labels[feature["properties"]["i"]]
        if label is None or feature.get("geometry") is None:
            continue
        by_group.setdefault(label, []).append(
            shapely.from_geojson(json.dumps(feature["geometry"])))
    if len(by_group) < 2:
        return None
    dissolved = [shapely.coverage_union_all(np.array(parts, dtype=object))
                 for _, parts in sorted(by_group.items())]
    everything = shapely.coverage_union_all(np.array(dissolved, dtype=object))
    inner = shapely.difference(shapely.union_all(shapely.boundary(np.array(dissolved))),
                               shapely.boundary(everything))
    merged = shapely.line_merge(inner)
    lines = [g for g in shapely.get_parts(merged) if not g.is_empty]
    out = []
    for line in lines:
        coords = shapely.get_coordinates(line).tolist()
        out.append('{"type":"Feature","properties":{},"geometry":{"type":"LineString",'
                   '"coordinates":' + json.dumps(coords, separators=(",", ":")) + "}}")
    if not out:
        return None
    return '{"type":"FeatureCollection","features":[' + ",".join(out) + "]}"
