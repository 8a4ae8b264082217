-- Capacity dashboard: daily KPIs of the last N simulated days (parameter days), oldest first (the
-- last row is the latest simulated day). The window is anchored on the latest loaded day, not today.
SELECT sim_date, bed_occupancy_pct, ed_arrivals, ambulance_arrivals, admissions, discharges,
       refused_admissions, ed_waits, mean_los_days
FROM mart.daily_kpis
WHERE sim_date > (SELECT max(sim_date) FROM dw.fact_ward_day) - %(days)s::integer
ORDER BY sim_date;
