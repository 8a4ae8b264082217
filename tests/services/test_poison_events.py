"""Events the warehouse cannot land are rejected with a reason; the events behind them land.

Each kind of poison event is published to the real broker between valid events; the processor
must reject it (stream.rejects + dead-letter topic, with a reason naming the field or the
database's error) and keep going: every valid event lands once, in the lake and the warehouse.
"""

from __future__ import annotations

import json
import random
import uuid

import pytest
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient

from hospital_twin.day import events
from hospital_twin.io import kafka as streaming
from hospital_twin.services import stream_processor
from tests.services.test_stream_processor import _transfer

pytestmark = pytest.mark.integration
TRANSPORTS = events.TOPICS["emergency_transport"]
TRANSFERS = events.TOPICS["patient_transfer"]


def _transport(day: str, seq: int) -> dict:
    event = {
        "event_id": events.event_id(day, TRANSPORTS, seq), "event_type": "emergency_transport",
        "schema_version": events.SCHEMA_VERSION, "occurred_at": f"{day}T09:00:00+02:00",
        "sim_date": day, "patient_id": 1000 + seq, "visit_id": f"V-{seq}",
        "dispatched_at": f"{day}T08:40:00+02:00", "arrived_at": f"{day}T09:00:00+02:00",
        "transport_minutes": 20.0, "transport_mode": "Ambulance", "condition": "Fracture",
        "category": "accidents", "severity": 3, "triage_level": "Urgent", "age": 40, "sex": "F",
        "emt_id": "S00001", "physician_id": "S00002", "nurse_id": "S00003",
    }  # fmt: skip
    assert events.validate_event(event) == []
    return event


def _message(event: dict, key: object = None) -> tuple[bytes, bytes]:
    key = event["patient_id"] if key is None else key
    return str(key).encode(), json.dumps(event).encode()


# kind -> (the poison event built from a valid one, part of the reason it is rejected)
POISON = {
    "nan_number": (lambda e: {**e, "transport_minutes": float("nan")}, "refused"),
    "nul_in_text": (lambda e: {**e, "condition": "Frac\u0000ture"}, "refused"),
    "patient_id_2_64": (lambda e: {**e, "patient_id": 2**64}, "patient_id"),
    "unknown_patient": (lambda e: {**e, "patient_id": 999_999}, "not a known person"),
    "transfer_on_transport_topic": (None, "sent on"),
    "same_id_other_content": (lambda e: {**e, "severity": 5}, "already landed"),
}


def test_poison_events_are_rejected_with_a_reason_and_the_rest_lands(
    monkeypatch, scratch_dsn, tmp_path, kafka_bootstrap, known_patients, dw
) -> None:
    monkeypatch.setenv("HT_DW_DSN", scratch_dsn)
    monkeypatch.setenv("HT_LAKE", str(tmp_path / "lake"))
    day = f"2097-{random.randint(1, 12):02d}-{random.randint(1, 28):02d}"
    marker = uuid.uuid4().hex
    streaming.ensure_topics(AdminClient({"bootstrap.servers": kafka_bootstrap}))
    producer = Producer({"bootstrap.servers": kafka_bootstrap, "enable.idempotence": True})

    valid = [{**_transport(day, i), "marker": marker} for i in range(1, 21)]
    streaming.publish(producer, TRANSPORTS, [_message(e) for e in valid[:10]])
    poison = []
    for n, (kind, (build, _)) in enumerate(POISON.items(), start=100):
        if build is None:
            event = {**_transfer(day, n), "marker": marker, "kind": kind}
        elif kind == "same_id_other_content":
            event = {**build(valid[0]), "kind": kind}  # the id of an event landed before
        else:
            event = {**build(_transport(day, n)), "marker": marker, "kind": kind}
        poison.append(_message(event))
    streaming.publish(producer, TRANSPORTS, poison)
    streaming.publish(producer, TRANSPORTS, [_message(e) for e in valid[10:]])

    stream_processor.run(stop_after_idle=5, group_id=f"poison-{marker}")

    landed = dw.execute(
        "SELECT count(*), count(DISTINCT event_id) FROM stream.emergency_transport "
        "WHERE sim_date = %s",
        (day,),
    ).fetchone()
    assert landed == (20, 20), "every valid event lands once, before and after the poison"
    rejects = dict(
        dw.execute(
            'SELECT substring(raw_value from \'"kind": "([a-z0-9_]+)"\'), reason '
            "FROM stream.rejects WHERE raw_value LIKE %s",
            (f"%{marker}%",),
        ).fetchall()
    )
    for kind, (_, why) in POISON.items():
        assert kind in rejects, f"{kind} was not rejected"
        assert why in rejects[kind], (kind, rejects[kind])
    first = dw.execute(
        "SELECT payload->>'severity' FROM stream.emergency_transport WHERE event_id = %s",
        (valid[0]["event_id"],),
    ).fetchone()[0]
    lake_copy = tmp_path / "lake" / "stream" / "emergency_transport" / day
    kept = json.loads((lake_copy / f"{valid[0]['event_id']}.json").read_text())
    assert first == "3" and kept["severity"] == 3, "the lake and the warehouse keep the first"
    assert len(list(lake_copy.glob("*.json"))) == 20
