"""Kafka I/O for the twin's events: batched publishing and the landing of consumed messages.

Publishing is batched (librdkafka queues, one flush per batch) and keyed by patient id so a
patient's events stay ordered in one partition. Landing writes each event as JSON into the
lake's `stream/` folder and into the warehouse in one transaction; the consumer commits its
offsets only after that transaction, so a crash redelivers and `event_id` primary keys absorb
the duplicates. Invalid messages go to the dead-letter topic and `stream.rejects` with a reason.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from confluent_kafka import KafkaException, Message, Producer
from confluent_kafka.admin import AdminClient, NewTopic

from hospital_twin.contracts import EVENT_TOPICS, LANDING_TABLES, TOPICS
from hospital_twin.day import events as ev
from hospital_twin.io.warehouse import read_sql

# The statement that lands one event of each topic in its table (contracts.LANDING_TABLES).
LANDING_SQL = {topic: f"queries/land_{kind}.sql" for kind, topic in EVENT_TOPICS.items()}
# The payload already landed for an event id: a re-send must carry the same content.
LANDED_PAYLOAD_SQL = {
    topic: f"queries/landed_payload_{kind}.sql" for kind, topic in EVENT_TOPICS.items()
}
DEAD_LETTER_TOPIC = TOPICS["dead_letter"]
TOPIC_CONFIG = {"retention.ms": str(3 * 24 * 3600 * 1000)}


def ensure_topics(admin: AdminClient, partitions: int = 3) -> None:
    """Create the event and dead-letter topics if missing (short retention: a lean broker)."""
    wanted = [*LANDING_TABLES, DEAD_LETTER_TOPIC]
    existing = set(admin.list_topics(timeout=10).topics)
    missing = [NewTopic(t, partitions, 1, config=TOPIC_CONFIG) for t in wanted if t not in existing]
    for future in admin.create_topics(missing).values() if missing else []:
        try:
            future.result()
        except KafkaException as e:
            if "TOPIC_ALREADY_EXISTS" not in str(e):
                raise


def publish(producer: Producer, topic: str, messages: Iterable[tuple[bytes, bytes]]) -> int:
    """Send (key, value) pairs in one batch; raises if any message was not acknowledged."""
    failures: list[str] = []

    def on_delivery(err, msg) -> None:
        if err is not None:
            failures.append(f"{msg.key()!r}: {err}")

    sent = 0
    for key, value in messages:
        while True:
            try:
                producer.produce(topic, key=key, value=value, on_delivery=on_delivery)
                break
            except BufferError:  # local queue full: let librdkafka drain, then retry
                producer.poll(0.1)
        sent += 1
        if sent % 10_000 == 0:
            producer.poll(0)
    remaining = producer.flush(60)
    if remaining or failures:
        raise RuntimeError(
            f"{topic}: {len(failures)} message(s) failed and {remaining} unacknowledged: "
            + "; ".join(failures[:5])
        )
    return sent


@dataclass
class Landed:
    rows: dict[str, int] = field(default_factory=dict)
    rejected: int = 0


BIGINT = (-(2**63), 2**63 - 1)


def _decode(msg: Message) -> tuple[dict[str, Any] | None, str | None]:
    """The event in `msg`, or why it cannot be landed."""
    if msg.topic() not in LANDING_TABLES:
        return None, f"unexpected topic {msg.topic()}"
    try:
        event = json.loads(msg.value())
    except (TypeError, ValueError) as e:
        return None, f"value is not JSON: {e}"
    if not isinstance(event, dict):
        return None, "value is not a JSON object"
    problems = ev.validate_event(event)
    if problems:
        return None, "; ".join(problems)
    expected = TOPIC_KINDS[msg.topic()]
    if event["event_type"] != expected:
        return (
            None,
            f"event_type: {event['event_type']!r} sent on {msg.topic()} (expects {expected!r})",
        )
    if not BIGINT[0] <= event["patient_id"] <= BIGINT[1]:
        return None, f"patient_id: {event['patient_id']} is out of range"
    key = msg.key().decode(errors="replace") if msg.key() else None
    if key != str(event["patient_id"]):
        return None, f"key {key!r} does not match patient_id {event['patient_id']!r}"
    return event, None


TOPIC_KINDS = {topic: kind for kind, topic in EVENT_TOPICS.items()}


def _write_json(lake_stream: Path, event: dict[str, Any]) -> None:
    """One file per event, named by event_id: a redelivery rewrites the same file."""
    folder = lake_stream / event["event_type"] / str(event["sim_date"])
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{event['event_id']}.json"
    tmp = target.with_suffix(".tmp")
    tmp.write_text(json.dumps(event, sort_keys=True))
    os.replace(tmp, target)


def _text(value: bytes | str | None) -> str | None:
    """Bytes as text PostgreSQL can store: undecodable bytes replaced, NUL spelled out."""
    if value is None:
        return None
    text = value.decode(errors="replace") if isinstance(value, bytes) else value
    return text.replace("\x00", "\\u0000")


def land_batch(
    conn: psycopg.Connection,
    lake_stream: Path,
    messages: Sequence[Message],
    dead_letter: Producer | None,
) -> Landed:
    """Land a consumed batch durably (lake JSON + warehouse rows) in one transaction.

    Each event is inserted under its own savepoint: whatever the warehouse refuses (a NaN, a
    NUL character, a value out of range, ...) goes to `stream.rejects` and the dead-letter
    topic with the database's reason and the batch goes on, so one poison event never stops
    the events behind it. Only a lost connection propagates (the caller reconnects and lands
    the batch again). An event id already landed with other content is refused, and the lake
    keeps the first version, like the warehouse.
    """
    landed = Landed()
    decoded = [(msg, *_decode(msg)) for msg in messages]
    with conn.transaction(), conn.cursor() as cur:
        known = _known_patients(cur, [e["patient_id"] for _, e, _ in decoded if e is not None])
        for msg, event, reason in decoded:
            if event is not None:
                reason, inserted = _land_event(conn, cur, lake_stream, msg.topic(), event, known)
            if reason is None:
                table = LANDING_TABLES[msg.topic()]
                landed.rows[table] = landed.rows.get(table, 0) + inserted
                continue
            _reject(cur, msg, reason, dead_letter)
            landed.rejected += 1
    if dead_letter is not None and landed.rejected:
        dead_letter.flush(30)
    return landed


def _known_patients(cur: psycopg.Cursor, patient_ids: list[int]) -> set[int]:
    """Which of the batch's patients are in the population (dw.dim_person)."""
    if not patient_ids:
        return set()
    rows = cur.execute(read_sql("queries/known_person_ids.sql"), (sorted(set(patient_ids)),))
    return {r[0] for r in rows.fetchall()}


def _land_event(
    conn: psycopg.Connection,
    cur: psycopg.Cursor,
    lake_stream: Path,
    topic: str,
    event: dict[str, Any],
    known: set[int],
) -> tuple[str | None, int]:
    """Insert one valid event and write its lake JSON: (why it cannot be landed, rows added).

    Rows added is 1 for a new event, 0 for a redelivery of one already landed.
    """
    if event["patient_id"] not in known:
        return f"patient_id: {event['patient_id']} is not a known person", 0
    payload = json.dumps(event, sort_keys=True)
    try:
        with conn.transaction():
            cur.execute(
                read_sql(LANDING_SQL[topic]),
                (
                    event["event_id"],
                    event["sim_date"],
                    event["occurred_at"],
                    event["patient_id"],
                    event["schema_version"],
                    payload,
                ),
            )
            inserted = cur.rowcount
            if not inserted:
                first = cur.execute(read_sql(LANDED_PAYLOAD_SQL[topic]), (event["event_id"],))
                if first.fetchone()[0] != json.loads(payload):
                    return (
                        f"event_id: {event['event_id']} was already landed with other "
                        "content; the first version is kept"
                    ), 0
    except psycopg.Error as e:
        if _connection_lost(conn, e):
            raise
        return f"the warehouse refused the event: {type(e).__name__}: {str(e).strip()}", 0
    _write_json(lake_stream, event)
    return None, inserted


def _connection_lost(conn: psycopg.Connection, error: psycopg.Error) -> bool:
    """True for errors of the connection (reconnect and retry), not of the event."""
    if conn.closed or conn.broken:
        return True
    state = error.sqlstate or ""
    return isinstance(error, psycopg.OperationalError) and state[:2] in ("", "08", "57")


def _reject(cur: psycopg.Cursor, msg: Message, reason: str, dead_letter: Producer | None) -> None:
    """Keep the message in stream.rejects and send it to the dead-letter topic, with why."""
    cur.execute(
        read_sql("queries/land_reject.sql"),
        (
            msg.topic(),
            msg.partition(),
            msg.offset(),
            _text(msg.key()),
            _text(msg.value()),
            _text(reason),
        ),
    )
    if dead_letter is not None:
        dead_letter.produce(
            DEAD_LETTER_TOPIC,
            key=msg.key(),
            value=msg.value(),
            headers={"reason": reason, "source_topic": msg.topic()},
        )


def landed_counts(conn: psycopg.Connection, sim_date: str) -> dict[str, tuple[int, int]]:
    """Per topic: (events published for `sim_date`, events landed in the warehouse)."""
    topics = {f"{kind}_topic": topic for kind, topic in EVENT_TOPICS.items()}
    rows = conn.execute(
        read_sql("queries/stream_landed_counts.sql"), {"sim_date": sim_date, **topics}
    )
    return {topic: (published, landed) for topic, published, landed in rows.fetchall()}


def seconds_since_published(conn: psycopg.Connection, sim_date: str) -> float:
    """How long ago the events of `sim_date` were published (0 when nothing was)."""
    age = conn.execute(read_sql("queries/stream_published_age.sql"), (sim_date,)).fetchone()[0]
    return float(age or 0.0)
