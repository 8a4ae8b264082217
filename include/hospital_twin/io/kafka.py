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
    key = msg.key().decode() if msg.key() else None
    if key != str(event["patient_id"]):
        return None, f"key {key!r} does not match patient_id {event['patient_id']!r}"
    return event, None


def _write_json(lake_stream: Path, event: dict[str, Any]) -> None:
    """One file per event, named by event_id: a redelivery rewrites the same file."""
    folder = lake_stream / event["event_type"] / str(event["sim_date"])
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{event['event_id']}.json"
    tmp = target.with_suffix(".tmp")
    tmp.write_text(json.dumps(event, sort_keys=True))
    os.replace(tmp, target)


def land_batch(
    conn: psycopg.Connection,
    lake_stream: Path,
    messages: Sequence[Message],
    dead_letter: Producer | None,
) -> Landed:
    """Land a consumed batch durably (lake JSON + warehouse rows) in one transaction."""
    landed = Landed()
    insert_event = {topic: read_sql(path) for topic, path in LANDING_SQL.items()}
    insert_reject = read_sql("queries/land_reject.sql")
    with conn.transaction(), conn.cursor() as cur:
        for msg in messages:
            event, reason = _decode(msg)
            if event is None:
                raw = msg.value().decode(errors="replace") if msg.value() else None
                key = msg.key().decode(errors="replace") if msg.key() else None
                cur.execute(
                    insert_reject, (msg.topic(), msg.partition(), msg.offset(), key, raw, reason)
                )
                if dead_letter is not None:
                    dead_letter.produce(
                        DEAD_LETTER_TOPIC,
                        key=msg.key(),
                        value=msg.value(),
                        headers={"reason": reason, "source_topic": msg.topic()},
                    )
                landed.rejected += 1
                continue
            _write_json(lake_stream, event)
            table = LANDING_TABLES[msg.topic()]
            cur.execute(
                insert_event[msg.topic()],
                (
                    event["event_id"],
                    event["sim_date"],
                    event["occurred_at"],
                    event["patient_id"],
                    event["schema_version"],
                    json.dumps(event, sort_keys=True),
                ),
            )
            landed.rows[table] = landed.rows.get(table, 0) + cur.rowcount
    if dead_letter is not None and landed.rejected:
        dead_letter.flush(30)
    return landed


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
