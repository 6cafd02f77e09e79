"""Polygons from GeoPackage geometry blobs and WKB, without GEOS (standard library + numpy).

A GeoPackage stores each geometry as a small header (``GP``, version, flags, SRS id, an
optional envelope) followed by ISO WKB. :func:`gpkg_polygons` turns such a blob into the
polygon format of :mod:`geosozial.maps.arcs` (a feature is a list of polygons, a polygon
a list of rings, a ring an ``(n, 2)`` array), and :func:`ring_arrays` turns features into
the flat arrays of :mod:`geosozial.kernel.contiguity`. Only polygon parts count (points
and lines inside a collection are skipped); Z and M values are dropped. Both doors read
stored geometries the same way, so the same file gives the same rings everywhere.

Examples
--------
>>> import struct
>>> ring = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 0.0)]
>>> wkb = struct.pack("<BII", 1, 3, 1) + struct.pack("<I", 4) + struct.pack("<8d", *sum(ring, ()))
>>> blob = b"GP" + bytes([0, 1]) + struct.pack("<i", 25833) + wkb
>>> [[r.tolist() for r in poly] for poly in gpkg_polygons(blob)]
[[[[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]]]
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

import numpy as np

__all__ = ["gpkg_polygons", "gpkg_wkb", "polygon_centroids", "ring_arrays", "wkb_polygons"]

Feature = list[list[np.ndarray]]

#: envelope indicator of the GeoPackage header -> envelope size in bytes
_ENVELOPE = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}


def gpkg_wkb(blob: bytes | None) -> bytes | None:
    """The WKB inside a GeoPackage geometry blob (None for NULL or an empty geometry).

    Parameters
    ----------
    blob : bytes or None

    Returns
    -------
    bytes or None

    Raises
    ------
    ValueError
        Not a GeoPackage geometry blob.

    Examples
    --------
    >>> gpkg_wkb(None) is None, gpkg_wkb(b"GP\\x00\\x11" + bytes(4)) is None  # empty flag
    (True, True)
    """
    if blob is None:
        return None
    data = bytes(blob)
    if len(data) < 8 or data[:2] != b"GP":
        raise ValueError("not a GeoPackage geometry blob")
    flags = data[3]
    if flags & 0b10000:  # the empty-geometry flag
        return None
    envelope = _ENVELOPE.get((flags >> 1) & 0b111)
    if envelope is None:
        raise ValueError("unknown GeoPackage envelope indicator")
    return data[8 + envelope:]


def _points(data: bytes, offset: int, count: int, width: int, order: str
            ) -> tuple[np.ndarray, int]:
    values = np.frombuffer(data, dtype=f"{order}f8", count=count * width, offset=offset)
    return values.reshape(count, width)[:, :2].astype(np.float64), offset + 8 * count * width


def _geometry(data: bytes, offset: int, out: Feature) -> int:
    order = "<" if data[offset] == 1 else ">"
    code = struct.unpack_from(f"{order}I", data, offset + 1)[0]
    offset += 5
    kind, dims = code % 1000, code // 1000  # ISO: 1000 Z, 2000 M, 3000 ZM
    if code & 0x20000000:  # EWKB with an SRID (not in GeoPackages, accepted anyway)
        offset += 4
    if code & 0xE0000000:  # EWKB dimension flags
        kind = code & 0xFFFF
        dims = {0: 0, 0x80000000: 1, 0x40000000: 2, 0xC0000000: 3}[code & 0xC0000000]
    width = 2 + (dims in (1, 2)) + 2 * (dims == 3)
    if kind == 1:  # point
        return offset + 8 * width
    if kind == 2:  # line string
        count = struct.unpack_from(f"{order}I", data, offset)[0]
        return offset + 4 + 8 * width * count
    if kind == 3:  # polygon
        rings = struct.unpack_from(f"{order}I", data, offset)[0]
        offset += 4
        polygon = []
        for _ in range(rings):
            count = struct.unpack_from(f"{order}I", data, offset)[0]
            ring, offset = _points(data, offset + 4, count, width, order)
            polygon.append(ring)
        if polygon:
            out.append(polygon)
        return offset
    if kind in (4, 5, 6, 7):  # multi point / line / polygon, collection
        parts = struct.unpack_from(f"{order}I", data, offset)[0]
        offset += 4
        for _ in range(parts):
            offset = _geometry(data, offset, out)
        return offset
    raise ValueError(f"WKB geometry type {code} is not supported")


def wkb_polygons(wkb: bytes | None) -> Feature:
    """The polygons of a WKB geometry (ISO or extended WKB, either byte order).

    Parameters
    ----------
    wkb : bytes or None

    Returns
    -------
    list of list of ndarray
        Polygons, each a list of rings (exterior first).

    Examples
    --------
    >>> wkb_polygons(None)
    []
    """
    out: Feature = []
    if wkb:
        _geometry(bytes(wkb), 0, out)
    return out


def gpkg_polygons(blob: bytes | None) -> Feature:
    """The polygons of a GeoPackage geometry blob (see the module example).

    Parameters
    ----------
    blob : bytes or None

    Returns
    -------
    list of list of ndarray

    Examples
    --------
    >>> gpkg_polygons(None)
    []
    """
    return wkb_polygons(gpkg_wkb(blob))


def ring_arrays(features: Sequence[Feature]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Flat arrays for the kernel: ``(coords, ring_index, area_of_ring)``.

    Parameters
    ----------
    features : sequence of features
        One feature per area (an empty feature has no rings).

    Returns
    -------
    tuple of ndarray
        As :mod:`geosozial.kernel.contiguity` takes them.

    Examples
    --------
    >>> sq = np.array([[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]], dtype=float)
    >>> coords, ring, area = ring_arrays([[[sq]], [], [[sq + 1], [sq + 3]]])
    >>> coords.shape, area.tolist()
    ((15, 2), [0, 2, 2])
    """
    rings = [(a, r) for a, feature in enumerate(features) for polygon in feature
             for r in polygon]
    if not rings:
        return (np.zeros((0, 2)), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    coords = np.concatenate([r for _, r in rings])
    counts = [len(r) for _, r in rings]
    ring_index = np.repeat(np.arange(len(rings), dtype=np.int64), counts)
    return coords, ring_index, np.array([a for a, _ in rings], dtype=np.int64)


def polygon_centroids(features: Sequence[Feature]) -> np.ndarray:
    """The area-weighted centroid of each feature (holes subtracted); NaN when empty.

    Parameters
    ----------
    features : sequence of features

    Returns
    -------
    ndarray
        ``(n, 2)``.

    Examples
    --------
    >>> sq = np.array([[0, 0], [2, 0], [2, 2], [0, 2], [0, 0]], dtype=float)
    >>> polygon_centroids([[[sq]], [[sq + 2]]]).tolist()
    [[1.0, 1.0], [3.0, 3.0]]
    """
    out = np.full((len(features), 2), np.nan)
    for i, feature in enumerate(features):
        area = cx = cy = 0.0
        for polygon in feature:
            for r, ring in enumerate(polygon):
                if len(ring) < 3:
                    continue
                if (ring[0] != ring[-1]).any():  # an open ring: close it
                    ring = np.vstack([ring, ring[:1]])
                x0, y0 = ring[0]  # about the first vertex: fewer digits lost
                xs, ys = ring[:, 0] - x0, ring[:, 1] - y0
                cross = xs[:-1] * ys[1:] - xs[1:] * ys[:-1]
                a = cross.sum() / 2.0
                if a == 0:
                    continue
                gx = ((xs[:-1] + xs[1:]) * cross).sum() / (6.0 * a) + x0
                gy = ((ys[:-1] + ys[1:]) * cross).sum() / (6.0 * a) + y0
                weight = abs(a) if r == 0 else -abs(a)  # holes count negative
                area += weight
                cx += weight * gx
                cy += weight * gy
        if area:
            out[i] = (cx / area, cy / area)
    return out
