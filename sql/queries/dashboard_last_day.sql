-- Capacity dashboard: the last simulated day that completed (meta.day_run) and when.
SELECT sim_date, visits, admissions, events, finished_at
FROM meta.day_run
ORDER BY sim_date DESC
LIMIT 1;
