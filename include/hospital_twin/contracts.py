"""Facts shared between stages, each defined once.

Columns of the files stages hand each other, the admission statuses, the staff roles that
admit and transport patients, the Kafka topics, the Airflow connection ids and assets, the
forecast's interval levels and the capacity study's parameters. Everything else (the DAG's
trigger form, the tasks' validation, ingest checks, SQL parameters, tests) is derived from
here, so the places that use a fact cannot disagree about it.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

# --- Airflow: connections (AIRFLOW_CONN_<ID> variables) and data assets -------------------
DW_CONN_ID = "hospital_dw"
KAFKA_CONN_ID = "hospital_kafka"
SETUP_ASSET_URI = "hospital://warehouse/setup"
DAILY_ASSET_URI = "hospital://warehouse/daily"
DAILY_DAG_ID = "hospital_daily"
# DAGs whose runs must go forwards in logical date: each day starts from the day before's state.
FORWARD_ONLY_DAGS = (DAILY_DAG_ID,)

# --- Kafka topics, by event type -----------------------------------------------------------
TOPICS = {
    "emergency_transport": "hospital.emergency_transports",
    "patient_transfer": "hospital.patient_transfers",
    "dead_letter": "hospital.dead_letter",
}
EVENT_TOPICS = {k: v for k, v in TOPICS.items() if k != "dead_letter"}
# Each event type lands in the stream table of the same name.
LANDING_TABLES = {topic: f"stream.{kind}" for kind, topic in EVENT_TOPICS.items()}

# --- staff roles ----------------------------------------------------------------------------
DOCTOR_ROLES = ("Doctor", "Surgeon", "Specialist")  # admit; may stand as a department's senior
NURSE_ROLES = ("Registered Nurse", "Enrolled Nurse", "Nurse Manager")
EMT_ROLES = ("EMT",)

# --- admissions: the outcome of a bed request, and the day's batch file -------------------
STATUSES = ("admitted", "overflow", "refused")  # a bed in the wanted ward / another / none
ROUTES = ("direct", "ED", "elective")  # the admission's `source`
FLOW_ADMISSION_COLUMNS = [
    "admission_id", "visit_id", "person_id", "sim_date", "arrival_time", "triage_level",
    "department", "source", "requested_ward", "ward", "admitted_at", "expected_discharge_at",
    "discharged_at", "status", "wait_hours", "los_days",
]  # fmt: skip
ADMITTING_STAFF_COLUMNS = ["admitting_doctor_id", "admitting_nurse_id"]
# admissions_D.csv and dw.fact_admission: the flow's columns and who admitted the patient.
ADMISSION_COLUMNS = FLOW_ADMISSION_COLUMNS + ADMITTING_STAFF_COLUMNS
ADMISSION_TIMESTAMPS = ["arrival_time", "admitted_at", "expected_discharge_at", "discharged_at"]
CENSUS_COLUMNS = ["admission_id", "person_id", "ward", "admitted_at", "expected_discharge_at"]

# --- forecasts: interval bounds and their quantile levels ----------------------------------
INTERVALS = {"lo80": 0.10, "hi80": 0.90, "lo95": 0.025, "hi95": 0.975}
# The forecast stream of the emergency department's arrivals (ml.forecast.stream; the other
# streams are "admissions:<ward>"). sql/queries/arrivals_per_stream.sql names it in SQL.
ED_STREAM = "ED"

# --- the capacity study's parameters: one model for the form, the API and the task --------
SCENARIO_DIR = Path(str(resources.files("hospital_twin") / "configs" / "scenarios"))
SCENARIO_NAMES = tuple(sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml")))
ScenarioName = Literal[SCENARIO_NAMES]  # type: ignore[valid-type]

HorizonDays = Annotated[
    int,
    Field(ge=7, le=730, title="Horizon (days)", description="How far ahead of the latest day."),
]
Runs = Annotated[
    int,
    Field(
        ge=100,
        le=200_000,
        title="Monte Carlo runs",
        description="Simulated futures per scenario and ward.",
    ),
]
BedLevels = Annotated[
    int,
    Field(
        ge=2,
        le=200,
        title="Bed levels to test",
        description="Number of bed counts on each ward's risk curve.",
    ),
]
RiskTarget = Annotated[
    float,
    Field(
        ge=0.001,
        le=0.5,
        title="Short-term risk target",
        description="Acceptable P(census over the beds at least one midnight in the horizon), "
        "from today's census: the risk curve's target line.",
    ),
]
# The recommendation's target: 1 % of admissions finding every bed taken. At 5 % (the risk
# target's figure) a 200-patient ward runs 99 % full and a third of its admissions wait over
# 4 h for a bed; at 1 % 3.4 % wait over 4 h (the NHS's 4-hour standard: 95 % within it) and
# 0.1 % over 12 h, at 90 % occupancy; a 10-bed ward with 6.4 patients: 13 beds, 0.9 % over 4 h.
REFUSAL_TARGET = 0.01
RefusalTarget = Annotated[
    float,
    Field(
        ge=0.001,
        le=0.2,
        title="Recommendation target: admissions finding the ward full",
        description="Acceptable share of admissions finding every bed taken (refused or "
        "boarding in the ED), in the steady state of the ward's demand: the recommended "
        "beds are the fewest meeting it.",
    ),
]
WardsPerTask = Annotated[
    int,
    Field(
        ge=1,
        le=50,
        title="Wards per mapped task",
        description="Chunk size of the fan-out (smaller: more parallel tasks).",
    ),
]


class StudyParams(BaseModel):
    """What a capacity study is asked to compute: the trigger form's fields."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    scenarios: list[ScenarioName] = Field(  # type: ignore[valid-type]
        ["baseline", "winter_peak", "bed_closure"],
        min_length=1,
        title="Scenarios",
        description="Scenario files to compare (configs/scenarios/<name>.yaml).",
    )
    horizon_days: HorizonDays = 180
    runs: Runs = 2000
    bed_levels: BedLevels = 20
    risk_target: RiskTarget = 0.05
    refusal_target: RefusalTarget = REFUSAL_TARGET
    wards_per_task: WardsPerTask = 6  # 2 chunks a scenario: each mapped task costs ~0.5 CPU-s

    @field_validator("scenarios", mode="before")
    @classmethod
    def _names(cls, value: Any) -> Any:
        """A comma-separated string is a list; repeated names count once."""
        if isinstance(value, str):
            value = [n.strip() for n in value.split(",") if n.strip()]
        return list(dict.fromkeys(value)) if isinstance(value, list | tuple) else value


def study_form() -> dict[str, tuple[Any, dict[str, Any]]]:
    """Per study parameter: its default and its JSON schema (type, bounds, enum, title, and a
    description that states the bounds), ready for an Airflow `Param(default, **schema)`."""
    schema = StudyParams.model_json_schema()
    form = {}
    for name, spec in schema["properties"].items():
        spec = {k: v for k, v in spec.items() if k != "default"}
        if "enum" in spec.get("items", {}):  # the trigger form shows a multi-select
            spec["examples"] = spec["items"]["enum"]
        limits = _limits(spec)
        if limits:
            spec["description"] = f"{spec.get('description', '')} Allowed: {limits}.".strip()
        form[name] = (StudyParams.model_fields[name].default, spec)
    return form


def _limits(spec: dict[str, Any]) -> str:
    if "enum" in spec.get("items", {}):
        return "any of " + ", ".join(spec["items"]["enum"])
    low, high = spec.get("minimum"), spec.get("maximum")
    if low is not None and high is not None:
        return f"{low} to {high}"
    return ""


class StudyParamsError(ValueError):
    """The parameters cannot describe a capacity study; the message names each bad field."""


def parse_study_params(raw: dict[str, Any]) -> StudyParams:
    """`raw` as StudyParams, or StudyParamsError naming each bad field with its limit."""
    try:
        return StudyParams.model_validate(raw)
    except ValidationError as e:
        raise StudyParamsError("; ".join(_problem(err) for err in e.errors())) from None


def _problem(err: Any) -> str:
    field = str(err["loc"][0]) if err["loc"] else "params"
    given = err.get("input")
    if err["type"] == "extra_forbidden":
        return f"{field}: unknown parameter; known: {sorted(StudyParams.model_fields)}"
    if err["type"] == "literal_error":
        return f"{field}: unknown {given!r}; available: {list(SCENARIO_NAMES)}"
    if err["type"] in ("int_parsing", "float_parsing", "int_type", "float_type"):
        return f"{field}: expected a number, got {given!r}"
    limits = _limits(_field_schema(field))
    if err["type"].startswith(("greater_than", "less_than")) and limits:
        return f"{field}: {given} is outside {limits}"
    return f"{field}: {err['msg']}"


def _field_schema(field: str) -> dict[str, Any]:
    return StudyParams.model_json_schema()["properties"].get(field, {})
