"""TIME, a time of day (DuckDB's TIME: int64 microseconds since midnight): its casts, parts,
differences, arithmetic and constructors. The text forms and tensor code are tqp/kernels/times.py.

TIME ± INTERVAL wraps around midnight and takes only the interval's time (a day or a month moves
a TIME nowhere), DATE + TIME is the TIMESTAMP of that date and time, and TIME - TIME is refused,
all as DuckDB does. Where tqp differs: a TIMESTAMPTZ casts to the TIME its wall clock shows in the
session's zone (DuckDB casts it through TIMETZ only), and current_time / get_current_time() give
that zone's TIME, not DuckDB's TIME WITH TIME ZONE, which tqp does not have. A 24:00:00 comes
to Python as the text '24:00:00' (no datetime.time holds it), as from DuckDB, but written as a
constant inside a LIST or STRUCT literal it is held as 00:00:00 (a datetime.time). avg(TIME) divides
in DOUBLE: past 2**53 microseconds in all (a hundred thousand full days) a half may round the
other way.

>>> import tqp
>>> con = tqp.connect()
>>> con.execute("SELECT TIME '23:30' + INTERVAL 45 MINUTE, hour(TIME '10:11:12'), "
...             "CAST(DATE '2024-02-29' + TIME '10:11:12.5' AS VARCHAR), make_time(1, 2, 3.25)").fetchall()
[(datetime.time(0, 15), 10, '2024-02-29 10:11:12.5', datetime.time(1, 2, 3, 250000))]
"""
from __future__ import annotations

import datetime as dt
from dataclasses import replace

import torch
from sqlglot import exp

from .. import types as T
from ..column import Column, and_validity
from ..compile import expr as C
from ..errors import DataError, ProgrammingError
from ..kernels import dates as D
from ..kernels import times as K
from ..plan.nodes import Call, Expr, Lit, Slot
from ..sql import expressions as X
from . import Function, register
from .signature import arity, coerce, is_null

_STAMPS = ("TIMESTAMP", "TIMESTAMPTZ")


def _entry(name, signature, description, example, bind, kernel=None, aliases=(), nodes=()):
    register(Function(name, signature, description, example, bind, kernel, aliases, nodes, family="date"))


# ---------------------------------------------------------------- values and casts

def micros_of(value: dt.time) -> int:
    """A Python time's microseconds since midnight (its tzinfo, if any, is refused by the caller)."""
    return ((value.hour * 60 + value.minute) * 60 + value.second) * 1_000_000 + value.microsecond


def castable(frm: T.SqlType, to: T.SqlType) -> bool:
    """Whether DuckDB casts between these types where one is TIME: text both ways, a timestamp to its time."""
    return frm.is_string or to.is_string or frm.kind in _STAMPS and to.kind == "TIME" or frm.kind == "NULL"


def cast_value(v, frm: T.SqlType, to: T.SqlType):
    """CAST of one constant to or from TIME (ValueError for text that is no time)."""
    if not castable(frm, to):
        raise ProgrammingError(f"cannot cast {frm} to {to}")
    if frm.is_string:
        return K.parse_time(v)
    if to.is_string:
        return K.format_time(v)
    if frm.kind == "TIMESTAMPTZ":
        from .dates import cast_zoned_value
        v = cast_zoned_value(v, frm, T.TIMESTAMP)
    return v % K.US_DAY


def time_of_day(a: Column) -> Column:
    """A TIMESTAMP (TIMESTAMPTZ: in the session's zone) column's time of day."""
    if a.type.kind == "TIMESTAMPTZ":
        from .dates import cast_zoned
        a = cast_zoned(a, T.TIMESTAMP)
    return Column(T.TIME, K.wrap(a.data), a.validity)


# ---------------------------------------------------------------- parts and differences

def _time_arg(name: str, e: Expr) -> Expr:
    if e.type.is_string and isinstance(e, Lit):
        return X.cast(e, T.TIME)
    if e.type.kind not in ("TIME", "NULL"):
        raise ProgrammingError(f"{name}() cannot mix TIME with {e.type}")
    return e


def _time_part(name: str, field: str) -> str:
    if field not in K.TIME_PARTS:
        raise ProgrammingError(f'{name}(): a TIME has no "{field}"; it has {", ".join(K.TIME_PARTS)}')
    return field


def extract(field: str, e: Expr) -> Expr:
    """EXTRACT(field FROM a TIME): BIGINT, DOUBLE seconds for epoch."""
    out = T.DOUBLE if _time_part("extract", field) == "epoch" else T.BIGINT
    return Lit(None, out) if is_null(e) else Call("time_part", (e,), out, (field,))


def _part_kernel(args, e, ctx):
    a = args[0]
    return Column(e.type, K.time_field(e.params[0], a.data), a.validity)


def date_part_per_row(part: Expr, x: Expr) -> Expr:
    """date_part(part, TIME) with a part per row: DOUBLE, as DuckDB gives it."""
    return Call("time_part_per_row", (part, x), T.DOUBLE)


def _part_per_row_kernel(args, e, ctx):
    part, x = args
    names = C.dict_values(part)
    fields = [D.part_name(str(v)) for v in names]
    for value, field in zip(names, fields):  # a value the rows hold: DataError, as the date kernel's
        if field not in K.TIME_PARTS:
            raise DataError(f'date_part(): a TIME has no "{value}"; it has {", ".join(K.TIME_PARTS)}')
    codes = C.gather_codes(part, len(names)).expand(torch.broadcast_shapes(part.data.shape, x.data.shape))
    out = torch.zeros(codes.shape, dtype=torch.float64, device=x.device)
    for i, field in enumerate(fields):  # once per distinct part
        out = torch.where(codes == i, K.time_field(field, x.data).to(torch.float64), out)
    return Column(T.DOUBLE, out, and_validity(part.validity, x.validity))


def diff(name: str, part: str | None, start: Expr, end: Expr) -> Expr:
    """date_diff / date_sub (part, TIME, TIME): BIGINT."""
    start, end = _time_arg(name, start), _time_arg(name, end)
    if part is None or is_null(start) or is_null(end):
        return Lit(None, T.BIGINT)
    if part not in K.DIFF_PARTS:
        raise ProgrammingError(f'{name}(): a TIME has no "{part}"; it has {", ".join(K.DIFF_PARTS)}')
    return Call("time_diff", (start, end), T.BIGINT, (part, name == "date_sub"))


def _diff_kernel(args, e, ctx):
    start, end = args
    return Column(T.BIGINT, K.time_diff(e.params[0], start.data, end.data, e.params[1]),
                  and_validity(start.validity, end.validity))


# ---------------------------------------------------------------- arithmetic

def plus_interval(base: Expr, micros: int) -> Expr:
    """TIME + a constant interval's microseconds (its days and months move a TIME nowhere)."""
    if isinstance(base, Slot):  # moved again from each execution's value
        return base.derived(lambda lit: plus_interval(lit, micros), ("time+interval", micros))
    if isinstance(base, Lit):
        return Lit(None if base.value is None else (base.value + micros) % K.US_DAY, T.TIME)
    return Call("time_add", (base, Lit(micros, T.INTERVAL)), T.TIME, (1,))


def arith(op: str, a: Expr, c: Expr) -> Expr:
    """+ and - where an operand is a TIME: TIME ± INTERVAL, INTERVAL + TIME, DATE + TIME."""
    ta, tc = a.type.kind, c.type.kind
    if op == "add" and {ta, tc} == {"DATE", "TIME"}:
        d, t = (a, c) if ta == "DATE" else (c, a)
        return Call("date_plus_time", (d, t), T.TIMESTAMP)
    if op in ("add", "sub") and ta == "TIME" and tc in ("INTERVAL", "NULL") or op == "add" and ta == "INTERVAL":
        t, iv = (a, c) if ta == "TIME" else (c, a)
        if is_null(t) or is_null(iv):
            return Lit(None, T.TIME)
        return Call("time_add", (t, iv), T.TIME, (1 if op == "add" else -1,))
    raise ProgrammingError(f"cannot apply {X._OPSYM[op]} to {a.type} and {c.type}")


def _add_kernel(args, e, ctx):
    t, iv = args
    return Column(T.TIME, K.wrap(t.data + e.params[0] * iv.data), and_validity(t.validity, iv.validity))


def _date_plus_time(args, e, ctx):
    d, t = args
    valid = and_validity(d.validity, t.validity)
    return Column(T.TIMESTAMP, C._in_date_range(d.data.to(torch.int64) * K.US_DAY + t.data, valid, True), valid)


def micros(t: Expr) -> Expr:
    """A TIME's microseconds since midnight as BIGINT (no cast DuckDB has: avg's input)."""
    return Call("time_micros", (t,), T.BIGINT)


def average(mean: Expr) -> Expr:
    """avg(TIME): the mean microseconds (a DOUBLE) as DuckDB rounds them, a half down."""
    return Call("time_of_mean", (mean,), T.TIME)


def _micros_kernel(args, e, ctx):
    return replace(args[0], type=T.BIGINT)


def _of_mean_kernel(args, e, ctx):
    m = args[0]
    return Column(T.TIME, torch.ceil(m.data - 0.5).to(torch.int64), m.validity)


# ---------------------------------------------------------------- construction and the current time

def _make_time_bind(*args):
    arity("make_time", args, 3, 3, "make_time(hour, minute, seconds)")
    args = [coerce("make_time", i + 1, X.cast(a, T.BIGINT) if a.type.is_string and isinstance(a, Lit) else a,
                   "BIGINT" if i < 2 else "DOUBLE") for i, a in enumerate(args)]  # ('1', as DuckDB reads it)
    return Lit(None, T.TIME) if any(is_null(a) for a in args) else Call("make_time", tuple(args), T.TIME)


def _make_time(args, e, ctx):
    h, m, s = (a.data for a in args)
    valid = and_validity(*[a.validity for a in args])
    finite = torch.isfinite(s)
    s = torch.where(finite, s, 0.0)
    micros = (h * 60 + m) * 60_000_000 + torch.round(s * 1e6).to(torch.int64)
    bad = ~finite | (h < 0) | (h > 24) | (m < 0) | (m > 59) | (s < 0) | (s >= 61) | (micros > K.US_DAY)
    C._out_of_range(bad, valid, "make_time(): time out of range (hour 0-24, minute 0-59, seconds 0-60, "
                                "at most 24:00:00)")
    return Column(T.TIME, torch.where(bad, 0, micros), valid)


def _now_bind(*args):
    arity("current_time", args, 0, 0)
    return Call("current_time", (), T.TIME)


def _now(args, e, ctx):
    from .dates import _now as statement_time  # the one time a statement sees, in the session's zone
    local = statement_time(args, Call("now", (), T.TIMESTAMP), ctx)
    return Column(T.TIME, K.wrap(local.data), local.validity)


_entry("make_time", "make_time(BIGINT hour, BIGINT minute, DOUBLE seconds) → TIME",
       "The time of day of its parts (seconds rounded to microseconds; 24:00:00 at most).",
       "make_time(13, 45, 10.5) → 13:45:10.5", _make_time_bind, _make_time, nodes=(exp.TimeFromParts,))
_entry("current_time", "current_time → TIME",
       "The session zone's time of day the statement started (DuckDB's is a TIME WITH TIME ZONE).",
       "current_time", _now_bind, _now, ("get_current_time", "current_localtime", "localtime"),
       (exp.CurrentTime, exp.Localtime))

C.op("time_part")(_part_kernel)  # operators the binder's EXTRACT, date_diff and arithmetic produce on TIME
C.op("time_part_per_row")(_part_per_row_kernel)
C.op("time_diff")(_diff_kernel)
C.op("time_add")(_add_kernel)
C.op("date_plus_time")(_date_plus_time)
C.op("time_micros")(_micros_kernel)
C.op("time_of_mean")(_of_mean_kernel)
