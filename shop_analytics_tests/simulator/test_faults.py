"""Fault injection: off by default, and every injected record is in the manifest."""

from __future__ import annotations

import io
from collections import Counter

import fastavro
import pytest

from shop_analytics.schemas import TOPICS, load_schema
from shop_analytics.simulator import FaultRates, read_manifest, run_simulation
from shop_analytics.simulator.avro_codec import parse_wire
from shop_analytics.simulator.producer import MemorySink
from shop_analytics_tests.simulator.conftest import small_config

RATES = FaultRates(malformed=0.01, invalid=0.01, duplicate=0.01, late=0.01)


def _plain(schema):
    """The schema without logical types, so the reader hands back raw strings and longs."""
    if isinstance(schema, dict):
        return {k: _plain(v) for k, v in schema.items() if k != "logicalType"}
    if isinstance(schema, list):
        return [_plain(v) for v in schema]
    return schema


PARSED = {spec.name: fastavro.parse_schema(_plain(load_schema(spec.value_schema))) for spec in TOPICS}
REFERENCE = {spec.name for spec in TOPICS if spec.reference}


def _decode(topic: str, value: bytes) -> dict:
    schema_id, body = parse_wire(value)
    if schema_id != 0:  # dry runs frame with schema id 0
        raise ValueError(f"unknown schema id {schema_id}")
    return fastavro.schemaless_reader(io.BytesIO(body), PARSED[topic], None)


def _run(tmp_path, faults: FaultRates | None = None) -> tuple[MemorySink, object]:
    sink = MemorySink()
    kwargs = {"days": 3}
    if faults is not None:
        kwargs.update(faults=faults, manifest_path=str(tmp_path / "manifest.jsonl"))
    summary = run_simulation(small_config(**kwargs), sink=sink)
    return sink, summary


@pytest.fixture(scope="module")
def clean_and_faulty(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("faults")
    clean, _ = _run(tmp)
    faulty, summary = _run(tmp, RATES)
    return clean, faulty, summary, read_manifest(summary.manifest_path)


def test_without_fault_rates_nothing_is_injected(tmp_path):
    sink, summary = _run(tmp_path)
    assert summary.produced == summary.events == len(sink.records)
    assert summary.faults == {} and summary.manifest_path is None
    for topic, _, value, _, _ in sink.records[:2000]:
        _decode(topic, value)


def test_fault_rates_need_a_manifest():
    with pytest.raises(ValueError, match="manifest"):
        small_config(faults=RATES)


def test_every_kind_of_fault_is_injected_and_counted(clean_and_faulty):
    _, faulty, summary, manifest = clean_and_faulty
    kinds = Counter(e.fault for e in manifest)
    assert set(kinds) == {"malformed", "invalid", "duplicate", "late"}
    assert dict(kinds) == summary.faults
    extra = kinds["malformed"] + kinds["invalid"] + kinds["duplicate"]
    assert summary.produced == summary.events + extra == len(faulty.records)


def test_every_manifest_entry_points_at_a_record_of_its_kind(clean_and_faulty):
    _, faulty, _, manifest = clean_and_faulty
    at = {(t, p, o): (k, v) for t, k, v, p, o in faulty.records}
    seen_bytes: dict[bytes, int] = {}
    for i, (_, _, v, _, _) in enumerate(faulty.records):
        seen_bytes.setdefault(v, i)
    for entry in manifest:
        assert entry.partition is not None and entry.offset is not None and entry.delivery_error is None
        key, value = at[(entry.topic, entry.partition, entry.offset)]
        assert key == entry.key
        assert entry.topic not in REFERENCE
        if entry.fault == "malformed":
            with pytest.raises(Exception):  # noqa: B017 - any reader error will do
                _decode(entry.topic, value)
        elif entry.fault == "invalid":
            record = _decode(entry.topic, value)
            assert record["event_id"] == entry.event_id != entry.original_event_id
            assert entry.detail in {"negative_quantity", "unknown_product", "price_mismatch", "future_timestamp"}
        elif entry.fault == "duplicate":
            first = seen_bytes[value]
            assert faulty.records[first][3:] != (entry.partition, entry.offset), "a duplicate repeats an earlier record"
            assert _decode(entry.topic, value)["event_id"] == entry.event_id
        else:
            record = _decode(entry.topic, value)
            assert record["event_id"] == entry.event_id


def test_records_outside_the_manifest_are_exactly_the_clean_run(clean_and_faulty):
    clean, faulty, _, manifest = clean_and_faulty
    extra = {(e.topic, e.partition, e.offset) for e in manifest if e.fault != "late"}
    late = {e.event_id for e in manifest if e.fault == "late"}
    rest = [(t, k, v) for t, k, v, p, o in faulty.records if (t, p, o) not in extra]
    assert [(t, k) for t, k, _ in rest] == [(t, k) for t, k, _, _, _ in clean.records]
    changed = [i for i, (a, b) in enumerate(zip(rest, clean.records, strict=True)) if a[2] != b[2]]
    assert {_decode(rest[i][0], rest[i][2])["event_id"] for i in changed} == late


def test_late_events_are_hours_behind_and_invalid_values_break_their_rule(clean_and_faulty):
    clean, faulty, _, manifest = clean_and_faulty
    original = {}
    for topic, _, value, _, _ in clean.records:
        record = _decode(topic, value)
        original[record["event_id"]] = record
    at = {(t, p, o): v for t, _, v, p, o in faulty.records}
    for entry in manifest:
        value = at[(entry.topic, entry.partition, entry.offset)]
        if entry.fault == "late":
            shifted = _decode(entry.topic, value)["event_time"]
            behind = original[entry.event_id]["event_time"] - shifted
            assert 3_600_000 <= behind <= 6 * 3_600_000
        elif entry.fault == "invalid":
            bad, good = _decode(entry.topic, value), original[entry.original_event_id]
            if entry.detail == "future_timestamp":
                assert bad["event_time"] > good["event_time"] + 86_400_000
            elif entry.detail == "negative_quantity":
                quantities = [line["quantity"] for line in bad.get("lines") or []]
                quantities += [bad.get("quantity") or 0, bad.get("stock_after") or 0]
                assert min(quantities) < 0
            elif entry.detail == "unknown_product":
                products = [line["product_id"] for line in bad.get("lines") or []] + [bad.get("product_id")]
                assert any(p and p.startswith("P9") and p.endswith("X") for p in products)
            else:
                assert bad != {**good, "event_id": bad["event_id"]}
