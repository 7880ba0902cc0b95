"""Data quality: Great Expectations 1.x suites per layer, run on Iceberg tables read through
PyIceberg, a quality score per run, and the freshness policies of the streaming and mart assets.

- ``suite``: what a suite is (the table it guards, its scope, its expectations).
- ``bronze_suites``, ``silver_suites``, ``gold_suites``: the suites, versioned here as code.
- ``reader``: the rows a run checks (the newest day partition, or the whole table).
- ``runner``: GX validation in an ephemeral context and the per-expectation outcomes.
- ``score``: completeness, validity and consistency, weighted into one score.
- ``scores_table``: the ``ops.quality_scores`` Iceberg table the scores are appended to.
- ``run``: one suite end to end (read, validate, score) without Dagster.
- ``freshness``: freshness policies per layer and the freshness checks built from them.

The Dagster asset checks that wrap the suites live in ``shop_analytics.assets.checks``.
"""
