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
- It needs the ``dbt`` resource (shop_analytics/resources/dbt.py).
"""

from collections.abc import Iterator, Mapping
from typing import Any

from dagster import AssetExecutionContext, AssetKey
from dagster._utils import run_with_concurrent_update_guard
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets
from dagster_dbt.dbt_project import using_dagster_dev

from shop_analytics.resources.dbt import DBT_EXECUTABLE, DBT_PROJECT_DIR
from shop_analytics.resources.environments import dbt_target

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


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=GoldDbtTranslator(),
    # Runs share the "dbt" pool: an instance limit of 1 keeps one dbt Spark driver at a time.
    pool="dbt",
)
def gold_dbt_assets(context: AssetExecutionContext, dbt: DbtCliResource) -> Iterator[Any]:
    """``dbt build`` of the selected models: materializations, test results as checks, logs streamed."""
    yield from dbt.cli(["build"], context=context).stream()
