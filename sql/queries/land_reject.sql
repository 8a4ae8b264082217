-- Keep a message that could not be landed, with the reason; redelivery keeps one row.
INSERT INTO stream.rejects (topic, partition, "offset", msg_key, raw_value, reason)
VALUES (%s, %s, %s, %s, %s, %s)
ON CONFLICT (topic, partition, "offset") DO NOTHING;
