"""Small helpers for tests that drive the Dagster definitions against the test platform."""

from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

from shop_analytics.platform.settings import PlatformSettings
from shop_analytics.resources.environments import build_resources
from shop_analytics_tests.conftest import settings_environ


def platform_resources(settings: PlatformSettings) -> dict:
    return build_resources(settings_environ(settings))


def create_topic(bootstrap: str, topic: str, partitions: int) -> None:
    admin = AdminClient({"bootstrap.servers": bootstrap})
    existing = admin.list_topics(timeout=10).topics
    if topic not in existing:
        admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)])[topic].result(timeout=30)


def produce(bootstrap: str, topic: str, count: int, start: int = 0) -> int:
    """Produce ``count`` keyed records; return how many the broker acknowledged."""
    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "acks": "all", "linger.ms": 5})
    acked = 0

    def on_delivery(err, _msg) -> None:
        nonlocal acked
        if err is None:
            acked += 1

    for i in range(start, start + count):
        producer.produce(topic, key=f"customer-{i % 50}", value=f"event-{i}".encode(), on_delivery=on_delivery)
        producer.poll(0)
    assert producer.flush(30) == 0
    return acked
