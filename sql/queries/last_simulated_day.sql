-- The latest simulated day before a date (its ward facts exist), or NULL when there is none.
SELECT max(sim_date) FROM dw.fact_ward_day WHERE sim_date < %s;
