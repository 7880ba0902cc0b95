"""Which silver assets a finished bronze run leads to."""

from dagster import AssetKey

from shop_analytics.sensors.bronze_to_silver_sensor import silver_selection

MAPPING = {
    AssetKey(["bronze", "orders"]): [AssetKey(["silver", "orders"]), AssetKey(["silver", "order_lines"])],
    AssetKey(["bronze", "returns"]): [AssetKey(["silver", "returns"]), AssetKey(["silver", "return_lines"])],
    AssetKey(["bronze", "products"]): [AssetKey(["silver", "products"])],
}
DERIVED = [AssetKey(["silver", "sales_windows"])]


def test_only_what_the_bronze_run_fed_plus_derived() -> None:
    selected = silver_selection([AssetKey(["bronze", "orders"])], MAPPING, DERIVED)
    assert selected == [AssetKey(["silver", "orders"]), AssetKey(["silver", "order_lines"]), *DERIVED]


def test_silver_tables_never_built_join_the_first_run() -> None:
    never = [AssetKey(["silver", "returns"]), AssetKey(["silver", "return_lines"]), AssetKey(["silver", "orders"])]
    selected = silver_selection([AssetKey(["bronze", "orders"])], MAPPING, DERIVED, never)
    assert set(selected) == {*MAPPING[AssetKey(["bronze", "orders"])], *MAPPING[AssetKey(["bronze", "returns"])], *DERIVED}


def test_nothing_fed_means_nothing_selected() -> None:
    assert silver_selection([AssetKey(["bronze", "unknown"])], MAPPING, DERIVED, [AssetKey(["silver", "returns"])]) == []
