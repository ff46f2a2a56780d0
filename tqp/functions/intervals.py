"""Intervals from numbers (to_days, to_months, ...), calendar months of a non-constant count,
time_bucket and era.

tqp's INTERVAL is microseconds with a month counted as 30 days (tqp/functions/dates.py), so
to_months(x) on its own is x * 30 days, as DuckDB hands such an interval to Python. Added to or
subtracted from a DATE or TIMESTAMP directly, to_months(x) / to_years(x) / INTERVAL (x) MONTH
move by calendar months per row instead (the day clamped to the month's end, as DuckDB does);
a month count computed further (to_months(x) * 2) is refused there.

>>> import tqp
>>> con = tqp.connect()
>>> con.register("t", {"n": [1, 2]})
>>> [r[0].date().isoformat() for r in con.execute("SELECT DATE '2024-01-31' + to_months(n) FROM t").fetchall()]
['2024-02-29', '2024-03-31']
>>> con.execute("SELECT time_bucket(INTERVAL '15 minutes', TIMESTAMP '2024-01-01 10:37')").fetchall()
[(datetime.datetime(2024, 1, 1, 10, 30),)]
"""
from __future__ import annotations

import torch
from sqlglot import exp

from .. import types as T
from ..column import Column, and_validity
from ..compile import expr as C
from ..errors import DataError, NotSupportedError, ProgrammingError
from ..kernels import dates as D
from ..plan.nodes import Call, Expr, Lit
from ..sql import expressions as X
from . import Function, register
from .dates import US_DAY, US_MONTH, _micros, interval_constant, temporal
from .signature import arity, coerce, is_null

_INT64_MAX = (1 << 63) - 1

# name -> (argument kind, months per unit, microseconds per unit), DuckDB's signatures
_UNITS = {
    "to_millennia": ("INTEGER", 12000, 0), "to_centuries": ("INTEGER", 1200, 0), "to_decades": ("INTEGER", 120, 0),
    "to_years": ("INTEGER", 12, 0), "to_quarters": ("INTEGER", 3, 0), "to_months": ("INTEGER", 1, 0),
    "to_weeks": ("INTEGER", 0, 7 * US_DAY), "to_days": ("INTEGER", 0, US_DAY),
    "to_hours": ("BIGINT", 0, 3_600_000_000), "to_minutes": ("BIGINT", 0, 60_000_000),
    "to_seconds": ("DOUBLE", 0, 1_000_000), "to_milliseconds": ("DOUBLE", 0, 1000), "to_microseconds": ("BIGINT", 0, 1),
}


def months_interval(count: Expr, months: int) -> Expr:
    """count * `months` calendar months: an INTERVAL of 30-day months on its own, calendar
    months where it is added to a date (`add_months`)."""
    return Call("months_interval", (X.cast(count, T.BIGINT),), T.INTERVAL, (months,))


def add_months(base: Expr, iv: Call, sign: int) -> Expr:
    """A DATE / TIMESTAMP plus sign * a months_interval, as calendar months per row."""
    return Call("add_months", (base, iv.args[0]), T.TIMESTAMP, (sign * iv.params[0],))


def _to_unit(name):
    kind, months, micros = _UNITS[name]

    def bind(*args):
        arity(name, args, 1, 1)
        n = coerce(name, 1, args[0], kind)
        if is_null(n):
            return Lit(None, T.INTERVAL)
        if months:
            return months_interval(n, months)
        return Call("to_interval", (n,), T.INTERVAL, (micros, name[3:]))
    return bind


def _to_interval(args, e, ctx):
    n, (per, unit) = args[0], e.params
    if n.type.is_float:
        x = n.data.to(torch.float64) * per
        bad = ~(x.abs() < 9.2e18)
        data = torch.round(torch.where(bad, 0.0, x)).to(torch.int64)  # (C's nearbyint: half to even)
    else:
        bad = n.data.to(torch.int64).abs() > _INT64_MAX // per
        data = torch.where(bad, 0, n.data.to(torch.int64)) * per
    _check(bad, n, unit)
    return Column(T.INTERVAL, data, n.validity)


def _check(bad, n: Column, unit: str):
    if n.validity is not None:
        bad = bad & n.validity
    if bad.numel() and bool(bad.any()):
        value = n.data.reshape(-1)[torch.nonzero(bad.reshape(-1))[0]].item()
        raise DataError(f"Interval value {value} {unit} out of range (tqp's INTERVAL holds about ±292,000 years)")


def _months_interval(args, e, ctx):
    n, months = args[0], e.params[0]
    per = months * US_MONTH
    bad = n.data.abs() > _INT64_MAX // per
    _check(bad, n, "months")
    return Column(T.INTERVAL, torch.where(bad, 0, n.data) * per, n.validity)


def _add_months(args, e, ctx):
    base, n = args
    valid = and_validity(base.validity, n.validity)
    count = n.data.to(torch.int64) * e.params[0]
    C._out_of_range(count.abs() > 120_000, valid, "timestamp out of range: tqp holds years 1 to 9999")
    count = count.clamp(-120_000, 120_000)
    if base.type.kind == "DATE":
        ts = D.add_months(base.data.to(torch.int64), count) * US_DAY
    else:
        ts = D.add_months(base.data, count, is_timestamp=True)
    return Column(T.TIMESTAMP, C._in_date_range(ts, valid, True), valid)


for _name, (_kind, _months, _micros_per) in _UNITS.items():
    _unit = _name[3:]
    register(Function(_name, f"{_name}({_kind}) → INTERVAL",
                      f"An interval of that many {_unit}" + (" (calendar months where added to a date)." if _months
                                                            else "."),
                      f"{_name}(2)", _to_unit(_name), _to_interval if not _months else None,
                      nodes=(exp.ToDays,) if _name == "to_days" else (), family="date"))
C.op("to_interval")(_to_interval)
C.op("months_interval")(_months_interval)
C.op("add_months")(_add_months)


# ---------------------------------------------------------------- time_bucket

_DEFAULT_ORIGIN_US = 10_959 * US_DAY  # 2000-01-03, a Monday (DuckDB's origin for day and time widths)
_DEFAULT_ORIGIN_MONTH = 2000 * 12  # 2000-01 (for month widths)


def _bucket_bind(b, nodes):
    arity("time_bucket", nodes, 2, 3, "time_bucket(interval, date [, origin])")
    width_e = b.bind(nodes[0])
    ts = temporal("time_bucket", 2, b.bind(nodes[1]))
    origin = b.bind(nodes[2]) if len(nodes) > 2 else None
    if is_null(width_e) or is_null(ts) or origin is not None and is_null(origin):
        return Lit(None, ts.type if ts.type.is_temporal else T.TIMESTAMP)
    if width_e.type.kind != "INTERVAL":
        raise ProgrammingError(f"time_bucket() argument 1 must be an INTERVAL, not {width_e.type}")
    width = interval_constant(b, nodes[0])
    if width is None:
        raise NotSupportedError("time_bucket() with a non-constant bucket width")
    months, days, micros = width
    if months and (days or micros):
        raise NotSupportedError("time_bucket(): Month intervals cannot have day or time component")
    if months < 0 or not months and days * US_DAY + micros <= 0:
        raise DataError("time_bucket(): Period must be greater than 0")
    offset, args, out = (0, 0), (ts,), ts.type
    if origin is not None and origin.type.kind == "INTERVAL":
        iv = interval_constant(b, nodes[2])
        if iv is None:
            raise NotSupportedError("time_bucket() with a non-constant offset")
        offset = (iv[0], iv[1] * US_DAY + iv[2])
    elif origin is not None:
        origin = temporal("time_bucket", 3, origin)
        args += (X.cast(origin, T.TIMESTAMP),)
        if origin.type.kind == "TIMESTAMP":
            out = T.TIMESTAMP
    return Call("time_bucket", args, out, (months, days * US_DAY + micros) + offset)


def _bucket(args, e, ctx):
    months, width, off_months, off_us = e.params
    t = _micros(args[0])
    valid = and_validity(*[a.validity for a in args])
    if off_months:
        t = D.add_months(t, -off_months, is_timestamp=True)
    t = t - off_us
    if months:
        y, m, _ = D._civil64(D._fdiv(t, US_DAY))
        index = y * 12 + m - 1
        start = _DEFAULT_ORIGIN_MONTH
        if len(args) > 1:
            oy, om, _ = D._civil64(D._fdiv(args[1].data, US_DAY))
            start = oy * 12 + om - 1
        index = start + D._fdiv(index - start, months) * months
        first = D._days64(D._fdiv(index, 12), index % 12 + 1, torch.ones_like(index))
        out = first * US_DAY
    else:
        origin = args[1].data if len(args) > 1 else _DEFAULT_ORIGIN_US
        out = origin + D._fdiv(t - origin, width) * width
    if off_months:
        out = D.add_months(out, off_months, is_timestamp=True)
    out = C._in_date_range(out + off_us, valid, True)
    if e.type.kind == "DATE":
        out = D._fdiv(out, US_DAY).to(torch.int32)
    return Column(e.type, out, valid)


register(Function("time_bucket", "time_bucket(INTERVAL width, DATE | TIMESTAMP [, origin | INTERVAL offset]) → "
                  "same type", "The start of the width-long bucket holding x, counted from the origin (default "
                  "2000-01-03 for day and time widths, 2000-01 for months; a month width uses only the origin's "
                  "month), or shifted by the offset.", "time_bucket(INTERVAL '1 hour', ts)", _bucket_bind, _bucket,
                  nodes=(exp.DateBin,), raw=True, family="date"),
         lambda node: ("time_bucket", [node.this, node.expression]
                       + [exp.column(a.name) if isinstance(a, exp.Var) else a  # (sqlglot reads a bare origin column as a unit)
                          for a in (node.args.get("unit"), node.args.get("origin")) if a is not None]))

