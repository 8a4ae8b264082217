-- Occupancy per ward and day, for the capacity dashboard.
CREATE OR REPLACE VIEW mart.ward_occupancy AS
SELECT sim_date, ward, beds, occupancy_end, peak_occupancy,
       round((occupancy_end::numeric / nullif(beds, 0)) * 100, 1) AS occupancy_pct,
       admissions, discharges, refusals, waits
FROM dw.fact_ward_day;
