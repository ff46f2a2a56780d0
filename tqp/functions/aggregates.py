"""Aggregate functions: names, result types and the implementation each maps to. The
aggregates themselves run in the physical layer (AggCall.func names them there).

>>> from tqp.functions import lookup
>>> lookup("sum").result(T.DECIMAL(15, 2)), lookup("count").result(T.VARCHAR)
(DECIMAL(38,2), BIGINT)
"""
from __future__ import annotations

from sqlglot import exp

from .. import types as T
from . import Aggregate, register


def _sum_type(t: T.SqlType) -> T.SqlType:
    return T.DECIMAL(38, t.scale) if t.is_decimal else T.DOUBLE if t.is_float else T.BIGINT


def _agg(name, signature, description, example, result, aliases=(), nodes=(), numeric_only=True):
    register(Aggregate(name, signature, description, example, result, aliases, nodes, numeric_only, name))


_agg("count", "count(ANY) → BIGINT, count(*) → BIGINT", "Number of non-NULL values (count(*): of rows).",
     "count(DISTINCT x)", lambda t: T.BIGINT, nodes=(exp.Count,), numeric_only=False)
_agg("sum", "sum(NUMBER) → BIGINT | DECIMAL(38, s) | DOUBLE", "Sum of the non-NULL values.", "sum(price)",
     _sum_type, nodes=(exp.Sum,))
_agg("avg", "avg(NUMBER) → DOUBLE", "Mean of the non-NULL values.", "avg(price)", lambda t: T.DOUBLE,
     ("mean",), (exp.Avg,))
_agg("min", "min(ANY) → same type", "Smallest non-NULL value.", "min(name)", lambda t: t, nodes=(exp.Min,),
     numeric_only=False)
_agg("max", "max(ANY) → same type", "Largest non-NULL value.", "max(name)", lambda t: t, nodes=(exp.Max,),
     numeric_only=False)
_agg("stddev_samp", "stddev_samp(NUMBER) → DOUBLE", "Sample standard deviation.", "stddev_samp(x)",
     lambda t: T.DOUBLE, ("stddev",), (exp.Stddev, exp.StddevSamp))
_agg("stddev_pop", "stddev_pop(NUMBER) → DOUBLE", "Population standard deviation.", "stddev_pop(x)",
     lambda t: T.DOUBLE, nodes=(exp.StddevPop,))
_agg("var_samp", "var_samp(NUMBER) → DOUBLE", "Sample variance.", "var_samp(x)", lambda t: T.DOUBLE,
     ("variance",), (exp.Variance,))
_agg("var_pop", "var_pop(NUMBER) → DOUBLE", "Population variance.", "var_pop(x)", lambda t: T.DOUBLE,
     nodes=(exp.VariancePop,))
