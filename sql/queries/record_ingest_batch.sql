-- Record a loaded admissions file (same transaction as its rows); a re-run of D replaces it.
INSERT INTO meta.ingest_batch (sim_date, file_name, rows, refused, sha256) VALUES (%s, %s, %s, %s, %s)
ON CONFLICT (sim_date) DO UPDATE SET file_name = EXCLUDED.file_name, rows = EXCLUDED.rows,
    refused = EXCLUDED.refused, sha256 = EXCLUDED.sha256, loaded_at = now();
