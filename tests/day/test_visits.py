"""Visits: monthly volumes, seasonal case mix, the hourly profile, triage and determinism."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from hospital_twin.config import load_config
from hospital_twin.day.visits import (
    PLANNED_CATEGORIES,
    SERVICES,
    VISIT_COLUMNS,
    VisitSampler,
    daily_volume,
    expected_visits,
    generate_visits,
    hourly_profile,
    visitor_frame,
)
from hospital_twin.io.lake import read_arrow, write_arrow
from tests.support import factories

CONFIG = load_config("small")
POPULATION = factories.population(4000)
ILLNESS = factories.illness(POPULATION)
SAMPLER = VisitSampler.from_frames(POPULATION, ILLNESS)


def month_days(year: int, month: int) -> list[dt.date]:
    days = range(1, 1 + pd.Period(f"{year}-{month:02d}").days_in_month)
    return [dt.date(year, month, d) for d in days]


def test_daily_volume_spreads_the_monthly_volume_over_the_days_of_the_month():
    assert daily_volume(CONFIG, dt.date(2024, 2, 10)) == pytest.approx(9000 / 29)
    assert daily_volume(CONFIG, dt.date(2024, 3, 10)) == pytest.approx(9000 / 31)


def test_daily_volume_uses_the_reduced_volume_only_inside_the_reduced_period():
    default = load_config("default")
    assert daily_volume(default, dt.date(2024, 11, 30)) == pytest.approx(80000 / 30)
    assert daily_volume(default, dt.date(2024, 12, 1)) == pytest.approx(60000 / 31)
    assert daily_volume(default, dt.date(2025, 1, 31)) == pytest.approx(60000 / 31)
    assert daily_volume(default, dt.date(2025, 2, 1)) == pytest.approx(80000 / 28)


@pytest.mark.parametrize(("month", "expected"), [(3, 9000), (12, 6750)])
def test_a_month_of_visits_totals_the_configured_volume(month, expected):
    total = sum(len(generate_visits(CONFIG, d, sampler=SAMPLER)) for d in month_days(2024, month))
    assert abs(total - expected) < 4 * math.sqrt(expected)


def test_scale_multiplies_the_expected_volume():
    days = month_days(2024, 5)[:10]
    base = sum(len(generate_visits(CONFIG, d, sampler=SAMPLER)) for d in days)
    scaled = sum(len(generate_visits(CONFIG, d, sampler=SAMPLER, scale=1.5)) for d in days)
    assert scaled / base == pytest.approx(1.5, abs=0.1)


def test_peak_months_raise_the_share_of_the_peaking_category():
    people = factories.population(20000, seed=5)
    sampler = VisitSampler.from_frames(
        people, factories.illness(people, shares={"flu": 0.5, "general": 0.5})
    )

    def flu_share(month: int) -> float:
        visits = pd.concat(
            generate_visits(CONFIG, d, sampler=sampler) for d in month_days(2024, month)[:8]
        )
        return (visits["category"] == "flu").mean()

    # flu peaks in June (× 1.5): expected share 1.5 / 2.5 = 0.6 against 0.5 in January
    assert flu_share(1) == pytest.approx(0.5, abs=0.03)
    assert flu_share(6) == pytest.approx(0.6, abs=0.03)


def test_daytime_arrival_rate_is_the_multiplier_times_the_night_rate():
    visits = pd.concat(
        generate_visits(CONFIG, d, sampler=SAMPLER) for d in month_days(2024, 4)[:12]
    )
    hours = visits["arrival_time"].dt.hour
    day = (hours >= 7) & (hours < 17)
    ratio = (day.sum() / 10) / ((~day).sum() / 14)
    assert ratio == pytest.approx(3.0, abs=0.35)
    assert hourly_profile(CONFIG).sum() == pytest.approx(1.0)


def test_same_seed_and_day_give_identical_visits_and_another_day_differs():
    day = dt.date(2024, 3, 5)
    first = generate_visits(CONFIG, day, POPULATION, ILLNESS)
    pd.testing.assert_frame_equal(first, generate_visits(CONFIG, day, sampler=SAMPLER))
    other = generate_visits(CONFIG, day + dt.timedelta(days=1), sampler=SAMPLER)
    assert not first["person_id"].equals(other["person_id"])


def test_row_order_of_the_population_does_not_change_the_visits():
    day = dt.date(2024, 3, 5)
    shuffled = POPULATION.sample(frac=1, random_state=3)
    pd.testing.assert_frame_equal(
        generate_visits(CONFIG, day, shuffled, ILLNESS.sample(frac=1, random_state=4)),
        generate_visits(CONFIG, day, sampler=SAMPLER),
    )


def test_visits_have_the_contract_columns_sorted_by_arrival_with_sequential_ids():
    day = dt.date(2024, 7, 9)
    visits = generate_visits(CONFIG, day, sampler=SAMPLER)
    assert list(visits.columns) == VISIT_COLUMNS
    assert visits["arrival_time"].is_monotonic_increasing
    assert visits["arrival_time"].dt.date.eq(day).all()
    assert visits["visit_id"].iloc[0] == "V20240709-00001"
    assert visits["visit_id"].is_unique and visits["person_id"].is_unique
    assert set(visits["service"]) <= set(SERVICES)
    assert set(visits["triage_level"]) <= {t.name for t in CONFIG.visits.triage_levels}
    assert (visits["sim_date"] == day).all()


def test_severe_cases_among_old_and_young_arrive_by_ambulance_at_the_emergency_room():
    visits = generate_visits(CONFIG, dt.date(2024, 7, 9), sampler=SAMPLER)
    rule = (visits["severity"] >= 4) & ((visits["age"] >= 60) | (visits["age"] < 10))
    assert rule.any()
    assert (visits["is_emergency"] == rule).all()
    assert (visits["arrival_mode"] == np.where(rule, "Ambulance", "Walk-in")).all()
    assert (visits.loc[rule, "service"] == "Emergency Room").all()
    unplanned = ~visits["category"].isin(PLANNED_CATEGORIES)
    assert (visits.loc[unplanned & (visits["severity"] >= 3), "service"] == "Emergency Room").all()
    planned_4 = visits[~unplanned & (visits["severity"] == 4) & ~visits["is_emergency"]]
    assert len(planned_4) and (planned_4["service"] == "Specialist Clinic").all()


def test_triage_follows_severity_and_its_duration_the_level_mean():
    visits = pd.concat(generate_visits(CONFIG, d, sampler=SAMPLER) for d in month_days(2024, 2)[:6])
    by_level = visits.groupby("triage_level")
    assert by_level["severity"].mean()["Critical"] > by_level["severity"].mean()["Non-Urgent"]
    means = {t.name: t.mean_minutes for t in CONFIG.visits.triage_levels}
    for level, minutes in by_level["triage_minutes"].mean().items():
        assert minutes == pytest.approx(means[level], rel=0.25)


def test_age_is_counted_on_the_visit_day_from_the_birth_date():
    person = POPULATION.head(1).assign(birth_date=pd.Timestamp("2000-06-15"), age=23)
    sampler = VisitSampler.from_frames(person, ILLNESS.head(1))
    before = generate_visits(CONFIG, dt.date(2024, 6, 14), sampler=sampler)
    on = generate_visits(CONFIG, dt.date(2024, 6, 15), sampler=sampler)
    assert before["age"].tolist() == [23] and on["age"].tolist() == [24]


def test_expected_visits_weigh_everyone_by_the_visits_they_are_expected_to_make():
    day = dt.date(2024, 6, 12)  # flu peak month
    expected = expected_visits(CONFIG, day, SAMPLER)
    assert list(expected.columns) == [*VISIT_COLUMNS, "expected_visits"]
    assert len(expected) == len(POPULATION)
    assert expected["expected_visits"].sum() == pytest.approx(daily_volume(CONFIG, day))
    share = expected.groupby("category")["expected_visits"].sum() / daily_volume(CONFIG, day)
    drawn = pd.concat(generate_visits(CONFIG, d, sampler=SAMPLER) for d in month_days(2024, 6))
    assert drawn["category"].value_counts(normalize=True)["flu"] == pytest.approx(
        share["flu"], abs=0.01
    )


def test_a_day_drawn_from_setups_memory_mapped_visitor_file_equals_one_drawn_from_the_frames(
    tmp_path,
):
    path = write_arrow(visitor_frame(POPULATION, ILLNESS), tmp_path / "visitors.arrow")
    from_file = VisitSampler.from_table(read_arrow(path))
    for day in month_days(2024, 7)[:5]:
        pd.testing.assert_frame_equal(
            generate_visits(CONFIG, day, sampler=from_file),
            generate_visits(CONFIG, day, POPULATION, ILLNESS),
        )


def test_the_sampler_refuses_a_visitor_table_not_in_category_blocks():
    shuffled = visitor_frame(POPULATION, ILLNESS).sample(frac=1.0, random_state=0)
    with pytest.raises(ValueError, match="category blocks"):
        VisitSampler.from_table(pa.Table.from_pandas(shuffled, preserve_index=False))
