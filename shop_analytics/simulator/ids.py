"""Deterministic identifiers: the same seed and anchor give the same ids, a new anchor new ones.

Event ids are UUID-formatted strings (version nibble 4, RFC variant) made of a run
namespace hashed from (seed, anchor) and a counter, which is much cheaper than
``uuid.uuid4()`` per event and reproducible.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from itertools import count


class Ids:
    def __init__(self, seed: int, anchor_ms: int) -> None:
        digest = hashlib.sha256(f"shop-simulator:{seed}:{anchor_ms}".encode()).hexdigest()
        variant = "89ab"[int(digest[16], 16) % 4]
        self.namespace = f"{digest[:8]}-{digest[8:12]}-4{digest[13:16]}-{variant}{digest[17:20]}-"
        self.tag = digest[20:26].upper()
        # not a method but the C-level ``__next__`` of a formatting map: it runs once per event
        self.event_id: Callable[[], str] = map((self.namespace + "%012x").__mod__, count(1)).__next__
        self._sessions = count(1)
        self._orders = count(1)
        self._sales = count(1)
        self._returns = count(1)
        self._visitors = count(1)

    def session_id(self) -> str:
        return f"SES-{self.tag}-{next(self._sessions):09d}"

    def order_id(self) -> str:
        return f"ORD-{self.tag}-{next(self._orders):08d}"

    def sale_id(self) -> str:
        return f"SAL-{self.tag}-{next(self._sales):08d}"

    def return_id(self) -> str:
        return f"RET-{self.tag}-{next(self._returns):07d}"

    def anonymous_visitor_id(self) -> str:
        return f"anon-{self.tag.lower()}-{next(self._visitors):08d}"

    def fault_event_id(self, n: int) -> str:
        """Ids of injected records that have none of their own (distinct from event ids)."""
        return f"{self.namespace[:-5]}f{self.namespace[-4:]}{n:012x}"
