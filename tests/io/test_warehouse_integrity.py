"""The warehouse refuses what would break its integrity, whoever writes it.

An SA ID number is issued once, on one roll (population, staff or reserve pool): the registry
(sql/migrations/050_sa_id_registry.sql) refuses a second holder. A day fact naming an unknown
day, person, ward or staff member is refused by its foreign key (051_fact_dimension_keys.sql),
and an admissions file that slips past the ingest's own checks is still quarantined.
Each test fails if the constraint it names is dropped.
"""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest

from hospital_twin.io import ingest
from hospital_twin.io.ingest import IngestError, ingest_admissions
from hospital_twin.io.lake import Lake
from tests.io.bad_admissions import DAY, REFS, good_frame, stage
from tests.support import dimensions

pytestmark = pytest.mark.integration
PERSON, STAFF, WARD = 4101, "S04101", "Integrity ward"
PERSON_NUMBER = "9000000004101"  # tests/support/dimensions.py's number for PERSON
NUMBER = "8506155123083"  # a valid number no test row holds


@pytest.fixture
def dims(dw):
    """One day, ward, person and staff member; every test's writes are rolled back."""
    dimensions.seed(dw, days=[DAY], wards=[WARD], person_ids=[PERSON], staff_ids=[STAFF])
    yield dw
    dw.rollback()


def _staff(conn: psycopg.Connection, staff_id: str, sa_id: str, roll: str, status: str) -> None:
    conn.execute(
        "INSERT INTO dw.dim_staff (staff_id, sa_id, first_name, last_name, sex, birth_date,"
        " post_group, role, department, years_of_service, experience_level, status, id_roll)"
        " VALUES (%s, %s, 'A', 'B', 'M', '1985-06-15', 'Nursing', 'Nurse', 'ICU', 1, 'Junior',"
        " %s, %s)",
        (staff_id, sa_id, status, roll),
    )


def _person(conn: psycopg.Connection, person_id: int, sa_id: str) -> None:
    conn.execute(
        "INSERT INTO dw.dim_person (person_id, sa_id, first_name, last_name, population_group,"
        " sex, birth_date, age, street_address, suburb, city, postal_code, province) VALUES"
        " (%s, %s, 'A', 'B', 'Black African', 'M', '1985-06-15', 38, '1 Road', 'Soweto',"
        " 'Johannesburg', '1804', 'Gauteng')",
        (person_id, sa_id),
    )


def _check_now(conn: psycopg.Connection) -> None:
    """Run the registry's deferred checks now, as the commit would."""
    conn.execute("SET CONSTRAINTS ALL IMMEDIATE")


@pytest.mark.parametrize("roll", ["staff", "reserve"])
def test_a_number_issued_to_the_population_cannot_be_registered_again(dims, roll) -> None:
    with pytest.raises(psycopg.errors.UniqueViolation, match="sa_id_registry_pkey"):
        dims.execute("INSERT INTO dw.sa_id_registry VALUES (%s, %s)", (PERSON_NUMBER, roll))


@pytest.mark.parametrize(("roll", "status"), [("staff", "active"), ("reserve", "reserve")])
def test_a_staff_row_cannot_hold_a_population_number(dims, roll, status) -> None:
    _staff(dims, "R09999", PERSON_NUMBER, roll, status)
    with pytest.raises(psycopg.errors.ForeignKeyViolation, match="dim_staff_sa_id_fk"):
        _check_now(dims)


def test_a_person_cannot_hold_a_staff_number(dims) -> None:
    dims.execute("INSERT INTO dw.sa_id_registry VALUES (%s, 'staff')", (NUMBER,))
    _staff(dims, "S09999", NUMBER, "staff", "active")
    _person(dims, 9_999_999, NUMBER)
    with pytest.raises(psycopg.errors.ForeignKeyViolation, match="dim_person_sa_id_fk"):
        _check_now(dims)


def test_a_number_not_in_the_registry_is_refused(dims) -> None:
    _person(dims, 9_999_999, NUMBER)
    with pytest.raises(psycopg.errors.ForeignKeyViolation, match="dim_person_sa_id_fk"):
        _check_now(dims)


def test_two_people_cannot_share_a_number(dims) -> None:
    _person(dims, 9_999_999, PERSON_NUMBER)
    with pytest.raises(psycopg.errors.UniqueViolation, match="dim_person_sa_id_key"):
        _check_now(dims)


def test_a_hire_keeps_the_reserve_number_but_two_candidates_cannot_share_one(dims) -> None:
    dims.execute("INSERT INTO dw.sa_id_registry VALUES (%s, 'reserve')", (NUMBER,))
    _staff(dims, "R09998", NUMBER, "reserve", "reserve")
    _staff(dims, "S09998", NUMBER, "reserve", "active")  # the same candidate, hired
    _check_now(dims)
    with pytest.raises(psycopg.errors.ExclusionViolation, match="dim_staff_sa_id_once_per_status"):
        _staff(dims, "R09997", NUMBER, "reserve", "reserve")  # checks now: _check_now ran


def test_a_serving_staff_number_is_not_a_reserve_candidates(dims) -> None:
    dims.execute("INSERT INTO dw.sa_id_registry VALUES (%s, 'staff')", (NUMBER,))
    with pytest.raises(psycopg.errors.CheckViolation, match="dim_staff_reserve_roll_check"):
        _staff(dims, "R09996", NUMBER, "staff", "reserve")


# One valid row per day fact, naming the seeded day, person, ward and staff member.
T0 = dt.datetime(2024, 2, 1, 8, 0)
VALID = {
    "dw.fact_visit": {
        "visit_id": "V-int", "sim_date": DAY, "person_id": PERSON, "age": 38, "sex": "M",
        "arrival_time": T0, "service": "Emergency Room", "condition": "Flu",
        "category": "Respiratory", "severity": 2, "department": "Medicine",
        "triage_level": "Mild", "triage_minutes": 5.0, "arrival_mode": "Walk-in",
        "is_emergency": False,
    },
    "dw.fact_admission": {
        "admission_id": "A-int", "person_id": PERSON, "sim_date": DAY, "arrival_time": T0,
        "triage_level": "Mild", "department": "Medicine", "source": "ED",
        "requested_ward": WARD, "ward": WARD, "status": "admitted", "wait_hours": 0.5,
        "admitting_doctor_id": STAFF, "admitting_nurse_id": STAFF,
    },
    "dw.fact_discharge": {
        "sim_date": DAY, "admission_id": "A-int", "person_id": PERSON, "ward": WARD,
        "admitted_at": T0, "discharged_at": T0 + dt.timedelta(hours=5), "los_days": 0.2,
        "carried_over": False,
    },
    "dw.fact_ward_move": {
        "sim_date": DAY, "admission_id": "A-int", "person_id": PERSON, "from_ward": WARD,
        "to_ward": WARD, "moved_at": T0, "expected_discharge_at": T0 + dt.timedelta(days=2),
    },
    "dw.fact_ward_day": {
        "sim_date": DAY, "ward": WARD, "beds": 10, "occupancy_start": 1, "occupancy_end": 1,
        "peak_occupancy": 1, "admissions": 0, "discharges": 0, "refusals": 0, "waits": 0,
        "overflow_in": 0, "overflow_out": 0, "moves_in": 0, "moves_out": 0,
    },
    "dw.census_state": {
        "sim_date": DAY, "admission_id": "A-int", "person_id": PERSON, "ward": WARD,
        "admitted_at": T0, "expected_discharge_at": T0 + dt.timedelta(days=2),
    },
}  # fmt: skip
UNKNOWN = {"sim_date": dt.date(1901, 1, 1), "person_id": 987_654_321, "ward": "No such ward",
           "staff": "S99999"}  # fmt: skip
# (table, column, constraint): every foreign key of 051_fact_dimension_keys.sql.
KEYS = [
    ("dw.fact_visit", "sim_date", "fact_visit_sim_date_fk"),
    ("dw.fact_visit", "person_id", "fact_visit_person_fk"),
    ("dw.fact_admission", "sim_date", "fact_admission_sim_date_fk"),
    ("dw.fact_admission", "person_id", "fact_admission_person_fk"),
    ("dw.fact_admission", "requested_ward", "fact_admission_requested_ward_fk"),
    ("dw.fact_admission", "ward", "fact_admission_ward_fk"),
    ("dw.fact_admission", "admitting_doctor_id", "fact_admission_doctor_fk"),
    ("dw.fact_admission", "admitting_nurse_id", "fact_admission_nurse_fk"),
    ("dw.fact_discharge", "sim_date", "fact_discharge_sim_date_fk"),
    ("dw.fact_discharge", "person_id", "fact_discharge_person_fk"),
    ("dw.fact_discharge", "ward", "fact_discharge_ward_fk"),
    ("dw.fact_ward_move", "sim_date", "fact_ward_move_sim_date_fk"),
    ("dw.fact_ward_move", "person_id", "fact_ward_move_person_fk"),
    ("dw.fact_ward_move", "from_ward", "fact_ward_move_from_ward_fk"),
    ("dw.fact_ward_move", "to_ward", "fact_ward_move_to_ward_fk"),
    ("dw.fact_ward_day", "sim_date", "fact_ward_day_sim_date_fk"),
    ("dw.fact_ward_day", "ward", "fact_ward_day_ward_fk"),
    ("dw.census_state", "sim_date", "census_state_sim_date_fk"),
    ("dw.census_state", "person_id", "census_state_person_fk"),
    ("dw.census_state", "ward", "census_state_ward_fk"),
]


def _insert(conn: psycopg.Connection, table: str, row: dict) -> None:
    columns = ", ".join(row)
    conn.execute(
        f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(row))})",
        list(row.values()),
    )


def _unknown(column: str) -> object:
    if column.endswith("_id") and column != "person_id":
        return UNKNOWN["staff"]
    return UNKNOWN["ward"] if "ward" in column else UNKNOWN[column]


def test_the_valid_fact_rows_load(dims) -> None:
    for table, row in VALID.items():
        _insert(dims, table, row)


@pytest.mark.parametrize(("table", "column", "constraint"), KEYS, ids=[k[2] for k in KEYS])
def test_a_fact_naming_an_unknown_key_is_refused(dims, table, column, constraint) -> None:
    row = {**VALID[table], column: _unknown(column)}
    with pytest.raises(psycopg.errors.ForeignKeyViolation) as err:
        _insert(dims, table, row)
    assert err.value.diag.constraint_name == constraint


def test_removing_a_dimension_row_a_fact_names_is_refused(dims) -> None:
    _insert(dims, "dw.fact_visit", VALID["dw.fact_visit"])
    with pytest.raises(psycopg.errors.ForeignKeyViolation, match="fact_visit_person_fk"):
        dims.execute("DELETE FROM dw.dim_person WHERE person_id = %s", (PERSON,))


def test_an_unknown_person_past_the_ingests_checks_is_quarantined_by_the_key(dw, tmp_path) -> None:
    """With the ingest's person and staff checks off, the foreign key is the backstop."""
    lake = Lake(tmp_path / "lake").ensure()
    frame = good_frame()
    frame.loc[0, "person_id"] = 987_654_321
    stage(dw, lake, frame)
    lenient = ingest.References(wards=REFS.wards, triage_levels=REFS.triage_levels)
    with pytest.raises(IngestError, match="load: the warehouse refused the file") as err:
        ingest_admissions(dw, lake, DAY, lenient)
    assert "fact_admission_person_fk" in str(err.value)
    assert list(lake.root.joinpath("failed").glob(f"admissions_{DAY}.*.csv"))
