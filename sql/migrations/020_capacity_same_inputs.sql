-- Capacity recommendations say what they compare: the Monte Carlo risk at the recommended
-- beds beside SimPy's (same inputs, same beds, same horizon: simpy_p_over), and the metric
-- and target the recommendation meets.
ALTER TABLE capacity.recommendation
    ADD COLUMN risk_at_recommended double precision,
    ADD COLUMN horizon_days integer,
    ADD COLUMN criterion text;

COMMENT ON COLUMN capacity.recommendation.risk_at_configured IS
    'Monte Carlo P(max midnight census over the horizon > configured beds)';
COMMENT ON COLUMN capacity.recommendation.risk_at_recommended IS
    'Monte Carlo P(max midnight census over the horizon > recommended beds)';
COMMENT ON COLUMN capacity.recommendation.simpy_p_over IS
    'SimPy P(max midnight census over the horizon > recommended beds), on the same inputs';
