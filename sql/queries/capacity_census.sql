-- Patients in a bed at the end of the origin day, with the days they have already spent.
SELECT ward, extract(epoch FROM %(end)s::timestamp - admitted_at) / 86400.0 AS elapsed_days
FROM dw.census_state WHERE sim_date = %(origin)s
ORDER BY admission_id;
