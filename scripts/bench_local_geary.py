"""Benchmark local Geary and the multivariate local Geary against esda in one run.

Data: a 300 x 300 queen grid (90,000 cells, ``libpysal.weights.lat2W``; the same CSR
for both), a standard normal field (and a second one for the multivariate statistic),
999 permutations. esda is run once on a small grid first, so numba is warm. Prints the
times, the ratio esda / geosozial (goal: at least 20) and the largest difference of the
statistics. ``permutations="auto"`` is timed as well (it reaches p far below 1/1000).

    .venv/bin/python scripts/bench_local_geary.py [--size 300] [--skip-mv-esda]

esda's multivariate local Geary is pure Python per area (about 4 minutes on 90,000
cells here); ``--skip-mv-esda`` leaves it out. Not a test: it prints, it asserts
nothing. The machine may be busy: compare ratios of one run.
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
warnings.filterwarnings("ignore")


def timed(fn, repeat: int = 1):
    """Best wall time of ``repeat`` calls and the last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=300)
    parser.add_argument("--skip-mv-esda", action="store_true")
    args = parser.parse_args()

    import esda
    import libpysal
    from scipy import sparse

    from geosozial.kernel.local_more import local_geary, local_geary_mv
    from geosozial.kernel.weights import Weights

    lat = libpysal.weights.lat2W(args.size, args.size, rook=False)
    w = Weights(sparse.csr_array(lat.sparse), kind="queen")
    rng = np.random.default_rng(0)
    y, x = rng.normal(size=w.n), rng.normal(size=w.n)
    print(f"grid {args.size} x {args.size}: {w.n} cells, queen, 999 permutations")

    small = libpysal.weights.lat2W(10, 10, rook=False)
    esda.Geary_Local(connectivity=small, permutations=99, seed=1).fit(rng.normal(size=100))

    t_ours, r = timed(lambda: local_geary(y, w, permutations=999, seed=1), 3)
    t_auto, ra = timed(lambda: local_geary(y, w, seed=1), 1)
    t_esda, e = timed(lambda: esda.Geary_Local(connectivity=lat, permutations=999, seed=1,
                                               keep_simulations=False).fit(y), 1)
    print(f"  local Geary     geosozial {t_ours:7.2f} s   esda {t_esda:7.2f} s   "
          f"ratio {t_esda / t_ours:6.1f}   max |diff| {np.abs(r.values - e.localG).max():.1e}")
    print(f"                  auto {t_auto:7.2f} s (max {ra.method['max_permutations']} draws, "
          f"median {int(np.median(ra.draws))}, min p {np.nanmin(ra.p):.1e})")

    t_ours, r = timed(lambda: local_geary_mv([y, x], w, permutations=999, seed=1), 3)
    t_auto, ra = timed(lambda: local_geary_mv([y, x], w, seed=1), 1)
    if args.skip_mv_esda:
        print(f"  local Geary MV  geosozial {t_ours:7.2f} s   esda skipped")
    else:
        t_esda, e = timed(lambda: esda.Geary_Local_MV(connectivity=lat, permutations=999)
                          .fit([y, x]), 1)
        print(f"  local Geary MV  geosozial {t_ours:7.2f} s   esda {t_esda:7.2f} s   "
              f"ratio {t_esda / t_ours:6.1f}   max |diff| "
              f"{np.abs(r.values - e.localG).max():.1e}")
    print(f"                  auto {t_auto:7.2f} s (max {ra.method['max_permutations']} draws, "
          f"median {int(np.median(ra.draws))}, min p {np.nanmin(ra.p):.1e})")


if __name__ == "__main__":
    main()
