-- Every index of a table (name, the constraint it backs if any, and what re-creates it: ADD
-- CONSTRAINT's text or the CREATE INDEX), to build the same ones on a staged copy of the table.
SELECT ix.relname,
       c.conname,
       coalesce(pg_get_constraintdef(c.oid), pg_get_indexdef(i.indexrelid))
FROM pg_index i
JOIN pg_class ix ON ix.oid = i.indexrelid
LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid
    AND c.contype IN ('p', 'u', 'x')
WHERE i.indrelid = %s::regclass
ORDER BY ix.relname;
