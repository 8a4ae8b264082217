"""Population: SA ID numbers (Luhn, birth date, sex, uniqueness), ages, columns, determinism."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hospital_twin.config import load_config
from hospital_twin.rng import stream
from hospital_twin.setup.names import draw_names
from hospital_twin.setup.population import (
    COLUMNS,
    age_on,
    dates_whole_years_before,
    generate_population,
)
from hospital_twin.setup.sa_ids import (
    ID_ROLLS,
    ID_SEQUENCES_PER_SEX,
    make_sa_ids,
    sa_id_matches,
    validate_sa_id,
)

CONFIG = load_config("small")
N = 20_000


@pytest.fixture(scope="module")
def people() -> pd.DataFrame:
    return generate_population(CONFIG, size=N)


def test_columns_and_dtypes_follow_the_contract(people):
    assert list(people.columns) == COLUMNS
    assert len(people) == N
    assert people["person_id"].dtype == np.int64
    assert people["person_id"].tolist() == list(range(1, N + 1))
    assert people["age"].dtype == np.int64
    assert pd.api.types.is_datetime64_any_dtype(people["birth_date"])
    for col in ["sa_id", "first_name", "last_name", "sex", "suburb", "postal_code", "province"]:
        assert pd.api.types.is_string_dtype(people[col]), col
        assert people[col].notna().all(), col


def test_sa_ids_are_13_digits_pass_luhn_and_are_unique(people):
    assert people["sa_id"].str.fullmatch(r"[0-9]{13}").all()
    assert validate_sa_id(people["sa_id"]).all()
    assert people["sa_id"].is_unique


def test_sa_ids_encode_birth_date_and_sex(people):
    assert sa_id_matches(people["sa_id"], people["birth_date"], people["sex"]).all()
    sequence = people["sa_id"].str[6:10].astype(int)
    assert (sequence[people["sex"] == "F"] < 5000).all()
    assert (sequence[people["sex"] == "M"] >= 5000).all()
    assert people["sa_id"].str[10].isin(["0", "1"]).all()
    assert (people["sa_id"].str[10] == "0").mean() > 0.9  # mostly citizens


def test_ages_are_in_configured_range_and_agree_with_birth_dates(people):
    spec = CONFIG.population
    assert people["age"].between(spec.min_age, spec.max_age).all()
    assert (age_on(people["birth_date"], CONFIG.simulation.start_date) == people["age"]).all()


def test_age_pyramid_has_more_children_than_old_people(people):
    assert (people["age"] < 15).sum() > 3 * (people["age"] >= 65).sum()


def test_population_groups_follow_configured_shares(people):
    shares = people["population_group"].value_counts(normalize=True)
    for group, share in CONFIG.population.group_shares.items():
        assert shares[group] == pytest.approx(share, abs=0.01)


def test_addresses_are_in_the_configured_province(people):
    assert (people["province"] == CONFIG.population.province).all()
    assert people["postal_code"].str.fullmatch(r"[0-9]{4}").all()
    assert people["street_address"].str.match(r"^[0-9]+ \S").all()


def test_same_seed_gives_identical_population_and_another_seed_differs(people):
    pd.testing.assert_frame_equal(generate_population(CONFIG, size=N), people)
    other = generate_population(load_config("small", seed=CONFIG.seed + 1), size=N)
    assert not other["sa_id"].equals(people["sa_id"])
    assert not other["first_name"].equals(people["first_name"])


def test_sa_id_sequences_stay_unique_when_thousands_share_a_birthday():
    birth = np.full(4000, np.datetime64("1990-06-15"))
    male = np.arange(4000) % 2 == 0
    ids = make_sa_ids(stream(1, None, "t"), birth, male)
    assert ids.is_unique and validate_sa_id(ids).all()


def test_more_people_than_sequence_numbers_on_one_birthday_fails_clearly():
    birth = np.full(5001, np.datetime64("1990-06-15"))
    with pytest.raises(ValueError, match="share a birth date and sex"):
        make_sa_ids(stream(1, None, "t"), birth, np.zeros(5001, bool))


def test_separate_rolls_never_collide():
    birth = np.full(200, np.datetime64("1985-02-01"))
    male = np.zeros(200, bool)
    ids = [make_sa_ids(stream(1, None, r), birth, male, roll=r) for r in ID_ROLLS]
    assert len(set().union(*map(set, ids))) == 600


def test_roll_ranges_are_disjoint_and_cover_every_sequence_number():
    numbers = sorted(n for r in ID_ROLLS.values() for n in r)
    assert numbers == list(range(ID_SEQUENCES_PER_SEX))


def test_an_unknown_roll_is_refused_by_name():
    with pytest.raises(ValueError, match="roll: 'visitors'"):
        make_sa_ids(
            stream(1, None, "t"), np.array(["1990-01-01"], "datetime64[D]"), [True], roll="visitors"
        )


def test_a_roll_full_on_one_birthday_fails_clearly_naming_the_roll():
    birth = np.full(251, np.datetime64("1990-06-15"))
    with pytest.raises(ValueError, match="more than 250 people of the staff roll"):
        make_sa_ids(stream(1, None, "t"), birth, np.zeros(251, bool), roll="staff")


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.dates(dt.date(1920, 1, 1), dt.date(2010, 12, 31)), min_size=1, max_size=60),
    st.lists(st.booleans(), min_size=60, max_size=60),
    st.integers(0, 2**32),
)
def test_ids_of_the_three_rolls_are_valid_matching_and_never_shared(births, males, seed):
    """Same birth dates and sexes, each roll drawn from its own stream (as setup does): the
    numbers are valid, encode the date and sex, and no number appears on two rolls."""
    birth = np.array(births * 3, "datetime64[D]")
    male = np.array(males[: len(births)] * 3)
    issued = []
    for roll in ID_ROLLS:
        ids = make_sa_ids(stream(seed, None, f"{roll}.sa_id"), birth, male, roll=roll)
        sexes = np.where(male, "M", "F")
        assert validate_sa_id(ids).all() and sa_id_matches(ids, birth, sexes).all()
        assert ids.is_unique
        issued.append(set(ids))
    assert not (issued[0] & issued[1] or issued[0] & issued[2] or issued[1] & issued[2])


@settings(max_examples=60, deadline=None)
@given(st.dates(dt.date(1900, 1, 1), dt.date(2099, 12, 31)), st.booleans(), st.integers(0, 2**32))
def test_any_birth_date_and_sex_give_a_valid_matching_id(birth, male, seed):
    ids = make_sa_ids(
        stream(seed, None, "id"), np.array([birth], "datetime64[D]"), np.array([male])
    )
    assert validate_sa_id(ids).all()
    assert sa_id_matches(ids, np.array([birth], "datetime64[D]"), np.array(["M" if male else "F"]))


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 12), st.integers(1, 9))
def test_changing_any_single_digit_invalidates_an_id(position, shift):
    valid = "8001015009087"
    digits = list(valid)
    digits[position] = str((int(digits[position]) + shift) % 10)
    assert validate_sa_id([valid]).all()
    assert not validate_sa_id(["".join(digits)]).any()


def test_malformed_ids_are_invalid_not_errors():
    assert (
        validate_sa_id(["", "abc", "800101500908", "80010150090870", None]).tolist() == [False] * 5
    )


def test_birthday_counts_from_the_day_itself_including_leap_days():
    birth = np.array(["2000-03-01", "2000-03-02", "2000-02-29"], "datetime64[D]")
    assert age_on(birth, dt.date(2024, 3, 1)).tolist() == [24, 23, 24]
    dates = dates_whole_years_before(dt.date(2024, 2, 29), np.array([0, 1, 40]), np.zeros(3))
    assert age_on(dates, dt.date(2024, 2, 29)).tolist() == [0, 1, 40]


def test_unknown_population_group_fails_clearly():
    with pytest.raises(ValueError, match="no name data"):
        draw_names(stream(1, None, "n"), np.array(["Martian"]), np.array([True]))
