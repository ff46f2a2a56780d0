"""Plan-to-plan rewrites, one rule per module, run in order after binding.

>>> import tqp.types as T
>>> from tqp.plan import nodes as P
>>> optimize(P.Scan("t", (("a", T.INTEGER),))) == P.Scan("t", (("a", T.INTEGER),))
True
"""
from __future__ import annotations

from ..plan.nodes import Rel
from ..plan.share import share_repeated
from .push_filters import push_filters

RULES = (push_filters, share_repeated)


def optimize(plan: Rel) -> Rel:
    for rule in RULES:
        plan = rule(plan)
    return plan
