-- Land one patient-transfer event; a redelivered duplicate is absorbed by event_id.
INSERT INTO stream.patient_transfer (event_id, sim_date, occurred_at, patient_id, schema_version, payload)
VALUES (%s, %s, %s, %s, %s, %s)
ON CONFLICT (event_id) DO NOTHING;
