"""Paths to the real data in ../shared/data and the demo project, for every test module."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
from shapely.geometry import box

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
VG5000 = SHARED / "vg5000_gem_2021" / "VG5000_GEM.shp"
GENESIS = SHARED / "genesis"
SACHSEN = SHARED / "sachsen_gemeinden_2015" / "sachsen_gemeinden_simplify200.geojson"
DEMO = REPO / "geodata" / "musterkreis"
RLP = SHARED / "rlp_gemeinden_2025" / "23_LK_3_BTW2025.shp"


def rlp_municipalities() -> gpd.GeoDataFrame:
    """The 2,259 high-resolution RLP municipalities with an AGS (see the folder README)."""
    frame = gpd.read_file(RLP)
    code = frame["bezeichnun"].astype(str)
    frame["AGS"] = "07" + code.str[3:6] + code.str[8:11]
    return frame


def grid_areas(keys: list[str], names: list[str] | None = None, crs: int = 25833,
               **extra: list) -> gpd.GeoDataFrame:
    """Squares of 1 km in a row, one per key (neighbours share an edge)."""
    names = names or [f"Gemeinde {k}" for k in keys]
    geoms = [box(400000 + i * 1000, 5650000, 401000 + i * 1000, 5651000)
             for i in range(len(keys))]
    return gpd.GeoDataFrame({"AGS": keys, "GEN": names, **extra}, geometry=geoms, crs=crs)


def demo_project(folder: Path, text: str | None = None, *, skip: tuple[str, ...] = ()) -> Path:
    """The demo project in ``folder``: its data files linked (all but ``skip``), and
    ``projekt.toml`` written with ``text`` (default: the demo's own). Returns its path."""
    for f in DEMO.iterdir():
        if f.name != "projekt.toml" and f.name not in skip:
            (folder / f.name).symlink_to(f)
    project = folder / "projekt.toml"
    project.write_text((DEMO / "projekt.toml").read_text(encoding="utf-8") if text is None
                       else text, encoding="utf-8")
    return project


def true_values(project_path: Path) -> dict[tuple[str, int, str], float]:
    """Every count and indicator of every municipality and year from the unprotected
    join of the demo tables (the values the store withholds included)."""
    import math

    import geosozial as gs
    from geosozial.pipeline.project import load_project

    folder = project_path.parent
    project = load_project(project_path)
    true: dict[tuple[str, int, str], float] = {}
    for year in project.years:
        counts: dict[str, dict[str, float]] = {}
        for spec in project.tables:
            joined = gs.join(folder / project.areas, folder / spec.file.format(year=year),
                             confidentiality=False).frame
            for row in joined.to_dict("records"):
                for var, columns in spec.variables.items():
                    parts = [row.get(c) for c in columns]
                    if all(p is not None and not math.isnan(p) for p in parts):
                        counts.setdefault(row["key"], {})[var] = float(sum(parts))
        for key, by_var in counts.items():
            for var, value in by_var.items():
                true[(key, year, var)] = value
            for ind in project.indicators:
                if all(v in by_var for v in ind.variables):
                    den = sum(by_var[v] for v in ind.denominator)
                    if den:
                        true[(key, year, ind.id)] = ind.scale * sum(
                            c * by_var[v] for v, c in ind.numerator.items()) / den
    return true


def to_features(geoms) -> list:
    """Shapely polygons as core features (lists of polygons of ring arrays)."""
    import numpy as np

    out = []
    for g in geoms:
        polys = list(g.geoms) if g.geom_type == "MultiPolygon" else [g]
        out.append([[np.asarray(p.exterior.coords)] + [np.asarray(r.coords) for r in p.interiors]
                    for p in polys])
    return out


def to_shapely(features):
    """Core features as an array of shapely polygons."""
    import numpy as np
    from shapely.geometry import MultiPolygon, Polygon

    geoms = []
    for feature in features:
        polys = [Polygon(p[0], p[1:]) for p in feature]
        geoms.append(polys[0] if len(polys) == 1 else MultiPolygon(polys))
    return np.array(geoms, dtype=object)
