"""Rolling-origin backtest of the arrival forecaster against the seasonal naive forecast.

From every origin (after `min_history` days, every `step` days) both methods forecast the next
`horizon` days from the data before the origin only; the forecaster is refitted every
`refit_every` days (a fit uses only data before its refit day, and later origins forecast from
their own, longer history without refitting), by `fitter` when given (the daily retrain passes
one that finds the models it stored). Per origin and method: MAE, MASE (MAE over the
in-sample one-week seasonal naive MAE of the history, Hyndman & Koehler 2006) and the share
of actual counts inside the 80 % and 95 % intervals. The summary averages over origins.

`synthetic_arrivals` makes test series: weekly and yearly seasonality with negative-binomial
(over-dispersed) noise, as hospital arrival counts are.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hospital_twin.forecast.features import daily_series, seasonal_naive, seasonal_naive_scale
from hospital_twin.forecast.model import ArrivalForecaster, ParamsLike, as_params, fit

METHODS = ("model", "seasonal_naive")


@dataclass(frozen=True)
class BacktestResult:
    rows: pd.DataFrame  # origin, method, mae, mase, coverage_80, coverage_95, n
    summary: pd.DataFrame  # index method: mae, mase, coverage_80, coverage_95, n_origins

    def as_dict(self) -> dict[str, dict[str, float]]:
        """Small JSON-able summary (for XCom or a metrics table)."""
        return {m: {k: float(v) for k, v in row.items()} for m, row in self.summary.iterrows()}

    @property
    def mae_improvement(self) -> float:
        """1 - MAE(model) / MAE(seasonal naive): 0.1 means 10 % better than naive."""
        return float(
            1 - self.summary.loc["model", "mae"] / self.summary.loc["seasonal_naive", "mae"]
        )


def _score(actual: np.ndarray, frame: pd.DataFrame, scale: float) -> dict[str, float]:
    ok = ~np.isnan(actual)
    if not ok.any():
        return {k: float("nan") for k in ("mae", "mase", "coverage_80", "coverage_95")} | {"n": 0}
    a = actual[ok]
    f = frame[ok]
    mae = float(np.abs(a - f["mean"].to_numpy()).mean())
    return {
        "mae": mae,
        "mase": mae / scale if scale > 0 else float("nan"),
        "coverage_80": float(((a >= f["lo80"]) & (a <= f["hi80"])).mean()),
        "coverage_95": float(((a >= f["lo95"]) & (a <= f["hi95"])).mean()),
        "n": int(ok.sum()),
    }


def backtest(
    series: pd.Series,
    horizon: int = 28,
    min_history: int = 180,
    step: int = 7,
    refit_every: int = 91,
    config_or_params: ParamsLike = None,
    origins: Sequence[int] | None = None,
    fitter: Callable[[pd.Series], ArrivalForecaster] | None = None,
) -> BacktestResult:
    """Rolling-origin backtest; `refit_every` trades fidelity (small) for speed (large).

    `origins` (indices into the series) replaces the protocol's every `step` days from
    `min_history`; `fitter(history)` replaces `fit(history, params)`."""
    s = daily_series(series)
    y = s.to_numpy()
    p = dataclasses.replace(as_params(config_or_params), horizon_days=horizon)
    if origins is None:
        origins = range(min_history, len(s) - horizon + 1, step)
    if not origins:
        raise ValueError(f"series of {len(s)} days is too short for min_history {min_history}")
    fitter = fitter or (lambda history: fit(history, p))
    rows, forecaster, fitted_at = [], None, None
    for o in origins:
        if forecaster is None or o - fitted_at >= refit_every:
            forecaster, fitted_at = fitter(s.iloc[:o]), o
        history = s.iloc[:o]
        actual = y[o : o + horizon]
        scale = seasonal_naive_scale(y[:o])
        frames = {
            "model": forecaster.predict(horizon, history=history),
            "seasonal_naive": seasonal_naive(history, horizon),
        }
        for method, frame in frames.items():
            rows.append({"origin": s.index[o], "method": method, **_score(actual, frame, scale)})
    table = pd.DataFrame(rows)
    summary = table.groupby("method")[["mae", "mase", "coverage_80", "coverage_95"]].mean()
    summary["n_origins"] = table.groupby("method").size()
    return BacktestResult(rows=table, summary=summary.reindex(list(METHODS)))


def synthetic_arrivals(
    start: str = "2022-01-01",
    days: int = 3 * 365,
    mean: float = 120.0,
    weekly_amplitude: float = 0.25,
    yearly_amplitude: float = 0.2,
    nb_size: float = 30.0,
    seed: int = 0,
) -> pd.Series:
    """Daily NB counts with weekday and winter (June-July peak) seasonality, for tests."""
    rng = np.random.default_rng(seed)
    index = pd.date_range(start, periods=days, freq="D")
    weekly = 1 + weekly_amplitude * np.cos(2 * np.pi * index.dayofweek.to_numpy() / 7)
    yearly = 1 + yearly_amplitude * np.cos(2 * np.pi * (index.dayofyear.to_numpy() - 182) / 365.25)
    mu = mean * weekly * yearly
    counts = rng.negative_binomial(nb_size, nb_size / (nb_size + mu))
    return pd.Series(counts.astype(float), index=index, name="arrivals")
