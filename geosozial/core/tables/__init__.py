"""Indicator tables: GENESIS/Regionalstatistik classic and flat CSV, XLSX, plain CSV/XLSX."""
