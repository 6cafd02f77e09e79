"""Benchmark the time-series store; print times and the ratio to the goals.

10 years x 20 variables x the 10,997 municipalities of VG5000 2021 (real geometries from
``../shared/data/vg5000_gem_2021``, read from there, never copied; synthetic values with
some flags: ``geheim`` withheld, ``umgeschluesselt``/``geschaetzt`` converted, ``p``):

1. the first write of all 10 years into a new GeoPackage store (long table of 2.2
   million rows plus the layer ``gemeinden_jahre`` with 110,000 polygons). Goal: at most
   30 s, :func:`~geosozial.geo.store.long_table` included.
2. a re-run for one year with new values (2 % changed): the year's rows and polygons
   replaced, the other nine kept. Goal: at most 5 s, long_table included. Done
   ``--reruns`` times (each with other changes); the median is compared with the goal.
3. reading the whole store back (no goal); with ``--postgis URL`` also the first write
   and the re-run into PostGIS (no goal; e.g. inside ``bash scripts/postgis.sh``, URL
   ``$GEOSOZIAL_TEST_POSTGIS``).

    .venv/bin/python scripts/bench_store.py [--years 10] [--variables 20] [--reruns 3]
                                            [--postgis URL]

Not a test: it prints, it asserts nothing. The store is written to a temporary folder.
Wall-clock times are the goal; the CPU time of the process is printed as well (on a
shared machine the wall-clock time varies with the load, the CPU time much less).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np

from geosozial.geo.store import long_table, read_store, write_store

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"
VG5000 = DATA / "vg5000_gem_2021" / "VG5000_GEM.shp"

GOAL_FIRST = 30.0
GOAL_RERUN = 5.0


def frames_for(areas: gpd.GeoDataFrame, years: list[int], variables: list[str],
               seed: int, changed: float = 0.0, round_: int = 0) -> dict[int, gpd.GeoDataFrame]:
    """Per year a wide frame: key, name, geometry, values and flags."""
    base = gpd.GeoDataFrame({"key": areas["AGS"].astype(str).to_numpy(),
                             "name": areas["GEN"].astype(str).to_numpy()},
                            geometry=areas.geometry.to_numpy(), crs=areas.crs)
    out = {}
    n = len(base)
    for y in years:
        rng = np.random.default_rng(seed + y)
        f = base.copy()
        for j, v in enumerate(variables):
            values = rng.gamma(2.0, 500.0, n).round()
            flags = np.full(n, "", dtype=object)
            flags[rng.random(n) < 0.01] = "geheim"
            flags[rng.random(n) < 0.02] = "umgeschluesselt"
            flags[rng.random(n) < 0.005] = "geschaetzt"
            flags[rng.random(n) < 0.01] = "p"
            if changed:  # the same values as before, a share of them one higher
                bump = np.random.default_rng([seed, y, j, round_]).random(n) < changed
                values[bump] += 1
            f[v] = values
            f[f"{v}_flag"] = flags
        out[y] = f
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--variables", type=int, default=20)
    parser.add_argument("--reruns", type=int, default=3, help="re-runs of the last year")
    parser.add_argument("--postgis", default=None, help="also write to this PostGIS URL")
    args = parser.parse_args()

    t0 = time.perf_counter()
    areas = gpd.read_file(VG5000)
    print(f"read VG5000: {len(areas)} municipalities in {time.perf_counter() - t0:.1f} s")
    years = list(range(2024 - args.years, 2024))
    variables = [f"var{i:02d}" for i in range(args.variables)]
    frames = frames_for(areas, years, variables, seed=1)
    last = years[-1]
    stichtage = {y: f"31.12.{y}" for y in years}
    sources = {y: {v: f"tabelle_{v}_{y}.csv" for v in variables} for y in years}

    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "sozialdatenbank.gpkg"
        t0, c0 = time.perf_counter(), time.process_time()
        long = long_table(frames, variables, level="Gemeinde", sources=sources,
                          stichtage=stichtage, gebietsstand="2021-01-01")
        t_long = time.perf_counter() - t0
        report = write_store(target, long, {"gemeinden": frames}, years=years,
                             meta={"benchmark": True})
        t_first = time.perf_counter() - t0
        c_first = time.process_time() - c0
        size = target.stat().st_size / 1e6
        print(f"1. first write: {len(long):,} long rows, {len(years) * len(areas):,} "
              f"polygons, {size:.0f} MB: {t_first:.1f} s (long_table {t_long:.1f} s, "
              f"write_store {t_first - t_long:.1f} s; CPU {c_first:.1f} s); goal "
              f"{GOAL_FIRST:.0f} s, ratio {t_first / GOAL_FIRST:.2f}")

        rerun_times = []
        for i in range(max(1, args.reruns)):
            rerun = frames_for(areas, [last], variables, seed=1, changed=0.02, round_=i)
            t0, c0 = time.perf_counter(), time.process_time()
            long_new = long_table(rerun, variables, level="Gemeinde",
                                  sources={last: sources[last]},
                                  stichtage={last: stichtage[last]}, gebietsstand="2021-01-01")
            report = write_store(target, long_new, {"gemeinden": rerun}, years=[last])
            t_rerun = time.perf_counter() - t0
            c_rerun = time.process_time() - c0
            rerun_times.append(t_rerun)
            print(f"2. re-run {i + 1} of {last}: {t_rerun:.1f} s (CPU {c_rerun:.1f} s); goal "
                  f"{GOAL_RERUN:.0f} s, ratio {t_rerun / GOAL_RERUN:.2f}")
            print("   " + report.text()[:110] + " ...")
        median = float(np.median(rerun_times))
        print(f"   median re-run {median:.1f} s, ratio {median / GOAL_RERUN:.2f}")

        t0 = time.perf_counter()
        store = read_store(target)
        print(f"3. read_store: {len(store.long):,} rows, "
              f"{len(store.layers['gemeinden']):,} polygons in "
              f"{time.perf_counter() - t0:.1f} s")

    if args.postgis:
        t0 = time.perf_counter()
        write_store(args.postgis, long, {"gemeinden": frames}, years=years)
        t_pg = time.perf_counter() - t0
        t0 = time.perf_counter()
        write_store(args.postgis, long_new, {"gemeinden": rerun}, years=[last])
        print(f"PostGIS: first write {t_pg:.1f} s, re-run {time.perf_counter() - t0:.1f} s "
              "(no goal)")


if __name__ == "__main__":
    main()
