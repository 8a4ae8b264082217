"""A study's inputs: which LOS model and which arrival source each ward gets, and the work split."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from hospital_twin.capacity import inputs, intensity
from hospital_twin.capacity.los_fit import PRIOR_LOG_SD, from_config
from hospital_twin.capacity.montecarlo import ArrivalIntensity, census_days
from hospital_twin.config import load_config

ORIGIN = dt.date(2024, 3, 31)


@pytest.fixture(scope="module")
def config():
    return load_config("small")


def _stays(completed: int, censored: int = 0) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "ward": "Medicine",
            "stay_days": np.linspace(1.0, 9.0, completed + censored),
            "censored": [False] * completed + [True] * censored,
        }
    )


def test_ward_los_blends_the_configured_model_with_the_stays_by_their_number(config) -> None:
    configured = from_config(config.ward("Medicine").los).mean
    few = inputs.los_estimate(config, "Medicine", _stays(3, 40))
    many = inputs.los_estimate(config, "Medicine", _stays(3000))
    assert "3 completed + 40 open" in few.model.description
    assert few.data_weight < many.data_weight and few.log_sd > many.log_sd
    # 3 ended stays and 40 open ones: a lognormal fit extrapolates to years; the blend stays
    # within its weight times 3 prior sds of the configured mean
    assert abs(np.log(few.model.mean / configured)) <= 3 * PRIOR_LOG_SD * few.data_weight + 1e-9
    assert many.model.mean == pytest.approx(5.0, rel=0.05)  # the stays' own mean


def test_a_short_forecast_is_extended_by_repeating_its_last_week() -> None:
    dates = pd.date_range("2024-01-02", periods=14, freq="D")
    forecast = pd.DataFrame(
        {"target_date": dates[:7], "mean": range(1, 8), "lo80": 0.0, "hi80": 10.0}
    )
    out = intensity.extend_forecast(forecast, dates)
    assert list(out["mean"]) == [1, 2, 3, 4, 5, 6, 7] * 2
    assert list(out["date"]) == list(dates)


def test_the_steady_rate_fills_the_ward_to_the_warmup_occupancy_by_littles_law(config) -> None:
    los = from_config(config.ward("Medicine").los)
    rate = intensity.steady_rate(config, "Medicine", los)
    in_bed = rate * census_days(los, intensity.STEADY_STATE_DAYS).sum()
    assert in_bed == pytest.approx(config.simulation.warmup_occupancy * 30)  # small: 30 beds


def test_moment_nb_size_matches_mean_and_variance() -> None:
    rng = np.random.default_rng(1)
    counts = rng.negative_binomial(5, 5 / (5 + 8.0), size=20_000).astype(float)  # mean 8, size 5
    assert intensity.moment_nb_size(counts) == pytest.approx(5, rel=0.1)
    assert intensity.moment_nb_size(np.full(30, 4.0)) == np.inf  # no extra variance: Poisson


def _history(days: int) -> pd.DataFrame:
    dates = pd.date_range("2024-03-01", periods=days, freq="D").date
    return pd.DataFrame({"sim_date": dates, "requested_ward": "Medicine", "arrivals": 6})


NO_FORECAST = pd.DataFrame(columns=["stream", "method", "origin_date", "target_date", "mean"])


@pytest.mark.parametrize(
    ("days", "source"),
    [(inputs.RECENT_DAYS, "recent admissions"), (intensity.MIN_HISTORY_DAYS - 1, "steady state")],
)
def test_without_a_model_forecast_recent_history_then_the_steady_state_is_used(
    config, days, source
) -> None:
    frame, sources = inputs.study_intensity(
        config, ORIGIN, 30, _stays(0), NO_FORECAST, _history(days)
    )
    assert source in sources["Medicine"]["arrivals"]
    medicine = frame[frame["ward"] == "Medicine"]
    assert len(medicine) == 30 and medicine["date"].iloc[0] == pd.Timestamp("2024-04-01")
    if source == "recent admissions":
        # 6 a day in March (31 days) is 6 x 31 / 30 a day in April: the month's planned volume
        assert medicine["mean"].to_numpy() == pytest.approx(6 * 31 / 30)


def test_an_estimated_rate_carries_the_standard_error_of_its_level(config) -> None:
    """A rate read from 28 days of counts is uncertain by sd / sqrt(28) of its mean: one level
    factor per Monte Carlo run (`ArrivalIntensity.level_cv`), for the recent rate and for the
    forecast, whose level is the same 28-day mean; none for the configured steady state."""
    history = _history(inputs.RECENT_DAYS).assign(arrivals=np.tile([2, 10], 14))
    expected = np.std(np.tile([2.0, 10.0], 14), ddof=1) / np.sqrt(28) / 6
    dates = pd.date_range("2024-04-01", periods=28, freq="D")
    forecast = pd.DataFrame(
        {"stream": "admissions:Medicine", "origin_date": ORIGIN, "target_date": dates,
         "mean": 9.0, "lo80": 5.0, "hi80": 13.0, "method": "arrivals-lgbm-poisson"}
    )  # fmt: skip
    for forecasts in (NO_FORECAST, forecast):
        frame, _ = inputs.study_intensity(config, ORIGIN, 30, _stays(0), forecasts, history)
        medicine = frame[frame["ward"] == "Medicine"]
        assert medicine["level_cv"].to_numpy() == pytest.approx(expected)
        assert ArrivalIntensity.from_forecast(medicine).level_cv == pytest.approx(expected)
    frame, _ = inputs.study_intensity(config, ORIGIN, 30, _stays(0), NO_FORECAST, _history(3))
    assert (frame["level_cv"] == 0).all()


def test_the_level_uncertainty_counts_the_drift_the_history_shows(config) -> None:
    """Counts steady within each four weeks (no sampling error) but moving between 4 and 6 a
    day from one four weeks to the next: with a year's history the level is uncertain by
    about that move; with four weeks alone nothing shows it."""
    days = intensity.HISTORY_DAYS
    history = _history(days).assign(arrivals=np.where(np.arange(days) // 28 % 2, 6, 4))
    frame, _ = inputs.study_intensity(config, ORIGIN, 30, _stays(0), NO_FORECAST, history)
    cv = frame.loc[frame["ward"] == "Medicine", "level_cv"].iloc[0]
    assert 0.2 < cv < 0.5
    assert intensity.level_cv(history["arrivals"].to_numpy(float)[-28:]) == 0


def test_a_model_forecast_is_preferred_to_a_seasonal_naive_one(config) -> None:
    dates = pd.date_range("2024-04-01", periods=28, freq="D")
    forecast = pd.DataFrame(
        {"stream": "admissions:Medicine", "origin_date": ORIGIN, "target_date": dates,
         "mean": 9.0, "lo80": 5.0, "hi80": 13.0}
    )  # fmt: skip
    history = _history(inputs.RECENT_DAYS)
    for method, expected in (("arrivals-lgbm-poisson", "forecast"), ("seasonal_naive", "recent")):
        _, sources = inputs.study_intensity(
            config, ORIGIN, 30, _stays(0), forecast.assign(method=method), history
        )
        assert sources["Medicine"]["arrivals"].startswith(expected)


def test_work_is_cut_into_scenario_by_ward_chunks() -> None:
    items = inputs.work_items(["baseline", "winter_peak"], ["A", "B", "C"], 2)
    assert items == [
        {"scenario": "baseline", "wards": ["A", "B"]},
        {"scenario": "baseline", "wards": ["C"]},
        {"scenario": "winter_peak", "wards": ["A", "B"]},
        {"scenario": "winter_peak", "wards": ["C"]},
    ]


def test_chunks_are_balanced_by_work_not_by_ward_count() -> None:
    beds = {"A": 300, "B": 250, "C": 40, "D": 30, "E": 20, "F": 10}
    items = inputs.work_items(["baseline"], list(beds), 3, beds)
    chunks = [item["wards"] for item in items]
    assert sorted(w for c in chunks for w in c) == sorted(beds)  # every ward once
    assert len(chunks) == 2
    assert ["A", "B"] not in chunks, "the two big wards go to different tasks"
    loads = [sum(beds[w] for w in c) for c in chunks]
    assert max(loads) - min(loads) <= 40, chunks
