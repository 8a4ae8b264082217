-- Ward-to-ward moves (step-downs) of one simulated day.
SELECT admission_id, person_id, sim_date, from_ward, to_ward, moved_at, expected_discharge_at
FROM dw.fact_ward_move WHERE sim_date = %s ORDER BY moved_at, admission_id;
