"""A sensor that requests a bronze ingest run when Kafka topics have records bronze lacks.

Dagster's advice for Kafka (issue #11857) is a sensor that requests runs for new offsets
rather than an asset that never ends. "What bronze has" is the committed offsets that the
last bronze materialization recorded from its Spark checkpoint. One run covers every topic
with new records, so the run starts one SparkSession however many topics moved.

Runs linger (``linger_idle_seconds``): their queries keep taking micro-batches while records
arrive and end once their topics are quiet, so live data costs one run start per burst
rather than one every few seconds. A topic whose stream is in a run still going is left to
that run (one query per checkpoint); topics that move meanwhile get a run of their own.

Freshness first: a run every few seconds cannot afford the bronze GX suites each time
(about a second per table), so a run carries the bronze asset checks only when the last
checked run is ``checks_every_seconds`` old (tag ``shop/checks``); the others run none.
"""

import hashlib
import json
import time
from collections.abc import Sequence

from confluent_kafka import KafkaError, KafkaException
from dagster import (
    AssetKey,
    DefaultSensorStatus,
    JobDefinition,
    RunRequest,
    RunsFilter,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)
from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition
from dagster._core.storage.dagster_run import NOT_FINISHED_STATUSES

from shop_analytics.assets.ingest import COMMITTED_OFFSETS_KEY, BronzeStream
from shop_analytics.resources.kafka import KafkaResource
from shop_analytics.streaming import offsets

INGEST_TAG = "shop/ingest"
CHECKS_TAG = "shop/checks"
# Cursor key of the time the last run with checks was requested (beside the topics' offsets).
CHECKED_AT = "__checks_requested_at"
DEFAULT_CHECKS_EVERY_S = 600
DEFAULT_LINGER_IDLE_S = 30.0
# Errors of a partition whose leader is not elected yet (a topic just created, a broker restart).
LEADERLESS = (KafkaError.NOT_LEADER_FOR_PARTITION, KafkaError.LEADER_NOT_AVAILABLE)


def committed_offsets_of(context: SensorEvaluationContext, stream: BronzeStream) -> dict[int, int]:
    event = context.instance.get_latest_materialization_event(stream.bronze_key)
    if event is None or event.asset_materialization is None:
        return {}
    entry = event.asset_materialization.metadata.get(COMMITTED_OFFSETS_KEY)
    return offsets.from_json(entry.value if entry is not None else None)  # type: ignore[arg-type]


def build_kafka_offsets_sensor(
    streams: Sequence[BronzeStream],
    job: JobDefinition | UnresolvedAssetJobDefinition,
    minimum_interval_seconds: int = 5,
    checks_every_seconds: int = DEFAULT_CHECKS_EVERY_S,
    linger_idle_seconds: float = DEFAULT_LINGER_IDLE_S,
) -> SensorDefinition:
    # The bronze ingest asset's config (BronzeIngestConfig) for the runs this sensor requests.
    run_config = {"ops": {"bronze_ingest": {"config": {"linger_idle_seconds": linger_idle_seconds}}}}

    @sensor(
        name="kafka_offsets_sensor",
        job=job,
        minimum_interval_seconds=minimum_interval_seconds,
        default_status=DefaultSensorStatus.RUNNING,
        description="Requests a bronze ingest run for the topics whose end offsets are past what bronze committed.",
    )
    def kafka_offsets_sensor(context: SensorEvaluationContext, kafka: KafkaResource) -> SensorResult:
        # One checkpoint per stream: never two queries on it at once.
        busy = streams_in_flight(context, streams)
        moved: dict[str, dict[int, int]] = {}
        notes: list[str] = []
        selection = []
        for stream in streams:
            if stream.bronze_key in busy:
                notes.append(f"{stream.topic}: in a run still going")
                continue
            try:
                end = kafka.end_offsets(stream.topic)
            except LookupError as exc:
                notes.append(str(exc))
                continue
            except KafkaException as exc:
                # A topic being created has no partition leader for a moment: next tick.
                if not (exc.args[0].code() in LEADERLESS or exc.args[0].retriable()):
                    raise
                notes.append(f"{stream.topic}: offsets not readable yet ({exc.args[0].str()})")
                continue
            committed = committed_offsets_of(context, stream)
            new_records = sum(offsets.lag(end, committed).values())
            if new_records == 0:
                continue
            moved[stream.topic] = end
            selection.append(stream.bronze_key)
            notes.append(f"{stream.topic}: {new_records} new")
        if not selection:
            return SensorResult(skip_reason=SkipReason("; ".join(notes) or "no new records in any topic"))
        run_key = (
            "bronze-"
            + hashlib.sha256("".join(offsets.fingerprint(t, o) for t, o in sorted(moved.items())).encode()).hexdigest()[
                :16
            ]
        )
        now = time.time()
        checked_at = float(_cursor(context.cursor).get(CHECKED_AT, 0.0))
        with_checks = checks_due(checked_at, now, checks_every_seconds)
        context.log.info(
            "Requesting ingest %s (%s): %s", run_key, "with checks" if with_checks else "no checks", "; ".join(notes)
        )
        request = RunRequest(
            run_key=run_key,
            asset_selection=selection,
            # None: every check of the selected assets; []: none.
            asset_check_keys=None if with_checks else [],
            run_config=run_config,
            tags={INGEST_TAG: "bronze", CHECKS_TAG: "included" if with_checks else "skipped"},
        )
        cursor = {t: offsets.to_json(o) for t, o in sorted(moved.items())}
        cursor[CHECKED_AT] = now if with_checks else checked_at
        return SensorResult(run_requests=[request], cursor=json.dumps(cursor))

    return kafka_offsets_sensor


def checks_due(checked_at: float, now: float, every_seconds: float) -> bool:
    """Whether this run carries the checks: none were requested for ``every_seconds``."""
    return now - checked_at >= every_seconds


def _cursor(text: str | None) -> dict:
    try:
        value = json.loads(text) if text else {}
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def streams_in_flight(context: SensorEvaluationContext, streams: Sequence[BronzeStream]) -> set[AssetKey]:
    """Bronze assets of the ingest runs queued or going (a run without a selection: all)."""
    runs = context.instance.get_runs(
        filters=RunsFilter(statuses=list(NOT_FINISHED_STATUSES), tags={INGEST_TAG: "bronze"})
    )
    busy: set[AssetKey] = set()
    for run in runs:
        busy |= run.asset_selection if run.asset_selection is not None else {s.bronze_key for s in streams}
    return busy
