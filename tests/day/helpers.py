"""What the flow tests share: a small hospital, one day's visits, and the invariants."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from hospital_twin.config import load_config
from hospital_twin.day import flow
from hospital_twin.day.visits import VisitSampler, generate_visits
from tests.support import factories

DAY = dt.date(2024, 3, 5)
CONFIG = load_config("small")
ALWAYS = {t.name: 1.0 for t in CONFIG.visits.triage_levels}
PEOPLE = factories.population(3000)
PROFILES = factories.illness(PEOPLE)
SAMPLER = VisitSampler.from_frames(PEOPLE, PROFILES)
VISITS = generate_visits(CONFIG, DAY, sampler=SAMPLER)
# Medicine has one bed, taken until 05:00.
BUSY_MEDICINE = factories.census(DAY, [("Medicine", 5.0)])
ONE_BED = {"Medicine": 1}


def policy_config(policy: str, **flow_fields):
    """Every ED patient needs a bed; the given overflow policy."""
    fields = {"overflow_policy": policy, "ed_admission_prob_by_triage": ALWAYS} | flow_fields
    return load_config("small", flow=fields)


def at(hours: float) -> pd.Timestamp:
    return pd.Timestamp(DAY) + pd.Timedelta(hours=hours)


def check_conservation(result: flow.FlowResult, census: pd.DataFrame) -> None:
    """Per ward and in total: the census at the start plus who came equals who left plus the
    census at the end."""
    w = result.ward_day
    inflow = w["occupancy_start"] + w["admissions"] + w["moves_in"]
    assert (inflow - w["discharges"] - w["moves_out"] == w["occupancy_end"]).all()
    placed = result.admissions["status"].ne("refused").sum()
    assert len(census) + placed == len(result.discharges) + len(result.census_end)


def check_capacity(result: flow.FlowResult, beds: dict[str, int]) -> None:
    """No bed is taken beyond a ward's beds, and the bed log replays to the occupancy."""
    log = result.bed_log
    limit = log["ward"].map(beds)
    assert (log.loc[log["change"] == 1, "occupancy"] <= limit[log["change"] == 1]).all()
    assert (result.ward_day["peak_occupancy"] <= result.ward_day["beds"]).all()
    start = result.ward_day.set_index("ward")["occupancy_start"]
    replay = start[log["ward"]].to_numpy() + log.groupby("ward")["change"].cumsum().to_numpy()
    assert (replay == log["occupancy"]).all()
