-- One row per calendar day of the simulation calendar (and beyond, for forecasts).
CREATE TABLE dw.dim_date (
    date_key     date PRIMARY KEY,
    year         smallint NOT NULL,
    quarter      smallint NOT NULL CHECK (quarter BETWEEN 1 AND 4),
    month        smallint NOT NULL CHECK (month BETWEEN 1 AND 12),
    day_of_week  smallint NOT NULL CHECK (day_of_week BETWEEN 0 AND 6),
    is_weekend   boolean  NOT NULL,
    is_holiday   boolean  NOT NULL,
    holiday_name text,
    season       text     NOT NULL
);
