-- Land one emergency-transport event; a redelivered duplicate is absorbed by event_id.
INSERT INTO stream.emergency_transport (event_id, sim_date, occurred_at, patient_id, schema_version, payload)
VALUES (%s, %s, %s, %s, %s, %s)
ON CONFLICT (event_id) DO NOTHING;
