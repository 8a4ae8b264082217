-- The columns of a table that a load writes, in order: all but generated ones.
SELECT column_name FROM information_schema.columns
WHERE table_schema = %s AND table_name = %s AND is_generated = 'NEVER'
ORDER BY ordinal_position;
