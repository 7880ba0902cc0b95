"""Which Kafka topics land in which bronze tables: one stream per event topic."""

from __future__ import annotations

from shop_analytics.assets.ingest import BronzeStream
from shop_analytics.schemas.topics import event_topics

BRONZE_STREAMS: tuple[BronzeStream, ...] = tuple(
    BronzeStream(topic=spec.name, table=spec.family.value) for spec in event_topics()
)
