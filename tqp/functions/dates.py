"""Date and time functions with DuckDB's semantics and result types, and INTERVAL values.

DATE is int32 days and TIMESTAMP int64 microseconds since 1970-01-01; the calendar arithmetic
is in tqp/kernels/dates.py. INTERVAL is int64 microseconds with a month counted as 30 days and
a day as 24 hours: the normalized value DuckDB itself compares and groups by and hands to
Python as a timedelta. What that drops is an interval's separate month count, so where DuckDB's
answer depends on it tqp says so: a constant interval (INTERVAL '1 month', with parameters,
times a constant) keeps its months and moves a date by calendar months; an age() result added
to a date is refused; an INTERVAL cast to VARCHAR prints as days ('35 days 02:00:00').

TIMESTAMP WITH TIME ZONE (TIMESTAMPTZ) is an instant, UTC microseconds; the session's
`TimeZone` setting (UTC unless SET) is the zone it is read in, shown in, and in which its date
parts, date_trunc, date_diff and calendar intervals (months, days) are taken, as DuckDB does
with ICU. An interval that is not a constant holds no days apart from its microseconds, so it
moves an instant by elapsed time. strftime's %z and %Z print '+00' and ''.

>>> import tqp
>>> con = tqp.connect()
>>> con.execute("SELECT date_trunc('month', DATE '2024-02-29'), date_diff('month', DATE '2024-01-31', DATE '2024-02-01'), "
...             "strftime(DATE '2024-02-29', '%d/%m/%Y'), TIMESTAMP '2024-03-01' - TIMESTAMP '2024-02-28 12:00'").fetchall()
[(datetime.datetime(2024, 2, 1, 0, 0), 1, '29/02/2024', datetime.timedelta(days=1, seconds=43200))]
>>> con.execute("SET TimeZone = 'America/New_York'")  # doctest: +ELLIPSIS
<...>
>>> con.execute("SELECT CAST(TIMESTAMPTZ '2024-03-10 12:00:00+00' AS VARCHAR), hour(TIMESTAMPTZ '2024-03-10 12:00:00+00'), "
...             "CAST(TIMESTAMPTZ '2024-03-10 12:00' - INTERVAL 1 DAY AS VARCHAR)").fetchall()
[('2024-03-10 08:00:00-04', 8, '2024-03-09 12:00:00-05')]
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import torch
from sqlglot import exp

from .. import types as T
from ..column import Column, and_validity
from ..compile import expr as C
from ..errors import DataError, NotSupportedError, ProgrammingError
from ..kernels import dates as D
from ..kernels import zones as Z
from ..plan.nodes import Call, Expr, Lit, Slot, walk
from ..settings import current as current_settings
from ..sql import expressions as X
from ..sql.scope import suggest
from . import Function, register
from .signature import arity, coerce, constant, is_null, rewrite
from .strings import per_distinct

US_DAY = D.US_PER_DAY
US_MONTH = 30 * US_DAY  # DuckDB's normalization of a month


def _entry(name, signature, description, example, bind, kernel=None, aliases=(), nodes=(), node_args=None,
           raw=False):
    register(Function(name, signature, description, example, bind, kernel, aliases, nodes, raw=raw, family="date"),
             node_args)


# ---------------------------------------------------------------- argument helpers

def temporal(name: str, i: int, e: Expr, interval: bool = False, local: bool = True) -> Expr:
    """Argument i of `name` as DATE or TIMESTAMP (a string constant is read as one); with
    `local` an instant (TIMESTAMPTZ) as its wall-clock time in the session's zone."""
    t = e.type
    if t.kind == "NULL":
        return Lit(None, T.TIMESTAMP)
    if t.kind == "TIMESTAMPTZ" and local:
        return X.cast(e, T.TIMESTAMP)
    if t.is_temporal or interval and t.kind == "INTERVAL":
        return e
    if t.is_string and isinstance(e, Lit) and e.value is not None:
        return X.cast_literal(e, T.TIMESTAMP if ":" in e.value else T.DATE)
    want = "a DATE, TIMESTAMP or INTERVAL" if interval else "a DATE or TIMESTAMP"
    raise ProgrammingError(f"{name}() argument {i} must be {want}, not {t}")


def _part(name: str, e: Expr, parts) -> str | None:
    """The date part a constant names (None for NULL), as the kernels spell it."""
    if is_null(e):
        return None
    value = constant(name, e, "date part")
    if not isinstance(value, str):
        raise ProgrammingError(f"{name}() takes the date part as a string, not {e.type}")
    part = D.part_name(value)
    if part not in parts:
        raise ProgrammingError(f'{name}(): unknown date part "{value}"' + suggest(value.lower(), list(parts)))
    return part


def _micros(col: Column) -> torch.Tensor:
    """A DATE / TIMESTAMP / INTERVAL column's values as int64 microseconds."""
    x = col.data.to(torch.int64)
    return x * US_DAY if col.type.kind == "DATE" else x


def _valid(args):
    return and_validity(*[a.validity for a in args])


def _unit_node(node) -> exp.Expression:
    """A part written as a keyword (date_trunc(month, x), sqlglot's Var) as a string constant."""
    return exp.Literal.string(node.name) if isinstance(node, exp.Var) else node


def _in_range(values: torch.Tensor, valid) -> torch.Tensor:
    """TIMESTAMP microseconds checked against years 1..9999."""
    return C._in_date_range(values, valid, True)


# ---------------------------------------------------------------- extract and date parts

def extract(part: str, e: Expr) -> Expr:
    """EXTRACT(part FROM e): BIGINT, DOUBLE for epoch and julian. Of an INTERVAL only the epoch
    (its normalized seconds, as DuckDB) is taken: its other fields need the month count."""
    field = D.part_name(part)
    if field not in D.EXTRACT_PARTS:
        raise NotSupportedError(f"EXTRACT({part.upper()} ...)" + suggest(field, list(D.EXTRACT_PARTS)))
    e = temporal("extract", 2, e, interval=True, local=field != "epoch")
    out = T.DOUBLE if field in D.DOUBLE_PARTS else T.BIGINT
    if e.type.kind == "INTERVAL" and field != "epoch":
        raise NotSupportedError(f"EXTRACT({part.upper()} FROM INTERVAL): tqp keeps an interval as microseconds")
    return Lit(None, out) if is_null(e) else Call("extract", (e,), out, (field,))


def _extract_kernel(args, e, ctx):
    a = args[0]
    if a.type.kind == "TIMESTAMPTZ":  # epoch as DuckDB's ICU sums it: milliseconds, then the microseconds left
        ms = torch.div(a.data, 1000, rounding_mode="floor")
        return Column(e.type, ms.to(torch.float64) / 1000 + (a.data - ms * 1000).to(torch.float64) / 1e6, a.validity)
    values = D.extract(e.params[0], a.data, a.type.kind != "DATE")
    return Column(e.type, values.to(e.type.torch_dtype), a.validity)


def _date_part(*args):
    arity("date_part", args, 2, 2, "date_part(part, date)")
    if isinstance(args[0], Lit) and args[0].type.kind == "LIST" and args[0].value is not None:
        return _date_parts(args[0].value.value, args[1])
    if not isinstance(args[0], Lit) and args[0].type.is_string:  # a part per row: DOUBLE, as DuckDB
        return Call("date_part", (args[0], temporal("date_part", 2, args[1])), T.DOUBLE)
    field = _part("date_part", args[0], D.EXTRACT_PARTS)
    return Lit(None, T.BIGINT) if field is None else extract(field, args[1])


def _date_parts(names: list, e: Expr) -> Expr:
    """date_part(['year', 'month'], x): a STRUCT of the parts, named as written."""
    if not names or not all(isinstance(n, str) for n in names):
        raise ProgrammingError("date_part() takes a list of date part names")
    parts = [extract(_part("date_part", Lit(n, T.VARCHAR), D.EXTRACT_PARTS), e) for n in names]
    t = T.STRUCT([(n, p.type) for n, p in zip(names, parts)])
    return Lit(None, t) if is_null(e) else Call("#struct_unless_null", (e, *parts), t)




def _date_part_kernel(args, e, ctx):
    """date_part(part, x) with a part per row: each distinct part's field over the rows naming it."""
    part, x = args
    names = C.dict_values(part)
    fields = [D.part_name(str(v)) for v in names]
    for value, field in zip(names, fields):
        if field not in D.EXTRACT_PARTS:
            raise DataError(f'date_part(): unknown date part "{value}"' + suggest(field, list(D.EXTRACT_PARTS)))
    codes = C.gather_codes(part, len(names)).expand(torch.broadcast_shapes(part.data.shape, x.data.shape))
    out = torch.zeros(codes.shape, dtype=torch.float64, device=x.device)
    for i, field in enumerate(fields):
        out = torch.where(codes == i, D.extract(field, x.data, x.type.kind != "DATE").to(torch.float64), out)
    return Column(T.DOUBLE, out, and_validity(part.validity, x.validity))


_entry("date_part", "date_part(VARCHAR part, DATE | TIMESTAMP) → BIGINT (DOUBLE for epoch, julian)",
       "EXTRACT(part FROM x): year, quarter, month, day, dow, isodow, doy, week, isoyear, yearweek, decade, century, "
       "millennium, hour, minute, second, millisecond, microsecond, epoch, julian, era; a list of parts gives a STRUCT.",
       "date_part('isodow', DATE '2024-02-25') → 7", _date_part, _date_part_kernel, ("datepart",))

_PART_FUNCTIONS = [  # name, part, sqlglot class
    ("year", "year", exp.Year), ("month", "month", exp.Month), ("day", "day", exp.Day),
    ("dayofmonth", "day", exp.DayOfMonth), ("quarter", "quarter", exp.Quarter),
    ("dayofweek", "dow", exp.DayOfWeek), ("weekday", "dow", None), ("isodow", "isodow", exp.DayOfWeekIso),
    ("dayofyear", "doy", exp.DayOfYear), ("week", "week", exp.Week), ("weekofyear", "week", exp.WeekOfYear),
    ("isoyear", "isoyear", None), ("yearweek", "yearweek", None), ("decade", "decade", None),
    ("century", "century", None), ("millennium", "millennium", None), ("hour", "hour", exp.Hour),
    ("minute", "minute", exp.Minute), ("second", "second", exp.Second), ("millisecond", "millisecond", None),
    ("microsecond", "microsecond", None), ("julian", "julian", None), ("epoch", "epoch", exp.TimeToUnix),
    ("era", "era", None),
]
for _name, _part_of, _node in _PART_FUNCTIONS:
    _out = "DOUBLE" if _part_of in D.DOUBLE_PARTS else "BIGINT"
    _entry(_name, f"{_name}(DATE | TIMESTAMP) → {_out}", f"date_part('{_part_of}', x).",
           f"{_name}(TIMESTAMP '2024-02-29 13:45:10.5')",
           lambda *a, name=_name, part=_part_of: arity(name, a, 1, 1) or extract(part, a[0]),
           nodes=(_node,) if _node else ())


# ---------------------------------------------------------------- truncation and differences

def _trunc_bind(*args):
    arity("date_trunc", args, 2, 2, "date_trunc(part, date)")
    part = _part("date_trunc", args[0], D.TRUNC_PARTS)
    x = temporal("date_trunc", 2, args[1])
    if part is None or is_null(x):
        return Lit(None, args[1].type if args[1].type.kind == "TIMESTAMPTZ" else T.TIMESTAMP)
    out = Call("date_trunc", (x,), T.TIMESTAMP, (part,))
    return X.cast(out, T.TIMESTAMPTZ) if args[1].type.kind == "TIMESTAMPTZ" else out


def _trunc_kernel(args, e, ctx):
    a = args[0]
    out = D.date_trunc(e.params[0], a.data, a.type.kind == "TIMESTAMP")
    return Column(T.TIMESTAMP, _in_range(out, a.validity), a.validity)  # the decade of year 1 is year 0


def _trunc_args(node):
    return "date_trunc", [_unit_node(node.args.get("unit")), node.this]


_entry("date_trunc", "date_trunc(VARCHAR part, DATE | TIMESTAMP) → TIMESTAMP",
       "x rounded down to the part (millennium .. microsecond; week: the ISO week's Monday; isoyear: ISO week 1's "
       "Monday).", "date_trunc('quarter', DATE '2024-05-17') → 2024-04-01 00:00:00", _trunc_bind, _trunc_kernel,
       ("datetrunc",), (exp.DateTrunc, exp.TimestampTrunc), _trunc_args)


def _between(name, how):
    def bind(*args):
        arity(name, args, 3, 3, f"{name}(part, start, end)")
        part = _part(name, args[0], D.DIFF_PARTS)
        local = part not in _ELAPSED_PARTS  # (instants: days and longer on the session zone's calendar)
        start, end = temporal(name, 2, args[1], local=local), temporal(name, 3, args[2], local=local)
        if part is None or is_null(start) or is_null(end):
            return Lit(None, T.BIGINT)
        return Call(name, (start, end), T.BIGINT, (part,))

    def kernel(args, e, ctx):
        return Column(T.BIGINT, how(e.params[0], _micros(args[0]), _micros(args[1])), _valid(args))
    return bind, kernel


_ELAPSED_PARTS = ("hour", "minute", "second", "millisecond", "microsecond")


def _diff_args(node):
    return "date_diff", [_unit_node(node.args.get("unit") or exp.Literal.string("day")), node.expression, node.this]


_entry("date_diff", "date_diff(VARCHAR part, start, end) → BIGINT",
       "The number of part boundaries between start and end (datediff('year', '2024-12-31', '2025-01-01') is 1; "
       "week: whole 7-day spans).", "date_diff('month', DATE '2024-01-31', DATE '2024-02-01') → 1",
       *_between("date_diff", D.date_diff), ("datediff",), (exp.DateDiff,), _diff_args)
_entry("date_sub", "date_sub(VARCHAR part, start, end) → BIGINT",
       "The number of whole parts from start to end (a month ending on a month's last day is whole).",
       "date_sub('month', DATE '2024-01-31', DATE '2024-02-29') → 1", *_between("date_sub", D.date_sub),
       ("datesub",))


def _date_add(b, nodes):
    arity("date_add", nodes, 2, 2, "date_add(date, INTERVAL n unit)")
    return b.bind(exp.Add(this=nodes[0], expression=nodes[1]))


_entry("date_add", "date_add(DATE | TIMESTAMP, INTERVAL) → TIMESTAMP, date_add(DATE, INTEGER) → DATE",
       "x + interval (months move by calendar months, the day clamped to the month's end).",
       "date_add(DATE '2024-01-31', INTERVAL 1 MONTH) → 2024-02-29 00:00:00", _date_add,
       nodes=(exp.DateAdd,), raw=True)


def _last_day(args, e, ctx):
    a = args[0]
    day = a.data.to(torch.int64) if a.type.kind == "DATE" else torch.div(a.data, US_DAY, rounding_mode="floor")
    return Column(T.DATE, D.last_day(day).to(torch.int32), a.validity)


def _unary(name, result):
    def bind(*args):
        arity(name, args, 1, 1)
        x = temporal(name, 1, args[0])
        return Lit(None, result) if is_null(x) else Call(name, (x,), result)
    return bind


_entry("last_day", "last_day(DATE | TIMESTAMP) → DATE", "The last day of x's month.",
       "last_day(DATE '2024-02-10') → 2024-02-29", _unary("last_day", T.DATE), _last_day,
       nodes=(exp.LastDay,))

_DAYS = np.array(["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"])
_MONTHS = np.array(["January", "February", "March", "April", "May", "June", "July", "August", "September",
                    "October", "November", "December"])


def _named(part, names):
    def fn(values):
        t = torch.from_numpy(np.asarray(values, dtype=np.int64))
        return names[(D.extract(part, t, True) - int(part == "month")).numpy()]
    return fn


def _named_kernel(part, names):
    inner = per_distinct(_named(part, names), T.VARCHAR)
    return lambda args, e, ctx: inner([C.cast_column(args[0], T.TIMESTAMP)], e, ctx)


for _name, _part_of, _names, _node, _ex in (("dayname", "dow", _DAYS, exp.Dayname, "'Thursday'"),
                                             ("monthname", "month", _MONTHS, exp.Monthname, "'February'")):
    _entry(_name, f"{_name}(DATE | TIMESTAMP) → VARCHAR", f"The English name of x's {_name[:-4]}.",
           f"{_name}(DATE '2024-02-29') → {_ex}", _unary(_name, T.VARCHAR), _named_kernel(_part_of, _names),
           nodes=(_node,))


# ---------------------------------------------------------------- construction

def _make_date_bind(*args):
    arity("make_date", args, 3, 3, "make_date(year, month, day)")
    args = [coerce("make_date", i + 1, a, "BIGINT") for i, a in enumerate(args)]
    return Lit(None, T.DATE) if any(is_null(a) for a in args) else Call("make_date", tuple(args), T.DATE)


def _civil(args, valid, what):
    y, m, d = (a.data.to(torch.int64) for a in args[:3])
    bad = ~D.valid_civil(y, m, d)
    C._out_of_range(bad, valid, f"{what} out of range (tqp holds years 1 to 9999, months 1-12, real days)")
    ok = ~bad
    one = torch.ones_like(y)
    return D._days64(torch.where(ok, y, one), torch.where(ok, m, one), torch.where(ok, d, one))


def _make_date(args, e, ctx):
    valid = _valid(args)
    return Column(T.DATE, _civil(args, valid, "date").to(torch.int32), valid)


_entry("make_date", "make_date(BIGINT year, BIGINT month, BIGINT day) → DATE", "The date of the three numbers.",
       "make_date(2024, 2, 29) → 2024-02-29", _make_date_bind, _make_date, nodes=(exp.DateFromParts,))


def _make_ts_bind(*args):
    if len(args) == 1:  # make_timestamp(microseconds since the epoch)
        x = coerce("make_timestamp", 1, args[0], "BIGINT")
        return Lit(None, T.TIMESTAMP) if is_null(x) else Call("make_timestamp", (x,), T.TIMESTAMP)
    arity("make_timestamp", args, 6, 6, "make_timestamp(year, month, day, hour, minute, seconds)")
    args = [coerce("make_timestamp", i + 1, a, "BIGINT" if i < 5 else "DOUBLE") for i, a in enumerate(args)]
    return Lit(None, T.TIMESTAMP) if any(is_null(a) for a in args) else Call("make_timestamp", tuple(args), T.TIMESTAMP)


def _make_ts(args, e, ctx):
    valid = _valid(args)
    if len(args) == 1:
        return Column(T.TIMESTAMP, _in_range(args[0].data, valid), valid)
    days = _civil(args, valid, "timestamp")
    h, m = (a.data.to(torch.int64) for a in args[3:5])
    s = args[5].data
    C._out_of_range(~((h >= 0) & (h < 24) & (m >= 0) & (m < 60) & (s >= 0) & (s <= 60)), valid,
                    "time out of range in make_timestamp (hour 0-23, minute 0-59, seconds 0-60)")
    micros = C._round_half_away(torch.nan_to_num(s) * 1e6).to(torch.int64)
    ts = days * US_DAY + (h * 60 + m) * 60_000_000 + micros
    return Column(T.TIMESTAMP, _in_range(ts, valid), valid)


_entry("make_timestamp", "make_timestamp(year, month, day, hour, minute, DOUBLE seconds) → TIMESTAMP, "
       "make_timestamp(BIGINT micros) → TIMESTAMP", "The timestamp of its parts, or of microseconds since 1970.",
       "make_timestamp(2024, 2, 29, 13, 45, 10.5) → 2024-02-29 13:45:10.5", _make_ts_bind, _make_ts,
       nodes=(exp.TimestampFromParts,))


def _from_epoch(name, kind, scale):
    """to_timestamp(seconds DOUBLE): the instant (TIMESTAMPTZ) that many seconds after 1970 UTC;
    epoch_ms(ms BIGINT): the TIMESTAMP that many milliseconds after 1970."""
    out = T.TIMESTAMPTZ if name == "to_timestamp" else T.TIMESTAMP

    def bind(*args):
        arity(name, args, 1, 1)
        x = coerce(name, 1, args[0], kind)
        return Lit(None, out) if is_null(x) else Call(name, (x,), out, (scale,))
    return bind


def _from_epoch_kernel(args, e, ctx):
    a = args[0]
    if a.type.is_float:
        bad = ~(a.data.abs() < 3e11)  # NaN, infinities and far past years 1..9999
        C._out_of_range(bad, a.validity, "timestamp out of range: tqp holds years 1 to 9999")
        x = C._round_half_away(torch.where(bad, 0.0, a.data) * e.params[0]).to(torch.int64)
    else:
        C._out_of_range(a.data.abs() > 2**62 // e.params[0], a.validity, "timestamp out of range")
        x = a.data * e.params[0]
    return Column(e.type, _in_range(x, a.validity), a.validity)


def _to_epoch(name, divisor):
    """epoch_ms / epoch_us / epoch_ns (x): x's milli / micro / nanoseconds since 1970, BIGINT
    (rounded half away from zero, as DuckDB); epoch_ms of a number is the other direction."""
    def bind(*args):
        arity(name, args, 1, 1)
        if name == "epoch_ms" and (args[0].type.is_numeric or args[0].type.kind == "NULL"):
            return _from_epoch("epoch_ms", "BIGINT", 1000)(*args)
        x = temporal(name, 1, args[0], local=False)
        return Lit(None, T.BIGINT) if is_null(x) else Call(name, (x,), T.BIGINT, (divisor,))
    return bind


def _to_epoch_kernel(args, e, ctx):
    d = e.params[0]
    x = _micros(args[0])
    return Column(T.BIGINT, C._div_round_half_away(x, d) if d > 0 else x * -d, args[0].validity)


def _epoch_kernel(args, e, ctx):
    return (_to_epoch_kernel if len(e.params) == 1 and args[0].type.kind != "BIGINT" and not args[0].type.is_float
            else _from_epoch_kernel)(args, e, ctx)


def _unix_args(node):
    """sqlglot parses to_timestamp(x), epoch_ms(x) and make_timestamp(micros) all as UnixToTime."""
    scale = node.args.get("scale")
    name = {None: "to_timestamp", "3": "epoch_ms", "6": "make_timestamp"}.get(scale.name if scale else None,
                                                                               "to_timestamp")
    return name, [node.this]


_entry("to_timestamp", "to_timestamp(DOUBLE seconds) → TIMESTAMP WITH TIME ZONE",
       "The instant that many seconds after 1970-01-01 UTC (to the microsecond, half away from zero).",
       "to_timestamp(1.5) → 1970-01-01 00:00:01.5+00",
       _from_epoch("to_timestamp", "DOUBLE", 1e6), _from_epoch_kernel, nodes=(exp.UnixToTime,), node_args=_unix_args)
_entry("epoch_ms", "epoch_ms(DATE | TIMESTAMP) → BIGINT, epoch_ms(BIGINT) → TIMESTAMP",
       "Milliseconds since 1970-01-01 (floored), or the timestamp that many milliseconds after it.",
       "epoch_ms(TIMESTAMP '1970-01-01 00:00:01.5') → 1500", _to_epoch("epoch_ms", 1000), _epoch_kernel)
_entry("epoch_us", "epoch_us(DATE | TIMESTAMP) → BIGINT", "Microseconds since 1970-01-01.",
       "epoch_us(DATE '1970-01-02') → 86400000000", _to_epoch("epoch_us", 1), _to_epoch_kernel)
_entry("epoch_ns", "epoch_ns(DATE | TIMESTAMP) → BIGINT", "Nanoseconds since 1970-01-01.",
       "epoch_ns(DATE '1970-01-02') → 86400000000000", _to_epoch("epoch_ns", -1000), _to_epoch_kernel)


# ---------------------------------------------------------------- strftime / strptime

def _pad(x, width):
    return np.strings.zfill(x.astype(np.int64).astype(np.dtypes.StringDType()), width)


def _plain(x):
    return x.astype(np.int64).astype(np.dtypes.StringDType())


_CODES = {  # DuckDB's strftime codes: fields (int64 numpy arrays) -> strings
    "Y": lambda f: _pad(f["year"], 4), "y": lambda f: _pad(f["year"] % 100, 2), "m": lambda f: _pad(f["month"], 2),
    "-m": lambda f: _plain(f["month"]), "d": lambda f: _pad(f["day"], 2), "-d": lambda f: _plain(f["day"]),
    "H": lambda f: _pad(f["hour"], 2), "-H": lambda f: _plain(f["hour"]), "M": lambda f: _pad(f["minute"], 2),
    "-M": lambda f: _plain(f["minute"]), "S": lambda f: _pad(f["second"], 2), "-S": lambda f: _plain(f["second"]),
    "I": lambda f: _pad((f["hour"] + 11) % 12 + 1, 2), "-I": lambda f: _plain((f["hour"] + 11) % 12 + 1),
    "p": lambda f: np.where(f["hour"] < 12, "AM", "PM"), "j": lambda f: _pad(f["doy"], 3),
    "-j": lambda f: _plain(f["doy"]), "f": lambda f: _pad(f["microsecond"] % 1_000_000, 6),
    "g": lambda f: _pad(f["microsecond"] % 1_000_000 // 1000, 3), "n": lambda f: _pad(f["microsecond"] % 1_000_000 * 1000, 9),
    "a": lambda f: np.strings.slice(_DAYS[f["dow"]].astype(np.dtypes.StringDType()), 0, 3),
    "A": lambda f: _DAYS[f["dow"]], "w": lambda f: _plain(f["dow"]), "u": lambda f: _plain(f["isodow"]),
    "b": lambda f: np.strings.slice(_MONTHS[f["month"] - 1].astype(np.dtypes.StringDType()), 0, 3),
    "h": lambda f: np.strings.slice(_MONTHS[f["month"] - 1].astype(np.dtypes.StringDType()), 0, 3),
    "B": lambda f: _MONTHS[f["month"] - 1], "V": lambda f: _pad(f["week"], 2), "G": lambda f: _pad(f["isoyear"], 4),
    "U": lambda f: _pad((f["doy"] + 6 - f["dow"]) // 7, 2), "W": lambda f: _pad((f["doy"] + 6 - (f["dow"] + 6) % 7) // 7, 2),
    "z": lambda f: np.full(len(f["year"]), "+00"), "Z": lambda f: np.full(len(f["year"]), ""),
}
_COMPOSITE = {"c": "%Y-%m-%d %H:%M:%S", "x": "%Y-%m-%d", "X": "%H:%M:%S", "T": "%H:%M:%S", "D": "%m/%d/%y",
              "F": "%Y-%m-%d", "R": "%H:%M"}


def parse_format(fmt: str) -> list[str]:
    """A strftime format as [text, code, text, code, ..., text] ('%Y' -> 'Y'); ProgrammingError
    for an unknown code, as DuckDB refuses it.

    >>> parse_format('%d/%m/%Y %%')
    ['', 'd', '/', 'm', '/', 'Y', ' %']
    """
    out, i, text = [], 0, ""
    while i < len(fmt):
        if fmt[i] != "%":
            text += fmt[i]
            i += 1
            continue
        code = fmt[i + 1:i + 3] if fmt[i + 1:i + 2] == "-" else fmt[i + 1:i + 2]
        i += 1 + len(code)
        if code == "%":
            text += "%"
        elif code in _COMPOSITE:
            fmt = fmt[:i] + _COMPOSITE[code] + fmt[i:]
        elif code in _CODES:
            out += [text, code]
            text = ""
        else:
            raise ProgrammingError(f"strftime format {fmt!r}: unknown format code %{code}")
    return out + [text]


_FIELDS = ("year", "month", "day", "hour", "minute", "second", "doy", "dow", "isodow", "week", "isoyear",
           "microsecond")


def _strftime_fn(pieces):
    def fn(values):
        t = torch.from_numpy(np.asarray(values, dtype=np.int64))
        fields = {p: D.extract(p, t, True).numpy() for p in _FIELDS}
        out = np.full(len(t), pieces[0], dtype=np.dtypes.StringDType())
        for code, text in zip(pieces[1::2], pieces[2::2]):
            out = np.strings.add(np.strings.add(out, np.asarray(_CODES[code](fields), dtype=np.dtypes.StringDType())),
                                 text)
        return out
    return fn


def _strftime_bind(*args):
    arity("strftime", args, 2, 2, "strftime(date, format)")
    x, fmt = args
    if x.type.is_string and not isinstance(x, Lit) or fmt.type.is_temporal:  # strftime(format, date)
        x, fmt = fmt, x
    x = temporal("strftime", 1, x)
    fmt = coerce("strftime", 2, fmt, "VARCHAR")
    if is_null(x) or is_null(fmt):
        return Lit(None, T.VARCHAR)
    pieces = parse_format(constant("strftime", fmt, "format"))
    return Call("strftime", (x,), T.VARCHAR, tuple(pieces))


def _strftime(args, e, ctx):
    inner = per_distinct(_strftime_fn(list(e.params)), T.VARCHAR)
    return inner([C.cast_column(args[0], T.TIMESTAMP)], Call("strftime", (), T.VARCHAR, e.params), ctx)


def _strftime_args(node):
    return "strftime", [node.this, node.args["format"]]


_entry("strftime", "strftime(DATE | TIMESTAMP, VARCHAR format) → VARCHAR",
       "x formatted by %-codes: Y y m d H I M S f g n p j a A b B w u U W V G z Z c x X %% and unpadded -m -d -H "
       "-I -M -S -j.", "strftime(DATE '2024-02-29', '%A %-d %B %Y') → 'Thursday 29 February 2024'",
       _strftime_bind, _strftime, nodes=(exp.TimeToStr,), node_args=_strftime_args)

_PY_CODES = {"-m": "%m", "-d": "%d", "-H": "%H", "-M": "%M", "-S": "%S", "-I": "%I", "-j": "%j"}


def _python_format(text: str) -> str:
    pieces = parse_format(text)
    bad = [c for c in pieces[1::2] if c in ("g", "n", "z", "Z", "U", "W", "V", "G", "u")]
    if bad:
        raise NotSupportedError(f"strptime with %{bad[0]}")
    return pieces[0].replace("%", "%%") + "".join(_PY_CODES.get(c, "%" + c) + t.replace("%", "%%")
                                                  for c, t in zip(pieces[1::2], pieces[2::2]))


def _strptime_bind(name):
    """strptime(text, format | [formats]) (the first format that reads the text); try_strptime
    gives NULL where none does."""
    def bind(*args):
        arity(name, args, 2, 2, f"{name}(text, format)")
        s = coerce(name, 1, args[0], "VARCHAR")
        fmt = args[1] if args[1].type.kind == "LIST" else coerce(name, 2, args[1], "VARCHAR")
        if is_null(s) or is_null(fmt):
            return Lit(None, T.TIMESTAMP)
        value = constant(name, fmt, "format")
        texts = value.value if fmt.type.kind == "LIST" else [value]
        if not texts or not all(isinstance(t, str) for t in texts):
            raise ProgrammingError(f"{name}() takes a format string or a list of them")
        return Call(name, (s,), T.TIMESTAMP, (tuple(_python_format(t) for t in texts), ", ".join(texts)))
    return bind


_UNREAD = np.iinfo(np.int64).min  # try_strptime's mark of a text no format reads


def _strptime(args, e, ctx):
    formats, text = e.params

    def fn(values):
        out = np.zeros(len(values), dtype=np.int64)
        bad = np.zeros(len(values), dtype=bool)
        for i, v in enumerate(values.tolist()):  # once per distinct string
            for py in formats:
                try:
                    out[i] = X.ts_to_micros(dt.datetime.strptime(v, py))
                    break
                except ValueError:
                    pass
            else:
                bad[i] = True
        if e.op == "try_strptime":
            return np.where(bad, _UNREAD, out)
        return out, bad, f'could not parse a string according to format specifier "{text}"'
    out = per_distinct(fn, T.TIMESTAMP)(args, e, ctx)
    if e.op == "try_strptime":
        return Column(T.TIMESTAMP, out.data, and_validity(out.validity, out.data != _UNREAD))
    return out


_entry("strptime", "strptime(VARCHAR, VARCHAR format) → TIMESTAMP",
       "The text read by strftime's codes; DataError when it does not match.",
       "strptime('29/02/2024', '%d/%m/%Y') → 2024-02-29 00:00:00", _strptime_bind("strptime"), _strptime,
       nodes=(exp.StrToTime,), node_args=lambda node: ("strptime", [node.this, node.args["format"]]))
for _name, _sql, _unit in (("make_timestamp_ms", "make_timestamp(CAST(__x AS BIGINT) * 1000)", "milliseconds"),
                           ("make_timestamp_ns", "make_timestamp(CAST(__x AS BIGINT) // 1000)", "nanoseconds (to microseconds)")):
    _entry(_name, f"{_name}(BIGINT) → TIMESTAMP", f"The timestamp {_unit} after 1970-01-01.", f"{_name}(0)",
           rewrite(_name, _sql, ("__x",)), raw=True)
_entry("try_strptime", "try_strptime(VARCHAR, VARCHAR format | VARCHAR[] formats) → TIMESTAMP",
       "strptime(), NULL where the text does not match.", "try_strptime('x', '%Y') → NULL",
       _strptime_bind("try_strptime"), _strptime)
_entry("normalized_interval", "normalized_interval(INTERVAL) → INTERVAL", "The interval with whole days and months "
       "carried over (tqp keeps intervals normalized already).", "normalized_interval(INTERVAL '30 days 25 hours')",
       lambda *a: arity("normalized_interval", a, 1, 1) or _interval_itself(a[0]))


def _interval_itself(e: Expr) -> Expr:
    if e.type.kind not in ("INTERVAL", "NULL"):
        raise ProgrammingError(f"normalized_interval() takes an INTERVAL, not {e.type}")
    return e


# ---------------------------------------------------------------- the current time

def _now(args, e, ctx):
    """The statement's start time: one value however many batches or calls read it; its date
    and wall-clock time are the session zone's."""
    store = ctx.results if ctx is not None else {}
    now = store.setdefault("tqp.statement_time", dt.datetime.now(dt.timezone.utc))
    device = ctx.device if ctx is not None else None
    instant = Column(T.TIMESTAMPTZ, torch.tensor(X.ts_to_micros(now.replace(tzinfo=None)), device=device))
    out = instant if e.type.kind == "TIMESTAMPTZ" else cast_zoned(instant, e.type)
    return C.literal_column(out.data.item(), e.type, device)


def _now_bind(kind):
    return lambda *a: arity("now", a, 0, 0) or Call("now", (), kind)


_entry("now", "now() → TIMESTAMP WITH TIME ZONE", "The instant the statement started (the same in every row).",
       "now()", _now_bind(T.TIMESTAMPTZ), _now, ("current_timestamp", "get_current_timestamp", "transaction_timestamp"),
       (exp.CurrentTimestamp,))
_entry("localtimestamp", "localtimestamp → TIMESTAMP", "The session zone's wall-clock time the statement started.",
       "localtimestamp", _now_bind(T.TIMESTAMP), _now, (), (exp.Localtimestamp,))
_entry("current_date", "current_date → DATE", "The session zone's date the statement started.", "current_date",
       _now_bind(T.DATE), _now, ("today",), (exp.CurrentDate,))


# ---------------------------------------------------------------- time zones

def session_zone() -> str:
    return current_settings().timezone


def cast_zoned(a: Column, to: T.SqlType) -> Column:
    """A cast between an instant (TIMESTAMPTZ) and a DATE or TIMESTAMP, which are wall-clock
    values in the session's zone."""
    return _shift_zone(a, to, session_zone())


def _shift_zone(a: Column, to: T.SqlType, zone: str) -> Column:
    x = _micros(a)
    if a.validity is not None:  # what sits under a NULL must not widen the zone's table
        x = torch.where(a.validity, x, torch.zeros_like(x))
    if a.type.kind == "TIMESTAMPTZ":
        local = Z.to_local(x, zone)
        if to.kind == "DATE":
            return Column(to, torch.div(local, US_DAY, rounding_mode="floor").to(torch.int32), a.validity)
        return Column(to, _in_range(local, a.validity), a.validity)
    return Column(to, _in_range(Z.to_utc(x, zone), a.validity), a.validity)


def cast_zoned_value(v: int, frm: T.SqlType, to: T.SqlType) -> int:
    """cast_zoned of one constant."""
    return int(cast_zoned(Column(frm, torch.tensor([v], dtype=frm.torch_dtype)), to).data[0])


def show_instant(micros: int) -> str:
    """An instant as VARCHAR: wall-clock time and offset in the session's zone, as DuckDB."""
    return Z.format_instant(micros, session_zone())


def read_instant(text: str) -> int:
    """A TIMESTAMPTZ's text as UTC microseconds (no offset or zone in it: the session's zone)."""
    return Z.parse_instant(text, session_zone())


def add_interval_zoned(base: Expr, months: int, days: int, micros: int) -> Expr:
    """instant + interval as DuckDB (ICU) moves it: months and days on the session zone's
    calendar (a day across a DST change is 23 or 25 hours), microseconds as elapsed time; with
    no negative part months, days, microseconds in that order, else microseconds first."""
    steps = [(months, 0), (0, days), (0, 0, micros)]
    if min(months, days, micros) < 0:
        steps = steps[2:] + steps[:2]
    out = base
    for step in steps:
        if not any(step):
            continue
        if len(step) == 2:
            out = X.cast(X._add_interval(None, X.cast(out, T.TIMESTAMP), (*step, 0), 1), T.TIMESTAMPTZ)
        elif isinstance(out, Lit) and not isinstance(out, Slot):
            out = Lit(None if out.value is None else int(_in_range(torch.tensor(out.value + micros), None)), out.type)
        else:
            out = Call("add_interval", (out,), T.TIMESTAMPTZ, (0, 0, micros))
    return out


def _zone_bind(*args):
    arity("timezone", args, 2, 2, "timezone(zone, timestamp)")
    zone, x = args
    if is_null(zone) or is_null(x):
        return Lit(None, T.TIMESTAMP if x.type.kind == "TIMESTAMPTZ" else T.TIMESTAMPTZ)
    name = Z.zone_name(str(constant("timezone", coerce("timezone", 1, zone, "VARCHAR"), "zone")))
    x = temporal("timezone", 2, x, local=False)
    out = T.TIMESTAMP if x.type.kind == "TIMESTAMPTZ" else T.TIMESTAMPTZ
    return Call("timezone", (x,), out, (name,))


def _zone_kernel(args, e, ctx):
    return _shift_zone(args[0], e.type, e.params[0])


_entry("timezone", "timezone(VARCHAR zone, TIMESTAMPTZ) → TIMESTAMP, timezone(VARCHAR zone, TIMESTAMP) → "
       "TIMESTAMPTZ", "An instant's wall-clock time in zone, or the instant a wall-clock time in zone is "
       "(x AT TIME ZONE zone).", "timezone('Asia/Tokyo', TIMESTAMPTZ '2024-01-01 10:00+00') → 2024-01-01 19:00:00",
       _zone_bind, _zone_kernel, nodes=(exp.AtTimeZone,), node_args=lambda node: ("timezone", [node.args["zone"], node.this]))


# ---------------------------------------------------------------- intervals

_UNIT_PARTS = {"year": (12, 0, 0), "month": (1, 0, 0), "week": (0, 7, 0), "day": (0, 1, 0),
               "hour": (0, 0, 3_600_000_000), "minute": (0, 0, 60_000_000), "second": (0, 0, 1_000_000),
               "millisecond": (0, 0, 1000), "microsecond": (0, 0, 1), "quarter": (3, 0, 0),
               "decade": (120, 0, 0), "century": (1200, 0, 0), "millennium": (12000, 0, 0)}


def _unit(word: str) -> tuple[int, int, int]:
    unit = _UNIT_PARTS.get(D.part_name(word))
    if unit is None:
        raise ProgrammingError(f"unknown interval unit {word!r}" + suggest(word.lower(), list(_UNIT_PARTS)))
    return unit


def _scaled(unit, n) -> tuple[int, int, int]:
    """n units (n may have a fraction: the rest goes to the next smaller part, as DuckDB)."""
    months, days, micros = unit
    if float(n).is_integer():
        n = int(n)
        return months * n, days * n, micros * n
    whole = int(n)
    frac = n - whole
    if months:
        return months * whole, round(frac * months * 30), 0
    if days:
        return 0, days * whole, round(frac * days * US_DAY)
    return 0, 0, round(n * micros)


def parse_interval(text: str, unit: str = "") -> tuple[int, int, int]:
    """(months, days, microseconds) of an interval's text: '3', '1 year 2 months', '1 day 02:00:00',
    '-01:30'.

    >>> parse_interval('1 year 2 months 3 days 04:05:06.5'), parse_interval('1.5', 'day')
    ((14, 3, 14706500000), (0, 1, 43200000000))
    """
    total = [0, 0, 0]
    words = text.strip().lower().split()
    if unit:
        words += [unit]
    i = 0
    try:
        while i < len(words):
            w = words[i]
            if ":" in w:
                sign = -1 if w.startswith("-") else 1
                hms = [float(p) for p in w.lstrip("+-").split(":")]
                if len(hms) == 2:
                    hms.append(0.0)
                total[2] += sign * round((hms[0] * 3600 + hms[1] * 60 + hms[2]) * 1_000_000)
                i += 1
                continue
            n = float(w)
            word = words[i + 1] if i + 1 < len(words) else "second"
            i += 2
            for k, v in enumerate(_scaled(_unit(word), n)):
                total[k] += v
    except ValueError:
        raise ProgrammingError(f"invalid interval '{text}'" + (f" {unit}" if unit else "")) from None
    return tuple(total)


def near_interval(node, depth: int = 4) -> bool:
    """Whether an INTERVAL literal is within a few operators of `node` (a bounded look, so a
    long chain of additions is not searched once per level)."""
    if isinstance(node, exp.Interval):
        return True
    if depth == 0 or not isinstance(node, (exp.Paren, exp.Neg, exp.Add, exp.Sub, exp.Mul, exp.Div)):
        return False
    return any(near_interval(node.args.get(k), depth - 1) for k in ("this", "expression"))


def interval_constant(b, node) -> tuple[int, int, int] | None:
    """(months, days, microseconds) of an interval-valued constant expression (an INTERVAL
    literal whose count may be a parameter or constant expression, times or divided by a
    constant, negated, summed), or None when `node` is not one."""
    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, exp.Interval):
        unit = node.unit.name if node.unit is not None else ""
        count = node.this
        if isinstance(count, exp.Literal) and count.is_string:
            return parse_interval(count.name, unit)
        value = b.bind(count) if count is not None else None
        if not (isinstance(value, Lit) and value.value is not None):
            return None
        v = value.value
        if value.type.is_decimal:
            v = v / 10 ** value.type.scale
        if isinstance(v, str):
            return parse_interval(v, unit)
        if not unit:
            raise ProgrammingError(f"invalid interval {node.sql('duckdb')}: no unit")
        return _scaled(_unit(unit), v)
    if isinstance(node, exp.Neg):
        inner = interval_constant(b, node.this)
        return None if inner is None else tuple(-x for x in inner)
    if isinstance(node, (exp.Add, exp.Sub)):
        left, right = interval_constant(b, node.this), interval_constant(b, node.expression)
        if left is None or right is None:
            return None
        sign = 1 if isinstance(node, exp.Add) else -1
        return tuple(x + sign * y for x, y in zip(left, right))
    if isinstance(node, (exp.Mul, exp.Div)):
        for iv_node, n_node in ((node.this, node.expression), (node.expression, node.this)):
            if isinstance(node, exp.Div) and iv_node is node.expression:
                break
            iv = interval_constant(b, iv_node)
            if iv is None:
                continue
            n = b.bind(n_node)
            if not (isinstance(n, Lit) and n.type.is_numeric and n.value is not None):
                return None
            f = n.value / 10 ** n.type.scale if n.type.is_decimal else n.value
            if isinstance(node, exp.Div):
                if f == 0:
                    raise DataError("division of an INTERVAL by zero")
                f = 1 / f
            months, days, micros = iv
            m = months * f
            d = days * f + (m - int(m)) * 30
            return int(m), int(d), round(micros * f + (d - int(d)) * US_DAY)
    return None


def normalized(iv):
    """(months, days, microseconds), ints or tensors, as microseconds with a month of 30 days."""
    months, days, micros = iv
    return months * US_MONTH + days * US_DAY + micros


def bind_interval(b, node) -> Expr:
    """An INTERVAL literal on its own: a constant, or n units of a non-constant count."""
    iv = interval_constant(b, node)
    if iv is not None:
        return Lit(normalized(iv), T.INTERVAL)
    count = coerce("INTERVAL", 1, b.bind(node.this), "NUMBER")
    months, days, micros = _unit(node.unit.name if node.unit is not None else "second")
    if months:
        if not count.type.is_integer:
            raise NotSupportedError("INTERVAL (x) MONTH/YEAR with a non-constant x that is not an integer")
        from .intervals import months_interval
        return months_interval(count, months)
    return arith("mul", Lit(days * US_DAY + micros, T.INTERVAL), count)


def _no_months(e: Expr):
    if any(isinstance(x, Call) and x.op == "age" for x in walk(e)):
        raise NotSupportedError("adding an age() result to a date: tqp's INTERVAL holds months as 30 days")
    if any(isinstance(x, Call) and x.op == "months_interval" for x in walk(e)):
        raise NotSupportedError("adding a computed interval of non-constant months (to_months(x) * 2) to a date: "
                                "tqp's INTERVAL holds months as 30 days; add to_months(x * 2)")


def arith(op: str, a: Expr, c: Expr) -> Expr:
    """Arithmetic where an operand is an INTERVAL, or TIMESTAMP - TIMESTAMP (an INTERVAL)."""
    ta, tc = a.type, c.type
    if op == "sub" and ta.is_temporal and tc.is_temporal:
        to = T.TIMESTAMPTZ if "TIMESTAMPTZ" in (ta.kind, tc.kind) else T.TIMESTAMP
        a, c = (X.cast(x, to) for x in (a, c))
        return Lit(None, T.INTERVAL) if is_null(a) or is_null(c) else Call("interval_between", (c, a), T.INTERVAL)
    if tc.kind == "INTERVAL" and (ta.is_temporal or ta.is_string and isinstance(a, Lit)) and op in ("add", "sub") \
            or ta.kind == "INTERVAL" and tc.is_temporal and op == "add":
        base, iv = (a, c) if tc.kind == "INTERVAL" else (c, a)
        base = temporal("+", 1, base, local=False)
        if isinstance(iv, Call) and iv.op == "months_interval" and base.type.kind in ("DATE", "TIMESTAMP"):
            from .intervals import add_months  # calendar months per row
            return add_months(base, iv, -1 if op == "sub" else 1)
        _no_months(iv)
        out = T.TIMESTAMPTZ if base.type.kind == "TIMESTAMPTZ" else T.TIMESTAMP
        if is_null(base) or is_null(iv):
            return Lit(None, out)
        return Call("add_interval", (base, iv), out, (0, 0, 0, -1 if op == "sub" else 1))
    if ta.kind == tc.kind == "INTERVAL" and op in ("add", "sub"):
        return Call(op, (a, c), T.INTERVAL) if not (is_null(a) or is_null(c)) else Lit(None, T.INTERVAL)
    if op in ("mul", "div") and ta.kind == "INTERVAL" and (tc.is_numeric or tc.kind == "NULL") \
            or op == "mul" and tc.kind == "INTERVAL" and (ta.is_numeric or ta.kind == "NULL"):
        iv, n = (a, c) if ta.kind == "INTERVAL" else (c, a)
        if is_null(iv) or is_null(n):
            return Lit(None, T.INTERVAL)
        if isinstance(iv, Call) and iv.op == "months_interval" and op == "mul" and n.type.is_integer:
            return Call(iv.op, (X.arith("mul", iv.args[0], X.cast(n, T.BIGINT)),), T.INTERVAL, iv.params)
        return Call("interval_scale", (iv, X.cast(n, T.DOUBLE) if not n.type.is_integer else X.cast(n, T.BIGINT)),
                    T.INTERVAL, (op,))
    if op == "sub" and ta.kind == "INTERVAL" and tc.is_temporal:
        raise ProgrammingError("cannot subtract a DATE or TIMESTAMP from an INTERVAL")
    raise ProgrammingError(f"cannot apply {X._OPSYM[op]} to {ta} and {tc}")


def _interval_between(args, e, ctx):
    start, end = args
    if start.type.kind != "TIMESTAMPTZ":
        return Column(T.INTERVAL, _micros(end) - _micros(start), _valid(args))
    # Between instants DuckDB (ICU) counts the whole days from the earlier to the later on the
    # session zone's calendar, then the elapsed rest: 12:00 the day before a DST change to 12:00
    # after it is 1 day, not 23 hours.
    valid = _valid(args)
    zone = session_zone()
    lo, hi = torch.minimum(start.data, end.data), torch.maximum(start.data, end.data)
    lo_local = _shift_zone(Column(T.TIMESTAMPTZ, lo, valid), T.TIMESTAMP, zone).data
    hi_local = _shift_zone(Column(T.TIMESTAMPTZ, hi, valid), T.TIMESTAMP, zone).data

    def after(days):  # the instant `days` calendar days after lo
        return _shift_zone(Column(T.TIMESTAMP, lo_local + days * US_DAY, valid), T.TIMESTAMPTZ, zone).data
    days = torch.div(hi_local - lo_local, US_DAY, rounding_mode="floor")
    moved = after(days)
    over = moved > hi  # (a DST change can put lo + days past hi: one day fewer then)
    days = days - over.to(days.dtype)
    moved = torch.where(over, after(days), moved)
    out = days * US_DAY + hi - moved
    return Column(T.INTERVAL, torch.where(end.data < start.data, -out, out), valid)


def _interval_scale(args, e, ctx):
    iv, n = args
    valid = _valid(args)
    if n.type.is_integer and e.params[0] == "mul":
        data = iv.data * n.data
    else:
        f = n.data.to(torch.float64)
        if e.params[0] == "div":
            C._out_of_range(f == 0, valid, "division of an INTERVAL by zero")
            f = 1 / torch.where(f == 0, 1.0, f)
        x = iv.data.to(torch.float64) * f
        C._out_of_range(~(x.abs() < 9.2e18), valid, "INTERVAL out of range")
        data = torch.round(torch.nan_to_num(x)).to(torch.int64)
    return Column(T.INTERVAL, data, valid)


def _age_bind(*args):
    arity("age", args, 1, 2, "age(timestamp [, timestamp])")
    xs = [X.cast(temporal("age", i + 1, a), T.TIMESTAMP) for i, a in enumerate(args)]
    if len(xs) == 1:
        xs.insert(0, X.cast(Call("now", (), T.DATE), T.TIMESTAMP))  # DuckDB: from today's midnight
    return Lit(None, T.INTERVAL) if any(is_null(x) for x in xs) else Call("age", tuple(xs), T.INTERVAL)


def _age(args, e, ctx):
    return Column(T.INTERVAL, normalized(D.age(*(a.data for a in args))), _valid(args))


_entry("age", "age(TIMESTAMP, TIMESTAMP) → INTERVAL, age(TIMESTAMP) → INTERVAL",
       "a - b in years, months and days (one argument: from today's midnight). The INTERVAL holds a month as "
       "30 days, as DuckDB hands it to Python.", "age(TIMESTAMP '2024-03-01', TIMESTAMP '2023-01-15') → "
       "'1 year 1 month 15 days'", _age_bind, _age)

C.op("interval_between")(_interval_between)  # operators the binder's arithmetic and EXTRACT produce
C.op("interval_scale")(_interval_scale)
C.op("extract")(_extract_kernel)
