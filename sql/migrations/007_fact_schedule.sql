-- Shifts worked by medical staff (monthly rotating schedules from the 21-day cycle).
CREATE TABLE dw.fact_schedule (
    staff_id         text NOT NULL REFERENCES dw.dim_staff (staff_id),
    work_date        date NOT NULL,
    shift_code       text NOT NULL,
    shift_start      timestamp NOT NULL,
    shift_end        timestamp NOT NULL CHECK (shift_end > shift_start),
    hours            double precision NOT NULL,
    department       text NOT NULL,
    role             text NOT NULL,
    experience_level text NOT NULL,
    reassigned       boolean NOT NULL,
    reassigned_from  text,
    PRIMARY KEY (staff_id, work_date, shift_start)
);
CREATE INDEX fact_schedule_day ON dw.fact_schedule (work_date, department);
