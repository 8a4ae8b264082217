-- The indexes of a table a bulk load drops and builds again after it (name, the constraint
-- backed by it if any, and what re-creates it: ADD CONSTRAINT's text or the CREATE INDEX):
-- every index but those a foreign key refers to, which must stay while the key exists.
SELECT ix.relname,
       c.conname,
       coalesce(pg_get_constraintdef(c.oid), pg_get_indexdef(i.indexrelid))
FROM pg_index i
JOIN pg_class ix ON ix.oid = i.indexrelid
LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid
    AND c.contype IN ('p', 'u', 'x')
WHERE i.indrelid = %s::regclass
  AND NOT EXISTS (SELECT FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = i.indexrelid)
ORDER BY ix.relname;
