"""Differential tests against DuckDB (a package so module names cannot collide with other test folders)."""
