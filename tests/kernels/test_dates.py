import calendar
import datetime as dt

import pytest
import torch

from tqp.kernels.dates import (US_PER_DAY, add_months, civil_from_days, date_trunc,
                               days_from_civil, extract)

EPOCH = dt.date(1970, 1, 1)
# every day of several leap/non-leap years around interesting boundaries, plus far dates
DAYS = sorted(set(
    list(range(-800, 800))  # 1967..1972
    + list(range((dt.date(1899, 12, 1) - EPOCH).days, (dt.date(1901, 3, 5) - EPOCH).days))
    + list(range((dt.date(1999, 12, 1) - EPOCH).days, (dt.date(2001, 3, 5) - EPOCH).days))
    + list(range((dt.date(2023, 12, 1) - EPOCH).days, (dt.date(2024, 3, 5) - EPOCH).days))
    + [(dt.date(1, 1, 1) - EPOCH).days, (dt.date(9999, 12, 31) - EPOCH).days,
       (dt.date(1582, 10, 15) - EPOCH).days, (dt.date(1600, 2, 29) - EPOCH).days]
    + list(range(-700_000, 2_900_000, 997))))
DATES = [EPOCH + dt.timedelta(days=d) for d in DAYS]


def _t(xs, device, dtype=torch.int32):
    return torch.tensor(xs, dtype=dtype, device=device)


def test_civil_round_trip(device):
    y, m, d = civil_from_days(_t(DAYS, device))
    assert y.dtype == torch.int32
    assert list(zip(y.tolist(), m.tolist(), d.tolist())) == [(x.year, x.month, x.day) for x in DATES]
    back = days_from_civil(y, m, d)
    assert back.dtype == torch.int32 and back.tolist() == DAYS


def test_empty(device):
    e = _t([], device)
    assert civil_from_days(e)[0].shape == (0,)
    assert extract("year", e, False).shape == (0,)
    assert add_months(e, 3).shape == (0,)


def _ref_add_months(d, k):
    total = d.year * 12 + d.month - 1 + k
    y, m = divmod(total, 12)
    m += 1
    return dt.date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


@pytest.mark.parametrize("k", [1, -1, 12, -13, 25, 0, 3])
def test_add_months(device, k):
    sub = [(d, x) for d, x in zip(DAYS, DATES) if 2 <= x.year <= 9997]
    got = add_months(_t([d for d, _ in sub], device), k).tolist()
    assert got == [(_ref_add_months(x, k) - EPOCH).days for _, x in sub]


def test_add_months_tensor_and_timestamp(device):
    days = [(dt.date(2024, 1, 31) - EPOCH).days, (dt.date(2023, 3, 31) - EPOCH).days]
    got = add_months(_t(days, device), _t([1, -1], device)).tolist()
    assert got == [(dt.date(2024, 2, 29) - EPOCH).days, (dt.date(2023, 2, 28) - EPOCH).days]
    ts = _t([days[0] * US_PER_DAY + 5_000_000, -1], device, torch.int64)
    out = add_months(ts, 1, is_timestamp=True).tolist()
    assert out == [(dt.date(2024, 2, 29) - EPOCH).days * US_PER_DAY + 5_000_000,
                   (dt.date(1970, 2, 1) - EPOCH).days * US_PER_DAY - 1]


def test_extract_date_fields(device):
    t = _t(DAYS, device)
    ref = {
        "year": [x.year for x in DATES],
        "quarter": [(x.month - 1) // 3 + 1 for x in DATES],
        "month": [x.month for x in DATES],
        "day": [x.day for x in DATES],
        "dayofweek": [x.isoweekday() % 7 for x in DATES],
        "isodow": [x.isoweekday() for x in DATES],
        "dayofyear": [x.timetuple().tm_yday for x in DATES],
        "week": [x.isocalendar()[1] for x in DATES],
        "isoyear": [x.isocalendar()[0] for x in DATES],
        "hour": [0] * len(DAYS),
    }
    for field, want in ref.items():
        got = extract(field, t, is_timestamp=False)
        assert got.dtype == torch.int64 and got.tolist() == want, field
    epoch = extract("epoch", t, is_timestamp=False)
    assert epoch.dtype == torch.float64 and epoch.tolist() == [d * 86400.0 for d in DAYS]  # DOUBLE, as DuckDB


def test_extract_timestamp_fields(device):
    g = torch.Generator().manual_seed(5)
    us = torch.randint(-3 * 10**17 // 100, 3 * 10**17 // 10, (2000,), generator=g).tolist()
    us += [0, -1, US_PER_DAY - 1, -US_PER_DAY]
    base = dt.datetime(1970, 1, 1)
    ts = [base + dt.timedelta(microseconds=u) for u in us]
    t = _t(us, device, torch.int64)
    ref = {
        "year": [x.year for x in ts], "month": [x.month for x in ts], "day": [x.day for x in ts],
        "hour": [x.hour for x in ts], "minute": [x.minute for x in ts],
        "second": [x.second for x in ts],
        "millisecond": [x.second * 1000 + x.microsecond // 1000 for x in ts],
        "microsecond": [x.second * 10**6 + x.microsecond for x in ts],
        "dow": [x.isoweekday() % 7 for x in ts],
        "epoch": [float(u) / 1e6 for u in us],  # as DuckDB: the microseconds as a DOUBLE, divided
    }
    for field, want in ref.items():
        assert extract(field, t, is_timestamp=True).tolist() == want, field


def test_date_trunc(device):
    t = _t(DAYS, device)
    def days(x):  # the result is microseconds, a DATE's too (DuckDB types it TIMESTAMP)
        return (x - EPOCH).days * US_PER_DAY
    assert date_trunc("year", t, False).tolist() == [days(x.replace(month=1, day=1)) for x in DATES]
    assert date_trunc("month", t, False).tolist() == [days(x.replace(day=1)) for x in DATES]
    assert date_trunc("quarter", t, False).tolist() == [
        days(x.replace(month=(x.month - 1) // 3 * 3 + 1, day=1)) for x in DATES]
    assert date_trunc("week", t, False).tolist() == [
        days(x - dt.timedelta(days=x.weekday())) for x in DATES]
    assert date_trunc("day", t, False).tolist() == [d * US_PER_DAY for d in DAYS]
    assert date_trunc("day", t, False).dtype == torch.int64
    us = _t([d * US_PER_DAY + 3_723_456_789 for d in DAYS[:50]] + [-1], device, torch.int64)
    assert date_trunc("hour", us, True).tolist() == [d * US_PER_DAY + 3_600_000_000 for d in DAYS[:50]] + [-3_600_000_000]
    assert date_trunc("minute", us, True).tolist()[0] == DAYS[0] * US_PER_DAY + 3_720_000_000
    assert date_trunc("month", us, True).tolist()[-1] == days(dt.date(1969, 12, 1))


def test_unknown_field(device):
    with pytest.raises(ValueError):
        extract("fortnight", _t([1], device), False)
