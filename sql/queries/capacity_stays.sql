-- Stays per ward as of the origin, one per ward visited: from admission or a move in, to a
-- move out or the discharge (a step-down patient has an ICU stay and a High Care stay);
-- stays not ended by the origin's end are censored there.
-- Each entry's exit is found by one hash join on (admission, ward) and a GROUP BY, not by a
-- subquery per entry: that scanned every discharge once per stay, so the query grew with the
-- square of the history (38 s after 120 simulated days, minutes after a year).
WITH entries AS (
    SELECT row_number() OVER () AS entry, admission_id, ward, entered_at
    FROM (
        SELECT admission_id, ward, admitted_at AS entered_at
        FROM dw.fact_admission
        WHERE ward IS NOT NULL AND admitted_at IS NOT NULL AND sim_date <= %(origin)s
        UNION ALL
        SELECT admission_id, to_ward, moved_at FROM dw.fact_ward_move WHERE sim_date <= %(origin)s
    ) e
), exits AS (
    SELECT admission_id, from_ward AS ward, moved_at AS left_at
    FROM dw.fact_ward_move WHERE sim_date <= %(origin)s
    UNION ALL
    SELECT admission_id, ward, discharged_at FROM dw.fact_discharge WHERE sim_date <= %(origin)s
)
SELECT e.ward,
       extract(epoch FROM coalesce(min(x.left_at), %(end)s::timestamp) - e.entered_at) / 86400.0
           AS stay_days,
       min(x.left_at) IS NULL AS censored,
       e.entered_at
FROM entries e
LEFT JOIN exits x
       ON x.admission_id = e.admission_id AND x.ward = e.ward AND x.left_at >= e.entered_at
GROUP BY e.entry, e.admission_id, e.ward, e.entered_at
ORDER BY e.admission_id, e.entered_at;
