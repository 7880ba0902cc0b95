"""Settings of the quality checks: where each layer lives, score SLAs, where scores go.

Plain settings only (resources sit below ``shop_analytics.quality`` in the import order):
``shop_analytics.assets.checks`` turns them into the suites' namespaces.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from dagster import ConfigurableResource
from pydantic import Field

# The gold namespace is the dbt target's schema (dbt_models/profiles.yml reads the same variable).
GOLD_SCHEMA_VAR = "SHOP_DBT_GOLD_SCHEMA"


class QualityResource(ConfigurableResource):
    """Namespaces of the checked layers (tests and AWS use their own), SLAs and the scores table."""

    bronze_namespace: str = Field(default="bronze", description="Namespace (Glue database) of the bronze tables")
    silver_namespace: str = Field(default="silver", description="Namespace of the silver tables")
    gold_namespace: str = Field(default="gold", description="Namespace of the dbt marts")
    ops_namespace: str = Field(default="ops", description="Namespace of the pipeline's own tables")
    scores_table: str = Field(default="quality_scores", description="Table in the ops namespace for every score")
    record_scores: bool = Field(default=True, description="Append each check run's score to the scores table")
    sample_rows: int = Field(default=5, description="Failing rows shown per failed expectation")
    layer_slas: dict[str, float] = Field(
        default_factory=dict,
        description="Minimum quality score per layer (bronze, silver, gold); unset layers use the suites' defaults",
    )

    def namespace_of(self, layer: str) -> str:
        return {"bronze": self.bronze_namespace, "silver": self.silver_namespace, "gold": self.gold_namespace}[layer]

    def sla_of(self, layer: str) -> float | None:
        return self.layer_slas.get(layer)

    @property
    def scores_identifier(self) -> str:
        return f"{self.ops_namespace}.{self.scores_table}"


def build_quality_resource(environ: Mapping[str, str] | None = None) -> QualityResource:
    """The local defaults, with the gold namespace of the dbt target."""
    environ = os.environ if environ is None else environ
    return QualityResource(gold_namespace=(environ.get(GOLD_SCHEMA_VAR) or "").strip() or "gold")
