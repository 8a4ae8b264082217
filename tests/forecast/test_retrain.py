"""The daily retrain's choices: which streams are forecast, and the rows a forecast leaves."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from hospital_twin.config import load_config
from hospital_twin.contracts import ED_STREAM
from hospital_twin.forecast import model, retrain

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
