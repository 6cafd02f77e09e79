"""Projected coordinates of German municipal data to WGS 84 longitude/latitude, pure numpy.

No pyproj, shapely or GDAL: this module runs inside QGIS's Python as well. It covers the
coordinate reference systems German municipal data come in (see :data:`SUPPORTED`):

* transverse Mercator: ETRS89 / UTM zones 28N-38N (EPSG 25828-25838; the N-E variants
  3040-3049; the zone-prefixed variants 4647, 5649, 5650, 5651-5653), WGS 84 / UTM
  zones 1N-60N (32601-32660) and DHDN / 3-degree Gauss-Krüger zones 2-5 (31466-31469 and
  the E-N variants 5676-5679). The inverse is Krüger's series in the third flattening n
  to order 6 (Karney 2011, "Transverse Mercator with an accuracy of a few nanometers",
  J. Geodesy 85), the accuracy of PROJ's default ``tmerc``/``utm`` (Poder/Engsager);
* ETRS89-extended / LAEA Europe (3035): Lambert azimuthal equal area, oblique ellipsoidal
  inverse (Snyder 1987, pp. 187-190) with the authalic latitude inverted exactly by
  Newton's method (as PROJ since 9.6; older PROJ uses a series in e² that is off by up to
  about 1e-8 degrees);
* Lambert conformal conic with two standard parallels: ETRS89 / LCC Germany (5243 and
  4839) and ETRS89-extended / LCC Europe (3034);
* WGS 84 / Pseudo-Mercator (3857, web maps);
* the geographic systems WGS 84 (4326), ETRS89 (4258) and DHDN (4314).

ETRS89 is treated as identical to WGS 84 (no shift), as PROJ does. DHDN (Bessel 1841)
is shifted to WGS 84 with the 7-parameter Helmert transformation EPSG:1777
"DHDN to WGS 84 (2)" (position vector convention, rotations linearised as PROJ does;
about 3 m accuracy: the grid BETA2007 is better, but not pure numpy). The ellipsoidal
height is taken as 0 and dropped, as PROJ does for 2D coordinates.

Coordinates are always in the order of the geometries (GIS order), whatever the axis
order of the EPSG definition: x/y (easting, northing) for projected systems and
longitude/latitude for geographic ones. Points outside a projection's domain give NaN.

Example:
    >>> import numpy as np
    >>> lonlat = to_lonlat(np.array([[500000.0, 5650000.0]]), 25832)
    >>> [round(float(v), 6) for v in lonlat[0]]
    [9.0, 51.001575]
    >>> supports(31468), supports(2056), supports(None)
    (True, False, False)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["SUPPORTED", "supports", "to_lonlat"]

_ARCSEC = math.pi / (180.0 * 3600.0)
#: tolerance of the latitude iterations (radians)
_TOL = 1e-14
_MAX_ITER = 10


@dataclass(frozen=True)
class _Ellipsoid:
    """Semi-major axis ``a`` (m) and inverse flattening ``rf``."""

    a: float
    rf: float

    @property
    def f(self) -> float:
        return 1.0 / self.rf

    @property
    def es(self) -> float:
        """First eccentricity squared."""
        return self.f * (2.0 - self.f)

    @property
    def e(self) -> float:
        return math.sqrt(self.es)


_GRS80 = _Ellipsoid(6378137.0, 298.257222101)
_WGS84 = _Ellipsoid(6378137.0, 298.257223563)
_BESSEL = _Ellipsoid(6377397.155, 299.1528128)


@dataclass(frozen=True)
class _Helmert:
    """Seven-parameter Helmert transformation to WGS 84, position vector convention:
    translations (m), rotations (arc seconds), scale (ppm)."""

    ellipsoid: _Ellipsoid
    tx: float
    ty: float
    tz: float
    rx: float
    ry: float
    rz: float
    s: float


#: EPSG:1777 "DHDN to WGS 84 (2)"
_DHDN_WGS84 = _Helmert(_BESSEL, 598.1, 73.7, 418.2, 0.202, 0.045, -2.455, 6.7)


def _clenshaw(coeffs: tuple[float, ...], two_cos: np.ndarray) -> np.ndarray:
    """Σ c_j sin(2jx) / sin(2x) for j = 1..len(coeffs) by Clenshaw's recurrence, given
    2 cos(2x) (real or complex)."""
    b1 = np.full_like(two_cos, coeffs[-1])
    b2 = np.zeros_like(two_cos)
    for coeff in reversed(coeffs[:-1]):
        b = two_cos * b1
        b -= b2
        b += coeff
        b1, b2 = b, b1
    return b1


def _series(table: tuple[tuple[float, ...], ...], n: float) -> tuple[float, ...]:
    """Coefficients of a series in sines from their polynomials in n (powers 1..6)."""
    return tuple(sum(c * n ** (k + 1) for k, c in enumerate(row)) for row in table)


# Krüger's series: coefficients of n^1..n^6 of β_1..β_6 (Karney 2011, eq. 36)
_BETA = (
    (1 / 2, -2 / 3, 37 / 96, -1 / 360, -81 / 512, 96199 / 604800),
    (0, 1 / 48, 1 / 15, -437 / 1440, 46 / 105, -1118711 / 3870720),
    (0, 0, 17 / 480, -37 / 840, -209 / 4480, 5569 / 90720),
    (0, 0, 0, 4397 / 161280, -11 / 504, -830251 / 7257600),
    (0, 0, 0, 0, 4583 / 161280, -108847 / 3991680),
    (0, 0, 0, 0, 0, 20648693 / 638668800),
)
# conformal latitude χ → geodetic latitude φ = χ + Σ d_j sin(2jχ): coefficients of
# n^1..n^6 of d_1..d_6 (Karney 2011, eq. 11; PROJ's ``cgb``)
_CHI_PHI = (
    (2, -2 / 3, -2, 116 / 45, 26 / 45, -2854 / 675),
    (0, 7 / 3, -8 / 5, -227 / 45, 2704 / 315, 2323 / 945),
    (0, 0, 56 / 15, -136 / 35, -1262 / 105, 73814 / 2835),
    (0, 0, 0, 4279 / 630, -332 / 35, -399572 / 14175),
    (0, 0, 0, 0, 4174 / 315, -144838 / 6237),
    (0, 0, 0, 0, 0, 601676 / 22275),
)


def _third_flattening(ell: _Ellipsoid) -> float:
    return ell.f / (2.0 - ell.f)


def _geodetic_from_conformal(chi: np.ndarray, sin2chi: np.ndarray, cos2chi: np.ndarray,
                             ell: _Ellipsoid) -> np.ndarray:
    """Geodetic latitude from the conformal latitude χ (radians) and sin 2χ, cos 2χ."""
    coeffs = _series(_CHI_PHI, _third_flattening(ell))
    return chi + sin2chi * _clenshaw(coeffs, 2.0 * cos2chi)


@dataclass(frozen=True)
class _TransverseMercator:
    ellipsoid: _Ellipsoid
    lon0: float
    k0: float
    x0: float
    y0: float = 0.0

    def inverse(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ell = self.ellipsoid
        n = _third_flattening(ell)
        big_a = ell.a / (1.0 + n) * (1.0 + n**2 / 4 + n**4 / 64 + n**6 / 256)
        scale = self.k0 * big_a
        xi1 = (y - self.y0) / scale
        eta1 = (x - self.x0) / scale
        eta1[np.abs(eta1) > 2.623395162778] = np.nan  # PROJ's domain: 150° of arc
        # ζ = ζ' - Σ β_j sin(2jζ') with ζ' = ξ' + iη', by Clenshaw's recurrence in complex
        # numbers; sin 2ζ' and cos 2ζ' from the real and hyperbolic functions
        s2, c2 = np.sin(2.0 * xi1), np.cos(2.0 * xi1)
        exp2 = np.exp(2.0 * eta1)
        inv2 = 1.0 / exp2
        sh2, ch2 = 0.5 * (exp2 - inv2), 0.5 * (exp2 + inv2)
        two_cos = np.empty(len(x), dtype=np.complex128)
        two_cos.real = 2.0 * c2 * ch2
        two_cos.imag = -2.0 * s2 * sh2
        sin2 = np.empty(len(x), dtype=np.complex128)
        sin2.real = s2 * ch2
        sin2.imag = c2 * sh2
        delta = _clenshaw(_series(_BETA, n), two_cos)
        delta *= sin2
        xi = xi1 - delta.real
        eta = eta1 - delta.imag
        # ξ, η → conformal latitude χ and longitude (Karney 2011, eq. 18, PROJ's etmerc)
        sin_xi, cos_xi = np.sin(xi), np.cos(xi)
        sinh_eta = np.sinh(eta)
        modulus = np.hypot(sinh_eta, cos_xi)
        lon = np.arctan2(sinh_eta, cos_xi)
        lon += math.radians(self.lon0)
        chi = np.arctan2(sin_xi, modulus)
        tmp = 2.0 * modulus / (sinh_eta * sinh_eta + 1.0)
        lat = _geodetic_from_conformal(chi, sin_xi * tmp, tmp * modulus - 1.0, ell)
        return lon, lat


def _q(sinphi: np.ndarray | float, e: float) -> np.ndarray | float:
    """Snyder's q (eq. 3-12) of sin φ: q = q_p · sin β, β the authalic latitude."""
    es = e * e
    return (1.0 - es) * (sinphi / (1.0 - es * sinphi * sinphi)
                         + np.arctanh(e * sinphi) / e)


@dataclass(frozen=True)
class _LambertAzimuthal:
    ellipsoid: _Ellipsoid
    lat0: float
    lon0: float
    x0: float
    y0: float

    def inverse(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ell = self.ellipsoid
        e, es, a = ell.e, ell.es, ell.a
        phi0 = math.radians(self.lat0)
        qp = float(_q(1.0, e))
        sinb1 = float(_q(math.sin(phi0), e)) / qp
        cosb1 = math.sqrt(1.0 - sinb1 * sinb1)
        rq = math.sqrt(qp / 2.0)
        dd = math.cos(phi0) / (math.sqrt(1.0 - es * math.sin(phi0) ** 2) * rq * cosb1)
        xs = (x - self.x0) / a / dd
        ys = (y - self.y0) / a * dd
        rho = np.hypot(xs, ys)
        ce = 2.0 * np.arcsin(0.5 * rho / rq)
        s_ce, c_ce = np.sin(ce), np.cos(ce)
        safe_rho = np.where(rho == 0.0, 1.0, rho)
        sinbeta = np.where(rho == 0.0, sinb1, c_ce * sinb1 + ys * s_ce * cosb1 / safe_rho)
        lon = np.arctan2(xs * s_ce, rho * cosb1 * c_ce - ys * sinb1 * s_ce)
        lon = np.where(rho == 0.0, 0.0, lon) + math.radians(self.lon0)
        # geodetic latitude exactly from q = qp · sin β: Newton's method on sin φ
        # (dq/d sin φ = 2 (1 - e²) / (1 - e² sin² φ)²; Snyder eq. 3-16 in sin φ)
        q = qp * sinbeta
        sinphi = sinbeta
        for _ in range(_MAX_ITER):
            w = 1.0 - es * sinphi * sinphi
            step = (q - _q(sinphi, e)) * (w * w / (2.0 * (1.0 - es)))
            sinphi = np.clip(sinphi + step, -1.0, 1.0)
            if not np.any(np.abs(step) >= _TOL):
                break
        return lon, np.arcsin(sinphi)


@dataclass(frozen=True)
class _LambertConic:
    """Lambert conformal conic with two standard parallels (Snyder 1987, pp. 107-109)."""

    ellipsoid: _Ellipsoid
    lat0: float
    lon0: float
    lat1: float
    lat2: float
    x0: float
    y0: float

    def inverse(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ell = self.ellipsoid
        e = ell.e

        def m(phi: float) -> float:
            return math.cos(phi) / math.sqrt(1.0 - ell.es * math.sin(phi) ** 2)

        def t(phi: float) -> float:  # exp(-ψ), ψ isometric latitude
            s = math.sin(phi)
            return math.tan(math.pi / 4 - phi / 2) / ((1 - e * s) / (1 + e * s)) ** (e / 2)

        p0, p1, p2 = (math.radians(v) for v in (self.lat0, self.lat1, self.lat2))
        nn = (math.log(m(p1)) - math.log(m(p2))) / (math.log(t(p1)) - math.log(t(p2)))
        big_f = m(p1) / (nn * t(p1) ** nn)
        rho0 = ell.a * big_f * t(p0) ** nn
        dx = x - self.x0
        dy = rho0 - (y - self.y0)
        sign = 1.0 if nn > 0 else -1.0
        rho = sign * np.hypot(dx, dy)
        theta = np.arctan2(sign * dx, sign * dy)
        psi = -np.log(rho / (ell.a * big_f)) / nn  # isometric latitude
        taup = np.sinh(psi)  # tan χ
        w = 1.0 / (1.0 + taup * taup)
        lat = _geodetic_from_conformal(np.arctan(taup), 2.0 * taup * w,
                                       (1.0 - taup * taup) * w, ell)
        lon = theta / nn + math.radians(self.lon0)
        return lon, lat


@dataclass(frozen=True)
class _PseudoMercator:
    radius: float = 6378137.0

    def inverse(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return x / self.radius, np.arctan(np.sinh(y / self.radius))


@dataclass(frozen=True)
class _Geographic:
    def inverse(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return np.radians(x), np.radians(y)


_Projection = (_TransverseMercator | _LambertAzimuthal | _LambertConic | _PseudoMercator
               | _Geographic)


def _helmert(lon: np.ndarray, lat: np.ndarray,
             shift: _Helmert) -> tuple[np.ndarray, np.ndarray]:
    """Geographic (height 0) → geocentric → Helmert → geocentric → geographic on WGS 84."""
    src = shift.ellipsoid
    sinlat, coslat = np.sin(lat), np.cos(lat)
    nu = src.a / np.sqrt(1.0 - src.es * sinlat * sinlat)
    x = nu * coslat * np.cos(lon)
    y = nu * coslat * np.sin(lon)
    z = nu * (1.0 - src.es) * sinlat
    rx, ry, rz = shift.rx * _ARCSEC, shift.ry * _ARCSEC, shift.rz * _ARCSEC
    m = 1.0 + shift.s * 1e-6
    # position vector convention, small-angle rotation matrix (PROJ's helmert default)
    x2 = m * (x - rz * y + ry * z) + shift.tx
    y2 = m * (rz * x + y - rx * z) + shift.ty
    z2 = m * (-ry * x + rx * y + z) + shift.tz
    return _geodetic(x2, y2, z2, _WGS84)


def _geodetic(x: np.ndarray, y: np.ndarray, z: np.ndarray,
              ell: _Ellipsoid) -> tuple[np.ndarray, np.ndarray]:
    """Longitude and latitude of geocentric coordinates (height dropped): Bowring's
    formula iterated on the parametric latitude β until the latitude changes by less
    than 1e-14 rad; sines and cosines come from tangents, without trigonometry."""
    a, es, f = ell.a, ell.es, ell.f
    b = a * (1.0 - f)
    eps = es / (1.0 - es)  # second eccentricity squared
    p = np.hypot(x, y)
    lon = np.arctan2(y, x)
    sin_b, cos_b = z * a, p * b  # tan β, as an unnormalised sine/cosine pair
    lat = None
    for _ in range(_MAX_ITER):
        norm = 1.0 / np.sqrt(sin_b * sin_b + cos_b * cos_b)
        sin_b *= norm
        cos_b *= norm
        num = z + eps * b * sin_b * sin_b * sin_b
        den = p - es * a * cos_b * cos_b * cos_b
        new = np.arctan2(num, den)
        done = lat is not None and not np.any(np.abs(new - lat) >= _TOL)
        lat = new
        if done:
            break
        sin_b, cos_b = (1.0 - f) * num, den  # tan β = (1 - f) tan φ
    return lon, lat


@dataclass(frozen=True)
class _Crs:
    projection: _Projection
    shift: _Helmert | None = None


def _utm(ell: _Ellipsoid, zone: int, x0: float = 500000.0) -> _TransverseMercator:
    return _TransverseMercator(ell, 6.0 * zone - 183.0, 0.9996, x0)


def _table() -> dict[int, _Crs]:
    table: dict[int, _Crs] = {}
    for zone in range(28, 39):  # ETRS89 / UTM zone 28N-38N
        table[25800 + zone] = _Crs(_utm(_GRS80, zone))
    for zone in range(28, 38):  # ETRS89 / UTM zone 28N-37N (N-E)
        table[3012 + zone] = _Crs(_utm(_GRS80, zone))
    for zone in range(1, 61):  # WGS 84 / UTM zone 1N-60N
        table[32600 + zone] = _Crs(_utm(_WGS84, zone))
    # ETRS89 / UTM with the zone number before the false easting: (zE-N) and (N-zE)
    for code, zone in ((5649, 31), (4647, 32), (5650, 33), (5651, 31), (5652, 32),
                       (5653, 33)):
        table[code] = _Crs(_utm(_GRS80, zone, zone * 1e6 + 500000.0))
    for zone in range(2, 6):  # DHDN / 3-degree Gauss-Krüger zone 2-5, also (E-N)
        gk = _TransverseMercator(_BESSEL, 3.0 * zone, 1.0, zone * 1e6 + 500000.0)
        table[31464 + zone] = table[5674 + zone] = _Crs(gk, _DHDN_WGS84)
    table[3035] = _Crs(_LambertAzimuthal(_GRS80, 52.0, 10.0, 4321000.0, 3210000.0))
    table[3034] = _Crs(_LambertConic(_GRS80, 52.0, 10.0, 35.0, 65.0, 4000000.0, 2800000.0))
    lcc_germany = _LambertConic(_GRS80, 51.0, 10.5, 48 + 2 / 3, 53 + 2 / 3, 0.0, 0.0)
    table[5243] = table[4839] = _Crs(lcc_germany)
    table[3857] = _Crs(_PseudoMercator())
    table[4326] = table[4258] = _Crs(_Geographic())
    table[4314] = _Crs(_Geographic(), _DHDN_WGS84)
    return table


_CRS = _table()

#: EPSG codes :func:`to_lonlat` converts.
SUPPORTED: frozenset[int] = frozenset(_CRS)


def supports(epsg: int | None) -> bool:
    """Whether :func:`to_lonlat` converts coordinates of this EPSG code.

    Parameters
    ----------
    epsg : int or None
        EPSG code of the coordinate reference system; None (unknown) is not supported.

    Returns
    -------
    bool
        True if the code is in :data:`SUPPORTED`.

    Examples
    --------
    >>> supports(25832), supports(3035), supports(9999), supports(None)
    (True, True, False, False)
    """
    if epsg is None or isinstance(epsg, bool):
        return False
    try:
        return int(epsg) == epsg and int(epsg) in SUPPORTED
    except (TypeError, ValueError):
        return False


def to_lonlat(xy: np.ndarray, epsg: int) -> np.ndarray:
    """Convert coordinates of a supported coordinate reference system to WGS 84 lon/lat.

    Parameters
    ----------
    xy : numpy.ndarray
        Array of shape (n, 2): easting and northing (x, y) in metres for projected
        systems, longitude and latitude in degrees for geographic ones, in this order
        whatever the axis order of the EPSG definition. It is not modified.
    epsg : int
        EPSG code of the coordinates, one of :data:`SUPPORTED`.

    Returns
    -------
    numpy.ndarray
        New float array of shape (n, 2): longitude and latitude in degrees on WGS 84
        (ETRS89 taken as WGS 84). Points outside the projection's domain are NaN.

    Raises
    ------
    ValueError
        If the EPSG code is not supported (the message names it) or ``xy`` does not
        have shape (n, 2).

    Examples
    --------
    >>> import numpy as np
    >>> gk = np.array([[3500000.0, 5500000.0], [3600000.0, 5600000.0]])
    >>> np.round(to_lonlat(gk, 31467), 5)  # DHDN / Gauss-Krüger zone 3, shifted to WGS 84
    array([[ 8.99896, 49.63671],
           [10.40925, 50.52721]])
    >>> to_lonlat(np.empty((0, 2)), 25833).shape
    (0, 2)
    """
    if not supports(epsg):
        raise ValueError(f"coordinate reference system EPSG:{epsg} is not supported for "
                         "the conversion to longitude/latitude (geosozial.maps.lonlat)")
    crs = _CRS[int(epsg)]
    arr = np.asarray(xy, dtype=np.float64)
    if arr.size == 0:
        return np.empty((0, 2), dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(f"coordinates must have shape (n, 2), not {arr.shape}")
    if isinstance(crs.projection, _Geographic) and crs.shift is None:
        return arr.copy()
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        lon, lat = crs.projection.inverse(arr[:, 0], arr[:, 1])
        if crs.shift is not None:
            lon, lat = _helmert(lon, lat, crs.shift)
        out = np.empty((len(arr), 2), dtype=np.float64)
        out[:, 0] = np.degrees(lon)
        out[:, 1] = np.degrees(lat)
    out[np.isnan(out).any(axis=1)] = np.nan
    wrap = np.abs(out[:, 0]) > 180.0  # only beyond the antimeridian (UTM zones 1 and 60)
    if wrap.any():
        out[wrap, 0] = (out[wrap, 0] + 180.0) % 360.0 - 180.0
    return out
