"""The patient pathway through day D, as SimPy processes, and the day that runs it.

Read `patient` top to bottom: arrive → triage → admission decision → wait for a bed → stay →
step down or leave. Patients carried over from D-1's census join the pathway at the stay.
The statistics are kept beside it: `Hospital` logs every bed change, discharge and move
(beds.py), and results.py turns the log into the day's frames.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Generator

import pandas as pd
import simpy

from hospital_twin.config import HospitalConfig
from hospital_twin.day.flow.admission import bed_requests
from hospital_twin.day.flow.beds import BedRequest, Hospital, Stay, ward_beds
from hospital_twin.day.flow.census import census_stays
from hospital_twin.day.flow.results import FlowResult, flow_result

MIDNIGHT = 24.0  # the day ends; who is still in a bed is D+1's census


def patient(env: simpy.Environment, h: Hospital, req: BedRequest) -> Generator:
    """One patient who needs a bed, from arrival to leaving the hospital."""
    # Arrive, be triaged, and be found to need a bed: the arrival, the triage time and the
    # decision were drawn ahead (admission.py), so the patient is ready for a bed at ready_at.
    # One timeout, scheduled in decision order, keeps simultaneous patients in that order.
    yield env.timeout(req.ready_at)
    stay = yield from wait_for_bed(env, h, req)
    if stay is None:
        return  # refused: no bed under the overflow policy
    yield from stay_then_leave(env, h, stay)


def wait_for_bed(env: simpy.Environment, h: Hospital, req: BedRequest) -> Generator:
    """A bed under `flow.overflow_policy`: the Stay when placed, None when refused.

    `wait`: queue for the wanted ward (most urgent first) up to `max_wait_hours`; `overflow`:
    the wanted ward, else the first of `overflow_order` with room; `refuse`: the wanted ward or
    nothing.
    """
    policy, wanted = h.config.flow.overflow_policy, h.wards[req.requested_ward]
    if policy == "wait":
        got = wanted.request(req.admission_id, req.priority)
        if not got.triggered:
            yield got | env.timeout(h.config.flow.max_wait_hours)
        if got.triggered:
            return h.place(req, wanted.name, "admitted")
        wanted.withdraw(got)
    elif wanted.has_room():
        wanted.take(req.admission_id)
        return h.place(req, wanted.name, "admitted")
    elif policy == "overflow":
        for name in h.config.flow.overflow_order:
            if name != wanted.name and h.wards[name].has_room():
                h.wards[name].take(req.admission_id)
                return h.place(req, name, "overflow")
    h.refuse(req)
    return None


def stay_then_leave(env: simpy.Environment, h: Hospital, stay: Stay) -> Generator:
    """Stay until the ward's stay ends, then step down (if due and there is room) or leave."""
    while True:
        yield env.timeout(max(stay.leave_at - env.now, 0.0))
        step_down_to = h.step_down_ward(stay.ward)
        if step_down_to is None:
            h.discharge(stay)
            return
        h.move(stay, step_down_to)


def simulate_day(
    config: HospitalConfig,
    day: dt.date,
    visits: pd.DataFrame,
    census: pd.DataFrame,
    *,
    beds_override: dict[str, int] | None = None,
    los_factor: float = 1.0,
) -> FlowResult:
    """Run day D from the census at the end of D-1 (see the package docstring)."""
    beds = ward_beds(config, beds_override)
    env = simpy.Environment()
    h = Hospital(env, config, day, beds, los_factor)
    for stay in census_stays(census, day, beds):
        h.carry_over(stay)
        env.process(stay_then_leave(env, h, stay))
    del h.log.beds[:]  # the log starts from the census at midnight
    frame = bed_requests(config, day, visits, los_factor)
    fields = ["admission_id", "visit_id", "person_id", "requested_ward", "ready_at", "priority"]
    requests = [
        BedRequest(*row) for row in frame[[*fields, "los_hours"]].itertuples(index=False, name=None)
    ]
    for req in requests:
        env.process(patient(env, h, req))
    env.run(until=MIDNIGHT)
    for req in requests:
        if req.status is None:  # still waiting for a bed at midnight
            h.refuse(req)
    return flow_result(day, h, census, frame, requests, beds)
