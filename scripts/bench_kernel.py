"""Benchmark the kernel against esda (numba) and pygeoda in one run; print times and ratios.

Data: the 53 municipalities of Landkreis Mittelsachsen (VG5000, AGS 14522...), all
10,997 German municipalities (VG5000) and a 300 x 300 queen grid. 999 permutations.
Also: a fresh process running ``geosozial lisa`` on Mittelsachsen (imports included),
the import time of the kernel, and whether pygeoda's p-values depend on its threads.

    .venv/bin/pip install -e ".[bench]"
    .venv/bin/python scripts/bench_kernel.py [--quick]

Needs ../shared/data beside the repository. Not a test: it prints, it asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
from shapely.geometry import box

REPO = Path(__file__).resolve().parents[1]
VG5000 = REPO.parent / "shared" / "data" / "vg5000_gem_2021" / "VG5000_GEM.shp"
PERMUTATIONS = 999
warnings.filterwarnings("ignore")


def timed(fn, repeat: int = 1):
    """Best wall time of ``repeat`` calls and the last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def grid(n: int) -> gpd.GeoDataFrame:
    cells = [box(x, y, x + 1, y + 1) for y in range(n) for x in range(n)]
    rng = np.random.default_rng(0)
    return gpd.GeoDataFrame({"key": [str(i) for i in range(n * n)],
                             "value": rng.normal(size=n * n)}, geometry=cells, crs=25833)


def datasets(quick: bool) -> dict[str, gpd.GeoDataFrame]:
    germany = gpd.read_file(VG5000)
    germany["geometry"] = germany.geometry.make_valid()
    germany["key"] = germany["AGS"]
    germany["value"] = np.log(germany.geometry.area) + germany.geometry.length / 1e5
    sets = {"Mittelsachsen (53)": germany[germany["AGS"].str.startswith("14522")]
            .reset_index(drop=True),
            "Deutschland (10,997)": germany}
    sets["Gitter 300x300 (90,000)"] = grid(100 if quick else 300)
    return sets


def ours(frame: gpd.GeoDataFrame) -> dict[str, float]:
    from geosozial.geo.weights import ring_arrays, weights_for
    from geosozial.kernel.contiguity import contiguity_weights
    from geosozial.kernel.local import local_g, local_moran

    y = frame["value"].to_numpy()
    coords, ring_index, area_of_ring = ring_arrays(np.asarray(frame.geometry.array))
    t_arrays, w = timed(lambda: contiguity_weights(coords, ring_index, area_of_ring,
                                                   len(frame)), repeat=3)
    t_weights, w = timed(lambda: weights_for(frame, "queen"), repeat=3)
    t_lisa, _ = timed(lambda: local_moran(y, w, permutations=PERMUTATIONS), repeat=3)
    t_gi, _ = timed(lambda: local_g(y - y.min() + 1, w, permutations=PERMUTATIONS), repeat=3)
    return {"weights (arrays)": t_arrays, "weights (GeoDataFrame)": t_weights,
            "LISA": t_lisa, "Gi*": t_gi}


def esda_times(frame: gpd.GeoDataFrame) -> dict[str, float]:
    import esda
    import libpysal

    y = frame["value"].to_numpy()
    t_weights, w = timed(lambda: libpysal.weights.Queen.from_dataframe(
        frame, use_index=False, silence_warnings=True))
    small = libpysal.weights.lat2W(6, 10)  # let numba compile before timing (warm)
    esda.Moran_Local(np.arange(60.0), small, permutations=99)
    esda.G_Local(np.arange(60.0) + 1, small, transform="B", star=True, permutations=99)
    t_lisa, _ = timed(lambda: esda.Moran_Local(y, w, permutations=PERMUTATIONS,
                                               keep_simulations=False, seed=1))
    w.transform = "B"
    t_gi, _ = timed(lambda: esda.G_Local(y - y.min() + 1, w, transform="B", star=True,
                                         permutations=PERMUTATIONS, keep_simulations=False,
                                         seed=1))
    return {"weights (GeoDataFrame)": t_weights, "LISA": t_lisa, "Gi*": t_gi}


def pygeoda_times(frame: gpd.GeoDataFrame) -> dict[str, float]:
    import pygeoda

    y = frame["value"].tolist()
    gda = pygeoda.open(frame[["value", "geometry"]])
    t_weights, w = timed(lambda: pygeoda.queen_weights(gda))
    t_lisa, _ = timed(lambda: pygeoda.local_moran(w, y, permutations=PERMUTATIONS,
                                                  cpu_threads=os.cpu_count() or 1, seed=1))
    yg = [v - min(y) + 1 for v in y]
    t_gi, _ = timed(lambda: pygeoda.local_gstar(w, yg, permutations=PERMUTATIONS,
                                                cpu_threads=os.cpu_count() or 1, seed=1))
    return {"weights (GeoDataFrame)": t_weights, "LISA": t_lisa, "Gi*": t_gi}


def pygeoda_thread_dependence(frame: gpd.GeoDataFrame) -> float:
    """Largest p-value difference between 1 and 2 threads with the same seed."""
    import pygeoda

    gda = pygeoda.open(frame[["value", "geometry"]])
    w = pygeoda.queen_weights(gda)
    y = frame["value"].tolist()
    p1 = np.array(pygeoda.local_moran(w, y, cpu_threads=1, seed=1).lisa_pvalues())
    p2 = np.array(pygeoda.local_moran(w, y, cpu_threads=2, seed=1).lisa_pvalues())
    return float(np.abs(p1 - p2).max())


def fresh_process(frame: gpd.GeoDataFrame) -> tuple[float, float, float]:
    """Wall time of a fresh `geosozial lisa` on the frame, and kernel import times."""
    exe = Path(sys.executable).parent / "geosozial"
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "mittelsachsen.gpkg"
        frame.drop(columns=["BEGINN", "WSK"], errors="ignore").to_file(src)
        out = Path(tmp) / "lisa.gpkg"
        start = time.perf_counter()
        subprocess.run([str(exe), "lisa", str(src), "--field", "value", "--out", str(out)],
                       check=True, capture_output=True)
        cli = time.perf_counter() - start
    code = ("import time; t=time.perf_counter(); import geosozial.kernel; a=time.perf_counter()"
            "-t; from geosozial.kernel.local import local_moran; "
            "print(a, time.perf_counter()-t)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    return cli, float(out[0]), float(out[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 x 100 grid instead of 300")
    args = parser.parse_args()
    print(f"geosozial kernel benchmark, {PERMUTATIONS} permutations, {os.cpu_count()} cores")
    sets = datasets(args.quick)
    for name, frame in sets.items():
        print(f"\n== {name}")
        results = {"geosozial": ours(frame), "esda (numba, warm)": esda_times(frame),
                   "pygeoda": pygeoda_times(frame)}
        for task in ("weights (arrays)", "weights (GeoDataFrame)", "LISA", "Gi*"):
            base = results["geosozial"].get(task)
            line = f"  {task:<24}"
            for impl, times in results.items():
                if task in times:
                    ratio = "" if impl == "geosozial" else f" (x{times[task] / base:,.1f})"
                    line += f"  {impl}: {times[task]:.3f} s{ratio}"
            print(line)
    ms = sets["Mittelsachsen (53)"]
    cli, imp_kernel, imp_local = fresh_process(ms)
    print(f"\nfresh process `geosozial lisa` on Mittelsachsen incl. GeoPackage: {cli:.2f} s")
    print(f"import geosozial.kernel: {imp_kernel:.3f} s; with kernel.local: {imp_local:.3f} s")
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", (
        "import numpy as np, esda, libpysal; w = libpysal.weights.lat2W(7, 7); "
        "esda.Moran_Local(np.arange(49.0), w, permutations=999)")], check=True)
    print(f"fresh process esda Moran_Local on 49 areas (numba compiles): "
          f"{time.perf_counter() - start:.2f} s")
    print(f"pygeoda p-value change between 1 and 2 threads, same seed: "
          f"{pygeoda_thread_dependence(ms):.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
