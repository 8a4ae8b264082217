-- Capacity dashboard: one capacity run's recommendations per scenario x ward (baseline first),
-- with what each recommendation meets (criterion) and the risks at both bed levels.
-- The SimPy check's 95-percent interval and its replications (migration 053) are read by name
-- from the row, so an instance not yet migrated to 053 still answers (NULL: no interval shown).
SELECT scenario, ward, configured_beds, recommended_beds, risk_at_configured,
       risk_at_recommended, simpy_p_over,
       (to_jsonb(c) ->> 'simpy_ci_low')::double precision AS simpy_ci_low,
       (to_jsonb(c) ->> 'simpy_ci_high')::double precision AS simpy_ci_high,
       (to_jsonb(c) ->> 'simpy_runs')::integer AS simpy_runs,
       horizon_days, criterion, los_model
FROM capacity.recommendation c
WHERE run_id = %(run_id)s
ORDER BY scenario <> 'baseline', scenario, ward;
