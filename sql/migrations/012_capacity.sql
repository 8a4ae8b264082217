-- Monte Carlo capacity studies: one run id, its parameters, risk curves per scenario x ward.
CREATE TABLE capacity.run (
    run_id       text PRIMARY KEY,
    origin_date  date NOT NULL,
    params       jsonb NOT NULL,
    report_path  text,
    created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE capacity.risk_curve (
    run_id             text NOT NULL REFERENCES capacity.run (run_id) ON DELETE CASCADE,
    scenario           text NOT NULL,
    ward               text NOT NULL,
    beds               integer NOT NULL CHECK (beds >= 0),
    p_over             double precision NOT NULL CHECK (p_over BETWEEN 0 AND 1),
    p_over_95          double precision NOT NULL CHECK (p_over_95 BETWEEN 0 AND 1),
    p95_max_occupancy  double precision NOT NULL,
    mean_overflow_days double precision NOT NULL,
    meets_target       boolean NOT NULL,
    PRIMARY KEY (run_id, scenario, ward, beds)
);

CREATE TABLE capacity.recommendation (
    run_id           text NOT NULL REFERENCES capacity.run (run_id) ON DELETE CASCADE,
    scenario         text NOT NULL,
    ward             text NOT NULL,
    configured_beds  integer NOT NULL,
    recommended_beds integer,
    risk_at_configured double precision NOT NULL,
    simpy_p_over     double precision,
    los_model        text NOT NULL,
    PRIMARY KEY (run_id, scenario, ward)
);
