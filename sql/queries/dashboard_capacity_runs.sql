-- Capacity dashboard: the capacity runs, newest first, each with the parameters it ran with
-- and what it stored (the run picker; the latest run does not hide the others).
SELECT r.run_id, r.origin_date, r.created_at, r.params, r.report_path,
       (SELECT array_agg(DISTINCT c.scenario ORDER BY c.scenario)
        FROM capacity.recommendation c WHERE c.run_id = r.run_id) AS scenarios,
       (SELECT count(DISTINCT c.ward) FROM capacity.recommendation c WHERE c.run_id = r.run_id)
           AS wards
FROM capacity.run r
ORDER BY r.created_at DESC, r.run_id
LIMIT 100;
