"""The day's streamed events: emergency transports and patient transfers (no Kafka I/O here).

What is modelled (DESIGN.md §3-§4, seed 000): every ambulance arrival of day D is an
emergency transport crewed by an EMT, a physician and a nurse on duty (ids from the day's
schedule), dispatched a gamma-distributed time before it reaches the ED (mean
`events.transport_minutes_mean`, sd `events.transport_minutes_sd`); a share
`events.transfer_prob` of the patients given a bed on D is transferred to another facility
(`events.destinations`: hospitals and community health centres) for a reason from
`events.transfer_reasons`, by a mode from `events.transport_modes`; ward-to-ward step-downs
from the flow model are published as internal transfers. Transfer events describe movements
to and from other facilities; they do not change the flow model's census.

Every event has `event_id` (UUIDv5 of f"{sim_date}|{topic}|{seq}", so a re-run republishes the
same ids), `event_type`, `schema_version`, `occurred_at` (ISO 8601, hospital local time
UTC+02:00), `sim_date` and `patient_id` (the Kafka key). Streams: `transports`, `transfers`.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import numpy as np
import pandas as pd

from hospital_twin.config import HospitalConfig
from hospital_twin.contracts import DOCTOR_ROLES, EMT_ROLES, NURSE_ROLES, TOPICS
from hospital_twin.day.staffing import pick_on_duty
from hospital_twin.rng import stream

SCHEMA_VERSION = 1
EVENT_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://hospital-twin.local/events")
UTC_OFFSET = "+02:00"  # South African Standard Time, no daylight saving
LOCAL_TZ = dt.timezone(dt.timedelta(hours=2))

ED_DEPARTMENT = "Emergency Room"
# A transfer's reason follows the ward with this probability when the ward suggests one.
WARD_REASON_PROB = 0.5
WARD_REASONS = {
    "ICU": "ICU Admission",
    "High Care": "ICU Admission",
    "Psychiatry": "Mental Health Evaluation",
    "Pediatrics": "Pediatric Transfer",
    "Obstetrics & Gynecology": "Maternal Complications",
    "Surgery": "Surgery",
    "Oncology": "Specialist Consultation",
    "Palliative": "Step-down Facility",
}
# Reasons served by community health centres; urgent reasons travel by the first mode
# (Ambulance), others by any mode but the air ambulance.
COMMUNITY_REASONS = frozenset({"Step-down Facility", "Rehabilitation", "Dialysis"})
URGENT_REASONS = frozenset({"Emergency Transfer", "ICU Admission", "Maternal Complications"})
AIR_MODE = "Helicopter"
INTERNAL_REASON, INTERNAL_MODE = "Step-down", "Internal"

_ID = (int, str, type(None))
COMMON_FIELDS: dict[str, tuple[type, ...]] = {
    "event_id": (str,),
    "event_type": (str,),
    "schema_version": (int,),
    "occurred_at": (str,),
    "sim_date": (str,),
    "patient_id": (int,),
}
PAYLOAD_FIELDS: dict[str, dict[str, tuple[type, ...]]] = {
    "emergency_transport": {
        "visit_id": (str,), "dispatched_at": (str,), "arrived_at": (str,),
        "transport_minutes": (int, float), "transport_mode": (str,), "condition": (str,),
        "category": (str,), "severity": (int,), "triage_level": (str,), "age": (int,),
        "sex": (str,), "emt_id": _ID, "physician_id": _ID, "nurse_id": _ID,
    },
    "patient_transfer": {
        "admission_id": (str,), "transfer_type": (str,), "from_ward": (str,),
        "destination": (str,), "destination_type": (str,), "reason": (str,),
        "transport_mode": (str,),
    },
}  # fmt: skip


def event_id(sim_date: dt.date, topic: str, seq: int) -> str:
    return str(uuid.uuid5(EVENT_NAMESPACE, f"{sim_date}|{topic}|{seq}"))


def _iso(ts: pd.Timestamp | dt.datetime | np.datetime64) -> str:
    """ISO 8601 in hospital local time; naive times are taken to be local already."""
    t = pd.Timestamp(ts).floor("s")
    if t.tzinfo is not None:
        return t.tz_convert(LOCAL_TZ).isoformat()
    return t.isoformat() + UTC_OFFSET


def _number(events: list[dict[str, Any]], day: dt.date, event_type: str) -> list[dict[str, Any]]:
    """Envelope fields for events sorted by time: id from (date, topic, position)."""
    topic = TOPICS[event_type]
    events = sorted(events, key=lambda e: (e["occurred_at"], e["_order"]))
    return [
        {
            "event_id": event_id(day, topic, seq),
            "event_type": event_type,
            "schema_version": SCHEMA_VERSION,
            "sim_date": day.isoformat(),
        }
        | {k: v for k, v in e.items() if k != "_order"}
        for seq, e in enumerate(events, 1)
    ]


def emergency_transports(
    config: HospitalConfig, day: dt.date, visits: pd.DataFrame, schedule_for_day: pd.DataFrame
) -> list[dict[str, Any]]:
    """One event per ambulance arrival of `day`, with the crew on duty at arrival."""
    amb = visits[visits["arrival_mode"] == "Ambulance"].sort_values(["arrival_time", "visit_id"])
    rng = stream(config.seed, day, "transports")
    mean, sd = config.events.transport_minutes_mean, config.events.transport_minutes_sd
    shape = (mean / sd) ** 2
    minutes = np.round(rng.gamma(shape, mean / shape, size=len(amb)), 1)
    arrived = amb["arrival_time"].to_numpy()
    where = [ED_DEPARTMENT] * len(amb)
    crew = {
        role: pick_on_duty(schedule_for_day, roles, where, arrived, rng)
        for role, roles in (("emt_id", EMT_ROLES), ("physician_id", DOCTOR_ROLES),
                            ("nurse_id", NURSE_ROLES))
    }  # fmt: skip
    events = []
    for i, v in enumerate(amb.itertuples(index=False)):
        at = pd.Timestamp(v.arrival_time)
        events.append(
            {
                "occurred_at": _iso(at),
                "patient_id": int(v.person_id),
                "visit_id": v.visit_id,
                "dispatched_at": _iso(at - pd.Timedelta(minutes=float(minutes[i]))),
                "arrived_at": _iso(at),
                "transport_minutes": float(minutes[i]),
                "transport_mode": "Ambulance",
                "condition": v.condition,
                "category": v.category,
                "severity": int(v.severity),
                "triage_level": v.triage_level,
                "age": int(v.age),
                "sex": v.sex,
                **{k: _plain(ids[i]) for k, ids in crew.items()},
                "_order": v.visit_id,
            }
        )
    return _number(events, day, "emergency_transport")


def _plain(value: Any) -> int | str | None:
    """A staff id as a JSON-friendly value (numpy ints → int)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return int(value) if isinstance(value, np.integer | int) else str(value)


def patient_transfers(
    config: HospitalConfig, day: dt.date, admissions: pd.DataFrame, moves: pd.DataFrame
) -> list[dict[str, Any]]:
    """Transfers to other facilities (a share of the day's placed patients) and step-downs."""
    placed = admissions[admissions["ward"].notna()].sort_values("admission_id")
    rng = stream(config.seed, day, "transfers")
    chosen = placed[rng.random(len(placed)) < config.events.transfer_prob]
    end_of_day = pd.Timestamp(day) + pd.Timedelta(days=1)
    events = []
    for a in chosen.itertuples(index=False):
        until = end_of_day if pd.isna(a.discharged_at) else pd.Timestamp(a.discharged_at)
        at = a.admitted_at + (until - a.admitted_at) * rng.random()
        reason = _reason(config, a.ward, rng)
        kind, destination = _destination(config, reason, rng)
        events.append(
            {
                "occurred_at": _iso(at),
                "patient_id": int(a.person_id),
                "admission_id": a.admission_id,
                "transfer_type": "external",
                "from_ward": a.ward,
                "destination": destination,
                "destination_type": kind,
                "reason": reason,
                "transport_mode": _mode(config, reason, rng),
                "_order": a.admission_id,
            }
        )
    for m in moves.itertuples(index=False):
        events.append(
            {
                "occurred_at": _iso(m.moved_at),
                "patient_id": int(m.person_id),
                "admission_id": m.admission_id,
                "transfer_type": "internal",
                "from_ward": m.from_ward,
                "destination": m.to_ward,
                "destination_type": "ward",
                "reason": INTERNAL_REASON,
                "transport_mode": INTERNAL_MODE,
                "_order": m.admission_id,
            }
        )
    return _number(events, day, "patient_transfer")


def _reason(config: HospitalConfig, ward: str, rng: np.random.Generator) -> str:
    reasons = config.events.transfer_reasons
    by_ward = WARD_REASONS.get(ward)
    if by_ward in reasons and rng.random() < WARD_REASON_PROB:
        return by_ward
    return reasons[rng.integers(len(reasons))]


def _destination(config: HospitalConfig, reason: str, rng: np.random.Generator) -> tuple[str, str]:
    places = config.events.destinations
    kind = "community_health_centre" if reason in COMMUNITY_REASONS else "hospital"
    if kind not in places:
        kind = sorted(places)[0]
    return kind, places[kind][rng.integers(len(places[kind]))]


def _mode(config: HospitalConfig, reason: str, rng: np.random.Generator) -> str:
    modes = config.events.transport_modes
    if reason in URGENT_REASONS:
        return modes[0]
    ground = [m for m in modes if m != AIR_MODE] or modes
    return ground[rng.integers(len(ground))]


def to_messages(events: list[dict[str, Any]]) -> list[tuple[bytes, bytes]]:
    return [encode(e) for e in events]


def encode(event: dict[str, Any]) -> tuple[bytes, bytes]:
    """Kafka (key, value): the patient id, and the event as compact, key-sorted JSON."""
    value = json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return str(event["patient_id"]).encode(), value.encode()


def validate_event(event: Any) -> list[str]:
    """What is wrong with an event (empty when it can be landed)."""
    if not isinstance(event, dict):
        return ["event is not a JSON object"]
    fields = dict(COMMON_FIELDS)
    kind = event.get("event_type")
    if kind in PAYLOAD_FIELDS:
        fields |= PAYLOAD_FIELDS[kind]
    problems = [_type_problem(name, event, types) for name, types in fields.items()]
    problems = [p for p in problems if p]
    if isinstance(kind, str) and kind not in PAYLOAD_FIELDS:
        problems.append(f"event_type: unknown {kind!r}")
    version = event.get("schema_version")
    if isinstance(version, int) and not isinstance(version, bool) and version != SCHEMA_VERSION:
        problems.append(f"schema_version: {version} is not {SCHEMA_VERSION}")
    problems += _format_problems(event)
    return problems


def _type_problem(name: str, event: dict[str, Any], types: tuple[type, ...]) -> str | None:
    if name not in event:
        return f"{name}: missing"
    value = event[name]
    if isinstance(value, bool) or not isinstance(value, types):
        expected = " or ".join("null" if t is type(None) else t.__name__ for t in types)
        return f"{name}: expected {expected}, got {type(value).__name__}"
    return None


def _format_problems(event: dict[str, Any]) -> list[str]:
    """Values that have the right type but cannot be parsed."""
    checks = {
        "event_id": uuid.UUID,
        "sim_date": dt.date.fromisoformat,
        "occurred_at": dt.datetime.fromisoformat,
    }
    problems = []
    for name, parse in checks.items():
        value = event.get(name)
        if isinstance(value, str):
            try:
                parse(value)
            except ValueError:
                problems.append(f"{name}: cannot parse {value!r}")
    return problems
