"""Closed loop on the twin's own data: the default hospital run for 90 days with
`day.run.run_day` (pure, no services), the capacity inputs read from those days only.

One simulation serves the module (about a minute: population, then 90 days).
"""

from __future__ import annotations

import numpy as np
import pytest

from hospital_twin.capacity import closed_loop as cl
from hospital_twin.capacity import inputs
from hospital_twin.capacity.los_fit import LosEstimate, fit_los, from_config
from hospital_twin.capacity.planner import wait_share
from hospital_twin.config import load_config

CONFIG = load_config("default")
RUNS = 1000


@pytest.fixture(scope="module")
def history() -> cl.History:
    return cl.simulate(CONFIG, 90)


def test_after_90_days_the_fitted_los_of_well_observed_wards_is_the_truth(history) -> None:
    seen = cl.observed_inputs(history, history.days[-1])
    truth = cl.truth_los(CONFIG)
    checked = 0
    for ward in CONFIG.wards:
        stays = seen["stays"][seen["stays"]["ward"] == ward.name]
        if (~stays["censored"]).sum() >= 200:
            fitted = fit_los(stays["stay_days"].to_numpy(), stays["censored"].to_numpy()).mean
            assert fitted == pytest.approx(truth[ward.name], rel=0.05), ward.name
            blended = inputs.los_estimate(CONFIG, ward.name, seen["stays"]).model.mean
            assert blended == pytest.approx(truth[ward.name], rel=0.05), ward.name
            checked += 1
    assert checked >= 5  # the large wards, High Care's step-down stays among them


def test_after_7_days_the_recommendation_is_the_true_los_one_or_says_the_data_are_thin(
    history,
) -> None:
    """Against the recommendation made with the configured (true) LOS carrying the same
    uncertainty of its mean: what moves is the estimate itself, not the honest widening that
    a 7-day-old mean brings (that widening is the point of drawing it per run). A ward whose
    data are too thin keeps its configured beds and says why."""
    origin = history.days[6]
    blended = cl.predict(CONFIG, history, origin, 28, RUNS)
    truth = {p.ward: LosEstimate(from_config(CONFIG.ward(p.ward).los), p.los.log_sd, 0.0)
             for p in blended}  # fmt: skip
    known = {p.ward: p for p in cl.predict(CONFIG, history, origin, 28, RUNS, los_override=truth)}
    target = CONFIG.capacity.refusal_target
    for p in blended:
        if p.thin:
            assert p.recommended == CONFIG.ward(p.ward).beds, p.ward
            continue
        # the Monte Carlo noise of each recommendation: its sd over the runs' draws
        noise = 2 * np.hypot(
            known[p.ward].risk.demand.beds_sd(target), p.risk.demand.beds_sd(target)
        )
        moved = abs(p.recommended - known[p.ward].risk.recommended_beds)
        assert moved <= noise + 1, (p.ward, moved, noise, p.los.model.description)


def test_ten_days_of_data_do_not_move_the_beds(history) -> None:
    """After 10 simulated days the arrival level is still the configured steady state: every
    ward keeps its configured beds and says the data are too thin, where the Monte Carlo on
    the configured assumptions alone put every ward 4-15 beds short at 14-53 % occupancy."""
    for p in cl.predict(CONFIG, history, history.days[9], 28, 300):
        assert p.thin and "steady state" in p.thin, p.ward
        assert p.recommended == CONFIG.ward(p.ward).beds


def test_with_three_months_of_data_the_recommendation_is_the_data_s(history) -> None:
    """From the day the arrival level is measured and the stays outweigh the configured LOS,
    the data move the recommendation: no ward of the default hospital is held then."""
    predictions = cl.predict(CONFIG, history, history.days[-1], 28, 300, forecasts=cl.NO_FORECASTS)
    assert [p.ward for p in predictions if p.thin] == []
    assert all(p.recommended == p.risk.recommended_beds for p in predictions)


def test_the_study_takes_the_forecasts_the_daily_retrain_stores(history) -> None:
    """From 56 days of history on, the wards admitting 5 a day or more are forecast by the
    model (not the seasonal naive fallback) and the study's arrivals come from it."""
    origin = history.days[-1]
    stored = cl.stored_forecasts(CONFIG, history, origin)
    modelled = set(stored.loc[stored["method"] != "seasonal_naive", "stream"])
    assert {"admissions:Medicine", "admissions:Surgery", "admissions:ICU"} <= modelled
    sources = {p.ward: p.arrivals for p in cl.predict(CONFIG, history, origin, 14, 200,
                                                      forecasts=stored)}  # fmt: skip
    assert sources["Medicine"].startswith("forecast admissions:Medicine")
    assert sources["Palliative"].startswith("recent admissions")  # ~1 a day: no model


def test_the_ed_wait_shares_are_those_the_twin_records(history) -> None:
    """The planner's shares of ED admissions waiting over 4 h / 12 h, at each ward's load as
    the twin ran it (mean census from day 30 on), against the waits the twin recorded:
    a ward of 300 beds at three quarters full makes nobody wait; a ward of 10-20 beds at the
    same occupancy makes one patient in twenty or more wait over 4 h, refused ones included.
    A constant share cannot be both."""
    start = history.days[29]
    days = len(history.days) - 30
    waits = cl.realised_waits(history, start, days).set_index("ward")
    census = cl.realised(history, start, days).groupby("ward")["occupancy_end"].mean()
    for size, wards in (("large", [w for w in CONFIG.wards if w.beds >= 200]),
                        ("small", [w for w in CONFIG.wards if w.beds <= 20])):  # fmt: skip
        n = waits.loc[[w.name for w in wards], "ed_admissions"]
        for hours in cl.WAIT_HOURS:
            seen = waits.loc[n.index, f"over_{hours}h"].sum() / n.sum()
            shares = [
                wait_share(hours, w.beds, np.array([census[w.name]]), cl.truth_los(CONFIG)[w.name])
                for w in wards
            ]
            predicted = float(np.dot(shares, n) / n.sum())
            if size == "large":
                assert predicted < 0.005 and seen < 0.005, (hours, predicted, seen)
            else:
                assert seen > 0.02 and predicted / 2 <= seen <= predicted * 2, (
                    hours, predicted, seen)  # fmt: skip
