-- Seconds since the daily run published a day's events (the landing deadline counts from it).
SELECT extract(epoch FROM now() - min(published_at)) FROM stream.published WHERE sim_date = %s;
