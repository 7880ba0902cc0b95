"""The views, one Streamlit page script each (run by app.py through st.navigation).

A package so a wheel install ships them; importing a view runs nothing (each renders
only when Streamlit executes it as ``__main__``).
"""
