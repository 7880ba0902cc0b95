"""The dashboards: executive, operational and technical views on the live lakehouse.

A Streamlit app (``app.py``, one page per view under ``views/``) over what the pipeline
writes: gold marts (dbt), silver tables, ``ops`` tables, Iceberg metadata, Dagster's run
history, dbt's ``run_results.json`` and the local services' processes.

Data work and layout are apart, so the numbers test without a browser:

- ``config``: namespaces, refresh interval and file locations, from ``SHOP_DASHBOARD_*``.
- ``columns``: every table and column the views read, in one place (the gold marts' names
  follow dbt_models/models/marts; when a model renames a column, only this module changes).
- ``lakehouse``: reads tables through PyIceberg into pandas, typed by ``columns``; table stats.
- ``dagster_history``, ``dbt_timings``, ``alert_history``, ``processes``: the other sources.
- ``executive``, ``operational``, ``technical``: pure functions, frames in, numbers and frames out.
- ``charts``: Plotly figures from those frames (no map tiles, nothing fetched at run time).
- ``app``, ``views/``, ``ui``: Streamlit layout only. ``launcher.run_dashboard`` starts it.
"""
