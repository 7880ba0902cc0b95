"""Retry policy for steps that talk to services (Kafka, the schema registry, the Iceberg
catalog, Slack): transient failures such as a broker restart or a catalog lock held by another
writer clear up within a minute, so a few retries with exponential backoff and jitter ride them
out without a person re-executing the run. A step that fails for a real reason fails after the
last retry, and the run failure sensor alerts; one whose cause cannot clear up by waiting (a
source table that does not exist yet) raises ``Failure(allow_retries=False)`` and fails at once.
"""

from __future__ import annotations

from dagster import Backoff, Jitter, RetryPolicy

# Waits of about 10 s, 20 s and 40 s (±50 %): about 70 s in all before the step fails.
SERVICE_RETRY_POLICY = RetryPolicy(max_retries=3, delay=10, backoff=Backoff.EXPONENTIAL, jitter=Jitter.PLUS_MINUS)
