"""Kafka as a Dagster resource: end offsets for sensors, admin for topic checks."""

from __future__ import annotations

from typing import Any

from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient
from dagster import ConfigurableResource
from pydantic import Field


class KafkaResource(ConfigurableResource):
    """Connection settings for the Kafka cluster (the local broker or MSK)."""

    bootstrap_servers: str = Field(description="host:port[,host:port]")
    client_config: dict[str, Any] = Field(
        default_factory=dict,
        description="Extra librdkafka settings, e.g. security.protocol and sasl.* for MSK IAM.",
    )
    request_timeout_s: float = 10.0

    def base_config(self) -> dict[str, Any]:
        return {"bootstrap.servers": self.bootstrap_servers, **self.client_config}

    def admin(self) -> AdminClient:
        return AdminClient(self.base_config())

    def end_offsets(self, topic: str) -> dict[int, int]:
        """The next offset to be written in each partition of ``topic`` (the high watermark).

        Raises LookupError when the topic does not exist.
        """
        consumer = Consumer(
            {**self.base_config(), "group.id": "shop-analytics-offset-probe", "enable.auto.commit": False}
        )
        try:
            metadata = consumer.list_topics(topic, timeout=self.request_timeout_s)
            topic_meta = metadata.topics.get(topic)
            if topic_meta is None or topic_meta.error is not None or not topic_meta.partitions:
                raise LookupError(f"Kafka topic {topic!r} does not exist on {self.bootstrap_servers}")
            offsets: dict[int, int] = {}
            for partition in sorted(topic_meta.partitions):
                _, high = consumer.get_watermark_offsets(
                    TopicPartition(topic, partition), timeout=self.request_timeout_s
                )
                offsets[partition] = high
            return offsets
        finally:
            consumer.close()
