"""The model's state: each ward's beds and queue, who is in which bed, and the day's log.

Times are hours after D's midnight (negative = before D). The pathway (pathway.py) asks
`Hospital` for beds, places and refuses patients, moves and discharges them; every bed taken
or freed, every discharge and every move is written to `DayLog` as it happens, so the
statistics are collected beside the pathway, not inside it.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
from dataclasses import dataclass, field

import numpy as np
import simpy

from hospital_twin.config import HospitalConfig
from hospital_twin.day.flow.los import draw_los
from hospital_twin.rng import stream


def ward_beds(
    config: HospitalConfig, beds_override: dict[str, int] | None = None
) -> dict[str, int]:
    """Beds per ward: the config's, with a scenario's overrides."""
    beds = {w.name: w.beds for w in config.wards}
    unknown = sorted(set(beds_override or {}) - set(beds))
    if unknown:
        raise ValueError(f"beds_override names unknown ward(s) {unknown}; wards are {sorted(beds)}")
    return beds | (beds_override or {})


@dataclass
class BedRequest:
    """One admission decision: a patient ready for a bed in `requested_ward` at `ready_at` (h)."""

    admission_id: str
    visit_id: str
    person_id: int
    requested_ward: str
    ready_at: float
    priority: int
    los_hours: float
    ward: str | None = None
    status: str | None = None
    admitted_at: float = np.nan
    wait_hours: float = 0.0


@dataclass
class Stay:
    """A patient in a bed; times are hours after D's midnight (negative = before D)."""

    admission_id: str
    person_id: int
    ward: str
    admitted_at: float
    leave_at: float
    carried_over: bool


@dataclass
class DayLog:
    """Statistics collected beside the processes: bed changes, discharges, moves."""

    beds: list[tuple] = field(default_factory=list)
    discharges: list[tuple] = field(default_factory=list)
    moves: list[tuple] = field(default_factory=list)


class Beds:
    """A ward's beds and the queue of patients waiting for one (priority, then arrival)."""

    def __init__(self, env: simpy.Environment, name: str, capacity: int, log: DayLog):
        self.env, self.name, self.capacity, self.log = env, name, capacity, log
        self.occupied = 0
        self._queue: list[tuple[int, int, simpy.Event, str]] = []
        self._seq = itertools.count()

    def has_room(self) -> bool:
        return self.occupied < self.capacity

    def take(self, admission_id: str) -> None:
        self.occupied += 1
        self.log.beds.append((self.env.now, self.name, admission_id, 1, self.occupied))

    def request(self, admission_id: str, priority: int) -> simpy.Event:
        """An event that fires when this patient has been given a bed."""
        got = self.env.event()
        if self.has_room():
            self.take(admission_id)
            got.succeed()
        else:
            heapq.heappush(self._queue, (priority, next(self._seq), got, admission_id))
        return got

    def withdraw(self, got: simpy.Event) -> None:
        self._queue = [q for q in self._queue if q[2] is not got]
        heapq.heapify(self._queue)

    def release(self, admission_id: str) -> None:
        self.occupied -= 1
        self.log.beds.append((self.env.now, self.name, admission_id, -1, self.occupied))
        while self._queue and self.has_room():
            _, _, got, waiting_id = heapq.heappop(self._queue)
            self.take(waiting_id)
            got.succeed()


class Hospital:
    """The wards, who is in which bed, and the moves between them."""

    def __init__(
        self,
        env: simpy.Environment,
        config: HospitalConfig,
        day: dt.date,
        beds: dict[str, int],
        los_factor: float,
    ):
        self.env, self.config, self.los_factor = env, config, los_factor
        self.log = DayLog()
        self.wards = {name: Beds(env, name, n, self.log) for name, n in beds.items()}
        self.in_bed: dict[str, Stay] = {}
        self.step_down_rng = stream(config.seed, day, "step_down")

    def carry_over(self, stay: Stay) -> None:
        """A patient from the census of D-1 keeps their bed."""
        self.wards[stay.ward].take(stay.admission_id)
        self.in_bed[stay.admission_id] = stay

    def place(self, req: BedRequest, ward: str, status: str) -> Stay:
        now = self.env.now
        req.ward, req.status = ward, status
        req.admitted_at, req.wait_hours = now, now - req.ready_at
        stay = Stay(req.admission_id, req.person_id, ward, now, now + req.los_hours, False)
        self.in_bed[stay.admission_id] = stay
        return stay

    def refuse(self, req: BedRequest) -> None:
        req.status, req.wait_hours = "refused", self.env.now - req.ready_at

    def step_down_ward(self, ward: str) -> str | None:
        """Where a patient whose stay in `ward` ends steps down to, or None when they leave:
        with the ward's `step_down_prob` (stream `step_down`), if the step-down ward has room."""
        spec = self.config.ward(ward)
        if spec.step_down_to is None or self.step_down_rng.random() >= spec.step_down_prob:
            return None
        return spec.step_down_to if self.wards[spec.step_down_to].has_room() else None

    def move(self, stay: Stay, to: str) -> None:
        """Step down to ward `to`, with a new stay drawn from that ward's model."""
        now = self.env.now
        los_days = draw_los(self.config.ward(to).los, self.step_down_rng, 1)[0]
        los_hours = los_days * self.los_factor * 24
        self.wards[to].take(stay.admission_id)
        self.wards[stay.ward].release(stay.admission_id)
        move = (stay.admission_id, stay.person_id, stay.ward, to, now, now + los_hours)
        self.log.moves.append(move)
        stay.ward, stay.leave_at = to, now + los_hours

    def discharge(self, stay: Stay) -> None:
        self.wards[stay.ward].release(stay.admission_id)
        del self.in_bed[stay.admission_id]
        left = (stay.admission_id, stay.person_id, stay.ward, stay.admitted_at, self.env.now)
        self.log.discharges.append((*left, stay.carried_over))
