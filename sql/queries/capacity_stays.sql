-- Stays per ward as of the origin: ended stays, and open ones (censored at the origin's end).
SELECT a.ward,
       extract(epoch FROM coalesce(d.discharged_at, %(end)s::timestamp) - a.admitted_at) / 86400.0
           AS stay_days,
       d.discharged_at IS NULL AS censored
FROM dw.fact_admission a
LEFT JOIN (
    SELECT admission_id, max(discharged_at) AS discharged_at
    FROM dw.fact_discharge WHERE sim_date <= %(origin)s GROUP BY admission_id
) d USING (admission_id)
WHERE a.ward IS NOT NULL AND a.admitted_at IS NOT NULL AND a.sim_date <= %(origin)s
ORDER BY a.admission_id;
