-- Patients in a bed at the end of the origin day, with the days already spent in THAT ward
-- (since their admission, or since the move that brought them there).
SELECT c.ward,
       extract(epoch FROM %(end)s::timestamp - coalesce(m.moved_at, c.admitted_at)) / 86400.0
           AS elapsed_days
FROM dw.census_state c
LEFT JOIN LATERAL (
    SELECT max(moved_at) AS moved_at FROM dw.fact_ward_move
    WHERE admission_id = c.admission_id AND to_ward = c.ward AND sim_date <= %(origin)s
) m ON true
WHERE c.sim_date = %(origin)s
ORDER BY c.admission_id;
