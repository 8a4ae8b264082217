-- Each stream's forecast from the latest origin on or before the study's origin.
SELECT f.* FROM ml.forecast f
JOIN (SELECT stream, max(origin_date) AS origin_date FROM ml.forecast
      WHERE origin_date <= %s GROUP BY stream) latest USING (stream, origin_date)
ORDER BY f.stream, f.target_date;
