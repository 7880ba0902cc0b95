"""Deterministic identifiers: event ids are the run namespace + a 12-digit hex counter."""

from __future__ import annotations

import re

from shop_analytics.simulator.ids import Ids

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def test_event_ids_count_up_in_hex_after_the_namespace_across_blocks():
    ids = Ids(2024, 1_795_132_800_000)
    drawn = [ids.event_id() for _ in range(3 * 4096 + 5)]  # past two block boundaries of the table
    assert drawn == [f"{ids.namespace}{n:012x}" for n in range(1, len(drawn) + 1)]
    assert all(UUID.match(i) for i in drawn)


def test_same_seed_and_anchor_give_the_same_ids_another_anchor_others():
    a, b, c = Ids(7, 1000), Ids(7, 1000), Ids(7, 2000)
    assert [a.event_id() for _ in range(10)] == [b.event_id() for _ in range(10)]
    assert a.session_id() == b.session_id() != c.session_id()
    assert c.event_id() not in {Ids(7, 1000).event_id() for _ in range(10)}


def test_session_order_sale_return_and_visitor_ids_are_numbered_from_one_each():
    ids = Ids(3, 5)
    tag = ids.tag
    assert [ids.session_id() for _ in range(2)] == [f"SES-{tag}-000000001", f"SES-{tag}-000000002"]
    assert [ids.order_id(), ids.sale_id(), ids.return_id()] == [
        f"ORD-{tag}-00000001",
        f"SAL-{tag}-00000001",
        f"RET-{tag}-0000001",
    ]
    assert ids.anonymous_visitor_id() == f"anon-{tag.lower()}-00000001"
    assert ids.order_id() == f"ORD-{tag}-00000002"
