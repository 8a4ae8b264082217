"""The hospital's volume calendar (month lengths, a reduced service) as a known exposure: the
forecaster and the recent rate model arrivals per unit of planned volume, so the end of a
reduced service moves the prediction on its date instead of dragging the level."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd
import pytest

from hospital_twin.capacity import inputs
from hospital_twin.config import load_config
from hospital_twin.day.visits import daily_volume
from hospital_twin.forecast import calendar
from hospital_twin.forecast import model as forecast

CONFIG = load_config("default")


def test_the_exposure_is_the_planned_daily_volume_of_the_twin() -> None:
    days = pd.date_range("2024-01-01", "2025-12-31", freq="D")
    planned = np.array([daily_volume(CONFIG, d.date()) for d in days])
    per_ordinary_day = CONFIG.visits.monthly_volume / calendar.MEAN_MONTH_DAYS
    assert calendar.config_exposure(CONFIG, days) * per_ordinary_day == pytest.approx(planned)
    params = forecast.as_params(CONFIG)
    assert params.monthly_volume and params.reduced_periods == calendar.reduced_periods(CONFIG)
    again = forecast.as_params(forecast.params_json(params))  # as meta.json stores it
    assert again.reduced_periods == params.reduced_periods


def test_the_forecaster_knows_a_reduced_service_ends() -> None:
    """Two months at 75 % volume up to the origin: with the calendar the next four weeks are
    forecast at the ordinary volume; read as a level, they would stay at 75 %."""
    days = pd.date_range("2023-01-01", "2024-05-31", freq="D")
    period = (("2024-04-01", "2024-05-31", 0.75),)
    params = forecast.ForecastParams(monthly_volume=True, reduced_periods=period)
    planned = calendar.exposure(days, period)
    counts = np.random.default_rng(3).poisson(100 * planned).astype(float)
    series = pd.Series(counts, index=days)
    ahead = calendar.exposure(pd.date_range("2024-06-01", periods=28, freq="D"))
    known = forecast.fit(series, params).predict(28)["mean"].to_numpy()
    assert known.mean() == pytest.approx(100 * ahead.mean(), rel=0.08)
    blind = dataclasses.replace(params, monthly_volume=False, reduced_periods=())
    assert forecast.fit(series, blind).predict(28)["mean"].mean() < 90


def test_the_recent_rate_knows_a_reduced_service_ends() -> None:
    """Four weeks of 6 requests a day at the end of the default profile's reduced service
    (75 % volume, January): February is forecast at 6 / 0.75 x 31 / 28 a day."""
    origin = dt.date(2025, 1, 31)
    dates = pd.date_range(end=origin, periods=inputs.RECENT_DAYS, freq="D").date
    history = pd.DataFrame({"sim_date": dates, "requested_ward": "Medicine", "arrivals": 6})
    stays = pd.DataFrame({"ward": [], "stay_days": [], "censored": []})
    nothing = pd.DataFrame(columns=["stream", "method", "origin_date", "target_date", "mean"])
    frame, _ = inputs.study_intensity(CONFIG, origin, 28, stays, nothing, history)
    medicine = frame[frame["ward"] == "Medicine"]
    assert medicine["mean"].to_numpy() == pytest.approx(6 / 0.75 * 31 / 28)
    assert medicine["level_cv"].to_numpy() == pytest.approx(0, abs=1e-12)  # no sampling error
