"""Silver on real services with the simulator's faults on: every bronze row is accounted for.

One simulated day on its own topics (prefix) → bronze (own namespace) → silver (own
namespace). Per entity: bronze rows = silver accepted + quarantined + duplicates dropped,
and each fault of the manifest is where it belongs: invalid events in the quarantine with
the injected kind as their reason, re-sent events dropped once, late events flagged.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from pyspark.sql import functions as F

from shop_analytics.platform.settings import PlatformSettings
from shop_analytics.schemas.topics import event_topics
from shop_analytics.silver.entities import EVENT_ENTITIES, REFERENCE_ENTITIES
from shop_analytics.silver.stream import SilverRequest, process_events, process_reference
from shop_analytics.silver.tables import QUARANTINE
from shop_analytics.silver.writer import SilverSettings
from shop_analytics.simulator.config import SimulationConfig
from shop_analytics.simulator.faults import FaultRates, read_manifest
from shop_analytics.simulator.runner import run_simulation
from shop_analytics.simulator.world import WorldSize
from shop_analytics.streaming.bronze import IngestRequest, ingest_topic

PREFIX = "silverrecon."
BRONZE_NS = "bronze_silverrecon"
SETTINGS = SilverSettings(namespace="silver_silverrecon", ops_namespace="ops_silverrecon")


@pytest.fixture(scope="module")
def pipeline(platform: PlatformSettings, spark, tmp_path_factory: pytest.TempPathFactory):
    work = tmp_path_factory.mktemp("silver_recon")
    manifest = work / "manifest.jsonl"
    summary = run_simulation(
        SimulationConfig(
            days=1,
            # Default end (today's midnight): the simulator's future timestamps are a day or
            # more past the window's end, so they are ahead of when Kafka receives them.
            seed=11,
            world=WorldSize(customers=600, products=40),
            bootstrap=platform.kafka_bootstrap,
            schema_registry_url=platform.registry_url,
            faults=FaultRates(malformed=0.01, invalid=0.02, duplicate=0.02, late=0.02),
            manifest_path=str(manifest),
            topic_prefix=PREFIX,
        )
    )
    assert summary.ok and summary.delivered == summary.produced > 0
    for spec in event_topics():
        ingest_topic(
            spark,
            IngestRequest(
                bootstrap_servers=platform.kafka_bootstrap,
                topic=PREFIX + spec.name,
                table=f"{BRONZE_NS}.{spec.family.value}",
                dead_letter_table=f"{BRONZE_NS}.dead_letter",
                checkpoint=str(work / "bronze" / spec.family.value),
                registry_url=platform.registry_url,
            ),
        )
    results = {}
    for entity in (*REFERENCE_ENTITIES, *EVENT_ENTITIES):
        request = _request(entity.name, work, platform)
        if entity in REFERENCE_ENTITIES:
            process_reference(spark, entity, request)
        else:
            results[entity.name] = process_events(spark, entity, request)
    return work, read_manifest(manifest), results


def _request(name: str, work: Path, platform: PlatformSettings) -> SilverRequest:
    return SilverRequest(
        bronze_table=f"{BRONZE_NS}.{name}",
        dead_letter_table=f"{BRONZE_NS}.dead_letter",
        checkpoint=str(work / "silver" / name),
        registry_url=platform.registry_url,
        settings=SETTINGS,
    )


def _count(spark, table: str, condition=None) -> int:
    frame = spark.table(table)
    return frame.where(condition).count() if condition is not None else frame.count()


def test_every_bronze_row_is_accepted_quarantined_or_a_dropped_duplicate(spark, pipeline) -> None:
    _, _, results = pipeline
    ns = SETTINGS.namespace
    for entity in EVENT_ENTITIES:
        bronze = _count(spark, f"{BRONZE_NS}.{entity.name}")
        accepted = _count(spark, entity.table.qualified_in(ns))
        quarantined = _count(spark, QUARANTINE.qualified_in(ns), F.col("entity") == entity.name)
        duplicates = (
            spark.table(SETTINGS.batches_table)
            .where(F.col("entity") == entity.name)
            .agg(F.coalesce(F.sum("duplicates"), F.lit(0)))
            .first()[0]
        )
        assert bronze == accepted + quarantined + duplicates, entity.name
        result = results[entity.name]
        assert (result.total("rows_in"), result.total("accepted")) == (bronze, accepted), entity.name


def test_each_invalid_event_is_quarantined_with_the_injected_reason(spark, pipeline) -> None:
    _, manifest, _ = pipeline
    invalid = {e.event_id: e.detail for e in manifest if e.fault == "invalid"}
    assert len(invalid) > 10
    rows = (
        spark.table(QUARANTINE.qualified_in(SETTINGS.namespace))
        .where(F.col("event_id").isin(list(invalid)))
        .select("event_id", "reason", "detail", "payload")
        .collect()
    )
    found = {r["event_id"]: r["reason"] for r in rows}
    assert found == invalid
    assert all(json.loads(r["payload"])["event_id"] == r["event_id"] for r in rows)
    # and nothing but the injected faults is quarantined
    assert _count(spark, QUARANTINE.qualified_in(SETTINGS.namespace)) == len(invalid)


def test_resent_events_are_kept_once(spark, pipeline) -> None:
    _, manifest, _ = pipeline
    resent = Counter(e.topic.removeprefix(PREFIX) for e in manifest if e.fault == "duplicate")
    assert sum(resent.values()) > 10
    by_entity = {
        r["entity"]: int(r["d"])
        for r in spark.table(SETTINGS.batches_table).groupBy("entity").agg(F.sum("duplicates").alias("d")).collect()
    }
    for spec in event_topics():
        assert by_entity.get(spec.family.value, 0) == resent.get(spec.name, 0), spec.name
    ids = [e.event_id for e in manifest if e.fault == "duplicate" and e.topic.endswith("shop.clickstream")]
    table = f"{SETTINGS.namespace}.clickstream"
    counts = spark.table(table).where(F.col("event_id").isin(ids)).groupBy("event_id").count().collect()
    assert {r["event_id"] for r in counts} == set(ids) and {r["count"] for r in counts} == {1}


def test_late_events_are_flagged_and_nothing_else_is(spark, pipeline) -> None:
    _, manifest, _ = pipeline
    late = {e.event_id for e in manifest if e.fault == "late"}
    assert len(late) > 10
    flagged: set[str] = set()
    for entity in EVENT_ENTITIES:
        table = entity.table.qualified_in(SETTINGS.namespace)
        flagged |= {r["event_id"] for r in spark.table(table).where("is_late").select("event_id").collect()}
    assert flagged == late


def test_a_second_run_finds_nothing_new(spark, pipeline, platform: PlatformSettings) -> None:
    work, _, _ = pipeline
    entity = next(e for e in EVENT_ENTITIES if e.name == "orders")
    before = _count(spark, entity.table.qualified_in(SETTINGS.namespace))
    result = process_events(spark, entity, _request("orders", work, platform))
    assert result.total("rows_in") == 0
    assert _count(spark, entity.table.qualified_in(SETTINGS.namespace)) == before
