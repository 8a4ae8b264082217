-- The figures planners use, per ward and bed level (capacity/planner.py says how each is
-- computed): midnights a month at or over the beds, admissions a month finding the ward full,
-- and the shares waiting over 4 h and over 12 h for a bed.
ALTER TABLE capacity.risk_curve
    ADD COLUMN days_full_per_month double precision,
    ADD COLUMN refused_per_month double precision,
    ADD COLUMN wait_over_4h double precision,
    ADD COLUMN wait_over_12h double precision;
