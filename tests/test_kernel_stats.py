"""Kernel statistics against published values and against esda (reference)."""

import os
import subprocess
import sys
import warnings

import esda
import geopandas as gpd
import libpysal
import numpy as np
import pytest
from datasets import VG5000
from scipy import sparse, stats

from geosozial.kernel import globals as G
from geosozial.kernel.errors import KernelError
from geosozial.kernel.local import local_g, local_moran, local_moran_bv, local_moran_rate
from geosozial.kernel.weights import Weights

warnings.filterwarnings("ignore", category=UserWarning)
warnings.filterwarnings("ignore", category=FutureWarning)


def ours(wl) -> Weights:
    return Weights(sparse.csr_array(wl.sparse), kind="test")


@pytest.fixture(scope="module")
def columbus():
    df = gpd.read_file(libpysal.examples.get_path("columbus.shp"))
    queen = libpysal.weights.Queen.from_dataframe(df, use_index=False)
    rook = libpysal.weights.Rook.from_dataframe(df, use_index=False)
    return df, queen, rook


def test_columbus_published_moran_and_geary(columbus):
    df, queen, rook = columbus
    y = df["CRIME"].to_numpy()
    assert G.moran(y, ours(queen)).value == pytest.approx(0.500189, abs=1e-6)
    assert G.moran(y, ours(rook)).value == pytest.approx(0.523670, abs=1e-6)
    c = G.geary(y, ours(rook))
    assert c.value == pytest.approx(0.5154408058652411, abs=1e-9)
    assert c.variance_norm == pytest.approx(0.011403109626468939, abs=1e-12)


def test_esda_published_values():
    stl = libpysal.io.open(libpysal.examples.get_path("stl_hom.txt"))
    hr = np.array(stl.by_col["HR8893"])
    w_stl = ours(libpysal.io.open(libpysal.examples.get_path("stl.gal")).read())
    assert G.moran(hr, w_stl).value == pytest.approx(0.24365582621771659, abs=1e-9)
    sids = libpysal.io.open(libpysal.examples.get_path("sids2.dbf"))
    w_sids = ours(libpysal.io.open(libpysal.examples.get_path("sids2.gal")).read())
    sidr = np.array(sids.by_col["SIDR74"])
    assert G.moran(sidr, w_sids).value == pytest.approx(0.24772519320480135, abs=1e-9)
    rate = G.moran_rate(np.array(sids.by_col["SID79"]), np.array(sids.by_col["BIR79"]),
                        w_sids, alternative="greater")
    assert rate.value == pytest.approx(0.16622343552567395, abs=1e-9)
    assert rate.p_norm == pytest.approx(0.004191499504892171, rel=1e-7)


def test_global_moments_equal_esda(columbus):
    df, queen, _ = columbus
    y, x = df["CRIME"].to_numpy(), df["INC"].to_numpy()
    m, e = G.moran(y, ours(queen)), esda.Moran(y, queen, permutations=0)
    assert m.variance_norm == pytest.approx(e.VI_norm, abs=1e-15)
    assert m.variance_rand == pytest.approx(e.VI_rand, abs=1e-15)
    assert m.p_norm == pytest.approx(e.p_norm, rel=1e-12)
    g, eg = G.general_g(y, ours(queen)), esda.G(y, queen, permutations=0)
    assert (g.value, g.expected) == pytest.approx((eg.G, eg.EG), abs=1e-15)
    assert g.variance_norm == pytest.approx(eg.VG, abs=1e-15)
    bv = G.moran_bv(x, y, ours(queen))
    assert bv.value == pytest.approx(esda.Moran_BV(x, y, queen, permutations=0).I, abs=1e-12)


def test_local_statistics_equal_esda_on_columbus(columbus):
    df, queen, _ = columbus
    y, x = df["CRIME"].to_numpy(), df["INC"].to_numpy()
    w = ours(queen)
    r, e = local_moran(y, w, permutations=0), esda.Moran_Local(y, queen, permutations=0)
    np.testing.assert_allclose(r.values, e.Is, rtol=0, atol=1e-12)
    np.testing.assert_allclose(r.z, (e.Is - e.EI) / np.sqrt(e.VI), rtol=0, atol=1e-12)
    for transform in ("B", "R"):
        gs = local_g(y, w, permutations=0, transform=transform)
        eg = esda.G_Local(y, libpysal.weights.Queen.from_dataframe(df, use_index=False),
                          transform=transform, star=True, permutations=0)
        np.testing.assert_allclose(gs.values, eg.Gs, rtol=0, atol=1e-12)
        np.testing.assert_allclose(gs.z, eg.Zs, rtol=0, atol=1e-12)
    # binary Gi* z is the textbook formula (Getis & Ord 1995, as ArcGIS)
    a = (np.asarray(queen.sparse.todense()) > 0) + np.eye(len(y))
    s = y.std()
    textbook = (a @ y - y.mean() * a.sum(1)) / (
        s * np.sqrt((len(y) * (a**2).sum(1) - a.sum(1) ** 2) / (len(y) - 1)))
    np.testing.assert_allclose(local_g(y, w, permutations=0).z, textbook, atol=1e-12)
    gi = local_g(y, w, star=False, permutations=0, transform="R")
    eg = esda.G_Local(y, libpysal.weights.Queen.from_dataframe(df, use_index=False),
                      transform="R", star=False, permutations=0)
    np.testing.assert_allclose(gi.z, eg.Zs, rtol=0, atol=1e-12)
    bv = local_moran_bv(x, y, w, permutations=0)
    np.testing.assert_allclose(bv.values, esda.Moran_Local_BV(x, y, queen, permutations=0).Is,
                               rtol=0, atol=1e-12)
    e_b = df["HOVAL"].to_numpy() * 10
    rate = local_moran_rate(y, e_b, w, permutations=0)
    er = esda.Moran_Local_Rate(y, e_b, queen, permutations=0)
    np.testing.assert_allclose(rate.values, er.Is, rtol=0, atol=1e-12)


def test_permutation_p_close_to_esda(columbus):
    df, queen, _ = columbus
    y = df["CRIME"].to_numpy()
    r = local_moran(y, ours(queen), permutations=9999, seed=3, alternative="folded",
                    correction="none")
    e = esda.Moran_Local(y, queen, permutations=9999, seed=3)
    # different random draws, same null distribution: p within Monte-Carlo error
    assert np.abs(r.p - e.p_sim).max() < 0.03


@pytest.fixture(scope="module")
def germany():
    frame = gpd.read_file(VG5000)
    frame["geometry"] = frame.geometry.make_valid()
    queen = libpysal.weights.Queen.from_dataframe(frame, use_index=False, silence_warnings=True)
    y = np.log(frame.geometry.area.to_numpy()) + frame.geometry.length.to_numpy() / 1e5
    return frame, queen, y


@pytest.mark.slow
def test_local_statistics_equal_esda_on_all_german_municipalities(germany):
    _, queen, y = germany
    w = ours(queen)
    r, e = local_moran(y, w, permutations=0), esda.Moran_Local(y, queen, permutations=0)
    assert len(r.values) == 10997
    np.testing.assert_allclose(r.values, e.Is, rtol=0, atol=1e-12)
    queen.transform = "O"
    g = local_g(y, w, permutations=0)
    eg = esda.G_Local(y, queen, transform="B", star=True, permutations=0)
    keep = ~g.islands
    np.testing.assert_allclose(g.z[keep], eg.Zs[keep], rtol=0, atol=1e-12)


def test_null_p_values_are_uniform(columbus):
    df, queen, _ = columbus
    w = ours(queen)
    rng = np.random.default_rng(0)
    pooled = []
    for k in range(40):
        y = rng.permutation(df["CRIME"].to_numpy())
        pooled.append(local_moran(y, w, permutations=199, seed=k, alternative="greater",
                                  correction="none").p)
    pooled = np.concatenate(pooled)
    assert stats.kstest(pooled, "uniform").pvalue > 0.001
    assert abs(pooled.mean() - 0.5) < 0.03


THREAD_SCRIPT = """
import numpy as np, libpysal, geopandas as gpd
from scipy import sparse
from geosozial.kernel.weights import Weights
from geosozial.kernel.local import local_moran
df = gpd.read_file(libpysal.examples.get_path("columbus.shp"))
w = Weights(sparse.csr_array(libpysal.weights.Queen.from_dataframe(df, use_index=False).sparse))
r = local_moran(df["CRIME"].to_numpy(), w, permutations=999, seed=42)
print(",".join(repr(float(v)) for v in r.p))
"""


@pytest.mark.slow
def test_same_seed_same_p_values_with_one_and_two_threads():
    outputs = []
    for threads in ("1", "2"):
        env = dict(os.environ, OMP_NUM_THREADS=threads, OPENBLAS_NUM_THREADS=threads,
                   MKL_NUM_THREADS=threads)
        proc = subprocess.run([sys.executable, "-c", THREAD_SCRIPT], capture_output=True,
                              text=True, env=env, check=True)
        outputs.append(proc.stdout)
    assert outputs[0] == outputs[1] and outputs[0].count(",") == 48


def test_island_is_isolated_never_significant():
    # esda calls an island "Low-Low" (quadrant 3) and may mark it significant
    rng = np.random.default_rng(5)
    n = 30
    i = np.arange(n - 2)
    w = Weights.from_pairs(n, i, i + 1)  # a chain plus one island (the last one)
    y = np.concatenate([np.linspace(10, 20, n - 1), [0.5]]) + rng.normal(0, 0.01, n)
    r = local_moran(y, w, permutations=999, correction="none", alpha=0.5)
    assert r.clusters[-1] == "isolated" and not r.significant[-1] and np.isnan(r.p[-1])
    g = local_g(y, w, permutations=999, correction="none")
    assert g.bins[-1] == 0 and np.isnan(g.p[-1])


def test_constant_and_missing_values_are_errors(columbus):
    _, queen, _ = columbus
    w = ours(queen)
    with pytest.raises(KernelError) as exc:
        local_moran(np.full(49, 3.0), w)
    assert exc.value.code == "constant"
    with pytest.raises(KernelError):
        local_moran(np.full(49, 3.0) + np.arange(49) * 1e-14, w)
    y = np.arange(49.0)
    y[[3, 7]] = np.nan
    with pytest.raises(KernelError) as exc:
        G.moran(y, w)
    assert exc.value.code == "missing" and exc.value.params["positions"] == [3, 7]


def test_p_values_never_above_one(columbus):
    df, queen, _ = columbus
    for alternative in ("two-sided", "greater", "less", "folded"):
        r = local_moran(df["CRIME"].to_numpy(), ours(queen), permutations=99,
                        alternative=alternative)
        assert np.nanmax(r.p) <= 1.0 and np.nanmin(r.p) >= 1 / 100
        g = G.moran(df["CRIME"].to_numpy(), ours(queen), permutations=99,
                    alternative=alternative)
        assert 0 < g.p <= 1.0


def test_fdr_is_stricter_than_uncorrected(columbus):
    df, queen, _ = columbus
    y = df["CRIME"].to_numpy()
    none = local_moran(y, ours(queen), permutations=999, correction="none")
    fdr = local_moran(y, ours(queen), permutations=999, correction="fdr")
    bonf = local_moran(y, ours(queen), permutations=999, correction="bonferroni")
    assert bonf.significant.sum() <= fdr.significant.sum() <= none.significant.sum()
    assert not (fdr.significant & ~none.significant).any()
    assert fdr.method["correction"] == "fdr" and fdr.method["alternative"] == "two-sided"


@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less", "folded"])
@pytest.mark.parametrize("kind", ["queen", "inverse"])
def test_fast_counts_equal_explicit_counting(columbus, alternative, kind):
    from geosozial.kernel.crand import lag_extremes
    from geosozial.kernel.distance import distance_band_weights
    from geosozial.kernel.inference import extreme_counts

    df, queen, _ = columbus
    y = df["CRIME"].to_numpy()
    if kind == "queen":
        w = ours(queen).row_standardised()
    else:
        pts = np.column_stack([df.geometry.centroid.x, df.geometry.centroid.y])
        w = distance_band_weights(pts, 1.5, binary=False)
    z = (y - y.mean()) / y.std()
    lag = w.sparse @ z
    counts, sims = lag_extremes(z, w.sparse, lag, alternative, 199, seed=4, keep=True)
    center = np.asarray(w.sparse.sum(axis=1)).ravel() * (z.sum() - z) / (len(z) - 1)
    np.testing.assert_array_equal(counts, extreme_counts(sims, lag, center, alternative))
    # every simulated lag is a weighted sum of k_i values of the *other* observations
    row = int(np.argmax(w.cardinalities))
    assert not np.isclose(sims[row], w.sparse[[row]].toarray().ravel() @ z).all()
