"""Writer schemas by id from the real schema registry (the platform's Apicurio, Confluent API)."""

from __future__ import annotations

import json
import uuid

import pytest
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient

from shop_analytics.platform.settings import PlatformSettings
from shop_analytics.streaming.registry_schemas import WriterSchemas
from shop_analytics_tests.avro_frames import CLICK_SCHEMA

pytestmark = pytest.mark.integration


def test_a_subjects_versions_come_with_their_schemas_and_unknown_ids_stay_out(platform: PlatformSettings) -> None:
    subject = f"schemas-{uuid.uuid4().hex[:8]}-value"
    client = SchemaRegistryClient({"url": platform.registry_url, "timeout": 10})
    v2_schema = {
        **CLICK_SCHEMA,
        "fields": [*CLICK_SCHEMA["fields"], {"name": "referrer", "type": ["null", "string"], "default": None}],
    }
    ids = [client.register_schema(subject, Schema(json.dumps(s), "AVRO")) for s in (CLICK_SCHEMA, v2_schema)]
    assert len(set(ids)) == 2

    schemas = WriterSchemas(platform.registry_url)
    asked_by_id: list[int] = []
    by_id = schemas._client.get_schema
    schemas._client.get_schema = lambda schema_id, *a, **kw: asked_by_id.append(schema_id) or by_id(schema_id, *a, **kw)
    found = schemas.for_subject(subject)

    assert asked_by_id == []  # each version's reply held its schema
    assert sorted(found) == sorted(ids)
    for schema_id in ids:  # the same text the registry serves by id
        assert json.loads(found[schema_id]) == json.loads(client.get_schema(schema_id).schema_str)
    assert [f["name"] for f in json.loads(found[ids[1]])["fields"]][-1] == "referrer"
    assert schemas.for_subject(f"absent-{uuid.uuid4().hex[:8]}-value") == {}
    assert schemas.resolve([*ids, 987_654_321]) == found  # an id the registry lacks is left out
    assert asked_by_id == [987_654_321]
