-- Count a rejected batch file with its reason (the file itself is in the lake's failed/).
INSERT INTO meta.ingest_rejects (file_name, sim_date, rejected_rows, reason) VALUES (%s, %s, %s, %s);
