"""Registering the topics' value schemas in a Confluent-compatible schema registry.

Subjects follow the TopicNameStrategy (``<topic>-value``) and are set to BACKWARD
compatibility, so a new version may only add optional fields (with defaults) or remove
fields: consumers on the new schema can still read old data. Each topic's schema
history is registered oldest first, which is idempotent: a schema already registered
under a subject gets its existing id back.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.error import SchemaRegistryError

from shop_analytics.schemas import TopicSpec, load_schema_text

log = logging.getLogger(__name__)

COMPATIBILITY = "BACKWARD"


def registry_client(url: str) -> SchemaRegistryClient:
    """A client for a Confluent-compatible registry (for Apicurio: ``.../apis/ccompat/v7``)."""
    return SchemaRegistryClient({"url": url.rstrip("/"), "timeout": 30})


def avro_schema(file_name: str) -> Schema:
    return Schema(load_schema_text(file_name), schema_type="AVRO")


def set_backward(client: SchemaRegistryClient, subject: str) -> None:
    client.set_compatibility(subject_name=subject, level=COMPATIBILITY)


def register_topic(client: SchemaRegistryClient, spec: TopicSpec) -> int:
    """Register ``spec``'s schema history under its subject; returns the id of the latest version."""
    schema_id = -1
    compatibility_set = False
    for file_name in spec.versions:
        if not compatibility_set:
            compatibility_set = _try_set_backward(client, spec.subject)
        schema_id = client.register_schema(spec.subject, avro_schema(file_name))
        log.debug("registered %s as id %s under %s", file_name, schema_id, spec.subject)
    if not compatibility_set:
        set_backward(client, spec.subject)  # the subject exists now
    return schema_id


def register_topics(client: SchemaRegistryClient, specs: Iterable[TopicSpec]) -> dict[str, int]:
    """Register every topic's schemas; returns {topic name: schema id the producer writes with}."""
    return {spec.name: register_topic(client, spec) for spec in specs}


def _try_set_backward(client: SchemaRegistryClient, subject: str) -> bool:
    """Set the level before the first registration where the registry allows it for a new subject."""
    try:
        set_backward(client, subject)
        return True
    except SchemaRegistryError as exc:
        if exc.http_status_code == 404:
            return False  # some registries (Apicurio) only configure existing subjects
        raise
