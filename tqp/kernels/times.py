"""TIME values: microseconds since midnight in int64, DuckDB's TIME, read and shown as DuckDB's.

DuckDB accepts 24:00:00 (one whole day) as a TIME: it sorts after 23:59:59.999999, shows as
'24:00:00', and its hour is 24; any arithmetic on it wraps to the day's range again.

>>> parse_time('2024-01-01 7:05:09.1234567+02'), format_time(25_509_123_456), format_time(US_DAY)
(25509123456, '07:05:09.123456', '24:00:00')
>>> import torch
>>> time_field("minute", torch.tensor([25_509_123_456, US_DAY])).tolist()
[5, 0]
"""
from __future__ import annotations

import datetime as dt
import re

import torch

US_DAY = 86_400_000_000
_US = {"hour": 3_600_000_000, "minute": 60_000_000, "second": 1_000_000, "millisecond": 1000, "microsecond": 1}
TIME_PARTS = ("hour", "minute", "second", "millisecond", "microsecond", "epoch")  # what DuckDB extracts
DIFF_PARTS = ("hour", "minute", "second", "millisecond", "microsecond")

# DuckDB's text forms: [YYYY-MM-DD ]H:M[:S[.fraction]] with an offset that is read and ignored,
# or a date alone (midnight)
_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}(?:[ T]|$)")
_TIME = re.compile(r"(\d{1,2}):(\d{1,2})(?::(?:(\d{1,2})(?:\.(\d*))?)?)?\s*(?:Z|[+-]\d\d(?::?\d\d)?)?")


def parse_time(text: str) -> int:
    """Microseconds since midnight of a TIME's text; ValueError when it is none."""
    s = text.strip()
    date = _DATE.match(s)
    if date is not None:
        s = s[date.end():]
        if not s:
            return 0
    m = _TIME.fullmatch(s)
    if m is None:
        raise ValueError(text)
    h, mi, sec = int(m[1]), int(m[2]), int(m[3] or 0)
    frac = int((m[4] or "")[:6].ljust(6, "0"))
    micros = ((h * 60 + mi) * 60 + sec) * 1_000_000 + frac
    if mi > 59 or sec > 59 or micros > US_DAY:
        raise ValueError(text)
    return micros


def format_time(micros: int) -> str:
    """HH:MM:SS, with the fraction's digits up to the last that is not zero."""
    seconds, frac = divmod(int(micros), 1_000_000)
    text = f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
    return text + f".{frac:06d}".rstrip("0") if frac else text


def time_field(field: str, t: torch.Tensor) -> torch.Tensor:
    """EXTRACT(field FROM t) as DuckDB takes it of a TIME: int64 (float64 seconds for epoch);
    second, millisecond and microsecond count within the minute."""
    if field == "epoch":
        return t.to(torch.float64) / 1e6
    if field == "hour":
        return torch.div(t, _US["hour"], rounding_mode="floor")
    if field == "minute":
        return torch.div(t, _US["minute"], rounding_mode="floor") % 60
    return torch.div(t % _US["minute"], _US[field], rounding_mode="floor")


def time_diff(field: str, start: torch.Tensor, end: torch.Tensor, whole: bool) -> torch.Tensor:
    """date_diff (boundaries crossed; whole=False) or date_sub (whole parts elapsed, truncated
    toward zero) between two TIME tensors."""
    unit = _US[field]
    if whole:
        return torch.div(end - start, unit, rounding_mode="trunc")
    return torch.div(end, unit, rounding_mode="floor") - torch.div(start, unit, rounding_mode="floor")


def wrap(t: torch.Tensor) -> torch.Tensor:
    """Microseconds brought into one day, as TIME arithmetic wraps around midnight."""
    return torch.remainder(t, US_DAY)
