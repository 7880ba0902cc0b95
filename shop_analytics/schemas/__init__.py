"""Avro schemas of the shop's events (``avro/*.avsc``, versioned) and the topic catalog.

Light on purpose: consumers (the simulator, bronze ingest, tests) import this package
without pulling in Kafka, Spark or Dagster.
"""

from shop_analytics.schemas.files import SCHEMA_DIR, load_schema, load_schema_text, schema_path
from shop_analytics.schemas.topics import (
    DEAD_LETTER_TOPIC,
    TOPICS,
    Family,
    TopicSpec,
    event_topics,
    topic,
    topic_for_family,
)

__all__ = [
    "DEAD_LETTER_TOPIC",
    "SCHEMA_DIR",
    "TOPICS",
    "Family",
    "TopicSpec",
    "event_topics",
    "load_schema",
    "load_schema_text",
    "schema_path",
    "topic",
    "topic_for_family",
]
