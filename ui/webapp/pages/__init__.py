"""The app's six pages, one module each with a ``render`` function: scenario, what-if, dashboard, tables,
compare, export."""
