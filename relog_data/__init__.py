"""relog data layer: database, import/export, indicators, geo.

This package never imports streamlit: pages call it, it calls DuckDB.
"""
