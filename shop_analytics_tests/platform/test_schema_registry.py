"""The Confluent-compatible registry with confluent-kafka's own client and Avro serdes."""

import json
import time
import uuid
from pathlib import Path

import pytest
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.schema_registry.error import SchemaRegistryError
from confluent_kafka.serialization import MessageField, SerializationContext

from shop_analytics.platform import process, schema_registry
from shop_analytics.platform.settings import PlatformSettings
from shop_analytics_tests.conftest import free_port

V1 = {
    "type": "record",
    "name": "PageView",
    "namespace": "shop.test",
    "fields": [{"name": "event_id", "type": "string"}, {"name": "page", "type": "string"}],
}
V2_OPTIONAL_FIELD = {**V1, "fields": [*V1["fields"], {"name": "referrer", "type": ["null", "string"], "default": None}]}
V3_REQUIRED_FIELD = {**V2_OPTIONAL_FIELD, "fields": [*V2_OPTIONAL_FIELD["fields"], {"name": "user", "type": "string"}]}


def _avro(schema: dict) -> Schema:
    return Schema(json.dumps(schema), "AVRO")


def test_register_fetch_check_and_refuse(schema_registry_url: str) -> None:
    subject = f"pageviews-{uuid.uuid4().hex[:8]}-value"
    client = SchemaRegistryClient({"url": schema_registry_url})

    schema_id = client.register_schema(subject, _avro(V1))
    fetched = SchemaRegistryClient({"url": schema_registry_url}).get_schema(schema_id)
    assert json.loads(fetched.schema_str) == V1

    client.set_compatibility(subject_name=subject, level="BACKWARD")
    assert client.get_compatibility(subject) == "BACKWARD"
    assert client.test_compatibility(subject, _avro(V2_OPTIONAL_FIELD)) is True
    v2_id = client.register_schema(subject, _avro(V2_OPTIONAL_FIELD))
    assert v2_id != schema_id

    assert client.test_compatibility(subject, _avro(V3_REQUIRED_FIELD)) is False
    with pytest.raises(SchemaRegistryError) as refused:
        client.register_schema(subject, _avro(V3_REQUIRED_FIELD))
    assert refused.value.http_status_code == 409
    assert client.get_versions(subject) == [1, 2]


def test_avro_serdes_round_trip_through_the_registry(schema_registry_url: str) -> None:
    topic = f"pageviews-{uuid.uuid4().hex[:8]}"
    client = SchemaRegistryClient({"url": schema_registry_url, "timeout": 10})
    # TopicNameStrategy stated outright: the default first asks an associations endpoint
    # Apicurio does not serve.
    strategy = {"subject.name.strategy.type": "TOPIC"}
    serializer = AvroSerializer(client, json.dumps(V1), conf=strategy)
    ctx = SerializationContext(topic, MessageField.VALUE)
    payload = serializer({"event_id": "e1", "page": "/home"}, ctx)
    # Confluent framing: magic byte 0, then the 4-byte id the registry assigned.
    assert payload[0] == 0
    assert int.from_bytes(payload[1:5], "big") == client.get_latest_version(f"{topic}-value").schema_id
    assert AvroDeserializer(client, conf=strategy)(payload, ctx) == {"event_id": "e1", "page": "/home"}


def test_schemas_survive_a_registry_restart(platform_settings: PlatformSettings, tmp_path: Path) -> None:
    # A registry of its own (own port and storage) so the session's registry is untouched.
    settings = platform_settings.replace(state_dir=tmp_path / "state", registry_port=free_port(pairs=2))
    try:
        schema_registry.start(settings)
        subject = "restart-value"
        schema_id = SchemaRegistryClient({"url": settings.registry_url}).register_schema(subject, _avro(V1))
        assert schema_registry.stop(settings) is True
        deadline = time.monotonic() + 15
        while process.port_open(settings.host, settings.registry_port) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not process.port_open(settings.host, settings.registry_port)

        schema_registry.start(settings)
        client = SchemaRegistryClient({"url": settings.registry_url})
        assert json.loads(client.get_schema(schema_id).schema_str) == V1
        assert client.get_latest_version(subject).schema_id == schema_id
    finally:
        schema_registry.stop(settings)
    assert process.read_pid(schema_registry.files(settings)) is None
