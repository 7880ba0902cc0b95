"""The KRaft broker: real produce/consume, clear errors, nothing left behind."""

import uuid
from pathlib import Path

import pytest
from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import AdminClient, NewTopic

from shop_analytics.platform import kafka_broker, process
from shop_analytics.platform.errors import PlatformError
from shop_analytics.platform.settings import PlatformSettings


def test_broker_round_trips_records_across_partitions(kafka_bootstrap: str) -> None:
    topic = f"test-roundtrip-{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)])[topic].result(timeout=30)

    producer = Producer({"bootstrap.servers": kafka_bootstrap, "enable.idempotence": True, "acks": "all"})
    delivered: list[int] = []
    for i in range(300):
        producer.produce(topic, key=f"k{i % 7}", value=str(i), on_delivery=lambda err, msg: delivered.append(msg.partition()) if err is None else None)
    assert producer.flush(30) == 0
    assert len(delivered) == 300
    assert set(delivered) == {0, 1, 2}

    consumer = Consumer(
        {"bootstrap.servers": kafka_bootstrap, "group.id": topic, "auto.offset.reset": "earliest"}
    )
    consumer.subscribe([topic])
    seen: set[str] = set()
    try:
        for _ in range(100):
            for msg in consumer.consume(num_messages=500, timeout=1.0):
                if msg.error() is None:
                    seen.add(msg.value().decode())
            if len(seen) == 300:
                break
    finally:
        consumer.close()
    assert seen == {str(i) for i in range(300)}


def test_second_start_returns_the_running_broker(platform: PlatformSettings) -> None:
    pid = process.read_pid(kafka_broker.files(platform))
    assert pid is not None
    assert kafka_broker.start(platform) == pid


def test_a_taken_port_is_a_one_line_error(platform: PlatformSettings, tmp_path: Path) -> None:
    # The session broker holds its port: a second broker asked to use it must refuse.
    clash = platform.replace(state_dir=tmp_path / "other")
    with pytest.raises(PlatformError, match=rf"port {platform.kafka_port} on 127.0.0.1 is taken.*SHOP_KAFKA_PORT") as info:
        kafka_broker.start(clash)
    assert "\n" not in str(info.value)


def test_missing_java_is_a_one_line_error(platform_settings: PlatformSettings, tmp_path: Path) -> None:
    settings = platform_settings.replace(state_dir=tmp_path / "s", java="/nonexistent/bin/java")
    with pytest.raises(PlatformError, match=r"Java .* was not found.*JAVA_HOME") as info:
        kafka_broker.start(settings)
    assert "\n" not in str(info.value)


def test_startup_failure_is_explained_from_the_log() -> None:
    log = "[x] ERROR foo\norg.apache.kafka.common.KafkaException: Socket server failed to bind to 127.0.0.1:9092: Address already in use.\n"
    assert kafka_broker.explain_failure(log) == (
        "127.0.0.1:9092 is taken: set SHOP_KAFKA_PORT / SHOP_KAFKA_CONTROLLER_PORT to free ports"
    )
