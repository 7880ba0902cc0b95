"""Settings of the bronze ingest that differ between environments."""

from __future__ import annotations

from dagster import ConfigurableResource
from pydantic import Field

from shop_analytics.streaming.bronze import DEFAULT_MAX_OFFSETS_PER_TRIGGER


class IngestSettingsResource(ConfigurableResource):
    checkpoint_root: str = Field(description="Folder or URI under which each stream keeps its checkpoint")
    bronze_namespace: str = "bronze"
    dead_letter_table: str = Field(
        default="dead_letter", description="Table in the bronze namespace for undecodable records"
    )
    max_offsets_per_trigger: int = Field(
        default=DEFAULT_MAX_OFFSETS_PER_TRIGGER,
        description="Upper bound of records per micro-batch (Spark maxOffsetsPerTrigger)",
    )

    parallel_streams: int = Field(
        default=4, description="Topics a bronze run ingests at once (one Structured Streaming query each)"
    )

    @property
    def dead_letter_table_name(self) -> str:
        return f"{self.bronze_namespace}.{self.dead_letter_table}"

    @property
    def query_start_queue(self) -> str:
        """The folder where query starts over Spark Connect queue across runs
        (``IngestRequest.start_queue``); beside the checkpoints, so one per platform."""
        return f"{self.checkpoint_root.rstrip('/')}/.query-starts"

    def checkpoint_for(self, stream: str) -> str:
        return f"{self.checkpoint_root.rstrip('/')}/{stream}"
