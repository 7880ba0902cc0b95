"""Benchmarks: each module ``<name>_bench.py`` has ``run(env: BenchEnv) -> BenchResult``."""
