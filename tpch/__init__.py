"""TPC-H for tqp: data generation (tpchgen-cli), the 22 queries, result verification
and the benchmark against DuckDB, Polars and DataFusion.

Example::

    python -m tpch gen --sf 1
    python -m tpch run --sf 0.1 --device auto

    >>> from tpch.runner import query_sql
    >>> query_sql(6).splitlines()[0]
    '-- TPC-H Q6: forecasting revenue change (DATE = 1994-01-01, DISCOUNT = 0.06, QUANTITY = 24)'
"""
