"""The shop simulator as a Dagster job: start a bounded simulation from the UI.

The events land in the Kafka topics (the external `kafka/*` assets); with
`kafka_offsets_sensor` running, bronze ingest follows by itself.
"""

from dagster import Config, OpExecutionContext, job, op
from pydantic import Field

from shop_analytics.resources.kafka import KafkaResource
from shop_analytics.resources.schema_registry import SchemaRegistryResource
from shop_analytics.simulator.config import SimulationConfig
from shop_analytics.simulator.faults import FaultRates
from shop_analytics.simulator.runner import run_simulation
from shop_analytics.simulator.world import WorldSize


class SimulationRunConfig(Config):
    days: float = Field(default=1.0, gt=0, le=90, description="Days of past event time to simulate (backfill)")
    customers: int = Field(default=2000, ge=1, description="Customers in the simulated world")
    products: int = Field(default=200, ge=8)
    seed: int = 42
    malformed_rate: float = Field(default=0.0, ge=0, le=1, description="Share of events followed by undecodable bytes")
    invalid_rate: float = Field(default=0.0, ge=0, le=1, description="Share followed by an Avro-valid but invalid copy")
    duplicate_rate: float = Field(default=0.0, ge=0, le=1)
    late_rate: float = Field(default=0.0, ge=0, le=1)
    manifest_path: str | None = Field(default=None, description="Where to write the fault manifest (needed with faults)")
    topic_prefix: str = Field(default="", description="Write to prefixed copies of the topics, e.g. 'trial.'")


@op(description="Simulate the shop for a number of days and send the events, as Avro, to Kafka.")
def simulate_shop(
    context: OpExecutionContext,
    config: SimulationRunConfig,
    kafka: KafkaResource,
    schema_registry: SchemaRegistryResource,
) -> None:
    faults = FaultRates(
        malformed=config.malformed_rate,
        invalid=config.invalid_rate,
        duplicate=config.duplicate_rate,
        late=config.late_rate,
    )
    progress_every = 50_000

    def progress(events: int, _event_time_ms: int) -> None:
        if events % progress_every < 10_000:
            context.log.info("simulated %s events", f"{events:,}")

    summary = run_simulation(
        SimulationConfig(
            days=config.days,
            seed=config.seed,
            world=WorldSize(customers=config.customers, products=config.products),
            bootstrap=kafka.bootstrap_servers,
            schema_registry_url=schema_registry.url,
            faults=faults,
            manifest_path=config.manifest_path,
            topic_prefix=config.topic_prefix,
        ),
        progress=progress,
    )
    context.log.info(summary.format())
    context.add_output_metadata(
        {
            "events": summary.events,
            "produced": summary.produced,
            "delivered": summary.delivered,
            "failed": summary.failed,
            "rate_per_s": round(summary.rate, 1),
            "events_by_topic": summary.events_by_topic,
            "faults": summary.faults,
        }
    )
    if not summary.ok:
        raise RuntimeError(f"{summary.failed + summary.undelivered} records were not delivered: {summary.errors[:3]}")


@job(description="Run a bounded shop simulation into Kafka (configure days, size, seed and faults in the launchpad).")
def simulate_shop_job() -> None:
    simulate_shop()
