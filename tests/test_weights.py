"""Weights builders: contiguity, knn, distance band, libpysal conversion, front door."""

from __future__ import annotations

import subprocess
import sys
import warnings

import geopandas as gpd
import numpy as np
import pytest
import shapely
from datasets import VG5000, grid_areas
from shapely.geometry import Polygon, box

from geosozial.core.messages import GeosozialError
from geosozial.geo.areas import read_areas
from geosozial.geo.weights import parse_weights_spec, ring_arrays, weights_for
from geosozial.kernel.contiguity import (
    contiguity_weights,
    index_from_counts,
    queen_weights,
    rook_weights,
    vertex_labels,
)
from geosozial.kernel.distance import distance_band_weights, knn_weights
from geosozial.kernel.graph_convert import from_libpysal, to_libpysal_graph, to_libpysal_w
from geosozial.kernel.weights import Weights, WeightsError

libpysal = pytest.importorskip("libpysal")
from libpysal import graph as lgraph  # noqa: E402
from libpysal import weights as lweights  # noqa: E402


def neighbour_sets(w: Weights) -> list[set[int]]:
    m = w.sparse
    return [set(m.indices[m.indptr[i]:m.indptr[i + 1]].tolist()) for i in range(w.n)]


def libpysal_sets(obj, n: int) -> list[set[int]]:
    """Positional neighbour sets of a libpysal W or Graph built with positional ids."""
    if hasattr(obj, "adjacency"):
        out: list[set[int]] = [set() for _ in range(n)]
        for (i, j), v in obj.adjacency.items():
            if v != 0:
                out[i].add(j)
        return out
    return [set(obj.neighbors[i]) for i in range(n)]


@pytest.fixture(scope="module")
def vg5000() -> gpd.GeoDataFrame:
    return read_areas(VG5000, key="AGS").frame  # repaired with make_valid


@pytest.fixture(scope="module")
def mittelsachsen(vg5000) -> gpd.GeoDataFrame:
    return vg5000[vg5000["key"].str.startswith("14522")].reset_index(drop=True)


@pytest.fixture(scope="module")
def columbus() -> gpd.GeoDataFrame:
    return gpd.read_file(libpysal.examples.get_path("columbus.shp"))


def legacy(cls, frame):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cls.from_dataframe(frame, use_index=False, silence_warnings=True)


# --- contiguity equals libpysal and pygeoda -------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("rook", [False, True])
@pytest.mark.parametrize("dataset", ["columbus", "mittelsachsen", "vg5000"])
def test_contiguity_equals_libpysal(dataset, rook, request):
    frame = request.getfixturevalue(dataset).reset_index(drop=True)
    ids_column = None if dataset == "columbus" else "key"
    ours = weights_for(frame, "rook" if rook else "queen", ids_column=ids_column)
    assert ours.kind == ("rook" if rook else "queen") and ours.transform == "B"
    n = len(frame)
    expected_w = libpysal_sets(legacy(lweights.Rook if rook else lweights.Queen, frame), n)
    expected_g = libpysal_sets(lgraph.Graph.build_contiguity(frame.geometry, rook=rook), n)
    got = neighbour_sets(ours)
    assert got == expected_w
    assert got == expected_g
    if ids_column:
        assert ours.ids == tuple(frame["key"])


def test_queen_equals_pygeoda_on_columbus(columbus):
    pygeoda = pytest.importorskip("pygeoda")
    gw = pygeoda.queen_weights(pygeoda.open(columbus))
    expected = [set(gw.get_neighbors(i)) for i in range(len(columbus))]
    assert neighbour_sets(weights_for(columbus, "queen", ids_column=None)) == expected


@pytest.mark.slow
def test_vg5000_islands_and_components_equal_libpysal(vg5000):
    ours = weights_for(vg5000, "queen")
    reference = legacy(lweights.Queen, vg5000)
    assert len(ours.islands) == len(reference.islands) > 0
    assert set(ours.islands.tolist()) == set(reference.islands)
    assert ours.components[0] == reference.n_components
    assert "ohne Nachbarn" in ours.describe()


def test_rook_is_subset_of_queen(vg5000):
    queen, rook = weights_for(vg5000, "queen"), weights_for(vg5000, "rook")
    assert (rook.sparse - rook.sparse.multiply(queen.sparse)).nnz == 0
    assert rook.sparse.nnz < queen.sparse.nnz


def test_ring_order_direction_and_closing_do_not_matter(mittelsachsen):
    coords, ring, area = ring_arrays(mittelsachsen.geometry)
    n = len(mittelsachsen)
    expected_q = neighbour_sets(queen_weights(coords, ring, area, n))
    expected_r = neighbour_sets(rook_weights(coords, ring, area, n))
    # the QGIS path may hand over open rings, reversed, starting anywhere, rings shuffled
    rng = np.random.default_rng(1)
    counts = np.bincount(ring)
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    pieces, new_ring, new_area = [], [], []
    for new_index, r in enumerate(rng.permutation(len(counts))):
        c = coords[starts[r]:starts[r] + counts[r] - 1]  # drop the closing vertex
        c = np.roll(c, int(rng.integers(len(c))), axis=0)
        pieces.append(c[::-1] if rng.random() < 0.5 else c)
        new_ring.append(np.full(len(c), new_index))
        new_area.append(area[r])
    args = (np.vstack(pieces), np.concatenate(new_ring), np.array(new_area), n)
    assert neighbour_sets(queen_weights(*args)) == expected_q
    assert neighbour_sets(rook_weights(*args)) == expected_r


def test_queen_without_ring_table_and_index_from_counts():
    square = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], dtype=float)
    coords = np.vstack([square, square + np.array([1.0, 1.0]), square + 5.0])
    ring = index_from_counts([4, 4, 4])
    w = queen_weights(coords, ring, n=4, ids=["a", "b", "c", "d"])
    assert w.cardinalities.tolist() == [1, 1, 0, 0]
    assert w.ids == ("a", "b", "c", "d") and w.islands.tolist() == [2, 3]
    assert rook_weights(coords, ring).cardinalities.tolist() == [0, 0, 0]


def test_contiguity_rejects_bad_input():
    with pytest.raises(WeightsError):
        queen_weights(np.array([[0.0, np.nan]]), np.array([0]))
    with pytest.raises(WeightsError):
        queen_weights(np.zeros((2, 2)), np.array([0]))
    with pytest.raises(WeightsError):
        queen_weights(np.zeros((2, 2)), np.array([0, 1]), np.array([0, 5]), n=2)
    with pytest.raises(WeightsError):
        queen_weights(np.zeros((2, 2)), np.array([0, 1]), tolerance=-1)


# --- snapping tolerance -----------------------------------------------------------------

def _split_square(shift: tuple[float, float]) -> gpd.GeoDataFrame:
    """Two 100 m squares sharing x = 100; B's copies of the shared vertices are moved."""
    def moved(x: float, y: float) -> tuple[float, float]:
        return x + shift[0], y + shift[1]

    ys = (0.0, 25.0, 50.0, 75.0, 100.0)
    a = Polygon([(0, 0), *[(100.0, y) for y in ys], (0, 100)])
    b = Polygon([moved(100, 0), (200, 0), (200, 100), *[moved(100.0, y) for y in ys[::-1]]])
    return gpd.GeoDataFrame({"key": ["A", "B"]}, geometry=[a, b], crs=25833)


def test_tolerance_finds_perturbed_neighbours():
    frame = _split_square((0.03, -0.02))  # 3.6 cm apart
    for spec in ("queen", "rook"):
        assert weights_for(frame, spec).islands.tolist() == [0, 1]
        snapped = weights_for(frame, spec, tolerance=0.1)
        assert snapped.cardinalities.tolist() == [1, 1]
        assert snapped.meta == {"tolerance": "0.1"}
        assert weights_for(frame, spec, tolerance=0.03).islands.tolist() == [0, 1]


def test_tolerance_recovers_jittered_real_boundaries(mittelsachsen):
    coords, ring, area = ring_arrays(mittelsachsen.geometry)
    n = len(mittelsachsen)
    exact_q = neighbour_sets(queen_weights(coords, ring, area, n))
    exact_r = neighbour_sets(rook_weights(coords, ring, area, n))
    # move every vertex of every area on its own (up to 3 cm per axis): the copies of a
    # shared vertex no longer coincide, but stay within 0.1 m of each other
    labels, _ = vertex_labels(coords)
    _, copy = np.unique(labels * n + area[ring], return_inverse=True)
    shift = np.random.default_rng(7).uniform(-0.03, 0.03, size=(copy.max() + 1, 2))
    messy = coords + shift[copy]
    assert len(queen_weights(messy, ring, area, n).islands) == n
    assert neighbour_sets(queen_weights(messy, ring, area, n, tolerance=0.1)) == exact_q
    assert neighbour_sets(rook_weights(messy, ring, area, n, tolerance=0.1)) == exact_r


def test_tolerance_does_not_chain():
    # corners 8 cm apart in a row: A-B and B-C are within 0.1 m, A-C (16 cm) is not
    coords = np.array([[0.0, 0.0], [0.0, -5.0], [-5.0, 0.0],
                       [0.08, 0.0], [0.08, 5.0], [5.0, 5.0],
                       [0.16, 0.0], [0.16, -5.0], [5.0, -5.0]])
    w = queen_weights(coords, index_from_counts([3, 3, 3]), tolerance=0.1)
    assert neighbour_sets(w) == [{1}, {0, 2}, {1}]
    assert queen_weights(coords, index_from_counts([3, 3, 3])).islands.tolist() == [0, 1, 2]


def _subdivided_square(x0: float, y0: float, step: float = 0.25) -> np.ndarray:
    t = np.arange(0, 1, step)
    return np.vstack([np.c_[x0 + t, np.full_like(t, y0)], np.c_[np.full_like(t, x0 + 1), y0 + t],
                      np.c_[x0 + 1 - t, np.full_like(t, y0 + 1)],
                      np.c_[np.full_like(t, x0), y0 + 1 - t]])


def _brute_contiguity(rings: list[np.ndarray], t: float, rook: bool) -> list[set[int]]:
    """The documented rule, pair by pair (open rings)."""
    out: list[set[int]] = [set() for _ in rings]
    for i, ri in enumerate(rings):
        for j, rj in enumerate(rings):
            if i == j:
                continue
            if not rook:
                d = np.hypot(*(ri[:, None, :] - rj[None, :, :]).transpose(2, 0, 1))
                if (d <= t).any():
                    out[i].add(j)
                continue
            a1, a2 = ri, np.roll(ri, -1, axis=0)
            b1, b2 = rj, np.roll(rj, -1, axis=0)

            def near(p, q):
                return np.hypot(*(p[:, None, :] - q[None, :, :]).transpose(2, 0, 1)) <= t

            if ((near(a1, b1) & near(a2, b2)) | (near(a1, b2) & near(a2, b1))).any():
                out[i].add(j)
    return out


@pytest.mark.parametrize("t", [0.05, 0.1, 0.3, 0.6])
def test_tolerance_follows_the_documented_rule(t):
    # 3 x 3 unit squares, vertices every 0.25, each square moved by up to 4 cm on its own;
    # at t >= 0.25 non-corresponding vertices and edges match as well
    rng = np.random.default_rng(0)
    rings = [_subdivided_square(x, y) for y in range(3) for x in range(3)]
    rings = [r + rng.uniform(-0.04, 0.04, r.shape) for r in rings]
    coords, ring = np.vstack(rings), index_from_counts([len(r) for r in rings])
    assert neighbour_sets(queen_weights(coords, ring, tolerance=t)) == \
        _brute_contiguity(rings, t, rook=False)
    assert neighbour_sets(rook_weights(coords, ring, tolerance=t)) == \
        _brute_contiguity(rings, t, rook=True)


# --- knn and distance band -----------------------------------------------------------

def _centroids(frame: gpd.GeoDataFrame) -> np.ndarray:
    return shapely.get_coordinates(shapely.centroid(frame.geometry.array))


@pytest.mark.parametrize("k", [1, 4, 8])
def test_knn_equals_libpysal_on_columbus(columbus, k):
    pts = _centroids(columbus)
    ours = knn_weights(pts, k)
    reference = lweights.KNN(pts, k=k, silence_warnings=True)
    assert (ours.sparse.toarray() == reference.sparse.toarray()).all()
    assert ours.kind == f"knn:{k}" and (ours.cardinalities == k).all()
    graph = lgraph.Graph.build_knn(pts, k=k)
    assert neighbour_sets(ours) == libpysal_sets(graph, len(pts))


def brute_force_knn(pts: np.ndarray, k: int) -> list[set[int]]:
    out = []
    for i in range(len(pts)):
        d = np.hypot(*(pts - pts[i]).T)
        others = np.array([j for j in range(len(pts)) if j != i])
        order = np.lexsort((others, d[others]))  # distance, then lowest index
        out.append(set(others[order[:k]].tolist()))
    return out


def test_knn_ties_broken_by_lowest_index():
    grid = np.array([[x, y] for y in range(4) for x in range(4)], dtype=float)
    assert neighbour_sets(knn_weights(grid, 1))[5] == {1}  # 1, 4, 6, 9 all at distance 1
    assert neighbour_sets(knn_weights(grid, 2))[5] == {1, 4}
    assert neighbour_sets(knn_weights(grid, 5))[5] == {0, 1, 4, 6, 9}
    rng = np.random.default_rng(3)
    pts = rng.integers(0, 6, size=(200, 2)).astype(float)  # many ties and duplicates
    for k in (1, 3, 7):
        assert neighbour_sets(knn_weights(pts, k)) == brute_force_knn(pts, k)


def test_knn_symmetric_and_errors():
    grid = np.array([[x, y] for y in range(4) for x in range(4)], dtype=float)
    sym = knn_weights(grid, 1, symmetric=True)
    assert (sym.sparse != sym.sparse.T).nnz == 0 and sym.meta == {"symmetric": "true"}
    assert (knn_weights(grid, 1).sparse != knn_weights(grid, 1).sparse.T).nnz > 0
    with pytest.raises(WeightsError):
        knn_weights(grid, 16)
    with pytest.raises(WeightsError):
        knn_weights(grid, 0)


@pytest.mark.parametrize("threshold", [0.8, 1.5, 3.0])
def test_distance_band_equals_libpysal(columbus, threshold):
    pts = _centroids(columbus)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        binary = lweights.DistanceBand(pts, threshold, silence_warnings=True)
        inverse = lweights.DistanceBand(pts, threshold, binary=False, silence_warnings=True)
        inverse2 = lweights.DistanceBand(pts, threshold, binary=False, alpha=-2,
                                         silence_warnings=True)
    ours = distance_band_weights(pts, threshold)
    assert (ours.sparse.toarray() == binary.sparse.toarray()).all()
    assert set(ours.islands.tolist()) == set(binary.islands)
    assert ours.transform == "B"
    ours_inv = distance_band_weights(pts, threshold, binary=False)
    np.testing.assert_allclose(ours_inv.sparse.toarray(), inverse.sparse.toarray(), rtol=1e-12)
    assert ours_inv.transform == "V" and ours_inv.kind.endswith(":inverse")
    ours_inv2 = distance_band_weights(pts, threshold, binary=False, alpha=-2)
    np.testing.assert_allclose(ours_inv2.sparse.toarray(), inverse2.sparse.toarray(),
                               rtol=1e-12)


def test_distance_band_islands_and_errors(columbus):
    pts = _centroids(columbus)
    w = distance_band_weights(pts, 0.5)
    assert len(w.islands) > 0
    with pytest.raises(WeightsError):
        distance_band_weights(pts, 0)
    with pytest.raises(WeightsError):
        distance_band_weights(np.array([[0.0, 0.0], [0.0, 0.0]]), 1, binary=False)


# --- front door: specs, CRS, ids -------------------------------------------------------

def test_weights_for_knn_and_distance_on_mittelsachsen(mittelsachsen):
    pts = _centroids(mittelsachsen)
    w = weights_for(mittelsachsen, "knn:5")
    assert (w.sparse.toarray() == lweights.KNN(pts, k=5).sparse.toarray()).all()
    assert w.ids == tuple(mittelsachsen["key"])
    band = weights_for(mittelsachsen, "distance:8000:inverse")
    assert band.kind == "distance:8000:inverse" and band.transform == "V"
    assert weights_for(mittelsachsen, "Distance:8000,0").kind == "distance:8000"
    rep = weights_for(mittelsachsen, "knn:3", points="representative")
    assert rep.kind == "knn:3"


@pytest.mark.parametrize(("spec", "code"), [
    ("knn:0", "weights.spec_k"), ("knn:2.5", "weights.spec_k"), ("knn", "weights.spec_k"),
    ("distance:-5", "weights.spec_distance"), ("distance:abc", "weights.spec_distance"),
    ("distance:5:inverse:0", "weights.spec_power"), ("distance:5:square", "weights.spec_unknown"),
    ("hexagon", "weights.spec_unknown"), ("queen:3", "weights.spec_unknown"),
])
def test_bad_specs_raise_clear_errors(spec, code):
    with pytest.raises(GeosozialError) as info:
        parse_weights_spec(spec)
    assert info.value.code == code
    assert spec in info.value.text("de") and spec in info.value.text("en")


def test_spec_canonical_forms():
    for spec in ("queen", "rook", "knn:6", "distance:2500.5", "distance:3000:inverse",
                 "distance:3000:inverse:2"):
        assert str(parse_weights_spec(spec)) == spec


def test_metric_specs_refuse_degrees_but_contiguity_does_not(mittelsachsen):
    geographic = mittelsachsen.to_crs(4326)
    for spec in ("knn:4", "distance:5000"):
        with pytest.raises(GeosozialError) as info:
            weights_for(geographic, spec)
        assert info.value.code == "weights.geographic_crs"
        assert "to_crs" in info.value.text("en")
    with pytest.raises(GeosozialError):
        weights_for(geographic, "queen", tolerance=0.1)
    assert weights_for(geographic, "queen").sparse.nnz > 0  # identity does not need metres
    with pytest.raises(GeosozialError) as info:
        weights_for(mittelsachsen.set_crs(None, allow_override=True), "knn:4")
    assert info.value.code == "weights.no_crs"
    feet = mittelsachsen.to_crs(2263)  # NAD83 / New York Long Island (ftUS)
    with pytest.raises(GeosozialError) as info:
        weights_for(feet, "distance:5000")
    assert info.value.code == "weights.crs_units"


def test_ids_column_errors_and_non_polygons():
    frame = grid_areas(["14999001", "14999002", "14999001"])
    with pytest.raises(GeosozialError) as info:
        weights_for(frame, "queen", ids_column="AGS")
    assert info.value.code == "weights.ids_duplicate" and "14999001" in info.value.text()
    with pytest.raises(GeosozialError) as info:
        weights_for(frame, "queen")
    assert info.value.code == "weights.ids_missing"
    assert weights_for(frame, "queen", ids_column=None).ids == ("0", "1", "2")
    points = gpd.GeoDataFrame({"key": ["a", "b"]}, geometry=gpd.points_from_xy([0, 1], [0, 0]),
                              crs=25833)
    with pytest.raises(GeosozialError) as info:
        weights_for(points, "queen")
    assert info.value.code == "weights.not_polygon"
    assert weights_for(points, "knn:1").cardinalities.tolist() == [1, 1]


def test_missing_geometry_is_island_for_contiguity_and_error_for_knn():
    frame = grid_areas(["a", "b", "c"]).rename(columns={"AGS": "key"})
    frame.loc[1, "geometry"] = None
    assert weights_for(frame, "queen").islands.tolist() == [0, 1, 2]
    frame.loc[1, "geometry"] = box(401000, 5650000, 402000, 5651000)
    assert weights_for(frame, "rook").cardinalities.tolist() == [1, 2, 1]
    frame.loc[2, "geometry"] = Polygon()
    with pytest.raises(GeosozialError) as info:
        weights_for(frame, "knn:1")
    assert info.value.code == "weights.no_point" and "c" in info.value.text()


# --- transforms, conversion, persistence -----------------------------------------------

def test_row_standardised_sums_to_one_except_islands(vg5000):
    w = weights_for(vg5000, "queen").row_standardised()
    sums = np.asarray(w.sparse.sum(axis=1)).ravel()
    islands = w.islands
    assert len(islands) > 0
    np.testing.assert_allclose(np.delete(sums, islands), 1.0)
    assert (sums[islands] == 0).all()


@pytest.mark.parametrize("transform", ["B", "R", "V"])
def test_round_trip_libpysal_graph_and_w(mittelsachsen, transform):
    base = weights_for(mittelsachsen, "queen")
    w = base if transform == "B" else base.row_standardised()
    if transform == "V":
        w = weights_for(mittelsachsen, "distance:10000:inverse")
    graph = to_libpysal_graph(w)
    assert list(graph.unique_ids) == list(w.ids)
    assert graph.transformation == {"B": "B", "R": "R", "V": "O"}[transform]
    assert set(graph.isolates) == {w.ids[i] for i in w.islands}
    for back in (from_libpysal(graph, kind=w.kind), from_libpysal(to_libpysal_w(w),
                                                                   kind=w.kind)):
        assert back.ids == w.ids and back.transform == w.transform
        assert back.kind == w.kind
        assert (back.sparse != w.sparse).nnz == 0


def test_from_libpysal_builders_and_positional_ids(columbus):
    graph = lgraph.Graph.build_contiguity(columbus.geometry, rook=False)
    w = from_libpysal(graph, kind="queen")
    assert w.ids is None and w.transform == "B"
    assert neighbour_sets(w) == neighbour_sets(weights_for(columbus, "queen", ids_column=None))
    r = from_libpysal(graph.transform("R"))
    assert r.transform == "R"
    v = from_libpysal(graph.transform("V"))
    assert v.transform == "V" and v.meta == {"libpysal_transform": "V"}
    legacy_w = legacy(lweights.Queen, columbus)
    assert neighbour_sets(from_libpysal(legacy_w)) == neighbour_sets(w)
    with pytest.raises(WeightsError):
        from_libpysal(object())
    islands = to_libpysal_graph(Weights.from_pairs(3, np.array([0]), np.array([1])))
    assert islands.isolates.tolist() == [2]


def test_save_and_load(tmp_path, mittelsachsen):
    w = weights_for(mittelsachsen, "rook", tolerance=0.5)
    loaded = Weights.load(w.save(tmp_path / "rook.npz"))
    assert loaded.kind == "rook" and loaded.ids == w.ids and loaded.meta == w.meta
    assert (loaded.sparse != w.sparse).nnz == 0


def test_contiguity_keyword_form_matches_wrappers(mittelsachsen):
    coords, ring, area = ring_arrays(mittelsachsen.geometry)
    a = contiguity_weights(coords, ring, area, len(mittelsachsen), rook=True)
    b = rook_weights(coords, ring, area, len(mittelsachsen))
    assert (a.sparse != b.sparse).nnz == 0


def test_kernel_imports_only_numpy_and_scipy():
    code = ("import sys; import geosozial.kernel.contiguity, geosozial.kernel.distance, "
            "geosozial.kernel.graph_convert; "
            "bad = [m for m in ('pandas', 'geopandas', 'shapely', 'libpysal', 'pyproj') "
            "if m in sys.modules]; print(','.join(bad))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == ""


def _colliding_point() -> np.ndarray:
    """A point other than (1.5, 2.5) with the same mixed 64-bit key (x = 3.25)."""
    mult = np.int64(-7046029254386353131)
    a = np.array([1.5, 2.5]).view(np.int64)
    x2 = np.array([3.25]).view(np.int64)[0]
    with np.errstate(over="ignore"):
        y2 = (a[0] * mult) ^ a[1] ^ (x2 * mult)
    return np.array([x2, y2], dtype=np.int64).view(np.float64)


def test_vertex_labels_exact_when_the_sort_key_collides():
    """Two different coordinates with the same mixed 64-bit key still get two labels."""
    from geosozial.kernel.contiguity import vertex_labels

    mult = np.int64(-7046029254386353131)
    other = _colliding_point()
    with np.errstate(over="ignore"):
        keys = [(np.array(p).view(np.int64)[0] * mult) ^ np.array(p).view(np.int64)[1]
                for p in ([1.5, 2.5], other)]
    assert keys[0] == keys[1]  # the collision is real
    coords = np.array([[1.5, 2.5], other, [1.5, 2.5], other, [9.0, 9.0]])
    labels, unique = vertex_labels(coords)
    assert len(unique) == 3
    assert labels[0] == labels[2] and labels[1] == labels[3]
    assert len({labels[0], labels[1], labels[4]}) == 3


def test_exact_contiguity_falls_back_when_hashed_keys_collide():
    """The one-sort queen and rook hash vertices (and edges): two different points with
    the same key must not make neighbours of areas that touch neither."""
    from geosozial.kernel.contiguity import _queen_exact, contiguity_weights

    other = _colliding_point()
    assert np.isfinite(other).all()
    # area 0 has the vertex (1.5, 2.5), area 1 the colliding vertex: no shared point
    tri0 = np.array([[1.5, 2.5], [0.0, 0.0], [1.0, 0.0]])
    tri1 = np.vstack([other, other + np.array([1.0, 0.0]), other + np.array([0.0, 1.0])])
    coords = np.vstack([tri0, tri1])
    ring = np.repeat([0, 1], 3)
    assert _queen_exact(coords, ring, 2) is None  # the collision is seen
    w = contiguity_weights(coords, ring, n=2)
    assert w.cardinalities.tolist() == [0, 0]
    # and the same point in both areas still makes them queen neighbours
    coords2 = np.vstack([tri0, np.array([[1.5, 2.5], [5.0, 5.0], [6.0, 5.0]])])
    assert contiguity_weights(coords2, ring, n=2).cardinalities.tolist() == [1, 1]


def test_one_sort_contiguity_equals_the_labelled_way(vg5000):
    """The exact queen/rook of one sort give the same matrix as the vertex labels."""
    from geosozial.geo.weights import ring_arrays, vertex_arrays
    from geosozial.kernel import contiguity as c

    coords, ring, area_of_ring = ring_arrays(vg5000.geometry)
    area = area_of_ring[ring]
    n = len(vg5000)
    labels, unique = c.vertex_labels(coords)
    queen = c._queen_matrix(labels, area, n, len(unique), None)
    rook = c._rook_matrix(labels, ring, area, n, len(unique), None)
    assert (c._queen_exact(coords, area, n) != queen).nnz == 0
    assert (c._rook_exact(coords, ring, area, n) != rook).nnz == 0
    vc, va, _ = vertex_arrays(vg5000.geometry)
    assert (c._queen_exact(vc, va, n) != queen).nnz == 0
