-- The latest simulated day (flow run) on or before a date: a capacity study's origin.
SELECT max(sim_date) FROM dw.fact_ward_day WHERE sim_date <= %s;
