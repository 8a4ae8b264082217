-- Workforce: everyone ever employed or in the reserve pool, quarterly snapshots and summary.
CREATE TABLE dw.dim_staff (
    staff_id         text PRIMARY KEY,
    sa_id            char(13) NOT NULL CHECK (sa_id ~ '^[0-9]{13}$'),
    first_name       text NOT NULL,
    last_name        text NOT NULL,
    sex              char(1) NOT NULL CHECK (sex IN ('F', 'M')),
    birth_date       date NOT NULL,
    post_group       text NOT NULL,
    role             text NOT NULL,
    department       text NOT NULL,
    hire_date        date,
    years_of_service double precision NOT NULL CHECK (years_of_service >= 0),
    experience_level text NOT NULL CHECK (experience_level IN ('Junior', 'Mid', 'Senior')),
    status           text NOT NULL
);

CREATE TABLE dw.staff_quarterly (
    quarter_start    date NOT NULL,
    staff_id         text NOT NULL,
    role             text NOT NULL,
    department       text NOT NULL,
    experience_level text NOT NULL,
    age              smallint NOT NULL,
    status           text NOT NULL,
    PRIMARY KEY (quarter_start, staff_id)
);

CREATE TABLE dw.workforce_summary (
    quarter_start date PRIMARY KEY,
    summary       jsonb NOT NULL
);
