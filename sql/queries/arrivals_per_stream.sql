-- Daily arrivals per forecast stream up to a day: ED visits, and admissions per wanted ward.
SELECT 'ED' AS stream, sim_date, count(*) AS arrivals
FROM dw.fact_visit WHERE service = 'Emergency Room' AND sim_date <= %s
GROUP BY sim_date
UNION ALL
SELECT 'admissions:' || requested_ward, sim_date, count(*)
FROM dw.fact_admission WHERE sim_date <= %s
GROUP BY requested_ward, sim_date
ORDER BY 1, 2;
