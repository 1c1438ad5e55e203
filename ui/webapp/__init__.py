"""The planners' Streamlit app behind ``ui/app.py``: session state, plan jobs, what-ifs, uploads and exports.

Pages are in :mod:`ui.webapp.pages` (one module per page, each with ``render``), the tables and pictures
in :mod:`ui.webapp.charts`.
"""
