"""Benchmark deriving crosswalks by overlay; print times and the ratio to the goal.

1. Saxony: the 426 municipalities of about 31.12.2015 (VG250, simplified at 200 m,
   ``sachsen_gemeinden_2015``) against the 419 of VG5000 01.01.2021 (AGS 14...).
   Goal: at most 2 s.
2. Germany: all 10,997 municipalities of VG5000 2021 against a second national edition.
   ../shared/data holds only one national edition, so the second is made from it: every
   polygon simplified with ``shapely.simplify`` at 200 m (a different generalisation:
   boundaries shift by up to 200 m, neighbours overlap and leave gaps, as between VG250
   and VG5000) and ``--merges`` pairs of neighbouring municipalities of one Kreis merged
   (half keep the first key, half get a new key), and ``--splits`` municipalities cut in
   two, their eastern half given to a neighbour. Goal: at most 20 s. The crosswalk must
   find exactly these mergers and splits.
3. The same national derivation weighted by ``--points`` random population points (like
   Zensus grid-cell centroids), to show the cost of the weights (no goal).

Reading the files is timed separately; the derivation includes reprojection, the
overlay and the crosswalk rule. Data are read from ../shared/data, never copied.

    .venv/bin/python scripts/bench_crosswalk.py [--merges 10] [--points 200000] [--repeat 3]

Not a test: it prints, it asserts nothing.
"""

from __future__ import annotations

import argparse
import copy
import time
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from geosozial.geo.areas import Areas, read_areas
from geosozial.geo.crosswalk import derive_crosswalk

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"
SACHSEN = DATA / "sachsen_gemeinden_2015" / "sachsen_gemeinden_simplify200.geojson"
VG5000 = DATA / "vg5000_gem_2021" / "VG5000_GEM.shp"
warnings.filterwarnings("ignore")


def timed(fn, repeat: int = 1):
    """Best wall time of ``repeat`` calls and the last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def line(label: str, seconds: float, goal: float | None = None, extra: str = "") -> None:
    ratio = f"  {seconds / goal:5.2f} x goal ({goal:g} s)" if goal else ""
    print(f"{label:<46} {seconds:8.2f} s{ratio}  {extra}")


def fresh(areas: Areas) -> Areas:
    """A copy with new geometry objects (no cached prepared geometries from a last run)."""
    out = copy.copy(areas)
    out.frame = areas.frame.copy()
    out.frame["geometry"] = shapely.from_wkb(shapely.to_wkb(areas.frame.geometry.values))
    return out


def second_edition(vg: Areas, merges: int, splits: int = 0, tolerance: float = 200.0
                   ) -> tuple[Areas, dict, list]:
    """VG5000 simplified at ``tolerance`` m, with ``merges`` neighbour pairs merged and
    ``splits`` municipalities cut in two (eastern half to a neighbour of the same Kreis).

    Returns the edition, ``{old key: new key}`` of the merged municipalities and the keys
    of the split ones.
    """
    frame = vg.frame.copy()
    geoms = shapely.simplify(np.asarray(frame.geometry.values, dtype=object), tolerance)
    keys = frame["key"].to_numpy()
    tree = shapely.STRtree(geoms)
    taken: set[int] = set()
    merged: dict[str, str] = {}
    drop: list[int] = []
    existing = set(keys)
    step = max(len(keys) // (merges + 1), 1)
    for start in range(0, len(keys), step):
        if len(merged) >= 2 * merges:
            break
        i = start
        neighbours = [j for j in tree.query(geoms[i], predicate="touches")
                      if j not in taken and j != i and keys[j][:5] == keys[i][:5]]
        if i in taken or not neighbours:
            continue
        j = int(min(neighbours))
        new_key = keys[i]
        if len(merged) // 2 % 2:  # every second merger gets a new key
            new_key = next(keys[i][:5] + f"{n:03d}" for n in range(999, 0, -1)
                           if keys[i][:5] + f"{n:03d}" not in existing)
            existing.add(new_key)
        geoms[i] = shapely.union(geoms[i], geoms[j])
        merged[keys[i]], merged[keys[j]] = new_key, new_key
        frame.loc[frame.index[i], "key"] = new_key
        taken.update((i, j))
        drop.append(j)
    split: list[str] = []
    for start in range(step // 2, len(keys), step):
        if len(split) >= splits:
            break
        neighbours = [j for j in tree.query(geoms[start], predicate="touches")
                      if j not in taken and j != start and keys[j][:5] == keys[start][:5]]
        if start in taken or not neighbours:
            continue
        j = int(min(neighbours))
        x0, y0, x1, y1 = shapely.bounds(geoms[start])
        east = shapely.intersection(geoms[start], shapely.box((x0 + x1) / 2, y0, x1, y1))
        geoms[start] = shapely.difference(geoms[start], east)
        geoms[j] = shapely.union(geoms[j], east)
        taken.update((start, j))
        split.append(keys[start])
    frame["geometry"] = geoms
    frame = frame.drop(index=frame.index[drop]).reset_index(drop=True)
    out = copy.copy(vg)
    out.frame = gpd.GeoDataFrame(frame, geometry="geometry", crs=vg.frame.crs)
    out.source = f"VG5000 simplify {tolerance:g} m, {merges} merges, {splits} splits"
    return out, merged, split


def random_points(areas: Areas, n: int, seed: int = 20211231) -> gpd.GeoDataFrame:
    """``n`` points spread over Germany's extent with a population each (like grid cells)."""
    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = areas.frame.total_bounds
    xy = np.column_stack([rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)])
    return gpd.GeoDataFrame({"EW": rng.integers(0, 200, n)},
                            geometry=shapely.points(xy), crs=areas.frame.crs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--merges", type=int, default=10)
    parser.add_argument("--splits", type=int, default=5)
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    t, sachsen = timed(lambda: read_areas(SACHSEN))
    line("read Saxony 2015 (GeoJSON, 426)", t)
    t, vg = timed(lambda: read_areas(VG5000))
    line("read VG5000 2021 (Shapefile, 10,997)", t)

    saxony_2021 = copy.copy(vg)
    saxony_2021.frame = vg.frame[vg.frame["key"].str.startswith("14")].reset_index(drop=True)
    t, cw = timed(lambda: derive_crosswalk(fresh(sachsen), fresh(saxony_2021)), args.repeat)
    changes = cw.changes()
    line("derive Saxony 2015 -> 2021 (426 -> 419)", t, 2.0,
         f"{len(changes)} changes, {sum(s < 1 for _, _, s in cw.rows)} split rows")

    t, (edition, merged, split) = timed(lambda: second_edition(vg, args.merges, args.splits))
    line(f"build 2nd edition (200 m, {args.merges} merges, {len(split)} splits)", t)
    t, cw = timed(lambda: derive_crosswalk(fresh(vg), fresh(edition)), args.repeat)
    exact = all(cw.successors(o) == [(n, 1.0)] for o, n in merged.items())
    found = sorted({o for o, _, s in cw.rows if s < 1})
    line(f"derive Germany ({len(vg.frame):,} -> {len(edition.frame):,})", t, 20.0,
         f"mergers {'all found' if exact else 'NOT all found'}, splits "
         f"{'all found' if found == sorted(split) else f'{found} != {sorted(split)}'}, "
         f"{len(cw.noise):,} keys with generalisation noise")

    if args.points:
        points = random_points(vg, args.points)
        t, cw = timed(lambda: derive_crosswalk(fresh(vg), fresh(edition), weight_points=points,
                                               weight_field="EW"), args.repeat)
        note = next((n for n in cw.notices if n.code == "cw.weighted"), None)
        line(f"derive Germany weighted ({args.points:,} points)", t, None,
             note.text("en") if note else "")


if __name__ == "__main__":
    main()
