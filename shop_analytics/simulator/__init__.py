"""The shop simulator: a seeded Faker world, a behaviour model, fault injection and a fast Avro producer.

Knows nothing of its consumers and imports no orchestration code. Entry points:

- ``run_simulation(SimulationConfig(...)) -> SimulationSummary``: generate and send to Kafka.
- ``simulation_events(config)``: the clean event stream, without I/O (tests, notebooks).
- ``shop_analytics.simulator.cli.simulate``: the ``simulate`` click command.
"""

from shop_analytics.simulator.config import SimulationConfig, parse_duration
from shop_analytics.simulator.faults import FaultRates, ManifestEntry, read_manifest
from shop_analytics.simulator.producer import ProducerSettings
from shop_analytics.simulator.runner import run_simulation, simulation_events
from shop_analytics.simulator.summary import SimulationSummary
from shop_analytics.simulator.world import WorldSize, build_world

__all__ = [
    "FaultRates",
    "ManifestEntry",
    "ProducerSettings",
    "SimulationConfig",
    "SimulationSummary",
    "WorldSize",
    "build_world",
    "parse_duration",
    "read_manifest",
    "run_simulation",
    "simulation_events",
]
