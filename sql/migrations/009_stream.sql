-- Events landed by the stream processor; event_id absorbs redelivered duplicates.
CREATE TABLE stream.emergency_transport (
    event_id       uuid PRIMARY KEY,
    sim_date       date NOT NULL,
    occurred_at    timestamptz NOT NULL,
    patient_id     bigint NOT NULL,
    schema_version smallint NOT NULL,
    payload        jsonb NOT NULL,
    landed_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX emergency_transport_day ON stream.emergency_transport (sim_date);

CREATE TABLE stream.patient_transfer (
    event_id       uuid PRIMARY KEY,
    sim_date       date NOT NULL,
    occurred_at    timestamptz NOT NULL,
    patient_id     bigint NOT NULL,
    schema_version smallint NOT NULL,
    payload        jsonb NOT NULL,
    landed_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX patient_transfer_day ON stream.patient_transfer (sim_date);

-- Messages that could not be landed, with the reason (also sent to the dead-letter topic).
CREATE TABLE stream.rejects (
    reject_id   bigserial PRIMARY KEY,
    topic       text NOT NULL,
    partition   integer NOT NULL,
    "offset"    bigint NOT NULL,
    msg_key     text,
    raw_value   text,
    reason      text NOT NULL,
    rejected_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (topic, partition, "offset")
);

-- What the daily run published per day and topic: the target the landing sensor waits for.
CREATE TABLE stream.published (
    sim_date  date NOT NULL,
    topic     text NOT NULL,
    events    integer NOT NULL,
    published_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (sim_date, topic)
);
