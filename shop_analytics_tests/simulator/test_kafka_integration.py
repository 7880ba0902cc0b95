"""The simulator against the real broker and schema registry."""

from __future__ import annotations

import io
import json
import uuid
from collections import defaultdict

import fastavro
import pytest
from confluent_kafka.schema_registry import Schema
from confluent_kafka.schema_registry.avro import AvroDeserializer
from confluent_kafka.schema_registry.error import SchemaRegistryError
from confluent_kafka.serialization import MessageField, SerializationContext

from shop_analytics.schemas import TOPICS, event_topics, load_schema, load_schema_text
from shop_analytics.simulator import FaultRates, ProducerSettings, read_manifest, run_simulation
from shop_analytics.simulator.admin import ensure_topics
from shop_analytics.simulator.avro_codec import parse_wire
from shop_analytics.simulator.registry import registry_client
from shop_analytics.simulator.serialization import confluent_serializers, fast_serializers
from shop_analytics_tests.simulator.conftest import small_config
from shop_analytics_tests.simulator.kafka_helpers import read_all

pytestmark = pytest.mark.integration


def _plain(schema):
    if isinstance(schema, dict):
        return {k: _plain(v) for k, v in schema.items() if k != "logicalType"}
    if isinstance(schema, list):
        return [_plain(v) for v in schema]
    return schema


READERS = {spec.family: fastavro.parse_schema(_plain(load_schema(spec.value_schema))) for spec in TOPICS}


def _run(bootstrap, registry, prefix, **overrides):
    config = small_config(
        days=overrides.pop("days", 2),
        dry_run=False,
        bootstrap=bootstrap,
        schema_registry_url=registry,
        topic_prefix=prefix,
        producer=ProducerSettings(linger_ms=50),
        **overrides,
    )
    return run_simulation(config)


@pytest.fixture(scope="module")
def backfill_run(sim_bootstrap, sim_registry):
    """One small backfill into fresh topics, and everything read back."""
    prefix = f"itest{uuid.uuid4().hex[:8]}."
    summary = _run(sim_bootstrap, sim_registry, prefix, days=2)
    records = read_all(sim_bootstrap, [prefix + spec.name for spec in event_topics()])
    return prefix, summary, records


def _family(topic: str, prefix: str):
    from shop_analytics.schemas import topic as catalog_topic

    return catalog_topic(topic[len(prefix) :]).family


def _decode(value: bytes, family) -> dict:
    _, body = parse_wire(value)
    return fastavro.schemaless_reader(io.BytesIO(body), READERS[family], None)


def test_every_produced_record_is_delivered_and_readable(backfill_run):
    prefix, summary, records = backfill_run
    assert summary.ok and summary.failed == 0 and summary.undelivered == 0
    assert summary.produced == summary.delivered == summary.events == len(records)
    by_topic = defaultdict(int)
    for r in records:
        by_topic[r.topic] += 1
    assert dict(by_topic) == summary.events_by_topic
    assert set(summary.topics.values()) == {"created"}
    assert prefix + "shop.dead_letter" in summary.topics


def test_frames_carry_the_registered_schema_id_of_their_topic(backfill_run):
    _, summary, records = backfill_run
    for r in records[:5000]:
        schema_id, _ = parse_wire(r.value)
        assert schema_id == summary.schema_ids[r.topic]


def test_one_keys_events_stay_in_one_partition_in_event_time_order(backfill_run):
    prefix, _, records = backfill_run
    partitions = defaultdict(set)
    last_time: dict[tuple[str, str], int] = {}
    checked = 0
    for r in sorted(records, key=lambda r: (r.topic, r.partition, r.offset)):
        partitions[(r.topic, r.key)].add(r.partition)
        family = _family(r.topic, prefix)
        record = _decode(r.value, family)
        if record["event_type"].endswith("_snapshot"):
            continue
        k = (r.topic, r.key)
        assert record["event_time"] >= last_time.get(k, 0), f"{k} went back in time at offset {r.offset}"
        last_time[k] = record["event_time"]
        checked += 1
    assert checked > 1000
    assert all(len(p) == 1 for p in partitions.values())
    spread = {r.partition for r in records if r.topic == prefix + "shop.clickstream"}
    assert len(spread) == 6, "customers spread over every clickstream partition"


def test_topics_are_created_once_with_the_catalog_partitions(backfill_run, sim_bootstrap):
    prefix, _, _ = backfill_run
    from dataclasses import replace

    specs = [replace(spec, name=prefix + spec.name) for spec in event_topics()]
    assert set(ensure_topics(sim_bootstrap, specs).values()) == {"exists"}
    from confluent_kafka.admin import AdminClient

    meta = AdminClient({"bootstrap.servers": sim_bootstrap}).list_topics(timeout=30).topics
    for spec in specs:
        assert len(meta[spec.name].partitions) == spec.partitions


def test_subjects_are_backward_compatible_and_orders_has_two_versions(backfill_run, sim_registry):
    prefix, _, _ = backfill_run
    client = registry_client(sim_registry)
    for spec in event_topics():
        assert client.get_compatibility(prefix + spec.subject) == "BACKWARD"
    assert len(client.get_versions(prefix + "shop.orders-value")) == 2


def test_a_v1_consumer_reads_v2_orders(backfill_run, sim_registry):
    prefix, _, records = backfill_run
    topic = prefix + "shop.orders"
    orders = [r for r in records if r.topic == topic]
    assert orders
    v1 = AvroDeserializer(registry_client(sim_registry), load_schema_text("orders_v1.avsc"))
    ctx = SerializationContext(topic, MessageField.VALUE)
    with_coupon = 0
    for r in orders:
        as_v1 = v1(r.value, ctx)
        assert "coupon_code" not in as_v1
        assert as_v1["total_cents"] == as_v1["subtotal_cents"] - as_v1["discount_cents"] + as_v1["tax_cents"]
        with_coupon += _decode(r.value, _family(topic, prefix))["coupon_code"] is not None
    assert len(orders) > with_coupon  # v2 data, with and without the new field


def test_an_incompatible_schema_is_refused_by_the_registry(backfill_run, sim_registry):
    prefix, _, _ = backfill_run
    subject = prefix + "shop.orders-value"
    client = registry_client(sim_registry)
    breaking = load_schema("orders_v2.avsc")
    breaking["fields"].append({"name": "loyalty_tier", "type": "string"})  # required, no default
    candidate = Schema(json.dumps(breaking), "AVRO")
    assert client.test_compatibility(subject, candidate) is False
    with pytest.raises(SchemaRegistryError) as refused:
        client.register_schema(subject, candidate)
    assert refused.value.http_status_code == 409
    compatible = load_schema("orders_v2.avsc")
    compatible["fields"].append({"name": "gift_note", "type": ["null", "string"], "default": None})
    assert client.test_compatibility(subject, Schema(json.dumps(compatible), "AVRO")) is True


def test_confluent_avro_serializer_and_fast_path_write_identical_bytes(backfill_run, sim_registry, backfill_events):
    prefix, summary, _ = backfill_run
    from dataclasses import replace

    specs = [replace(spec, name=prefix + spec.name) for spec in event_topics()]
    client = registry_client(sim_registry)
    reference = confluent_serializers(specs, client)
    fast = fast_serializers(specs, summary.schema_ids)
    seen = defaultdict(int)
    for topic, _, record in backfill_events:
        name = prefix + topic
        if seen[name] >= 300:
            continue
        seen[name] += 1
        assert fast[name](record) == reference[name](record), name
    assert len(seen) == len(specs)


def test_every_injected_fault_is_in_the_manifest_with_its_offset(sim_bootstrap, sim_registry, topic_prefix, tmp_path):
    manifest_path = tmp_path / "manifest.jsonl"
    rates = FaultRates(malformed=0.005, invalid=0.005, duplicate=0.005, late=0.005)
    summary = _run(sim_bootstrap, sim_registry, topic_prefix, days=1, faults=rates, manifest_path=str(manifest_path))
    assert summary.ok
    manifest = read_manifest(manifest_path)
    records = read_all(sim_bootstrap, [topic_prefix + spec.name for spec in event_topics()])
    assert len(records) == summary.produced == summary.delivered
    extras = sum(1 for e in manifest if e.fault != "late")
    assert summary.produced == summary.events + extras
    at = {(r.topic, r.partition, r.offset): r for r in records}
    for entry in manifest:
        r = at[(entry.topic, entry.partition, entry.offset)]
        assert r.key == entry.key
        family = _family(r.topic, topic_prefix)
        if entry.fault == "malformed":
            with pytest.raises(Exception):  # noqa: B017 - any reader error
                schema_id, _ = parse_wire(r.value)
                assert schema_id == summary.schema_ids[r.topic]
                _decode(r.value, family)
        else:
            assert _decode(r.value, family)["event_id"] == entry.event_id


def test_sigterm_stops_a_live_run_after_flushing_everything(sim_bootstrap, sim_registry, topic_prefix):
    import os
    import signal
    import subprocess
    import sys
    import time

    command = [
        sys.executable,
        "-c",
        "from shop_analytics.simulator.cli import simulate; simulate()",
        "--rate",
        "3000",
        "--customers",
        "500",
        "--products",
        "80",
        "--json",
        "--quiet",
        "--bootstrap",
        sim_bootstrap,
        "--schema-registry-url",
        sim_registry,
        "--topic-prefix",
        topic_prefix,
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(8)
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        os.kill(process.pid, signal.SIGTERM)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    summary = json.loads(out)
    assert summary["stopped_by"] == "SIGTERM"
    assert summary["produced"] == summary["delivered"] > 1000 and summary["failed"] == 0
    records = read_all(sim_bootstrap, [topic_prefix + spec.name for spec in event_topics()])
    assert len(records) == summary["produced"]


def test_kafka_holds_exactly_the_events_of_a_dry_run_with_the_same_seed(backfill_run):
    """The two-process producer path writes the single-process events, in order, per partition."""
    from shop_analytics.simulator.producer import MemorySink

    prefix, _, records = backfill_run
    sink = MemorySink()
    run_simulation(small_config(days=2), sink=sink)
    expected = defaultdict(list)
    for topic, key, value, partition, _ in sink.records:
        expected[(prefix + topic, partition)].append((key, parse_wire(value)[1]))
    actual = defaultdict(list)
    for r in sorted(records, key=lambda r: (r.topic, r.partition, r.offset)):
        actual[(r.topic, r.partition)].append((r.key, parse_wire(r.value)[1]))
    assert actual == expected
