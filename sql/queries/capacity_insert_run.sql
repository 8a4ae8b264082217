-- One capacity study: its id, origin, parameters and report.
INSERT INTO capacity.run (run_id, origin_date, params, report_path) VALUES (%s, %s, %s, %s);
