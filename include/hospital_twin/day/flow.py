"""Patient flow through the wards on simulated day D: a SimPy discrete-event simulation.

What is modelled (figures from the config; DESIGN.md §3, seed 002's ward engine):

- Who needs a bed, and where (`admission_candidates`; every figure is in `config.flow`).
  Three routes, each decision drawn on its own stream:
  * `direct`: a visit, to any service, whose condition's department has a ward listed in
    `flow.direct_admission_prob` is admitted straight to that ward with that probability
    (the maternity unit admits women in labour itself, not through the ED).
  * `ED`: other Emergency-room visits finish triage (`triage_minutes` after arrival) and need
    a bed with probability `flow.ed_admission_prob_by_triage[level]`, its odds multiplied by
    the wanted ward's `flow.admission_odds_ratio` (a logistic-model offset: how much more or
    less readily that specialty admits than the ED average at the same triage level). The
    wanted ward is the ward of the condition's department, unless the patient is less urgent
    than `flow.min_triage_by_ward` allows there (ICU takes critical patients only); patients
    whose condition names no ward (or who are not acute enough for it) go to the
    Pediatrics ward when they are children (age ≤ illness.PEDIATRIC_MAX_AGE, as illness.py
    sends children's medical conditions there), else to `flow.ed_routing_by_category` for
    their category (injuries to Surgery), else to a ward drawn from `flow.ed_routing`.
  * `elective`: Specialist-clinic visits with severity ≥ `flow.elective_min_severity` in a
    ward's department are planned admissions with probability `flow.elective_admission_prob`
    (odds × the ward's odds ratio); they queue behind every emergency.
  The default figures are calibrated so that each ward's expected demand in an ordinary
  month is 85-98 % of its capacity at 85 % occupancy, 0.85 × beds / (mean LOS + 0.5 day),
  the step-down inflow included (configs/default.yaml explains each figure;
  tests/day/test_calibration.py checks it).
- Wards are finite beds (`wards[].beds`, or `beds_override` for scenarios). When the wanted
  ward is full, `flow.overflow_policy` decides: `wait` - queue in the ED (most urgent triage
  level first, then first come) for up to `max_wait_hours`, then refused; `overflow` - take a
  bed in the first ward of `overflow_order` with room, else refused; `refuse` - refused at once.
- Length of stay is drawn from the wanted ward's model (lognormal/gamma by mean and sd, or
  empirical) on stream `los:<ward>`, × `los_factor` (scenario). A patient whose ward has
  `step_down_to` moves there with `step_down_prob` at the end of the stay if it has a free
  bed (otherwise they leave), with a new stay drawn from the step-down ward's model.
- The day starts from the census at the end of D-1 and runs to midnight. Patients still in a
  bed form the census for D+1. Requests not settled by midnight (still waiting for a bed)
  are refused at midnight with their wait so far; triage that would end after midnight is
  cut at 23:59:59 so every admission decision belongs to D. Carried-over patients keep their
  beds even when a scenario closes beds (closed beds disappear as they empty); overdue ones
  (expected discharge before D) leave at 00:00.

Admission `source` is the route (`direct`, `ED`, `elective`); `status` is the outcome of the
bed request: `admitted` (a bed in the wanted ward), `overflow` (a bed in another ward),
`refused` (no bed). Discharge is told by `discharged_at`.
Random streams: `direct`, `ed_admission`, `routing`, `elective`, `los:<ward>`, `step_down`,
`warmup`.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
from collections.abc import Generator, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import simpy

from hospital_twin.config import HospitalConfig, LengthOfStay
from hospital_twin.rng import stream
from hospital_twin.setup.illness import PEDIATRIC_DEPARTMENT, PEDIATRIC_MAX_AGE

# The random stream each route's admission decisions are drawn from.
ROUTE_STREAMS = {"direct": "direct", "ED": "ed_admission", "elective": "elective"}
DOCTOR_ROLES = ("Doctor", "Surgeon", "Specialist")
NURSE_ROLES = ("Registered Nurse", "Enrolled Nurse", "Nurse Manager")
STATUSES = ("admitted", "overflow", "refused")
LAST_DECISION_HOUR = 24 - 1 / 3600

CENSUS_COLUMNS = ["admission_id", "person_id", "ward", "admitted_at", "expected_discharge_at"]
ADMISSION_COLUMNS = [
    "admission_id", "visit_id", "person_id", "sim_date", "arrival_time", "triage_level",
    "department", "source", "requested_ward", "ward", "admitted_at", "expected_discharge_at",
    "discharged_at", "status", "wait_hours", "los_days",
]  # fmt: skip
DISCHARGE_COLUMNS = [
    "admission_id", "person_id", "sim_date", "ward", "admitted_at", "discharged_at", "los_days",
    "carried_over",
]  # fmt: skip
MOVE_COLUMNS = [
    "admission_id", "person_id", "sim_date", "from_ward", "to_ward", "moved_at",
    "expected_discharge_at",
]  # fmt: skip
WARD_DAY_COLUMNS = [
    "sim_date", "ward", "beds", "occupancy_start", "occupancy_end", "peak_occupancy",
    "admissions", "discharges", "refusals", "waits", "mean_wait_hours", "overflow_in",
    "overflow_out", "moves_in", "moves_out",
]  # fmt: skip
BED_LOG_COLUMNS = ["time", "ward", "admission_id", "change", "occupancy"]
_FROM_REQUESTS = [
    "admission_id", "visit_id", "person_id", "arrival_time", "triage_level", "department",
    "source", "requested_ward",
]  # fmt: skip


# --- length of stay ---------------------------------------------------------------------


def draw_los(
    los: LengthOfStay, rng: np.random.Generator, n: int, length_biased: bool = False
) -> np.ndarray:
    """`n` stays in days; `length_biased` draws stays as seen in a census (∝ their length)."""
    if los.dist == "empirical":
        values = np.asarray(los.values_days, dtype=float)
        p = values / values.sum() if length_biased else None
        return rng.choice(values, size=n, p=p)
    if los.dist == "gamma":
        shape, scale = (los.mean_days / los.sd_days) ** 2, los.sd_days**2 / los.mean_days
        return rng.gamma(shape + length_biased, scale, size=n)
    sigma2 = np.log1p((los.sd_days / los.mean_days) ** 2)
    mu = np.log(los.mean_days) - sigma2 / 2
    return rng.lognormal(mu + sigma2 * length_biased, np.sqrt(sigma2), size=n)


def ward_beds(
    config: HospitalConfig, beds_override: dict[str, int] | None = None
) -> dict[str, int]:
    """Beds per ward: the config's, with a scenario's overrides."""
    beds = {w.name: w.beds for w in config.wards}
    unknown = sorted(set(beds_override or {}) - set(beds))
    if unknown:
        raise ValueError(f"beds_override names unknown ward(s) {unknown}; wards are {sorted(beds)}")
    return beds | (beds_override or {})


# --- model state: beds, bed requests, stays, and the day's log --------------------------


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
        spec = self.config.ward(ward)
        if spec.step_down_to is None or self.step_down_rng.random() >= spec.step_down_prob:
            return None
        return spec.step_down_to if self.wards[spec.step_down_to].has_room() else None

    def move(self, stay: Stay, to: str) -> None:
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


# --- the pathway ------------------------------------------------------------------------


def admitted_patient(env: simpy.Environment, h: Hospital, req: BedRequest) -> Generator:
    """Arrive → triage → wait for a bed → stay → move or leave."""
    yield env.timeout(req.ready_at)  # arrival and triage are done when the bed is asked for
    placed = yield from find_bed(env, h, req)
    if placed is not None:
        yield from stay_in_bed(env, h, placed)


def find_bed(env: simpy.Environment, h: Hospital, req: BedRequest) -> Generator:
    """A bed under the overflow policy: the Stay when placed, None when refused."""
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


def stay_in_bed(env: simpy.Environment, h: Hospital, stay: Stay) -> Generator:
    """Stay until the ward's stay ends, then step down (if due and there is room) or leave."""
    yield env.timeout(max(stay.leave_at - env.now, 0.0))
    step_down_to = h.step_down_ward(stay.ward)
    if step_down_to is None:
        h.discharge(stay)
        return
    h.move(stay, step_down_to)
    yield from stay_in_bed(env, h, stay)


# --- one simulated day ------------------------------------------------------------------


@dataclass(frozen=True)
class FlowResult:
    """Day D's frames (columns in the *_COLUMNS constants).

    admissions: one row per admission decision of D; discharges: patients who left the
    hospital during D (carried-over ones too); census_end: who is in which bed at midnight
    (the census D+1 starts from); ward_day: per-ward totals; moves: step-downs; bed_log:
    every bed taken (+1) or freed (-1) during D with the ward's occupancy after it.
    """

    admissions: pd.DataFrame
    discharges: pd.DataFrame
    census_end: pd.DataFrame
    ward_day: pd.DataFrame
    moves: pd.DataFrame
    bed_log: pd.DataFrame


def simulate_day(
    config: HospitalConfig,
    day: dt.date,
    visits: pd.DataFrame,
    census: pd.DataFrame,
    *,
    beds_override: dict[str, int] | None = None,
    los_factor: float = 1.0,
) -> FlowResult:
    """Run day D from the census at the end of D-1 (see the module docstring)."""
    beds = ward_beds(config, beds_override)
    env = simpy.Environment()
    h = Hospital(env, config, day, beds, los_factor)
    for stay in _census_stays(census, day, beds):
        h.wards[stay.ward].take(stay.admission_id)
        h.in_bed[stay.admission_id] = stay
        env.process(stay_in_bed(env, h, stay))
    del h.log.beds[:]  # the log starts from the census at midnight
    frame = bed_requests(config, day, visits, los_factor)
    fields = ["admission_id", "visit_id", "person_id", "requested_ward", "ready_at", "priority"]
    requests = [
        BedRequest(*row) for row in frame[[*fields, "los_hours"]].itertuples(index=False, name=None)
    ]
    for req in requests:
        env.process(admitted_patient(env, h, req))
    env.run(until=24)
    for req in requests:
        if req.status is None:  # still waiting for a bed at midnight
            h.refuse(req)
    return _result(day, h, census, frame, requests, beds)


def admission_candidates(
    config: HospitalConfig, day: dt.date, visits: pd.DataFrame
) -> pd.DataFrame:
    """Visits of `day` that may need a bed, in visit order, with the chance that they do.

    The visits' columns plus `source` (direct, ED, elective), `requested_ward`, `priority`
    (0 = most urgent; electives last) and `p_admit` (see the module docstring). The ward of
    an ED patient routed by `flow.ed_routing` is drawn on stream `routing`. Summing `p_admit`
    by ward gives the expected bed requests without drawing them.
    """
    visits = visits.reset_index(drop=True)
    fl, levels = config.flow, [t.name for t in config.visits.triage_levels]
    rank = {n: i for i, n in enumerate(levels)}
    ward_of: dict[str, str] = {}
    for w in config.wards:
        ward_of.setdefault(w.department, w.name)
    odds = {w.name: fl.admission_odds_ratio.get(w.name, 1.0) for w in config.wards}
    level = visits["triage_level"].map(rank).astype(float).fillna(len(levels) - 1).astype(int)
    own = visits["department"].map(ward_of)  # missing for outpatient departments
    is_direct = own.isin(fl.direct_admission_prob).to_numpy()
    is_ed = (visits["service"] == "Emergency Room").to_numpy() & ~is_direct
    is_elective = (
        (visits["service"] == "Specialist Clinic").to_numpy()
        & own.notna().to_numpy()
        & ~is_direct
        & (visits["severity"] >= fl.elective_min_severity).to_numpy()
    )

    direct = visits[is_direct].assign(
        source="direct",
        requested_ward=own[is_direct],
        priority=level[is_direct],
        p_admit=own[is_direct].map(fl.direct_admission_prob).astype(float),
    )

    ed, ed_level = visits[is_ed], level[is_ed]
    wanted = own[is_ed]
    lowest = wanted.map({w: rank[t] for w, t in fl.min_triage_by_ward.items()}).astype(float)
    wanted = wanted.mask(ed_level > lowest)  # not acute enough for that ward: routed instead
    routes = np.array(list(fl.ed_routing), dtype=object)
    drawn = stream(config.seed, day, "routing").choice(
        len(routes), size=len(ed), p=list(fl.ed_routing.values())
    )
    routed = (
        ed["category"]
        .map(fl.ed_routing_by_category)
        .fillna(pd.Series(routes[drawn], index=ed.index))
    )
    if PEDIATRIC_DEPARTMENT in ward_of:
        routed = routed.mask(ed["age"] <= PEDIATRIC_MAX_AGE, ward_of[PEDIATRIC_DEPARTMENT])
    wanted = wanted.fillna(routed)
    p_ed = ed["triage_level"].map(fl.ed_admission_prob_by_triage).astype(float).fillna(0.0)
    from_ed = ed.assign(
        source="ED",
        requested_ward=wanted,
        priority=ed_level,
        p_admit=with_odds(p_ed, wanted.map(odds).astype(float)),
    )

    planned = own[is_elective]
    electives = visits[is_elective].assign(
        source="elective",
        requested_ward=planned,
        priority=len(levels),
        p_admit=with_odds(fl.elective_admission_prob, planned.map(odds).astype(float)),
    )
    out = pd.concat([direct, from_ed, electives]).sort_index(kind="stable")
    return out.astype({"priority": int, "p_admit": float})


def with_odds(p: float | pd.Series, odds_ratio: float | pd.Series) -> np.ndarray:
    """Probability `p` with its odds multiplied by `odds_ratio` (a logistic-model offset);
    an odds ratio of 0 never admits."""
    p, r = np.asarray(p, dtype=float), np.asarray(odds_ratio, dtype=float)
    num, den = np.broadcast_arrays(p * r, 1 - p + p * r)
    return np.divide(num, den, out=np.zeros(num.shape), where=den > 0)


def bed_requests(
    config: HospitalConfig, day: dt.date, visits: pd.DataFrame, los_factor: float = 1.0
) -> pd.DataFrame:
    """The day's admission decisions in decision order, with wanted ward and planned stay."""
    cand = admission_candidates(config, day, visits)
    chosen = np.zeros(len(cand), dtype=bool)
    for source, name in ROUTE_STREAMS.items():
        mask = (cand["source"] == source).to_numpy()
        draws = stream(config.seed, day, name).random(int(mask.sum()))
        chosen[mask] = draws < cand["p_admit"].to_numpy()[mask]
    req = cand[chosen].drop(columns="p_admit").reset_index(drop=True)
    hours = (req["arrival_time"] - pd.Timestamp(day)) / pd.Timedelta(hours=1)
    if ((hours < 0) | (hours >= 24)).any():
        raise ValueError(f"visits must arrive on {day}: got arrivals outside that day")
    req["ready_at"] = np.minimum(hours + req["triage_minutes"] / 60, LAST_DECISION_HOUR)
    req = req.sort_values(["ready_at", "visit_id"], ignore_index=True)
    req["admission_id"] = [f"A{day:%Y%m%d}-{i:05d}" for i in range(1, len(req) + 1)]
    req["los_hours"] = _planned_stays(config, day, req["requested_ward"]) * los_factor * 24
    return req


def _planned_stays(config: HospitalConfig, day: dt.date, wards: pd.Series) -> np.ndarray:
    """Length of stay (days) for each request, from its wanted ward's stream `los:<ward>`."""
    days = np.zeros(len(wards))
    for w in config.wards:
        mask = (wards == w.name).to_numpy()
        if mask.any():
            days[mask] = draw_los(w.los, stream(config.seed, day, f"los:{w.name}"), int(mask.sum()))
    return days


def _census_stays(census: pd.DataFrame, day: dt.date, wards: dict[str, int]) -> list[Stay]:
    if census.empty:
        return []
    unknown = sorted(set(census["ward"]) - set(wards))
    if unknown:
        raise ValueError(f"census names unknown ward(s) {unknown}; wards are {sorted(wards)}")
    c = census.sort_values("admission_id", kind="stable")
    start, hour = pd.Timestamp(day), pd.Timedelta(hours=1)
    admitted = ((c["admitted_at"] - start) / hour).to_numpy(dtype=float)
    leave = ((c["expected_discharge_at"] - start) / hour).to_numpy(dtype=float)
    return [
        Stay(a, int(p), w, t0, t1, carried_over=True)
        for a, p, w, t0, t1 in zip(
            c["admission_id"], c["person_id"], c["ward"], admitted, leave, strict=True
        )
    ]


# --- result frames ----------------------------------------------------------------------


def _clock(day: dt.date, hours: Sequence[float] | np.ndarray | pd.Series) -> np.ndarray:
    """Hours after D's midnight as timestamps to the second (NaN → NaT)."""
    seconds = np.round(np.asarray(hours, dtype=float) * 3600)
    return np.asarray(
        pd.Timestamp(day) + pd.to_timedelta(seconds, unit="s"), dtype="datetime64[us]"
    )


def _result(
    day: dt.date,
    h: Hospital,
    census: pd.DataFrame,
    frame: pd.DataFrame,
    requests: list[BedRequest],
    beds: dict[str, int],
) -> FlowResult:
    discharges = _discharges(day, h.log)
    admissions = _admissions(day, frame, requests, discharges)
    moves = pd.DataFrame(h.log.moves, columns=MOVE_COLUMNS[:2] + MOVE_COLUMNS[3:])
    moves = moves.astype({"person_id": np.int64})
    moves.insert(2, "sim_date", day)
    moves["moved_at"] = _clock(day, moves["moved_at"])
    moves["expected_discharge_at"] = _clock(day, moves["expected_discharge_at"])
    stays = sorted(h.in_bed.values(), key=lambda s: s.admission_id)
    census_end = pd.DataFrame(
        {
            "admission_id": [s.admission_id for s in stays],
            "person_id": np.array([s.person_id for s in stays], dtype=np.int64),
            "ward": [s.ward for s in stays],
            "admitted_at": _clock(day, [s.admitted_at for s in stays]),
            "expected_discharge_at": _clock(day, [s.leave_at for s in stays]),
        }
    )
    bed_log = pd.DataFrame(h.log.beds, columns=BED_LOG_COLUMNS)
    bed_log["time"] = _clock(day, bed_log["time"])
    ward_day = _ward_day(day, beds, census, census_end, admissions, discharges, moves, bed_log)
    return FlowResult(admissions, discharges, census_end, ward_day, moves, bed_log)


def _discharges(day: dt.date, log: DayLog) -> pd.DataFrame:
    d = pd.DataFrame(
        log.discharges, columns=[c for c in DISCHARGE_COLUMNS if c not in ("sim_date", "los_days")]
    )
    d["los_days"] = (d["discharged_at"] - d["admitted_at"]) / 24
    d["admitted_at"] = _clock(day, d["admitted_at"])
    d["discharged_at"] = _clock(day, d["discharged_at"])
    d["sim_date"] = day
    return d.astype({"person_id": np.int64, "carried_over": bool})[DISCHARGE_COLUMNS]


def _admissions(
    day: dt.date, frame: pd.DataFrame, requests: list[BedRequest], discharges: pd.DataFrame
) -> pd.DataFrame:
    a = frame[_FROM_REQUESTS].copy()
    a["person_id"] = a["person_id"].astype(np.int64)
    a["sim_date"] = day
    a["ward"] = np.array([r.ward for r in requests], dtype=object)
    admitted = np.array([r.admitted_at for r in requests], dtype=float)
    a["admitted_at"] = _clock(day, admitted)
    a["expected_discharge_at"] = _clock(day, admitted + frame["los_hours"].to_numpy())
    left = discharges.set_index("admission_id")["discharged_at"]
    a["discharged_at"] = np.asarray(left.reindex(a["admission_id"]), dtype="datetime64[us]")
    a["status"] = np.array([r.status for r in requests], dtype=object)
    a["wait_hours"] = np.array([r.wait_hours for r in requests], dtype=float)
    a["los_days"] = frame["los_hours"].to_numpy() / 24
    return a[ADMISSION_COLUMNS]


def _ward_day(
    day: dt.date,
    beds: dict[str, int],
    census: pd.DataFrame,
    census_end: pd.DataFrame,
    admissions: pd.DataFrame,
    discharges: pd.DataFrame,
    moves: pd.DataFrame,
    bed_log: pd.DataFrame,
) -> pd.DataFrame:
    wards = list(beds)

    def count(values: pd.Series) -> np.ndarray:
        return values.value_counts().reindex(wards, fill_value=0).to_numpy(dtype=np.int64)

    start = count(census["ward"])
    placed = admissions[admissions["status"] != "refused"]
    waited = admissions[admissions["wait_hours"] > 0]
    overflow = admissions[admissions["status"] == "overflow"]
    peak = bed_log.groupby("ward")["occupancy"].max().reindex(wards, fill_value=0).to_numpy()
    mean_wait = waited.groupby("requested_ward")["wait_hours"].mean().reindex(wards, fill_value=0.0)
    return pd.DataFrame(
        {
            "sim_date": day,
            "ward": wards,
            "beds": [beds[w] for w in wards],
            "occupancy_start": start,
            "occupancy_end": count(census_end["ward"]),
            "peak_occupancy": np.maximum(start, peak),
            "admissions": count(placed["ward"]),
            "discharges": count(discharges["ward"]),
            "refusals": count(admissions.loc[admissions["status"] == "refused", "requested_ward"]),
            "waits": count(waited["requested_ward"]),
            "mean_wait_hours": mean_wait.to_numpy(dtype=float),
            "overflow_in": count(overflow["ward"]),
            "overflow_out": count(overflow["requested_ward"]),
            "moves_in": count(moves["to_ward"]),
            "moves_out": count(moves["from_ward"]),
        }
    )[WARD_DAY_COLUMNS]


# --- the first day's state and the admitting staff --------------------------------------


def warmup_census(
    config: HospitalConfig,
    day: dt.date,
    *,
    beds_override: dict[str, int] | None = None,
    person_ids: Sequence[int] | np.ndarray | None = None,
) -> pd.DataFrame:
    """Patients in beds when the first day starts, at `simulation.warmup_occupancy`.

    A census sees long stays more often than short ones, so each stay is drawn from the
    length-biased LOS distribution and the patient is a uniform fraction of the way through
    it (the equilibrium residual). Patients are drawn from `person_ids` when given, else they
    get negative placeholder ids.
    """
    rng = stream(config.seed, day, "warmup")
    beds = ward_beds(config, beds_override)
    parts = []
    for w in config.wards:
        n = round(beds[w.name] * config.simulation.warmup_occupancy)
        total = draw_los(w.los, rng, n, length_biased=True) * 24
        done = rng.random(n)
        parts.append(
            pd.DataFrame({"ward": w.name, "elapsed": total * done, "left": total * (1 - done)})
        )
    c = pd.concat(parts, ignore_index=True)
    people = (
        -np.arange(1, len(c) + 1)
        if person_ids is None
        else rng.choice(person_ids, len(c), replace=False)
    )
    return pd.DataFrame(
        {
            "admission_id": [f"W{day:%Y%m%d}-{i:05d}" for i in range(1, len(c) + 1)],
            "person_id": np.asarray(people, dtype=np.int64),
            "ward": c["ward"].to_numpy(dtype=object),
            "admitted_at": _clock(day, -c["elapsed"]),
            "expected_discharge_at": _clock(day, c["left"]),
        }
    )


def pick_on_duty(
    schedule: pd.DataFrame,
    roles: Sequence[str],
    departments: Sequence[str],
    times: Sequence[pd.Timestamp] | np.ndarray,
    rng: np.random.Generator,
) -> list:
    """A staff id per (department, time): on duty there, else on duty anywhere, else rostered
    in the department that day, else rostered anywhere; None only when nobody is rostered."""
    staff = schedule[schedule["role"].isin(roles)]
    if "hours" in staff.columns:
        staff = staff[staff["hours"] > 0]
    start, end = _shift_window(staff)
    dept, ids = staff["department"].to_numpy(dtype=object), staff["staff_id"].to_numpy(dtype=object)
    picked = []
    for d, t in zip(departments, np.asarray(times, dtype="datetime64[us]"), strict=True):
        on, here = (start <= t) & (t < end), dept == d
        for mask in (on & here, on, here, np.ones(len(ids), dtype=bool)):
            idx = np.flatnonzero(mask)
            if len(idx):
                picked.append(ids[idx[rng.integers(len(idx))]])
                break
        else:
            picked.append(None)
    return picked


def _shift_window(schedule: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Shift start and end instants (a shift ending at or before its start ends the next day)."""
    bounds = []
    for col in ("shift_start", "shift_end"):
        values = schedule[col]
        if not pd.api.types.is_datetime64_any_dtype(values):  # a time of day: put it on work_date
            day = pd.to_datetime(schedule["work_date"]).dt.strftime("%Y-%m-%d")
            values = pd.to_datetime(day + " " + values.astype(str))
        bounds.append(np.asarray(values, dtype="datetime64[us]"))
    start, end = bounds
    end = np.where(end <= start, end + np.timedelta64(1, "D"), end)
    return start, end


def assign_admitting_staff(
    admissions: pd.DataFrame,
    schedule_for_day: pd.DataFrame,
    rng: np.random.Generator,
    config: HospitalConfig | None = None,
) -> pd.DataFrame:
    """Admissions with `admitting_doctor_id` and `admitting_nurse_id` added.

    Staff are picked on duty at admission (arrival for refused patients) in the department
    of the ward (the wanted ward when refused; `config` maps wards to departments, else the
    ward's name is its department), falling back as `pick_on_duty` does.
    """
    ward = admissions["ward"].fillna(admissions["requested_ward"])
    dept = ward.map(lambda w: config.ward(w).department) if config is not None else ward
    times = admissions["admitted_at"].fillna(admissions["arrival_time"])
    out = admissions.copy()
    like = schedule_for_day["staff_id"].dtype
    for col, roles in (("admitting_doctor_id", DOCTOR_ROLES), ("admitting_nurse_id", NURSE_ROLES)):
        ids = pick_on_duty(schedule_for_day, roles, dept.tolist(), times.to_numpy(), rng)
        out[col] = pd.array(ids, dtype="Int64") if pd.api.types.is_integer_dtype(like) else ids
    return out
