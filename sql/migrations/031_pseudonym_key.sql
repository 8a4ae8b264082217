-- The per-install secret of the analyst's pseudonyms (HMAC-SHA-256 of the person id). An
-- unsalted hash of an id is reversed by hashing every id; without this key it cannot be.
-- Only the warehouse's owner reads it: the analyst sees the pseudonyms, never the key.
CREATE EXTENSION IF NOT EXISTS pgcrypto;
CREATE TABLE meta.pseudonym_key (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    secret   bytea NOT NULL DEFAULT gen_random_bytes(32)
);
INSERT INTO meta.pseudonym_key DEFAULT VALUES;
REVOKE ALL ON meta.pseudonym_key FROM PUBLIC;
