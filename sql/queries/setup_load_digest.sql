-- The digest and row count setup recorded for a table's partition ('' for a whole table).
SELECT digest, row_count FROM meta.setup_load WHERE table_name = %s AND part = %s;
