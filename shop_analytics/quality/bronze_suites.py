"""Bronze suites: the raw tables keep their schema, every record is complete, and each Kafka
record lands exactly once. One suite per event topic's table (``bronze.<family>``).

Bronze is raw: a re-sent event is two records here (silver drops the second), so event_id is
not unique in bronze; the exactly-once promise is about Kafka coordinates.
"""

from __future__ import annotations

from datetime import timedelta

from shop_analytics.quality import expectations as ex
from shop_analytics.quality.suite import ExpectationSpec, Layer, Scope, SuiteInputs, TableSuite
from shop_analytics.schemas.topics import TopicSpec, event_topics
from shop_analytics.streaming.bronze import BRONZE_COLUMNS

# Clock skew allowed between producers and the platform before an event time reads as future
# (silver quarantines such rows with the same tolerance).
FUTURE_TOLERANCE = timedelta(minutes=5)

REQUIRED = ("event_id", "event_type", "event_time", "payload", "schema_id", "kafka_topic", "kafka_partition",
            "kafka_offset", "ingested_at")  # fmt: skip


def _bronze_expectations(topic: TopicSpec):
    def build(inputs: SuiteInputs) -> list[ExpectationSpec]:
        return [
            ex.columns_present([name for name, _ in BRONZE_COLUMNS], exact=True),
            ex.has_rows(),
            *(ex.not_null(column) for column in REQUIRED),
            ex.not_null("kafka_timestamp", severity=ex.WARNING),
            ex.unique_together(["kafka_topic", "kafka_partition", "kafka_offset"]),
            ex.one_of("kafka_topic", [topic.name], severity=ex.CRITICAL),
            ex.between("kafka_partition", 0, topic.partitions - 1, severity=ex.WARNING),
            ex.between("kafka_offset", 0, severity=ex.WARNING),
            ex.between("schema_id", 1, severity=ex.WARNING),
            # Bronze keeps what producers sent and silver quarantines future times; more than
            # the odd one means a producer's clock is wrong.
            ex.between("event_time", maximum=inputs.now + FUTURE_TOLERANCE, severity=ex.WARNING, mostly=0.99),
        ]

    return build


def bronze_suite(topic: TopicSpec) -> TableSuite:
    return TableSuite(
        layer=Layer.BRONZE,
        table=topic.family.value,
        version=1,
        expectations=_bronze_expectations(topic),
        key_columns=("kafka_partition", "kafka_offset", "event_id"),
        description=f"Schema, completeness and exactly-once Kafka coordinates of `{topic.name}` in bronze.",
        scope=Scope("event_time"),
    )


BRONZE_SUITES: tuple[TableSuite, ...] = tuple(bronze_suite(topic) for topic in event_topics())
