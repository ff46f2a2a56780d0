"""Calendar arithmetic on DATE (int32 days since 1970-01-01) and TIMESTAMP (int64 microseconds).

Everything is integer tensor arithmetic on the proleptic Gregorian calendar: a day count is
shifted to an era starting on 0000-03-01, so the leap day falls at the end of each
(March-based) year and month lengths follow a linear formula.

>>> import torch
>>> d = torch.tensor([0, 19782, -1], dtype=torch.int32)    # 1970-01-01, 2024-02-29, 1969-12-31
>>> [t.tolist() for t in civil_from_days(d)]
[[1970, 2024, 1969], [1, 2, 12], [1, 29, 31]]
>>> add_months(torch.tensor([19753], dtype=torch.int32), 1).tolist()   # 2024-01-31 + 1 month
[19782]
>>> extract("dayofweek", d, is_timestamp=False).tolist()              # 0 = Sunday
[4, 4, 3]
"""
from __future__ import annotations

import torch
from torch import Tensor

__all__ = ["civil_from_days", "days_from_civil", "add_months", "extract", "date_trunc", "date_diff",
           "date_sub", "age", "last_day", "valid_civil", "US_PER_DAY", "MIN_DAY", "MAX_DAY"]

US_PER_SECOND = 1_000_000
US_PER_DAY = 86_400 * US_PER_SECOND
# The dates tqp holds: years 1 to 9999, as Python's datetime (results outside are refused)
MIN_DAY, MAX_DAY = -719_162, 2_932_896  # 0001-01-01, 9999-12-31
_DAYS_PER_ERA = 146_097  # 400 Gregorian years
_EPOCH_SHIFT = 719_468   # days from 0000-03-01 to 1970-01-01


def _fdiv(a: Tensor, b: int) -> Tensor:
    return torch.div(a, b, rounding_mode="floor")


def _civil64(days: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    z = days.to(torch.int64) + _EPOCH_SHIFT
    era = _fdiv(z, _DAYS_PER_ERA)
    doe = z - era * _DAYS_PER_ERA                                    # day of era, 0..146096
    # year of era 0..399: remove the leap days of the 4-, 100- and 400-year cycles
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)                  # day of March-based year
    mp = (5 * doy + 2) // 153                                        # month, 0 = March
    day = doy - (153 * mp + 2) // 5 + 1
    month = torch.where(mp < 10, mp + 3, mp - 9)
    year = yoe + era * 400 + (month <= 2).to(torch.int64)            # Jan, Feb: next year
    return year, month, day


def civil_from_days(days: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """(year, month 1-12, day 1-31), each int32, of days since 1970-01-01."""
    return tuple(t.to(torch.int32) for t in _civil64(days))


def _days64(y: Tensor, m: Tensor, d: Tensor) -> Tensor:
    y = y.to(torch.int64) - (m <= 2).to(torch.int64)
    m = m.to(torch.int64)
    era = _fdiv(y, 400)
    yoe = y - era * 400
    mp = (m + 9) % 12                                                # March = 0
    doy = (153 * mp + 2) // 5 + d.to(torch.int64) - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * _DAYS_PER_ERA + doe - _EPOCH_SHIFT


def days_from_civil(y: Tensor, m: Tensor, d: Tensor) -> Tensor:
    """int32 days since 1970-01-01 of (year, month 1-12, day); inverse of civil_from_days."""
    return _days64(y, m, d).to(torch.int32)


_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _days_in_month(y: Tensor, m: Tensor) -> Tensor:
    table = torch.tensor(_MONTH_DAYS, dtype=torch.int64, device=y.device)
    leap = ((y % 4 == 0) & (y % 100 != 0)) | (y % 400 == 0)
    return table[m - 1] + (leap & (m == 2)).to(torch.int64)


def add_months(days: Tensor, months: int | Tensor, is_timestamp: bool = False) -> Tensor:
    """days (or microseconds when is_timestamp) plus calendar months, the day clamped to the
    end of the target month as DuckDB does (Jan 31 + 1 month = Feb 28 or 29). Dtype kept."""
    if is_timestamp:
        day = _fdiv(days, US_PER_DAY)
        return (add_months(day, months) * US_PER_DAY + (days - day * US_PER_DAY)).to(days.dtype)
    y, m, d = _civil64(days)
    if isinstance(months, Tensor):
        months = months.to(torch.int64)
    total = y * 12 + (m - 1) + months
    ny = _fdiv(total, 12)
    nm = total - ny * 12 + 1
    nd = torch.minimum(d, _days_in_month(ny, nm))
    return _days64(ny, nm, nd).to(days.dtype)


def _split(values: Tensor, is_timestamp: bool) -> tuple[Tensor, Tensor]:
    """(days int64, microseconds within the day int64)."""
    v = values.to(torch.int64)
    if not is_timestamp:
        return v, torch.zeros_like(v)
    day = _fdiv(v, US_PER_DAY)
    return day, v - day * US_PER_DAY


# DuckDB's part names and their synonyms, as date_part / date_trunc / date_diff accept them
PART_ALIASES = {
    "y": "year", "yr": "year", "yrs": "year", "years": "year", "mon": "month", "mons": "month", "months": "month",
    "d": "day", "days": "day", "dayofmonth": "day", "h": "hour", "hr": "hour", "hrs": "hour", "hours": "hour",
    "m": "minute", "min": "minute", "mins": "minute", "minutes": "minute", "s": "second", "sec": "second",
    "secs": "second", "seconds": "second", "ms": "millisecond", "msec": "millisecond", "msecs": "millisecond",
    "milliseconds": "millisecond", "us": "microsecond", "usec": "microsecond", "usecs": "microsecond",
    "microseconds": "microsecond", "w": "week", "weeks": "week", "weekofyear": "week", "dayofweek": "dow",
    "weekday": "dow", "dayofyear": "doy", "decades": "decade", "centuries": "century", "millennia": "millennium",
    "millenniums": "millennium", "quarters": "quarter", "q": "quarter", "c": "century", "dec": "decade",
    "mil": "millennium", "mils": "millennium",
}


def part_name(part: str) -> str:
    p = part.lower()
    return PART_ALIASES.get(p, p)


def _iso_week(days: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """(ISO week 1-53, ISO year, first day of the ISO year): the week holding the Thursday of
    this Monday-based week."""
    thursday = days - (days + 3) % 7 + 3
    iso_year, _, _ = _civil64(thursday)
    jan1 = _days64(iso_year, torch.ones_like(iso_year), torch.ones_like(iso_year))
    start = jan1 - (jan1 + 3) % 7 + torch.where((jan1 + 3) % 7 > 3, 7, 0)  # Monday of week 1
    return (thursday - jan1) // 7 + 1, iso_year, start


def _tdiv(a: Tensor, b: int) -> Tensor:
    return torch.div(a, b, rounding_mode="trunc")


# part -> how many of its unit fit a year count (millennium, century, decade by year)
_YEAR_SPANS = {"millennium": 1000, "century": 100, "decade": 10}
_TIME_UNITS = {"hour": 3600 * US_PER_SECOND, "minute": 60 * US_PER_SECOND, "second": US_PER_SECOND,
               "millisecond": 1000, "microsecond": 1}
EXTRACT_PARTS = ("year", "month", "day", "quarter", "dow", "isodow", "doy", "week", "isoyear", "yearweek",
                 "decade", "century", "millennium", "hour", "minute", "second", "millisecond", "microsecond",
                 "epoch", "julian", "era")
DOUBLE_PARTS = ("epoch", "julian")  # the parts DuckDB gives as DOUBLE


def extract(field: str, values: Tensor, is_timestamp: bool) -> Tensor:
    """EXTRACT(field FROM values) for a DATE (days) or TIMESTAMP (microseconds) tensor: int64,
    or float64 for epoch (seconds since 1970-01-01, with the fraction) and julian (the Julian
    day number). Fields as DuckDB names them (EXTRACT_PARTS, PART_ALIASES): dow 0 = Sunday,
    isodow 1 = Monday .. 7 = Sunday, week / isoyear ISO 8601, yearweek isoyear * 100 + week,
    millisecond / microsecond of the minute, seconds included."""
    f = part_name(field)
    day, us = _split(values, is_timestamp)
    if f == "epoch":
        return values.to(torch.float64) / US_PER_SECOND if is_timestamp else day.to(torch.float64) * 86_400
    if f == "julian":
        return (day + 2_440_588).to(torch.float64) + us.to(torch.float64) / US_PER_DAY
    if f == "hour":
        return us // _TIME_UNITS["hour"]
    if f == "minute":
        return us // _TIME_UNITS["minute"] % 60
    if f in ("second", "millisecond", "microsecond"):
        return us % (60 * US_PER_SECOND) // _TIME_UNITS[f]
    if f == "dow":
        return (day + 4) % 7                                 # 1970-01-01 was a Thursday
    if f == "isodow":
        return (day + 3) % 7 + 1
    if f in ("week", "isoyear", "yearweek"):
        week, iso_year, _ = _iso_week(day)
        return {"week": week, "isoyear": iso_year, "yearweek": iso_year * 100 + week}[f]
    y, m, d = _civil64(day)
    if f == "year":
        return y
    if f == "month":
        return m
    if f == "day":
        return d
    if f == "quarter":
        return (m - 1) // 3 + 1
    if f == "doy":
        return day - _days64(y, torch.ones_like(y), torch.ones_like(y)) + 1
    if f == "decade":
        return _fdiv(y, 10)
    if f == "century":
        return torch.where(y > 0, (y - 1) // 100 + 1, -((-y) // 100) - 1)
    if f == "millennium":
        return torch.where(y > 0, (y - 1) // 1000 + 1, -((-y) // 1000) - 1)
    if f == "era":  # 1 AD on, 0 before
        return (y > 0).to(torch.int64)
    raise ValueError(f"unsupported EXTRACT field {field!r}")


TRUNC_PARTS = ("millennium", "century", "decade", "year", "quarter", "month", "week", "isoyear", "day",
               "hour", "minute", "second", "millisecond", "microsecond")


def date_trunc(field: str, values: Tensor, is_timestamp: bool) -> Tensor:
    """DATE_TRUNC(field, values) as int64 microseconds (DuckDB types it TIMESTAMP for a DATE
    too). Fields: TRUNC_PARTS; week is the ISO week (Monday), isoyear the Monday of ISO week 1,
    millennium / century / decade the year rounded down to 1000 / 100 / 10 (as DuckDB:
    century of 2001 is 2000)."""
    f = part_name(field)
    f = "week" if f == "yearweek" else f
    day, us = _split(values, is_timestamp)
    if f in _TIME_UNITS:
        return day * US_PER_DAY + us - us % _TIME_UNITS[f]
    if f == "day":
        out = day
    elif f == "week":
        out = day - (day + 3) % 7                            # back to Monday
    elif f == "isoyear":
        out = _iso_week(day)[2]
    else:
        y, m, _ = _civil64(day)
        one = torch.ones_like(m)
        if f in _YEAR_SPANS:
            y, m = _tdiv(y, _YEAR_SPANS[f]) * _YEAR_SPANS[f], one
        elif f == "year":
            m = one
        elif f == "quarter":
            m = (m - 1) // 3 * 3 + 1
        elif f != "month":
            raise ValueError(f"unsupported DATE_TRUNC field {field!r}")
        out = _days64(y, m, one)
    return out * US_PER_DAY


DIFF_PARTS = ("millennium", "century", "decade", "year", "isoyear", "quarter", "month", "week", "day", "doy",
              "dow", "isodow", "hour", "minute", "second", "millisecond", "microsecond")


def _months(day: Tensor) -> Tensor:
    y, m, _ = _civil64(day)
    return y * 12 + m - 1


def date_diff(field: str, start: Tensor, end: Tensor) -> Tensor:
    """DATE_DIFF(field, start, end) of int64 microsecond tensors: the number of field
    boundaries crossed from start to end (DuckDB: the difference of the truncated values; week
    is the distance in whole 7-day spans, as DuckDB counts it)."""
    f = part_name(field)
    if f in _TIME_UNITS:
        u = _TIME_UNITS[f]
        return _fdiv(end, u) - _fdiv(start, u)
    d0, d1 = _fdiv(start, US_PER_DAY), _fdiv(end, US_PER_DAY)
    if f in ("day", "doy", "dow", "isodow"):
        return d1 - d0
    if f == "week":
        return _tdiv(d1 - d0, 7)
    if f == "isoyear":
        return _iso_week(d1)[1] - _iso_week(d0)[1]
    m0, m1 = _months(d0), _months(d1)
    if f == "month":
        return m1 - m0
    if f == "quarter":
        return _fdiv(m1, 3) - _fdiv(m0, 3)
    y0, y1 = _fdiv(m0, 12), _fdiv(m1, 12)
    if f == "year":
        return y1 - y0
    if f in _YEAR_SPANS:
        return _tdiv(y1, _YEAR_SPANS[f]) - _tdiv(y0, _YEAR_SPANS[f])
    raise ValueError(f"unsupported DATE_DIFF field {field!r}")


def age(ts1: Tensor, ts2: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """(months, days, microseconds) of AGE(ts1, ts2), int64 microsecond tensors: DuckDB's
    field-by-field difference, borrowing days from the month of the earlier timestamp, every
    part carrying the sign of ts1 - ts2."""
    flip = ts1 < ts2
    late, early = torch.where(flip, ts2, ts1), torch.where(flip, ts1, ts2)
    (dl, tl), (de, te) = _split(late, True), _split(early, True)
    (yl, ml, al), (ye, me, ae) = _civil64(dl), _civil64(de)
    micros, day = tl - te, al - ae
    borrow = micros < 0
    micros, day = micros + borrow * US_PER_DAY, day - borrow.to(torch.int64)
    months = (yl - ye) * 12 + ml - me
    early_month = _days_in_month(ye, me)
    for _ in range(2):  # a month of 28 days may not cover a deficit of up to 31
        borrow = day < 0
        day, months = day + borrow * early_month, months - borrow.to(torch.int64)
    sign = torch.where(flip, -1, 1)
    return months * sign, day * sign, micros * sign


def date_sub(field: str, start: Tensor, end: Tensor) -> Tensor:
    """DATE_SUB(field, start, end) of int64 microsecond tensors: the number of whole fields
    from start to end (negative when end is earlier). Month-based parts follow DuckDB's rule:
    ending on the last day of a month completes the month started on a later day number."""
    f = part_name(field)
    if f in ("isoyear",):
        f = "year"
    if f in _TIME_UNITS or f in ("day", "doy", "dow", "isodow", "week"):
        unit = _TIME_UNITS.get(f) or US_PER_DAY * (7 if f == "week" else 1)
        return _tdiv(end - start, unit)
    flip = start > end
    lo, hi = torch.where(flip, end, start), torch.where(flip, start, end)
    (dl, tl), (dh, th) = _split(lo, True), _split(hi, True)
    yl, ml, al = _civil64(dl)
    yh, mh, ah = _civil64(dh)
    end_days = _days_in_month(yh, mh)
    clamp = (ah == end_days) & ((al > end_days) | (al == end_days) & (tl < th))
    lo = torch.where(clamp, (_days64(yl, ml, end_days) * US_PER_DAY + tl), lo)
    months = age(hi, lo)[0]
    months = torch.where(flip, -months, months)
    spans = {"month": 1, "quarter": 3, "year": 12, "decade": 120, "century": 1200, "millennium": 12000}
    if f not in spans:
        raise ValueError(f"unsupported DATE_SUB field {field!r}")
    return _tdiv(months, spans[f])


def last_day(days: Tensor) -> Tensor:
    """The last day of each date's month (int64 days)."""
    y, m, d = _civil64(days)
    return days.to(torch.int64) - d + _days_in_month(y, m)


def valid_civil(y: Tensor, m: Tensor, d: Tensor) -> Tensor:
    """Whether (year, month, day) is a date of years 1..9999."""
    ok_month = (m >= 1) & (m <= 12)
    return ok_month & (y >= 1) & (y <= 9999) & (d >= 1) & (d <= _days_in_month(y, m.clamp(1, 12)))


def format_timestamp(micros: int) -> str:
    """A TIMESTAMP as DuckDB prints one: the fraction without trailing zeros.

    >>> format_timestamp(1_500_000), format_timestamp(0)
    ('1970-01-01 00:00:01.5', '1970-01-01 00:00:00')
    """
    import datetime as dt
    text = str(dt.datetime(1970, 1, 1) + dt.timedelta(microseconds=int(micros)))
    return text.rstrip("0") if "." in text else text


def format_interval(micros: int) -> str:
    """An INTERVAL as DuckDB prints one without months: '1520 days 14:00:00', '-1 day
    -00:00:01.000123', '00:00:01.5'.

    >>> format_interval(-86_401_000_123), format_interval(1_500_000), format_interval(0)
    ('-1 day -00:00:01.000123', '00:00:01.5', '00:00:00')
    """
    sign = -1 if micros < 0 else 1
    days, rest = divmod(abs(micros), US_PER_DAY)
    parts = [f"{sign * days} day{'s' if days != 1 else ''}"] if days else []
    if rest or not days:
        secs, frac = divmod(rest, US_PER_SECOND)
        text = f"{'-' if sign < 0 and rest else ''}{secs // 3600:02d}:{secs // 60 % 60:02d}:{secs % 60:02d}"
        parts.append(text + (f".{frac:06d}".rstrip("0") if frac else ""))
    return " ".join(parts)
