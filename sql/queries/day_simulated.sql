-- Whether a simulated day's flow has run (its ward facts exist).
SELECT EXISTS (SELECT 1 FROM dw.fact_ward_day WHERE sim_date = %s);
