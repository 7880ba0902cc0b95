"""Deterministic identifiers: the same seed and anchor give the same ids, a new anchor new ones.

Event ids are UUID-formatted strings (version nibble 4, RFC variant) made of a run
namespace hashed from (seed, anchor) and a counter, which is much cheaper than
``uuid.uuid4()`` per event and reproducible.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from itertools import chain, count

# Event ids count in hex; the last three digits come from this table, the rest is formatted
# once per 4096 ids.
_LOW_DIGITS = tuple(f"{n:03x}" for n in range(4096))


class Ids:
    def __init__(self, seed: int, anchor_ms: int) -> None:
        digest = hashlib.sha256(f"shop-simulator:{seed}:{anchor_ms}".encode()).hexdigest()
        variant = "89ab"[int(digest[16], 16) % 4]
        self.namespace = f"{digest[:8]}-{digest[8:12]}-4{digest[13:16]}-{variant}{digest[17:20]}-"
        self.tag = digest[20:26].upper()
        # namespace + the counter as 12 hex digits (1, 2, ...), once per event: not a method but
        # the C-level ``__next__`` of a chain of ``prefix.__add__`` maps, one concatenation per
        # id instead of a formatting call (the same strings as ``namespace + "%012x" % n``)
        ids = chain.from_iterable(self._id_blocks())
        next(ids)  # the counter starts at 1
        self.event_id: Callable[[], str] = ids.__next__
        # the other ids the same way: C-level ``__next__`` of a formatting map, no Python frame
        self.session_id: Callable[[], str] = self._numbered(f"SES-{self.tag}-%09d")
        self.order_id: Callable[[], str] = self._numbered(f"ORD-{self.tag}-%08d")
        self.sale_id: Callable[[], str] = self._numbered(f"SAL-{self.tag}-%08d")
        self.return_id: Callable[[], str] = self._numbered(f"RET-{self.tag}-%07d")
        self.anonymous_visitor_id: Callable[[], str] = self._numbered(f"anon-{self.tag.lower()}-%08d")

    @staticmethod
    def _numbered(pattern: str) -> Callable[[], str]:
        """``pattern % 1``, ``pattern % 2``, ... one per call."""
        return map(pattern.__mod__, count(1)).__next__

    def _id_blocks(self) -> Iterator[Iterator[str]]:
        for high in count():
            yield map(f"{self.namespace}{high:09x}".__add__, _LOW_DIGITS)

    def fault_event_id(self, n: int) -> str:
        """Ids of injected records that have none of their own (distinct from event ids)."""
        return f"{self.namespace[:-5]}f{self.namespace[-4:]}{n:012x}"
