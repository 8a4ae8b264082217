-- Admission requests per wanted ward and day over the recent days up to the origin.
SELECT d.sim_date, a.requested_ward, count(a.admission_id) AS arrivals
FROM (SELECT DISTINCT sim_date FROM dw.fact_ward_day
      WHERE sim_date <= %(origin)s AND sim_date > %(origin)s::date - %(days)s) d
LEFT JOIN dw.fact_admission a USING (sim_date)
GROUP BY d.sim_date, a.requested_ward
ORDER BY 1, 2;
