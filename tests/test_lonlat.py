"""geosozial.maps.lonlat (pure numpy) agrees with pyproj for every supported EPSG code."""

from __future__ import annotations

import time
import warnings

import numpy as np
import pytest
from pyproj import CRS, Transformer, proj_version_str
from pyproj.crs import CoordinateOperation

from geosozial.maps.lonlat import SUPPORTED, supports, to_lonlat

#: pure projections (and ETRS89 = WGS 84): degrees, ≈ 0.1 mm
TOL = 1e-9
#: with the Helmert shift DHDN → WGS 84
TOL_HELMERT = 1e-8
N = 300

DHDN_GK = {31466, 31467, 31468, 31469, 5676, 5677, 5678, 5679}
PROJ_VERSION = tuple(int(part) for part in proj_version_str.split(".")[:2])


def _crs(code: int) -> CRS:
    return CRS.from_epsg(code)


def _param(crs: CRS, name: str) -> float:
    return next(p.value for p in crs.coordinate_operation.params if p.name == name)


def _forward(code: int, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Projected x/y (easting, northing) of lon/lat on the CRS's own datum (pyproj)."""
    crs = _crs(code)
    x, y = Transformer.from_crs(crs.geodetic_crs, crs, always_xy=True).transform(lon, lat)
    return np.column_stack([x, y])


def _points(code: int) -> tuple[np.ndarray, np.ndarray]:
    """A few hundred points over the CRS's German/European area of use: projected x/y and
    the lon/lat (on the CRS's own datum) they were projected from (NaN where the points
    were drawn in projected coordinates)."""
    rng = np.random.default_rng(code)
    crs = _crs(code)
    method = crs.coordinate_operation.method_name if crs.is_projected else ""
    if method.startswith("Transverse Mercator") and code not in DHDN_GK:
        # UTM: easting 200 km - 800 km, northing of 47°-55° N
        lon0 = _param(crs, "Longitude of natural origin")
        x0 = _param(crs, "False easting")
        south, north = _forward(code, np.array([lon0, lon0]), np.array([47.0, 55.0]))[:, 1]
        x = x0 - 500000.0 + rng.uniform(200000.0, 800000.0, N)
        y = rng.uniform(south, north, N)
        return np.column_stack([x, y]), np.full((N, 2), np.nan)
    if code in DHDN_GK:  # the zone's range in Germany (with the usual overlap)
        lon0 = _param(crs, "Longitude of natural origin")
        lon = rng.uniform(max(lon0 - 1.7, 5.8), min(lon0 + 1.7, 15.1), N)
        lat = rng.uniform(47.2, 55.1, N)
    elif code in (5243, 4839):  # LCC Germany
        lon, lat = rng.uniform(5.8, 15.1, N), rng.uniform(47.2, 55.1, N)
    else:  # European systems
        lon, lat = rng.uniform(-10.0, 35.0, N), rng.uniform(35.0, 71.0, N)
    if crs.is_geographic:
        return np.column_stack([lon, lat]), np.column_stack([lon, lat])
    return _forward(code, lon, lat), np.column_stack([lon, lat])


def _deviation(a: np.ndarray, b: np.ndarray) -> float:
    """Largest difference in degrees, longitudes compared across the antimeridian."""
    dlon = (a[:, 0] - b[:, 0] + 180.0) % 360.0 - 180.0
    return float(max(np.abs(dlon).max(), np.abs(a[:, 1] - b[:, 1]).max()))


def _pyproj(code: int, xy: np.ndarray) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "best transformation is not available"
        transformer = Transformer.from_crs(code, 4326, always_xy=True)
    return np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))


def _dhdn_helmert() -> Transformer:
    """pyproj's EPSG:1777 "DHDN to WGS 84 (2)" alone (latitude, longitude in degrees),
    whatever pyproj would choose for DHDN by default (the grid BETA2007 if installed)."""
    operation = CoordinateOperation.from_authority("EPSG", "1777")
    assert operation.name == "DHDN to WGS 84 (2)"
    return Transformer.from_pipeline(operation.to_proj4())


def _dhdn_reference(code: int, xy: np.ndarray) -> np.ndarray:
    """pyproj: inverse Gauss-Krüger on DHDN (a pure conversion), then EPSG:1777."""
    if code == 4314:
        lonlat = xy
    else:
        to_dhdn = Transformer.from_crs(code, 4314, always_xy=True)
        assert "DHDN to" not in to_dhdn.description  # no datum change here
        lonlat = np.column_stack(to_dhdn.transform(xy[:, 0], xy[:, 1]))
    lat, lon = _dhdn_helmert().transform(lonlat[:, 1], lonlat[:, 0])
    return np.column_stack([lon, lat])


def test_supported_codes():
    expected = ({*range(25828, 25839), *range(32601, 32661), *range(31466, 31470),
                 *range(5676, 5680), *range(3040, 3050), 4647, 5649, 5650, 5651, 5652, 5653,
                 3034, 3035, 3857, 4839, 5243, 4258, 4314, 4326})
    assert expected == SUPPORTED
    assert all(isinstance(code, int) for code in SUPPORTED)


@pytest.mark.parametrize("code", sorted(SUPPORTED - DHDN_GK - {3035, 4314}))
def test_agrees_with_pyproj(code):
    xy, lonlat = _points(code)
    ours = to_lonlat(xy, code)
    assert ours.shape == (N, 2) and ours.dtype == np.float64
    assert _deviation(ours, _pyproj(code, xy)) <= TOL
    if not np.isnan(lonlat).any():  # and the points projected by pyproj come back
        assert _deviation(ours, lonlat) <= TOL


@pytest.mark.parametrize("code", sorted(DHDN_GK | {4314}))
def test_dhdn_agrees_with_pyproj_helmert(code):
    xy, _ = _points(code)
    ours = to_lonlat(xy, code)
    assert _deviation(ours, _dhdn_reference(code, xy)) <= TOL_HELMERT
    # the shift is there: without it the points would be off by about 100 m
    unshifted = xy if code == 4314 else _inverse_only(code, xy)
    assert _deviation(ours, unshifted) > 5e-4


def _inverse_only(code: int, xy: np.ndarray) -> np.ndarray:
    to_dhdn = Transformer.from_crs(code, 4314, always_xy=True)
    return np.column_stack(to_dhdn.transform(xy[:, 0], xy[:, 1]))


def test_dhdn_parameters_are_epsg_1777():
    """The constants of the module are the EPSG database's (position vector convention)."""
    operation = CoordinateOperation.from_authority("EPSG", "1777")
    assert operation.method_name.startswith("Position Vector transformation")
    values = [p.value for p in operation.params]
    assert values == [598.1, 73.7, 418.2, 0.202, 0.045, -2.455, 6.7]
    # the coordinate frame convention (rotations negated) would be tens of metres off
    lon, lat = np.array([10.0]), np.array([51.0])
    frame = Transformer.from_pipeline(operation.to_proj4().replace(
        "convention=position_vector", "convention=coordinate_frame"))
    lat_f, lon_f = frame.transform(lat, lon)
    ours = to_lonlat(np.column_stack([lon, lat]), 4314)
    assert _deviation(ours, np.column_stack([lon_f, lat_f])) > 1e-4


def test_laea_europe():
    """EPSG:3035: the points pyproj projected come back exactly (pyproj's forward LAEA is
    exact). pyproj's inverse is exact since PROJ 9.6; before, PROJ inverted the authalic
    latitude by a series in e² that is off by up to about 1e-8 degrees."""
    xy, lonlat = _points(3035)
    ours = to_lonlat(xy, 3035)
    assert _deviation(ours, lonlat) <= TOL
    assert _deviation(ours, _pyproj(3035, xy)) <= (TOL if PROJ_VERSION >= (9, 6) else 2e-8)
    centre = to_lonlat(np.array([[4321000.0, 3210000.0]]), 3035)
    assert np.abs(centre - [[10.0, 52.0]]).max() < 1e-12


@pytest.mark.parametrize("code", [4326, 4258])
def test_geographic_identity(code):
    lonlat = np.array([[9.123456789012345, 51.5], [-3.0, 40.25]])
    out = to_lonlat(lonlat, code)
    assert np.array_equal(out, lonlat) and not np.shares_memory(out, lonlat)


@pytest.mark.parametrize("code", [2056, 31463, 32701, 0, -1])
def test_unsupported_code(code):
    assert not supports(code)
    with pytest.raises(ValueError, match=f"EPSG:{code}\\b"):
        to_lonlat(np.zeros((1, 2)), code)


def test_supports():
    assert supports(25832) and supports(np.int64(31467)) and supports(4326)
    assert not supports(None) and not supports(True) and not supports("25832")
    with pytest.raises(ValueError, match="EPSG:None"):
        to_lonlat(np.zeros((1, 2)), None)  # type: ignore[arg-type]


def test_input_unchanged_and_deterministic():
    for code in (25832, 31468, 3035, 5243, 4326):
        xy, _ = _points(code)
        before = xy.copy()
        first = to_lonlat(xy, code)
        second = to_lonlat(xy, code)
        assert np.array_equal(xy, before)
        assert first.tobytes() == second.tobytes()
        assert not np.shares_memory(first, xy)
        # a part of the points gives the same values as in the whole
        assert to_lonlat(xy[5:9], code).tobytes() == first[5:9].tobytes()


def test_shapes():
    assert to_lonlat(np.empty((0, 2)), 25832).shape == (0, 2)
    assert to_lonlat(np.array([]), 31467).shape == (0, 2)
    assert to_lonlat([[500000, 5650000]], 25832).dtype == np.float64  # ints, lists
    with pytest.raises(ValueError, match="shape"):
        to_lonlat(np.array([500000.0, 5650000.0]), 25832)
    with pytest.raises(ValueError, match="shape"):
        to_lonlat(np.zeros((3, 3)), 25832)


def test_nan_and_outside_give_nan_quietly():
    xy = np.array([[np.nan, 5650000.0], [500000.0, 5650000.0], [9e7, 9e7]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for code in (25832, 31467, 3035, 5243):
            out = to_lonlat(xy if code != 31467 else xy + np.array([3e6, 0.0]), code)
            assert np.isnan(out[0]).all() and np.isfinite(out[1]).all()
            if code != 5243:  # outside the domain of TM and LAEA (LCC covers the plane)
                assert np.isnan(out[2]).all()


def test_million_points_fast():
    rng = np.random.default_rng(0)
    xy = np.column_stack([rng.uniform(3.3e6, 3.7e6, 1_000_000),
                          rng.uniform(5.2e6, 6.1e6, 1_000_000)])
    for code, shift in ((31467, 0.0), (25832, 3e6)):
        points = xy - [shift, 0.0]
        best = min(_timed(to_lonlat, points, code) for _ in range(2))
        assert best < 2.0, (code, best)  # about 0.2-0.4 s on a laptop


def _timed(function, *args) -> float:
    start = time.perf_counter()
    function(*args)
    return time.perf_counter() - start
