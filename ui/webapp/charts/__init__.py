"""The app's pictures: the polars tables behind them (:mod:`~ui.webapp.charts.figures`) and the Altair charts
drawn from those tables (:mod:`~ui.webapp.charts.pictures`)."""
