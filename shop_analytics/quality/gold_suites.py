"""Gold suites: the business rules of the dbt marts (dbt_models/models/marts).

Non-negative revenue, RFM scores in 1..5, each customer in exactly one segment (one row per
customer with one known segment), a customer dimension with one current version per customer,
and totals that reconcile within a mart and across marts (daily store revenue against the
store orders of ``fct_orders``; RFM monetary value against CLV's historical value).

Facts are checked on their newest day (the partition column); the customer marts, one row per
customer, whole. A mart that is not built yet is not a failure: the check is skipped and says so.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from shop_analytics.quality import expectations as ex
from shop_analytics.quality.suite import ALL_ROWS, Companion, ExpectationSpec, Layer, Scope, SuiteInputs, TableSuite

CHANNELS = ("web", "app", "store")
ORDER_STATUSES = ("placed", "paid", "shipped", "delivered", "cancelled", "payment_failed", "completed")
SEGMENTS = ("champions", "loyal", "potential_loyalists", "new_customers", "need_attention", "at_risk", "hibernating")

STORE_ORDERS = Companion(
    name="store_orders",
    layer=Layer.GOLD,
    table="fct_orders",
    columns=("store_id", "order_date", "total_cents", "channel"),
    scope=Scope("order_date"),
)
CLV = Companion(
    name="clv", layer=Layer.GOLD, table="customer_lifetime_value", columns=("customer_id", "historical_clv_cents")
)


def _fct_orders(inputs: SuiteInputs) -> list[ExpectationSpec]:
    return [
        ex.columns_present(["order_id", "channel", "store_id", "customer_id", "order_date", "subtotal_cents",
                            "discount_cents", "tax_cents", "total_cents", "order_status", "is_revenue"]),
        ex.has_rows(),
        ex.not_null("order_id"),
        ex.unique("order_id"),
        *(ex.not_null(c) for c in ("channel", "order_date", "total_cents", "order_status", "is_revenue")),
        ex.one_of("channel", CHANNELS, severity=ex.CRITICAL),
        ex.one_of("order_status", ORDER_STATUSES),
        ex.between("total_cents", 0),
        ex.between("subtotal_cents", 0),
        ex.between("discount_cents", 0),
        ex.between("tax_cents", 0),
        ex.equal("total_cents", "_expected_total_cents", "subtotal_cents - discount_cents + tax_cents"),
    ]  # fmt: skip


def _orders_derive(rows: pd.DataFrame, _: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    return rows.assign(_expected_total_cents=rows["subtotal_cents"] - rows["discount_cents"] + rows["tax_cents"])


def _fct_daily_store_sales(inputs: SuiteInputs) -> list[ExpectationSpec]:
    return [
        ex.columns_present(["daily_store_sales_id", "store_id", "sale_date", "transaction_count", "revenue_cents",
                            "refund_cents"]),
        ex.has_rows(),
        ex.not_null("daily_store_sales_id"),
        ex.unique("daily_store_sales_id"),
        ex.unique_together(["store_id", "sale_date"]),
        *(ex.not_null(c) for c in ("store_id", "sale_date", "revenue_cents")),
        ex.between("revenue_cents", 0),
        ex.between("transaction_count", 1),
        ex.between("refund_cents", 0, severity=ex.WARNING),
        ex.equal("revenue_cents", "_orders_revenue_cents", "sum of fct_orders.total_cents of the store's sales that day"),
    ]  # fmt: skip


def _daily_store_sales_derive(rows: pd.DataFrame, companions: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    orders = companions.get(STORE_ORDERS.name)
    if orders is None:
        return rows.assign(_orders_revenue_cents=pd.NA)
    store_orders = orders[orders["channel"] == "store"]
    totals = (
        store_orders.groupby(["store_id", "order_date"], as_index=False)["total_cents"]
        .sum()
        .rename(columns={"order_date": "sale_date", "total_cents": "_orders_revenue_cents"})
    )
    merged = rows.merge(totals, on=["store_id", "sale_date"], how="left")
    # A store day without any order in fct_orders reconciles against zero, not against nothing.
    merged["_orders_revenue_cents"] = merged["_orders_revenue_cents"].fillna(0).astype("int64")
    merged.index = rows.index
    return merged


def _customer_rfm(inputs: SuiteInputs) -> list[ExpectationSpec]:
    scores = ("recency_score", "frequency_score", "monetary_score")
    return [
        ex.columns_present(["customer_id", "recency_days", "frequency", "monetary_cents", *scores, "rfm_cell",
                            "segment"]),
        ex.has_rows(),
        ex.not_null("customer_id"),
        ex.unique("customer_id"),
        ex.not_null("segment"),
        ex.one_of("segment", SEGMENTS, severity=ex.CRITICAL),
        *(ex.not_null(score) for score in scores),
        *(ex.between(score, 1, 5) for score in scores),
        ex.between("frequency", 1, severity=ex.WARNING),
        ex.between("recency_days", 0, severity=ex.WARNING),
        ex.equal("rfm_cell", "_expected_rfm_cell", "recency, frequency and monetary scores as one string",
                 severity=ex.WARNING),
        ex.equal("monetary_cents", "_clv_historical_cents", "customer_lifetime_value.historical_clv_cents",
                 severity=ex.WARNING),
    ]  # fmt: skip


def _rfm_derive(rows: pd.DataFrame, companions: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    cell = (
        rows["recency_score"].astype("Int64").astype("string")
        + rows["frequency_score"].astype("Int64").astype("string")
        + rows["monetary_score"].astype("Int64").astype("string")
    )
    derived = rows.assign(_expected_rfm_cell=cell.astype(object))
    clv = companions.get(CLV.name)
    if clv is None:
        return derived.assign(_clv_historical_cents=pd.NA)
    lookup = clv.drop_duplicates("customer_id").set_index("customer_id")["historical_clv_cents"]
    return derived.assign(_clv_historical_cents=rows["customer_id"].map(lookup))


def _customer_lifetime_value(inputs: SuiteInputs) -> list[ExpectationSpec]:
    return [
        ex.columns_present(["customer_id", "order_count", "revenue_cents", "refund_cents", "historical_clv_cents",
                            "predicted_clv_cents", "total_clv_cents"]),
        ex.has_rows(),
        ex.not_null("customer_id"),
        ex.unique("customer_id"),
        ex.between("revenue_cents", 0),
        ex.between("order_count", 1),
        ex.between("predicted_clv_cents", 0),
        ex.between("refund_cents", 0, severity=ex.WARNING),
        ex.equal("historical_clv_cents", "_expected_historical_clv_cents", "revenue_cents - refund_cents"),
        ex.equal("total_clv_cents", "_expected_total_clv_cents", "historical_clv_cents + predicted_clv_cents"),
    ]  # fmt: skip


def _clv_derive(rows: pd.DataFrame, _: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    return rows.assign(
        _expected_historical_clv_cents=rows["revenue_cents"] - rows["refund_cents"],
        _expected_total_clv_cents=rows["historical_clv_cents"] + rows["predicted_clv_cents"],
    )


def _dim_customers(inputs: SuiteInputs) -> list[ExpectationSpec]:
    return [
        ex.columns_present(["customer_version_id", "customer_id", "valid_from", "valid_to", "is_current"]),
        ex.has_rows(),
        ex.not_null("customer_version_id"),
        ex.unique("customer_version_id"),
        ex.not_null("customer_id"),
        ex.not_null("valid_from"),
        ex.not_null("is_current"),
        ex.unique("customer_id", where="is_current == True"),
        ex.not_before("valid_to", "valid_from", severity=ex.CRITICAL),
    ]


def _gold(table: str, build, key: tuple[str, ...], description: str, **kwargs) -> TableSuite:
    return TableSuite(
        layer=Layer.GOLD, table=table, version=1, expectations=build, key_columns=key, description=description, **kwargs
    )


GOLD_SUITES: tuple[TableSuite, ...] = (
    _gold("fct_orders", _fct_orders, ("order_id",), "Non-negative, reconciling order revenue; one row per order.",
          scope=Scope("order_date"), derive=_orders_derive),
    _gold("fct_daily_store_sales", _fct_daily_store_sales, ("store_id", "sale_date"),
          "Daily store revenue is non-negative and equals the store orders of fct_orders.",
          scope=Scope("sale_date"), companions=(STORE_ORDERS,), derive=_daily_store_sales_derive),
    _gold("customer_rfm", _customer_rfm, ("customer_id",),
          "RFM scores in 1..5 and exactly one known segment per customer.",
          scope=ALL_ROWS, companions=(CLV,), derive=_rfm_derive),
    _gold("customer_lifetime_value", _customer_lifetime_value, ("customer_id",),
          "Non-negative revenue and CLV parts that add up, one row per customer.", derive=_clv_derive),
    _gold("dim_customers", _dim_customers, ("customer_version_id", "customer_id"),
          "One current version per customer; versions do not end before they start."),
)  # fmt: skip
