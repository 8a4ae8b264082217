"""Events published to the real broker land exactly once in the lake and the warehouse."""

from __future__ import annotations

import json
import random
import uuid

import pytest
from confluent_kafka import Consumer, Producer

from hospital_twin.day import events
from hospital_twin.io import kafka as streaming
from hospital_twin.services import stream_processor

pytestmark = pytest.mark.integration


def _transfer(day: str, seq: int) -> dict:
    event = {
        "event_id": events.event_id(day, events.TOPICS["patient_transfer"], seq),
        "event_type": "patient_transfer", "schema_version": events.SCHEMA_VERSION,
        "occurred_at": f"{day}T10:{seq % 60:02d}:00+02:00", "sim_date": day,
        "patient_id": 1000 + seq, "admission_id": f"A-{seq}", "transfer_type": "external",
        "from_ward": "Medicine", "destination": "Helen Joseph Hospital",
        "destination_type": "hospital", "reason": "Dialysis", "transport_mode": "Ambulance",
    }  # fmt: skip
    assert events.validate_event(event) == []
    return event


@pytest.fixture
def landing_env(monkeypatch, scratch_dsn, tmp_path, kafka_bootstrap, known_patients):
    monkeypatch.setenv("HT_DW_DSN", scratch_dsn)
    monkeypatch.setenv("HT_LAKE", str(tmp_path / "lake"))
    return tmp_path / "lake"


def test_published_events_land_once_and_bad_messages_are_dead_lettered(
    landing_env, dw, kafka_bootstrap
) -> None:
    day = f"2099-{random.randint(1, 12):02d}-{random.randint(1, 28):02d}"
    marker = uuid.uuid4().hex
    batch = [_transfer(day, i) for i in range(1, 301)]
    producer = Producer({"bootstrap.servers": kafka_bootstrap, "enable.idempotence": True})
    from confluent_kafka.admin import AdminClient

    streaming.ensure_topics(AdminClient({"bootstrap.servers": kafka_bootstrap}))
    topic = events.TOPICS["patient_transfer"]
    assert streaming.publish(producer, topic, events.to_messages(batch)) == 300
    # A redelivery of the first 50 (same event ids) and two messages that cannot be landed.
    streaming.publish(producer, topic, events.to_messages(batch[:50]))
    missing_field = {**batch[0], "reason": None, "marker": marker}
    streaming.publish(
        producer,
        topic,
        [
            (b"1001", f"not json {marker}".encode()),
            (b"1001", json.dumps(missing_field).encode()),
        ],
    )

    total = stream_processor.run(stop_after_idle=5, group_id=f"it-{marker}")

    landed = dw.execute(
        "SELECT count(*), count(DISTINCT event_id) FROM stream.patient_transfer "
        "WHERE sim_date = %s",
        (day,),
    ).fetchone()
    assert landed == (300, 300)
    reasons = [
        r[0]
        for r in dw.execute(
            "SELECT reason FROM stream.rejects WHERE raw_value LIKE %s ORDER BY reason",
            (f"%{marker}%",),
        )
    ]
    assert len(reasons) == 2
    assert any("not JSON" in r for r in reasons)
    assert any("reason: expected str, got NoneType" in r for r in reasons)
    assert total.rejected >= 2
    files = list((landing_env / "stream" / "patient_transfer" / day).glob("*.json"))
    assert len(files) == 300
    assert json.loads(files[0].read_text())["sim_date"] == day

    dead = Consumer(
        {
            "bootstrap.servers": kafka_bootstrap,
            "group.id": f"dlq-{marker}",
            "auto.offset.reset": "earliest",
        }
    )
    dead.subscribe([events.TOPICS["dead_letter"]])
    # The test stack's own stream processor dead-letters the same messages in its group, so
    # count distinct messages.
    found: set[bytes] = set()
    for _ in range(30):
        for msg in dead.consume(500, timeout=1.0):
            if msg.error() is None and marker.encode() in msg.value():
                found.add(msg.value())
                assert dict(msg.headers())["source_topic"] == topic.encode()
        if len(found) == 2:
            break
    dead.close()
    assert len(found) == 2


def test_landed_counts_compare_published_with_landed(dw) -> None:
    day = "2098-02-03"
    dw.execute(
        "INSERT INTO stream.published (sim_date, topic, events) VALUES (%s, %s, 2)",
        (day, events.TOPICS["patient_transfer"]),
    )
    event = _transfer(day, 1)
    dw.execute(
        "INSERT INTO stream.patient_transfer (event_id, sim_date, occurred_at, patient_id, "
        "schema_version, payload) VALUES (%s, %s, %s, %s, 1, %s)",
        (event["event_id"], day, event["occurred_at"], event["patient_id"], json.dumps(event)),
    )
    dw.commit()
    assert streaming.landed_counts(dw, day) == {events.TOPICS["patient_transfer"]: (2, 1)}
    assert 0 <= streaming.seconds_since_published(dw, day) < 60
    assert streaming.seconds_since_published(dw, "2098-02-04") == 0.0


def test_the_processor_refuses_a_warehouse_with_pending_migrations(
    monkeypatch, empty_dsn, tmp_path, kafka_bootstrap
) -> None:
    from hospital_twin.io import migrations, warehouse

    monkeypatch.setenv("HT_DW_DSN", empty_dsn)
    monkeypatch.setenv("HT_LAKE", str(tmp_path / "lake"))
    with pytest.raises(migrations.MigrationsPending, match=migrations.COMMAND):
        stream_processor.run(stop_after_idle=0.1)
    with pytest.raises(SystemExit) as stopped:
        stream_processor.main()
    assert stopped.value.code == 1
    with warehouse.connect(empty_dsn) as conn:
        assert migrations.status(conn).pending, "the processor must not migrate"
