"""Crosswalks derived from two geometry editions (the geopandas door).

The overlay of the old and the new municipality polygons, in one projected CRS, gives
the area of every (old, new) piece; :func:`geosozial.core.crosswalk.crosswalk_from_overlay`
turns the pieces into whole-unit assignments and splits, with differences of
generalisation (VG250 against VG5000 against a simplified file) reported as noise.

Example:
    >>> from geosozial.geo.areas import read_areas  # doctest: +SKIP
    >>> cw = derive_crosswalk(read_areas("gemeinden_2015.geojson"),
    ...                       read_areas("VG5000_GEM.shp"))  # doctest: +SKIP
    >>> cw.report()[:1]  # doctest: +SKIP
    ['14521030 Aue, 14521050 Bad Schlema → 14521035 Aue-Bad Schlema (zusammengeschlossen ...)']
"""

from __future__ import annotations

import numpy as np
import shapely

from geosozial.core.crosswalk import Crosswalk, crosswalk_from_overlay
from geosozial.geo.areas import Areas


def overlay_pieces(old: Areas, new: Areas) -> tuple[list[tuple[str, str, float]], np.ndarray]:
    """``(old key, new key, area)`` of every intersecting pair, and the old areas (m²).

    Both editions are brought into the old edition's (projected) CRS first.

    Example:
        >>> import geopandas as gpd
        >>> from shapely.geometry import box
        >>> a = Areas(gpd.GeoDataFrame({"key": ["a"], "name": ["A"]},
        ...                            geometry=[box(0, 0, 10, 10)], crs=25833), "AGS", "a")
        >>> b = Areas(gpd.GeoDataFrame({"key": ["X", "Y"], "name": ["", ""]},
        ...           geometry=[box(0, 0, 9, 10), box(9, 0, 20, 10)], crs=25833), "AGS", "b")
        >>> overlay_pieces(a, b)[0]
        [('a', 'X', 90.0), ('a', 'Y', 10.0)]
    """
    old_frame = old.frame
    new_frame = new.frame if new.frame.crs == old_frame.crs else new.frame.to_crs(
        old_frame.crs)
    old_geoms = np.asarray(old_frame.geometry.array, dtype=object)
    new_geoms = np.asarray(new_frame.geometry.array, dtype=object)
    tree = shapely.STRtree(new_geoms)
    left, right = tree.query(old_geoms, predicate="intersects")
    areas = shapely.area(shapely.intersection(old_geoms[left], new_geoms[right]))
    old_keys = old_frame["key"].astype(str).to_numpy()
    new_keys = new_frame["key"].astype(str).to_numpy()
    pieces = [(old_keys[i], new_keys[j], float(a))
              for i, j, a in zip(left, right, areas, strict=True) if a > 0]
    return pieces, shapely.area(old_geoms)


def derive_crosswalk(old: Areas, new: Areas, *, tolerance: float = 0.2,
                     gebietsstand: str = "") -> Crosswalk:
    """The crosswalk from the old to the new edition by overlay.

    Parameters
    ----------
    old, new : Areas
        Two editions of municipality polygons (e.g. from :func:`read_areas`).
    tolerance : float
        Parts of an old unit in another new unit below this share of its area are
        generalisation noise (reported, not a split). Default 0.2.
    gebietsstand : str
        The new edition's Gebietsstand, e.g. ``31.12.2021``.

    Returns
    -------
    Crosswalk

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> old = Areas(gpd.GeoDataFrame({"key": ["1", "2"], "name": ["A", "B"]}, crs=25833,
    ...             geometry=[box(0, 0, 10, 10), box(10, 0, 20, 10)]), "AGS", "old")
    >>> new = Areas(gpd.GeoDataFrame({"key": ["1"], "name": ["A"]}, crs=25833,
    ...             geometry=[box(0, 0, 20, 10)]), "AGS", "new")
    >>> [c.kind for c in derive_crosswalk(old, new).changes()]
    ['merged_existing']
    """
    pieces, areas = overlay_pieces(old, new)
    keys = old.frame["key"].astype(str).tolist()
    cw = crosswalk_from_overlay(
        keys, areas, pieces, tolerance=tolerance,
        old_names=dict(zip(keys, old.frame["name"].astype(str), strict=True)),
        new_names=dict(zip(new.frame["key"].astype(str), new.frame["name"].astype(str),
                           strict=True)),
        source=f"{old.source} → {new.source}")
    cw.gebietsstand = gebietsstand
    return cw
