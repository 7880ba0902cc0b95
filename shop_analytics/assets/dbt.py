"""The gold layer: the dbt project (dbt_models/) as Dagster assets.

- ``dbt_project``: the one DbtProject. Its manifest is parsed when the code location loads
  under ``dagster dev`` (so model edits show up on reload) and when no manifest exists
  yet (a fresh checkout, tests); a deployment builds it beforehand with
  ``dagster-dbt project prepare-and-package --file shop_analytics/assets/dbt.py``.
  ``dbt parse`` is offline and takes seconds.
- ``gold_dbt_assets``: every dbt model as an asset keyed ``gold/<model>`` in group
  ``gold``; dbt tests are asset checks on the models they test; each dbt source maps onto
  the silver asset that writes it (``meta.dagster.asset_key`` in
  models/staging/_silver__sources.yml), so lineage runs kafka → bronze → silver → gold.
  Staging and intermediate models are ephemeral (inlined by dbt), so they are not assets:
  the graph goes from silver straight to the marts that read them.
- Each materialization carries the table's row count, read from its Iceberg snapshot
  through PyIceberg (no second Spark session in the Dagster process).
- It needs the ``dbt`` resource (shop_analytics/resources/dbt.py) and ``iceberg``.
"""

import json
from collections.abc import Iterator, Mapping
from typing import Any

from dagster import AssetExecutionContext, AssetKey, Output
from dagster._utils import run_with_concurrent_update_guard
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets
from dagster_dbt.dbt_project import using_dagster_dev

from shop_analytics.resources.dbt import DBT_EXECUTABLE, DBT_PROJECT_DIR, LakehouseDbtCliResource
from shop_analytics.resources.environments import dbt_target
from shop_analytics.resources.iceberg import IcebergCatalogResource

GOLD_PREFIX = "gold"
GOLD_GROUP = "gold"

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, target=dbt_target())


def prepare_manifest(project: DbtProject) -> None:
    """Parse the project into its manifest under ``dagster dev`` or when none exists yet.

    What ``project.prepare_if_dev()`` does, plus the missing-manifest case, with this
    environment's dbt executable (the venv's, also when it is not on PATH).
    """
    if using_dagster_dev() or not project.manifest_path.exists():
        run_with_concurrent_update_guard(
            project.manifest_path,
            lambda project: DbtCliResource(project_dir=project, dbt_executable=DBT_EXECUTABLE)
            .cli(["parse", "--quiet"], target_path=project.target_path)
            .wait(),
            project=project,
        )


class GoldDbtTranslator(DagsterDbtTranslator):
    """dbt models as ``gold/<name>`` in group ``gold``; sources keep their meta asset keys."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return super().get_asset_key(dbt_resource_props)
        return AssetKey([GOLD_PREFIX, dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "source":
            return super().get_group_name(dbt_resource_props)
        return GOLD_GROUP


prepare_manifest(dbt_project)


def model_relations(manifest: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    """Model name → (schema, table) as parsed (the schema of the manifest's target)."""
    return {
        node["name"]: (node["schema"], node["alias"])
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
    }


RELATIONS = model_relations(json.loads(dbt_project.manifest_path.read_text()))


def row_count(iceberg: IcebergCatalogResource, table: str) -> int | None:
    """Rows in an Iceberg table from its current snapshot's summary; None if unknown."""
    try:
        snapshot = iceberg.load().load_table(table).current_snapshot()
    except Exception:  # metadata is best effort: never fail a materialization over it
        return None
    if snapshot is None:
        return 0
    total = snapshot.summary.get("total-records") if snapshot.summary else None
    return int(total) if total is not None else None


def with_row_count(
    event: Any, context: AssetExecutionContext, iceberg: IcebergCatalogResource, schema_override: str | None
) -> Any:
    """A dbt model's Output with its table's row count added to the metadata."""
    if not isinstance(event, Output):
        return event
    model = context.asset_key_for_output(event.output_name).path[-1]
    if model not in RELATIONS:
        return event
    schema, table = RELATIONS[model]
    rows = row_count(iceberg, f"{schema_override or schema}.{table}")
    if rows is None:
        return event
    # dagster/row_count: the standard key the UI plots for table assets.
    return event.with_metadata({**event.metadata, "dagster/row_count": rows})


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=GoldDbtTranslator(),
    # Runs share the "dbt" pool: an instance limit of 1 keeps one dbt Spark driver at a time.
    pool="dbt",
)
def gold_dbt_assets(
    context: AssetExecutionContext, dbt: DbtCliResource, iceberg: IcebergCatalogResource
) -> Iterator[Any]:
    """``dbt build`` of the selected models: materializations, test results as checks, logs streamed."""
    schema_override = dbt.gold_schema if isinstance(dbt, LakehouseDbtCliResource) else None
    for event in dbt.cli(["build"], context=context).stream():
        yield with_row_count(event, context, iceberg, schema_override)
