"""Illness profiles: age and sex rules, departments valid for the config, severity, determinism."""

from __future__ import annotations

import pandas as pd
import pytest

from hospital_twin.config import load_config
from hospital_twin.setup.illness import (
    COLUMNS,
    CONDITIONS,
    MATERNAL_AGES,
    PEDIATRIC_MAX_AGE,
    assign_illness_profiles,
    condition_catalogue,
)
from hospital_twin.setup.population import generate_population

CONFIG = load_config("small")
N = 20_000


@pytest.fixture(scope="module")
def people() -> pd.DataFrame:
    return generate_population(CONFIG, size=N)


@pytest.fixture(scope="module")
def profiles(people) -> pd.DataFrame:
    return assign_illness_profiles(CONFIG, people)


@pytest.fixture(scope="module")
def joined(people, profiles) -> pd.DataFrame:
    return profiles.merge(people[["person_id", "age", "sex"]], on="person_id")


def test_every_person_gets_exactly_one_profile_with_contract_columns(people, profiles):
    assert list(profiles.columns) == COLUMNS
    assert profiles["person_id"].tolist() == people["person_id"].tolist()
    assert profiles["severity"].dtype.kind == "i"
    assert profiles[["condition", "category", "department", "remedy"]].notna().all().all()


def test_pregnancy_conditions_only_for_women_aged_15_to_49(joined):
    maternal = joined[joined["category"] == "maternal"]
    assert len(maternal) > 0
    assert (maternal["sex"] == "F").all()
    assert maternal["age"].between(*MATERNAL_AGES).all()


def test_pediatric_conditions_only_for_children(joined):
    pediatric = joined[joined["category"] == "pediatric"]
    assert len(pediatric) > 0
    assert (pediatric["age"] <= PEDIATRIC_MAX_AGE).all()
    children = joined[joined["age"] <= 4]
    assert (children["category"] == "pediatric").mean() > 0.1


def test_sex_specific_conditions_go_to_that_sex_only(joined):
    for sex in ("F", "M"):
        conditions = CONDITIONS.loc[CONDITIONS["sex"] == sex, "condition"]
        assert (joined.loc[joined["condition"].isin(conditions), "sex"] == sex).all()


def test_children_with_adult_medical_conditions_are_sent_to_pediatrics(joined):
    children = joined[joined["age"] <= PEDIATRIC_MAX_AGE]
    assert not children["department"].isin(["Medicine", "Cardiology", "Neurology"]).any()
    adults = joined[joined["age"] > PEDIATRIC_MAX_AGE]
    assert not adults["category"].eq("pediatric").any()


def test_departments_are_configured_wards_or_outpatient_services(profiles):
    known = {w.department for w in CONFIG.wards} | set(CONFIG.visits.outpatient_capacity)
    assert set(profiles["department"]) <= known


def test_a_condition_whose_department_is_not_configured_fails_clearly(people):
    wards = [w for w in CONFIG.wards if w.department != "Palliative"]
    config = CONFIG.model_copy(update={"wards": wards})  # the flow settings still name it
    with pytest.raises(ValueError, match="Palliative"):
        assign_illness_profiles(config, people.head(10))


def test_every_seasonal_peak_category_has_conditions():
    assert set(CONFIG.visits.seasonal_peaks) <= set(CONDITIONS["category"])


def test_severity_lies_within_the_condition_range(profiles):
    ranges = profiles.merge(CONDITIONS, on="condition")
    assert ranges["severity"].between(ranges["severity_min"], ranges["severity_max"]).all()
    assert profiles["severity"].between(1, 5).all()
    assert set(profiles["severity"]) == {1, 2, 3, 4, 5}


def test_chronic_presentations_carry_their_chronic_condition(profiles):
    chronic = CONDITIONS.loc[CONDITIONS["chronic"], "condition"]
    rows = profiles[profiles["condition"].isin(chronic)]
    assert (rows["chronic_condition"] == rows["condition"]).all()
    assert set(profiles["chronic_condition"].dropna()) <= set(chronic)


def test_chronic_conditions_become_more_common_with_age(joined):
    has = joined["chronic_condition"].notna()
    assert has[joined["age"] >= 65].mean() > has[joined["age"].between(18, 44)].mean()
    assert has[joined["age"].between(18, 44)].mean() > has[joined["age"] < 13].mean()


def test_same_seed_gives_identical_profiles_and_another_seed_differs(people, profiles):
    pd.testing.assert_frame_equal(assign_illness_profiles(CONFIG, people), profiles)
    other = assign_illness_profiles(load_config("small", seed=CONFIG.seed + 1), people)
    assert not other["condition"].equals(profiles["condition"])


def test_catalogue_has_one_row_per_condition_for_the_condition_dimension():
    catalogue = condition_catalogue()
    assert catalogue["condition"].is_unique
    assert {"condition", "category", "department", "chronic", "remedy"} <= set(catalogue.columns)
