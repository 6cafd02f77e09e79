"""The numpy coverage simplification the QGIS plugin uses (geosozial.maps.arcs),
checked with shapely against the real data: valid polygons, a valid coverage (no gaps,
no overlaps), fewer vertices."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from datasets import DEMO, VG5000
from shapely.geometry import MultiPolygon, Polygon

from geosozial.maps.arcs import precision_for, simplify_coverage


def to_features(geoms) -> list:
    out = []
    for g in geoms:
        polys = list(g.geoms) if g.geom_type == "MultiPolygon" else [g]
        out.append([[np.asarray(p.exterior.coords)] + [np.asarray(r.coords) for r in p.interiors]
                    for p in polys])
    return out


def to_shapely(features) -> np.ndarray:
    geoms = []
    for feature in features:
        polys = [Polygon(p[0], p[1:]) for p in feature]
        geoms.append(polys[0] if len(polys) == 1 else MultiPolygon(polys))
    return np.array(geoms, dtype=object)


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
    plain = to_shapely(simplify_coverage(features, 3000.0, is_valid=_valid))
    repaired = to_shapely(simplify_coverage(features, 3000.0, is_valid=_valid,
                                            find_conflicts=_conflicts))
    assert shapely.is_valid(repaired).all()
    assert shapely.coverage_is_valid(repaired)
    assert _overlaps(after := [[[np.asarray(r.coords) for r in [p.exterior, *p.interiors]]
                                for p in (g.geoms if g.geom_type == "MultiPolygon" else [g])]
                               for g in repaired]) == []
    assert vertices(after) < vertices(features)
    assert len(_overlaps([[[np.asarray(r.coords) for r in [p.exterior, *p.interiors]]
                           for p in (g.geoms if g.geom_type == "MultiPolygon" else [g])]
                          for g in plain])) > 10  # without the check: crossings
    assert not shapely.coverage_is_valid(plain)


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
