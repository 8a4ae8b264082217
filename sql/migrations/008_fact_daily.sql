-- Facts of one simulated day: visits, admissions (batch file), census per ward, bed state.
CREATE TABLE dw.fact_visit (
    visit_id       text PRIMARY KEY,
    sim_date       date NOT NULL,
    person_id      bigint NOT NULL,
    age            smallint NOT NULL,
    sex            char(1) NOT NULL,
    arrival_time   timestamp NOT NULL,
    service        text NOT NULL,
    condition      text NOT NULL,
    category       text NOT NULL,
    severity       smallint NOT NULL CHECK (severity BETWEEN 1 AND 5),
    department     text NOT NULL,
    triage_level   text NOT NULL,
    triage_minutes double precision NOT NULL,
    arrival_mode   text NOT NULL,
    is_emergency   boolean NOT NULL
);
CREATE INDEX fact_visit_day ON dw.fact_visit (sim_date);

CREATE TABLE dw.fact_admission (
    admission_id          text PRIMARY KEY,
    visit_id              text,
    person_id             bigint NOT NULL,
    sim_date              date NOT NULL,
    arrival_time          timestamp NOT NULL,
    triage_level          text NOT NULL,
    department            text NOT NULL,
    source                text NOT NULL,
    requested_ward        text NOT NULL,
    ward                  text,
    admitted_at           timestamp,
    expected_discharge_at timestamp,
    discharged_at         timestamp,
    status                text NOT NULL CHECK (status IN ('admitted', 'overflow', 'refused')),
    wait_hours            double precision NOT NULL CHECK (wait_hours >= 0),
    los_days              double precision,
    admitting_doctor_id   text,
    admitting_nurse_id    text
);
CREATE INDEX fact_admission_day ON dw.fact_admission (sim_date);

-- Discharges during D (including patients admitted on earlier days).
CREATE TABLE dw.fact_discharge (
    sim_date      date NOT NULL,
    admission_id  text NOT NULL,
    person_id     bigint NOT NULL,
    ward          text NOT NULL,
    admitted_at   timestamp NOT NULL,
    discharged_at timestamp NOT NULL,
    los_days      double precision NOT NULL,
    carried_over  boolean NOT NULL,
    PRIMARY KEY (sim_date, admission_id, ward)
);

-- Ward-to-ward moves inside the hospital (ICU step-down to High Care).
CREATE TABLE dw.fact_ward_move (
    sim_date              date NOT NULL,
    admission_id          text NOT NULL,
    person_id             bigint NOT NULL,
    from_ward             text NOT NULL,
    to_ward               text NOT NULL,
    moved_at              timestamp NOT NULL,
    expected_discharge_at timestamp NOT NULL,
    PRIMARY KEY (sim_date, admission_id, moved_at)
);

CREATE TABLE dw.fact_ward_day (
    sim_date        date NOT NULL,
    ward            text NOT NULL,
    beds            integer NOT NULL,
    occupancy_start integer NOT NULL,
    occupancy_end   integer NOT NULL,
    peak_occupancy  integer NOT NULL,
    admissions      integer NOT NULL,
    discharges      integer NOT NULL,
    refusals        integer NOT NULL,
    waits           integer NOT NULL,
    mean_wait_hours double precision,
    overflow_in     integer NOT NULL,
    overflow_out    integer NOT NULL,
    moves_in        integer NOT NULL,
    moves_out       integer NOT NULL,
    PRIMARY KEY (sim_date, ward)
);

-- Who is in which bed at the end of D: the starting state of D+1.
CREATE TABLE dw.census_state (
    sim_date              date NOT NULL,
    admission_id          text NOT NULL,
    person_id             bigint NOT NULL,
    ward                  text NOT NULL,
    admitted_at           timestamp NOT NULL,
    expected_discharge_at timestamp NOT NULL,
    PRIMARY KEY (sim_date, admission_id)
);

-- One row per simulated day that completed, with the content checksum of its load.
CREATE TABLE meta.day_run (
    sim_date    date PRIMARY KEY,
    visits      integer NOT NULL,
    admissions  integer NOT NULL,
    events      integer NOT NULL,
    finished_at timestamptz NOT NULL DEFAULT now()
);
