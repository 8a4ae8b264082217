-- The foreign keys a table's rows hold (name, definition), to drop and add back around a bulk load.
SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
WHERE contype = 'f' AND conrelid = %s::regclass
ORDER BY conname;
