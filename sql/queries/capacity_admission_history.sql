-- Arrivals per ward and day over the recent days up to the origin: bed requests (by the ward
-- wanted, refused ones too: demand) and moves in (step-downs), which also take a bed.
WITH arrivals AS (
    SELECT sim_date, requested_ward AS ward FROM dw.fact_admission
    UNION ALL
    SELECT sim_date, to_ward FROM dw.fact_ward_move
)
SELECT d.sim_date, a.ward AS requested_ward, count(a.ward) AS arrivals
FROM (SELECT DISTINCT sim_date FROM dw.fact_ward_day
      WHERE sim_date <= %(origin)s AND sim_date > %(origin)s::date - %(days)s) d
LEFT JOIN arrivals a USING (sim_date)
GROUP BY d.sim_date, a.ward
ORDER BY 1, 2;
