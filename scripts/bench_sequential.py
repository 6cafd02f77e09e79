"""Benchmark ``permutations="auto"`` (sequential p-values) against fixed 999 in one run.

Data: Saxony's 419 municipalities and all 10,997 German municipalities (VG5000 2021,
queen weights from ``geosozial.geo.weights.weights_for``). Fields: noise (the null),
noise with a planted hot spot (12 contiguous municipalities shifted by +2), a small one
on Germany (4 municipalities shifted by +3 or +4: few discoveries, so candidates must
reach nearly alpha / n; +3 leaves them just short of it), and a real geographic field
(log area + perimeter / 100 km, strongly clustered). Prints the best wall time of a few
runs, the ratio auto / fixed 999 (goal: at most 2), what auto reached (smallest p, the
level the next discovery needs, the most draws of an area), on Germany the ratios over
permutation seeds 1-8 and, on Saxony, fixed 99,999.

    .venv/bin/python scripts/bench_sequential.py [--repeat 3]

Needs ../shared/data beside the repository. Not a test: it prints, it asserts nothing.
The machine may be busy: compare ratios of one run, not absolute times across runs.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
VG5000 = REPO.parent / "shared" / "data" / "vg5000_gem_2021" / "VG5000_GEM.shp"
warnings.filterwarnings("ignore")


def timed(repeat: int, fn, *args, **kwargs):
    """Best wall time of ``repeat`` calls ``fn(*args, **kwargs)`` and the last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn(*args, **kwargs)
        best = min(best, time.perf_counter() - start)
    return best, result


def block(w, start: int, size: int = 12) -> np.ndarray:
    """``size`` contiguous areas grown breadth-first from ``start``."""
    m = w.sparse
    seen, frontier = [start], [start]
    while len(seen) < size and frontier:
        nxt = []
        for i in frontier:
            for j in m.indices[m.indptr[i]:m.indptr[i + 1]].tolist():
                if j not in seen and len(seen) < size:
                    seen.append(j)
                    nxt.append(j)
        frontier = nxt
    return np.array(seen)


def fields(frame, w) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(1)
    noise = rng.normal(size=w.n)
    planted = noise.copy()
    centre = int(np.argmax(w.cardinalities == np.median(w.cardinalities)))
    planted[block(w, centre)] += 2.0
    geo = np.log(frame.geometry.area.to_numpy()) + frame.geometry.length.to_numpy() / 1e5
    out = {"noise": noise, "planted +2": planted, "log area": geo}
    for shift in (3.0, 4.0):  # one area and three neighbours: few discoveries
        out[f"small +{shift:g}"] = noise.copy()
        out[f"small +{shift:g}"][block(w, centre, 4)] += shift
    return out


def over_seeds(w, fields: dict[str, np.ndarray], repeat: int) -> None:
    """Ratios summed over permutation seeds 1-8 (the draws, not the field, change)."""
    from geosozial.kernel.local import local_moran

    for name in ("noise", "planted +2", "small +3", "small +4"):
        fixed = auto = 0.0
        found = []
        for seed in range(1, 9):
            fixed += timed(repeat, local_moran, fields[name], w, permutations=999, seed=seed)[0]
            t, r = timed(repeat, local_moran, fields[name], w, seed=seed)
            auto += t
            found.append(int(r.significant.sum()))
        print(f"  seeds 1-8 {name:<11} ratio {auto / fixed:5.2f}  significant per seed {found}")


def line(name: str, t_fixed: float, t_auto: float, fixed, auto) -> str:
    """One result line; ``needs`` is the p the next discovery needs under BH,
    ``(R + 1) alpha / m`` with R discoveries among m tests (alpha / m for the first)."""
    top = int(auto.draws.max())
    at_top = int((auto.draws == top).sum())
    found = int(auto.significant.sum())
    tests = int((~auto.islands).sum())
    needs = min(0.05, (found + 1) * 0.05 / tests)
    return (f"  {name:<15} fixed999 {t_fixed * 1000:6.1f} ms  auto {t_auto * 1000:6.1f} ms  "
            f"ratio {t_auto / t_fixed:5.2f}  significant {int(fixed.significant.sum()):4d} -> "
            f"{found:4d}  min p {np.nanmin(auto.p):.2e} (needs {needs:.2e})  draws median "
            f"{int(np.median(auto.draws))}, most {top} ({at_top} areas; planned "
            f"{auto.method['max_permutations']})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from geosozial.geo.areas import read_areas
    from geosozial.geo.weights import weights_for
    from geosozial.kernel.local import local_g, local_moran

    germany = read_areas(VG5000).frame
    sets = {"Sachsen": germany[germany["key"].str.startswith("14")].reset_index(drop=True),
            "Deutschland": germany}
    for label, frame in sets.items():
        w = weights_for(frame, "queen")
        print(f"{label}: {w.n} municipalities, queen, k_max {int(w.cardinalities.max())}, "
              f"alpha/n = {0.05 / w.n:.2e}")
        for name, y in fields(frame, w).items():
            if name.startswith("small") and label == "Sachsen":
                continue
            t_fixed, fixed = timed(args.repeat, local_moran, y, w, permutations=999)
            t_auto, auto = timed(args.repeat, local_moran, y, w)
            print(line("LISA " + name, t_fixed, t_auto, fixed, auto))
        y = fields(frame, w)["log area"]
        y = y - y.min() + 1
        t_fixed, fixed = timed(args.repeat, local_g, y, w, permutations=999)
        t_auto, auto = timed(args.repeat, local_g, y, w)
        print(line("Gi* log area", t_fixed, t_auto, fixed, auto))
        if label == "Deutschland":
            over_seeds(w, fields(frame, w), args.repeat)
        if label == "Sachsen":
            y = fields(frame, w)["planted +2"]
            t_big, big = timed(1, local_moran, y, w, permutations=99_999)
            t_auto, auto = timed(args.repeat, local_moran, y, w)
            print(f"  fixed 99,999 (planted): {t_big:.2f} s, significant "
                  f"{int(big.significant.sum())}; auto {t_auto:.3f} s, significant "
                  f"{int(auto.significant.sum())}: auto / 99,999 = {t_auto / t_big:.3f}")


if __name__ == "__main__":
    main()
