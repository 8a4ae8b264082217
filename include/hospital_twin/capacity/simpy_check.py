"""SimPy cross-check of the vectorised capacity engine on the whole routed hospital.

What is modelled: every ward at once, patient by patient, in SimPy (as seed 002's engine
did). Each day brings ED admissions, routed to wards by `config.flow.ed_routing`, and
direct admissions per ward (Poisson counts, scaled by the scenario's months). A patient
stays ceil(LOS × los_factor) census days (admitted at the start of the day, the bed-day
convention of `capacity_sim`); leaving a ward with a `step_down_to`, a patient moves there
with `step_down_prob` and starts a new stay. Beds are not a constraint here: the check
counts how often the census exceeds each ward's beds (after closures and surge beds).

The vectorised engine sees each ward alone; with Poisson admissions the routed flows are
Poisson too (thinning), and so are step-down transfers (the departures of an M/G/∞ queue
fed by a Poisson process are Poisson), with mean prob × Σ_j λ_ICU(t - j) P(D = j)
(`step_down_inflow`). So both engines should agree on P(max occupancy > beds) within the
check's sampling error.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import numpy as np
import pandas as pd
import simpy

from hospital_twin.capacity.intensity import steady_rate
from hospital_twin.capacity.los_fit import LosModel, from_config
from hospital_twin.capacity.montecarlo import (
    ArrivalIntensity,
    simulate_occupancy,
)
from hospital_twin.capacity.study import bed_change, month_scale, risk_curve, step_down_inflow
from hospital_twin.config import HospitalConfig, Scenario
from hospital_twin.rng import stream


def default_rates(
    config: HospitalConfig, los: Mapping[str, LosModel]
) -> tuple[dict[str, float], float]:
    """(direct admissions per ward, ED admissions) per day that fill each ward to
    `simulation.warmup_occupancy` in steady state (Little's law, λ = L / E[census days]).

    The ED rate is the largest that no routed ward's total exceeds; the rest is direct,
    net of step-down transfers."""
    total = {w.name: steady_rate(config, w.name, los[w.name]) for w in config.wards}
    routing = config.flow.ed_routing
    ed = min(total[w] / p for w, p in routing.items() if p > 0)
    direct = {w: total[w] - ed * routing.get(w, 0.0) for w in total}
    for w in config.wards:
        if w.step_down_to:
            direct[w.step_down_to] -= w.step_down_prob * total[w.name]
    return {w: max(r, 0.0) for w, r in direct.items()}, ed


class _Hospital:
    """One replication: wards as census counters, patients as SimPy processes."""

    def __init__(self, config: HospitalConfig, los: Mapping[str, LosModel], rng, factor: float):
        self.env = simpy.Environment()
        self.config, self.los, self.rng, self.factor = config, los, rng, factor
        self.census = dict.fromkeys(los, 0)

    def patient(self, ward: str):
        """Admitted → stays its census days → leaves, or steps down to the next ward."""
        self.census[ward] += 1
        stay = float(self.los[ward].sample(1, self.rng)[0]) * self.factor
        yield self.env.timeout(max(np.ceil(stay), 1.0))
        self.census[ward] -= 1
        spec = self.config.ward(ward)
        if spec.step_down_to and self.rng.random() < spec.step_down_prob:
            self.env.process(self.patient(spec.step_down_to))

    def admissions(self, direct: Mapping[str, np.ndarray], ed: np.ndarray):
        """Each day: ED admissions routed by ed_routing, then direct admissions."""
        wards = list(self.config.flow.ed_routing)
        probs = np.array([self.config.flow.ed_routing[w] for w in wards])
        for day in range(len(ed)):
            routed = self.rng.choice(len(wards), size=self.rng.poisson(ed[day]), p=probs)
            for i in routed:
                self.env.process(self.patient(wards[i]))
            for ward, rate in direct.items():
                for _ in range(self.rng.poisson(rate[day])):
                    self.env.process(self.patient(ward))
            yield self.env.timeout(1)

    def record(self, days: int, out: dict[str, np.ndarray]):
        """Census of every ward at mid-day (after the day's admissions and moves)."""
        yield self.env.timeout(0.5)
        for day in range(days):
            for ward in out:
                out[ward][day] = self.census[ward]
            yield self.env.timeout(1)


def _replicate(config, los, direct, ed, factor, rng) -> dict[str, np.ndarray]:
    days = len(ed)
    h = _Hospital(config, los, rng, factor)
    out = {w: np.zeros(days, dtype=np.int64) for w in los}
    h.env.process(h.admissions(direct, ed))
    h.env.process(h.record(days, out))
    h.env.run(until=days)
    return out


def _ward_means(config, los, direct, ed, factor) -> dict[str, np.ndarray]:
    """Expected admissions per ward and day, including routed ED and step-down flows."""
    means = {w: direct.get(w, 0 * ed) + ed * config.flow.ed_routing.get(w, 0.0) for w in los}
    for w in config.wards:  # upstream wards first in config order is not assumed:
        if w.step_down_to:  # step-down sources have no step-down inflow in the configs
            stretched = los[w.name].scaled(factor) if factor != 1.0 else los[w.name]
            means[w.step_down_to] = means[w.step_down_to] + step_down_inflow(
                means[w.name], stretched, w.step_down_prob
            )
    return means


def simpy_check(
    config: HospitalConfig,
    scenario: Scenario,
    bed_levels: Mapping[str, int] | None = None,
    runs: int = 10,
    days: int = 60,
    seed: int | None = None,
    start: dt.date | None = None,
    direct_rates: Mapping[str, float] | None = None,
    ed_rate: float | None = None,
    mc_runs: int = 2000,
) -> pd.DataFrame:
    """P(max occupancy > beds) per ward from `runs` SimPy replications and from the
    vectorised engine (`mc_runs` runs) on the same inputs.

    Returns one row per ward: ward, beds, p_over_simpy, se_simpy (binomial), p_over_mc,
    runs. Rates default to `default_rates`; beds to the configured beds.
    """
    seed = config.seed if seed is None else seed
    start = start or config.simulation.start_date
    dates = pd.date_range(start, periods=days, freq="D")
    los = {w.name: from_config(w.los) for w in config.wards}
    base_direct, base_ed = default_rates(config, los)
    scale = month_scale(scenario, dates)
    direct = {w: scale * r for w, r in (direct_rates or base_direct).items()}
    ed = scale * (base_ed if ed_rate is None else ed_rate)
    factor = scenario.los_factor
    rng = stream(seed, start, "capacity:simpy")
    reps = [_replicate(config, los, direct, ed, factor, rng) for _ in range(runs)]
    means = _ward_means(config, los, direct, ed, factor)
    rows = []
    for ward in los:
        beds = (bed_levels or {}).get(ward, config.ward(ward).beds)
        change = bed_change(scenario, ward, dates)
        occ = np.stack([r[ward] for r in reps])
        p_sim = risk_curve(occ, [beds], 0.5, change)["p_over"].iloc[0]
        stretched = los[ward].scaled(factor) if factor != 1.0 else los[ward]
        mc = simulate_occupancy(
            ArrivalIntensity(dates=dates, mean=means[ward]),
            stretched,
            mc_runs,
            stream(seed, start, f"capacity:arrivals:{ward}"),
        )
        p_mc = risk_curve(mc, [beds], 0.5, change)["p_over"].iloc[0]
        se = float(np.sqrt(max(p_sim * (1 - p_sim), 1 / runs) / runs))
        rows.append([ward, beds, p_sim, se, p_mc, runs])
    return pd.DataFrame(
        rows, columns=["ward", "beds", "p_over_simpy", "se_simpy", "p_over_mc", "runs"]
    )
