-- The recommendation is a planning figure (capacity/recommend.py): the fewest beds at which at
-- most the run's refusal_target of the admissions find every bed taken (refused, or boarding in
-- the ED) in the steady state of the forecast demand. Each row keeps that share at the
-- configured and at the recommended beds; the risk columns stay the short-term risk from the
-- census of the origin day.
ALTER TABLE capacity.recommendation
    ADD COLUMN refusal_at_configured double precision,
    ADD COLUMN refusal_at_recommended double precision;

COMMENT ON COLUMN capacity.recommendation.recommended_beds IS
    'Fewest beds at which at most refusal_target of the admissions find every bed taken, steady state of the forecast demand (Erlang loss); the configured beds when the data are too thin (criterion says why)';
COMMENT ON COLUMN capacity.recommendation.refusal_at_configured IS
    'Share of admissions finding every bed taken at the configured beds, steady state of the forecast demand (Erlang loss)';
COMMENT ON COLUMN capacity.recommendation.refusal_at_recommended IS
    'Share of admissions finding every bed taken at the recommended beds, steady state of the forecast demand (Erlang loss)';
COMMENT ON COLUMN capacity.recommendation.risk_at_configured IS
    'Short-term risk: Monte Carlo P(max midnight census over the horizon > configured beds), from the census of the origin day';
COMMENT ON COLUMN capacity.recommendation.risk_at_recommended IS
    'Short-term risk: Monte Carlo P(max midnight census over the horizon > recommended beds), from the census of the origin day';
