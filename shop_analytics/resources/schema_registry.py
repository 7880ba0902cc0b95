"""The Confluent-compatible schema registry as a Dagster resource."""

from __future__ import annotations

from confluent_kafka.schema_registry import SchemaRegistryClient
from dagster import ConfigurableResource
from pydantic import Field


class SchemaRegistryResource(ConfigurableResource):
    url: str = Field(description="Base URL of the Confluent-compatible API")
    timeout_s: int = Field(default=10, description="Per-request timeout; a lost reply is retried, not waited on forever")

    def client(self) -> SchemaRegistryClient:
        return SchemaRegistryClient({"url": self.url, "timeout": self.timeout_s})
