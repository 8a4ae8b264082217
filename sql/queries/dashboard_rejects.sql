-- Capacity dashboard: what was refused, by source and reason: stream messages (stream.rejects,
-- also on the dead-letter topic) and batch files in quarantine (meta.ingest_rejects).
SELECT 'stream' AS source, topic AS what, left(reason, 300) AS reason, count(*) AS rejected,
       max(rejected_at) AS last_at
FROM stream.rejects
GROUP BY topic, left(reason, 300)
UNION ALL
SELECT 'batch file', file_name, left(reason, 300), sum(rejected_rows), max(rejected_at)
FROM meta.ingest_rejects
GROUP BY file_name, left(reason, 300)
ORDER BY last_at DESC
LIMIT 50;
