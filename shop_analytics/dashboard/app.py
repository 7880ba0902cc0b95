"""The dashboard's entrypoint for ``streamlit run``: three pages, one per view.

Each view lives at its own URL (``/`` executive, ``/operational``, ``/technical``), so a
bookmark or a browser test opens a view directly.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

VIEWS = Path(__file__).resolve().parent / "views"

st.set_page_config(page_title="shop-analytics", page_icon=":material/monitoring:", layout="wide")
st.navigation(
    [
        st.Page(VIEWS / "executive.py", title="Executive", icon=":material/trending_up:", url_path="executive", default=True),
        st.Page(VIEWS / "operational.py", title="Operational", icon=":material/health_and_safety:", url_path="operational"),
        st.Page(VIEWS / "technical.py", title="Technical", icon=":material/memory:", url_path="technical"),
    ]
).run()
