"""A second run after the first build (conftest.py): the incremental models merge new and
late silver rows and later status changes, and dim_customers opens a new version.

Runs after test_gold_build.py (it changes the gold tables those tests read).
"""

from __future__ import annotations

import json
import subprocess
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from shop_analytics.resources.dbt import DBT_EXECUTABLE, DBT_PROJECT_DIR
from shop_analytics_tests.dbt.conftest import GOLD_NAMESPACE, SILVER_NAMESPACE, GoldBuild
from shop_analytics_tests.dbt.silver_fixture import SilverData, at, write_rows
from shop_analytics_tests.dbt.test_gold_build import rows

pytestmark = pytest.mark.integration


@dataclass(frozen=True)
class IncrementalRun:
    run_results: dict[str, Any]
    wall_seconds: float


@pytest.fixture(scope="module")
def incremental_run(
    gold_build: GoldBuild, spark: Any, dbt_environ: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> IncrementalRun:
    assert gold_build.result.success, "the first build failed: see test_gold_build"
    new = SilverData(_event_seq=1000)  # event ids after the first batch's
    new.order("o7", "c2", at(11), [("p2", 1, 2500)], statuses=[("paid", at(11, 13))])
    new.store_sale("sa5", "s1", "c4", at(11, 9), [("p1", 1, 1000)])
    new.store_sale("sa6", "s2", None, at(9, 18), [("p3", 1, 4000)])  # late: two days behind
    # o4 (placed on day 5, outside the window) is cancelled on day 11.
    new.status("o4", "c1", "cancelled", at(11, 10))
    write_rows(spark, SILVER_NAMESPACE, new)
    # silver.customers is upserted in place: c1 moved to Paris.
    spark.sql(
        f"UPDATE {SILVER_NAMESPACE}.customers SET home_city = 'Paris', home_region = 'north', "
        f"updated_at = timestamp'2025-01-11 08:00:00' WHERE customer_id = 'c1'"
    )
    target = tmp_path_factory.mktemp("dbt_incremental")
    started = time.monotonic()
    done = subprocess.run(
        [
            DBT_EXECUTABLE,
            "build",
            "--select",
            "config.materialized:incremental",
            "--profiles-dir",
            ".",
            "--target",
            "local",
            "--target-path",
            str(target),
            "--log-path",
            str(target),
        ],
        cwd=DBT_PROJECT_DIR,
        env={**dbt_environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"},
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    wall_seconds = time.monotonic() - started
    print(f"\nincremental dbt build: {wall_seconds:.1f} s wall")
    assert done.returncode == 0, done.stdout[-6000:]
    return IncrementalRun(json.loads(Path(target, "run_results.json").read_text()), wall_seconds)


def test_incremental_models_merge_and_their_tests_pass(incremental_run: IncrementalRun) -> None:
    statuses = {r["unique_id"]: r["status"] for r in incremental_run.run_results["results"]}
    models = {uid.split(".")[-1] for uid in statuses if uid.startswith("model.")}
    assert models == {
        "dim_customers",
        "fct_orders",
        "fct_order_lines",
        "fct_sessions",
        "fct_returns",
        "fct_daily_store_sales",
        "fct_inventory_position",
        "int_clickstream_sessions_summarized",
    }
    assert set(statuses.values()) <= {"success", "pass"}


def test_a_status_change_outside_the_window_updates_its_order(incremental_run: IncrementalRun, spark: Any) -> None:
    o4 = rows(
        spark, f"select order_status, is_revenue, cancelled_at from {GOLD_NAMESPACE}.fct_orders where order_id = 'o4'"
    )
    assert [(r["order_status"], r["is_revenue"]) for r in o4] == [("cancelled", False)]


def test_revenue_still_reconciles_with_silver_after_new_and_late_rows(
    incremental_run: IncrementalRun, spark: Any
) -> None:
    def per_day(sql: str) -> dict[date, tuple[int, int]]:
        return {r["d"]: (r["n"], r["revenue"]) for r in rows(spark, sql)}

    silver = per_day(
        f"""
        select d, count(*) as n, sum(total_cents) as revenue from (
            select cast(event_time as date) as d, total_cents from {SILVER_NAMESPACE}.orders
            union all
            select cast(event_time as date), total_cents from {SILVER_NAMESPACE}.store_sales
        ) group by d
        """
    )
    gold = per_day(
        f"select order_date as d, count(*) as n, sum(total_cents) as revenue from {GOLD_NAMESPACE}.fct_orders group by order_date"
    )
    assert gold == silver
    assert gold[date(2025, 1, 11)] == (2, 3500)
    daily = per_day(
        f"select sale_date as d, transaction_count as n, revenue_cents as revenue "
        f"from {GOLD_NAMESPACE}.fct_daily_store_sales where store_id = 's2'"
    )
    assert daily[date(2025, 1, 9)] == (1, 4000)  # the late sale


def test_a_changed_customer_gets_a_new_current_version(incremental_run: IncrementalRun, spark: Any) -> None:
    versions = rows(
        spark,
        f"select home_city, valid_from, valid_to, is_current from {GOLD_NAMESPACE}.dim_customers "
        f"where customer_id = 'c1' order by valid_from",
    )
    assert [(v["home_city"], v["is_current"]) for v in versions] == [("Lyon", False), ("Paris", True)]
    assert versions[0]["valid_to"] == versions[1]["valid_from"]
    assert versions[1]["valid_to"] is None
    others = rows(spark, f"select count(*) as n from {GOLD_NAMESPACE}.dim_customers where customer_id != 'c1'")
    assert others[0]["n"] == 4  # unchanged customers keep their single version
