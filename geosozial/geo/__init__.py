"""The geopandas front door: geometries, frames <-> core columns, simplification, I/O."""
