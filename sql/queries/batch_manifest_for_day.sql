-- The manifest simulate_flow recorded for a day's batch file, if any.
SELECT file_name, rows, sha256, run_id FROM meta.batch_manifest WHERE sim_date = %s;
