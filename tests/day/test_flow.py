"""Ward flow: conservation, capacity, carried-over stays, overflow policies, determinism."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hospital_twin.config import LengthOfStay, load_config
from hospital_twin.day import flow
from hospital_twin.day.visits import VisitSampler, generate_visits
from tests.support import factories

DAY = dt.date(2024, 3, 5)
CONFIG = load_config("small")
ALWAYS = {t.name: 1.0 for t in CONFIG.visits.triage_levels}
SAMPLER = VisitSampler.from_frames(
    factories.population(3000), factories.illness(factories.population(3000))
)
VISITS = generate_visits(CONFIG, DAY, sampler=SAMPLER)


def policy_config(policy: str, **flow_fields):
    """Every ED patient needs a bed; the given overflow policy."""
    fields = {"overflow_policy": policy, "ed_admission_prob_by_triage": ALWAYS} | flow_fields
    return load_config("small", flow=fields)


POLICY_CONFIGS = {p: policy_config(p) for p in ("wait", "overflow", "refuse")}


def at(hours: float) -> pd.Timestamp:
    return pd.Timestamp(DAY) + pd.Timedelta(hours=hours)


def check_conservation(result: flow.FlowResult, census: pd.DataFrame) -> None:
    w = result.ward_day
    inflow = w["occupancy_start"] + w["admissions"] + w["moves_in"]
    assert (inflow - w["discharges"] - w["moves_out"] == w["occupancy_end"]).all()
    placed = result.admissions["status"].ne("refused").sum()
    assert len(census) + placed == len(result.discharges) + len(result.census_end)


def check_capacity(result: flow.FlowResult, beds: dict[str, int]) -> None:
    log = result.bed_log
    limit = log["ward"].map(beds)
    assert (log.loc[log["change"] == 1, "occupancy"] <= limit[log["change"] == 1]).all()
    assert (result.ward_day["peak_occupancy"] <= result.ward_day["beds"]).all()
    start = result.ward_day.set_index("ward")["occupancy_start"]
    replay = start[log["ward"]].to_numpy() + log.groupby("ward")["change"].cumsum().to_numpy()
    assert (replay == log["occupancy"]).all()


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


def test_same_inputs_give_identical_results_and_another_day_differs():
    census = flow.warmup_census(CONFIG, DAY)
    a = flow.simulate_day(CONFIG, DAY, VISITS, census)
    b = flow.simulate_day(CONFIG, DAY, VISITS, census)
    for name in ("admissions", "discharges", "census_end", "ward_day", "moves", "bed_log"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
    nxt = DAY + dt.timedelta(days=1)
    other = flow.simulate_day(CONFIG, nxt, generate_visits(CONFIG, nxt, sampler=SAMPLER), census)
    assert not a.admissions["los_days"].equals(other.admissions["los_days"])


def test_admissions_are_named_in_decision_order_with_contract_columns():
    result = flow.simulate_day(CONFIG, DAY, VISITS, flow.warmup_census(CONFIG, DAY))
    a = result.admissions
    assert list(a.columns) == flow.ADMISSION_COLUMNS
    assert list(result.census_end.columns) == flow.CENSUS_COLUMNS
    assert list(result.ward_day.columns) == flow.WARD_DAY_COLUMNS
    assert a["admission_id"].iloc[0] == "A20240305-00001" and a["admission_id"].is_unique
    assert set(a["status"]) <= set(flow.STATUSES)
    assert (a["wait_hours"] >= 0).all()
    assert a.loc[a["status"] == "refused", "admitted_at"].isna().all()


# --- overflow policies: Medicine has one bed, taken until 05:00 -----------------------


BUSY_MEDICINE = factories.census(DAY, [("Medicine", 5.0)])
ONE_BED = {"Medicine": 1}


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


# --- routes to a bed --------------------------------------------------------------------


def candidates(config, rows: list[dict]) -> pd.DataFrame:
    return flow.admission_candidates(config, DAY, factories.visits(DAY, rows))


def test_direct_wards_admit_their_own_patients_from_any_service():
    config = load_config("small", flow={"direct_admission_prob": {"Obstetrics & Gynecology": 1.0}})
    ob = {"department": "Obstetrics & Gynecology", "triage_level": "Mild", "severity": 2}
    rows = [
        {"hour": 1.0, "service": "General Consultation"} | ob,
        {"hour": 2.0, "service": "Emergency Room"} | ob,
        {"hour": 3.0, "service": "General Consultation", "department": "Surgery"},
    ]
    a = flow.simulate_day(config, DAY, factories.visits(DAY, rows), BUSY_MEDICINE.head(0))
    assert (
        a.admissions[["source", "ward"]].values.tolist()
        == [["direct", "Obstetrics & Gynecology"]] * 2
    )
    assert a.admissions["status"].eq("admitted").all()
    never = load_config("small", flow={"direct_admission_prob": {"Obstetrics & Gynecology": 0.0}})
    assert flow.bed_requests(never, DAY, factories.visits(DAY, rows)).empty


def test_ward_takes_from_the_ed_only_patients_as_urgent_as_its_minimum_triage():
    config = policy_config("refuse", min_triage_by_ward={"ICU": "Critical"})
    icu = {"department": "ICU", "category": "accidents"}
    c = candidates(
        config,
        [
            {"hour": 1.0, "triage_level": "Critical"} | icu,
            {"hour": 2.0, "triage_level": "Severe"} | icu,
            {"hour": 3.0, "triage_level": "Severe", "department": "ICU", "age": 8},
        ],
    )
    # the less urgent trauma patient goes to Surgery by category, the child to Pediatrics
    assert c["requested_ward"].tolist() == ["ICU", "Surgery", "Pediatrics"]


def test_patients_whose_condition_names_no_ward_are_routed_by_age_category_then_at_random():
    config = policy_config("refuse", ed_routing_by_category={"assault": "Surgery"})
    no_ward = {"department": "Emergency Room"}
    c = candidates(
        config,
        [
            {"hour": 1.0, "category": "assault"} | no_ward,
            {"hour": 1.0, "category": "assault", "age": 5} | no_ward,
        ]
        + [{"hour": 2.0, "category": "general"} | no_ward] * 60,
    )
    assert c["requested_ward"].iloc[:2].tolist() == ["Surgery", "Pediatrics"]
    assert set(c["requested_ward"].iloc[2:]) == set(config.flow.ed_routing)


def test_admission_odds_ratio_scales_the_odds_of_the_wanted_ward_only():
    config = load_config(
        "small",
        flow={
            "ed_admission_prob_by_triage": {"Severe": 0.5, "Mild": 0.0},
            "admission_odds_ratio": {"Cardiology": 3.0, "Neurology": 0.0, "Surgery": 1.0},
        },
    )
    rows = [
        {"hour": 1.0, "triage_level": "Severe", "department": d}
        for d in ("Cardiology", "Neurology", "Surgery")
    ] + [{"hour": 1.0, "triage_level": "Mild", "department": "Cardiology"}]
    c = candidates(config, rows)
    assert c["p_admit"].tolist() == pytest.approx([0.75, 0.0, 0.5, 0.0])
    assert flow.with_odds(0.2, 1.0) == pytest.approx(0.2)
    assert flow.with_odds(1.0, 0.0) == 0.0 and flow.with_odds(1.0, 0.1) == 1.0


def test_expected_requests_match_the_drawn_ones():
    config = load_config("small")
    days = [DAY + dt.timedelta(days=i) for i in range(10)]
    drawn = expected = 0.0
    for day in days:
        visits = generate_visits(config, day, sampler=SAMPLER)
        drawn += len(flow.bed_requests(config, day, visits))
        expected += flow.admission_candidates(config, day, visits)["p_admit"].sum()
    assert abs(drawn - expected) < 4 * expected**0.5


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


# --- warm-up state and length of stay ---------------------------------------------------


def test_warmup_census_fills_beds_at_the_warmup_occupancy_with_stays_in_progress():
    census = flow.warmup_census(CONFIG, DAY, person_ids=np.arange(10_000))
    counts = census["ward"].value_counts()
    for w in CONFIG.wards:
        assert counts.get(w.name, 0) == round(w.beds * CONFIG.simulation.warmup_occupancy)
    assert (census["admitted_at"] <= pd.Timestamp(DAY)).all()
    assert (census["expected_discharge_at"] >= pd.Timestamp(DAY)).all()
    assert census["person_id"].is_unique and census["admission_id"].is_unique


@pytest.mark.parametrize("ward", ["Medicine", "Surgery"])
def test_warmup_remaining_stay_has_the_equilibrium_residual_mean(ward):
    census = flow.warmup_census(CONFIG, DAY, beds_override={ward: 40_000})
    los = CONFIG.ward(ward).los
    remaining = census.loc[census["ward"] == ward, "expected_discharge_at"] - pd.Timestamp(DAY)
    expected = (los.mean_days**2 + los.sd_days**2) / (2 * los.mean_days)
    assert (remaining / pd.Timedelta(days=1)).mean() == pytest.approx(expected, rel=0.03)


@pytest.mark.parametrize("dist", ["lognormal", "gamma"])
def test_length_of_stay_has_the_configured_mean_and_sd(dist):
    days = flow.draw_los(
        LengthOfStay(dist=dist, mean_days=4.0, sd_days=3.0), np.random.default_rng(1), 200_000
    )
    assert days.mean() == pytest.approx(4.0, rel=0.02) and days.std() == pytest.approx(
        3.0, rel=0.05
    )


def test_empirical_length_of_stay_draws_the_listed_values():
    los = LengthOfStay(dist="empirical", values_days=[1.0, 2.0, 7.0])
    assert set(flow.draw_los(los, np.random.default_rng(1), 500)) == {1.0, 2.0, 7.0}


def test_one_default_hospital_day_runs_in_well_under_five_seconds():
    import time

    config = load_config("default")
    people = factories.population(20_000, seed=9)
    visits = generate_visits(
        config, DAY, sampler=VisitSampler.from_frames(people, factories.illness(people))
    )
    census = flow.warmup_census(config, DAY)
    started = time.perf_counter()
    result = flow.simulate_day(config, DAY, visits, census)
    assert time.perf_counter() - started < 5.0
    check_capacity(result, {w.name: w.beds for w in config.wards})


# --- admitting staff --------------------------------------------------------------------


def test_admitting_staff_are_on_duty_in_the_ward_department():
    result = flow.simulate_day(CONFIG, DAY, VISITS, flow.warmup_census(CONFIG, DAY))
    night_before, day, night = (-5, 7), (7, 19), (19, 31)
    schedule = factories.schedule(
        DAY, [w.name for w in CONFIG.wards], shifts=(night_before, day, night)
    )
    staffed = flow.assign_admitting_staff(
        result.admissions, schedule, np.random.default_rng(0), CONFIG
    )
    placed = staffed[staffed["ward"].notna()]
    roster = schedule.set_index("staff_id")
    doctors = roster.loc[placed["admitting_doctor_id"]]
    assert (doctors["role"].isin(flow.DOCTOR_ROLES)).all()
    assert (doctors["department"].to_numpy() == placed["ward"].to_numpy()).all()
    on_duty = (doctors["shift_start"].to_numpy() <= placed["admitted_at"].to_numpy()) & (
        placed["admitted_at"].to_numpy() < doctors["shift_end"].to_numpy()
    )
    assert on_duty.all()
    assert staffed["admitting_nurse_id"].notna().all()


def test_admitting_staff_fall_back_to_anyone_on_duty_and_are_empty_only_without_staff():
    result = flow.simulate_day(CONFIG, DAY, VISITS, flow.warmup_census(CONFIG, DAY))
    elsewhere = factories.schedule(DAY, ["Emergency Room"], shifts=((0, 24),))
    staffed = flow.assign_admitting_staff(result.admissions, elsewhere, np.random.default_rng(0))
    assert (
        staffed["admitting_doctor_id"].notna().all() and staffed["admitting_nurse_id"].notna().all()
    )
    nobody = flow.assign_admitting_staff(
        result.admissions, elsewhere.head(0), np.random.default_rng(0)
    )
    assert nobody["admitting_doctor_id"].isna().all()


def test_shift_times_given_as_clock_times_are_placed_on_the_work_date():
    schedule = factories.schedule(DAY, ["Medicine"], roles=("Doctor",))  # 07-19 and 19-07
    schedule["shift_start"], schedule["shift_end"] = ["07:00", "19:00"], ["19:00", "07:00"]
    rng = np.random.default_rng(0)
    assert flow.pick_on_duty(schedule, ["Doctor"], ["Medicine"] * 2, [at(23.0), at(8.0)], rng) == [
        2,
        1,
    ]
