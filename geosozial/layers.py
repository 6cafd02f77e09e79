"""The layer rules of the package: which layer may import what (one home for them).

Data flows one way: ``kernel`` <- ``core`` <- the doors (``geo`` for geopandas, the QGIS
plugin) -> ``maps`` -> ``atlas`` -> ``pipeline`` -> ``cli``. The layers that run inside QGIS
(:data:`QGIS_SAFE`) import only the standard library, numpy, scipy and each other; the
plugin zip carries exactly them (``scripts/build_plugin.py``), and the import-contract
test (``tests/test_layers.py``) checks every module against these rules.

Example:
    >>> layer_of("geosozial.core.join"), layer_of("geosozial.api")
    ('core', 'api')
    >>> may_import("core", "geosozial.kernel.weights"), may_import("core", "pandas")
    (True, False)
"""

from __future__ import annotations

#: geosozial layers each layer may import (besides itself)
INTERNAL: dict[str, frozenset[str]] = {
    "root": frozenset(),  # geosozial/__init__.py: lazy attribute access only
    "kernel": frozenset(),
    "core": frozenset({"kernel", "root"}),
    "maps": frozenset({"kernel", "core", "root"}),
    "geo": frozenset({"kernel", "core", "maps", "root"}),
    # the static atlas, from a run's store and maps (no door: it runs inside QGIS too)
    "atlas": frozenset({"kernel", "core", "maps", "root"}),
    "pipeline": frozenset({"kernel", "core", "maps", "geo", "atlas", "root"}),
    "api": frozenset({"kernel", "core", "maps", "geo", "pipeline", "atlas", "root"}),
    "cli": frozenset({"kernel", "core", "maps", "geo", "pipeline", "atlas", "api", "root"}),
    "layers": frozenset(),
}

#: third-party packages a layer may import at module level (the standard library always)
EXTERNAL: dict[str, frozenset[str]] = {
    "root": frozenset(),
    "kernel": frozenset({"numpy", "scipy"}),
    "core": frozenset({"numpy", "scipy"}),
    "maps": frozenset({"numpy", "scipy", "folium", "branca", "jinja2", "markupsafe"}),
    "atlas": frozenset({"numpy", "scipy"}),
    "layers": frozenset(),
}

#: imports that QGIS-safe layers may make only inside a function (optional features
#: outside QGIS: the Moran scatter plot needs matplotlib, conversion to libpysal needs it)
LAZY_ONLY: dict[str, frozenset[str]] = {"maps": frozenset({"matplotlib"}),
                                         "kernel": frozenset({"libpysal"}),
                                         # TOML before Python 3.11 (pure Python)
                                         "core": frozenset({"tomli"}),
                                         # the PDF engine (a wheel: not inside QGIS)
                                         "atlas": frozenset({"typst"})}

#: layers that run inside QGIS and go into the plugin zip
QGIS_SAFE = ("root", "kernel", "core", "maps", "atlas")

#: what must never be imported inside QGIS (binary wheels that clash with QGIS' own
#: GDAL/PROJ/GEOS, or packages QGIS does not ship)
FORBIDDEN_IN_QGIS = frozenset({"pandas", "geopandas", "shapely", "pyproj", "pyogrio", "fiona",
                               "rasterio", "osgeo", "openpyxl"})


def layer_of(module: str) -> str:
    """The layer of a geosozial module name (``geosozial.core.join`` -> ``core``).

    Examples
    --------
    >>> layer_of("geosozial"), layer_of("geosozial.cli.maps")
    ('root', 'cli')
    """
    parts = module.split(".")
    if parts[0] != "geosozial":
        raise ValueError(f"{module} is not a geosozial module")
    if len(parts) == 1 or parts[1] == "__init__":
        return "root"
    return parts[1]


def may_import(layer: str, module: str, *, lazy: bool = False) -> bool:
    """True if code in ``layer`` may import ``module`` (``lazy``: inside a function).

    Layers outside :data:`EXTERNAL` (geo, pipeline, api, cli) may import any third-party
    package; geosozial modules follow :data:`INTERNAL`.

    Examples
    --------
    >>> may_import("maps", "matplotlib.pyplot"), may_import("maps", "matplotlib", lazy=True)
    (False, True)
    >>> may_import("maps", "geosozial.geo.mapdoc"), may_import("geo", "shapely")
    (False, True)
    """
    top = module.split(".")[0]
    if top == "geosozial":
        target = layer_of(module)
        return target == layer or target in INTERNAL.get(layer, frozenset())
    if layer not in EXTERNAL:
        return True
    if top in EXTERNAL[layer]:
        return True
    return lazy and top in LAZY_ONLY.get(layer, frozenset())
