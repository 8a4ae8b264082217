-- Mark a simulated day complete, with its row counts (a re-run updates the row).
INSERT INTO meta.day_run (sim_date, visits, admissions, events)
SELECT d, (SELECT count(*) FROM dw.fact_visit WHERE sim_date = d),
          (SELECT count(*) FROM dw.fact_admission WHERE sim_date = d),
          (SELECT coalesce(sum(events), 0) FROM stream.published WHERE sim_date = d)
FROM (SELECT %s::date AS d) x
ON CONFLICT (sim_date) DO UPDATE SET visits = EXCLUDED.visits, admissions = EXCLUDED.admissions,
    events = EXCLUDED.events, finished_at = now()
RETURNING visits, admissions, events;
