"""User interfaces: the ``jointcheck`` command line (:mod:`ui.cli`) and the Streamlit app (``ui/app.py``)."""
