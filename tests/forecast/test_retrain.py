"""The daily retrain's choices: which streams are forecast, when models are refitted (and found
again instead of refitted), and the rows a forecast leaves."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd

from hospital_twin.config import load_config
from hospital_twin.contracts import ED_STREAM
from hospital_twin.forecast import model, retrain
from hospital_twin.forecast.backtest import synthetic_arrivals

DAY = dt.date(2024, 2, 29)


def _rows(stream: str, per_day: float, days: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {"stream": stream, "sim_date": pd.to_datetime(days).date, "arrivals": per_day}
    )


def test_ed_and_busy_wards_are_forecast_quiet_wards_are_not() -> None:
    days = ["2024-01-01", "2024-01-02", "2024-01-04"]
    frame = pd.concat(
        [
            _rows(ED_STREAM, 1.0, days),
            _rows("admissions:Medicine", 2 * retrain.MIN_DAILY_ADMISSIONS, days),
            _rows("admissions:Oncology", retrain.MIN_DAILY_ADMISSIONS / 2, days),
        ]
    )
    series = retrain.stream_series(frame)
    assert sorted(series) == [ED_STREAM, "admissions:Medicine"]
    medicine = series["admissions:Medicine"]
    assert medicine.index.freqstr == "D" and medicine.loc["2024-01-03"] == 0.0  # a day with none


def test_a_forecast_leaves_one_row_per_target_day_with_its_intervals() -> None:
    config = load_config("small")
    s = pd.Series(10.0, index=pd.date_range("2024-02-01", DAY, freq="D"))
    result = model.forecast_or_fallback(s, 14, 56, config)
    rows = retrain.forecast_rows(DAY, ED_STREAM, result, "v1")
    assert len(rows) == 14 and rows["target_date"].iloc[0] == DAY + dt.timedelta(days=1)
    assert set(rows["method"]) == {"seasonal_naive"}  # 29 days < 56: the fallback
    assert (rows["lo95"] <= rows["lo80"]).all() and (rows["hi80"] <= rows["hi95"]).all()


def test_no_backtest_while_history_is_shorter_than_the_protocol_needs() -> None:
    config = load_config("small")
    short = config.forecast.min_history_days + config.forecast.horizon_days - 1
    s = pd.Series(10.0, index=pd.date_range("2023-01-01", periods=short, freq="D"))
    assert retrain.recent_backtest(s, config) is None


def test_the_backtest_runs_once_a_week_of_simulated_days_the_120th_included() -> None:
    config = load_config("default")
    start = config.simulation.start_date
    due = [d for d in range(120) if retrain.backtest_due(start + dt.timedelta(days=d), config)]
    assert due == list(range(0, 120, 7)) and due[-1] == 119
    long = pd.Series(
        np.random.default_rng(0).poisson(50, 120).astype(float),
        index=pd.date_range(start, periods=120, freq="D"),
    )
    assert retrain.recent_backtest(long, config) is not None  # 120 days are enough


def test_models_are_refitted_every_k_days_and_forecast_from_todays_history_between() -> None:
    config = load_config("small")
    min_history = config.forecast.min_history_days
    s = synthetic_arrivals(start="2024-01-01", days=min_history + 2 * retrain.REFIT_EVERY)
    store = retrain.MemoryStore()
    fitted_on, versions = [], set()
    for n in range(min_history, len(s) + 1):
        day = s.index[n - 1].date()
        out = retrain.retrain_day({ED_STREAM: s.iloc[:n]}, day, config, store)[ED_STREAM]
        f = out.result.forecaster
        assert out.result.method == model.MODEL_NAME
        assert out.result.forecast["date"].iloc[0] == s.index[n - 1] + pd.Timedelta(days=1)
        assert f.train_end == s.index[retrain.fit_length(n, min_history) - 1]
        if out.refitted:
            fitted_on.append(n)
        versions.add(f.version)
    step = retrain.REFIT_EVERY
    assert fitted_on == [min_history, min_history + step, min_history + 2 * step]
    assert len(versions) == 3 and len(store.models) == 3


def test_a_stored_model_forecasts_as_a_fresh_fit_of_its_refit_day() -> None:
    config = load_config("small")
    s = synthetic_arrivals(days=80, seed=11)
    stored, _ = retrain.stream_forecast(s, config, retrain.MemoryStore())
    params = dataclasses.replace(model.as_params(config), horizon_days=config.forecast.horizon_days)
    n = retrain.fit_length(len(s), config.forecast.min_history_days)
    fresh = model.fit(s.iloc[:n], params).predict(history=s)
    pd.testing.assert_frame_equal(stored.forecast, fresh)


def test_the_weekly_backtest_scores_the_models_the_days_fitted() -> None:
    config = load_config("small")
    s = synthetic_arrivals(start="2024-01-01", days=120, seed=12)
    store = retrain.MemoryStore()
    for n in range(config.forecast.min_history_days, len(s) + 1):
        retrain.stream_forecast(s.iloc[:n], config, store)
    before = len(store.models)
    scored = retrain.recent_backtest(s, config, store)
    assert len(store.models) == before  # every origin's model was the stored one
    assert scored.summary.loc["model", "n_origins"] >= 5


def test_the_lake_keeps_models_by_stream_and_version(tmp_path) -> None:
    from hospital_twin.io.lake import Lake
    from hospital_twin.tasks.forecast import LakeModels

    config = load_config("small")
    s = synthetic_arrivals(days=70, seed=13)
    store = LakeModels(Lake(tmp_path))
    first, fitted = retrain.stream_forecast(s, config, store, "admissions:Medicine")
    again, refitted = retrain.stream_forecast(s, config, store, "admissions:Medicine")
    assert fitted and not refitted
    assert again.forecaster.version == first.forecaster.version
    pd.testing.assert_frame_equal(again.forecast, first.forecast)
    assert store.get(ED_STREAM, first.forecaster.version) is None  # another stream's folder
