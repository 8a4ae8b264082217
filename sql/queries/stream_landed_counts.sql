-- Per topic, how many events the daily run published for a day and how many have landed.
-- Topic names are parameters (hospital_twin.contracts.TOPICS is their one source).
SELECT p.topic, p.events,
       CASE p.topic
           WHEN %(emergency_transport_topic)s THEN
               (SELECT count(*) FROM stream.emergency_transport WHERE sim_date = %(sim_date)s)
           WHEN %(patient_transfer_topic)s THEN
               (SELECT count(*) FROM stream.patient_transfer WHERE sim_date = %(sim_date)s)
       END AS landed
FROM stream.published p
WHERE p.sim_date = %(sim_date)s
ORDER BY p.topic;
