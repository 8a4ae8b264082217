"""Capacity risk per ward and bed level: scenarios on top of the Monte Carlo census.

What is answered (seed 002's outputs): for a ward and a candidate number of beds b, over the
horizon, P(max midnight census > b), P(max census > 0.95 b), the 95th percentile of the maximum
occupancy, the mean number of days over b (the short-term risk, from today's census), and the
recommended beds: the smallest b at which at most `config.capacity.refusal_target` of the
admissions find every bed taken in the steady state of the demand (`recommend`: a planning
figure that does not move with today's census). Occupancy is unconstrained (patients are
counted even beyond the beds: the M/G/∞ view); `loss` gives the Erlang-B view where arrivals
are refused, and `simpy_check` a patient-by-patient check.

A scenario (`configs/scenarios/*.yaml`) acts as follows: arrival_scale_by_month multiplies
the expected admissions of days in those months; bed_closures remove beds from the ward for
the whole horizon and surge_beds add beds between their dates, so a bed level b means
b - closures + surge(t) beds on day t; los_factor stretches every stay, including the
remaining stays of the census. Randomness comes from named streams per ward (not per
scenario), so scenarios are compared with common random numbers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hospital_twin.capacity.los_fit import LosEstimate, LosModel, from_config
from hospital_twin.capacity.montecarlo import (
    ArrivalIntensity,
    census_days,
    simulate_occupancy,
)
from hospital_twin.capacity.planner import PLANNER_COLUMNS, criterion, planner_metrics
from hospital_twin.capacity.recommend import SteadyDemand, level_factors, steady_demand
from hospital_twin.config import HospitalConfig, Scenario
from hospital_twin.contracts import REFUSAL_TARGET
from hospital_twin.rng import stream

CURVE_COLUMNS = [
    "ward",
    "beds",
    "p_over",
    "p_over_95",
    "p95_max_occupancy",
    "mean_overflow_days",
    "meets_target",
    *PLANNER_COLUMNS,
]
NEAR_FULL = 0.95  # "near full": occupancy above 95 % of the beds (seed 002's second risk)


def month_scale(scenario: Scenario, dates: pd.DatetimeIndex) -> np.ndarray:
    """Arrival multiplier per day from the scenario's arrival_scale_by_month."""
    table = scenario.arrival_scale_by_month
    return np.array([table.get(int(m), 1.0) for m in dates.month], dtype=float)


def bed_change(scenario: Scenario, ward: str, dates: pd.DatetimeIndex) -> np.ndarray:
    """Beds added (+) or removed (-) on each day relative to the planned bed level."""
    change = np.full(len(dates), -scenario.bed_closures.get(ward, 0), dtype=np.int64)
    day = dates.date if len(dates) else np.array([], dtype=object)
    for surge in scenario.surge_beds:
        if surge.ward == ward:
            change += np.array([surge.start <= d <= surge.end for d in day]) * surge.beds
    return change


def scenario_inputs(
    scenario: Scenario, ward: str, intensity: ArrivalIntensity, los: LosModel
) -> tuple[ArrivalIntensity, LosModel, np.ndarray]:
    """The ward's intensity, LOS model and daily bed change under `scenario`."""
    scaled = intensity.scaled(month_scale(scenario, intensity.dates))
    stretched = los.scaled(scenario.los_factor) if scenario.los_factor != 1.0 else los
    return scaled, stretched, bed_change(scenario, ward, intensity.dates)


def _tail_counts(values: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """For each level b, how many entries of the integer array `values` exceed b."""
    lo = int(min(values.min(), levels.min())) - 1
    hist = np.bincount((values - lo).ravel())
    above = np.concatenate([np.cumsum(hist[::-1])[::-1], [0]])  # above[i]: values >= lo + i
    idx = np.clip(levels - lo + 1, 0, len(above) - 1)
    return above[idx]


def risk_curve(
    occupancy: np.ndarray,
    bed_levels: Sequence[int] | np.ndarray,
    target: float,
    change: np.ndarray | None = None,
    ward: str = "",
    arrivals_per_day: float = 0.0,
    mean_los: float = 1.0,
) -> pd.DataFrame:
    """Risk at each bed level from simulated occupancy (runs, days); `change` is the daily
    bed change of the scenario (beds on day t = level + change[t]); the planner metrics
    (`planner`) need the mean admissions a day and the mean LOS."""
    occ = np.asarray(occupancy)
    runs = occ.shape[0]
    delta = np.zeros(occ.shape[1], np.int64) if change is None else np.asarray(change)
    levels = np.asarray(sorted(set(int(b) for b in bed_levels)), dtype=np.int64)
    excess = occ - delta  # over the beds on day t  <=>  excess[t] > level
    peak = np.sort(excess.max(axis=1))
    peak_95 = np.sort((occ - NEAR_FULL * delta).max(axis=1))
    p_over = 1 - np.searchsorted(peak, levels, side="right") / runs
    p_over_95 = 1 - np.searchsorted(peak_95, NEAR_FULL * levels, side="right") / runs
    frame = pd.DataFrame(
        {
            "ward": ward,
            "beds": levels,
            "p_over": p_over,
            "p_over_95": p_over_95,
            "p95_max_occupancy": float(np.quantile(occ.max(axis=1), 0.95)),
            "mean_overflow_days": _tail_counts(excess, levels) / runs,
        }
    )
    frame["meets_target"] = frame["p_over"] <= target
    metrics = planner_metrics(occ - delta, levels, arrivals_per_day, mean_los)
    frame[PLANNER_COLUMNS] = metrics.to_numpy()
    return frame[CURVE_COLUMNS]


def p_over(occupancy: np.ndarray, beds: int, change: np.ndarray | None = None) -> float:
    """P(max_t (occupancy_t - change_t) > beds): `risk_curve`'s p_over at one level (the same
    arithmetic, so the same figure) without the rest of its columns."""
    delta = 0 if change is None else np.asarray(change)
    peak = np.sort((np.asarray(occupancy) - delta).max(axis=1))
    return float(1 - np.searchsorted(peak, int(beds), side="right") / len(peak))


def risk_beds(occupancy: np.ndarray, target: float, change: np.ndarray | None = None) -> int:
    """Smallest bed level b with P(max_t (occupancy_t - change_t) > b) <= target: the beds
    for a short-term risk target (the recommendation before `recommend`; kept for checks)."""
    delta = 0 if change is None else np.asarray(change)
    peak = np.sort((np.asarray(occupancy) - delta).max(axis=1))
    allowed = int(np.floor(target * len(peak) + 1e-9))  # runs allowed to overflow
    return max(int(peak[len(peak) - 1 - allowed]) if allowed < len(peak) else 0, 0)


def bed_grid(
    occupancy: np.ndarray, configured: int, n_levels: int, change: np.ndarray | None = None
) -> np.ndarray:
    """`n_levels` integer bed levels spanning the median peak to beyond the largest peak,
    always including the configured beds."""
    delta = 0 if change is None else np.asarray(change)
    peak = (np.asarray(occupancy) - delta).max(axis=1)
    lo = min(configured, int(np.quantile(peak, 0.5)))
    hi = max(configured, int(peak.max()) + 1)
    grid = np.unique(np.round(np.linspace(lo, hi, n_levels)).astype(np.int64))
    return np.unique(np.append(grid, configured))


def step_down_inflow(upstream_mean: np.ndarray, upstream_los: LosModel, prob: float) -> np.ndarray:
    """Expected daily transfers into a step-down ward: prob × upstream departures, where an
    admission of day d on M midnight censuses leaves (and moves) on day d + M, M >= 0."""
    days = len(upstream_mean)
    g = census_days(upstream_los, days)
    pmf = np.concatenate([[1.0 - g[0]], g[:-1] - g[1:]])[:days]  # P(M = j), j = 0..days-1
    return prob * np.convolve(upstream_mean, pmf)[:days]


@dataclass(frozen=True)
class WardRisk:
    ward: str
    curve: pd.DataFrame
    configured_beds: int
    recommended_beds: int
    risk_at_configured: float
    risk_at_recommended: float
    los_model: str
    occupancy: np.ndarray  # (runs, days), for reports and checks
    demand: SteadyDemand  # the steady state the recommendation is made on
    refusal_at_configured: float  # share of admissions finding every bed taken, steady state
    refusal_at_recommended: float


def ward_risk(
    ward: str,
    intensity: ArrivalIntensity,
    los: LosModel,
    scenario: Scenario,
    configured_beds: int,
    runs: int,
    target: float,
    seed: int,
    origin: dt.date | str,
    census_elapsed: np.ndarray | None = None,
    bed_levels: Sequence[int] | int = 20,
    los_log_sd: float = 0.0,
    refusal_target: float = REFUSAL_TARGET,
    planning_mean: np.ndarray | None = None,
) -> WardRisk:
    """Simulate one ward under a scenario, summarise its risk curve (`target`: the risk
    target of `meets_target`) and recommend its beds (`refusal_target`, `recommend`).

    `bed_levels` is a list of levels or a number of levels for `bed_grid`. Streams are
    `capacity:arrivals:<ward>`, `capacity:census:<ward>`, `capacity:los:<ward>` (one LOS
    factor per run with sd `los_log_sd` on the log scale: the fitted mean's uncertainty) and
    `capacity:level:<ward>` (the runs' level factors of the steady state) on the origin date.
    `planning_mean`: the admissions a day the recommendation plans for
    (`recommend.planning_means`, before the scenario's months); default the intensity's.
    """
    scaled, stretched, change = scenario_inputs(scenario, ward, intensity, los)
    estimate = LosEstimate(stretched, los_log_sd, 1.0)
    los_scale = estimate.scales(runs, stream(seed, origin, f"capacity:los:{ward}"))
    occ = simulate_occupancy(
        scaled,
        stretched,
        runs,
        stream(seed, origin, f"capacity:arrivals:{ward}"),
        census_elapsed=census_elapsed,
        census_rng=stream(seed, origin, f"capacity:census:{ward}"),
        los_scale=los_scale,
    )
    levels = (
        bed_grid(occ, configured_beds, bed_levels, change)
        if isinstance(bed_levels, int | np.integer)
        else np.asarray(bed_levels)
    )
    flow = (float(np.mean(scaled.mean)), stretched.mean)
    curve = risk_curve(occ, levels, target, change, ward, *flow)
    level = level_factors(scaled, runs, stream(seed, origin, f"capacity:level:{ward}"))
    months = month_scale(scenario, intensity.dates)
    plan = scaled.mean if planning_mean is None else np.asarray(planning_mean, float) * months
    demand = steady_demand(plan, stretched, level, los_scale, change)
    recommended = demand.beds_for(refusal_target)
    return WardRisk(
        ward=ward,
        curve=curve,
        configured_beds=configured_beds,
        recommended_beds=recommended,
        risk_at_configured=p_over(occ, configured_beds, change),
        risk_at_recommended=p_over(occ, recommended, change),
        los_model=stretched.description,
        occupancy=occ,
        demand=demand,
        refusal_at_configured=demand.refused_share(configured_beds),
        refusal_at_recommended=demand.refused_share(recommended),
    )


def capacity_study(
    config: HospitalConfig,
    scenario: Scenario,
    intensities: Mapping[str, ArrivalIntensity],
    los_models: Mapping[str, LosModel] | None = None,
    census_elapsed: Mapping[str, np.ndarray] | None = None,
    origin: dt.date | str | None = None,
    runs: int | None = None,
    bed_levels: Mapping[str, Sequence[int]] | None = None,
    los_log_sd: Mapping[str, float] | None = None,
    planning_means: Mapping[str, np.ndarray | None] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Risk curves and recommendations for every ward in `intensities`.

    LOS models default to the configured ones; runs, targets and the number of bed levels
    come from `config.capacity`. Returns (curves with a `scenario` column, recommendations:
    scenario, ward, configured_beds, recommended_beds, risk_at_configured/recommended,
    refusal_at_configured/recommended, horizon_days, criterion, los_model).
    """
    origin = origin or intensities[next(iter(intensities))].dates[0].date()
    cap = config.capacity
    curves, recs = [], []
    for ward, intensity in intensities.items():
        los = (los_models or {}).get(ward) or from_config(config.ward(ward).los)
        result = ward_risk(
            ward,
            intensity,
            los,
            scenario,
            config.ward(ward).beds,
            runs or cap.runs,
            cap.risk_target,
            config.seed,
            origin,
            census_elapsed=(census_elapsed or {}).get(ward),
            bed_levels=(bed_levels or {}).get(ward, cap.bed_levels),
            los_log_sd=(los_log_sd or {}).get(ward, 0.0),
            refusal_target=cap.refusal_target,
            planning_mean=(planning_means or {}).get(ward),
        )
        curves.append(result.curve.assign(scenario=scenario.name))
        recs.append(
            {
                "scenario": scenario.name,
                "ward": ward,
                "configured_beds": result.configured_beds,
                "recommended_beds": result.recommended_beds,
                "risk_at_configured": result.risk_at_configured,
                "risk_at_recommended": result.risk_at_recommended,
                "refusal_at_configured": result.refusal_at_configured,
                "refusal_at_recommended": result.refusal_at_recommended,
                "horizon_days": intensity.days,
                "criterion": criterion(
                    result.recommended_beds,
                    result.configured_beds,
                    result.demand,
                    cap.refusal_target,
                    (result.risk_at_recommended, result.risk_at_configured),
                    cap.risk_target,
                    intensity.days,
                ),
                "los_model": result.los_model,
            }
        )
    return pd.concat(curves, ignore_index=True), pd.DataFrame(recs)
