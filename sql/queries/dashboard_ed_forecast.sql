-- Capacity dashboard: the ED arrival forecast beside the arrivals. For each day of the window the
-- one-day-ahead forecast (made the evening before), then the latest forecast's path ahead; each
-- with its 80 and 95 per cent bands. The window is the last N simulated days (parameter days).
WITH latest AS (
    SELECT max(origin_date) AS origin FROM ml.forecast WHERE stream = %(stream)s
)
SELECT f.target_date, f.origin_date, f.horizon, f.mean, f.lo80, f.hi80, f.lo95, f.hi95,
       f.method, f.model_version
FROM ml.forecast f CROSS JOIN latest
WHERE f.stream = %(stream)s
  AND f.target_date > (SELECT max(sim_date) FROM dw.fact_ward_day) - %(days)s::integer
  AND (f.horizon = 1 OR f.origin_date = latest.origin)
ORDER BY f.target_date;
