"""The forecaster's settings: defaults, what a hospital config sets, and their JSON form.

A model is named by its settings and its data (`model.model_version`), and meta.json keeps
them, so a stored model is read back with the settings it was fitted with.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from hospital_twin.config import Forecast, HospitalConfig
from hospital_twin.forecast import calendar as volume
from hospital_twin.forecast.calendar import Period


@dataclass(frozen=True)
class ForecastParams:
    """Forecaster settings; `horizon_days`/`min_history_days` come from `config.forecast`."""

    horizon_days: int = 28
    min_history_days: int = 56
    holiday_country: str = "ZA"
    level_window: int = 28  # a fitted model's: the candidate `choose_window` picked
    level_windows: tuple[int, ...] = (7, 14, 28)  # candidates, scored on the history
    trees_weights: tuple[float, ...] = (0.0, 0.25, 0.5, 0.75, 1.0)  # scored out of fold
    origin_step: int = 3
    num_boost_round: int = 100
    learning_rate: float = 0.075
    num_leaves: int = 15
    min_data_in_leaf: int = 40
    feature_fraction: float = 0.9
    lambda_l2: float = 1.0
    n_jobs: int = 1
    seed: int = 0
    calibration_folds: int = 2
    calibration_days: int = 182
    horizon_buckets: tuple[int, ...] = (7, 14)
    min_calibration_pairs: int = 200
    yearly_min_days: int = 400
    # The hospital's volume calendar (`forecast.calendar`): arrivals modelled per unit of
    # planned volume. Off for a bare series; `as_params(config)` switches it on.
    monthly_volume: bool = False
    reduced_periods: tuple[Period, ...] = ()

    def exposure(self, start: pd.Timestamp, days: int) -> np.ndarray | None:
        """Planned volume of the `days` days from `start`, or None without a calendar."""
        if not self.monthly_volume and not self.reduced_periods:
            return None
        return _exposure(pd.Timestamp(start), days, self.reduced_periods, self.monthly_volume)

    def yearly(self, days: int) -> bool:
        """Use month/day-of-year features only with enough history (a year and a level window)."""
        return days >= self.yearly_min_days

    def lgb_params(self) -> dict[str, Any]:
        return {
            "objective": "poisson",
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "min_data_in_leaf": self.min_data_in_leaf,
            "feature_fraction": self.feature_fraction,
            "lambda_l2": self.lambda_l2,
            "num_threads": self.n_jobs,
            "seed": self.seed,
            "deterministic": True,
            "force_col_wise": True,
            "verbose": -1,
        }


ParamsLike = ForecastParams | HospitalConfig | Forecast | Mapping[str, Any] | None


def as_params(config_or_params: ParamsLike) -> ForecastParams:
    """ForecastParams from a hospital config, its `forecast` section, a dict or None."""
    if config_or_params is None:
        return ForecastParams()
    if isinstance(config_or_params, ForecastParams):
        return config_or_params
    if isinstance(config_or_params, HospitalConfig):
        return ForecastParams(
            horizon_days=config_or_params.forecast.horizon_days,
            min_history_days=config_or_params.forecast.min_history_days,
            monthly_volume=True,
            reduced_periods=volume.reduced_periods(config_or_params),
        )
    if isinstance(config_or_params, Forecast):
        return ForecastParams(
            horizon_days=config_or_params.horizon_days,
            min_history_days=config_or_params.min_history_days,
        )
    values = dict(config_or_params)
    for name in ("horizon_buckets", "level_windows", "trees_weights"):
        if name in values:
            values[name] = tuple(values[name])
    if "reduced_periods" in values:
        values["reduced_periods"] = tuple(
            (str(a), str(b), float(r)) for a, b, r in values["reduced_periods"]
        )
    return ForecastParams(**values)


@functools.lru_cache(maxsize=256)
def _exposure(
    start: pd.Timestamp, days: int, periods: tuple[Period, ...], monthly: bool
) -> np.ndarray:
    """`volume.exposure` of `days` days from `start`, read-only and kept: every prediction
    and fit of a day asks for the same few calendars."""
    factor = volume.exposure(pd.date_range(start, periods=days, freq="D"), periods, monthly)
    factor.flags.writeable = False
    return factor


def params_json(p: ForecastParams) -> dict[str, Any]:
    """The params as JSON-able values (tuples as lists): how meta.json stores them."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(p).items()}
