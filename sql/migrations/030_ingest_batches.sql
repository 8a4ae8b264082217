-- Every admissions file loaded, recorded in the same transaction as its rows: a retry after a
-- crash between the commit and the file's move to processed/ finds the load already done.
CREATE TABLE meta.ingest_batch (
    sim_date   date PRIMARY KEY,
    file_name  text NOT NULL,
    rows       integer NOT NULL,
    refused    integer NOT NULL,
    sha256     text NOT NULL,
    loaded_at  timestamptz NOT NULL DEFAULT now()
);
