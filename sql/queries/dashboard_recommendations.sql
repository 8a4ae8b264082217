-- Capacity dashboard: one capacity run's recommendations per scenario x ward (baseline first),
-- with what each recommendation meets (criterion), the risks at both bed levels and the SimPy
-- check's 95-percent interval and replications.
SELECT scenario, ward, configured_beds, recommended_beds, risk_at_configured,
       risk_at_recommended, simpy_p_over, simpy_ci_low, simpy_ci_high, simpy_runs,
       horizon_days, criterion, los_model
FROM capacity.recommendation
WHERE run_id = %(run_id)s
ORDER BY scenario <> 'baseline', scenario, ward;
