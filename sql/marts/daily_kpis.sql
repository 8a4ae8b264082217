-- Daily KPIs per simulated day: bed occupancy %, ED arrivals, refused admissions, mean LOS.
CREATE OR REPLACE VIEW mart.daily_kpis AS
WITH wards AS (
    SELECT sim_date,
           sum(occupancy_end)::double precision / nullif(sum(beds), 0) * 100 AS bed_occupancy_pct,
           sum(admissions) AS admissions,
           sum(discharges) AS discharges,
           sum(refusals)   AS refused_admissions,
           sum(waits)      AS ed_waits
    FROM dw.fact_ward_day GROUP BY sim_date
), ed AS (
    SELECT sim_date, count(*) AS ed_arrivals, count(*) FILTER (WHERE is_emergency) AS ambulance_arrivals
    FROM dw.fact_visit WHERE service = 'Emergency Room' GROUP BY sim_date
), los AS (
    SELECT sim_date, avg(extract(epoch FROM discharged_at - admitted_at) / 86400.0) AS mean_los_days
    FROM dw.fact_discharge GROUP BY sim_date
)
SELECT w.sim_date, round(w.bed_occupancy_pct::numeric, 2) AS bed_occupancy_pct,
       coalesce(ed.ed_arrivals, 0) AS ed_arrivals, coalesce(ed.ambulance_arrivals, 0) AS ambulance_arrivals,
       w.admissions, w.discharges, w.refused_admissions, w.ed_waits,
       round(los.mean_los_days::numeric, 2) AS mean_los_days
FROM wards w
LEFT JOIN ed USING (sim_date)
LEFT JOIN los USING (sim_date);
