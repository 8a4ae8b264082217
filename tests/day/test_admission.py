"""Admission decisions: which visits need a bed, in which ward, by which route."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from hospital_twin.config import load_config
from hospital_twin.day import flow
from hospital_twin.day.visits import generate_visits
from tests.day.helpers import BUSY_MEDICINE, DAY, SAMPLER, policy_config
from tests.support import factories

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
