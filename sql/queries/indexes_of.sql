-- The indexes of a table (name, the constraint backed by it if any, and what re-creates it:
-- ADD CONSTRAINT's text or the CREATE INDEX). The second parameter false leaves out those a
-- foreign key refers to: a bulk load drops and builds again only the others, as those must
-- stay while the key exists; true lists every index, to build them on a staged copy.
SELECT ix.relname,
       c.conname,
       coalesce(pg_get_constraintdef(c.oid), pg_get_indexdef(i.indexrelid))
FROM pg_index i
JOIN pg_class ix ON ix.oid = i.indexrelid
LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid
    AND c.contype IN ('p', 'u', 'x')
WHERE i.indrelid = %s::regclass
  AND (%s OR NOT EXISTS (SELECT FROM pg_constraint f
                         WHERE f.contype = 'f' AND f.conindid = i.indexrelid))
ORDER BY ix.relname;
