-- The SimPy check of each recommendation says how sure it is: its 95 % (Wilson) interval and
-- the replications it took (sized by that interval: tasks/capacity.py, capacity/simpy_check.py).
ALTER TABLE capacity.recommendation
    ADD COLUMN simpy_ci_low double precision,
    ADD COLUMN simpy_ci_high double precision,
    ADD COLUMN simpy_runs integer;

COMMENT ON COLUMN capacity.recommendation.simpy_ci_low IS
    'Lower end of the 95 % (Wilson) interval of simpy_p_over';
COMMENT ON COLUMN capacity.recommendation.simpy_ci_high IS
    'Upper end of the 95 % (Wilson) interval of simpy_p_over';
COMMENT ON COLUMN capacity.recommendation.simpy_runs IS
    'SimPy replications behind simpy_p_over (16, then 8 more while the interval is wider than 10 points either side, at most 40)';
