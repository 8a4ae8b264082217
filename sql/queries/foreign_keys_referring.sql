-- The foreign keys of other tables that refer to a table (table, name, definition, validated),
-- to add back the same when the table is replaced by a staged copy.
SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), convalidated
FROM pg_constraint
WHERE contype = 'f' AND confrelid = %s::regclass AND conrelid <> confrelid
ORDER BY 1, 2;
