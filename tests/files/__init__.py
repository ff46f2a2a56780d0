"""Files from SQL: read_* table functions, FROM 'file', COPY, EXPORT/IMPORT and the access setting."""
