"""The Spark Connect warm-up `services.up` runs: one record through the real bronze ingest,
scratch tables dropped after, and a failure that leaves the platform up."""

from __future__ import annotations

import logging

import pytest
from confluent_kafka import Consumer, TopicPartition

from shop_analytics.platform import warm_up
from shop_analytics.platform.settings import PlatformSettings
from shop_analytics_tests.conftest import free_port
from shop_analytics_tests.streaming.exactly_once_helpers import catalog

pytestmark = pytest.mark.integration


def _records_in_topic(bootstrap: str) -> int:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "warm-up-test"})
    try:
        low, high = consumer.get_watermark_offsets(TopicPartition(warm_up.TOPIC, 0), timeout=10)
    finally:
        consumer.close()
    return high - low


def test_warm_up_runs_a_record_through_the_ingest_and_drops_its_tables(platform: PlatformSettings) -> None:
    # The session's `services.up` started the server and warmed it once already.
    before = _records_in_topic(platform.kafka_bootstrap)
    assert before >= 1

    seconds = warm_up.warm_up(platform)

    assert seconds is not None and seconds > 0
    assert _records_in_topic(platform.kafka_bootstrap) == before + 1
    namespaces = {ns[0] for ns in catalog(platform).list_namespaces()}
    assert warm_up.NAMESPACE not in namespaces


def test_a_warm_up_that_cannot_reach_the_server_is_a_warning_not_an_error(
    platform: PlatformSettings, caplog: pytest.LogCaptureFixture
) -> None:
    nobody = platform.replace(spark_connect_port=free_port())  # nothing listens there
    with caplog.at_level(logging.WARNING, logger=warm_up.__name__):
        assert warm_up.warm_up(nobody) is None
    assert "Spark Connect warm-up failed (the first ingest run will start cold)" in caplog.text
    assert "no Spark Connect server answers" in caplog.text
