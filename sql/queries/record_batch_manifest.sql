-- Record the manifest of a day's batch file; a re-simulation of D replaces it.
INSERT INTO meta.batch_manifest (sim_date, file_name, rows, sha256, run_id) VALUES (%s, %s, %s, %s, %s)
ON CONFLICT (sim_date) DO UPDATE SET file_name = EXCLUDED.file_name, rows = EXCLUDED.rows,
    sha256 = EXCLUDED.sha256, run_id = EXCLUDED.run_id, recorded_at = now();
