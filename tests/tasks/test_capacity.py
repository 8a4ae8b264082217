"""The scenario form's parameters are checked field by field before any simulation runs."""

from __future__ import annotations

import pandas as pd
import pytest

from hospital_twin.config import load_config
from hospital_twin.tasks.capacity import (
    MIN_COMPLETED_STAYS,
    ScenarioParamsError,
    _extend,
    los_for_ward,
    validate_params,
)


@pytest.fixture(scope="module")
def config():
    return load_config("small")


def test_defaults_come_from_the_profile(config) -> None:
    params = validate_params({}, config)
    assert params.scenarios == ["baseline"]
    assert params.runs == config.capacity.runs
    assert params.horizon_days == config.capacity.horizon_days
    assert params.risk_target == config.capacity.risk_target


def test_comma_separated_scenarios_are_accepted_and_deduplicated(config) -> None:
    params = validate_params({"scenarios": "baseline, winter_peak,baseline"}, config)
    assert params.scenarios == ["baseline", "winter_peak"]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"scenarios": ["heatwave"]}, r"scenarios: unknown \['heatwave'\]; available: \["),
        ({"runs": 5}, r"runs: 5 is outside \[100, 200000\]"),
        ({"horizon_days": "soon"}, r"horizon_days: expected a number, got 'soon'"),
        ({"risk_target": 0.9}, r"risk_target: 0.9 is outside"),
        ({"bed_levels": 1}, r"bed_levels: 1 is outside"),
    ],
)
def test_invalid_params_are_refused_naming_the_field(config, raw, message) -> None:
    with pytest.raises(ScenarioParamsError, match=message):
        validate_params(raw, config)


def test_configured_los_is_used_until_enough_stays_have_ended(config) -> None:
    few = pd.DataFrame({"ward": "Medicine", "stay_days": [2.0] * 10, "censored": False})
    assert "only 10 completed stays" in los_for_ward(config, "Medicine", few).description
    many = pd.DataFrame(
        {
            "ward": "Medicine",
            "stay_days": [1.0, 2.0, 4.0, 8.0] * 100,
            "censored": [False, False, False, True] * 100,
        }
    )
    assert "completed stays" not in los_for_ward(config, "Medicine", many).description
    assert len(many[~many["censored"]]) >= MIN_COMPLETED_STAYS


def test_a_short_forecast_is_extended_by_repeating_its_last_week() -> None:
    dates = pd.date_range("2024-01-02", periods=14, freq="D")
    forecast = pd.DataFrame(
        {"target_date": dates[:7], "mean": range(1, 8), "lo80": 0.0, "hi80": 10.0}
    )
    out = _extend(forecast, dates)
    assert list(out["mean"]) == [1, 2, 3, 4, 5, 6, 7] * 2
    assert list(out["date"]) == list(dates)
