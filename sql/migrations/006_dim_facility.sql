-- Receiving facilities for inter-hospital transfers (seed 000: Johannesburg hospitals and CHCs).
CREATE TABLE dw.dim_facility (
    facility text PRIMARY KEY,
    kind     text NOT NULL CHECK (kind IN ('hospital', 'community_health_centre'))
);
