"""The arrival forecaster: accuracy vs seasonal naive, calibrated intervals, no look-ahead,
short-history fallback, artefact round trip, determinism."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from hospital_twin.config import load_config
from hospital_twin.forecast import model as forecast
from hospital_twin.forecast.backtest import backtest, synthetic_arrivals
from hospital_twin.forecast.features import holiday_flags, origin_features, seasonal_naive

COLUMNS = ["date", "horizon", "mean", "lo80", "hi80", "lo95", "hi95"]


@pytest.fixture(scope="module")
def series() -> pd.Series:
    """About three years of NB counts with weekly and yearly seasonality."""
    return synthetic_arrivals(days=3 * 365, mean=120, nb_size=30, seed=7)


@pytest.fixture(scope="module")
def scored(series: pd.Series):
    return backtest(series, horizon=28, min_history=180, step=14, refit_every=182)


@pytest.fixture(scope="module")
def fitted(series: pd.Series) -> forecast.ArrivalForecaster:
    return forecast.fit(series, load_config("small"))


def test_forecaster_beats_seasonal_naive_by_ten_percent_mae(scored):
    assert scored.mae_improvement >= 0.10, scored.summary
    assert scored.summary.loc["model", "mase"] < scored.summary.loc["seasonal_naive", "mase"]


@pytest.mark.parametrize(("column", "nominal"), [("coverage_80", 0.80), ("coverage_95", 0.95)])
def test_intervals_cover_at_nominal_rate_in_backtest(scored, column, nominal):
    assert abs(scored.summary.loc["model", column] - nominal) <= 0.05, scored.summary


def test_backtest_reports_rows_per_origin_and_method(scored):
    rows = scored.rows
    assert set(rows["method"]) == {"model", "seasonal_naive"}
    assert rows.groupby("method").size().nunique() == 1
    assert list(scored.summary.columns) == [
        "mae",
        "mase",
        "coverage_80",
        "coverage_95",
        "n_origins",
    ]
    assert set(scored.as_dict()) == {"model", "seasonal_naive"}


def test_predict_gives_ordered_intervals_after_the_training_end(fitted, series):
    frame = fitted.predict(horizon=28)
    assert list(frame.columns[: len(COLUMNS)]) == COLUMNS
    assert len(frame) == 28
    assert frame["date"].iloc[0] == series.index[-1] + pd.Timedelta(days=1)
    assert (frame["lo95"] <= frame["lo80"]).all() and (frame["lo80"] <= frame["hi80"]).all()
    assert (frame["hi80"] <= frame["hi95"]).all() and (frame["lo95"] >= 0).all()
    assert frame["mean"].between(frame["lo95"], frame["hi95"]).all()


def test_features_use_nothing_at_or_after_the_origin(series):
    y = series.to_numpy().copy()
    origin = 700
    o, h = np.full(28, origin), np.arange(1, 29)
    before, level = origin_features(y, series.index[0], o, h, 28, "ZA")
    y[origin:] = 1e6  # the future changes wildly
    after, level_after = origin_features(y, series.index[0], o, h, 28, "ZA")
    pd.testing.assert_frame_equal(before, after)
    np.testing.assert_array_equal(level, level_after)


def test_forecast_from_later_history_does_not_refit(fitted, series):
    later = pd.concat([series, synthetic_arrivals(start="2025-01-01", days=30, mean=240, seed=3)])
    base = fitted.predict(14)
    moved = fitted.predict(14, history=later)
    assert moved["date"].iloc[0] == later.index[-1] + pd.Timedelta(days=1)
    assert moved["mean"].mean() > 1.5 * base["mean"].mean()  # follows the new level


def test_south_african_public_holidays_are_flagged():
    dates = pd.to_datetime(["2024-03-21", "2024-03-22", "2024-12-16", "2024-06-16"])
    assert holiday_flags(pd.DatetimeIndex(dates), "ZA").tolist() == [1.0, 0.0, 1.0, 1.0]


def test_short_history_falls_back_to_seasonal_naive_with_a_reason():
    short = synthetic_arrivals(days=40, seed=1)
    result = forecast.forecast_or_fallback(short, horizon=28, min_history_days=56)
    assert result.method == "seasonal_naive" and result.forecaster is None
    assert "too short" in result.reason and "40" in result.reason
    frame = result.forecast
    assert list(frame.columns) == COLUMNS and len(frame) == 28
    np.testing.assert_array_equal(frame["mean"].iloc[:7], short.iloc[-7:].to_numpy())
    assert (frame["hi95"] - frame["lo95"] > frame["hi80"] - frame["lo80"]).all()


def test_unfittable_history_falls_back_instead_of_failing():
    zeros = pd.Series(0.0, index=pd.date_range("2024-01-01", periods=200))
    result = forecast.forecast_or_fallback(zeros, horizon=14, min_history_days=56)
    assert result.method == "seasonal_naive" and "zero" in result.reason
    assert (result.forecast["mean"] == 0).all()


def test_enough_history_uses_the_model():
    result = forecast.forecast_or_fallback(synthetic_arrivals(days=120, seed=2), 28, 56)
    assert result.method == forecast.MODEL_NAME and result.reason is None
    assert len(result.forecast) == 28


def test_seasonal_naive_survives_a_few_days_of_history():
    frame = seasonal_naive(synthetic_arrivals(days=3, seed=4), 10)
    assert len(frame) == 10 and np.isfinite(frame[COLUMNS[2:]].to_numpy()).all()


def test_gaps_in_the_series_are_tolerated():
    s = synthetic_arrivals(days=500, seed=5)
    s.iloc[300:330] = np.nan
    s = s.drop(s.index[400:410])
    frame = forecast.fit(s).predict(28)
    assert np.isfinite(frame[COLUMNS[2:]].to_numpy()).all()


def test_artefact_round_trip_predicts_the_same(fitted, tmp_path):
    path = forecast.save(fitted, tmp_path)
    meta = json.loads((path / "meta.json").read_text())
    assert meta["version"] == fitted.version
    assert meta["train_start"] == fitted.train_start.date().isoformat()
    assert meta["train_end"] == fitted.train_end.date().isoformat()
    assert {"params", "nb_size", "interval_levels"} <= set(meta)
    again = forecast.load(path)
    pd.testing.assert_frame_equal(again.predict(28), fitted.predict(28))
    assert forecast.load(path / "meta.json").version == fitted.version


def test_fit_is_deterministic(series):
    short = series.iloc[:500]
    a, b = forecast.fit(short), forecast.fit(short)
    assert a.version == b.version
    pd.testing.assert_frame_equal(a.predict(28), b.predict(28))


def test_params_come_from_the_hospital_config():
    config = load_config("small")
    params = forecast.as_params(config)
    assert params.horizon_days == config.forecast.horizon_days
    assert params.min_history_days == config.forecast.min_history_days
    assert forecast.as_params({"num_leaves": 7}).num_leaves == 7
