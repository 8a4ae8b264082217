-- The admissions file recorded as loaded for a day, if any.
SELECT file_name, rows, refused, sha256 FROM meta.ingest_batch WHERE sim_date = %s;
