-- Departments and their inpatient wards with bed counts, plus outpatient services.
CREATE TABLE dw.dim_ward (
    ward          text PRIMARY KEY,
    department    text NOT NULL,
    kind          text NOT NULL CHECK (kind IN ('inpatient', 'outpatient')),
    beds          integer NOT NULL CHECK (beds >= 0),
    daily_capacity integer,
    los_dist      text,
    los_mean_days double precision,
    los_sd_days   double precision
);
