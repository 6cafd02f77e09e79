"""The numpy coverage simplification the QGIS plugin uses (geosozial.maps.arcs),
checked with shapely against the real data: valid polygons, a valid coverage (no gaps,
no overlaps), fewer vertices."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from datasets import DEMO, VG5000, to_features, to_shapely
from shapely.geometry import Polygon

from geosozial.maps.arcs import ArcCoverage, precision_for, simplify_coverage


def vertices(features) -> int:
    return sum(len(r) for f in features for p in f for r in p)


def _valid(feature) -> bool:
    return bool(to_shapely([feature])[0].is_valid)


@pytest.mark.parametrize("tolerance", [50.0, 300.0])
def test_demo_coverage_stays_valid(tolerance):
    frame = gpd.read_file(DEMO / "gemeinden.gpkg")
    before = to_features(frame.geometry)
    after = simplify_coverage(before, tolerance, is_valid=_valid)
    geoms = to_shapely(after)
    assert shapely.is_valid(geoms).all()
    assert shapely.coverage_is_valid(geoms)
    assert vertices(after) < vertices(before)
    assert shapely.area(geoms).sum() == pytest.approx(frame.area.sum(), rel=0.01)


@pytest.mark.skipif(not VG5000.exists(), reason="VG5000 not available")
def test_mittelsachsen_shared_boundaries_identical():
    frame = gpd.read_file(VG5000)
    kreis = frame[frame["AGS"].str.startswith("14522")].reset_index(drop=True)
    geoms = shapely.make_valid(kreis.geometry.values)
    after = simplify_coverage(to_features(geoms), 200.0, is_valid=_valid)
    simplified = to_shapely(after)
    assert shapely.is_valid(simplified).all()
    assert shapely.coverage_is_valid(simplified)
    # neighbours still share boundaries (queen pairs keep touching)
    tree = shapely.STRtree(simplified)
    pairs_before = shapely.STRtree(geoms).query(geoms, predicate="touches").shape[1]
    pairs_after = tree.query(simplified, predicate="touches").shape[1]
    assert pairs_after >= 0.95 * pairs_before


def _overlaps(features) -> list[int]:
    geoms = to_shapely(features)
    left, right = shapely.STRtree(geoms).query(geoms, predicate="overlaps")
    return sorted(set(left[left != right].tolist()))


def _conflicts(features) -> list[int]:
    edges = shapely.coverage_invalid_edges(to_shapely(features))
    return np.flatnonzero(~shapely.is_empty(edges)).tolist()


@pytest.mark.slow
@pytest.mark.skipif(not VG5000.exists(), reason="VG5000 not available")
def test_large_tolerance_overlaps_are_repaired():
    frame = gpd.read_file(VG5000)
    bavaria = frame[frame["AGS"].str.startswith("09")].reset_index(drop=True)  # 2,056 areas
    geoms = shapely.make_valid(bavaria.geometry.values)
    features = to_features(geoms)
    plain = to_shapely(simplify_coverage(features, 3000.0))
    repaired = to_shapely(simplify_coverage(features, 3000.0, is_valid=_valid,
                                            find_conflicts=_conflicts))
    assert shapely.is_valid(repaired).all()
    assert shapely.coverage_is_valid(repaired)
    after = [[[np.asarray(r.coords) for r in [p.exterior, *p.interiors]]
              for p in (g.geoms if g.geom_type == "MultiPolygon" else [g])] for g in repaired]
    assert _overlaps(after) == []
    assert vertices(after) < vertices(features)
    # without the checks the same tolerance breaks polygons or the coverage
    assert (~shapely.is_valid(plain)).any() or not shapely.coverage_is_valid(plain)


def test_keep_matches_douglas_peucker_at_every_tolerance():
    # one ranking answers every tolerance as Douglas-Peucker run at that tolerance would
    rng = np.random.default_rng(7)
    t = np.linspace(0, np.pi, 60)
    line = np.column_stack([t * 100, 30 * np.sin(3 * t) + rng.normal(0, 2, len(t))])
    top = np.vstack([line, [[line[-1, 0], 200.0], [0.0, 200.0]]])
    bottom = np.vstack([line[::-1], [[0.0, -200.0], [line[-1, 0], -200.0]]])
    coverage = ArcCoverage.from_features([[[top]], [[bottom]]])
    # the shared arc is ranked once, from its end with the smaller label
    forward = coverage.labels[0] < coverage.labels[len(line) - 1]
    for tolerance in (0.5, 2.0, 5.0, 11.0, 40.0):
        kept = coverage.keep(tolerance)[:len(line)]
        expected = _douglas_peucker_mask(line if forward else line[::-1], tolerance)
        assert kept.tolist() == (expected if forward else expected[::-1]).tolist()
        assert 3 <= kept.sum() < len(line) or tolerance < 1


def _douglas_peucker_mask(points, tolerance):
    # a ring of two arcs also keeps each arc's farthest vertex from its start
    far = 1 + int(np.argmax(np.hypot(*(points[1:-1] - points[0]).T)))
    keep = np.zeros(len(points), dtype=bool)
    keep[[0, far, -1]] = True
    stack = [(0, far), (far, len(points) - 1)]
    while stack:
        a, b = stack.pop()
        if b - a < 2:
            continue
        v = points[b] - points[a]
        w = points[a + 1:b] - points[a]
        d = np.abs(v[0] * w[:, 1] - v[1] * w[:, 0]) / np.hypot(*v)
        k = int(np.argmax(d))
        if d[k] > tolerance:
            keep[a + 1 + k] = True
            stack += [(a, a + 1 + k), (a + 1 + k, b)]
    return keep


def test_island_and_hole_share_one_closed_chain():
    outer = Polygon([(0, 0), (100, 0), (100, 100), (0, 100)],
                    [[(30, 30), (70, 30), (71, 50), (70, 70), (30, 70)]])
    island = Polygon([(30, 30), (70, 30), (71, 50), (70, 70), (30, 70)])
    after = simplify_coverage(to_features([outer, island]), 5.0)
    geoms = to_shapely(after)
    assert shapely.coverage_is_valid(geoms) and shapely.is_valid(geoms).all()
    assert geoms[0].interiors[0].equals(geoms[1].exterior)
    assert len(geoms[1].exterior.coords) >= 4  # no collapse


def test_precision_for_tolerance():
    assert precision_for(0) == 5 and precision_for(35) == 4 and precision_for(3000) == 3
