"""Vectorised Monte Carlo of a ward's midnight census: arrivals, stays and the census in bed.

What is measured: the midnight census, as `dw.fact_ward_day.occupancy_end` records it. A
patient admitted on day d at time d + u (u in [0, 1), a fraction of the day) who stays L days
leaves at d + u + L and is on the census of every midnight before that: the census ending day
d + k counts them iff L > k + 1 - u. So an admission is on M = floor(u + L) consecutive
midnight censuses (none when it leaves the day it came), P(M > k) = E_u[S(k + 1 - u)]
(`census_days`), and with admissions spread evenly over the day E[M] = E[L]: the mean census
is λ E[L] (Little's law), not λ E[ceil(L)].

What is modelled: a ward as an infinite-server queue (M/G/∞, or its over-dispersed and
time-varying variants). Day d brings a negative-binomial number of admissions (a Poisson
count whose rate is the forecast mean × a run-wide level factor × a day-to-day gamma factor;
NB = gamma-mixed Poisson). Parameter uncertainty of the length of stay enters the same way:
one factor per run stretches every stay of that run (`los_scale`). Patients already in bed at
the origin's midnight, with elapsed stays e, are on the census ending horizon day j (0-based)
iff L > e + j + 1, their remaining stay drawn from S(e + r) / S(e) (see `los_fit`).

How, without a loop per run or per day: Poisson splitting. Admissions of day d on exactly j
midnight censuses are an independent Poisson count with mean λ_d P(M = j), so for each j
with many patients ("dense", a loop over offsets) one draw per (run, day) gives them all
and their departures land j days later (a discharge calendar). The few patients with long
stays are drawn one by one from the conditional tail of M, also vectorised. Census =
cumulative admissions - cumulative departures.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from hospital_twin.capacity.los_fit import LosModel

DENSE_MIN_PATIENTS = 1.0  # a LOS value gets its own Poisson draw when this many per run-day
CHUNK_CELLS = 400_000  # run x day cells per chunk: bounds memory, keeps arrays in cache


@dataclass(frozen=True)
class ArrivalIntensity:
    """Expected admissions per day over the horizon, with their uncertainty.

    `nb_size` is the day-to-day negative-binomial size (variance mean + mean²/size; None or
    inf for Poisson); `level_cv` the coefficient of variation of one multiplicative level
    factor per run shared by all days (uncertainty of the forecast level itself).
    """

    dates: pd.DatetimeIndex
    mean: np.ndarray
    nb_size: np.ndarray | None = None
    level_cv: float = 0.0

    def __post_init__(self) -> None:
        if len(self.dates) != len(self.mean):
            raise ValueError("one mean per date is needed")
        if np.any(np.asarray(self.mean) < 0) or not np.all(np.isfinite(self.mean)):
            raise ValueError("arrival means must be finite and non-negative")

    @classmethod
    def constant(
        cls, rate: float, days: int, start: str | pd.Timestamp = "2024-01-01", **kw: object
    ) -> ArrivalIntensity:
        dates = pd.date_range(start, periods=days, freq="D")
        return cls(dates=dates, mean=np.full(days, float(rate)), **kw)  # type: ignore[arg-type]

    @classmethod
    def from_forecast(
        cls, forecast: pd.DataFrame, share: float = 1.0, level_cv: float | None = None
    ) -> ArrivalIntensity:
        """From a forecast frame (date, mean, and nb_size or lo80/hi80; optionally level_cv)
        times a ward `share`; `level_cv` defaults to the frame's column, else 0.

        Without an `nb_size` column the NB size is matched to the 80 % interval's width:
        sd = (hi80 - lo80) / (2 z_0.9), size = mean² / (sd² - mean) (Poisson if sd² <= mean).
        """
        if level_cv is None:
            has = "level_cv" in forecast and len(forecast)
            level_cv = float(forecast["level_cv"].iloc[0]) if has else 0.0
        mean = forecast["mean"].to_numpy(dtype=float)
        if "nb_size" in forecast:
            size = forecast["nb_size"].to_numpy(dtype=float)
        else:
            sd = (forecast["hi80"] - forecast["lo80"]).to_numpy(dtype=float) / (2 * 1.2815515655)
            excess = sd**2 - mean
            size = np.where(excess > 0, mean**2 / np.maximum(excess, 1e-12), np.inf)
        dates = pd.DatetimeIndex(pd.to_datetime(forecast["date"]))
        return cls(dates=dates, mean=mean * share, nb_size=size, level_cv=level_cv)

    def scaled(self, factor: np.ndarray | float) -> ArrivalIntensity:
        """Means multiplied by `factor` (scalar or per day); dispersion kept."""
        return replace(self, mean=self.mean * factor)

    @property
    def days(self) -> int:
        return len(self.mean)

    def rates(self, runs: int, rng: np.random.Generator) -> np.ndarray:
        """Poisson rates (runs, days): mean × level factor × day-to-day gamma factor."""
        rate = np.broadcast_to(self.mean, (runs, self.days)).astype(float)
        if self.level_cv > 0:
            k = 1 / self.level_cv**2
            rate = rate * rng.gamma(k, 1 / k, size=(runs, 1))
        if self.nb_size is not None:
            size = np.broadcast_to(np.asarray(self.nb_size, float), (self.days,))
            finite = np.isfinite(size) & (size > 0)
            if finite.any():
                shape = np.where(finite, size, 1.0)
                mix = rng.gamma(shape, 1 / shape, size=(runs, self.days))
                rate = np.where(finite, rate * mix, rate)
        return rate


ADMIT_SLOTS = 48  # admission times of day, evenly spread, when none are given (half-hours)
RUN_SLOTS = 12  # times of day per run when each run has its own LOS factor
SCALE_LEVEL_STEP = 0.01  # log-factor spacing of the exact G's per-run G's are read from
GRID_TOLERANCE = 1e-4  # max |G_interpolated - G_exact| for LOS families with sigma >= 0.2


def even_admissions() -> np.ndarray:
    """Admission times as fractions of the day, spread evenly (slot midpoints)."""
    return (np.arange(ADMIT_SLOTS) + 0.5) / ADMIT_SLOTS


def census_days(
    los: LosModel,
    days: int,
    admit_fraction: np.ndarray | None = None,
    scale: np.ndarray | None = None,
) -> np.ndarray:
    """G(k) = P(M > k), k = 0..days: the chance an admission is on the census of the
    midnight ending its k-th day after admission, E_u[S((k + 1 - u) / f)].

    `admit_fraction`: times of day admissions happen at (equally likely; even by default);
    `scale`: LOS factors f, one per run, giving a (runs, days + 1) array instead."""
    u = even_admissions() if admit_fraction is None else np.asarray(admit_fraction, float)
    x = np.arange(days + 1, dtype=float)[:, None] + 1.0 - u[None, :]  # (k, u)
    if scale is None:
        g = los.survival(x.ravel()).reshape(x.shape).mean(axis=1)
        return np.minimum.accumulate(np.clip(g, 0.0, 1.0))
    if len(u) > RUN_SLOTS:  # one G per run: coarser times of day keep it cheap
        u = np.quantile(u, (np.arange(RUN_SLOTS) + 0.5) / RUN_SLOTS)
        x = np.arange(days + 1, dtype=float)[:, None] + 1.0 - u[None, :]
    return _census_days_by_level(los, x, np.asarray(scale, float))


def _census_days_exact(los: LosModel, x: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """One G per LOS factor f: E_u[S(x / f)] over the (k, u) grid `x`, (len(scale), k)."""
    f = scale[:, None, None]
    g = los.survival((x[None, :, :] / f).ravel()).reshape(len(f), *x.shape).mean(axis=2)
    return np.minimum.accumulate(np.clip(g, 0.0, 1.0), axis=1)


def _census_days_by_level(los: LosModel, x: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """One G per run, interpolated linearly in log f between exact G's on a grid of factors
    SCALE_LEVEL_STEP apart in log f (G is smooth in log f: S(x / f) shifts in log x), so the
    survival is evaluated for a hundred-odd factors instead of every run's. A mix of two
    non-increasing G's is non-increasing; the error is below GRID_TOLERANCE (tested)."""
    log_f = np.log(scale)
    lo, hi = float(log_f.min()), float(log_f.max())
    levels = int(np.ceil((hi - lo) / SCALE_LEVEL_STEP)) + 1
    if levels >= len(scale) or hi == lo:
        return _census_days_exact(los, x, scale)
    table = _census_days_exact(los, x, np.exp(np.linspace(lo, hi, levels)))
    pos = (log_f - lo) * ((levels - 1) / (hi - lo))
    i = np.minimum(pos.astype(np.int64), levels - 2)
    w = (pos - i)[:, None]
    return table[i] * (1.0 - w) + table[i + 1] * w


def expected_occupancy(mean: np.ndarray, los: LosModel) -> np.ndarray:
    """M/G/∞ mean midnight census from empty: E[O_t] = Σ_{k=0}^{t} λ_{t-k} P(M > k)."""
    s = census_days(los, len(mean))
    return np.convolve(mean, s[: len(mean)])[: len(mean)]


def dense_stays(s: np.ndarray, mean_rate: float, days: int) -> int:
    """How many census counts j = 1..K get their own Poisson draw (the rest are drawn singly)."""
    pmf = s[:-1] - s[1:]
    heavy = np.nonzero(mean_rate * pmf[:days] >= DENSE_MIN_PATIENTS)[0]
    return int(heavy[-1] + 1) if len(heavy) else 0


def _discharges_dense(
    rate: np.ndarray, s: np.ndarray, k: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Admissions and departures (runs, days) of patients with M = 1..k, one draw per j;
    `s` is G (days + 1,) or one G per run (runs, days + 1)."""
    days = rate.shape[1]
    g = np.atleast_2d(s)
    admitted = np.zeros(rate.shape, dtype=np.int64)
    discharged = np.zeros(rate.shape, dtype=np.int64)
    for j in range(1, k + 1):  # loop over census-count offsets
        n = rng.poisson(rate * (g[:, j - 1 : j] - g[:, j : j + 1]))
        admitted += n
        if j < days:
            discharged[:, j:] += n[:, : days - j]
    return admitted, discharged


def invert_rows(cdf: np.ndarray, row: np.ndarray, u: np.ndarray) -> np.ndarray:
    """First column i with cdf[row, i] >= u, or cdf.shape[1] when none: inverse cdfs of
    many rows at once, by one searchsorted on the rows laid end to end (row r shifted by r)."""
    n_rows, width = cdf.shape
    keys = (np.arange(n_rows)[:, None] + np.maximum.accumulate(np.clip(cdf, 0, 1), 1)).ravel()
    idx = np.searchsorted(keys, row + u, side="left") - row * width
    return np.minimum(idx, width)


class _TailStays:
    """Sampler of M given M > k (counts past the dense ones), by a guide table: the
    uniform's bucket fixes the answer except in the few buckets holding a cdf step, which
    fall back to a binary search (exact inversion either way, Chen & Asau 1974)."""

    def __init__(self, s: np.ndarray, k: int, buckets_per_step: int = 64) -> None:
        self.k, self.mass = k, float(s[k])
        # P(M <= j | M > k) for j = k+1..days; longer stays outlast the horizon either way
        self.cdf = (s[k] - s[k + 1 :]) / s[k] if self.mass > 0 else np.ones(0)
        cells = max(len(self.cdf) * buckets_per_step, 1)
        grid = np.arange(cells + 1) / cells
        edges = np.searchsorted(self.cdf, grid, side="right").astype(np.int32)
        self.lo, self.hi = edges[:-1], edges[1:]

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        if len(self.cdf) == 0:  # the dense values reach the horizon: all tail stays outlast it
            return np.full(n, self.k + 1)
        u = rng.random(n)
        b = (u * len(self.lo)).astype(np.int32)
        out = self.lo[b]
        unsure = np.nonzero(out != self.hi[b])[0]
        out[unsure] = np.searchsorted(self.cdf, u[unsure], side="right")
        return self.k + 1 + out


def _tail_by_run(s: np.ndarray, k: int, run: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """M given M > k for patients of runs `run`, each run with its own G (runs, days + 1)."""
    mass = np.maximum(s[:, k : k + 1], 1e-300)
    cdf = (s[:, k : k + 1] - s[:, k + 1 :]) / mass
    return k + 1 + invert_rows(cdf, run, 1.0 - rng.random(len(run)))


def _discharges_tail(
    rate: np.ndarray, s: np.ndarray, k: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Admissions and departures of patients with M > k: a Poisson count per cell, then one
    conditional count per patient."""
    runs, days = rate.shape
    g = np.atleast_2d(s)
    mass = g[:, k : k + 1]
    if not (mass > 0).any():
        return np.zeros(rate.shape, np.int64), np.zeros(rate.shape, np.int64)
    admitted = rng.poisson(rate * mass)
    total = int(admitted.sum())
    discharged = np.zeros(rate.size, dtype=np.int64)
    if total:
        cell = np.repeat(np.arange(rate.size, dtype=np.int64), admitted.ravel())
        if s.ndim == 1:
            stay = _TailStays(s, k).sample(total, rng)
        else:
            stay = _tail_by_run(g, k, cell // days, rng)
        day = cell % days + stay
        inside = day < days
        discharged = np.bincount((cell - cell % days + day)[inside], minlength=rate.size)
    return admitted, discharged.reshape(runs, days)


def _census_leave_days(
    los: LosModel,
    e: np.ndarray,
    scale: np.ndarray,
    days: int,
    rng: np.random.Generator,
    runs: int | None = None,
) -> np.ndarray:
    """First horizon day each patient in bed is off the census, m = ceil(L - e) - 1 (on the
    census ending day j iff L > e + j + 1), capped at `days`; (runs, patients).

    With a run's LOS factor f, L = f L0 and the patient's L0 > e / f: P(m <= j) =
    1 - S((e + j + 1) / f) / S(e / f). With one factor for all `runs` that table is built
    once and inverted per run (`invert_rows`); with a factor per run, each (run, patient)
    inverts the continuous law instead (`_leave_by_inversion`: the same draw, the same day,
    without a survival table of runs x patients x days)."""
    if len(scale) > 1:
        return _leave_by_inversion(los, e, scale, days, rng)
    runs = runs or 1
    grid = (e[:, None] + np.arange(days + 1)[None, :]) / scale[0]
    surv = los.survival(grid.ravel()).reshape(len(e), days + 1)
    alive = surv[:, 0] > 0
    cdf = 1.0 - surv[:, 1:] / np.where(alive, surv[:, 0], 1.0)[:, None]
    rows = np.tile(np.arange(len(e)), runs)
    leave = invert_rows(cdf, rows, 1.0 - rng.random(len(rows))).reshape(runs, len(e))
    if not alive.all():  # past the fitted support: the model's own residual rule
        dead = np.broadcast_to(~alive, (runs, len(e)))
        own = np.broadcast_to(e / scale[0], (runs, len(e)))[dead]
        stuck = los.sample_residual(own, rng) * scale[0]
        leave[dead] = np.clip(np.ceil(stuck) - 1, 0, days)
    return leave


def _leave_by_inversion(
    los: LosModel, e: np.ndarray, scale: np.ndarray, days: int, rng: np.random.Generator
) -> np.ndarray:
    """`_census_leave_days` with one factor per run, by inverting S: with the uniform r the
    table inversion uses (first j with S((e + j + 1) / f) <= r S(e / f)), the stay is
    L0 = isf(r S(e / f)) and m = ceil(f L0 - e - 1) (S decreasing: the same j)."""
    start = e[None, :] / scale[:, None]
    s_e = los.survival(start.ravel()).reshape(start.shape)
    r = rng.random(start.shape)
    alive = s_e > 0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        stay = los.isf(np.where(alive, r * s_e, 0.5)) * scale[:, None]
        m = np.ceil(stay - e[None, :] - 1.0)
    leave = np.clip(np.nan_to_num(m, nan=days, posinf=days), 0, days).astype(np.int64)
    if not alive.all():  # past the fitted support: the model's own residual rule
        stuck = los.sample_residual(start[~alive], rng) * scale[np.nonzero(~alive)[0]]
        leave[~alive] = np.clip(np.ceil(stuck) - 1, 0, days)
    return leave


def _census_curve(
    los: LosModel,
    elapsed: np.ndarray,
    scale: np.ndarray,
    days: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Midnight census (runs, days) of the patients already in bed, from conditional residuals."""
    e = np.asarray(elapsed, dtype=float)
    runs = len(scale)
    if e.size == 0:
        return np.zeros((runs, days), dtype=np.int64)
    out = np.empty((runs, days), dtype=np.int64)
    shared = bool(np.all(scale == 1.0))  # one table per patient serves every run
    chunk = runs if shared else max(1, CHUNK_CELLS // e.size)
    for start in range(0, runs, chunk):  # bounded memory: a run's patients per chunk
        part = scale[start : start + chunk]
        if shared:
            leave = _census_leave_days(los, e, part[:1], days, rng, runs=len(part))
        else:
            leave = _census_leave_days(los, e, part, days, rng)  # first day off the census
        rows = np.arange(len(part))[:, None] * (days + 1)
        counts = np.bincount((rows + leave).ravel(), minlength=len(part) * (days + 1))
        gone = np.cumsum(counts.reshape(len(part), days + 1)[:, :days], axis=1)
        out[start : start + len(part)] = e.size - gone
    return out


def simulate_occupancy(
    intensity: ArrivalIntensity,
    los: LosModel,
    runs: int,
    rng: np.random.Generator,
    census_elapsed: np.ndarray | None = None,
    census_rng: np.random.Generator | None = None,
    los_scale: np.ndarray | None = None,
    admit_fraction: np.ndarray | None = None,
) -> np.ndarray:
    """Midnight census per run and horizon day (runs, days), int64, for one ward.

    `los` already carries any scenario los_factor (`los.scaled(f)`); `census_elapsed` are the
    days already spent by each patient in bed at the origin's midnight; their residual stays
    use `census_rng` (default: `rng`). `los_scale`: one LOS factor per run (the fitted LOS's
    parameter uncertainty, see `los_fit.LosEstimate`); `admit_fraction`: when in the day
    admissions happen (even by default).
    """
    days = intensity.days
    scale = np.ones(runs) if los_scale is None else np.asarray(los_scale, float)
    s_mid = census_days(los, days, admit_fraction)
    k = dense_stays(s_mid, float(np.mean(intensity.mean)), days)
    s_run = None if los_scale is None else census_days(los, days, admit_fraction, scale)
    out = np.empty((runs, days), dtype=np.int64)
    chunk = max(1, CHUNK_CELLS // max(days, 1))
    for start in range(0, runs, chunk):  # bounded memory: chunks of runs, not one per run
        n = min(chunk, runs - start)
        s = s_mid if s_run is None else s_run[start : start + n]
        rate = intensity.rates(n, rng)
        a_dense, d_dense = _discharges_dense(rate, s, k, rng)
        a_tail, d_tail = _discharges_tail(rate, s, k, rng)
        out[start : start + n] = np.cumsum(a_dense + a_tail, 1) - np.cumsum(d_dense + d_tail, 1)
    if census_elapsed is not None:
        out += _census_curve(los, census_elapsed, scale, days, census_rng or rng)
    return out
