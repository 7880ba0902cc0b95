from shop_analytics.streaming import offsets


def test_lag_counts_unseen_partitions_from_zero() -> None:
    assert offsets.lag({0: 10, 1: 5}, {0: 4}) == {0: 6, 1: 5}


def test_lag_is_never_negative() -> None:
    assert offsets.lag({0: 3}, {0: 7}) == {0: 0}


def test_new_data_only_when_some_partition_is_ahead() -> None:
    assert offsets.has_new_data({0: 5, 1: 2}, {0: 5, 1: 1})
    assert not offsets.has_new_data({0: 5, 1: 2}, {0: 5, 1: 2})
    assert not offsets.has_new_data({0: 0}, {})


def test_fingerprint_depends_on_offsets_and_topic_not_on_order() -> None:
    a = offsets.fingerprint("t", {0: 1, 1: 2})
    assert a == offsets.fingerprint("t", {1: 2, 0: 1})
    assert a != offsets.fingerprint("t", {0: 1, 1: 3})
    assert a != offsets.fingerprint("u", {0: 1, 1: 2})


def test_json_round_trip() -> None:
    assert offsets.from_json(offsets.to_json({2: 9, 0: 1})) == {0: 1, 2: 9}
    assert offsets.from_json(None) == {}
