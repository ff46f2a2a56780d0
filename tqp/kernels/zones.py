"""Time zones over tensors: TIMESTAMP WITH TIME ZONE values are UTC microseconds, and a zone's
local time is UTC plus an offset that changes at the zone's transitions (DST, law changes).

A zone's transitions over the data's range are found once with zoneinfo (and remembered); a
column then moves between UTC and local time with one searchsorted over them, never a Python
call per row.

>>> import torch
>>> noon_utc = torch.tensor([1_704_110_400_000_000, 1_720_008_000_000_000])  # 2024-01-01, 2024-07-03 12:00
>>> ((to_local(noon_utc, "America/New_York") - noon_utc) // 3_600_000_000).tolist()  # EST, then EDT
[-5, -4]
>>> bool((to_utc(to_local(noon_utc, "Europe/Paris"), "Europe/Paris") == noon_utc).all())
True
>>> format_instant(1_704_110_400_000_000, "Asia/Kolkata")
'2024-01-01 17:30:00+05:30'

A local time that a change skips (02:30 when clocks go from 02:00 to 03:00) is read with the
offset before the change, and one that happens twice as the later instant, as DuckDB does.
"""
from __future__ import annotations

import datetime as dt
import functools
import zoneinfo

import torch

from ..errors import ProgrammingError

US = 1_000_000
_DAY_US = 86_400 * US
_WEEK_S = 7 * 86_400
_UTC_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
_FIRST_S = -62_135_596_800 + 2 * 86_400  # 0001-01-03: an offset cannot push it out of datetime's range
_LAST_S = 253_402_300_799 - 2 * 86_400


@functools.lru_cache(maxsize=1)
def _names_by_lower() -> dict[str, str]:
    return {n.lower(): n for n in zoneinfo.available_timezones()}


@functools.lru_cache(maxsize=256)
def zone_name(text: str) -> str:
    """The IANA name of a zone as written in any letter case ('utc' -> 'UTC'); ProgrammingError
    naming near matches for an unknown one."""
    name = _names_by_lower().get(text.strip().lower())
    if name is None:
        from ..sql.scope import suggest
        raise ProgrammingError(f"unknown time zone '{text}'" + suggest(text.strip(), sorted(_names_by_lower().values())))
    return name


@functools.lru_cache(maxsize=256)
def _zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)


def _offset_s(zone: zoneinfo.ZoneInfo, s: int) -> int:
    """The zone's UTC offset in seconds at `s` seconds after 1970-01-01 UTC."""
    return int((_UTC_EPOCH + dt.timedelta(seconds=s)).astimezone(zone).utcoffset().total_seconds())


@functools.lru_cache(maxsize=64)
def _transitions(name: str, first_year: int, last_year: int) -> tuple[list[int], list[int]]:
    """(transition instants in seconds, offsets in seconds) over whole years first..last:
    offsets[i] holds before transitions[i], offsets[-1] after the last. Offsets are sampled a
    week apart and each change is bisected to the second (two changes inside one week are
    found too: the rest of the span is searched again)."""
    zone = _zone(name)
    lo = max(_FIRST_S, (first_year - 1970) * 31_556_952)
    hi = min(_LAST_S, (last_year + 1 - 1970) * 31_556_952)
    at = [lo + i * _WEEK_S for i in range((hi - lo) // _WEEK_S + 1)] + [hi]
    offs = [_offset_s(zone, s) for s in at]
    instants, after = [], [offs[0]]

    def refine(s0, a, s1, b):
        while a != b:
            x, y = s0, s1  # off(x) == a, off(y) != a: bisect to the first second past a
            while y - x > 1:
                mid = (x + y) // 2
                if _offset_s(zone, mid) == a:
                    x = mid
                else:
                    y = mid
            s0, a = y, _offset_s(zone, y)
            instants.append(y)
            after.append(a)
    for i in range(1, len(at)):
        refine(at[i - 1], offs[i - 1], at[i], offs[i])
    return instants, after


def _table(name: str, x: torch.Tensor, margin_us: int = 0):
    """(transitions, offsets) as microsecond tensors on x's device, covering x's values."""
    if x.numel() == 0:
        lo = hi = 0
    else:
        lo, hi = (int(v) for v in torch.aminmax(x.reshape(-1)))
    year = lambda us: 1970 + us // (US * 31_556_952)  # noqa: E731 - whole years keep the cache warm
    instants, offsets = _transitions(name, max(1, year(lo - margin_us) - 1), min(9999, year(hi + margin_us) + 1))
    return (torch.tensor(instants, dtype=torch.int64, device=x.device) * US,
            torch.tensor(offsets, dtype=torch.int64, device=x.device) * US)


def _offset_at(utc: torch.Tensor, table) -> torch.Tensor:
    instants, offsets = table
    if instants.numel() == 0:
        return offsets[0].expand_as(utc)
    return offsets[torch.searchsorted(instants, utc.contiguous(), right=True)]


def offsets(utc: torch.Tensor, name: str) -> torch.Tensor:
    """The zone's UTC offset (microseconds) at each instant."""
    return _offset_at(utc, _table(name, utc))


def to_local(utc: torch.Tensor, name: str) -> torch.Tensor:
    """UTC microseconds -> the zone's wall-clock microseconds."""
    return utc + offsets(utc, name)


def to_utc(local: torch.Tensor, name: str) -> torch.Tensor:
    """The zone's wall-clock microseconds -> UTC microseconds. Around a change the offsets a day
    before (p) and after (q) are both tried: a reading that holds is kept (the later of two),
    and a skipped local time takes p."""
    table = _table(name, local, 2 * _DAY_US)
    p, q = _offset_at(local - _DAY_US, table), _offset_at(local + _DAY_US, table)
    up, uq = local - p, local - q
    holds_p, holds_q = _offset_at(up, table) == p, _offset_at(uq, table) == q
    return torch.where(holds_q & (~holds_p | (uq > up)), uq, up)


def offset_text(seconds: int) -> str:
    """An offset as DuckDB prints it: +02, -05, +05:30, -04:56:02."""
    sign = "-" if seconds < 0 else "+"
    h, rest = divmod(abs(seconds), 3600)
    m, s = divmod(rest, 60)
    return f"{sign}{h:02d}" + (f":{m:02d}" if m or s else "") + (f":{s:02d}" if s else "")


def format_instant(micros: int, name: str) -> str:
    """One instant as text in the zone: '2024-01-01 05:00:00-05'."""
    local = (_UTC_EPOCH + dt.timedelta(microseconds=int(micros))).astimezone(_zone(name))
    text = str(local.replace(tzinfo=None))
    return (text.rstrip("0") if local.microsecond else text) + offset_text(int(local.utcoffset().total_seconds()))


def parse_instant(text: str, name: str) -> int:
    """UTC microseconds of a TIMESTAMPTZ's text: an offset ('+02', '+05:30', 'Z') or a zone name
    after the time ('2024-01-01 10:00 Europe/Paris') says its zone, else it is local time in
    zone `name`. ValueError when the text is no timestamp."""
    text = text.strip()
    head, _, tail = text.rpartition(" ")
    if head and tail[:1].isalpha() and tail.upper() != "Z":
        try:
            name = zone_name(tail)
        except ProgrammingError:
            raise ValueError(f"unknown time zone '{tail}'") from None
        text = head
    t = dt.datetime.fromisoformat(text)
    if t.tzinfo is not None:
        return (t - _UTC_EPOCH) // dt.timedelta(microseconds=1)
    naive = (t - dt.datetime(1970, 1, 1)) // dt.timedelta(microseconds=1)
    return int(to_utc(torch.tensor([naive]), name)[0])
