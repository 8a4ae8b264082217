-- How many days have been simulated, the first and the last: what setup's rows are tied to.
SELECT count(*), min(sim_date), max(sim_date) FROM meta.day_run;
