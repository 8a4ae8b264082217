"""Reference dimensions from the config: every ward and outpatient service once, with beds or a
daily capacity, and every receiving facility by kind."""

from __future__ import annotations

from hospital_twin.config import load_config
from hospital_twin.setup.reference import facilities_frame, wards_frame

CONFIG = load_config("small")


def test_inpatient_wards_carry_beds_and_stay_outpatient_services_a_daily_capacity():
    wards = wards_frame(CONFIG).set_index("ward")
    assert wards.index.is_unique
    inpatient = wards[wards["kind"] == "inpatient"]
    assert list(inpatient.index) == [w.name for w in CONFIG.wards]
    for w in CONFIG.wards:
        row = wards.loc[w.name]
        assert (row["beds"], row["department"], row["los_dist"]) == (
            w.beds,
            w.department,
            w.los.dist,
        )
        assert row["los_mean_days"] == w.los.mean_days
    outpatient = wards[wards["kind"] == "outpatient"]
    assert dict(outpatient["daily_capacity"]) == CONFIG.visits.outpatient_capacity
    assert (outpatient["beds"] == 0).all() and outpatient["los_dist"].isna().all()
    assert inpatient["daily_capacity"].isna().all()
    assert str(wards["daily_capacity"].dtype) == "Int64"


def test_every_destination_is_a_facility_of_its_kind():
    facilities = facilities_frame(CONFIG)
    expected = {(f, k) for k, names in CONFIG.events.destinations.items() for f in names}
    assert set(zip(facilities["facility"], facilities["kind"], strict=True)) == expected
    assert len(facilities) == len(expected)
