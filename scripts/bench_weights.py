"""Time queen/rook contiguity: geosozial vs libpysal (W and Graph) vs pygeoda.

One run each on the 10,997 VG5000 municipalities (../shared/data) and on a 300 x 300 grid
of squares (90,000 cells), after one warm-up call of our builder (imports, caches).
Prints seconds and the ratio to ours (from arrays); "incl. extraction" is the whole way
from a GeoDataFrame (``weights_for``), to compare with pygeoda's ``*_weights`` (its
``open`` of the frame shown separately).

    .venv/bin/python scripts/bench_weights.py [path/to/VG5000_GEM.shp] [--no-grid]
"""

from __future__ import annotations

import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from geosozial.geo.areas import read_areas
from geosozial.geo.weights import ring_arrays, weights_for
from geosozial.kernel.contiguity import contiguity_weights

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "data" / "vg5000_gem_2021" / \
    "VG5000_GEM.shp"


def timed(func: Callable[[], Any]) -> tuple[float, Any]:
    """Seconds for one call, and its result."""
    start = time.perf_counter()
    result = func()
    return time.perf_counter() - start, result


def grid(size: int = 300) -> Any:
    """A ``size`` x ``size`` grid of 1 m squares (keys 0, 1, ...)."""
    import geopandas as gpd
    import shapely

    x, y = np.meshgrid(np.arange(size), np.arange(size))
    cells = shapely.box(x.ravel(), y.ravel(), x.ravel() + 1, y.ravel() + 1)
    return gpd.GeoDataFrame({"key": [str(i) for i in range(size * size)]}, geometry=cells,
                            crs=25833)


def main(path: Path = DEFAULT, with_grid: bool = True) -> None:
    """Run the benchmark on both data sets."""
    warnings.simplefilter("ignore")
    bench("10,997 German municipalities (VG5000)", read_areas(path, key="AGS").frame)
    if with_grid:
        bench("300 x 300 grid (90,000 cells)", grid())


def bench(label: str, frame: Any) -> None:
    """Run the benchmark on one frame and print a small table."""
    print(f"\n== {label}")
    n = len(frame)
    seconds, (coords, ring, area) = timed(lambda: ring_arrays(frame.geometry))
    print(f"{n} areas, {len(coords)} vertices; coordinate extraction {seconds:.3f} s")
    contiguity_weights(coords, ring, area, n, tolerance=0.1)  # warm-up (imports)
    rows: list[tuple[str, float, float]] = []
    for rook in (False, True):
        name = "rook" if rook else "queen"
        ours, w = timed(lambda rook=rook: contiguity_weights(coords, ring, area, n, rook=rook))
        rows.append((f"geosozial {name} from arrays", ours, ours))
        t, _ = timed(lambda name=name: weights_for(frame, name))
        rows.append((f"geosozial {name} incl. extraction", t, ours))
        t, _ = timed(lambda rook=rook: contiguity_weights(coords, ring, area, n, rook=rook,
                                                          tolerance=0.1))
        rows.append((f"geosozial {name} tolerance 0.1 m", t, ours))
        try:
            from libpysal import graph, weights
        except ImportError:
            print("libpysal not installed")
        else:
            cls = weights.Rook if rook else weights.Queen
            t, _ = timed(lambda cls=cls: cls.from_dataframe(frame, use_index=False,
                                                            silence_warnings=True))
            rows.append((f"libpysal weights.{cls.__name__}.from_dataframe", t, ours))
            t, _ = timed(lambda rook=rook: graph.Graph.build_contiguity(frame.geometry,
                                                                        rook=rook))
            rows.append((f"libpysal Graph.build_contiguity(rook={rook})", t, ours))
        try:
            import pygeoda
        except ImportError:
            print("pygeoda not installed")
        else:
            t_open, gda = timed(lambda: pygeoda.open(frame))
            build = pygeoda.rook_weights if rook else pygeoda.queen_weights
            t, gw = timed(lambda build=build, gda=gda: build(gda))
            rows.append((f"pygeoda {name}_weights", t, ours))
            rows.append((f"pygeoda open + {name}_weights", t_open + t, ours))
            same = all(set(gw.get_neighbors(i)) == set(w.sparse.indices[
                w.sparse.indptr[i]:w.sparse.indptr[i + 1]].tolist()) for i in range(n))
            print(f"pygeoda {name} neighbour sets identical to ours: {same}")
        print(f"ours: {w!r}")
    width = max(len(r[0]) for r in rows)
    print(f"\n{'method':<{width}}  seconds  × ours (arrays)")
    for label, t, ours in rows:
        print(f"{label:<{width}}  {t:7.3f}  {t / ours:8.1f}")
    print(f"\nnumpy {np.__version__}; one run each")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--no-grid"]
    main(Path(args[0]) if args else DEFAULT, with_grid="--no-grid" not in sys.argv)
