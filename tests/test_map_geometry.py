"""Map geometry: coverage simplification, rounding and compact GeoJSON (geosozial.geo.simplify).

The real data sets in ../shared/data give the size budgets of the issue "Self-contained,
privacy-safe interactive HTML maps"; synthetic coverages check that no gap or overlap
is introduced and that every repair is reported.
"""

from __future__ import annotations

import json
import re
from itertools import pairwise
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from datasets import DEMO, RLP, VG5000
from shapely.geometry import MultiPolygon, Point, Polygon, box, shape

from geosozial.core.messages import GeosozialError
from geosozial.geo.simplify import default_max_bytes, precision_for, prepare_geometry
from geosozial.maps.geometry import _fixed

DATASETS = {  # name: (path, geometry budget in bytes)
    "musterkreis": (DEMO / "gemeinden.gpkg", 100_000),
    "rlp": (RLP, 650_000),
    "vg5000": (VG5000, 2_500_000),
}
_CACHE: dict[str, tuple[gpd.GeoDataFrame, object]] = {}


def _prepared(name: str):
    """Read and prepare a data set once per test session."""
    if name not in _CACHE:
        path, _ = DATASETS[name]
        if not Path(path).exists():
            pytest.skip(f"{path} not available")
        frame = gpd.read_file(path)
        _CACHE[name] = (frame, prepare_geometry(frame.geometry, frame.crs))
    return _CACHE[name]


def _decode(text: str) -> tuple[list[dict], np.ndarray]:
    features = json.loads(text)["features"]
    geoms = np.array([shape(f["geometry"]) if f["geometry"] else Polygon() for f in features],
                     dtype=object)
    return features, geoms


def _rings(geometry: dict) -> list[list[list[float]]]:
    polys = [geometry["coordinates"]] if geometry["type"] == "Polygon" else \
        geometry["coordinates"]
    return [ring for poly in polys for ring in poly]


def _signed_area(ring: list[list[float]]) -> float:
    xy = np.asarray(ring)
    return 0.5 * float(np.sum(xy[:-1, 0] * xy[1:, 1] - xy[1:, 0] * xy[:-1, 1]))


def _assert_no_new_gaps_or_overlaps(original: np.ndarray, crs, text: str,
                                    area_tolerance: float = 0.005) -> None:
    """Back in the projected CRS: areas kept, union = sum of parts, no overlapping pair."""
    _, geoms = _decode(text)
    assert shapely.is_valid(geoms).all()
    assert shapely.coverage_is_valid(geoms)  # edges still match exactly in lon/lat
    back = np.asarray(gpd.GeoSeries(geoms, crs=4326).to_crs(crs).values, dtype=object)
    total_before = shapely.area(original).sum()
    total_after = shapely.area(back).sum()
    assert abs(total_after - total_before) <= area_tolerance * total_before
    union = shapely.area(shapely.union_all(back))
    assert union == pytest.approx(total_after, rel=1e-7)
    tree = shapely.STRtree(back)
    left, right = tree.query(back, predicate="intersects")
    pair = left < right
    overlap = shapely.area(shapely.intersection(back[left[pair]], back[right[pair]]))
    assert overlap.sum() <= 1e-9 * total_after


# --- the three real data sets ----------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("name", list(DATASETS))
def test_real_data_fits_budget_and_keeps_the_coverage(name):
    frame, prep = _prepared(name)
    _, budget = DATASETS[name]
    assert prep.size <= budget
    assert prep.size <= default_max_bytes(len(frame))
    assert prep.n_features == len(frame)
    assert prep.vertices_after < prep.vertices_before
    assert shapely.coverage_is_valid(prep.simplified)
    assert not shapely.is_empty(prep.simplified).any()
    original = shapely.make_valid(np.asarray(frame.geometry.values, dtype=object))
    _assert_no_new_gaps_or_overlaps(original, frame.crs, prep.geojson)


@pytest.mark.slow
@pytest.mark.parametrize("name", list(DATASETS))
def test_real_data_geojson_is_compact_and_privacy_safe(name):
    frame, prep = _prepared(name)
    assert not re.search(r"\s", prep.geojson)
    assert not re.search(r"\.\d*0[,\]]", prep.geojson)  # no trailing zeros
    collection = json.loads(prep.geojson)
    assert set(collection) == {"type", "features"}
    features = collection["features"]
    assert len(features) == len(frame)
    for i, feature in enumerate(features):
        assert set(feature) == {"type", "properties", "geometry"}
        assert feature["properties"] == {"i": i}
        assert feature["geometry"] is not None, f"feature {i} vanished"
        for ring in _rings(feature["geometry"]):
            assert len(ring) >= 4 and ring[0] == ring[-1]
            assert all(a != b for a, b in pairwise(ring))  # no repeated points
            assert _signed_area(ring) != 0
    west, south, east, north = prep.bounds
    assert 5.5 < west < east < 15.5 and 47 < south < north < 55.5


def test_real_data_notices_are_plain_dicts():
    _, prep = _prepared("vg5000")
    codes = [n["code"] for n in prep.notices]
    assert "maps.geo.repaired" in codes  # VG5000 has invalid geometries as stored
    assert codes[-1] == "maps.geo.simplified"
    assert all(isinstance(n["text"], str) and n["text"] for n in prep.notices)
    json.dumps(prep.notices)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["musterkreis", "rlp"])
def test_same_input_gives_byte_identical_output(name):
    frame, prep = _prepared(name)
    again = prepare_geometry(frame.geometry, frame.crs)
    assert again.geojson == prep.geojson
    assert again.tolerance == prep.tolerance
    assert again.notices == prep.notices


def test_exterior_rings_counter_clockwise_holes_clockwise():
    _, prep = _prepared("musterkreis")
    for feature in json.loads(prep.geojson)["features"]:
        geometry = feature["geometry"]
        polys = [geometry["coordinates"]] if geometry["type"] == "Polygon" else \
            geometry["coordinates"]
        for poly in polys:
            assert _signed_area(poly[0]) > 0
            assert all(_signed_area(hole) < 0 for hole in poly[1:])


# --- synthetic coverages -----------------------------------------------------------------


def _jagged_pair_with_enclave(crs_x: float = 400_000, crs_y: float = 5_600_000):
    """Two squares of 10 km sharing a jagged border; the right one holds an enclave."""
    rng = np.random.default_rng(7)
    ys = np.linspace(0, 10_000, 200)
    xs = 5_000 + rng.normal(0, 150, len(ys))
    xs[0] = xs[-1] = 5_000
    border = [(crs_x + x, crs_y + y) for x, y in zip(xs, ys, strict=True)]
    left = Polygon([(crs_x, crs_y), *border, (crs_x, crs_y + 10_000)])
    right = Polygon([*border, (crs_x + 10_000, crs_y + 10_000), (crs_x + 10_000, crs_y)])
    t = np.linspace(0, 2 * np.pi, 60, endpoint=False)
    hole = [(crs_x + 7_500 + 900 * np.cos(a) * (1 + 0.2 * np.sin(5 * a)),
             crs_y + 5_000 + 900 * np.sin(a)) for a in t]
    right = Polygon(right.exterior.coords, [hole])
    enclave = Polygon(hole)
    return np.array([left, right, enclave], dtype=object)


def test_shared_boundaries_stay_identical_and_nothing_overlaps():
    geoms = _jagged_pair_with_enclave()
    assert shapely.coverage_is_valid(geoms)
    for tolerance in (50.0, 400.0, 1500.0):
        prep = prepare_geometry(geoms, "EPSG:25832", tolerance=tolerance, precision=3)
        assert shapely.coverage_is_valid(prep.simplified)
        _assert_no_new_gaps_or_overlaps(geoms, "EPSG:25832", prep.geojson)
        _, decoded = _decode(prep.geojson)
        # the enclave fills the hole exactly
        hole = decoded[1].interiors[0]
        assert shapely.equals(Polygon(hole), decoded[2])


def test_invalid_input_coverage_is_reported_and_still_simplified():
    a = box(0, 0, 1000, 1000)
    b = box(990, 0, 2000, 1000)  # overlaps a by 10 m
    c = box(2000, 0, 3000, 1000)  # clean neighbour of b
    geoms = np.array([a, b, c], dtype=object)
    prep = prepare_geometry(geoms, "EPSG:25832", tolerance=20)
    codes = [n["code"] for n in prep.notices]
    assert "maps.geo.coverage_invalid" in codes
    _, decoded = _decode(prep.geojson)
    back = np.asarray(gpd.GeoSeries(decoded, crs=4326).to_crs(25832).values, dtype=object)
    assert not shapely.is_empty(back).any()
    # the overlap that was there stays about the same; none appears between b and c
    assert shapely.area(shapely.intersection(back[0], back[1])) == pytest.approx(10_000,
                                                                                 rel=0.05)
    assert shapely.area(shapely.intersection(back[1], back[2])) < 1.0


def test_geographic_input_is_reprojected_with_a_notice():
    geoms = gpd.GeoSeries([box(7.0, 50.0, 7.1, 50.1), box(7.1, 50.0, 7.2, 50.1)], crs=4326)
    prep = prepare_geometry(geoms, None)
    assert prep.crs == "EPSG:25832"
    assert prep.notices[0]["code"] == "maps.geo.reprojected"
    assert prep.bounds == pytest.approx((7.0, 50.0, 7.2, 50.1), abs=1e-4)


def test_missing_and_invalid_geometries():
    bowtie = Polygon([(0, 0), (1000, 1000), (1000, 0), (0, 1000), (0, 0)])
    geoms = [box(2000, 0, 3000, 1000), None, Polygon(), bowtie]
    prep = prepare_geometry(geoms, "EPSG:25832", tolerance=0)
    codes = {n["code"]: n for n in prep.notices}
    assert codes["maps.geo.missing"]["params"]["n"] == 2
    assert codes["maps.geo.repaired"]["params"]["n"] == 1
    features = json.loads(prep.geojson)["features"]
    assert [f["geometry"] is None for f in features] == [False, True, True, False]
    assert features[3]["geometry"]["type"] == "MultiPolygon"  # the two triangles


def test_errors_are_clear():
    with pytest.raises(GeosozialError, match="keine Fläche"):
        prepare_geometry([Point(0, 0).buffer(1), Point(0, 0)], "EPSG:25832")
    with pytest.raises(GeosozialError, match="kein Koordinatenbezugssystem"):
        prepare_geometry([box(0, 0, 1, 1)], None)
    with pytest.raises(GeosozialError, match="tolerance"):
        prepare_geometry([box(0, 0, 1, 1)], "EPSG:25832", tolerance=-1)
    with pytest.raises(GeosozialError, match="max_bytes"):
        prepare_geometry([box(0, 0, 1, 1)], "EPSG:25832", max_bytes=0)


def test_tiny_parts_vanish_at_rounding_but_whole_polygons_do_not():
    main = box(400_000, 5_600_000, 405_000, 5_605_000)
    islet = box(410_000, 5_600_000, 410_002, 5_600_002)  # 2 m: gone at 3 decimals
    tiny = box(420_000, 5_600_000, 420_003, 5_600_003)  # a whole (tiny) municipality
    prep = prepare_geometry([MultiPolygon([main, islet]), tiny], "EPSG:25832",
                            tolerance=0, precision=3)
    codes = {n["code"]: n for n in prep.notices}
    assert codes["maps.geo.dropped"]["params"]["n"] == 1
    assert "maps.geo.vanished" not in codes
    assert "maps.geo.refined" in codes  # the tiny polygon is rounded more finely
    features = json.loads(prep.geojson)["features"]
    assert features[0]["geometry"]["type"] == "Polygon"
    assert features[1]["geometry"] is not None


def test_budget_raises_the_tolerance_or_says_it_cannot():
    geoms = _jagged_pair_with_enclave()
    free = prepare_geometry(geoms, "EPSG:25832", max_bytes=None)
    diagonal = float(np.hypot(10_000, 10_000))
    assert free.tolerance == pytest.approx(diagonal / 2000)
    tight = prepare_geometry(geoms, "EPSG:25832", max_bytes=free.size // 2)
    assert tight.size <= free.size // 2
    assert tight.tolerance > free.tolerance
    assert "maps.geo.tolerance_raised" in [n["code"] for n in tight.notices]
    impossible = prepare_geometry(geoms, "EPSG:25832", max_bytes=100)
    assert impossible.notices[-2]["code"] == "maps.geo.over_budget"


def test_no_simplification_keeps_every_vertex():
    geoms = _jagged_pair_with_enclave()
    prep = prepare_geometry(geoms, "EPSG:25832", tolerance=0, precision=6)
    assert prep.vertices_after == prep.vertices_before
    assert prep.tolerance == 0


def test_number_text_and_precision_rule():
    assert _fixed(71234000) == "7.1234"
    assert _fixed(-50000000) == "-5"
    assert _fixed(-50000) == "-0.005"
    assert _fixed(5) == "0.0000005"
    assert precision_for(0) == 5
    assert precision_for(1) == 5
    assert precision_for(35) == 4
    assert precision_for(700) == 3
    assert precision_for(1e6) == 2
