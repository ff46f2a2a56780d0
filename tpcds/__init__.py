"""TPC-DS for tqp: data generation (tpcgen-cli), the 99 queries, verification against DuckDB
and the benchmark, beside ``tpch`` and built from its pieces.

``tpcds/queries/qNN.sql`` are the 99 query texts as DuckDB's tpcds extension (v1.5.5,
``SELECT * FROM tpcds_queries()``) generates them from TPC's templates with the
specification's qualification parameters, one statement each (the first of Q14, Q23, Q24
and Q39's two), so running them needs no extension.

Example::

    python -m tpcds gen --sf 1
    python -m tpcds run --sf 0.1 --engines tqp,duckdb --timeout 120

    >>> from tpcds.runner import query_sql
    >>> query_sql(96).split()[:4]
    ['SELECT', 'count(*)', 'FROM', 'store_sales']
"""
