"""Daily patient visits: who comes to the hospital on simulated day D, when, and how urgently.

Figures come from the config (DESIGN.md §3, seed 000): `visits.monthly_volume` visits a month
(`reduced_monthly_volume` inside `simulation.reduced_period_start..end`), spread evenly over the
days of the month; arrivals between `day_start_hour` and `day_end_hour` come at
`day_rate_multiplier` × the night rate; a person whose illness category peaks in the month
(`seasonal_peaks`, southern-hemisphere seasons) is `peak_multiplier` times as likely to visit.
Triage levels come from `visits.triage_levels` (most urgent first) with durations exponential
around each level's `mean_minutes`; severe cases among the old and the very young
(`emergency_min_severity`, age ≥ 60 or < 10) arrive by ambulance. Urgent visits go to the
Emergency Room, specialist and planned care (chronic, oncology, palliative: the source of the
flow model's elective admissions) to the Specialist Clinic, the rest to General Consultation.

Seasonality changes the case mix, not the monthly total; a scenario's arrival scale for the
month is passed as `scale`. `expected_visits` gives the same mix without sampling noise
(every person, weighted by the visits they are expected to make), for expected bed demand.
Randomness: stream `arrivals` (count and times), `visitors` (who) and `triage` (level noise
and duration), each from rng.stream(seed, D, name).
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from hospital_twin.config import HospitalConfig
from hospital_twin.rng import stream
from hospital_twin.setup.population import age_on

SERVICES = ("Emergency Room", "General Consultation", "Specialist Clinic")
# Categories that send a patient to the emergency room whatever the severity.
EMERGENCY_CATEGORIES = frozenset({"accidents", "burns", "assault", "poisoning", "alcohol"})
# Categories and departments seen in the specialist clinic when not urgent.
SPECIALIST_CATEGORIES = frozenset(
    {"chronic", "oncology", "cardiac", "neuro", "mental", "palliative"}
)
SPECIALIST_DEPARTMENTS = frozenset(
    {"Oncology", "Cardiology", "Neurology", "Psychiatry", "Palliative"}
)
# Planned care: stays in the specialist clinic up to severity 4 (its electives come from here).
PLANNED_CATEGORIES = frozenset({"chronic", "oncology", "palliative"})
ER_MIN_SEVERITY = 3  # severity from which other visits go to the emergency room
ER_ALWAYS_SEVERITY = 5  # severity that always goes to the emergency room
TRIAGE_NOISE = 0.2  # chance the triage level is one step off the severity's level
AMBULANCE_OLD_AGE, AMBULANCE_YOUNG_AGE = 60, 10

VISIT_COLUMNS = [
    "visit_id", "sim_date", "person_id", "age", "sex", "arrival_time", "service", "condition",
    "category", "severity", "department", "triage_level", "triage_minutes", "arrival_mode",
    "is_emergency",
]  # fmt: skip
# What a visit needs of a person and of their illness profile (readers load only these).
PEOPLE_COLUMNS = ["person_id", "sex", "age", "birth_date"]
ILLNESS_COLUMNS = ["person_id", "condition", "category", "severity", "department"]


def daily_volume(config: HospitalConfig, day: dt.date) -> float:
    """Expected visits on `day`: the month's volume over its days (reduced period aware)."""
    sim, vis = config.simulation, config.visits
    reduced = (
        sim.reduced_period_start is not None
        and sim.reduced_period_end is not None
        and sim.reduced_period_start <= day <= sim.reduced_period_end
    )
    monthly = vis.reduced_monthly_volume if reduced else vis.monthly_volume
    return monthly / calendar.monthrange(day.year, day.month)[1]


def hourly_profile(config: HospitalConfig) -> np.ndarray:
    """Probability of arriving in each hour 0..23 (daytime hours at the day-rate multiplier)."""
    vis = config.visits
    weights = np.ones(24)
    weights[vis.day_start_hour : vis.day_end_hour] = vis.day_rate_multiplier
    return weights / weights.sum()


def visitor_frame(population: pd.DataFrame, illness: pd.DataFrame) -> pd.DataFrame:
    """Everyone as a possible visitor: PEOPLE_COLUMNS + ILLNESS_COLUMNS, one row per person,
    sorted by category then person_id, text as categoricals.

    The layout `VisitSampler` draws from: a category's people are one contiguous block, so a
    visitor is a block offset. Setup writes it once (`visitors.arrow` in the lake); a day then
    memory-maps it and reads only the rows it draws, instead of joining and sorting millions.
    """
    cols = [c for c in PEOPLE_COLUMNS if c in population.columns]
    frame = population[cols].merge(illness[ILLNESS_COLUMNS], on="person_id", how="inner")
    for col in frame.columns.intersection(["sex", "condition", "category", "department"]):
        frame[col] = pd.Categorical(frame[col], categories=sorted(frame[col].unique()))
    frame = frame.sort_values(["category", "person_id"], kind="stable")
    return frame.reset_index(drop=True)


@dataclass(frozen=True)
class VisitSampler:
    """People with their illness in category blocks, so a day's visitors are drawn in O(visits).

    Build once per population (`from_frames`, or `from_table` on setup's memory-mapped
    visitor file) and reuse it for every simulated day.
    """

    visitors: pa.Table  # visitor_frame's rows: category blocks, person_id order within each
    categories: np.ndarray  # category names, sorted
    starts: np.ndarray  # offsets of each category's block (len = categories + 1)

    @classmethod
    def from_frames(cls, population: pd.DataFrame, illness: pd.DataFrame) -> VisitSampler:
        frame = visitor_frame(population, illness)
        return cls.from_table(pa.Table.from_pandas(frame, preserve_index=False))

    @classmethod
    def from_table(cls, visitors: pa.Table) -> VisitSampler:
        """From a table laid out as `visitor_frame` makes it (category a dictionary column)."""
        category = visitors.column("category").combine_chunks()
        names = np.asarray(category.dictionary.to_pylist(), dtype=object)
        codes = category.indices.to_numpy(zero_copy_only=False)
        if len(codes) and np.any(np.diff(codes) < 0):
            raise ValueError("visitor table is not in category blocks: build it with visitor_frame")
        counts = np.bincount(codes, minlength=len(names))
        return cls(visitors, names, np.concatenate([[0], np.cumsum(counts)]))

    def __len__(self) -> int:
        return self.visitors.num_rows

    def rows(self, positions: np.ndarray) -> pd.DataFrame:
        """The visitors at `positions`, in that order."""
        return self.visitors.take(pa.array(positions, type=pa.int64())).to_pandas()

    def month_weights(self, config: HospitalConfig, month: int) -> np.ndarray:
        """Relative visit rate per category in `month` (peak categories × peak_multiplier)."""
        peaks = config.visits.seasonal_peaks
        mult = config.visits.peak_multiplier
        return np.array([mult if month in peaks.get(c, ()) else 1.0 for c in self.categories])

    def draw(self, rng: np.random.Generator, n: int, weights: np.ndarray) -> np.ndarray:
        """Positions of `n` distinct people, chosen with probability ∝ their category weight."""
        counts = np.diff(self.starts)
        probs = counts * weights
        probs = probs / probs.sum()
        n = min(n, len(self))
        rows = np.empty(0, dtype=np.int64)
        while len(rows) < n:  # top up draws that repeated a person already chosen today
            need = n - len(rows)
            cat = rng.choice(len(counts), size=need + need // 10 + 1, p=probs)
            within = (rng.random(len(cat)) * counts[cat]).astype(np.int64)
            rows = np.concatenate([rows, self.starts[cat] + within])
            _, first = np.unique(rows, return_index=True)
            rows = rows[np.sort(first)]
        return rows[:n]


def generate_visits(
    config: HospitalConfig,
    day: dt.date,
    population: pd.DataFrame | None = None,
    illness: pd.DataFrame | None = None,
    *,
    sampler: VisitSampler | None = None,
    scale: float = 1.0,
) -> pd.DataFrame:
    """The visits of `day`, sorted by arrival time (columns VISIT_COLUMNS).

    Pass `sampler` (built once with VisitSampler.from_frames) to avoid re-indexing a large
    population every day; `scale` multiplies the expected volume (scenario arrival scale).
    """
    if sampler is None:
        if population is None or illness is None:
            raise ValueError("generate_visits needs population and illness frames, or a sampler")
        sampler = VisitSampler.from_frames(population, illness)
    arrivals = stream(config.seed, day, "arrivals")
    n = int(arrivals.poisson(daily_volume(config, day) * scale))
    rows = sampler.draw(
        stream(config.seed, day, "visitors"), n, sampler.month_weights(config, day.month)
    )
    visits = sampler.rows(rows)
    visits["arrival_time"] = _arrival_times(config, day, arrivals, len(visits))
    visits = visits.sort_values(["arrival_time", "person_id"], kind="stable", ignore_index=True)
    return _describe_visits(config, day, visits)


def expected_visits(
    config: HospitalConfig, day: dt.date, sampler: VisitSampler, *, scale: float = 1.0
) -> pd.DataFrame:
    """Every person as a visitor on `day`, weighted by the visits they are expected to make.

    The visit mix `generate_visits` samples from, without its sampling noise: columns
    VISIT_COLUMNS plus `expected_visits` (a person's mean number of visits on `day`: the
    day's volume × their category's month weight / the population's total weight). Triage
    is drawn as for real visits; arrivals are put at the start of the day. Summing a per-visit
    quantity × `expected_visits` gives its expectation for the day (expected bed demand for
    calibration and capacity planning).
    """
    weights = sampler.month_weights(config, day.month)
    counts = np.diff(sampler.starts)
    per_person = daily_volume(config, day) * scale * weights / (counts * weights).sum()
    people = sampler.visitors.to_pandas()
    people["arrival_time"] = pd.Series(np.datetime64(day, "us"), index=people.index)
    out = _describe_visits(config, day, people)
    out["expected_visits"] = np.repeat(per_person, counts)
    return out


def _arrival_times(
    config: HospitalConfig, day: dt.date, rng: np.random.Generator, n: int
) -> pd.Series:
    """Arrival instants (to the second) following the hourly profile."""
    hours = rng.choice(24, size=n, p=hourly_profile(config))
    seconds = hours * 3600 + (rng.random(n) * 3600).astype(np.int64)
    start = np.datetime64(day, "us")
    return pd.Series(start + seconds.astype("timedelta64[s]"), dtype="datetime64[us]")


def _describe_visits(config: HospitalConfig, day: dt.date, visits: pd.DataFrame) -> pd.DataFrame:
    """Add age on the day, service, triage and arrival mode; name the visits in arrival order."""
    vis = config.visits
    age = _age_on(visits, day)
    severity = visits["severity"].to_numpy(dtype=np.int64)
    category = visits["category"].to_numpy(dtype=object)
    is_emergency = (severity >= vis.emergency_min_severity) & (
        (age >= AMBULANCE_OLD_AGE) | (age < AMBULANCE_YOUNG_AGE)
    )
    level, minutes = _triage(config, day, severity)
    out = pd.DataFrame(
        {
            "visit_id": [f"V{day:%Y%m%d}-{i:05d}" for i in range(1, len(visits) + 1)],
            "sim_date": [day] * len(visits),
            "person_id": visits["person_id"].to_numpy(dtype=np.int64),
            "age": age,
            "sex": visits["sex"].to_numpy(dtype=object),
            "arrival_time": visits["arrival_time"],
            "service": _service(severity, category, visits["department"], is_emergency),
            "condition": visits["condition"].to_numpy(dtype=object),
            "category": category,
            "severity": severity,
            "department": visits["department"].to_numpy(dtype=object),
            "triage_level": np.array([t.name for t in vis.triage_levels], dtype=object)[level],
            "triage_minutes": minutes,
            "arrival_mode": np.where(is_emergency, "Ambulance", "Walk-in").astype(object),
            "is_emergency": is_emergency,
        }
    )
    return out[VISIT_COLUMNS]


def _age_on(visits: pd.DataFrame, day: dt.date) -> np.ndarray:
    """Age in whole years on `day` (from birth_date when given, else the age column)."""
    if "birth_date" not in visits.columns:
        return visits["age"].to_numpy(dtype=np.int64)
    return age_on(visits["birth_date"], day).astype(np.int64)


def _service(
    severity: np.ndarray, category: np.ndarray, department: pd.Series, is_emergency: np.ndarray
) -> np.ndarray:
    """Emergency Room for urgent cases, Specialist Clinic for specialist care, else consultation.

    Urgent: ambulance cases, emergency categories and departments, severity ≥ ER_MIN_SEVERITY
    (planned-care categories only from ER_ALWAYS_SEVERITY).
    """
    dept = department.to_numpy(dtype=object)
    planned = pd.Series(category).isin(PLANNED_CATEGORIES).to_numpy()
    urgent = (
        (severity >= np.where(planned, ER_ALWAYS_SEVERITY, ER_MIN_SEVERITY))
        | pd.Series(category).isin(EMERGENCY_CATEGORIES).to_numpy()
        | (dept == "Emergency Room")
        | is_emergency
    )
    specialist = (
        pd.Series(category).isin(SPECIALIST_CATEGORIES).to_numpy()
        | pd.Series(dept).isin(SPECIALIST_DEPARTMENTS).to_numpy()
        | (dept == "Specialist Clinic")
    )
    service = np.where(specialist, "Specialist Clinic", "General Consultation")
    return np.where(urgent, "Emergency Room", service).astype(object)


def _triage(
    config: HospitalConfig, day: dt.date, severity: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Triage level index (0 = most urgent) from severity ± noise, and triage minutes."""
    rng = stream(config.seed, day, "triage")
    levels = config.visits.triage_levels
    top = len(levels) - 1
    base = np.rint((5 - np.clip(severity, 1, 5)) * top / 4).astype(np.int64)
    step = rng.choice(
        [-1, 0, 1], size=len(severity), p=[TRIAGE_NOISE / 2, 1 - TRIAGE_NOISE, TRIAGE_NOISE / 2]
    )
    level = np.clip(base + step, 0, top)
    means = np.array([t.mean_minutes for t in levels])[level]
    return level, np.round(rng.exponential(means), 1)
