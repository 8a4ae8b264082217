-- The synthetic population (every person is a potential patient) and their illness profile.
CREATE TABLE dw.dim_person (
    person_id        bigint PRIMARY KEY,
    sa_id            char(13) NOT NULL UNIQUE CHECK (sa_id ~ '^[0-9]{13}$'),
    first_name       text NOT NULL,
    last_name        text NOT NULL,
    population_group text NOT NULL,
    sex              char(1) NOT NULL CHECK (sex IN ('F', 'M')),
    birth_date       date NOT NULL,
    age              smallint NOT NULL CHECK (age BETWEEN 0 AND 120),
    street_address   text NOT NULL,
    suburb           text NOT NULL,
    city             text NOT NULL,
    postal_code      text NOT NULL,
    province         text NOT NULL
);

CREATE TABLE dw.dim_condition (
    condition  text PRIMARY KEY,
    category   text NOT NULL,
    department text NOT NULL,
    chronic    boolean NOT NULL,
    remedy     text NOT NULL
);

CREATE TABLE dw.person_illness (
    person_id         bigint PRIMARY KEY REFERENCES dw.dim_person (person_id),
    condition         text NOT NULL REFERENCES dw.dim_condition (condition),
    category          text NOT NULL,
    severity          smallint NOT NULL CHECK (severity BETWEEN 1 AND 5),
    department        text NOT NULL,
    chronic_condition text,
    remedy            text NOT NULL
);
