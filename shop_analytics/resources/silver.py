"""Settings of the silver streams (the namespace, and the event-time rules)."""

from __future__ import annotations

from dagster import ConfigurableResource
from pydantic import Field

from shop_analytics.silver.tables import OPS_NAMESPACE, SILVER_NAMESPACE
from shop_analytics.silver.transform import DEFAULT_ALLOWED_LATENESS_S
from shop_analytics.silver.validation import DEFAULT_FUTURE_TOLERANCE_S
from shop_analytics.silver.writer import SilverSettings


class SilverSettingsResource(ConfigurableResource):
    namespace: str = Field(default=SILVER_NAMESPACE, description="Namespace (Glue database) of the silver tables")
    ops_namespace: str = Field(default=OPS_NAMESPACE, description="Namespace of the pipeline's own ops tables")
    allowed_lateness_s: int = Field(
        default=DEFAULT_ALLOWED_LATENESS_S,
        description="How far behind its partition's newest event an event may arrive and still count in windows",
    )
    future_tolerance_s: int = Field(
        default=DEFAULT_FUTURE_TOLERANCE_S, description="Clock skew allowed before an event time counts as future"
    )
    max_files_per_batch: int = Field(default=200, description="Bronze data files per silver micro-batch at most (processing-time triggers; availableNow reads all new data as one batch)")

    def settings(self) -> SilverSettings:
        return SilverSettings(
            allowed_lateness_s=self.allowed_lateness_s,
            future_tolerance_s=self.future_tolerance_s,
            namespace=self.namespace,
            ops_namespace=self.ops_namespace,
        )
