-- Capacity dashboard: P(max occupancy > beds) against beds for one run and ward, every scenario,
-- with the planner metrics per bed level (capacity/planner.py defines them).
SELECT scenario, beds, p_over, p_over_95, p95_max_occupancy, mean_overflow_days, meets_target,
       days_full_per_month, refused_per_month, wait_over_4h, wait_over_12h
FROM capacity.risk_curve
WHERE run_id = %(run_id)s AND ward = %(ward)s
ORDER BY scenario <> 'baseline', scenario, beds;
