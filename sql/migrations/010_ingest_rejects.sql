-- Batch files that failed validation, counted and kept with their reasons.
CREATE TABLE meta.ingest_rejects (
    file_name   text NOT NULL,
    sim_date    date,
    rejected_rows integer NOT NULL,
    reason      text NOT NULL,
    rejected_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (file_name, rejected_at)
);
