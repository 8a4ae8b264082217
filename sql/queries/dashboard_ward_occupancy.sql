-- Capacity dashboard: occupancy per ward on the latest simulated day.
SELECT sim_date, ward, beds, occupancy_end, peak_occupancy, occupancy_pct,
       admissions, discharges, refusals, waits
FROM mart.ward_occupancy
WHERE sim_date = (SELECT max(sim_date) FROM dw.fact_ward_day)
ORDER BY ward;
