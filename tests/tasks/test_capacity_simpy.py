"""The recommendation table's SimPy column is computed on the study's own inputs, so it agrees
with the Monte Carlo risk at the same (recommended) beds within SimPy's noise, and says how
sure it is (its 95 % interval and replications)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from hospital_twin.capacity import inputs
from hospital_twin.capacity.montecarlo import ArrivalIntensity
from hospital_twin.capacity.study import capacity_study
from hospital_twin.config import load_config, load_scenario
from hospital_twin.tasks import capacity

ORIGIN = dt.date(2024, 3, 1)
WARDS = ["Medicine", "ICU"]


def test_simpy_column_agrees_with_the_monte_carlo_on_the_same_inputs(tmp_path) -> None:
    config = load_config("small")
    rng = np.random.default_rng(0)
    stays = pd.DataFrame(
        {"ward": "Medicine", "stay_days": rng.gamma(2, 2.75, 300), "censored": False}
    )
    census = pd.DataFrame({"ward": ["Medicine"] * 25 + ["ICU"] * 5,
                           "elapsed_days": rng.uniform(0, 6, 30)})  # fmt: skip
    dates = pd.date_range(ORIGIN + dt.timedelta(days=1), periods=28)
    intensity = pd.concat(
        [pd.DataFrame({"ward": w, "date": dates, "mean": m, "nb_size": np.inf})
         for w, m in (("Medicine", 4.5), ("ICU", 1.2))]
    )  # fmt: skip
    for name, frame in (("stays", stays), ("census", census), ("intensity", intensity)):
        frame.to_parquet(tmp_path / f"{name}.parquet")
    estimates = {w: inputs.los_estimate(config, w, stays) for w in WARDS}
    cap = config.capacity.model_copy(update={"runs": 4000, "risk_target": 0.2})
    _, recs = capacity_study(
        config.model_copy(update={"capacity": cap}),
        load_scenario("baseline", config),
        {w: ArrivalIntensity.from_forecast(intensity[intensity["ward"] == w]) for w in WARDS},
        los_models={w: e.model for w, e in estimates.items()},
        los_log_sd={w: e.log_sd for w, e in estimates.items()},
        census_elapsed={
            w: census.loc[census["ward"] == w, "elapsed_days"].to_numpy() for w in WARDS
        },
        origin=ORIGIN,
    )
    simpy = capacity.same_inputs_simpy(config, tmp_path, ORIGIN, recs)
    assert list(simpy.columns) == capacity.SIMPY_COLUMNS
    se = np.sqrt(recs["risk_at_recommended"] * (1 - recs["risk_at_recommended"]) / simpy.simpy_runs)
    gap = (simpy["simpy_p_over"] - recs["risk_at_recommended"]).abs()
    assert (gap <= 3 * se + 0.05).all(), (simpy, recs)
    assert (simpy["simpy_ci_low"] <= simpy["simpy_p_over"]).all()
    assert (simpy["simpy_p_over"] <= simpy["simpy_ci_high"]).all()
    assert (recs["refusal_at_recommended"] <= cap.refusal_target).all()
