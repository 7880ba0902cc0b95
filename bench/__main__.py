"""Run benchmarks: ``python -m bench [name ...]`` (all when no name is given).

Starts a private broker and registry on free loopback ports in a temporary folder,
runs each ``bench/<name>_bench.py``, prints its figures and writes
``bench/results/<name>.json``; stops the services by PID at the end.
"""

from __future__ import annotations

import argparse
import importlib
import json
import shutil
import socket
import sys
import tempfile
from pathlib import Path

from bench.harness import BenchEnv, write_result
from shop_analytics.platform import jars, lakehouse, services
from shop_analytics.platform.settings import PlatformSettings

BENCH_DIR = Path(__file__).resolve().parent


def available() -> list[str]:
    return sorted(p.stem.removesuffix("_bench") for p in BENCH_DIR.glob("*_bench.py"))


def _free_port(span: int = 1) -> int:
    while True:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port + span < 65535:
            return port


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", help=f"benchmarks to run (default: all of {available()})")
    args = parser.parse_args(argv)
    names = args.names or available()
    unknown = sorted(set(names) - set(available()))
    if unknown:
        parser.error(f"unknown benchmark(s) {unknown}; available: {available()}")

    with tempfile.TemporaryDirectory(prefix="shop-bench-") as tmp:
        settings = PlatformSettings.from_env(
            state_dir=Path(tmp) / "state",
            kafka_port=_free_port(),
            kafka_controller_port=_free_port(),
            registry_port=_free_port(2),
            spark_connect_port=_free_port(),
        )
        try:
            services.up(settings)
            jars.resolve(settings, jars.SPARK)
            lakehouse.ensure_catalog_tables(lakehouse.pyiceberg_properties(settings))
            env = BenchEnv(
                kafka_bootstrap=settings.kafka_bootstrap,
                schema_registry_url=settings.registry_url,
                spark_conf=lakehouse.expand_jar_globs(lakehouse.spark_conf(settings)),
                work_dir=Path(tmp) / "work",
                state_dir=settings.state_dir,
                settings=settings,
            )
            for name in names:
                print(f"== {name}", flush=True)
                module = importlib.import_module(f"bench.{name}_bench")
                result = module.run(env)
                path = write_result(result)
                print(
                    json.dumps(
                        {"figures": result.figures, "baseline": result.baseline, "ratio": round(result.ratio, 3)},
                        indent=2,
                    )
                )
                print(f"-> {path.relative_to(BENCH_DIR.parent)}", flush=True)
        finally:
            services.down(settings)
            # The platform folder goes with the temporary folder: keep the services' logs.
            kept = Path(tempfile.gettempdir()) / "shop-bench-logs" / "-".join(names)
            kept.mkdir(parents=True, exist_ok=True)
            for log in settings.run_dir.glob("*.log"):
                shutil.copy(log, kept / log.name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
