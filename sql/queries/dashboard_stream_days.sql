-- Capacity dashboard: events published versus landed per simulated day over the last N days
-- (parameter days). Topic names are parameters (hospital_twin.contracts.TOPICS).
WITH landed AS (
    SELECT sim_date, %(emergency_transport_topic)s AS topic, count(*) AS landed
    FROM stream.emergency_transport GROUP BY sim_date
    UNION ALL
    SELECT sim_date, %(patient_transfer_topic)s, count(*)
    FROM stream.patient_transfer GROUP BY sim_date
)
SELECT p.sim_date, sum(p.events) AS published, coalesce(sum(l.landed), 0) AS landed
FROM stream.published p
LEFT JOIN landed l USING (sim_date, topic)
WHERE p.sim_date > (SELECT max(sim_date) FROM stream.published) - %(days)s::integer
GROUP BY p.sim_date
ORDER BY p.sim_date;
