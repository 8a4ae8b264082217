-- Capacity dashboard: P(max occupancy > beds) against beds for one run and ward, every scenario.
SELECT scenario, beds, p_over, p_over_95, p95_max_occupancy, mean_overflow_days, meets_target
FROM capacity.risk_curve
WHERE run_id = %(run_id)s AND ward = %(ward)s
ORDER BY scenario <> 'baseline', scenario, beds;
