"""Ward flow: conservation, capacity, carried-over stays, determinism, overflow policies,
step-down."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hospital_twin.config import load_config
from hospital_twin.contracts import CENSUS_COLUMNS, FLOW_ADMISSION_COLUMNS, STATUSES
from hospital_twin.day import flow
from hospital_twin.day.visits import VisitSampler, generate_visits
from tests.day.helpers import (
    BUSY_MEDICINE,
    CONFIG,
    DAY,
    ONE_BED,
    VISITS,
    at,
    check_capacity,
    check_conservation,
    policy_config,
)
from tests.support import factories

POLICY_CONFIGS = {p: policy_config(p) for p in ("wait", "overflow", "refuse")}


def test_patients_are_conserved_per_ward_over_the_day():
    census = flow.warmup_census(CONFIG, DAY)
    result = flow.simulate_day(CONFIG, DAY, VISITS, census)
    assert len(result.admissions) > 0 and len(result.discharges) > 0
    check_conservation(result, census)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    medicine=st.integers(0, 6),
    surgery=st.integers(0, 6),
    policy=st.sampled_from(["wait", "overflow", "refuse"]),
)
def test_no_ward_ever_holds_more_patients_than_beds(seed, medicine, surgery, policy):
    config = POLICY_CONFIGS[policy].model_copy(update={"seed": seed})
    override = {"Medicine": medicine, "Surgery": surgery}
    beds = {w.name: w.beds for w in config.wards} | override
    census = flow.warmup_census(config, DAY, beds_override=override)
    result = flow.simulate_day(config, DAY, VISITS, census, beds_override=override)
    check_capacity(result, beds)
    check_conservation(result, census)


def test_carried_over_patient_leaves_at_the_expected_time_and_others_stay():
    census = factories.census(DAY, [("Medicine", 10.0), ("Surgery", 30.0)])
    result = flow.simulate_day(CONFIG, DAY, VISITS.head(0), census)
    gone = result.discharges.set_index("admission_id").loc["C00001"]
    assert gone["discharged_at"] == at(10.0) and gone["carried_over"]
    assert result.census_end["admission_id"].tolist() == ["C00002"]
    pd.testing.assert_frame_equal(result.census_end, census.iloc[[1]].reset_index(drop=True))


def test_the_next_day_continues_from_the_census_at_the_end_of_the_day():
    first = flow.simulate_day(CONFIG, DAY, VISITS, flow.warmup_census(CONFIG, DAY))
    nxt = DAY + dt.timedelta(days=1)
    second = flow.simulate_day(CONFIG, nxt, VISITS.head(0), first.census_end)
    due = first.census_end[
        first.census_end["expected_discharge_at"] < pd.Timestamp(nxt) + pd.Timedelta(days=1)
    ]
    assert set(due["admission_id"]) <= set(second.discharges["admission_id"]) | set(
        second.moves["admission_id"]
    )


def test_same_inputs_give_identical_results():
    census = flow.warmup_census(CONFIG, DAY)
    a = flow.simulate_day(CONFIG, DAY, VISITS, census)
    b = flow.simulate_day(CONFIG, DAY, VISITS, census)
    for name in ("admissions", "discharges", "census_end", "ward_day", "moves", "bed_log"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))


def test_the_same_patients_on_another_day_get_other_draws():
    # The same visits and census, one day later: only the day (which seeds the streams) differs.
    census = flow.warmup_census(CONFIG, DAY)
    later = pd.Timedelta(days=1)
    nxt = DAY + dt.timedelta(days=1)
    moved_visits = VISITS.assign(arrival_time=VISITS["arrival_time"] + later)
    moved_census = census.assign(
        admitted_at=census["admitted_at"] + later,
        expected_discharge_at=census["expected_discharge_at"] + later,
    )
    a = flow.simulate_day(CONFIG, DAY, VISITS, census).admissions
    b = flow.simulate_day(CONFIG, nxt, moved_visits, moved_census).admissions
    assert len(a) > 0 and len(b) > 0
    drawn = ["visit_id", "requested_ward", "los_days"]
    assert not a[drawn].reset_index(drop=True).equals(b[drawn].reset_index(drop=True))


def test_a_default_hospital_day_keeps_every_ward_within_its_beds():
    config = load_config("default")
    people = factories.population(20_000, seed=9)
    visits = generate_visits(
        config, DAY, sampler=VisitSampler.from_frames(people, factories.illness(people))
    )
    census = flow.warmup_census(config, DAY)
    result = flow.simulate_day(config, DAY, visits, census)
    check_capacity(result, {w.name: w.beds for w in config.wards})
    check_conservation(result, census)


def test_admissions_are_named_in_decision_order_with_contract_columns():
    result = flow.simulate_day(CONFIG, DAY, VISITS, flow.warmup_census(CONFIG, DAY))
    a = result.admissions
    assert list(a.columns) == FLOW_ADMISSION_COLUMNS
    assert list(result.census_end.columns) == CENSUS_COLUMNS
    assert list(result.ward_day.columns) == flow.WARD_DAY_COLUMNS
    assert a["admission_id"].iloc[0] == "A20240305-00001" and a["admission_id"].is_unique
    assert set(a["status"]) <= set(STATUSES)
    assert (a["wait_hours"] >= 0).all()
    assert a.loc[a["status"] == "refused", "admitted_at"].isna().all()


# --- overflow policies: Medicine has one bed, taken until 05:00 -----------------------


def test_refuse_policy_turns_patients_away_at_once_when_the_ward_is_full():
    visits = factories.visits(DAY, [{"hour": 1.0}, {"hour": 6.0}])
    result = flow.simulate_day(
        policy_config("refuse"), DAY, visits, BUSY_MEDICINE, beds_override=ONE_BED
    )
    a = result.admissions
    assert a["status"].tolist() == ["refused", "admitted"]
    assert a["wait_hours"].tolist() == [0.0, 0.0]
    assert result.ward_day.set_index("ward").loc["Medicine", "refusals"] == 1


def test_overflow_policy_takes_the_first_overflow_ward_with_room_else_refuses():
    visits = factories.visits(DAY, [{"hour": 1.0}])
    config = policy_config("overflow", overflow_order=["Medicine", "High Care", "Surgery"])
    result = flow.simulate_day(config, DAY, visits, BUSY_MEDICINE, beds_override=ONE_BED)
    row = result.admissions.iloc[0]
    assert (row["status"], row["ward"], row["requested_ward"]) == (
        "overflow",
        "High Care",
        "Medicine",
    )
    ward_day = result.ward_day.set_index("ward")
    assert (
        ward_day.loc["High Care", "overflow_in"] == 1
        and ward_day.loc["Medicine", "overflow_out"] == 1
    )
    no_room = ONE_BED | {"High Care": 0, "Surgery": 0}
    refused = flow.simulate_day(config, DAY, visits, BUSY_MEDICINE, beds_override=no_room)
    assert refused.admissions["status"].tolist() == ["refused"]


def test_wait_policy_gives_the_freed_bed_to_the_most_urgent_waiting_patient():
    visits = factories.visits(
        DAY, [{"hour": 3.0, "triage_level": "Mild"}, {"hour": 4.0, "triage_level": "Critical"}]
    )
    config = policy_config("wait", max_wait_hours=48)
    result = flow.simulate_day(config, DAY, visits, BUSY_MEDICINE, beds_override=ONE_BED)
    a = result.admissions.set_index("triage_level")
    assert a.loc["Critical", "status"] == "admitted"
    assert a.loc["Critical", "admitted_at"] == at(5.0)
    assert a.loc["Critical", "wait_hours"] == pytest.approx(1.0)
    # the mild patient is still waiting at midnight: refused then, with the wait so far
    assert a.loc["Mild", "status"] == "refused" and a.loc["Mild", "wait_hours"] == pytest.approx(
        21.0
    )


def test_wait_policy_refuses_after_the_longest_wait():
    visits = factories.visits(DAY, [{"hour": 1.0}])
    config = policy_config("wait", max_wait_hours=2)
    result = flow.simulate_day(config, DAY, visits, BUSY_MEDICINE, beds_override=ONE_BED)
    row = result.admissions.iloc[0]
    assert row["status"] == "refused" and row["wait_hours"] == pytest.approx(2.0)
    assert result.ward_day.set_index("ward").loc["Medicine", "waits"] == 1


def test_condition_department_picks_the_ward_and_other_departments_follow_ed_routing():
    visits = factories.visits(
        DAY,
        [{"hour": 1.0, "department": "Cardiology"}]
        + [{"hour": 2.0, "department": "Emergency Room"}] * 60,
    )
    a = flow.simulate_day(policy_config("refuse"), DAY, visits, BUSY_MEDICINE.head(0)).admissions
    assert a.iloc[0]["requested_ward"] == "Cardiology"
    assert set(a.iloc[1:]["requested_ward"]) == set(CONFIG.flow.ed_routing)


def test_specialist_clinic_electives_are_admitted_behind_emergencies():
    config = load_config("small", flow={"elective_admission_prob": 1.0})
    visits = factories.visits(
        DAY,
        [
            {"hour": 2.0, "service": "Specialist Clinic", "department": "Oncology", "severity": 4},
            {"hour": 2.0, "service": "Specialist Clinic", "department": "Oncology", "severity": 2},
        ],
    )
    a = flow.simulate_day(config, DAY, visits, BUSY_MEDICINE.head(0)).admissions
    assert a[["source", "ward", "status"]].values.tolist() == [["elective", "Oncology", "admitted"]]
    assert flow.bed_requests(config, DAY, visits)["priority"].tolist() == [
        len(config.visits.triage_levels)
    ]


# --- step-down -------------------------------------------------------------------------


def test_icu_patient_steps_down_when_due_and_there_is_room():
    config = factories.with_ward(CONFIG, "ICU", step_down_prob=1.0)
    census = factories.census(DAY, [("ICU", 3.0)])
    result = flow.simulate_day(config, DAY, VISITS.head(0), census)
    move = result.moves.iloc[0]
    assert (move["from_ward"], move["to_ward"], move["moved_at"]) == ("ICU", "High Care", at(3.0))
    where = pd.concat([result.census_end, result.discharges]).set_index("admission_id")["ward"]
    assert where.loc["C00001"] == "High Care"  # still there, or left from there
    check_conservation(result, census)
    full = flow.simulate_day(config, DAY, VISITS.head(0), census, beds_override={"High Care": 0})
    assert full.moves.empty and full.discharges["ward"].tolist() == ["ICU"]
