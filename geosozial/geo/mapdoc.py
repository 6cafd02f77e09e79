"""From polygons, names and layers to one self-contained HTML map within a size budget.

:func:`build_map` simplifies the polygons as a coverage (:mod:`geosozial.geo.simplify`)
so that the whole HTML file, Leaflet and data included, stays within ``max_bytes``
(default :func:`html_budget`: under 300 kB for a Landkreis, 1 MB for Rheinland-Pfalz's 2,259
municipalities, at most 3 MB for Germany's 10,997). Group outlines (districts,
Sozialräume) are made of the same simplified, rounded edges, so they lie exactly on the
area edges. The geometry is :mod:`geosozial.maps.geometry`'s, which QGIS uses too.

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

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geosozial.geo.simplify import PreparedGeometry, map_features, prepared
from geosozial.maps.geometry import EMPTY_COLLECTION, fit_map
from geosozial.maps.html import MapDocument, MapLayer, html_budget  # noqa: F401


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
    features, epsg, door_notices = map_features(geoms, crs)
    doc = MapDocument(title=title, geojson=EMPTY_COLLECTION, names=[str(v) for v in names],
                      keys=[str(v) for v in keys], layers=list(layers),
                      attribution=attribution, source=source, date=date,
                      method_note=method_note, summary=summary, lang=lang, basemap=basemap,
                      basemap_year=basemap_year, area_label=area_label)
    fitted = fit_map(doc, features, epsg, groups=outline_groups, tolerance=tolerance,
                     max_bytes=max_bytes)
    geometry = prepared(fitted.geometry, epsg, door_notices)
    notices = [n.as_dict() for n in [*door_notices, *fitted.notices]]
    return BuiltMap(html=fitted.html, document=fitted.document, geometry=geometry,
                    budget=fitted.budget, notices=notices)
