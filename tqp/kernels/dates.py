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

__all__ = ["civil_from_days", "days_from_civil", "add_months", "extract", "date_trunc",
           "US_PER_DAY", "MIN_DAY", "MAX_DAY"]

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


def _iso_week(days: Tensor, year: Tensor) -> tuple[Tensor, Tensor]:
    """(ISO week 1-53, ISO year): the week holding the Thursday of this Monday-based week."""
    isodow = (days + 3) % 7                                  # 0 = Monday
    thursday = days - isodow + 3
    iso_year, _, _ = _civil64(thursday)
    jan1 = _days64(iso_year, torch.ones_like(iso_year), torch.ones_like(iso_year))
    return (thursday - jan1) // 7 + 1, iso_year


def extract(field: str, values: Tensor, is_timestamp: bool) -> Tensor:
    """int64 EXTRACT(field FROM values) for a DATE (days) or TIMESTAMP (microseconds) tensor.

    Fields: year, quarter, month, day, dayofweek/dow (0 = Sunday), isodow (1 = Monday ..
    7 = Sunday), dayofyear/doy, week (ISO), isoyear, decade, century, hour, minute,
    second (whole seconds of the minute), millisecond(s) and microsecond(s) (of the minute,
    seconds included, as DuckDB), epoch (whole seconds since 1970-01-01, floored; DuckDB's
    epoch of a TIMESTAMP is a fractional DOUBLE: use microseconds / 1e6 for that).
    """
    f = field.lower()
    day, us = _split(values, is_timestamp)
    if f in ("hour", "hours"):
        return us // (3600 * US_PER_SECOND)
    if f in ("minute", "minutes"):
        return us // (60 * US_PER_SECOND) % 60
    if f in ("second", "seconds"):
        return us // US_PER_SECOND % 60
    if f in ("millisecond", "milliseconds"):
        return us % (60 * US_PER_SECOND) // 1000
    if f in ("microsecond", "microseconds"):
        return us % (60 * US_PER_SECOND)
    if f == "epoch":
        return _fdiv(values.to(torch.int64), US_PER_SECOND) if is_timestamp else day * 86_400
    if f in ("dayofweek", "dow", "weekday"):
        return (day + 4) % 7                                 # 1970-01-01 was a Thursday
    if f == "isodow":
        return (day + 3) % 7 + 1
    y, m, d = _civil64(day)
    if f in ("year", "years"):
        return y
    if f in ("month", "months"):
        return m
    if f in ("day", "days", "dayofmonth"):
        return d
    if f == "quarter":
        return (m - 1) // 3 + 1
    if f in ("dayofyear", "doy"):
        return day - _days64(y, torch.ones_like(y), torch.ones_like(y)) + 1
    if f in ("week", "weeks", "weekofyear"):
        return _iso_week(day, y)[0]
    if f == "isoyear":
        return _iso_week(day, y)[1]
    if f == "decade":
        return _fdiv(y, 10)
    if f == "century":
        return torch.where(y > 0, (y - 1) // 100 + 1, -((-y) // 100) - 1)
    raise ValueError(f"unsupported EXTRACT field {field!r}")


def date_trunc(field: str, values: Tensor, is_timestamp: bool) -> Tensor:
    """DATE_TRUNC(field, values), in the input's own unit and dtype (days for a DATE,
    microseconds for a TIMESTAMP; DuckDB types the result of a DATE as TIMESTAMP, so a caller
    matching that multiplies by US_PER_DAY). Fields: year, quarter, month, week (ISO, Monday),
    day, hour, minute, second (the last three leave a DATE unchanged)."""
    f = field.lower().rstrip("s") if field.lower() != "days" else "day"
    day, us = _split(values, is_timestamp)
    unit = {"hour": 3600 * US_PER_SECOND, "minute": 60 * US_PER_SECOND, "second": US_PER_SECOND}
    if f in unit:
        if not is_timestamp:
            return values
        return (values.to(torch.int64) - us % unit[f]).to(values.dtype)
    if f == "day":
        out = day
    elif f == "week":
        out = day - (day + 3) % 7                            # back to Monday
    elif f in ("year", "quarter", "month"):
        y, m, _ = _civil64(day)
        if f == "year":
            m = torch.ones_like(m)
        elif f == "quarter":
            m = (m - 1) // 3 * 3 + 1
        out = _days64(y, m, torch.ones_like(m))
    else:
        raise ValueError(f"unsupported DATE_TRUNC field {field!r}")
    if is_timestamp:
        out = out * US_PER_DAY
    return out.to(values.dtype)
