"""Crosswalks derived from two geometry editions (the geopandas door).

The overlay of the old and the new municipality polygons, in one projected CRS, gives
the area of every (old, new) piece; :func:`geosozial.core.crosswalk.crosswalk_from_overlay`
turns the pieces into whole-unit assignments and splits, with differences of
generalisation (VG250 against VG5000 against a simplified file) reported as noise.
With population points (e.g. the centroids of the Zensus grid cells with their
population) the shares of a split are population shares instead of area shares.

Example:
    >>> from geosozial.geo.areas import read_areas  # doctest: +SKIP
    >>> cw = derive_crosswalk(read_areas("gemeinden_2015.geojson"),
    ...                       read_areas("VG5000_GEM.shp"))  # doctest: +SKIP
    >>> cw.report()[:1]  # doctest: +SKIP
    ['14521030 Aue, 14521050 Bad Schlema → 14521035 Aue-Bad Schlema (zusammengeschlossen ...)']
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geosozial.core.crosswalk import Crosswalk, crosswalk_from_overlay
from geosozial.core.messages import GeosozialError, Notice, define
from geosozial.geo.areas import Areas

define("cw.weights_field",
       de="Gewichtungspunkte {file}: es gibt kein Feld {field}. Felder: {fields}",
       en="weight points {file}: there is no field {field}. Fields: {fields}")
define("cw.weights_value",
       de="Gewichtungspunkte {file}, Objekt {row}: Feld {field} hat den Wert {value!r}; "
       "erwartet wird eine Zahl ab 0 (z. B. Einwohner).",
       en="weight points {file}, feature {row}: field {field} holds {value!r}; a number of "
       "at least 0 (e.g. population) is expected.")
define("cw.weights_pair",
       de="Gewichtungspunkte und Gewichtungsfeld (--weights, --weight-field) bitte nur "
       "zusammen angeben (angegeben: Punkte {points}, Feld {field}).",
       en="give weight points and weight field (--weights, --weight-field) together (given: "
       "points {points}, field {field}).")
define("cw.weights_crs",
       de="Gewichtungspunkte {file} haben kein Koordinatenbezugssystem (CRS).",
       en="weight points {file} have no coordinate reference system (CRS).")
define("cw.weights_read",
       de="Gewichtungspunkte {file} können nicht gelesen werden: {error}",
       en="cannot read weight points {file}: {error}")
define("cw.weights_polygons",
       de="Gewichtungspunkte {file}: {n} Flächen (z. B. Gitterzellen) werden durch einen "
       "inneren Punkt ersetzt.",
       en="weight points {file}: {n} polygons (e.g. grid cells) are replaced by an interior "
       "point.")
define("cw.weighted",
       de="Umsteigeschlüssel: {splits} Aufteilungen nach {field} ({file}); in den aufgeteilten "
       "Gemeinden liegen {points} Punkte mit zusammen {total}.",
       en="crosswalk: {splits} splits by {field} ({file}); the split municipalities hold "
       "{points} points with {total} in all.")


@dataclass
class _Overlay:
    """The intersecting pairs of two editions: indices, piece areas and geometries."""

    left: np.ndarray
    right: np.ndarray
    areas: np.ndarray
    pieces: np.ndarray
    old_areas: np.ndarray
    old_keys: np.ndarray
    new_keys: np.ndarray
    crs: object


def _overlay(old: Areas, new: Areas) -> _Overlay:
    old_frame = old.frame
    new_frame = new.frame if new.frame.crs == old_frame.crs else new.frame.to_crs(
        old_frame.crs)
    old_geoms = np.asarray(old_frame.geometry.array, dtype=object)
    new_geoms = np.asarray(new_frame.geometry.array, dtype=object)
    tree = shapely.STRtree(new_geoms)
    left, right = tree.query(old_geoms, predicate="intersects")
    # neighbours that only touch (most candidate pairs of two coverages) have no common
    # area; leaving them out before the costly intersection halves the national overlay
    shapely.prepare(old_geoms)
    inside = ~shapely.touches(old_geoms[left], new_geoms[right])
    left, right = left[inside], right[inside]
    pieces = shapely.intersection(old_geoms[left], new_geoms[right])
    areas = shapely.area(pieces)
    keep = areas > 0
    return _Overlay(left[keep], right[keep], areas[keep], pieces[keep],
                    shapely.area(old_geoms), old_frame["key"].astype(str).to_numpy(),
                    new_frame["key"].astype(str).to_numpy(), old_frame.crs)


def overlay_pieces(old: Areas, new: Areas) -> tuple[list[tuple[str, str, float]], np.ndarray]:
    """``(old key, new key, area)`` of every intersecting pair, and the old areas (m²).

    Both editions are brought into the old edition's (projected) CRS first.

    Example:
        >>> from shapely.geometry import box
        >>> a = Areas(gpd.GeoDataFrame({"key": ["a"], "name": ["A"]},
        ...                            geometry=[box(0, 0, 10, 10)], crs=25833), "AGS", "a")
        >>> b = Areas(gpd.GeoDataFrame({"key": ["X", "Y"], "name": ["", ""]},
        ...           geometry=[box(0, 0, 9, 10), box(9, 0, 20, 10)], crs=25833), "AGS", "b")
        >>> overlay_pieces(a, b)[0]
        [('a', 'X', 90.0), ('a', 'Y', 10.0)]
    """
    o = _overlay(old, new)
    return _pieces(o, o.areas), o.old_areas


def _pieces(o: _Overlay, values: np.ndarray) -> list[tuple[str, str, float]]:
    return list(zip(o.old_keys[o.left].tolist(), o.new_keys[o.right].tolist(),
                    values.astype(float).tolist(), strict=True))


def read_weight_points(points: gpd.GeoDataFrame | str | Path, field: str, crs: object
                       ) -> tuple[np.ndarray, np.ndarray, list[Notice]]:
    """Point geometries (in ``crs``) and their weights from a layer of weight points.

    Polygons (Zensus grid cells) become an interior point each (reported). The weight
    field must exist and hold numbers of at least 0; features without geometry are
    left out.

    Parameters
    ----------
    points : GeoDataFrame or path
        The points (any format GDAL reads), with a CRS.
    field : str
        The weight field, e.g. ``EW`` or ``Einwohner``.
    crs : CRS
        The CRS of the areas they weigh.

    Returns
    -------
    (ndarray of Point, ndarray of float, list of Notice)

    Raises
    ------
    GeosozialError
        An unreadable file, no CRS, a missing field or a value that is no number >= 0
        (naming the feature).

    Examples
    --------
    >>> from shapely.geometry import Point, box
    >>> frame = gpd.GeoDataFrame({"EW": [3, 4]}, geometry=[Point(1, 1), box(0, 0, 2, 2)],
    ...                          crs=25833)
    >>> geoms, weights, notices = read_weight_points(frame, "EW", 25833)
    >>> weights.tolist(), notices[0].code
    ([3.0, 4.0], 'cw.weights_polygons')
    """
    source = "GeoDataFrame" if isinstance(points, gpd.GeoDataFrame) else str(points)
    if not isinstance(points, gpd.GeoDataFrame):
        try:
            points = gpd.read_file(points)
        except Exception as exc:  # GDAL errors come in many types
            raise GeosozialError("cw.weights_read", file=source, error=str(exc)) from exc
    if points.crs is None:
        raise GeosozialError("cw.weights_crs", file=source)
    if field not in points.columns:
        raise GeosozialError("cw.weights_field", file=source, field=field,
                             fields=", ".join(c for c in points.columns if c != "geometry"))
    values = pd.to_numeric(points[field], errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(~(values >= 0))
    if bad.size:
        raise GeosozialError("cw.weights_value", file=source, row=int(bad[0]) + 1, field=field,
                             value=points[field].iloc[bad[0]])
    frame = points if points.crs == crs else points.to_crs(crs)
    geoms = np.asarray(frame.geometry.array, dtype=object)
    present = ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
    geoms, values = geoms[present], values[present]
    notices = []
    areal = shapely.get_dimensions(geoms) == 2
    if areal.any():
        geoms = geoms.copy()
        geoms[areal] = shapely.point_on_surface(geoms[areal])
        notices.append(Notice("cw.weights_polygons", "info", file=source, n=int(areal.sum())))
    return geoms, values, notices


def _piece_weights(o: _Overlay, geoms: np.ndarray, values: np.ndarray,
                   among: np.ndarray | None = None) -> tuple[np.ndarray, int, float]:
    """The weight in every overlay piece (only the pieces ``among`` if given, a mask).

    Each point counts once, in the first piece it touches (a point on a boundary).
    Returns the weights per piece and the number and weight of the points counted.
    """
    chosen = np.arange(len(o.pieces)) if among is None else np.flatnonzero(among)
    sums = np.zeros(len(o.pieces))
    if not chosen.size or not len(geoms):
        return sums, 0, 0.0
    tree = shapely.STRtree(o.pieces[chosen])
    point, piece = tree.query(geoms, predicate="intersects")
    first = np.unique(point, return_index=True)[1]
    point, piece = point[first], chosen[piece[first]]
    sums += np.bincount(piece, weights=values[point], minlength=len(o.pieces))
    return sums, len(point), float(values[point].sum())


def derive_crosswalk(old: Areas, new: Areas, *, tolerance: float = 0.2,
                     gebietsstand: str = "",
                     weight_points: gpd.GeoDataFrame | str | Path | None = None,
                     weight_field: str | None = None) -> Crosswalk:
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
    weight_points : GeoDataFrame or path, optional
        Points with a weight, e.g. Zensus grid-cell centroids with their population
        (grid-cell polygons are turned into interior points). The shares of a split
        are then the shares of the weight in its parts; a split old unit without points
        keeps area shares (reported). Whether a unit is split stays decided by area, so a
        merger stays a whole-unit share 1 whatever population lies in a sliver.
    weight_field : str, optional
        The weight field of ``weight_points`` (required with it), e.g. ``EW``.

    Returns
    -------
    Crosswalk

    Examples
    --------
    >>> from shapely.geometry import Point, box
    >>> old = Areas(gpd.GeoDataFrame({"key": ["1", "2"], "name": ["A", "B"]}, crs=25833,
    ...             geometry=[box(0, 0, 10, 10), box(10, 0, 20, 10)]), "AGS", "old")
    >>> new = Areas(gpd.GeoDataFrame({"key": ["1"], "name": ["A"]}, crs=25833,
    ...             geometry=[box(0, 0, 20, 10)]), "AGS", "new")
    >>> [c.kind for c in derive_crosswalk(old, new).changes()]
    ['merged_existing']
    >>> split = Areas(gpd.GeoDataFrame({"key": ["X", "Y"], "name": ["", ""]}, crs=25833,
    ...               geometry=[box(0, 0, 6, 10), box(6, 0, 20, 10)]), "AGS", "split")
    >>> people = gpd.GeoDataFrame({"EW": [30, 90]}, geometry=[Point(3, 5), Point(8, 5)],
    ...                           crs=25833)
    >>> derive_crosswalk(old, split, weight_points=people, weight_field="EW").rows[:2]
    [('1', 'Y', 0.75), ('1', 'X', 0.25)]
    """
    if (weight_points is None) != (weight_field is None):
        raise GeosozialError("cw.weights_pair", points=weight_points, field=weight_field)
    o = _overlay(old, new)
    keys = old.frame["key"].astype(str).tolist()
    pieces = _pieces(o, o.areas)
    options = {"tolerance": tolerance, "source": f"{old.source} → {new.source}",
               "old_names": dict(zip(keys, old.frame["name"].astype(str), strict=True)),
               "new_names": dict(zip(new.frame["key"].astype(str),
                                     new.frame["name"].astype(str), strict=True))}
    cw = crosswalk_from_overlay(keys, o.old_areas, pieces, **options)
    notices: list[Notice] = []
    if weight_points is not None and weight_field is not None:
        from geosozial.core.number_format import number_text

        geoms, values, notices = read_weight_points(weight_points, weight_field, o.crs)
        # only the splits take weights: the points are placed in their pieces alone
        split = sorted({k for k, _, s in cw.rows if s < 1})
        sums, counted, total = _piece_weights(o, geoms, values,
                                              np.isin(o.old_keys[o.left], split))
        cw = crosswalk_from_overlay(keys, o.old_areas, pieces, weights=_pieces(o, sums),
                                    **options)
        source = ("GeoDataFrame" if isinstance(weight_points, gpd.GeoDataFrame)
                  else str(weight_points))
        notices.append(Notice("cw.weighted", "info", splits=len(split), field=weight_field,
                              file=source, points=counted, total=number_text(total, 0)))
    cw.gebietsstand = gebietsstand
    cw.notices = notices + cw.notices
    return cw
