"""Plotly figures for the views, from the frames the pure functions return.

No figure needs the network: the store map is a scatter of longitude and latitude on plain
axes, because Plotly's geo maps (scatter_geo) fetch their country outlines from
cdn.plot.ly in the browser and map tiles come from a tile server.
"""

from __future__ import annotations

import math

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

HEIGHT = 340
CHANNEL_COLORS = {"web": "#1f77b4", "app": "#ff7f0e", "store": "#2ca02c"}


def _layout(fig: go.Figure, title: str, height: int = HEIGHT) -> go.Figure:
    fig.update_layout(title=title, height=height, margin={"l": 10, "r": 10, "t": 40, "b": 10}, legend_title_text="")
    return fig


def revenue_trend(daily: pd.DataFrame, currency: str) -> go.Figure:
    """Stacked bars: revenue per day, one colour per channel."""
    fig = px.bar(
        daily,
        x="day",
        y="revenue",
        color="channel",
        color_discrete_map=CHANNEL_COLORS,
        hover_data={"orders": True},
        labels={"revenue": f"Revenue {currency}".strip(), "day": ""},
    )
    fig.update_xaxes(dtick=86400000, tickformat="%b %d")
    return _layout(fig, "Revenue by day and channel")


def ranked_bars(frame: pd.DataFrame, label: str, value: str, title: str, value_label: str) -> go.Figure:
    """Horizontal bars, largest at the top."""
    ordered = frame.iloc[::-1]
    fig = px.bar(ordered, x=value, y=label, orientation="h", labels={value: value_label, label: ""})
    return _layout(fig, title)


def store_map(stores: pd.DataFrame, currency: str) -> go.Figure:
    """Stores at their coordinates; marker area ∝ revenue, colour = change on the previous period."""
    peak = float(stores["revenue"].max()) if len(stores) else 0.0
    sizes = [12 + 38 * math.sqrt(r / peak) if peak > 0 else 12 for r in stores["revenue"]]
    change = stores["change"].fillna(0.0) * 100
    fig = go.Figure(
        go.Scatter(
            x=stores["longitude"],
            y=stores["latitude"],
            mode="markers+text",
            text=stores["city"],
            textposition="top center",
            marker={
                "size": sizes,
                "color": change,
                "colorscale": "RdYlGn",
                "cmid": 0,
                "colorbar": {"title": "% vs prev."},
                "line": {"width": 1, "color": "#333"},
            },
            customdata=stores[["store_name", "revenue", "previous_revenue", "transactions"]].to_numpy(),
            hovertemplate=(
                "<b>%{customdata[0]}</b> (%{text})<br>"
                f"Revenue %{{customdata[1]:,.2f}} {currency}<br>"
                f"Previous %{{customdata[2]:,.2f}} {currency}<br>"
                "Transactions %{customdata[3]:,.0f}<extra></extra>"
            ),
        )
    )
    # Degrees of longitude shrink with latitude: scale the axes so the map is not stretched.
    mid_lat = float(stores["latitude"].mean()) if len(stores) else 0.0
    fig.update_yaxes(scaleanchor="x", scaleratio=1 / max(math.cos(math.radians(mid_lat)), 0.1), title="latitude")
    fig.update_xaxes(title="longitude")
    return _layout(fig, "Store revenue by city", height=420)


def segment_bars(segments: pd.DataFrame) -> go.Figure:
    fig = px.bar(segments, x="segment", y="customers", hover_data={"revenue": ":,.2f"}, labels={"segment": ""})
    return _layout(fig, "Customers per RFM segment")


def clv_histogram(clv: pd.DataFrame, currency: str) -> go.Figure:
    values = pd.DataFrame({"total_clv": clv["total_clv_cents"] / 100})
    fig = px.histogram(values, x="total_clv", nbins=30, labels={"total_clv": f"Lifetime value {currency}".strip()})
    fig.update_yaxes(title="customers")
    return _layout(fig, "Customer lifetime value")


def funnel(steps: pd.DataFrame) -> go.Figure:
    fig = go.Figure(go.Funnel(y=steps["step"], x=steps["sessions"], textinfo="value+percent initial"))
    return _layout(fig, "Web and app funnel (sessions)")


def live_sales(windows: pd.DataFrame, currency: str) -> go.Figure:
    fig = px.line(
        windows,
        x="window_start",
        y="revenue",
        color="channel",
        color_discrete_map=CHANNEL_COLORS,
        markers=True,
        labels={"window_start": "", "revenue": f"Revenue {currency}".strip()},
    )
    return _layout(fig, "Live revenue, 5-minute windows")


def lag_bars(lag: pd.DataFrame) -> go.Figure:
    fig = px.bar(lag, x="topic", y="consumer_lag", hover_data=["newest_event_age_s", "finished_at"], labels={"topic": ""})
    fig.update_yaxes(title="records behind")
    return _layout(fig, "Kafka consumer lag per topic (latest ingest run)")


def reason_bars(reasons: pd.DataFrame, group: str, title: str) -> go.Figure:
    fig = px.bar(reasons, x="rows", y="reason", color=group, orientation="h", labels={"reason": ""})
    return _layout(fig, title)


def batch_durations(timeline: pd.DataFrame) -> go.Figure:
    fig = px.scatter(
        timeline,
        x="at",
        y="duration_s",
        color="stream",
        symbol="stage",
        hover_data=["rows", "rows_per_s"],
        labels={"at": "", "duration_s": "seconds"},
    )
    return _layout(fig, "Micro-batch durations")


def throughput(timeline: pd.DataFrame) -> go.Figure:
    fig = px.line(
        timeline.dropna(subset=["rows_per_s"]),
        x="at",
        y="rows_per_s",
        color="stream",
        line_dash="stage",
        markers=True,
        labels={"at": "", "rows_per_s": "rows / s"},
    )
    return _layout(fig, "Throughput per batch")


def latency_bars(latency: pd.DataFrame) -> go.Figure:
    long = latency.melt(
        id_vars="table",
        value_vars=["event_to_silver_p50_s", "event_to_silver_p95_s", "event_to_silver_p99_s", "bronze_to_silver_p50_s"],
        var_name="percentile",
        value_name="seconds",
    )
    long["percentile"] = long["percentile"].str.removesuffix("_s").str.replace("_", " ")
    fig = px.bar(long, x="table", y="seconds", color="percentile", barmode="group", log_y=True, labels={"table": ""})
    return _layout(fig, "Latency percentiles (log scale)")


def dbt_timings(results: pd.DataFrame, limit: int = 20) -> go.Figure:
    top = results.head(limit)
    return ranked_bars(top, "model", "execution_time_s", f"dbt: slowest {len(top)} models", "seconds")


def table_files(stats: pd.DataFrame) -> go.Figure:
    short = stats.assign(
        other_files=stats["data_files"] - stats["small_files"],
        name=stats["layer"] + "." + stats["table"].str.rsplit(".", n=1).str[-1],
    )
    long = short.melt(id_vars=["name"], value_vars=["small_files", "other_files"], var_name="kind", value_name="files")
    fig = px.bar(long, x="name", y="files", color="kind", labels={"name": ""})
    return _layout(fig, "Data files per table (small: under 75 % of the target file size)")


def process_memory(processes: pd.DataFrame) -> go.Figure:
    fig = px.bar(
        processes, x="service", y="rss_mib", hover_data=["pid", "cpu_percent", "threads"], labels={"service": ""}
    )
    fig.update_yaxes(title="RSS MiB")
    return _layout(fig, "Memory of the local services")
