"""Writer schemas by id from the schema registry, fetched once per id per process."""

from __future__ import annotations

from collections.abc import Iterable

from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.error import SchemaRegistryError


class WriterSchemas:
    """Looks up Avro writer schemas by the ids records carry; remembers unknown ids too."""

    def __init__(self, registry_url: str) -> None:
        # A timeout turns a lost reply into a retried error instead of a hung batch.
        self._client = SchemaRegistryClient({"url": registry_url, "timeout": 10})
        self._known: dict[int, str] = {}
        self._unknown: set[int] = set()

    def for_subject(self, subject: str) -> dict[int, str]:
        """Every registered version of ``subject`` by schema id ({} if the subject is unknown)."""
        try:
            versions = self._client.get_versions(subject)
        except SchemaRegistryError as exc:
            if exc.http_status_code == 404:
                return {}
            raise
        ids = []
        for version in versions:
            # The version's reply holds its schema: no second request by id for it.
            registered = self._client.get_version(subject, version)
            self._remember(registered.schema_id, registered.schema.schema_type, registered.schema.schema_str)
            ids.append(registered.schema_id)
        return self.resolve(ids)

    def resolve(self, schema_ids: Iterable[int]) -> dict[int, str]:
        """Schema JSON for each id the registry knows; ids it does not know are left out."""
        schema_ids = list(schema_ids)
        for schema_id in schema_ids:
            if schema_id in self._known or schema_id in self._unknown:
                continue
            try:
                schema = self._client.get_schema(schema_id)
            except SchemaRegistryError as exc:
                if exc.http_status_code == 404:
                    self._unknown.add(schema_id)
                    continue
                raise
            self._remember(schema_id, schema.schema_type, schema.schema_str)
        return {i: self._known[i] for i in schema_ids if i in self._known}

    def _remember(self, schema_id: int, schema_type: str | None, schema_str: str) -> None:
        if schema_type in (None, "AVRO"):
            self._known[schema_id] = schema_str
        else:  # not Avro: records carrying it cannot decode here
            self._unknown.add(schema_id)
