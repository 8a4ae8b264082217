-- Stays per ward as of the origin, one per ward visited: from admission or a move in, to a
-- move out or the discharge (a step-down patient has an ICU stay and a High Care stay);
-- stays not ended by the origin's end are censored there.
WITH entries AS (
    SELECT admission_id, ward, admitted_at AS entered_at
    FROM dw.fact_admission
    WHERE ward IS NOT NULL AND admitted_at IS NOT NULL AND sim_date <= %(origin)s
    UNION ALL
    SELECT admission_id, to_ward, moved_at FROM dw.fact_ward_move WHERE sim_date <= %(origin)s
), exits AS (
    SELECT admission_id, from_ward AS ward, moved_at AS left_at
    FROM dw.fact_ward_move WHERE sim_date <= %(origin)s
    UNION ALL
    SELECT admission_id, ward, discharged_at FROM dw.fact_discharge WHERE sim_date <= %(origin)s
)
SELECT e.ward,
       extract(epoch FROM coalesce(x.left_at, %(end)s::timestamp) - e.entered_at) / 86400.0
           AS stay_days,
       x.left_at IS NULL AS censored,
       e.entered_at
FROM entries e
LEFT JOIN LATERAL (
    SELECT min(left_at) AS left_at FROM exits
    WHERE exits.admission_id = e.admission_id AND exits.ward = e.ward
      AND exits.left_at >= e.entered_at
) x ON true
ORDER BY e.admission_id, e.entered_at;
