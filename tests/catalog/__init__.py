"""Catalog statements: DESCRIBE, SHOW, information_schema, ALTER TABLE, temporary tables."""
