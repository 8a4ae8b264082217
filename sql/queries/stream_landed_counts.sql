-- Per topic, how many events the daily run published for a day and how many have landed.
SELECT p.topic, p.events,
       CASE p.topic
           WHEN 'hospital.emergency_transports' THEN
               (SELECT count(*) FROM stream.emergency_transport WHERE sim_date = %(sim_date)s)
           WHEN 'hospital.patient_transfers' THEN
               (SELECT count(*) FROM stream.patient_transfer WHERE sim_date = %(sim_date)s)
       END AS landed
FROM stream.published p
WHERE p.sim_date = %(sim_date)s
ORDER BY p.topic;
