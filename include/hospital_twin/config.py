"""The hospital, described once: typed models for the YAML profiles and scenario overrides.

Every figure the simulation uses has a name and a home here (see DESIGN.md §3 for where the
default figures come from: seed 000's Johannesburg hospital and seed 002's ward engine).
A profile (`configs/<name>.yaml`) describes a whole hospital; a scenario
(`configs/scenarios/<name>.yaml`) overrides parts of it for a capacity study. A wrong key,
type or value fails with `ConfigError` naming the file, the key path and what was expected.
"""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from hospital_twin.contracts import REFUSAL_TARGET, RefusalTarget

CONFIG_DIR = Path(str(resources.files("hospital_twin") / "configs"))
SCENARIO_DIR = CONFIG_DIR / "scenarios"


class ConfigError(ValueError):
    """A profile or scenario file that does not describe a valid hospital."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Probability = Annotated[float, Field(ge=0, le=1)]


class Simulation(_Model):
    start_date: dt.date
    end_date: dt.date
    reduced_period_start: dt.date | None = None
    reduced_period_end: dt.date | None = None
    warmup_occupancy: float = Field(0.75, ge=0, le=1)

    @model_validator(mode="after")
    def _ordered(self) -> Simulation:
        if self.end_date < self.start_date:
            raise ValueError("end_date must not be before start_date")
        return self


class Population(_Model):
    size: int = Field(gt=0)
    min_age: int = Field(1, ge=0)
    max_age: int = Field(85, le=120)
    province: str = "Gauteng"
    group_shares: dict[str, float]

    @model_validator(mode="after")
    def _shares(self) -> Population:
        if abs(sum(self.group_shares.values()) - 1) > 1e-6:
            raise ValueError("group_shares must sum to 1")
        return self


class LengthOfStay(_Model):
    """Length of stay in days: lognormal/gamma by mean and sd, or an empirical list."""

    dist: Literal["lognormal", "gamma", "empirical"] = "lognormal"
    mean_days: float = Field(4.0, gt=0)
    sd_days: float = Field(3.0, gt=0)
    values_days: list[float] | None = None

    @model_validator(mode="after")
    def _empirical(self) -> LengthOfStay:
        if self.dist == "empirical" and not self.values_days:
            raise ValueError("empirical length of stay needs values_days")
        return self


# Names reach the analyst's marts and CSV exports: a leading =, +, - or @ would run as a
# spreadsheet formula there, so such names are refused at the door.
FORMULA_PREFIXES = ("=", "+", "-", "@")


def _plain_name(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    if value.startswith(FORMULA_PREFIXES):
        raise ValueError(f"must not start with one of {FORMULA_PREFIXES} (a spreadsheet formula)")
    return value


class Ward(_Model):
    name: str
    department: str
    beds: int = Field(ge=0)
    los: LengthOfStay
    step_down_to: str | None = None
    step_down_prob: float = Field(0.0, ge=0, le=1)

    _names = field_validator("name", "department")(_plain_name)


class Flow(_Model):
    """Who needs a bed, in which ward, and what happens when the ward is full (flow.py).

    Routes to a bed: `direct` admission by the ward itself from any service
    (`direct_admission_prob`: ward -> probability), the emergency department (`ed_*`:
    probability by triage level; routing of patients whose condition names no ward, by
    category and else at random; `min_triage_by_ward`: the least urgent triage level a ward
    takes from the ED), and planned (`elective_*`) admission from the specialist clinic.
    `admission_odds_ratio` (ward -> odds ratio, 1 when not listed) multiplies the odds of the
    ED and elective probabilities for patients wanting that ward.
    """

    ed_admission_prob_by_triage: dict[str, Probability]
    ed_routing: dict[str, float]
    ed_routing_by_category: dict[str, str] = Field(default_factory=dict)
    min_triage_by_ward: dict[str, str] = Field(default_factory=dict)
    admission_odds_ratio: dict[str, Annotated[float, Field(ge=0)]] = Field(default_factory=dict)
    direct_admission_prob: dict[str, Probability] = Field(default_factory=dict)
    elective_admission_prob: Probability = 0.2
    elective_min_severity: int = Field(4, ge=1, le=5)
    overflow_policy: Literal["wait", "overflow", "refuse"] = "wait"
    max_wait_hours: float = Field(12.0, gt=0)
    overflow_order: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _routing(self) -> Flow:
        if abs(sum(self.ed_routing.values()) - 1) > 1e-6:
            raise ValueError("ed_routing probabilities must sum to 1")
        return self

    def ward_names(self) -> set[str]:
        """Every ward the flow settings name."""
        return (
            set(self.ed_routing)
            | set(self.ed_routing_by_category.values())
            | set(self.min_triage_by_ward)
            | set(self.admission_odds_ratio)
            | set(self.direct_admission_prob)
            | set(self.overflow_order)
        )


class TriageLevel(_Model):
    name: str
    mean_minutes: float = Field(gt=0)


class Visits(_Model):
    monthly_volume: int = Field(gt=0)
    reduced_monthly_volume: int = Field(gt=0)
    day_start_hour: int = Field(7, ge=0, le=23)
    day_end_hour: int = Field(17, ge=1, le=24)
    day_rate_multiplier: float = Field(3.0, gt=0)
    peak_multiplier: float = Field(1.5, ge=1)
    seasonal_peaks: dict[str, list[int]]
    outpatient_capacity: dict[str, int]
    triage_levels: list[TriageLevel]
    emergency_min_severity: int = Field(4, ge=1, le=5)


class RoleSpec(_Model):
    name: str
    min_age: int = Field(ge=16)
    share: float = Field(gt=0, le=1)


class PostGroup(_Model):
    name: str
    filled_posts: int = Field(ge=0)
    roles: list[RoleSpec]


class Workforce(_Model):
    post_groups: list[PostGroup]
    reserve_pool: int = Field(ge=0)
    retirement_age: int = Field(64, ge=40)
    long_service_years: int = Field(25, ge=1)
    long_service_quarterly_rate: float = Field(0.01, ge=0, le=1)
    junior_max_years: int = Field(5, ge=0)
    mid_max_years: int = Field(15, ge=1)


class Shifts(_Model):
    cycle_days: int = Field(21, gt=0)
    medical_roles: list[str]


class Events(_Model):
    transfer_prob: float = Field(0.03, ge=0, le=1)
    # Ambulance dispatch to arrival at the ED, minutes (gamma by mean and sd).
    transport_minutes_mean: float = Field(30.0, gt=0)
    transport_minutes_sd: float = Field(12.0, gt=0)
    transfer_reasons: list[str]
    destinations: dict[str, list[str]]
    transport_modes: list[str]


class Forecast(_Model):
    horizon_days: int = Field(28, gt=0, le=365)
    min_history_days: int = Field(56, gt=0)


class Capacity(_Model):
    runs: int = Field(2000, gt=0, le=200_000)
    horizon_days: int = Field(90, gt=0, le=730)
    risk_target: float = Field(0.05, gt=0, lt=1)
    refusal_target: RefusalTarget = REFUSAL_TARGET  # the recommendation's (contracts.py)
    bed_levels: int = Field(20, gt=0, le=200)


class HospitalConfig(_Model):
    name: str
    seed: int = Field(ge=0)
    simulation: Simulation
    population: Population
    visits: Visits
    wards: list[Ward]
    flow: Flow
    workforce: Workforce
    shifts: Shifts
    events: Events
    forecast: Forecast = Forecast()
    capacity: Capacity = Capacity()

    @model_validator(mode="after")
    def _references(self) -> HospitalConfig:
        names = {w.name for w in self.wards}
        unknown = [w for w in self.flow.ward_names() if w not in names]
        unknown += [
            w.step_down_to for w in self.wards if w.step_down_to and w.step_down_to not in names
        ]
        if unknown:
            raise ValueError(f"unknown ward(s) {sorted(set(unknown))}; wards are {sorted(names)}")
        if self.wards and not any(w.beds for w in self.wards):
            raise ValueError("wards: every ward has 0 beds; the hospital needs at least one bed")
        levels = [t.name for t in self.visits.triage_levels]
        bad = [t for t in self.flow.min_triage_by_ward.values() if t not in levels]
        if bad:
            raise ValueError(f"unknown triage level(s) {sorted(set(bad))}; levels are {levels}")
        return self

    def ward(self, name: str) -> Ward:
        for w in self.wards:
            if w.name == name:
                return w
        raise KeyError(name)

    @property
    def total_beds(self) -> int:
        return sum(w.beds for w in self.wards)


class Scenario(_Model):
    """A capacity study: arrival scale by month, bed changes, surge beds, LOS factor."""

    name: str
    description: str = ""
    arrival_scale_by_month: dict[int, float] = Field(default_factory=dict)
    bed_closures: dict[str, int] = Field(default_factory=dict)
    surge_beds: list[SurgeBeds] = Field(default_factory=list)
    los_factor: float = Field(1.0, gt=0)

    @model_validator(mode="after")
    def _ranges(self) -> Scenario:
        bad_months = [m for m in self.arrival_scale_by_month if not 1 <= m <= 12]
        if bad_months:
            raise ValueError(f"arrival_scale_by_month: month(s) {bad_months} are not 1..12")
        bad_scales = {m: v for m, v in self.arrival_scale_by_month.items() if not v >= 0}
        if bad_scales:
            raise ValueError(f"arrival_scale_by_month: scale(s) {bad_scales} are negative")
        negative = {w: n for w, n in self.bed_closures.items() if n < 0}
        if negative:
            raise ValueError(f"bed_closures: negative closure(s) {negative}")
        return self


class SurgeBeds(_Model):
    ward: str
    beds: int = Field(gt=0)
    start: dt.date
    end: dt.date

    @model_validator(mode="after")
    def _ordered(self) -> SurgeBeds:
        if self.end < self.start:
            raise ValueError(f"surge for {self.ward}: end {self.end} is before start {self.start}")
        return self


Scenario.model_rebuild()


def _format_error(path: Path, err: ValidationError) -> str:
    lines = [f"{path}: invalid configuration"]
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"]) or "<root>"
        got = e.get("input")
        got_text = "" if isinstance(got, dict | list) else f" (got {got!r})"
        lines.append(f"  {loc}: {e['msg']}{got_text}")
    return "\n".join(lines)


def _read_yaml(path: Path) -> dict[str, Any]:
    if not path.exists():
        raise ConfigError(f"{path}: file not found")
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as e:
        raise ConfigError(f"{path}: not valid YAML: {e}") from e
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    return data


def _deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def load_config(profile: str | Path = "default", **overrides: Any) -> HospitalConfig:
    """Load a profile by name (`default`, `small`) or path; `overrides` patch top-level keys.

    A profile may name `extends: <other profile>` and give only what differs.
    """
    path = (
        Path(profile)
        if str(profile).endswith((".yaml", ".yml"))
        else CONFIG_DIR / f"{profile}.yaml"
    )
    data = _read_yaml(path)
    parent = data.pop("extends", None)
    if parent:
        base = _read_yaml(CONFIG_DIR / f"{parent}.yaml")
        base.pop("extends", None)
        data = _deep_merge(base, data)
    data = _deep_merge(data, overrides)
    try:
        return HospitalConfig.model_validate(data)
    except ValidationError as e:
        raise ConfigError(_format_error(path, e)) from None


def load_scenario(name: str | Path, config: HospitalConfig | None = None) -> Scenario:
    """Load a scenario by name or path; with `config`, ward names are checked against it."""
    path = Path(name) if str(name).endswith((".yaml", ".yml")) else SCENARIO_DIR / f"{name}.yaml"
    try:
        scenario = Scenario.model_validate(_read_yaml(path))
    except ValidationError as e:
        raise ConfigError(_format_error(path, e)) from None
    if config is not None:
        wards = {w.name for w in config.wards}
        bad = [w for w in scenario.bed_closures if w not in wards]
        bad += [s.ward for s in scenario.surge_beds if s.ward not in wards]
        if bad:
            raise ConfigError(f"{path}: unknown ward(s) {bad}; wards are {sorted(wards)}")
        over = {w: n for w, n in scenario.bed_closures.items() if n > config.ward(w).beds}
        if over:
            beds = {w: config.ward(w).beds for w in over}
            raise ConfigError(f"{path}: bed_closures {over} exceed the wards' beds {beds}")
    return scenario


def scenario_names() -> list[str]:
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml"))


def profile_names() -> list[str]:
    """The shipped hospital profiles (configs/<name>.yaml): the setup form's choices."""
    return sorted(p.stem for p in CONFIG_DIR.glob("*.yaml"))
