"""Sequential permutation p-values (Besag & Clifford 1991), q-values, levels and warnings.

Every test here can fail: exactness of the sequential engine against a draw-by-draw
reference, validity under the null (KS over many seeds), fixed permutations bit for bit
as before, thread independence, the planted hot spot of issue 11 on Saxony.
"""

import hashlib
import os
import subprocess
import sys
import warnings

import geopandas as gpd
import libpysal
import numpy as np
import pytest
from datasets import VG5000
from scipy import sparse, stats

from geosozial.kernel import crand
from geosozial.kernel import inference as inf
from geosozial.kernel.distance import distance_band_weights
from geosozial.kernel.errors import KernelError
from geosozial.kernel.local import (
    local_g,
    local_moran,
    local_moran_bv,
    local_moran_rate,
)
from geosozial.kernel.weights import Weights

warnings.filterwarnings("ignore", category=UserWarning)
warnings.filterwarnings("ignore", category=FutureWarning)


@pytest.fixture(scope="module")
def columbus():
    df = gpd.read_file(libpysal.examples.get_path("columbus.shp"))
    w = Weights(sparse.csr_array(libpysal.weights.Queen.from_dataframe(df, use_index=False)
                                 .sparse), kind="queen")
    pts = np.column_stack([df.geometry.centroid.x, df.geometry.centroid.y])
    return df, w, distance_band_weights(pts, 1.5, binary=False)


# --- the fixed path is today's, bit for bit -----------------------------------------------

# sha256 (first 16 hex digits) of the p-values the kernel gave before sequential
# inference existed (Columbus CRIME / INC, seed 11, 999 permutations)
TODAY = {
    ("queen", "two-sided", "lm"): "3425f711bbe0b53a",
    ("queen", "greater", "lm"): "918c33ab31f5e675",
    ("queen", "less", "lm"): "11cf78aaab22483d", ("queen", "folded", "lm"): "19f4e3357689d120",
    ("queen", "greater", "bv"): "b3767d438bb3e5eb", ("queen", "less", "bv"): "7cb46f227f0fd489",
    ("queen", "greater", "gi"): "972c8ec8fe68bed5", ("queen", "less", "gi"): "6a857ee7247739dc",
    ("dist", "two-sided", "lm"): "9059dfe4f53feb0f", ("dist", "greater", "lm"): "c1a1e53ba2a80bf4",
    ("dist", "less", "lm"): "edde4fb10f5ce3d7", ("dist", "folded", "lm"): "1771929f74a1cfea",
    ("dist", "two-sided", "gi"): "72b7fb4ee51ed259", ("dist", "folded", "gi"): "3a86b9b26cee0cd4",
    ("dist", "greater", "bv"): "8805f4d9abc68416", ("dist", "less", "gi"): "e07cd48d38f1313b",
}


def digest(a: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()[:16]


@pytest.mark.parametrize("key", sorted(TODAY))
def test_fixed_permutations_give_todays_p_values_bit_for_bit(columbus, key):
    df, queen, dist = columbus
    kind, alternative, stat = key
    w = queen if kind == "queen" else dist
    y, x = df["CRIME"].to_numpy(), df["INC"].to_numpy()
    if stat == "lm":
        r = local_moran(y, w, permutations=999, seed=11, alternative=alternative)
    elif stat == "bv":
        r = local_moran_bv(x, y, w, permutations=999, seed=11, alternative=alternative)
    else:
        r = local_g(y - y.min() + 1, w, permutations=999, seed=11, alternative=alternative)
    assert digest(r.p) == TODAY[key]
    assert r.method["permutations"] == 999 and r.method["sequential"] is False
    assert (r.draws[~r.islands] == 999).all() and (r.draws[r.islands] == 0).all()


def test_fixed_simulations_and_rate_unchanged(columbus):
    df, queen, _ = columbus
    y = df["CRIME"].to_numpy()
    r = local_moran(y, queen, permutations=99, seed=11, keep_simulations=True)
    assert digest(r.simulations) == "38310582a988e31a"
    events = np.abs(y * 10).round() + 1
    rate = local_moran_rate(events, np.full(len(y), 200) + np.arange(len(y)), queen,
                            permutations=999, seed=5)
    assert digest(rate.p) == "ca5e8afd35285340"


@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
def test_first_batch_are_the_fixed_draws(columbus, alternative):
    """With h beyond reach and a maximum of 999, sequential is the fixed path exactly."""
    df, queen, dist = columbus
    y, x = df["CRIME"].to_numpy(), df["INC"].to_numpy()
    for w in (queen, dist):
        for f, args in ((local_moran, (y, w)), (local_g, (y, w)),
                        (local_moran_bv, (x, y, w))):
            fixed = f(*args, permutations=999, seed=4, alternative=alternative)
            seq = f(*args, permutations="auto", max_permutations=999, h=10**9, seed=4,
                    alternative=alternative)
            np.testing.assert_array_equal(seq.p, fixed.p)
            assert seq.method["sequential"] and seq.method["max_permutations"] == 999


# --- exactness of the engine ---------------------------------------------------------------

def reference(fields, w, coef, observed, alternative, seed, h, max_draws, late=None):
    """Draw by draw, with the draws the engine made (recorded), the stopping rule by hand.

    The rule: the first batch (the fixed draws) is counted whole and decides every area
    with ``h`` or more extreme draws; the others go on, batch by batch, all through the
    same recorded block of draws, and stop at the first draw ``L`` with ``h(L)`` extreme
    draws (``h`` before ``late[0]``, ``late[1]`` from then on).
    """
    after, h_late = late if late else (max_draws + 1, h)
    recorded = []
    original = crand._more_draws

    def record(rng, n, size, count):
        out = original(rng, n, size, count)
        recorded.append(out.copy())
        return out

    crand._more_draws = record
    try:
        res = crand.sequential_extremes(fields, w, coef, observed, alternative, seed=seed,
                                        h=h, max_draws=max_draws, late=late)
    finally:
        crand._more_draws = original
    n = fields.shape[1]
    card = np.diff(w.indptr)
    first = crand.draws(n, card.max() + 1, min(999, max_draws), seed).T
    others = (fields.sum(axis=1)[:, None] - fields) / (n - 1)
    rowsum = np.asarray(w.sum(axis=1)).ravel()
    center = (coef * (rowsum[None, :] * others).T).sum(axis=1)

    def extreme(i, column):
        nb_w = w.data[w.indptr[i]:w.indptr[i + 1]]
        k = len(nb_w)
        tol = 1e-12 * (max(abs(observed[i]), abs(center[i])) + 1)
        sample = [j for j in column if j != i][:k]
        t = sum(coef[i, f] * (fields[f][sample] * nb_w).sum() for f in range(fields.shape[0]))
        if alternative == "greater":
            return t >= observed[i] - tol
        if alternative == "less":
            return t <= observed[i] + tol
        if alternative == "folded":
            return (t >= observed[i] - tol if observed[i] >= center[i]
                    else t <= observed[i] + tol)
        d = abs(observed[i] - center[i]) - tol
        return d <= 0 or abs(t - center[i]) >= d

    g = np.zeros(n, int)
    used = np.zeros(n, int)
    stopped = np.zeros(n, bool)
    active = []
    for i in np.flatnonzero(card > 0):
        g[i] = sum(bool(extreme(i, first[:, p])) for p in range(first.shape[1]))
        used[i] = first.shape[1]
        if g[i] < h:
            active.append(int(i))
    for ids in recorded:
        assert active and ids.shape[0] == card[active].max() + 1  # as wide as needed
        going = []
        for i in active:
            for p in range(ids.shape[1]):
                used[i] += 1
                g[i] += bool(extreme(i, ids[:, p]))
                if g[i] >= (h if used[i] < after else h_late):
                    stopped[i] = True
                    break
            if not stopped[i]:
                going.append(i)
        active = going
    return res, g, used, stopped


def boundary_p(g, used, stopped, h, late=None):
    """``h(L - 1) / L`` where an area stopped at draw L, ``(g + 1) / (L + 1)`` otherwise."""
    after, h_late = late if late else (np.inf, h)
    level = np.where(used - 1 < after, h, h_late)
    return np.where(stopped, level / np.maximum(used, 1), (g + 1) / (used + 1))


@pytest.mark.parametrize("late", [None, (1998, 3)])
@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less", "folded"])
def test_sequential_engine_equals_draw_by_draw_reference(alternative, late):
    rng = np.random.default_rng(8)
    n = 40
    pts = rng.uniform(0, 10, size=(n, 2))
    pts[-1] = [100, 100]  # an island
    w_dist = distance_band_weights(pts, 2.5, binary=False).sparse  # unequal weights
    w_bin = Weights(sparse.csr_array((w_dist > 0).astype(float))).row_standardised().sparse
    z = rng.normal(size=n)
    x = rng.normal(size=n)
    x[3] = 0.0  # a zero coefficient: the statistic is 0 in every draw
    z[:6] += 2.5
    late_stops = after_stops = 0
    for w in (w_bin, w_dist):
        one = (z[None, :], x[:, None], x * (w @ z))
        two = (np.vstack([z, z**2]), np.column_stack([-2 * z, np.ones(n)]),
               -2 * z * (w @ z) + w @ (z**2))
        cases = (one, two)
        if late:  # observed values scaled up: areas with 3 to 5 extremes at draw 1998
            cases = tuple((one[0], one[1], a * one[2]) for a in (1.3, 1.6, 2.0))
        for fields, coef, observed in cases:
            res, g, used, stopped = reference(fields, w, coef, observed, alternative,
                                              seed=3, h=6, max_draws=5000, late=late)
            np.testing.assert_array_equal(res.extreme, g)
            np.testing.assert_array_equal(res.draws, used)
            np.testing.assert_array_equal(res.stopped, stopped)
            ok = ~np.isnan(res.p)
            expected = boundary_p(g, used, stopped, 6, late)
            np.testing.assert_allclose(res.p[ok], expected[ok], rtol=0, atol=0)
            if late:  # some stopped at the change and some after it, at 3 extremes
                late_stops += int((stopped & (used == late[0])).sum())
                after_stops += int((stopped & (used > late[0])).sum())
            assert np.isnan(res.p[-1]) and res.draws[-1] == 0  # the island
    if late:
        assert late_stops > 0 and after_stops > 0


@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less", "folded"])
def test_late_batches_count_like_the_general_step(alternative):
    """``step_few`` (few candidates on S) gives the counts and stopping positions of
    ``step``: small n so that draws often contain the row itself, integer values so that
    null sums tie with the observed one, several rows of one size, zero coefficients."""
    rng = np.random.default_rng(4)
    compared = crossed = hits = 0
    for n in (12, 30, 200):
        for _ in range(6):
            pts = rng.uniform(0, 10, size=(n, 2))
            band = distance_band_weights(pts, 25 / np.sqrt(n), binary=False).sparse
            w = Weights(sparse.csr_array((band > 0).astype(float))).row_standardised().sparse
            z = rng.integers(-3, 4, size=n).astype(float)
            coef = rng.choice([-1.0, 0.0, 1.0, 2.0], size=(n, 1))
            eng = crand._Linear(z[None, :], w, coef, coef[:, 0] * (w @ z), alternative)
            rows = eng.rows[rng.permutation(len(eng.rows))[:rng.integers(1, 12)]]
            rows = np.sort(rows)
            if not eng.few_on_s(rows):
                continue
            ids = crand._more_draws(rng, n, int(eng.card[rows].max()) + 1, 700)
            need = rng.integers(1, 40, size=len(rows))
            few = eng.step_few(rows, ids, need)
            general = eng.step(rows, eng.block(ids), need)
            np.testing.assert_array_equal(few[0], general[0])
            np.testing.assert_array_equal(few[1], general[1])
            compared += 1
            crossed += int((few[1] >= 0).sum())
            hits += int(np.isin(ids[:-1], rows).sum())
    assert compared >= 12 and crossed > 0 and hits > 0


def test_draws_depend_on_the_seed_only(columbus):
    df, queen, _ = columbus
    y = df["CRIME"].to_numpy()
    a = local_moran(y, queen, seed=9)
    b = local_moran(y, queen, seed=9)
    c = local_moran(y, queen, seed=10)
    np.testing.assert_array_equal(a.p, b.p)
    np.testing.assert_array_equal(a.draws, b.draws)
    assert not np.array_equal(a.p, c.p)


# --- validity -------------------------------------------------------------------------------

def randomised(p: np.ndarray, draws: np.ndarray, h: int, max_draws: int,
               rng: np.random.Generator, batch: int = 999) -> np.ndarray:
    """Spread each sequential p over its atom: exactly uniform under the null.

    Areas decided by the first batch (the fixed test, ``draws == batch``) have
    P(p <= (g+1)/(batch+1)) = (g+1)/(batch+1); the others P(p <= h/L) = h/L and
    P(p <= (g+1)/(max+1)) = (g+1)/(max+1) (Besag & Clifford), so p is replaced by a
    uniform value between the next smaller reachable p and p.
    """
    first = (draws == batch) & (max_draws > batch)
    stopped = np.isclose(p, h / np.maximum(draws, 1), rtol=1e-12) & (draws < max_draws)
    stopped |= (draws == max_draws) & np.isclose(p, h / max_draws, rtol=1e-12)
    stopped &= ~first
    lower = np.where(stopped, h / (draws + 1.0), p - 1.0 / (max_draws + 1.0))
    lower = np.where(first, p - 1.0 / (batch + 1.0), lower)
    return p - rng.uniform(size=len(p)) * (p - lower)


def null_runs(df, w, runs: int, seed: int):
    """One area per run (area k mod n) of a randomly permuted field: independent p."""
    rng = np.random.default_rng(seed)
    n = w.n
    out = []
    for k in range(runs):
        y = rng.permutation(df["CRIME"].to_numpy())
        r = local_moran(y, w, seed=k, alternative="greater", correction="none",
                        max_permutations=4995, h=10)
        assert r.method["sequential"]
        i = k % n
        out.append((r.p[i], r.draws[i]))
    return np.array(out), rng


def test_sequential_p_values_are_uniform_under_the_null(columbus):
    df, queen, _ = columbus
    runs, rng = null_runs(df, queen, 600, 0)
    p, draws = runs[:, 0], runs[:, 1].astype(int)
    spread = randomised(p, draws, 10, 4995, rng)
    assert stats.kstest(spread, "uniform").pvalue > 0.001
    assert abs(spread.mean() - 0.5) < 0.03
    for u in (0.02, 0.05, 0.2):  # valid: P(p <= u) <= u, up to Monte-Carlo error
        assert (p <= u).mean() <= u + 3 * np.sqrt(u * (1 - u) / len(p))
    # most areas are decided by the first batch (the fixed test); few draw on
    assert np.median(draws) == 999 and (draws > 999).mean() < 0.05


def test_uniformity_test_detects_a_wrong_rule(columbus):
    """The KS check above fails for a biased rule, p = h / (L + 10) (the test can fail)."""
    df, queen, _ = columbus
    runs, rng = null_runs(df, queen, 600, 1)
    p, draws = runs[:, 0], runs[:, 1].astype(int)
    bad = np.where(draws < 4995, 10 / (draws + 10.0), p)
    assert stats.kstest(randomised(bad, draws, 10, 4995, rng), "uniform").pvalue < 0.001


def boundary_rule(p_true, rng, h, late, max_draws, batch=999, wrong=False):
    """The p-values of the sequential rule for Bernoulli(p_true) extreme draws, built from
    the positions of the extreme draws (geometric gaps): the first batch decides areas
    with ``h`` or more extremes by the fixed p, then the boundary ``h`` before
    ``late[0]``, ``late[1]`` from then on, truncated at ``max_draws``. ``wrong`` gives
    areas stopping at the change ``late[1] / L`` instead of ``h / L`` (anti-conservative).
    """
    after, h_late = late
    gaps = rng.geometric(p_true[:, None], size=(len(p_true), h))
    pos = np.cumsum(gaps, axis=1)  # draw of the 1st, 2nd, ... extreme
    t_h, t_late = pos[:, h - 1], pos[:, h_late - 1]
    p = np.empty(len(p_true))
    first = t_h <= batch
    g_first = h + rng.binomial(np.maximum(batch - t_h, 0), p_true)
    p[first] = (g_first[first] + 1) / (batch + 1)
    early = ~first & (t_h < after)
    p[early] = h / t_h[early]
    change = ~first & ~early & (t_late <= after)
    p[change] = (h_late if wrong else h) / after
    later = ~first & ~early & ~change & (t_late <= max_draws)
    p[later] = h_late / t_late[later]
    cut = ~first & ~early & ~change & ~later
    g_max = (pos[cut] <= max_draws).sum(axis=1)
    p[cut] = (g_max + 1) / (max_draws + 1)
    return p, change.sum(), later.sum()


@pytest.mark.parametrize("h_late", [5, 3])
def test_lower_stopping_count_late_keeps_p_valid(h_late):
    """``p = h(L-1) / L`` with a stopping count that drops from 10 at draw 10,000:
    over 400,000 areas with a uniform true p (the null, as Besag & Clifford average
    over), ``P(p <= u) <= u`` at every reachable u tested, small ones included; the
    wrong rule (h_late / L at the change) breaks it, so the check can fail."""
    rng = np.random.default_rng(2)
    p_true = rng.uniform(size=400_000)
    late = (10_000, h_late)
    p, change, later = boundary_rule(p_true, rng, 10, late, 440_559)
    assert change > 100 and later > 100  # both late kinds of stop occur
    for u in (1e-3, 5e-4, 10 / 10_000, 9.99e-4, 2e-4, 1e-4, 5e-5, h_late / 20_000):
        assert (p <= u).mean() <= u + 4 * np.sqrt(u / len(p)), u
    bad, _, _ = boundary_rule(p_true, np.random.default_rng(2), 10, late, 440_559,
                              wrong=True)
    u = h_late / 10_000
    assert (bad <= u).mean() > u + 4 * np.sqrt(u / len(p))


def test_many_areas_stop_sooner_late_and_such_areas_cannot_pass():
    """11,000 areas on a chain: the maximum is twice below alpha / n, so from draw 10,000
    on an area stops at 3 extreme draws (3 / max > alpha / n); every area that stopped
    late has p above alpha / n (it could not have passed with h = 10 either), and the
    method says so. 419 areas: no change."""
    n = 11_000
    w = Weights.from_pairs(n, np.arange(n - 1), np.arange(1, n), kind="chain")
    y = np.random.default_rng(5).normal(size=n)
    r = local_moran(y, w, seed=3)
    assert r.method["late"] == [10_000, 3] and r.method["h"] == 10
    assert 3 / r.method["max_permutations"] > 0.05 / n > 2 / r.method["max_permutations"]
    late = r.draws > 10_000
    stopped_late = late & (r.draws < r.method["max_permutations"])
    assert stopped_late.any()
    np.testing.assert_allclose(r.p[stopped_late], 3 / r.draws[stopped_late], rtol=1e-12)
    assert (r.p[late] > 0.05 / n).all() and not r.significant.any()
    small = Weights.from_pairs(419, np.arange(418), np.arange(1, 419), kind="chain")
    assert local_moran(y[:419], small, seed=3).method["late"] is None


@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less", "folded"])
def test_p_in_zero_one(columbus, alternative):
    df, queen, dist = columbus
    y = df["CRIME"].to_numpy()
    for w in (queen, dist):
        for r in (local_moran(y, w, alternative=alternative),
                  local_g(y, w, alternative=alternative)):
            lmax = r.method["max_permutations"]
            ok = ~r.islands
            assert np.nanmin(r.p) >= 1 / (lmax + 1) and np.nanmax(r.p) <= 1.0
            assert np.isnan(r.p[r.islands]).all() and not np.isnan(r.p[ok]).any()
            assert ((r.draws[ok] >= 1) & (r.draws[ok] <= lmax)).all()


THREAD_SCRIPT = """
import numpy as np, libpysal, geopandas as gpd
from scipy import sparse
from geosozial.kernel.weights import Weights
from geosozial.kernel.local import local_moran, local_g
from geosozial.kernel.local_more import local_geary_mv
df = gpd.read_file(libpysal.examples.get_path("columbus.shp"))
w = Weights(sparse.csr_array(libpysal.weights.Queen.from_dataframe(df, use_index=False).sparse))
y = df["CRIME"].to_numpy()
out = [local_moran(y, w, seed=42).p, local_g(y, w, seed=42).p,
       local_geary_mv([y, df["INC"].to_numpy()], w, seed=42).p]
print(";".join(",".join(repr(float(v)) for v in p) for p in out))
"""


@pytest.mark.slow
def test_same_seed_same_sequential_p_with_one_and_two_threads():
    outputs = []
    for threads in ("1", "2"):
        env = dict(os.environ, OMP_NUM_THREADS=threads, OPENBLAS_NUM_THREADS=threads,
                   MKL_NUM_THREADS=threads)
        proc = subprocess.run([sys.executable, "-c", THREAD_SCRIPT], capture_output=True,
                              text=True, env=env, check=True)
        outputs.append(proc.stdout)
    assert outputs[0] == outputs[1] and outputs[0].count(",") == 3 * 48


# --- the planted hot spot of issue 11 -------------------------------------------------------

# 12 contiguous municipalities around Torgau, Landkreis Nordsachsen (VG5000 2021): Beilrode,
# Arzberg, Elsnig, Torgau, Belgern-Schildau, Dommitzsch, Trossin, Dreiheide, Mockrehna,
# Lossatal, Cavertitz, Dahlen
BLOCK = ("14729245", "14730010", "14730030", "14730045", "14730050", "14730060",
         "14730090", "14730100", "14730120", "14730190", "14730310", "14730320")
NOISE_SEED = 1


@pytest.fixture(scope="module")
def saxony():
    from geosozial.geo.areas import read_areas
    from geosozial.geo.weights import weights_for

    areas = read_areas(VG5000)
    frame = areas.frame[areas.frame["key"].str.startswith("14")].reset_index(drop=True)
    return frame, weights_for(frame, "queen")


def test_block_is_contiguous(saxony):
    frame, w = saxony
    inside = frame["key"].isin(BLOCK).to_numpy()
    assert inside.sum() == 12 and w.n == 419
    n_comp, _ = w.subset(inside).components
    assert n_comp == 1


def test_planted_hot_spot_is_found_with_auto_not_with_999(saxony):
    frame, w = saxony
    inside = frame["key"].isin(BLOCK).to_numpy()
    y = np.random.default_rng(NOISE_SEED).normal(size=w.n)
    y[inside] += 2.0
    auto = local_moran(y, w, seed=7)
    fixed = local_moran(y, w, permutations=999, seed=7)
    assert auto.method["permutations"] == "auto" and auto.method["sequential"]
    assert (auto.clusters[inside] == "HH").sum() >= 5
    assert auto.significant[~inside].sum() <= 2
    assert not fixed.significant.any()
    # the warning says why: with 999 one area needs p <= 0.05 / 419, below 1 / 1000
    assert [x.code for x in fixed.warnings] == ["unreachable"]
    assert fixed.warnings[0].params["areas_needed"] == 9
    assert auto.warnings == []
    # most areas were decided by the first 999 draws (the fixed test); candidates drew on,
    # up to the maximum that the discoveries ask for (at most the planned one)
    assert np.median(auto.draws) == 999
    assert 999 < auto.draws.max() <= auto.method["max_permutations"]
    assert auto.method["adaptive"] and auto.draws.sum() < 2 * 999 * w.n


def test_planted_hot_spot_power_over_seeds(saxony):
    """Not one lucky seed: over ten noise seeds auto finds at least 5 of the 12 in most,
    more than fixed 999 over all seeds, and rarely anything outside the block.

    Per seed, fixed 999 can find up to two more: its areas tie at the floor p = 0,001
    (no extreme draw among 999), which BH passes for 9 or more of them at once, while
    auto measures the same areas' p (e.g. 0,0012) and is right not to pass them.
    """
    frame, w = saxony
    inside = frame["key"].isin(BLOCK).to_numpy()
    found, outside, by_fixed = [], [], []
    for s in range(10):
        y = np.random.default_rng(s).normal(size=w.n)
        y[inside] += 2.0
        auto = local_moran(y, w, seed=7)
        fixed = local_moran(y, w, permutations=999, seed=7)
        found.append(int((auto.clusters[inside] == "HH").sum()))
        outside.append(int(auto.significant[~inside].sum()))
        by_fixed.append(int((fixed.clusters[inside] == "HH").sum()))
        assert found[-1] >= by_fixed[-1] - 2
    assert sum(f >= 5 for f in found) >= 7 and max(outside) <= 2
    assert sum(found) > sum(by_fixed)


# --- q-values, levels, warnings ----------------------------------------------------------

def bh_reference(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values written out by hand (no statsmodels)."""
    q = np.full(len(p), np.nan)
    valid = [i for i in range(len(p)) if not np.isnan(p[i])]
    m = len(valid)
    ordered = sorted(valid, key=lambda i: p[i])
    running = 1.0
    for rank in range(m, 0, -1):
        i = ordered[rank - 1]
        running = min(running, p[i] * m / rank)
        q[i] = running
    return q


def test_q_values_are_bh_adjusted_and_monotone(columbus):
    df, queen, dist = columbus
    y = df["CRIME"].to_numpy()
    for r in (local_moran(y, queen), local_g(y, dist), local_moran(y, queen, permutations=999)):
        np.testing.assert_allclose(r.q, bh_reference(r.p), rtol=1e-12, atol=0)
        ok = ~np.isnan(r.p)
        order = np.argsort(r.p[ok], kind="stable")
        assert (np.diff(r.q[ok][order]) >= -1e-15).all() and np.nanmax(r.q) <= 1.0
        assert (r.q[ok] >= r.p[ok]).all() and np.isnan(r.q[~ok]).all()
        # FDR classes are exactly q <= alpha
        np.testing.assert_array_equal(r.significant, np.nan_to_num(r.q, nan=2) <= 0.05)
    rng = np.random.default_rng(3)
    p = rng.uniform(size=200) ** 3
    p[[5, 50]] = np.nan
    np.testing.assert_allclose(inf.q_values(p), bh_reference(p), rtol=1e-12)


def test_levels_each_corrected(columbus):
    df, queen, _ = columbus
    r = local_moran(df["CRIME"].to_numpy(), queen, seed=1)
    for k, level in enumerate((0.05, 0.01, 0.001), start=1):
        sig, _ = inf.correct(r.p, "fdr", level)
        np.testing.assert_array_equal(r.level >= k, sig)
    np.testing.assert_array_equal(r.level >= 1, r.significant)
    assert r.level.dtype.kind == "i" and set(np.unique(r.level)) <= {0, 1, 2, 3}
    assert (r.level[r.islands] == 0).all()


def test_gi_bins_keep_their_rule(columbus):
    df, queen, _ = columbus
    y = df["CRIME"].to_numpy()
    r = local_g(y, queen, seed=1)
    for level, value in ((0.10, 1), (0.05, 2), (0.01, 3)):
        sig, _ = inf.correct(r.p, "fdr", level)
        assert (np.abs(r.bins)[sig] >= value).all()
        assert (np.abs(r.bins)[~sig] < value).all()


def test_warnings_as_data():
    w = Weights.from_pairs(12, np.arange(11), np.arange(1, 12))
    y = np.arange(12.0)
    r = local_moran(y, w, permutations=99)
    codes = [x.code for x in r.warnings]
    assert codes == ["few_areas", "unreachable"]
    assert r.warnings[0].params == {"n": 12, "minimum": 30}
    assert r.method["warnings"][1]["code"] == "unreachable"
    assert r.warnings[1].params["min_p"] == 0.01 and r.warnings[1].params["needed"] == 0.05 / 12
    bonf = local_moran(y, w, permutations=999, correction="bonferroni")
    assert [x.code for x in bonf.warnings] == ["few_areas"]  # 1/1000 < 0.05/12
    none = local_moran(y, w, permutations=9, correction="none")
    assert "unreachable" in [x.code for x in none.warnings]  # 1/10 > 0.05
    rate = local_moran_rate(y + 1, np.linspace(50, 5000, 12), w, permutations=99)
    small = next(x for x in rate.warnings if x.code == "small_bases")
    assert small.params["min"] == 50.0 and small.params["ratio"] == 100.0
    fine = local_moran_rate(y + 1, np.linspace(500, 5000, 12), w, permutations=99)
    assert "small_bases" not in [x.code for x in fine.warnings]
    # global statistics carry them too (as JSON-ready dicts)
    from geosozial.kernel import globals as G

    assert G.moran(y, w, permutations=99).warnings == [{"code": "few_areas", "n": 12,
                                                         "minimum": 30}]
    glob = G.moran_rate(y + 1, np.linspace(50, 5000, 12), w, permutations=99)
    assert [x["code"] for x in glob.warnings] == ["few_areas", "small_bases"]


def test_auto_maximum_follows_the_correction(columbus, monkeypatch):
    df, queen, _ = columbus
    y = df["CRIME"].to_numpy()
    fdr = local_moran(y, queen)
    assert fdr.method["max_permutations"] == 9990  # 10 * 49 / 0.05 = 9800, batches of 999
    assert 1 / (fdr.method["max_permutations"] + 1) <= 0.05 / 49 / 10
    none = local_moran(y, queen, correction="none")
    assert none.method["max_permutations"] == 999
    bonf01 = local_moran(y, queen, correction="bonferroni", alpha=0.01)
    assert bonf01.method["max_permutations"] == 49950
    # many areas: ten times below would take 2.2 million draws; twice below is the floor
    assert inf.auto_permutations(10_997, 31) == (440_559, False)
    assert 1 / (440_559 + 1) <= 0.05 / 10_997 / 2
    # where ten times below takes more than RESOLUTION_DRAWS, at most that or twice below
    for need in (0.05 / 419, 0.05 / 1000, 0.05 / 5000, 5 * 0.05 / 10_997, 0.05 / 10_997):
        planned = inf.planned_draws(need)
        ten, two = 10 / need - 1, 2 / need - 1
        assert planned >= min(ten, max(two, inf.RESOLUTION_DRAWS)) and planned % 999 == 0
        assert planned < min(ten, max(two, inf.RESOLUTION_DRAWS)) + 999
    # a time bound below the rule: capped, flagged, and the warning tells
    monkeypatch.setattr(inf, "OPERATIONS_BUDGET", 8 * 10 * 1500)
    capped = local_moran(y, queen, correction="bonferroni", alpha=0.01)
    assert capped.method["max_permutations"] == 999 and capped.method["limited"]
    assert [x.code for x in capped.warnings] == ["unreachable"]
    assert capped.warnings[0].params["sequential"] is True


def test_bad_permutation_parameters(columbus):
    df, queen, _ = columbus
    y = df["CRIME"].to_numpy()
    for bad in ("many", -1, 2.5, True):
        with pytest.raises(KernelError) as exc:
            local_moran(y, queen, permutations=bad)
        assert exc.value.code == "permutations"
    with pytest.raises(KernelError) as exc:
        local_moran(y, queen, h=0)
    assert exc.value.code == "h"
    with pytest.raises(KernelError) as exc:
        local_g(y, queen, max_permutations=0)
    assert exc.value.code == "max_permutations"
    assert local_moran(y, queen, permutations="AUTO").method["permutations"] == "auto"


def test_normal_p_records_no_draws(columbus):
    df, queen, _ = columbus
    r = local_moran(df["CRIME"].to_numpy(), queen, permutations=0)
    assert (r.draws == 0).all() and r.method["sequential"] is False
    assert "min_p" not in r.method and r.warnings == []
