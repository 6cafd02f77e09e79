"""Every rule, once: keys, symbols, tables, join, Sozialräume, confidentiality, indicators.

Importable inside QGIS: the standard library and numpy only (the kernel for weights),
no pandas, geopandas, shapely, pyproj or QGIS. The geopandas door (:mod:`geosozial.geo`)
and the QGIS plugin adapt their inputs to these functions and back.
"""
