"""Settings of the bronze ingest that differ between environments."""

from __future__ import annotations

from dagster import ConfigurableResource
from pydantic import Field


class IngestSettingsResource(ConfigurableResource):
    checkpoint_root: str = Field(description="Folder or URI under which each stream keeps its checkpoint")
    bronze_namespace: str = "bronze"
    max_offsets_per_trigger: int = Field(
        default=50_000, description="Upper bound of records per micro-batch (Spark maxOffsetsPerTrigger)"
    )

    def checkpoint_for(self, stream: str) -> str:
        return f"{self.checkpoint_root.rstrip('/')}/{stream}"
