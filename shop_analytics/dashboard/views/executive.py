"""Executive view: revenue, orders, AOV, conversion, products, stores, customers (gold marts)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from shop_analytics.dashboard import charts, columns, executive, ui
from shop_analytics.dashboard import formatting as fmt
from shop_analytics.dashboard.config import DashboardConfig
from shop_analytics.dashboard.lakehouse import Lakehouse

PERIODS = {"7 days": 7, "14 days": 14, "28 days": 28}


def render() -> None:
    cfg = ui.config()
    st.title("Executive")
    label = st.selectbox("Period", list(PERIODS), index=0, key="period")
    body = ui.refreshing(cfg)(_body)
    body(cfg, PERIODS[label])


def _body(cfg: DashboardConfig, days: int) -> None:
    lake = ui.lakehouse()
    now = pd.Timestamp.now(tz="UTC")
    if lake.catalog is None:
        ui.empty(lake.absent_reason or "No lakehouse yet.")
        ui.footer(cfg, lake, now)
        return
    orders = ui.read(lake, cfg.gold(columns.FCT_ORDERS.name), columns.FCT_ORDERS)
    if orders is None or orders.empty:
        ui.empty(
            f"No orders in {cfg.gold(columns.FCT_ORDERS.name)} yet: the gold marts fill when dbt runs "
            "(`make demo` streams a simulation and builds them)."
        )
        _live(cfg, lake, "")
        ui.footer(cfg, lake, now)
        return
    period = executive.latest_period(orders, days)
    assert period is not None  # orders is not empty
    currency = executive.currency(orders)
    funnel = ui.read(lake, cfg.gold(columns.CONVERSION_FUNNEL.name), columns.CONVERSION_FUNNEL)
    kpis = executive.headline(orders, funnel, period)
    st.caption(f"{period.label} compared with {period.previous.label} (the period ends on the newest order day)")

    for column, kpi in zip(st.columns(len(kpis)), kpis.values(), strict=True):
        value = {
            "money": fmt.money(kpi.current, currency),
            "count": fmt.count(kpi.current),
            "ratio": fmt.ratio(kpi.current),
        }[kpi.unit]
        column.metric(kpi.label, value, fmt.change(kpi.change, kpi.unit), border=True)

    left, right = st.columns([5, 4])
    left.plotly_chart(charts.revenue_trend(executive.revenue_by_day_and_channel(orders, period), currency), key="revenue_trend")
    with right:
        st.subheader("Period over period")
        ui.show(executive.period_over_period(kpis, currency), "period_over_period")

    _products(cfg, lake, orders, period, currency)
    _stores(cfg, lake, period, currency)
    _customers(cfg, lake, currency)
    if funnel is not None and len(funnel):
        left, right = st.columns(2)
        left.plotly_chart(charts.funnel(executive.funnel_steps(funnel, period)), key="funnel")
        with right:
            _live(cfg, lake, currency)
    else:
        _live(cfg, lake, currency)
    ui.footer(cfg, lake, now)


def _products(cfg: DashboardConfig, lake: Lakehouse, orders: pd.DataFrame, period: executive.Period, currency: str) -> None:
    lines = ui.read(lake, cfg.gold(columns.FCT_ORDER_LINES.name), columns.FCT_ORDER_LINES)
    products = ui.read(lake, cfg.gold(columns.DIM_PRODUCTS.name), columns.DIM_PRODUCTS)
    if lines is None or products is None:
        ui.empty(f"No order lines or products in {cfg.gold_namespace} yet.")
        return
    top = executive.top_products(lines, orders, products, period)
    cats = executive.top_categories(lines, orders, products, period)
    left, right = st.columns(2)
    with left:
        st.plotly_chart(charts.ranked_bars(top, "product_name", "revenue", "Top products by revenue", f"Revenue {currency}"), key="top_products_chart")
        ui.show(top, "top_products", revenue=st.column_config.NumberColumn(format="%.2f"))
    with right:
        st.plotly_chart(charts.ranked_bars(cats, "category", "revenue", "Top categories by revenue", f"Revenue {currency}"), key="top_categories_chart")
        ui.show(cats, "top_categories", revenue=st.column_config.NumberColumn(format="%.2f"))


def _stores(cfg: DashboardConfig, lake: Lakehouse, period: executive.Period, currency: str) -> None:
    daily = ui.read(lake, cfg.gold(columns.FCT_DAILY_STORE_SALES.name), columns.FCT_DAILY_STORE_SALES)
    stores = ui.read(lake, cfg.gold(columns.DIM_STORES.name), columns.DIM_STORES)
    performance = ui.read(lake, cfg.gold(columns.STORE_PERFORMANCE.name), columns.STORE_PERFORMANCE)
    st.subheader("Stores")
    if daily is None or stores is None:
        ui.empty(f"No store sales or stores in {cfg.gold_namespace} yet.")
        return
    left, right = st.columns([3, 2])
    left.plotly_chart(charts.store_map(executive.store_map(daily, stores, period), currency), key="store_map")
    with right:
        if performance is not None and len(performance):
            st.caption("All-time and last 7 days (store_performance)")
            ui.show(
                executive.store_ranking(performance),
                "store_performance",
                week_over_week_growth=st.column_config.NumberColumn(format="percent"),
            )


def _customers(cfg: DashboardConfig, lake: Lakehouse, currency: str) -> None:
    rfm = ui.read(lake, cfg.gold(columns.CUSTOMER_RFM.name), columns.CUSTOMER_RFM)
    clv = ui.read(lake, cfg.gold(columns.CUSTOMER_LIFETIME_VALUE.name), columns.CUSTOMER_LIFETIME_VALUE)
    st.subheader("Customers")
    if (rfm is None or rfm.empty) and (clv is None or clv.empty):
        ui.empty(f"No customer analytics in {cfg.gold_namespace} yet.")
        return
    if clv is not None and len(clv):
        summary = executive.clv_summary(clv)
        assert summary is not None
        a, b, c, d = st.columns(4)
        a.metric("Customers with orders", fmt.count(summary.customers))
        b.metric("Median lifetime value", fmt.money(summary.median_total, currency))
        c.metric("90th percentile lifetime value", fmt.money(summary.p90_total, currency))
        d.metric("Predicted next 12 months", fmt.money(summary.predicted_sum, currency))
    left, right = st.columns(2)
    if rfm is not None and len(rfm):
        with left:
            segments = executive.segments(rfm)
            st.plotly_chart(charts.segment_bars(segments), key="segments_chart")
            ui.show(segments, "segments", revenue=st.column_config.NumberColumn(format="%.2f"))
    if clv is not None and len(clv):
        right.plotly_chart(charts.clv_histogram(clv, currency), key="clv_histogram")


def _live(cfg: DashboardConfig, lake: Lakehouse, currency: str) -> None:
    windows = ui.read(lake, cfg.silver(columns.SALES_WINDOWS.name), columns.SALES_WINDOWS)
    if windows is None or windows.empty:
        return
    live = executive.live_sales(windows)
    if len(live):
        st.plotly_chart(charts.live_sales(live, currency), key="live_sales")


if __name__ == "__main__":
    render()
