-- What each of setup's loads wrote: per table (and partition, e.g. a roll of dw.sa_id_registry)
-- a digest of the frame and its row count, recorded in the load's transaction.
-- Why (issue 11): merging the default profile's 3,000,000 people by key touched every row
-- again on a re-run with the same seed, only to change none of them. A load whose frame
-- digest and the partition's current row count both match what is recorded is skipped: the
-- rows are the ones it would write. A table emptied or grown by anything other than setup has
-- another row count and is merged as before (refusing what would remove a referenced row).
-- No constraint of 050/051 changes: bulk loads into empty tables drop a table's foreign keys
-- for the load and add them back, validated in one set-based query, in the same transaction
-- (hospital_twin.io.warehouse.add_foreign_keys).
CREATE TABLE meta.setup_load (
    table_name text NOT NULL,
    part       text NOT NULL DEFAULT '',
    digest     text NOT NULL,
    row_count  bigint NOT NULL,
    loaded_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (table_name, part)
);
