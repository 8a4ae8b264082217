-- Arrival forecasts per daily run (origin = simulated day D), with the model that made them.
CREATE TABLE ml.model_registry (
    model_version text PRIMARY KEY,
    stream        text NOT NULL,
    method        text NOT NULL,
    train_start   date,
    train_end     date NOT NULL,
    artefact_path text,
    trained_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ml.forecast (
    origin_date   date NOT NULL,
    stream        text NOT NULL,
    target_date   date NOT NULL,
    horizon       smallint NOT NULL CHECK (horizon >= 1),
    mean          double precision NOT NULL CHECK (mean >= 0),
    lo80          double precision NOT NULL,
    hi80          double precision NOT NULL,
    lo95          double precision NOT NULL,
    hi95          double precision NOT NULL,
    method        text NOT NULL,
    model_version text NOT NULL,
    PRIMARY KEY (origin_date, stream, target_date),
    CHECK (lo95 <= lo80 AND lo80 <= hi80 AND hi80 <= hi95)
);

CREATE TABLE ml.forecast_metrics (
    origin_date   date NOT NULL,
    stream        text NOT NULL,
    method        text NOT NULL,
    mae           double precision,
    mase          double precision,
    coverage_80   double precision,
    coverage_95   double precision,
    n_origins     integer NOT NULL,
    model_version text NOT NULL,
    PRIMARY KEY (origin_date, stream, method)
);
