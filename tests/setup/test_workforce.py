"""Workforce: posts, minimum ages, experience, senior doctors, retirement, like-for-like hiring."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from hospital_twin.config import load_config
from hospital_twin.setup.population import age_on, generate_population
from hospital_twin.setup.sa_ids import validate_sa_id
from hospital_twin.setup.workforce import (
    ADMIN_DEPARTMENT,
    COLUMNS,
    DOCTOR_ROLES,
    clinical_departments,
    evolve_quarterly,
    generate_reserve_pool,
    generate_staff,
    quarter_starts,
    role_counts,
)

# Three simulated years so that retirements happen.
CONFIG = load_config("small", simulation={"end_date": "2026-12-31"})
MIN_AGE = {r.name: r.min_age for g in CONFIG.workforce.post_groups for r in g.roles}


@pytest.fixture(scope="module")
def staff() -> pd.DataFrame:
    return generate_staff(CONFIG)


@pytest.fixture(scope="module")
def reserve() -> pd.DataFrame:
    return generate_reserve_pool(CONFIG)


@pytest.fixture(scope="module")
def evolved(staff, reserve):
    return evolve_quarterly(CONFIG, staff, reserve)


@pytest.mark.parametrize("profile", ["small", "default"])
def test_role_counts_sum_exactly_to_filled_posts(profile):
    for group in load_config(profile).workforce.post_groups:
        counts = role_counts(group)
        assert sum(counts.values()) == group.filled_posts
        assert list(counts) == [r.name for r in group.roles]


def test_staff_fill_every_post_with_contract_columns(staff):
    assert list(staff.columns) == COLUMNS
    assert staff["staff_id"].is_unique and staff["staff_id"].str.fullmatch(r"S\d{5}").all()
    assert (staff["status"] == "active").all()
    posts = staff["post_group"].value_counts()
    for group in CONFIG.workforce.post_groups:
        assert posts[group.name] == group.filled_posts
        roles = staff.loc[staff["post_group"] == group.name, "role"].value_counts()
        assert roles.to_dict() == {k: v for k, v in role_counts(group).items() if v}


def test_staff_are_at_least_their_role_minimum_age_and_below_retirement(staff):
    assert (staff["age"] >= staff["role"].map(MIN_AGE)).all()
    assert (staff["age"] < CONFIG.workforce.retirement_age).all()
    assert (age_on(staff["birth_date"], CONFIG.simulation.start_date) == staff["age"]).all()


def test_years_of_service_fit_the_age_and_hire_date(staff):
    started_at = staff["age"] - staff["years_of_service"]
    assert (started_at >= staff["role"].map(MIN_AGE)).all()
    assert (staff["years_of_service"] >= 0).all()
    served = age_on(staff["hire_date"], CONFIG.simulation.start_date)
    assert (served == staff["years_of_service"]).all()


def test_experience_level_follows_years_of_service(staff):
    wf = CONFIG.workforce
    years, level = staff["years_of_service"], staff["experience_level"]
    assert (level[years <= wf.junior_max_years] == "Junior").all()
    assert (level[(years > wf.junior_max_years) & (years <= wf.mid_max_years)] == "Mid").all()
    assert (level[years > wf.mid_max_years] == "Senior").all()


def test_every_clinical_department_has_a_senior_doctor(staff):
    seniors = staff[staff["role"].isin(DOCTOR_ROLES) & (staff["experience_level"] == "Senior")]
    assert set(clinical_departments(CONFIG)) <= set(seniors["department"])


def test_admin_and_support_work_in_administration_and_clinicians_on_the_wards(staff):
    admin = staff["post_group"] == "Admin & Support"
    assert (staff.loc[admin, "department"] == ADMIN_DEPARTMENT).all()
    assert staff.loc[~admin, "department"].isin(list(clinical_departments(CONFIG))).all()


def test_staff_and_reserve_ids_are_valid_and_never_collide(staff, reserve):
    ids = pd.concat([staff["sa_id"], reserve["sa_id"]])
    assert validate_sa_id(ids).all() and ids.is_unique
    assert (staff["id_roll"] == "staff").all() and (reserve["id_roll"] == "reserve").all()


def test_no_staff_or_reserve_id_is_a_population_members():
    """The whole small setup (50,000 people, staff, reserve): no number on two rolls."""
    people = generate_population(CONFIG)
    staff, reserve = generate_staff(CONFIG), generate_reserve_pool(CONFIG)
    everyone = pd.concat([people["sa_id"], staff["sa_id"], reserve["sa_id"]])
    assert everyone.is_unique, everyone[everyone.duplicated()].tolist()[:5]


def test_hires_keep_their_reserve_number_and_roll(evolved, reserve):
    snapshots, _ = evolved
    last = list(snapshots.values())[-1]
    hired = last[last["id_roll"] == "reserve"]
    assert len(hired) and hired["sa_id"].isin(reserve["sa_id"]).all()
    assert not last.loc[last["id_roll"] == "staff", "sa_id"].isin(reserve["sa_id"]).any()


def test_reserve_pool_has_configured_size_and_is_not_yet_hired(reserve):
    assert len(reserve) == CONFIG.workforce.reserve_pool
    assert reserve["staff_id"].str.fullmatch(r"R\d{5}").all()
    assert (reserve["status"] == "reserve").all() and reserve["hire_date"].isna().all()
    assert (reserve["age"] >= reserve["role"].map(MIN_AGE)).all()


def test_same_seed_gives_identical_staff_and_another_seed_differs(staff):
    pd.testing.assert_frame_equal(generate_staff(CONFIG), staff)
    assert not generate_staff(load_config("small", seed=1))["sa_id"].equals(staff["sa_id"])


def test_one_snapshot_per_quarter_starting_with_the_initial_staff(staff, evolved):
    snapshots, summary = evolved
    assert list(snapshots) == quarter_starts(CONFIG)
    assert list(snapshots)[:2] == [dt.date(2024, 1, 1), dt.date(2024, 4, 1)]
    pd.testing.assert_frame_equal(snapshots[CONFIG.simulation.start_date], staff)
    assert summary["quarter"].dt.date.tolist() == list(snapshots)


def test_nobody_stays_active_at_or_over_retirement_age(evolved):
    snapshots, summary = evolved
    for quarter, frame in snapshots.items():
        assert (age_on(frame["birth_date"], quarter) < CONFIG.workforce.retirement_age).all()
    assert summary["retired_age"].sum() > 0


def test_headcount_stays_constant_when_the_reserve_suffices(evolved):
    snapshots, summary = evolved
    posts = sum(g.filled_posts for g in CONFIG.workforce.post_groups)
    assert (summary["headcount"] == posts).all()
    assert (summary["hired"] == summary["retired_age"] + summary["retired_service"]).all()
    assert all(frame["staff_id"].is_unique for frame in snapshots.values())


def test_leavers_are_replaced_by_the_same_role_in_the_same_department(reserve, evolved):
    snapshots, _ = evolved
    quarters = list(snapshots)
    for before, after in zip(quarters, quarters[1:], strict=False):
        old, new = snapshots[before], snapshots[after]
        left = old[~old["staff_id"].isin(new["staff_id"])]
        hired = new[~new["staff_id"].isin(old["staff_id"])]
        assert sorted(left["role"]) == sorted(hired["role"])
        assert sorted(left["department"]) == sorted(hired["department"])
        assert (hired["hire_date"] == pd.Timestamp(after)).all()
        assert hired["sa_id"].isin(reserve["sa_id"]).all()


def test_replacement_experience_matches_the_leaver_when_the_pool_has_it(staff, reserve):
    config = load_config("small", workforce={"long_service_quarterly_rate": 1.0})
    snapshots, summary = evolve_quarterly(config, staff, reserve)
    q0, q1 = list(snapshots)[:2]
    left = snapshots[q0][~snapshots[q0]["staff_id"].isin(snapshots[q1]["staff_id"])]
    hired = snapshots[q1][~snapshots[q1]["staff_id"].isin(snapshots[q0]["staff_id"])]
    assert summary.loc[1, "retired_service"] == len(left) > 0
    assert summary.loc[1, "level_fallbacks"] == 0
    key = ["role", "experience_level"]
    assert left[key].value_counts().equals(hired[key].value_counts())


def test_nearest_level_is_hired_and_counted_when_the_level_runs_out(staff, reserve):
    config = load_config("small", workforce={"long_service_quarterly_rate": 1.0})
    juniors_only = reserve[reserve["experience_level"] == "Junior"]
    snapshots, summary = evolve_quarterly(config, staff, juniors_only)
    assert summary.loc[1, "hired"] == summary.loc[1, "retired_service"] > 0
    assert summary.loc[1, "level_fallbacks"] == summary.loc[1, "hired"]


def test_posts_stay_vacant_when_the_reserve_has_nobody_for_the_role(staff, reserve):
    config = load_config("small", workforce={"long_service_quarterly_rate": 1.0})
    snapshots, summary = evolve_quarterly(config, staff, reserve.head(0))
    assert summary.loc[1, "hired"] == 0
    assert summary.loc[1, "unfilled"] == summary.loc[1, "retired_service"] > 0
    assert summary.loc[1, "headcount"] == len(staff) - summary.loc[1, "unfilled"]


def test_long_service_retirement_happens_at_the_quarterly_rate(staff, reserve):
    for rate, expect_all in [(0.0, False), (1.0, True)]:
        config = load_config("small", workforce={"long_service_quarterly_rate": rate})
        snapshots, summary = evolve_quarterly(config, staff, reserve)
        q1 = list(snapshots)[1]
        below_retirement = age_on(staff["birth_date"], q1) < config.workforce.retirement_age
        long_serving = age_on(staff["hire_date"], q1) >= config.workforce.long_service_years
        expected = (below_retirement & long_serving).sum() if expect_all else 0
        assert summary.loc[1, "retired_service"] == expected


def test_ages_and_service_advance_each_quarter(evolved):
    snapshots, _ = evolved
    first, last = snapshots[dt.date(2024, 1, 1)], snapshots[dt.date(2026, 10, 1)]
    stayed = first.merge(last, on="staff_id", suffixes=("_0", "_1"))
    assert ((stayed["age_1"] - stayed["age_0"]).isin([2, 3])).all()
    assert np.isin(stayed["years_of_service_1"] - stayed["years_of_service_0"], [2, 3]).all()


def test_evolution_is_deterministic(staff, reserve, evolved):
    snapshots, summary = evolve_quarterly(CONFIG, staff, reserve)
    pd.testing.assert_frame_equal(summary, evolved[1])
    for quarter, frame in snapshots.items():
        pd.testing.assert_frame_equal(frame, evolved[0][quarter])


def test_the_staff_dimension_holds_everyone_once_as_first_listed():
    from hospital_twin.setup.workforce import staff_dimension

    later = pd.DataFrame({"staff_id": ["S1", "S2"], "status": ["retired", "active"]})
    initial = pd.DataFrame({"staff_id": ["S1", "S3"], "status": ["active", "active"]})
    reserve = pd.DataFrame({"staff_id": ["R1"], "status": ["reserve"]})
    dim = staff_dimension([later, initial, reserve])
    assert dim["staff_id"].tolist() == ["S1", "S2", "S3", "R1"]
    assert dim.set_index("staff_id").loc["S1", "status"] == "retired"


def test_workforce_summary_rows_are_one_json_document_per_quarter(evolved):
    import json

    from hospital_twin.setup.workforce import summary_records

    _, summary = evolved
    rows = summary_records(summary)
    assert rows["quarter_start"].tolist() == [q.date() for q in summary["quarter"]]
    first = json.loads(rows["summary"].iloc[0])
    assert first["headcount"] == summary["headcount"].iloc[0]
    assert set(first) == set(summary.columns)
