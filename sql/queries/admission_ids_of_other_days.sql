-- Which of a file's admission ids are already loaded for another day (ids are unique).
SELECT admission_id, sim_date FROM dw.fact_admission WHERE admission_id = ANY(%s) AND sim_date <> %s;
