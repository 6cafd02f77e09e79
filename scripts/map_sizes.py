"""Size and build time of HTML maps on the real data, against GeoDataFrame.explore().

    python scripts/map_sizes.py [--shared ../shared/data]

Prints, per data set, the size of the geosozial map (whole HTML file), its budget, the
simplification tolerance, the build time, and the size of folium's
``GeoDataFrame.explore()`` of the same data (the file the issue started from).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np

from geosozial.geo.mapdoc import build_map
from geosozial.maps.layers import choropleth_layer

ROOT = Path(__file__).resolve().parents[1]


def datasets(shared: Path) -> dict[str, gpd.GeoDataFrame]:
    """The three data sets of the size budgets."""
    vg = gpd.read_file(shared / "vg5000_gem_2021" / "VG5000_GEM.shp")
    vg = vg[vg["GF"] == 9].reset_index(drop=True)
    rlp = gpd.read_file(shared / "rlp_gemeinden_2025" / "23_LK_3_BTW2025.shp")
    code = rlp["bezeichnun"].astype(str)
    rlp["AGS"], rlp["GEN"] = "07" + code.str[3:6] + code.str[8:11], rlp["name"]
    return {"Mittelsachsen (VG5000, 53)": vg[vg["AGS"].str.startswith("14522")]
            .reset_index(drop=True),
            "Rheinland-Pfalz (hochaufgelöst, 2.259)": rlp,
            "Deutschland (VG5000, 10.997)": vg}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shared", default=str(ROOT.parent / "shared" / "data"))
    args = parser.parse_args(argv)
    print(f"{'data':<42}{'areas':>7}{'map':>11}{'budget':>11}{'tolerance':>11}"
          f"{'build':>8}{'explore()':>12}")
    for name, frame in datasets(Path(args.shared)).items():
        values = np.random.default_rng(1).gamma(4.0, 2.5, len(frame))
        start = time.perf_counter()
        built = build_map(frame.geometry, names=frame["GEN"], keys=frame["AGS"],
                          layers=[choropleth_layer(values, id="q", label="Quote")],
                          title=name, outline_groups=frame["AGS"].str[:5])
        seconds = time.perf_counter() - start
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "explore.html"
            frame.assign(q=values)[["GEN", "AGS", "q", "geometry"]].explore("q").save(path)
            explore = path.stat().st_size
        print(f"{name:<42}{len(frame):>7}{built.size / 1e6:>9.3f}MB{built.budget / 1e6:>9.3f}MB"
              f"{built.geometry.tolerance:>9.0f} m{seconds:>7.1f}s{explore / 1e6:>10.2f}MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
