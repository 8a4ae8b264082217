-- Capacity dashboard: occupancy per ward and day against the ward's beds, over the last N
-- simulated days (parameter days, anchored on the latest loaded day), oldest first.
SELECT ward, sim_date, beds, occupancy_end, peak_occupancy
FROM dw.fact_ward_day
WHERE sim_date > (SELECT max(sim_date) FROM dw.fact_ward_day) - %(days)s::integer
ORDER BY ward, sim_date;
