-- Who was in which bed at the end of a simulated day: the next day's starting state.
SELECT admission_id, person_id, ward, admitted_at, expected_discharge_at
FROM dw.census_state WHERE sim_date = %s ORDER BY admission_id;
