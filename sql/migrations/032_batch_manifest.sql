-- What simulate_flow wrote for a day's admissions batch (rows, checksum, producing run): the
-- ingest checks the file and the manifest beside it against this record, so a file cut,
-- emptied, swapped or grown after it was written is refused even with a matching manifest.
CREATE TABLE meta.batch_manifest (
    sim_date    date PRIMARY KEY,
    file_name   text NOT NULL,
    rows        integer NOT NULL,
    sha256      text NOT NULL,
    run_id      text NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now()
);
