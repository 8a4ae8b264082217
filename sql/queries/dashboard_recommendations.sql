-- Capacity dashboard: the latest capacity run's recommendations per scenario x ward
-- (baseline first).
SELECT run_id, origin_date, created_at, scenario, ward, configured_beds, recommended_beds,
       risk_at_configured, simpy_p_over, los_model
FROM mart.capacity_latest
ORDER BY scenario <> 'baseline', scenario, ward;
