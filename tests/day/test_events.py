"""Events: schema validity, deterministic ids, patient keys, and what validate_event rejects."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pandas as pd
import pytest

from hospital_twin.config import load_config
from hospital_twin.contracts import DOCTOR_ROLES, NURSE_ROLES
from hospital_twin.day import events, flow
from hospital_twin.day.visits import VisitSampler, generate_visits
from tests.support import factories

DAY = dt.date(2024, 3, 5)
CONFIG = load_config("small")
PEOPLE = factories.population(3000)
VISITS = generate_visits(
    CONFIG, DAY, sampler=VisitSampler.from_frames(PEOPLE, factories.illness(PEOPLE))
)
STEP_DOWN = factories.with_ward(CONFIG, "ICU", step_down_prob=1.0)
ICU_DUE_TODAY = factories.census(DAY, [("ICU", 3.0), ("ICU", 9.0), ("Medicine", 30.0)])
FLOW = flow.simulate_day(STEP_DOWN, DAY, VISITS, ICU_DUE_TODAY)
SCHEDULE = factories.schedule(
    DAY,
    ["Emergency Room", "Medicine"],
    roles=("Doctor", "EMT", "Registered Nurse"),
    shifts=((-5, 7), (7, 19), (19, 31)),
)


def transports() -> list[dict]:
    return events.emergency_transports(CONFIG, DAY, VISITS, SCHEDULE)


def transfers(config=CONFIG) -> list[dict]:
    return events.patient_transfers(config, DAY, FLOW.admissions, FLOW.moves)


def test_topics_are_the_contract_names():
    assert events.TOPICS == {
        "emergency_transport": "hospital.emergency_transports",
        "patient_transfer": "hospital.patient_transfers",
        "dead_letter": "hospital.dead_letter",
    }


def test_every_built_event_passes_validation():
    built = transports() + transfers()
    assert built
    assert [e for e in built if events.validate_event(e)] == []
    assert {e["sim_date"] for e in built} == {"2024-03-05"}
    assert {e["schema_version"] for e in built} == {1}


def test_one_transport_per_ambulance_arrival_with_the_crew_on_duty():
    built = transports()
    ambulance = VISITS[VISITS["arrival_mode"] == "Ambulance"]
    assert sorted(e["visit_id"] for e in built) == sorted(ambulance["visit_id"])
    roster = SCHEDULE.set_index("staff_id")
    for e in built:
        arrived = pd.Timestamp(e["arrived_at"][:19])
        assert pd.Timestamp(e["dispatched_at"][:19]) < arrived
        emt = roster.loc[e["emt_id"]]
        assert emt["role"] == "EMT" and emt["department"] == "Emergency Room"
        assert emt["shift_start"] <= arrived < emt["shift_end"]
        assert roster.loc[e["physician_id"], "role"] in DOCTOR_ROLES
        assert roster.loc[e["nurse_id"], "role"] in NURSE_ROLES


def test_transport_times_follow_the_configured_mean_and_sd():
    config = load_config(
        "small", events={"transport_minutes_mean": 45.0, "transport_minutes_sd": 0.01}
    )
    built = events.emergency_transports(config, DAY, VISITS, SCHEDULE)
    assert built and all(e["transport_minutes"] == pytest.approx(45.0, abs=0.2) for e in built)


def test_crew_ids_are_null_when_nobody_is_rostered():
    built = events.emergency_transports(CONFIG, DAY, VISITS, SCHEDULE.head(0))
    assert built and all(e["emt_id"] is None for e in built)
    assert [e for e in built if events.validate_event(e)] == []


def test_event_ids_are_uuid5_of_date_topic_and_sequence_and_repeat_on_rerun():
    first, again = transports(), transports()
    assert first == again
    topic = events.TOPICS["emergency_transport"]
    assert [e["event_id"] for e in first] == [
        str(uuid.uuid5(events.EVENT_NAMESPACE, f"2024-03-05|{topic}|{i}"))
        for i in range(1, len(first) + 1)
    ]
    other_day = events.event_id(DAY + dt.timedelta(days=1), topic, 1)
    assert other_day != first[0]["event_id"]
    assert len({e["event_id"] for e in first + transfers()}) == len(first) + len(transfers())


def test_events_are_in_time_order():
    for built in (transports(), transfers()):
        times = [e["occurred_at"] for e in built]
        assert times == sorted(times)


def test_kafka_key_is_the_patient_id_and_value_is_the_event_as_json():
    for event in transports() + transfers():
        key, value = events.encode(event)
        assert key == str(event["patient_id"]).encode()
        assert json.loads(value) == event
    assert events.to_messages(transports()[:2]) == [events.encode(e) for e in transports()[:2]]


def test_transfers_take_the_configured_share_of_placed_patients():
    config = load_config("small", events={"transfer_prob": 0.5})
    external = [e for e in transfers(config) if e["transfer_type"] == "external"]
    placed = FLOW.admissions["ward"].notna().sum()
    assert abs(len(external) - placed / 2) < 4 * (placed / 4) ** 0.5
    places = {p: k for k, names in config.events.destinations.items() for p in names}
    for e in external:
        assert places[e["destination"]] == e["destination_type"]
        assert e["reason"] in config.events.transfer_reasons
        assert e["transport_mode"] in config.events.transport_modes
        if e["reason"] in events.COMMUNITY_REASONS:
            assert e["destination_type"] == "community_health_centre"


def test_step_downs_are_published_as_internal_transfers():
    internal = [e for e in transfers() if e["transfer_type"] == "internal"]
    assert len(internal) == len(FLOW.moves) > 0
    assert {(e["from_ward"], e["destination"]) for e in internal} == {("ICU", "High Care")}


def good_event() -> dict:
    return transports()[0]


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda e: e.pop("patient_id"), "patient_id: missing"),
        (lambda e: e.update(patient_id="42"), "patient_id: expected int"),
        (lambda e: e.update(severity=True), "severity: expected int"),
        (lambda e: e.update(event_id="not-a-uuid"), "event_id: cannot parse"),
        (lambda e: e.update(sim_date="2024-13-01"), "sim_date: cannot parse"),
        (lambda e: e.update(occurred_at="yesterday"), "occurred_at: cannot parse"),
        (lambda e: e.update(schema_version=2), "schema_version: 2 is not 1"),
        (lambda e: e.update(event_type="birth"), "event_type: unknown 'birth'"),
        (lambda e: e.pop("visit_id"), "visit_id: missing"),
    ],
)
def test_validate_event_names_the_field_that_is_wrong(change, problem):
    event = good_event()
    change(event)
    problems = events.validate_event(event)
    assert any(p.startswith(problem) for p in problems), problems


def test_validate_event_rejects_what_is_not_an_object():
    assert events.validate_event(["not", "an", "event"]) == ["event is not a JSON object"]


def test_times_read_back_with_a_time_zone_keep_the_local_offset():
    moves = FLOW.moves.assign(
        moved_at=FLOW.moves["moved_at"].dt.tz_localize("+02:00").dt.tz_convert("UTC")
    )
    internal = events.patient_transfers(CONFIG, DAY, FLOW.admissions.head(0), moves)
    assert [e["occurred_at"] for e in internal] == [
        t.isoformat() + "+02:00" for t in sorted(FLOW.moves["moved_at"])
    ]
