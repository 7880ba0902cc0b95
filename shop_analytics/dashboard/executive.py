"""The executive view's numbers, from the gold marts: pure functions of pandas frames.

Periods end on the newest order day in ``fct_orders`` (not today): a simulation or a
backfill writes event time in the past, and the view should show its latest full picture.
Revenue counts orders ``is_revenue`` (not cancelled, payment not failed), in currency units
(the marts hold cents). Each figure is compared with the period of equal length before it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from shop_analytics.dashboard import formatting as fmt

# The RFM segments best first (dbt_models/macros/rfm.sql); a segment not listed goes last.
SEGMENT_ORDER = (
    "champions",
    "loyal",
    "potential_loyalists",
    "new_customers",
    "need_attention",
    "at_risk",
    "hibernating",
)


@dataclass(frozen=True)
class Period:
    """Days ``first`` … ``last``, both included (midnight timestamps without zone)."""

    first: pd.Timestamp
    last: pd.Timestamp

    @property
    def days(self) -> int:
        return int((self.last - self.first).days) + 1

    @property
    def previous(self) -> Period:
        return Period(self.first - pd.Timedelta(days=self.days), self.first - pd.Timedelta(days=1))

    def mask(self, days: pd.Series) -> pd.Series:
        return (days >= self.first) & (days <= self.last)

    @property
    def label(self) -> str:
        return f"{self.first:%Y-%m-%d} - {self.last:%Y-%m-%d}"


def latest_period(orders: pd.DataFrame, days: int) -> Period | None:
    """The ``days`` days ending on the newest order day; None when there are no orders."""
    newest = orders["order_date"].max() if len(orders) else None
    if newest is None or pd.isna(newest):
        return None
    return Period(newest - pd.Timedelta(days=days - 1), newest)


@dataclass(frozen=True)
class Kpi:
    label: str
    current: float | None
    previous: float | None
    unit: str = ""  # "money", "count", "ratio"

    @property
    def change(self) -> float | None:
        """Relative change vs the previous period (for a ratio: the difference in points)."""
        if self.current is None or self.previous is None:
            return None
        if self.unit == "ratio":
            return self.current - self.previous
        if self.previous == 0:
            return None
        return self.current / self.previous - 1


def _revenue_orders(orders: pd.DataFrame, period: Period) -> pd.DataFrame:
    return orders[period.mask(orders["order_date"]) & orders["is_revenue"].fillna(False).astype(bool)]


def _period_figures(orders: pd.DataFrame, funnel: pd.DataFrame | None, period: Period) -> dict[str, float | None]:
    paid = _revenue_orders(orders, period)
    revenue = float(paid["total_cents"].sum()) / 100
    count = len(paid)
    conversion = None
    if funnel is not None:
        in_period = funnel[period.mask(funnel["session_date"])]
        sessions = float(in_period["sessions"].sum())
        conversion = float(in_period["purchase_sessions"].sum()) / sessions if sessions else None
    return {
        "revenue": revenue,
        "orders": float(count),
        "aov": revenue / count if count else None,
        "conversion": conversion,
    }


def headline(orders: pd.DataFrame, funnel: pd.DataFrame | None, period: Period) -> dict[str, Kpi]:
    """Revenue, orders, average order value and web/app conversion, this period and the last."""
    now, before = _period_figures(orders, funnel, period), _period_figures(orders, funnel, period.previous)
    # A previous period before the first order is "no data", not zero: no change is shown.
    has_before = bool((orders["order_date"] <= period.previous.last).any())
    funnel_before = funnel is not None and bool((funnel["session_date"] <= period.previous.last).any())

    def kpi(key: str, label: str, unit: str, had: bool) -> Kpi:
        return Kpi(label, now[key], before[key] if had else None, unit)

    return {
        "revenue": kpi("revenue", "Revenue", "money", has_before),
        "orders": kpi("orders", "Orders", "count", has_before),
        "aov": kpi("aov", "Average order value", "money", has_before),
        "conversion": kpi("conversion", "Conversion (web + app)", "ratio", funnel_before),
    }


def period_over_period(kpis: Mapping[str, Kpi], currency: str = "") -> pd.DataFrame:
    """The headline figures side by side, formatted as on the tiles (the rows mix units)."""
    def show(kpi: Kpi, value: float | None) -> str:
        if kpi.unit == "money":
            return fmt.money(value, currency)
        return fmt.ratio(value) if kpi.unit == "ratio" else fmt.count(value)

    return pd.DataFrame(
        [
            {
                "metric": k.label,
                "this period": show(k, k.current),
                "previous period": show(k, k.previous),
                "change": fmt.change(k.change, k.unit) or fmt.NONE,
            }
            for k in kpis.values()
        ]
    )


def revenue_by_day_and_channel(orders: pd.DataFrame, period: Period) -> pd.DataFrame:
    """One row per day and channel with revenue (currency units) and orders."""
    paid = _revenue_orders(orders, period)
    daily = (
        paid.groupby(["order_date", "channel"], as_index=False)
        .agg(revenue_cents=("total_cents", "sum"), orders=("order_id", "count"))
        .rename(columns={"order_date": "day"})
    )
    daily["revenue"] = daily.pop("revenue_cents") / 100
    return daily.sort_values(["day", "channel"]).reset_index(drop=True)[["day", "channel", "revenue", "orders"]]


def _paid_lines(lines: pd.DataFrame, orders: pd.DataFrame, period: Period) -> pd.DataFrame:
    paid_ids = _revenue_orders(orders, period)["order_id"]
    return lines[period.mask(lines["order_date"]) & lines["order_id"].isin(paid_ids)]


def top_products(
    lines: pd.DataFrame, orders: pd.DataFrame, products: pd.DataFrame, period: Period, limit: int = 10
) -> pd.DataFrame:
    """The products with the most line revenue in the period (lines of revenue orders only)."""
    paid = _paid_lines(lines, orders, period)
    by_product = paid.groupby("product_id", as_index=False).agg(
        revenue_cents=("line_total_cents", "sum"), units=("quantity", "sum")
    )
    by_product = by_product.merge(products[["product_id", "product_name", "category"]], on="product_id", how="left")
    by_product["product_name"] = by_product["product_name"].fillna(by_product["product_id"])
    by_product["revenue"] = by_product.pop("revenue_cents") / 100
    top = by_product.sort_values(["revenue", "product_id"], ascending=[False, True]).head(limit)
    return top[["product_id", "product_name", "category", "revenue", "units"]].reset_index(drop=True)


def top_categories(
    lines: pd.DataFrame, orders: pd.DataFrame, products: pd.DataFrame, period: Period, limit: int = 10
) -> pd.DataFrame:
    paid = _paid_lines(lines, orders, period).merge(products[["product_id", "category"]], on="product_id", how="left")
    paid["category"] = paid["category"].fillna("unknown")
    by_category = paid.groupby("category", as_index=False).agg(
        revenue_cents=("line_total_cents", "sum"), units=("quantity", "sum")
    )
    by_category["revenue"] = by_category.pop("revenue_cents") / 100
    top = by_category.sort_values(["revenue", "category"], ascending=[False, True]).head(limit)
    return top[["category", "revenue", "units"]].reset_index(drop=True)


def store_map(daily_sales: pd.DataFrame, stores: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Each store with its city, coordinates, revenue this period and the change on the last."""

    def revenue_in(p: Period) -> pd.Series:
        rows = daily_sales[p.mask(daily_sales["sale_date"])]
        return rows.groupby("store_id")["revenue_cents"].sum() / 100

    shops = stores[stores["is_store"].fillna(False).astype(bool)].copy()
    shops["revenue"] = shops["store_id"].map(revenue_in(period)).fillna(0.0)
    shops["previous_revenue"] = shops["store_id"].map(revenue_in(period.previous)).fillna(0.0)
    transactions = daily_sales[period.mask(daily_sales["sale_date"])].groupby("store_id")["transaction_count"].sum()
    shops["transactions"] = shops["store_id"].map(transactions).fillna(0.0)
    shops["change"] = (shops["revenue"] / shops["previous_revenue"].where(shops["previous_revenue"] > 0)) - 1
    columns = ["store_id", "store_name", "city", "region", "latitude", "longitude", "revenue", "previous_revenue", "change", "transactions"]
    return shops.sort_values(["revenue", "store_id"], ascending=[False, True])[columns].reset_index(drop=True)


def store_ranking(performance: pd.DataFrame) -> pd.DataFrame:
    """store_performance as shown: revenue in currency units, ranked within the region."""
    table = performance.copy()
    for cents in ("revenue_cents", "avg_basket_cents", "revenue_last_7d_cents"):
        table[cents.removesuffix("_cents")] = table.pop(cents) / 100
    columns = ["store_name", "city", "region", "revenue", "revenue_last_7d", "week_over_week_growth", "avg_basket", "revenue_rank_in_region"]
    return table.sort_values(["region", "revenue_rank_in_region", "store_name"])[columns].reset_index(drop=True)


def segments(rfm: pd.DataFrame) -> pd.DataFrame:
    """Customers and their net revenue per RFM segment, best segment first."""
    by_segment = rfm.groupby("segment", as_index=False).agg(
        customers=("customer_id", "nunique"), monetary_cents=("monetary_cents", "sum")
    )
    by_segment["revenue"] = by_segment.pop("monetary_cents") / 100
    rank = {name: i for i, name in enumerate(SEGMENT_ORDER)}
    by_segment["_order"] = by_segment["segment"].map(lambda s: rank.get(s, len(rank)))
    return by_segment.sort_values(["_order", "segment"]).drop(columns="_order").reset_index(drop=True)


@dataclass(frozen=True)
class ClvSummary:
    customers: int
    median_total: float
    mean_total: float
    p90_total: float
    historical_sum: float
    predicted_sum: float


def clv_summary(clv: pd.DataFrame) -> ClvSummary | None:
    """Totals and quantiles of customer lifetime value (currency units); None without customers."""
    if clv.empty:
        return None
    total = clv["total_clv_cents"] / 100
    return ClvSummary(
        customers=int(clv["customer_id"].nunique()),
        median_total=float(total.median()),
        mean_total=float(total.mean()),
        p90_total=float(total.quantile(0.9)),
        historical_sum=float(clv["historical_clv_cents"].sum()) / 100,
        predicted_sum=float(clv["predicted_clv_cents"].sum()) / 100,
    )


def funnel_steps(funnel: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Sessions reaching each funnel step in the period (web and app together)."""
    rows = funnel[period.mask(funnel["session_date"])]
    steps = {
        "sessions": "Sessions",
        "product_view_sessions": "Viewed a product",
        "cart_sessions": "Added to cart",
        "checkout_sessions": "Checkout",
        "purchase_sessions": "Purchased",
    }
    return pd.DataFrame({"step": list(steps.values()), "sessions": [float(rows[c].sum()) for c in steps]})


def live_sales(windows: pd.DataFrame, hours: int = 6) -> pd.DataFrame:
    """silver.sales_windows' 5-minute revenue per channel over the newest ``hours`` of windows.

    Silver's windows update with every silver run, ahead of the gold marts (built by dbt).
    """
    tumbling = windows[windows["window_kind"] == "tumbling_5m"]
    if tumbling.empty:
        return pd.DataFrame(columns=["window_start", "channel", "revenue", "orders"])
    newest = tumbling["window_start"].max()
    recent = tumbling[tumbling["window_start"] > newest - pd.Timedelta(hours=hours)]
    out = recent.groupby(["window_start", "channel"], as_index=False).agg(
        revenue_cents=("revenue_cents", "sum"), orders=("orders", "sum")
    )
    out["revenue"] = out.pop("revenue_cents") / 100
    return out.sort_values(["window_start", "channel"]).reset_index(drop=True)[["window_start", "channel", "revenue", "orders"]]


def currency(orders: pd.DataFrame) -> str:
    """The orders' currency code when there is one, else an empty string."""
    codes = orders["currency"].dropna().unique()
    return str(codes[0]) if len(codes) == 1 else ""
