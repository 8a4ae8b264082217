"""The bad events and configs bench_faults.py feeds the twin, each with how it is built.

The admissions files are tests/io/bad_admissions.py's catalogue; these are the rest.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from pathlib import Path

from hospital_twin.config import load_config, load_scenario
from hospital_twin.day import events

TRANSFERS = events.TOPICS["patient_transfer"]


def _transport(e: dict, **changes: object) -> bytes:
    """A valid emergency transport of patient 7000, changed."""
    from tests.services.test_poison_events import _transport as transport

    event = {**transport(e["sim_date"], 1), "patient_id": 7000, **changes}
    return json.dumps({**event, "kind": e["kind"], "marker": e["marker"]}).encode()


TRANSPORTS = events.TOPICS["emergency_transport"]
# name -> (topic, the message's value built from a valid transfer event)
POISON_EVENTS: dict[str, tuple[str, Callable[[dict], bytes]]] = {
    "not JSON": (TRANSFERS, lambda e: f"not json {e['kind']} {e['marker']}".encode()),
    "missing field": (
        TRANSFERS,
        lambda e: json.dumps({k: v for k, v in e.items() if k != "reason"}).encode(),
    ),
    "wrong schema version": (TRANSFERS, lambda e: json.dumps({**e, "schema_version": 9}).encode()),
    "transport on the transfer topic": (TRANSFERS, lambda e: _transport(e)),
    "NaN in a number": (TRANSPORTS, lambda e: _transport(e, transport_minutes=float("nan"))),
    "NUL in a string": (TRANSFERS, lambda e: json.dumps({**e, "reason": "a\u0000b"}).encode()),
    "patient_id 2^64": (TRANSFERS, lambda e: json.dumps({**e, "patient_id": 2**64}).encode()),
    "unknown patient": (TRANSFERS, lambda e: json.dumps({**e, "patient_id": 999_999}).encode()),
    "same id, other content": (
        TRANSFERS,
        lambda e: json.dumps({**e, "reason": "Surgery"}).encode(),
    ),
}


CONFIGS = {
    "all wards at 0 beds": lambda: load_config(
        "default", wards=[{**w, "beds": 0} for w in default_wards()]
    ),
    "5,000-bed closure": lambda: scenario("bed_closures: {Surgery: 5000}"),
    "month 13": lambda: scenario("arrival_scale_by_month: {13: 1.2}"),
    "surge ending before it starts": lambda: scenario(
        "surge_beds: [{ward: ICU, beds: 4, start: 2024-06-30, end: 2024-06-01}]"
    ),
    "formula as a ward name": lambda: load_config(
        "default",
        wards=[{**w, "name": "=1+1"} if i == 0 else w for i, w in enumerate(default_wards())],
    ),
}


def default_wards() -> list[dict]:  # the default profile's wards, as its YAML gives them
    return [w.model_dump() for w in load_config("default").wards]


def scenario(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "scenario.yaml"
        path.write_text(f"name: bad\n{text}\n")
        load_scenario(path, load_config("default"))


def transfers(day: str, n: int) -> list[dict]:
    """n valid transfer events of `day` for known patients 7000-7049: the load the faults hit."""
    return [
        {
            "event_id": events.event_id(day, TRANSFERS, i),
            "event_type": "patient_transfer",
            "schema_version": events.SCHEMA_VERSION,
            "occurred_at": f"{day}T10:00:00+02:00",
            "sim_date": day,
            "patient_id": 7000 + i % 50,
            "admission_id": f"A-{i}",
            "transfer_type": "external",
            "from_ward": "Medicine",
            "destination": "Helen Joseph Hospital",
            "destination_type": "hospital",
            "reason": "Dialysis",
            "transport_mode": "Ambulance",
        }  # fmt: skip
        for i in range(n)
    ]
