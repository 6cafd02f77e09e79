"""Reading VG250/VG5000-style geometries: keys, GF filter, repairs, CRS."""

import geopandas as gpd
import pytest
from datasets import SACHSEN, VG5000, grid_areas
from shapely.geometry import Polygon

from geosozial.core.messages import GeosozialError
from geosozial.geo.areas import read_areas


def test_vg5000_reads_all_municipalities_and_repairs_invalid():
    areas = read_areas(VG5000, key="AGS")
    frame = areas.frame
    assert len(frame) == 10997
    assert frame["key"].str.fullmatch(r"\d{8}").all()
    assert frame.loc[frame["key"] == "01001000", "name"].item() == "Flensburg"
    assert frame.crs.to_epsg() == 31467  # projected: kept, never reprojected needlessly
    assert frame.geometry.is_valid.all()
    repairs = [n for n in areas.notices if n.code == "geo.invalid_repaired"]
    assert len(repairs) == 1
    assert repairs[0].params["n"] == 3
    assert "16071004" in repairs[0].text()
    mittelsachsen = frame[frame["key"].str.startswith("14522")]
    assert len(mittelsachsen) == 53


def test_ars_key_gives_twelve_digit_keys():
    areas = read_areas(VG5000, key="ARS")
    assert areas.frame["key"].str.fullmatch(r"\d{12}").all()


def test_geographic_crs_is_reprojected_with_notice():
    areas = read_areas(SACHSEN, key="AGS")
    assert areas.frame.crs.to_epsg() == 25833
    notice = next(n for n in areas.notices if n.code == "geo.reprojected")
    assert "EPSG:25833" in notice.text()
    assert len(areas.frame) == 426
    # area in km² must be plausible for Saxony (18,450 km²), i.e. measured in metres
    assert 17000 < areas.frame.area.sum() / 1e6 < 19500


def test_vg250_gf_filter_keeps_land_areas(tmp_path):
    frame = grid_areas(["14999001", "14999001", "14999002"], GF=[4, 2, 4])
    path = tmp_path / "vg250.gpkg"
    frame.to_file(path)
    areas = read_areas(path)
    assert areas.frame["key"].tolist() == ["14999001", "14999002"]
    notice = next(n for n in areas.notices if n.code == "geo.gf_filter")
    assert notice.params["n"] == 1 and notice.params["values"] == [2]


def test_numeric_key_field_repaired_and_reported(tmp_path):
    frame = grid_areas(["x", "y"])
    frame["AGS"] = [1001000, 1002000]
    path = tmp_path / "numeric.gpkg"
    frame.to_file(path)
    areas = read_areas(path)
    assert areas.frame["key"].tolist() == ["01001000", "01002000"]
    assert any(n.code == "geo.key_repaired" and n.params["n"] == 2 for n in areas.notices)


def test_ags_derived_from_ars_when_no_ags_field(tmp_path):
    frame = grid_areas(["a", "b"]).drop(columns="AGS")
    frame["ARS"] = ["149990010010", "149990010020"]
    path = tmp_path / "ars.gpkg"
    frame.to_file(path)
    areas = read_areas(path, key="AGS")
    assert areas.frame["key"].tolist() == ["14999010", "14999020"]
    assert any(n.code == "geo.key_from_ars" for n in areas.notices)


def test_missing_key_field_lists_fields(tmp_path):
    frame = grid_areas(["14999001"]).rename(columns={"AGS": "GKZ"})
    path = tmp_path / "nokey.gpkg"
    frame.to_file(path)
    with pytest.raises(GeosozialError) as exc:
        read_areas(path, key="AGS")
    text = str(exc.value)
    assert "nokey.gpkg" in text and "GKZ" in text and "AGS" in text


def test_invalid_geometry_repaired_with_key_named(tmp_path):
    bowtie = Polygon([(0, 0), (10, 10), (10, 0), (0, 10), (0, 0)])
    frame = gpd.GeoDataFrame({"AGS": ["14999001"], "GEN": ["Schleife"]},
                             geometry=[bowtie], crs=25833)
    path = tmp_path / "invalid.gpkg"
    frame.to_file(path)
    areas = read_areas(path)
    assert areas.frame.geometry.is_valid.all()
    assert abs(areas.frame.area.iloc[0] - 50.0) < 1e-6
    notice = next(n for n in areas.notices if n.code == "geo.invalid_repaired")
    assert "14999001" in notice.text()


def test_missing_crs_is_an_error(tmp_path):
    # a shapefile without its .prj file has no CRS
    shp = tmp_path / "nocrs.shp"
    grid_areas(["14999001"]).to_file(shp)
    shp.with_suffix(".prj").unlink()
    with pytest.raises(GeosozialError) as exc:
        read_areas(shp)
    assert "nocrs.shp" in str(exc.value) and "CRS" in str(exc.value)


def test_empty_key_names_feature(tmp_path):
    frame = grid_areas(["14999001", ""])
    path = tmp_path / "emptykey.gpkg"
    frame.to_file(path)
    with pytest.raises(GeosozialError) as exc:
        read_areas(path)
    assert "Objekt 2" in str(exc.value) and "AGS" in str(exc.value)


def test_first_of_several_layers_is_named(tmp_path):
    path = tmp_path / "zwei.gpkg"
    grid_areas(["14999001"]).to_file(path, layer="gemeinden")
    grid_areas(["14999002"]).to_file(path, layer="andere")
    areas = read_areas(path)
    notice = next(n for n in areas.notices if n.code == "geo.first_layer")
    assert "gemeinden" in notice.text() and "andere" in notice.text()
    assert areas.frame["key"].tolist() == ["14999001"]
