-- Capacity dashboard: the latest backtest scores of the ED forecast, one row per method
-- (the model in use and the seasonal-naive benchmark MASE is scaled by).
SELECT origin_date, method, mae, mase, coverage_80, coverage_95, n_origins, model_version
FROM ml.forecast_metrics
WHERE stream = %(stream)s
  AND origin_date = (SELECT max(origin_date) FROM ml.forecast_metrics WHERE stream = %(stream)s)
ORDER BY method;
