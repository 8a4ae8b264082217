-- Record what a setup load wrote to a table's partition; the next load of the same frame skips.
INSERT INTO meta.setup_load (table_name, part, digest, row_count) VALUES (%s, %s, %s, %s)
ON CONFLICT (table_name, part) DO UPDATE SET digest = EXCLUDED.digest,
    row_count = EXCLUDED.row_count, loaded_at = now();
