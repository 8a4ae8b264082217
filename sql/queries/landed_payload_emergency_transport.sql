-- The payload landed for an event id (a re-sent event must match it).
SELECT payload FROM stream.emergency_transport WHERE event_id = %s;
