"""The numpy coverage check (geosozial.maps.crossings) against shapely/GEOS.

The reference (``shapely_conflicts``) is built from shapely predicates: the features
that are not valid alone (``~shapely.is_valid``), both features of every pair of valid
features whose interiors intersect (``relate`` ``T********``), and both features of
every pair where a segment of one crosses or touches a segment of the other anywhere
but at a common endpoint, identical segments aside (``segments_meet``: a GEOS
intersection of every pair of segments). ``conflicting_features`` must equal it.

GEOS's own coverage check (``~is_valid`` union non-empty ``coverage_invalid_edges``) is
checked to be contained in it, not equal to it, for these reasons (deliberate
differences, each shown by a test below):

- GEOS marks only the inner polygon of two nested ones; here both are reported.
- GEOS does not check an edge that one neighbour matches exactly against the other
  polygons, so of two overlapping polygons often only one is marked (a real case: two
  simplified VG5000 municipalities overlapping by a sliver, neither marked); here both.
- GEOS's coverage check of an invalid polygon is partial (a hole sticking out of its
  shell is not checked against the polygons around it) and marks valid neighbours that
  only meet it at a vertex; so ``coverage_invalid_edges`` is taken among the valid
  features only, and an invalid feature conflicts with another only through segments.
  ``conflicting_features`` likewise leaves a feature broken in itself (its interior is
  not defined) out of the overlap tests.
- GEOS marks the edges of a polygon that only meets a neighbour's vertex where that
  neighbour's hole touches its exterior (a false positive; not in the seeds below).
- A vertex in the interior of another segment is always a conflict here, also a hole's
  vertex on its own exterior's edge (GEOS accepts a hole touching its shell at one point
  even there): in a coverage, boundaries meet at vertices. Between different features
  GEOS agrees (a T-junction is an invalid edge).
"""

from __future__ import annotations

import copy

import geopandas as gpd
import numpy as np
import pytest
import shapely
from datasets import VG5000, to_features, to_shapely

from geosozial.maps.crossings import conflicting_features


def geos_conflicts(features) -> list[int]:
    """GEOS's own view: ``~is_valid`` union non-empty ``coverage_invalid_edges``."""
    geoms = to_shapely(features)
    bad = ~shapely.is_valid(geoms) | ~shapely.is_empty(shapely.coverage_invalid_edges(geoms))
    return np.flatnonzero(bad).tolist()


def geos_valid_conflicts(features) -> list[int]:
    """The same with ``coverage_invalid_edges`` among the valid features only."""
    geoms = to_shapely(features)
    valid = shapely.is_valid(geoms)
    bad = ~valid
    bad[valid] = ~shapely.is_empty(shapely.coverage_invalid_edges(geoms[valid]))
    return np.flatnonzero(bad).tolist()


def shapely_conflicts(features) -> list[int]:
    """The features broken by shapely's predicates (see the module docstring)."""
    geoms = to_shapely(features)
    valid = shapely.is_valid(geoms)
    bad = set(np.flatnonzero(~valid).tolist())
    lines = shapely.boundary(geoms)      # an invalid hole may stick out of its shell
    i, j = shapely.STRtree(lines).query(lines)
    pair = i < j
    i, j = i[pair], j[pair]
    both = valid[i] & valid[j]
    overlap = shapely.relate_pattern(geoms[i[both]], geoms[j[both]], "T********")
    bad |= set(i[both][overlap].tolist()) | set(j[both][overlap].tolist())
    meet = segments_meet(geoms, i, j)
    return sorted(bad | set(i[meet].tolist()) | set(j[meet].tolist()))


def _segments(geom) -> np.ndarray:
    """``(m, 4)``: the segments ``x0, y0, x1, y1`` of all rings (repeated points aside)."""
    out = [np.zeros((0, 4))]
    for line in shapely.get_parts(shapely.boundary(geom)):
        xy = shapely.get_coordinates(line)
        seg = np.hstack([xy[:-1], xy[1:]])
        out.append(seg[(seg[:, :2] != seg[:, 2:]).any(axis=1)])
    return np.vstack(out)


def segments_meet(geoms, i, j) -> np.ndarray:
    """For each pair ``(geoms[i[k]], geoms[j[k]])``: whether a segment of one and a
    segment of the other meet anywhere but at a common endpoint, identical segments aside
    (GEOS intersection of every pair of segments whose boxes overlap)."""
    segs = [_segments(g) for g in geoms]
    out = np.zeros(len(i), dtype=bool)
    blocks = []
    for k, (a, b) in enumerate(zip(i.tolist(), j.tolist(), strict=True)):
        p, q = np.repeat(segs[a], len(segs[b]), axis=0), np.tile(segs[b], (len(segs[a]), 1))
        blocks.append(np.hstack([p, q, np.full((len(p), 1), k)]))
    if not blocks:
        return out
    m = np.vstack(blocks)
    p, q, owner = m[:, :4], m[:, 4:8], m[:, 8].astype(int)
    same = ((p == q).all(axis=1) | (p == q[:, [2, 3, 0, 1]]).all(axis=1))

    def box(s):
        return (np.minimum(s[:, 0], s[:, 2]), np.minimum(s[:, 1], s[:, 3]),
                np.maximum(s[:, 0], s[:, 2]), np.maximum(s[:, 1], s[:, 3]))

    (a0, b0, a1, b1), (c0, d0, c1, d1) = box(p), box(q)
    near = ~same & (a0 <= c1) & (c0 <= a1) & (b0 <= d1) & (d0 <= b1)
    p, q, owner = p[near], q[near], owner[near]
    meet = shapely.intersection(shapely.linestrings(p.reshape(-1, 2, 2)),
                                shapely.linestrings(q.reshape(-1, 2, 2)))
    point = shapely.get_type_id(meet) == 0
    xy = np.full((len(meet), 2), np.nan)
    xy[point] = shapely.get_coordinates(meet[point])

    def at(s, c):
        return (xy == s[:, c:c + 2]).all(axis=1)

    at_common_end = point & (at(p, 0) | at(p, 2)) & (at(q, 0) | at(q, 2))
    out[owner[~shapely.is_empty(meet) & ~at_common_end]] = True
    return out


def found(features) -> list[int]:
    result = conflicting_features(features)
    assert result.dtype == np.int64
    assert (np.diff(result) > 0).all()
    return result.tolist()


def square(x0, y0, x1, y1):
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]], dtype=float)


def ring(*points):
    return np.array(points, dtype=float)


# --- valid coverages -----------------------------------------------------------------


def test_grid_of_squares_is_valid():
    features = [[[square(i, j, i + 1, j + 1)]] for i in range(6) for j in range(5)]
    assert found(features) == []
    # the same with open rings, clockwise rings and rotated starting vertices
    other = [[[np.roll(r[:-1][::-1], k, axis=0) for r in p] for p in f]
             for k, f in enumerate(features)]
    assert found(other) == []


def test_touching_at_a_corner_and_enclaves_are_valid():
    assert found([[[square(0, 0, 1, 1)]], [[square(1, 1, 2, 2)]]]) == []
    shell, island = square(0, 0, 4, 4), square(1, 1, 2, 2)
    with_hole = [[shell, island[::-1]]]
    assert found([with_hole, [[island]]]) == []
    # two enclaves filling one hole
    hole = ring((1, 1), (2, 1), (3, 1), (3, 2), (2, 2), (1, 2))
    left, right = square(1, 1, 2, 2), square(2, 1, 3, 2)
    assert found([[[shell, hole]], [[left]], [[right]]]) == []
    # a hole touching its exterior at one vertex; two holes touching at one vertex
    shell5 = ring((0, 0), (4, 0), (4, 4), (0, 4), (0, 2))
    assert found([[[shell5, ring((0, 2), (1, 1), (1, 3))]]]) == []
    two_holes = [square(0, 0, 6, 6), ring((1, 1), (2, 1), (2, 2)), ring((2, 2), (3, 2), (3, 3))]
    assert found([[two_holes]]) == []
    # a multipolygon whose parts touch at a vertex
    assert found([[[square(0, 0, 1, 1)], [square(1, 1, 2, 2)]]]) == []


def _kreis(prefix: str) -> gpd.GeoDataFrame:
    frame = gpd.read_file(VG5000, columns=["AGS", "GF"])
    assert frame["GF"].dtype.kind == "i"
    return frame[frame["AGS"].str.startswith(prefix)].reset_index(drop=True)


@pytest.mark.skipif(not VG5000.exists(), reason="VG5000 not available")
def test_real_municipalities_of_one_kreis_are_valid():
    kreis = _kreis("14522")   # Mittelsachsen, 53 municipalities
    assert len(kreis) == 53 and shapely.is_valid(kreis.geometry.values).all()
    assert found(to_features(kreis.geometry.values)) == []


@pytest.mark.skipif(not VG5000.exists(), reason="VG5000 not available")
@pytest.mark.parametrize("prefix", ["07337", "08216"])
def test_simplified_real_municipalities_agree_with_shapely(prefix):
    """Südliche Weinstraße and Rastatt: a 1 km simplification breaks some (in Rastatt
    two overlap by a sliver across an edge a third shares, which GEOS does not mark)."""
    from geosozial.maps.arcs import simplify_coverage

    features = simplify_coverage(to_features(_kreis(prefix).geometry.values), 1000.0)
    result = found(features)
    assert result == shapely_conflicts(features)
    assert set(geos_conflicts(features)) <= set(result)


# --- constructed conflicts -------------------------------------------------------------


SQ = square(0, 0, 2, 2)
CASES = {
    "bow-tie ring": ([[SQ]], [[ring((2, 0), (4, 2), (4, 0), (2, 2))]]),
    "vertex on a neighbour's edge": ([[square(0, 0, 2, 1)]], [[ring((1, 1), (2, 2), (0, 2))]]),
    "overlap with crossing edges": ([[SQ]], [[square(1, 1, 3, 3)]]),
    "collinear partial overlap": ([[square(0, 0, 2, 1)]], [[square(1, 1, 3, 2)]]),
    "same edge on the same side": ([[SQ]], [[ring((0, 0), (2, 0), (1, 1))]]),
    "crossing through a shared vertex": ([[SQ]],
                                         [[ring((2, 0), (4, 0), (4, 2), (2, 2), (1, 1))]]),
    "nested without crossing": ([[square(0, 0, 4, 4)]], [[square(1, 1, 2, 2)]]),
    "nested touching inside": ([[square(0, 0, 4, 4)]], [[ring((0, 0), (2, 1), (1, 2))]]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_conflicting_pair_reports_both(name):
    a, b = CASES[name]
    far = [[square(10, 10, 11, 11)]]
    # the bow-tie is broken in itself, its neighbour (sharing an edge with it) is not
    expected = [1] if name == "bow-tie ring" else [0, 1]
    assert found([a, b, far]) == expected
    assert shapely_conflicts([a, b, far]) == expected


SINGLE = {
    "hole outside its shell": [[SQ, square(3, 3, 4, 4)]],
    "hole crossing its shell": [[SQ, square(1, 1, 3, 3)[::-1]]],
    "hole inside another hole": [[square(0, 0, 6, 6), square(1, 1, 5, 5), square(2, 2, 3, 3)]],
    "hole sharing an edge with its shell": [[SQ, ring((0, 0), (1, 1), (0, 2))]],
    "hole touching its shell twice": [[ring((0, 0), (4, 0), (4, 2), (4, 4), (0, 4), (0, 2)),
                                       ring((0, 2), (2, 1), (4, 2), (2, 3))]],
    "holes touching in a cycle": [[square(0, 0, 9, 9), ring((1, 1), (3, 1), (2, 2)),
                                   ring((3, 1), (5, 1), (4, 2)), ring((2, 2), (4, 2), (3, 4))]],
    "zero-area ring": [[ring((0, 0), (1, 0), (2, 0))]],
    "ring with 2 distinct points": [[ring((0, 0), (1, 0), (0, 0), (1, 0), (0, 0))]],
    "ring with one point": [[ring((3, 3), (3, 3), (3, 3))]],
    "self-touching ring": [[ring((0, 0), (2, 0), (1, 1), (2, 2), (0, 2), (1, 1))]],
    "spike": [[ring((0, 0), (2, 0), (2, 2), (2, 3), (2, 2), (0, 2))]],
    "nested parts": [[square(0, 0, 4, 4)], [square(1, 1, 2, 2)]],
    "parts sharing an edge": [[SQ], [square(2, 0, 4, 2)]],
    "same ring twice": [[SQ], [SQ[::-1]]],
}


@pytest.mark.parametrize("name", list(SINGLE))
def test_broken_feature_alone(name):
    neighbour = [[square(-2, -2, 0, 0)]]   # valid, touches most cases at (0, 0)
    features = [neighbour, SINGLE[name]]
    assert found(features) == shapely_conflicts(features) == [1]


def test_segment_used_three_times():
    """Three rings on the edge (2,0)-(2,2): the two on the same side overlap and are
    reported, the one alone on the other side is not."""
    a = [[square(0, 0, 2, 2)]]
    b = [[square(2, 0, 4, 2)]]
    c = [[ring((2, 0), (2, 2), (1, 1))]]      # inside a, along the edge a shares with b
    assert found([a, b, c]) == shapely_conflicts([a, b, c]) == [0, 2]
    d = [[ring((2, 2), (2, 0), (3, 1))]]      # and one inside b: all four
    assert found([a, b, c, d]) == [0, 1, 2, 3]


# --- the deliberate differences to GEOS (see the module docstring) ---------------------


def test_hole_touching_shell_edge_interior_is_reported():
    feature = [[SQ.copy() * 2, ring((0, 2), (1, 1), (1, 3))]]
    assert found([feature]) == [0]
    assert shapely.is_valid(to_shapely([feature])[0])
    assert geos_conflicts([feature]) == []


def test_nested_reports_both_geos_the_inner():
    features = [[[square(0, 0, 4, 4)]], [[square(1, 1, 2, 2)]]]
    assert found(features) == [0, 1]
    assert geos_conflicts(features) == [1]


def test_overlap_across_a_matched_edge_reports_both():
    """Feature 1 pokes into 2 across the edge 2 shares exactly with 3: GEOS marks 0, 1
    and 3 but not 2, though 1 and 2 overlap."""
    features = [[[ring(*p)]] for p in [
        [(30, 29), (41, 29), (40, 23), (39, 20), (32, 18), (30, 24)],
        [(30, 29), (29, 35), (28, 41), (35, 41), (42, 40), (46, 26)],
        [(41, 29), (40, 23), (39, 20), (49, 22), (51, 29)],
        [(51, 41), (52, 36), (51, 29), (41, 29), (42, 40), (46, 41)]]]
    geoms = to_shapely(features)
    assert geoms[1].intersection(geoms[2]).area > 10
    assert geos_conflicts(features) == [0, 1, 3]
    assert found(features) == shapely_conflicts(features) == [0, 1, 2, 3]


def test_invalid_neighbour_does_not_break_a_vertex_contact():
    """A spike breaks feature 1; feature 0 only meets it at the vertex (0, 0): GEOS
    marks 0 too, here (and in the reference) only 1 is broken."""
    features = [[[square(-2, -2, 0, 0)]], SINGLE["spike"]]
    assert geos_conflicts(features) == [0, 1]
    assert found(features) == shapely_conflicts(features) == [1]


def test_geos_false_positive_at_a_hole_touching_its_shell():
    """Feature 1 meets feature 0 only at (2, 4), where 0's hole touches 0's exterior;
    they do not overlap, yet GEOS marks 1's edges."""
    shell = ring((0, 0), (4, 0), (4, 4), (2, 4), (0, 4))
    features = [[[shell, ring((2, 4), (1, 2), (3, 2))]], [[ring((2, 4), (3, 8), (1, 8))]]]
    geoms = to_shapely(features)
    assert geoms[0].intersection(geoms[1]).area == 0
    assert geos_conflicts(features) == [1]
    assert found(features) == shapely_conflicts(features) == []


# --- empty features, untouched input -------------------------------------------------


def test_empty_features_are_ignored():
    a, b = [[square(0, 0, 2, 2)]], [[square(1, 1, 3, 3)]]
    assert found([[], a, [], b, []]) == [1, 3]
    assert found([[], []]) == []
    assert found([]) == []
    assert found([[[]], a]) == []          # a polygon without rings


def test_input_is_not_modified():
    rng = np.random.default_rng(5)
    features = perturbed(rng, *lattice(rng), moves=4)
    for f in features:
        for p in f:
            for r in p:
                r.setflags(write=False)
    before = copy.deepcopy(features)
    found(features)
    found([[[np.asarray(r, dtype=np.int64) for r in p] for p in f] for f in features])
    for f, g in zip(features, before, strict=True):
        for p, q in zip(f, g, strict=True):
            for r, s in zip(p, q, strict=True):
                assert r.dtype == s.dtype and np.array_equal(r, s)


# --- random coverages against shapely ----------------------------------------------------


def lattice(rng, nx: int = 5, ny: int = 4, spacing: int = 10):
    """A valid coverage of jittered integer quadrilaterals (some edges with a middle
    vertex), a hole with its enclave and a two-part feature: (rings of each feature,
    as lists of open integer arrays)."""
    corner = (np.stack(np.meshgrid(np.arange(nx + 1), np.arange(ny + 1), indexing="ij"), -1)
              * spacing + rng.integers(-2, 3, size=(nx + 1, ny + 1, 2)))
    mids = {}

    def middle(p, q):
        key = (min(p, q), max(p, q))
        if key not in mids:
            a, b = corner[key[0]], corner[key[1]]
            mids[key] = None if rng.random() < 0.5 else (a + b) // 2 + rng.integers(-1, 2, 2)
        return mids[key]

    cells = {}
    for i in range(nx):
        for j in range(ny):
            path = [(i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1)]
            pts = []
            for p, q in zip(path, path[1:] + path[:1], strict=True):
                pts.append(corner[p])
                m = middle(p, q)
                if m is not None:
                    pts.append(m)
            cells[i, j] = np.array(pts, dtype=np.int64)
    features = []
    hole_cell = (int(rng.integers(0, nx)), int(rng.integers(1, ny)))
    pair = ((0, 0), (2, 0))
    for (i, j), cell in cells.items():
        if (i, j) == pair[1]:
            continue
        polygon = [cell]
        if (i, j) == hole_cell:
            c = np.array([i * spacing + 5, j * spacing + 5])
            enclave = c + np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]])
            polygon.append(enclave[::-1])
            features.append([[enclave]])
        features.append([polygon] if (i, j) != pair[0] else [polygon, [cells[pair[1]]]])
    return features, spacing


def perturbed(rng, features, spacing, moves: int):
    """Moves ``moves`` random vertices: a shared vertex in all its rings or in one only,
    by a random integer step, or onto another vertex; then random orientation, start
    and closing of every ring (as float arrays)."""
    features = [[[r.copy() for r in p] for p in f] for f in features]
    where = [(f, p, r, k) for f, feat in enumerate(features) for p, poly in enumerate(feat)
             for r, ring_ in enumerate(poly) for k in range(len(ring_))]
    for _ in range(moves):
        f, p, r, k = where[int(rng.integers(len(where)))]
        old = features[f][p][r][k].copy()
        if rng.random() < 0.2:
            g, q, s, m = where[int(rng.integers(len(where)))]
            new = features[g][q][s][m].copy()
        else:
            new = old + rng.integers(-spacing // 2, spacing // 2 + 1, 2)
        if rng.random() < 0.5:
            targets = [w for w in where if (features[w[0]][w[1]][w[2]][w[3]] == old).all()]
        else:
            targets = [(f, p, r, k)]
        for g, q, s, m in targets:
            features[g][q][s][m] = new
    out = []
    for feat in features:
        polys = []
        for poly in feat:
            rings = []
            for ring_ in poly:
                a = np.roll(ring_, int(rng.integers(len(ring_))), axis=0)
                if rng.random() < 0.5:
                    a = a[::-1]
                if rng.random() < 0.5:
                    a = np.vstack([a, a[:1]])
                rings.append(a.astype(float))
            polys.append(rings)
        out.append(polys)
    return out


def test_random_lattice_is_valid():
    for seed in range(20):
        rng = np.random.default_rng(seed)
        features = perturbed(rng, *lattice(rng), moves=0)
        assert shapely_conflicts(features) == [], seed
        assert found(features) == [], seed


@pytest.mark.parametrize("moves", [1, 2, 4])
def test_random_perturbations_agree_with_shapely(moves):
    rng = np.random.default_rng(100 + moves)
    reported = more_than_geos = 0
    for trial in range(120):
        features = perturbed(rng, *lattice(rng), moves=moves)
        expected = shapely_conflicts(features)
        result = found(features)
        assert result == expected, (moves, trial)
        geos = geos_valid_conflicts(features)
        assert set(geos) <= set(result), (moves, trial)
        reported += len(expected) > 0
        more_than_geos += geos != result
    assert reported > 50          # most moves break something
    assert more_than_geos > 10    # GEOS often marks one side of an overlap only


def scaled(features, scale: int, x0: int, y0: int, dtype):
    return [[[(np.asarray(r) * scale + [x0, y0]).astype(dtype) for r in p] for p in f]
            for f in features]


@pytest.mark.parametrize("origin", [(130_000_000, 510_000_000), (1_790_000_000, 890_000_000)])
def test_integer_grid_gives_the_same_answers(origin):
    """Integer coordinates, as lon/lat times 10**7 (up to 1.8e9), as int64 or float64,
    give the answers of the small integer coverage they were scaled from: the
    arithmetic is exact, translated to a point of each tested pair."""
    rng = np.random.default_rng(7)
    for trial in range(60):
        features = perturbed(rng, *lattice(rng), moves=1 + trial % 3)
        small = found(features)
        big = scaled(features, 10_000, *origin, np.int64)
        assert found(big) == small, trial
        assert found(scaled(features, 10_000, *origin, np.float64)) == small, trial
        degrees = [[[r / 1e7 for r in p] for p in f] for f in big]
        rounded = [[[np.round(r * 1e7).astype(np.int64) for r in p] for p in f] for f in degrees]
        assert found(rounded) == small, trial
