"""Fresh substitution parameters for the 22 TPC-H queries (TPC-H specification, clause 2.4).

The query files hold the spec's validation parameters. `substitute` replaces them with values
drawn from each parameter's range, so a benchmark run can give every repetition new constants:
a report or dashboard runs the same shapes with new values, and a cache keyed by the query text
(or memoizing per-string results of one pattern) must not make the figures look better than
what users see.

>>> import random
>>> text = "where l_shipdate <= date '1998-12-01' - interval '90' day"
>>> substitute(1, text, random.Random(1), 1.0) != text
True
"""
from __future__ import annotations

import datetime as dt
import random

REGIONS = {"AFRICA": ["ALGERIA", "ETHIOPIA", "KENYA", "MOROCCO", "MOZAMBIQUE"],
           "AMERICA": ["ARGENTINA", "BRAZIL", "CANADA", "PERU", "UNITED STATES"],
           "ASIA": ["INDIA", "INDONESIA", "JAPAN", "CHINA", "VIETNAM"],
           "EUROPE": ["FRANCE", "GERMANY", "ROMANIA", "RUSSIA", "UNITED KINGDOM"],
           "MIDDLE EAST": ["EGYPT", "IRAN", "IRAQ", "JORDAN", "SAUDI ARABIA"]}
NATIONS = [n for ns in REGIONS.values() for n in ns]
SEGMENTS = ["AUTOMOBILE", "BUILDING", "FURNITURE", "MACHINERY", "HOUSEHOLD"]
TYPE_S1 = ["STANDARD", "SMALL", "MEDIUM", "LARGE", "ECONOMY", "PROMO"]
TYPE_S2 = ["ANODIZED", "BURNISHED", "PLATED", "POLISHED", "BRUSHED"]
TYPE_S3 = ["TIN", "NICKEL", "BRASS", "STEEL", "COPPER"]
CONTAINER_S1 = ["SM", "LG", "MED", "JUMBO", "WRAP"]
CONTAINER_S2 = ["CASE", "BOX", "BAG", "JAR", "PKG", "PACK", "CAN", "DRUM"]
SHIPMODES = ["REG AIR", "AIR", "RAIL", "SHIP", "TRUCK", "MAIL", "FOB"]
COLORS = ("almond antique aquamarine azure beige bisque black blanched blue blush brown burlywood "
          "burnished chartreuse chiffon chocolate coral cornflower cornsilk cream cyan dark deep dim "
          "dodger drab firebrick floral forest frosted gainsboro ghost goldenrod green grey honeydew "
          "hot indian ivory khaki lace lavender lawn lemon light lime linen magenta maroon medium "
          "metallic midnight mint misty moccasin navajo navy olive orange orchid pale papaya peach "
          "peru pink plum powder puff purple red rose rosy royal saddle salmon sandy seashell sienna "
          "sky slate smoke snow spring steel tan thistle tomato turquoise violet wheat white yellow").split()
WORD1 = ["special", "pending", "unusual", "express"]
WORD2 = ["packages", "requests", "accounts", "deposits"]


def _month(rng, first: tuple[int, int], last: tuple[int, int]) -> str:
    months = (last[0] - first[0]) * 12 + last[1] - first[1]
    k = rng.randint(0, months)
    y, m = divmod(first[1] - 1 + k, 12)
    return f"{first[0] + y:04d}-{m + 1:02d}-01"


def _year(rng) -> str:
    return f"{rng.randint(1993, 1997)}-01-01"


def _brand(rng) -> str:
    return f"Brand#{rng.randint(1, 5)}{rng.randint(1, 5)}"


def _draw(q: int, rng: random.Random, sf: float) -> list[tuple[str, str]]:
    """(validation text, fresh text) pairs for query q."""
    if q == 1:
        return [("interval '90' day", f"interval '{rng.randint(60, 120)}' day")]
    if q == 2:
        region = rng.choice(list(REGIONS))
        return [("p_size = 15", f"p_size = {rng.randint(1, 50)}"),
                ("'%BRASS'", f"'%{rng.choice(TYPE_S3)}'"), ("'EUROPE'", f"'{region}'")]
    if q == 3:
        day = dt.date(1995, 3, rng.randint(1, 31)).isoformat()
        return [("'BUILDING'", f"'{rng.choice(SEGMENTS)}'"), ("'1995-03-15'", f"'{day}'")]
    if q == 4:
        return [("'1993-07-01'", f"'{_month(rng, (1993, 1), (1997, 10))}'")]
    if q == 5:
        return [("'ASIA'", f"'{rng.choice(list(REGIONS))}'"), ("'1994-01-01'", f"'{_year(rng)}'")]
    if q == 6:
        disc = rng.randint(2, 9) / 100
        return [("'1994-01-01'", f"'{_year(rng)}'"), ("0.06 - 0.01 and 0.06 + 0.01", f"{disc} - 0.01 and {disc} + 0.01"),
                ("l_quantity < 24", f"l_quantity < {rng.randint(24, 25)}")]
    if q == 7:
        n1, n2 = rng.sample(NATIONS, 2)
        return [("'FRANCE'", f"'{n1}'"), ("'GERMANY'", f"'{n2}'")]
    if q == 8:
        region = rng.choice(list(REGIONS))
        ptype = f"{rng.choice(TYPE_S1)} {rng.choice(TYPE_S2)} {rng.choice(TYPE_S3)}"
        return [("'BRAZIL'", f"'{rng.choice(REGIONS[region])}'"), ("'AMERICA'", f"'{region}'"),
                ("'ECONOMY ANODIZED STEEL'", f"'{ptype}'")]
    if q == 9:
        return [("'%green%'", f"'%{rng.choice(COLORS)}%'")]
    if q == 10:
        return [("'1993-10-01'", f"'{_month(rng, (1993, 2), (1995, 1))}'")]
    if q == 11:
        return [("'GERMANY'", f"'{rng.choice(NATIONS)}'"), ("* 0.0001", f"* {0.0001 / sf:.10f}")]
    if q == 12:
        m1, m2 = rng.sample(SHIPMODES, 2)
        return [("('MAIL', 'SHIP')", f"('{m1}', '{m2}')"), ("'1994-01-01'", f"'{_year(rng)}'")]
    if q == 13:
        return [("'%special%requests%'", f"'%{rng.choice(WORD1)}%{rng.choice(WORD2)}%'")]
    if q == 14:
        return [("'1995-09-01'", f"'{_month(rng, (1993, 1), (1997, 12))}'")]
    if q == 15:
        return [("'1996-01-01'", f"'{_month(rng, (1993, 1), (1997, 10))}'")]
    if q == 16:
        sizes = ", ".join(str(s) for s in rng.sample(range(1, 51), 8))
        return [("'Brand#45'", f"'{_brand(rng)}'"),
                ("'MEDIUM POLISHED%'", f"'{rng.choice(TYPE_S1)} {rng.choice(TYPE_S2)}%'"),
                ("(49, 14, 23, 45, 19, 3, 36, 9)", f"({sizes})")]
    if q == 17:
        return [("'Brand#23'", f"'{_brand(rng)}'"),
                ("'MED BOX'", f"'{rng.choice(CONTAINER_S1)} {rng.choice(CONTAINER_S2)}'")]
    if q == 18:
        return [("> 300", f"> {rng.randint(312, 315)}")]
    if q == 19:
        q1, q2, q3 = rng.randint(1, 10), rng.randint(10, 20), rng.randint(20, 30)
        return [("'Brand#12'", f"'{_brand(rng)}'"), ("'Brand#23'", f"'{_brand(rng)}'"),
                ("'Brand#34'", f"'{_brand(rng)}'"),
                ("l_quantity >= 1 and l_quantity <= 1 + 10", f"l_quantity >= {q1} and l_quantity <= {q1} + 10"),
                ("l_quantity >= 10 and l_quantity <= 10 + 10", f"l_quantity >= {q2} and l_quantity <= {q2} + 10"),
                ("l_quantity >= 20 and l_quantity <= 20 + 10", f"l_quantity >= {q3} and l_quantity <= {q3} + 10")]
    if q == 20:
        return [("'forest%'", f"'{rng.choice(COLORS)}%'"), ("'1994-01-01'", f"'{_year(rng)}'"),
                ("'CANADA'", f"'{rng.choice(NATIONS)}'")]
    if q == 21:
        return [("'SAUDI ARABIA'", f"'{rng.choice(NATIONS)}'")]
    if q == 22:
        codes = ", ".join(f"'{c}'" for c in rng.sample(range(10, 35), 7))
        return [("('13', '31', '23', '29', '30', '18', '17')", f"({codes})")]
    raise ValueError(f"TPC-H has no query {q}")


def substitute(q: int, text: str, rng: random.Random, sf: float) -> str:
    """Query q's text with fresh parameters in place of the validation ones."""
    for old, new in _draw(q, rng, sf):
        if old not in text:
            raise ValueError(f"Q{q}: validation parameter {old!r} not found in the query text")
        text = text.replace(old, new)
    return text
