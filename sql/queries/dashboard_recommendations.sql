-- Capacity dashboard: one capacity run's recommendations per scenario x ward (baseline first),
-- with what each recommendation meets (criterion), the share of admissions finding the ward full
-- at both bed levels (steady state of the demand: what the recommendation meets), the short-term
-- risks at both (from the origin day's census) and the SimPy check's 95-percent interval and
-- replications.
SELECT scenario, ward, configured_beds, recommended_beds, refusal_at_configured,
       refusal_at_recommended, risk_at_configured, risk_at_recommended, simpy_p_over,
       simpy_ci_low, simpy_ci_high, simpy_runs, horizon_days, criterion, los_model
FROM capacity.recommendation
WHERE run_id = %(run_id)s
ORDER BY scenario <> 'baseline', scenario, ward;
