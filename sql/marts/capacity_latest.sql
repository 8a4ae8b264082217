-- The latest capacity run's recommendations, for the dashboard.
CREATE OR REPLACE VIEW mart.capacity_latest AS
SELECT r.run_id, r.origin_date, r.created_at, c.scenario, c.ward, c.configured_beds,
       c.recommended_beds, c.risk_at_configured, c.simpy_p_over, c.los_model
FROM capacity.recommendation c
JOIN capacity.run r USING (run_id)
WHERE r.created_at = (SELECT max(created_at) FROM capacity.run);
