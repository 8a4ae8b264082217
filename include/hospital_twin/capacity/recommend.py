"""The bed recommendation: a planning figure for the demand the ward can expect.

What is recommended: the smallest bed level at which at most `refusal_target` of the
admissions find every bed taken (refused, or boarding in the ED until a bed frees), in the
steady state of the scenario's demand: Erlang's loss formula B(c, a) with the offered load
a = arrivals x mean LOS (insensitive to the LOS distribution). Not from today's census: a
planning figure must not move with the census of the day the study runs. The arrivals are
the ward's rate over the last year (`planning_means`: up to a year of history, at the
calendar's planned volume of each day of the horizon, times the scenario's months), not the
recent level: that one follows the seasons week by week, and the recommendation with it.

Why not the peak rule it replaces (P(max midnight census over the horizon > beds) <= the risk
target): that answers "will the ward be over its beds at least one midnight in the next 180
days, from today's census", a short-term risk. Week to week it moved with the starting census
(3.1 % of the beds in `bench_calibration`), and over a long horizon it asked small wards for
beds they would run a third full (Palliative +6 at 35 %). The risk stays beside the
recommendation (risk at configured and recommended beds): it answers the short-term question.

Time-varying demand: the load of day d is the infinite-server mean census of the demand, the
modified offered load of Jennings, Mandelbaum, Massey & Whitt (1996): m_d = sum_k
lambda_(d-k) P(M > k) (M: midnights an admission is on, `montecarlo.census_days`), the days
before the horizon taken as its first week repeated. The stays smooth the weekday pattern as
the census does, and a scenario's busy months count where they fall.

Uncertainty: each Monte Carlo run draws a level factor X (the forecast level's uncertainty,
`level_cv`, drawn from its own stream by the Monte Carlo's law) and a LOS factor Y (the
fitted mean's uncertainty, the runs' `los_scale`): the run's load is X Y m_d and its
admissions X lambda_d; the refused share pools admissions over runs and days, so uncertain
demand asks for beds (B is convex near capacity). Runs are pooled into LOAD_BINS bins of
similar load (arrival-weighted mean load per bin) and days into groups of equal bed change and
nearly equal load (within DAY_LOAD_STEP): the sums of B are then over a few thousand cells.

Bed changes of a scenario (closures, surge beds) shift the servers: level b means
b + change_d beds on day d, as on the risk curve.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from hospital_twin.capacity.intensity import HISTORY_DAYS, MIN_HISTORY_DAYS, daily_counts
from hospital_twin.capacity.los_fit import LosModel
from hospital_twin.capacity.montecarlo import ArrivalIntensity, census_days
from hospital_twin.config import HospitalConfig
from hospital_twin.forecast.calendar import config_exposure

LOAD_BINS = 256  # run bins: B varies little within 1/256 of the runs' load distribution
DAY_LOAD_STEP = 0.002  # days whose loads differ by < 0.2 % share a group
WARMUP_DAYS = 365  # at most this many days before the horizon feed its first loads
MAX_BEDS = 1_000_000  # a safety stop: B(k, a) < 1e-6 by k = a + 5 sqrt(a) + 10


@dataclass(frozen=True)
class SteadyDemand:
    """A ward's demand as cells (run bin x day group): offered load, admissions, bed change;
    and what it was made from (`replanned` makes it again on other admissions a day)."""

    loads: np.ndarray
    weights: np.ndarray  # admissions of the cell (sum 1)
    change: np.ndarray  # beds added (+) or closed (-) on the cell's days
    arrivals_per_day: float
    mean_los: float
    run_counts: np.ndarray  # runs in each run bin (cells run bin by run bin)
    recipe: tuple = field(default=(), repr=False, compare=False)  # (los, level, scale, change)

    def replanned(self, mean: np.ndarray) -> SteadyDemand:
        """The same runs' draws and bed changes on expected admissions a day `mean`."""
        los, level, scale, change = self.recipe
        return steady_demand(mean, los, level, scale, change)

    @property
    def offered_load(self) -> float:
        """Admission-weighted mean offered load (beds the demand would fill with no limit)."""
        return float(np.dot(self.weights, self.loads))

    def refused_share(self, beds: int) -> float:
        """Share of admissions finding every bed taken at bed level `beds` (Erlang loss)."""
        return float(np.dot(self.weights, self._blocking(beds)))

    def _blocking(self, beds: int) -> np.ndarray:
        """B(servers, load) per cell at bed level `beds` (the recursion of loss.erlang_b)."""
        servers = np.maximum(int(beds) + self.change, 0)
        b = np.ones_like(self.loads)
        for k in range(1, int(servers.max(initial=0)) + 1):
            b = np.where(k <= servers, self.loads * b / (k + self.loads * b), b)
        return b

    def beds_sd(self, target: float) -> float:
        """Monte Carlo sd of `beds_for(target)`: the standard error of the refused share at
        the recommended level over the runs (a ratio estimator: refusals over admissions,
        each run's from its bin) over the share one bed buys there, with the rounding to a
        whole bed (uniform: 1/12). Checked against the sd over seeds in the tests."""
        beds = self.beds_for(target)
        if beds == 0:
            return 0.0
        cells = (len(self.run_counts), -1)
        at = self._blocking(beds)
        w = self.weights.reshape(cells)
        run_w = w.sum(axis=1)
        run_b = (w * at.reshape(cells)).sum(axis=1) / np.maximum(run_w, 1e-300)
        share = float(np.dot(run_w, run_b))
        se = np.sqrt(
            np.sum(self.run_counts * (run_w / self.run_counts) ** 2 * (run_b - share) ** 2)
        )
        step = self.refused_share(beds - 1) - share
        crossing = float(se / step) if step > 0 else 0.0
        return float(np.sqrt(crossing**2 + 1 / 12))  # and the integer's rounding

    def beds_for(self, target: float) -> int:
        """Smallest bed level whose refused share is at most `target`: B(k, load) summed per
        bed change for k = 0, 1, ..., level b read as soon as its largest server count is
        reached (the share falls with b, so the first level meeting the target is it)."""
        shifts, group = np.unique(self.change, return_inverse=True)
        group = group.ravel()
        b = np.ones_like(self.loads)
        table = [np.bincount(group, self.weights, len(shifts))]  # k = 0: every arrival refused
        cols = np.arange(len(shifts))
        for k in range(MAX_BEDS):
            if k:
                b = self.loads * b / (k + self.loads * b)
                table.append(np.bincount(group, self.weights * b, len(shifts)))
            level = k - int(shifts.max())
            servers = np.maximum(level + shifts, 0)
            if sum(table[s][c] for s, c in zip(servers, cols, strict=True)) <= target:
                return max(level, 0)
        raise ValueError(f"no bed level up to {MAX_BEDS} meets a refused share of {target}")


def modified_offered_load(mean: np.ndarray, los: LosModel) -> np.ndarray:
    """m_d = sum_k lambda_(d-k) P(M > k) over the horizon's days, the arrivals before it the
    horizon's first week repeated (weekday for weekday) for up to WARMUP_DAYS."""
    lam = np.asarray(mean, float)
    days = len(lam)
    if days == 0:
        return lam
    g = census_days(los, WARMUP_DAYS + days)
    warm = int(min(np.searchsorted(-g, -1e-6), WARMUP_DAYS))  # G(k) < 1e-6 from here on
    before = lam[np.arange(-warm, 0) % min(7, days)]
    padded = np.concatenate([before, lam])
    return np.convolve(padded, g[: len(padded)])[: len(padded)][warm:]


def planning_means(
    config: HospitalConfig, ward: str, history: pd.DataFrame, dates: pd.DatetimeIndex
) -> np.ndarray | None:
    """Expected admissions a day on `dates` for the recommendation: the ward's rate per unit
    of the calendar's planned volume over the whole `history` (bed requests, refused ones
    too, and moves in: up to `intensity.HISTORY_DAYS`, a year), times the planned volume of
    each date (`forecast.calendar`). None with fewer than `intensity.MIN_HISTORY_DAYS` days.

    Why not the study's intensity (the forecast, or the recent level): that level follows
    the seasons week by week, and so did the recommendation (Surgery 274 beds in February,
    206 in November; 1.9 % of the beds from one weekly run to the next against 1.0 % of
    Monte Carlo noise, in `bench_calibration`). A year's rate moves 0.2 % of the beds a
    week (91 days: 1.0 %); the seasons stay in the level's uncertainty, drawn per run, and
    in the scenarios (winter_peak)."""
    counts = daily_counts(history, ward)[-HISTORY_DAYS:]
    if len(counts) < MIN_HISTORY_DAYS:
        return None
    planned = config_exposure(config, np.sort(history["sim_date"].unique())[-HISTORY_DAYS:])
    return counts.sum() / planned.sum() * config_exposure(config, dates)


def level_factors(intensity: ArrivalIntensity, runs: int, rng: np.random.Generator) -> np.ndarray:
    """One arrival-level factor per run, by the Monte Carlo's law (`ArrivalIntensity.rates`
    on a unit intensity with the same `level_cv` and no day-to-day dispersion)."""
    unit = ArrivalIntensity(dates=intensity.dates[:1], mean=np.ones(1), level_cv=intensity.level_cv)
    return unit.rates(runs, rng)[:, 0]


def steady_demand(
    mean: np.ndarray,
    los: LosModel,
    level: np.ndarray,
    los_scale: np.ndarray | None = None,
    change: np.ndarray | None = None,
) -> SteadyDemand:
    """The cells of the module docstring from the horizon's expected admissions a day, the
    LOS model, the runs' level factors and LOS factors, and the scenario's daily bed change."""
    lam = np.asarray(mean, float)
    level = np.asarray(level, float)
    scale = np.ones_like(level) if los_scale is None else np.asarray(los_scale, float)
    delta = np.zeros(len(lam), np.int64) if change is None else np.asarray(change, np.int64)
    day_load, day_weight, day_change = _day_groups(modified_offered_load(lam, los), lam, delta)
    run_load, run_weight, run_counts = _run_bins(level * scale, level)
    weights = np.outer(run_weight, day_weight).ravel()
    total = weights.sum()
    return SteadyDemand(
        loads=np.outer(run_load, day_load).ravel(),
        weights=weights / total if total > 0 else np.full(weights.size, 1 / weights.size),
        change=np.broadcast_to(day_change, (len(run_load), len(day_load))).ravel(),
        arrivals_per_day=float(lam.mean() * level.mean()) if len(lam) else 0.0,
        mean_los=float(los.mean * scale.mean()),
        run_counts=run_counts,
        recipe=(los, level, los_scale, change),
    )


def _day_groups(load: np.ndarray, arrivals: np.ndarray, change: np.ndarray) -> tuple:
    """Days grouped by bed change and load (DAY_LOAD_STEP apart in log): per group the
    arrival-weighted load, the arrivals, the change."""
    step = np.round(np.log(np.maximum(load, 1e-9)) / DAY_LOAD_STEP).astype(np.int64)
    keys, group = np.unique(np.stack([change, step]), axis=1, return_inverse=True)
    group = group.ravel()
    weight = np.bincount(group, arrivals, keys.shape[1])
    loads = np.bincount(group, arrivals * load, keys.shape[1]) / np.maximum(weight, 1e-300)
    plain = np.bincount(group, load, keys.shape[1]) / np.bincount(group, None, keys.shape[1])
    return np.where(weight > 0, loads, plain), weight, keys[0]


def _run_bins(factor: np.ndarray, weight: np.ndarray) -> tuple[np.ndarray, ...]:
    """Runs sorted by load factor into at most LOAD_BINS bins of equal count: per bin the
    admission-weighted mean factor, the admissions (the runs' level factors), the runs."""
    order = np.argsort(factor, kind="stable")
    bins = np.minimum(np.arange(len(factor)) * LOAD_BINS // max(len(factor), 1), LOAD_BINS - 1)
    w = np.bincount(bins, weight[order])
    mean = np.bincount(bins, weight[order] * factor[order]) / np.maximum(w, 1e-300)
    return mean, w, np.bincount(bins).astype(float)
