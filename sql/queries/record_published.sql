-- What the daily run published for a day and topic (re-running D replaces the count).
INSERT INTO stream.published (sim_date, topic, events) VALUES (%s, %s, %s)
ON CONFLICT (sim_date, topic) DO UPDATE SET events = EXCLUDED.events, published_at = now();
