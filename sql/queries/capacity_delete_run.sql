-- Remove a capacity run (its curves and recommendations cascade): a retry replaces it.
DELETE FROM capacity.run WHERE run_id = %s;
