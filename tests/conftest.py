"""Shared test fixtures: paths to ../shared/data and small synthetic areas."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import box

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
VG5000 = SHARED / "vg5000_gem_2021" / "VG5000_GEM.shp"
GENESIS = SHARED / "genesis"
SACHSEN = SHARED / "sachsen_gemeinden_2015" / "sachsen_gemeinden_simplify200.geojson"
DEMO = REPO / "geodata" / "musterkreis"


def grid_areas(keys: list[str], names: list[str] | None = None, crs: int = 25833,
               **extra: list) -> gpd.GeoDataFrame:
    """Squares of 1 km in a row, one per key (neighbours share an edge)."""
    names = names or [f"Gemeinde {k}" for k in keys]
    geoms = [box(400000 + i * 1000, 5650000, 401000 + i * 1000, 5651000)
             for i in range(len(keys))]
    return gpd.GeoDataFrame({"AGS": keys, "GEN": names, **extra}, geometry=geoms, crs=crs)


@pytest.fixture
def areas_file(tmp_path: Path) -> Path:
    """A GeoPackage with four municipalities of a fictional Kreis 14999."""
    path = tmp_path / "gemeinden.gpkg"
    grid_areas(["14999001", "14999002", "14999003", "14999004"],
               ["Adorf", "Bödorf", "Cestadt", "Düben"]).to_file(path, layer="gemeinden")
    return path


@pytest.fixture(autouse=True)
def german_messages():
    """Every test starts with German messages (the CLI sets the language globally)."""
    from geosozial.messages import set_language

    set_language("de")
    yield
    set_language("de")
