"""The code location: one Definitions object with every asset, check, sensor and resource."""

from __future__ import annotations

from typing import Any

from dagster import Definitions

from shop_analytics.assets.ingest import build_bronze_asset, kafka_topic_spec
from shop_analytics.assets.simulation import simulate_shop_job
from shop_analytics.assets.streams import BRONZE_STREAMS
from shop_analytics.jobs import bronze_ingest_job
from shop_analytics.resources.environments import build_resources
from shop_analytics.sensors.kafka_offsets_sensor import build_kafka_offsets_sensor


def build_definitions(resources: dict[str, Any]) -> Definitions:
    """The whole code location around the given resources (tests pass their own)."""
    return Definitions(
        assets=[
            *(kafka_topic_spec(stream) for stream in BRONZE_STREAMS),
            *(build_bronze_asset(stream) for stream in BRONZE_STREAMS),
        ],
        jobs=[bronze_ingest_job, simulate_shop_job],
        sensors=[build_kafka_offsets_sensor(BRONZE_STREAMS, bronze_ingest_job)],
        resources=resources,
    )


defs = build_definitions(build_resources())
