-- `make run`'s closing table: what the simulated days produced, from the warehouse.
SELECT
    (SELECT count(*) FROM meta.day_run)                                      AS days,
    (SELECT min(sim_date) FROM meta.day_run)                                 AS first_day,
    (SELECT max(sim_date) FROM meta.day_run)                                 AS last_day,
    (SELECT count(*) FROM dw.fact_visit)                                     AS visits,
    (SELECT count(*) FROM dw.fact_admission WHERE status <> 'refused')       AS admissions,
    (SELECT count(*) FROM dw.fact_admission WHERE status = 'refused')        AS refusals,
    (SELECT coalesce(sum(events), 0) FROM stream.published)                  AS published,
    (SELECT count(*) FROM stream.emergency_transport)
      + (SELECT count(*) FROM stream.patient_transfer)                       AS landed;
