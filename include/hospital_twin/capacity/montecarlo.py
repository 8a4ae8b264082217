"""Vectorised Monte Carlo of ward occupancy: arrivals, stays and the census already in bed.

What is modelled: a ward as an infinite-server queue (M/G/∞, or its over-dispersed and
time-varying variants). Day d brings a negative-binomial number of admissions (a Poisson
count whose rate is the forecast mean × a run-wide level factor × a day-to-day gamma factor;
NB = gamma-mixed Poisson). A patient admitted on day d with stay L (days) is counted on the
census of days d, …, d + ceil(L) - 1, i.e. day t counts every admission of day t - k whose
stay exceeds k days, so the expected census is Σ_k λ_{t-k} P(LOS > k): the M/G/∞ mean.
Patients already in bed at the start, with elapsed stays e, stay on day s iff LOS > e + s,
their remaining stay drawn from S(e + r) / S(e) (see `los_fit`).

How, without a loop per run or per day: Poisson splitting. Admissions of day d whose stay
lasts exactly j census days are an independent Poisson count with mean λ_d P(D = j)
(D = ceil(L)), so for each LOS value j with many patients ("dense", a loop over LOS-day
offsets) one draw per (run, day) gives them all and their discharges land j days later (a
discharge calendar). The few patients with long stays are drawn one by one from the
conditional tail of D, also vectorised. Occupancy = cumulative admissions - cumulative
discharges.
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
        cls, forecast: pd.DataFrame, share: float = 1.0, level_cv: float = 0.0
    ) -> ArrivalIntensity:
        """From a forecast frame (date, mean, and nb_size or lo80/hi80) times a ward `share`.

        Without an `nb_size` column the NB size is matched to the 80 % interval's width:
        sd = (hi80 - lo80) / (2 z_0.9), size = mean² / (sd² - mean) (Poisson if sd² <= mean).
        """
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


def census_days(los: LosModel, days: int) -> np.ndarray:
    """S(k) = P(LOS > k) for k = 0..days: the chance an admission is still in on day k."""
    s = los.survival(np.arange(days + 1, dtype=float))
    s[0] = 1.0  # every admission is on the census of its own day
    return np.minimum.accumulate(np.clip(s, 0.0, 1.0))


def expected_occupancy(mean: np.ndarray, los: LosModel) -> np.ndarray:
    """M/G/∞ mean census from empty: E[O_t] = Σ_{k=0}^{t} λ_{t-k} P(LOS > k)."""
    s = census_days(los, len(mean))
    return np.convolve(mean, s[: len(mean)])[: len(mean)]


def dense_stays(s: np.ndarray, mean_rate: float, days: int) -> int:
    """How many LOS values j = 1..K get their own Poisson draw (the rest are drawn singly)."""
    pmf = s[:-1] - s[1:]
    heavy = np.nonzero(mean_rate * pmf[:days] >= DENSE_MIN_PATIENTS)[0]
    return int(heavy[-1] + 1) if len(heavy) else 0


def _discharges_dense(
    rate: np.ndarray, s: np.ndarray, k: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Admissions and discharges (runs, days) of patients with D = 1..k, one draw per j."""
    days = rate.shape[1]
    admitted = np.zeros(rate.shape, dtype=np.int64)
    discharged = np.zeros(rate.shape, dtype=np.int64)
    for j in range(1, k + 1):  # loop over LOS-day offsets
        n = rng.poisson(rate * (s[j - 1] - s[j]))
        admitted += n
        if j < days:
            discharged[:, j:] += n[:, : days - j]
    return admitted, discharged


class _TailStays:
    """Sampler of D given D > k (stays past the dense LOS values), by a guide table: the
    uniform's bucket fixes the answer except in the few buckets holding a cdf step, which
    fall back to a binary search (exact inversion either way, Chen & Asau 1974)."""

    def __init__(self, s: np.ndarray, k: int, buckets_per_step: int = 64) -> None:
        self.k, self.mass = k, float(s[k])
        # P(D <= j | D > k) for j = k+1..days; longer stays outlast the horizon either way
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


def _discharges_tail(
    rate: np.ndarray, tail: _TailStays, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Admissions and discharges of patients with D > k: a Poisson count per cell, then one
    conditional stay per patient."""
    runs, days = rate.shape
    if tail.mass <= 0:
        return np.zeros(rate.shape, np.int64), np.zeros(rate.shape, np.int64)
    admitted = rng.poisson(rate * tail.mass)
    total = int(admitted.sum())
    discharged = np.zeros(rate.size, dtype=np.int64)
    if total:
        cell = np.repeat(np.arange(rate.size, dtype=np.int32), admitted.ravel())
        day = cell % days + tail.sample(total, rng)
        inside = day < days
        discharged = np.bincount((cell - cell % days + day)[inside], minlength=rate.size)
    return admitted, discharged.reshape(runs, days)


def _census_leave_days(
    los: LosModel, e: np.ndarray, runs: int, days: int, rng: np.random.Generator
) -> np.ndarray:
    """First census day each patient in bed is gone, m = ceil(LOS - e) capped at `days`.

    P(m <= j) = 1 - S(e + j) / S(e): a table per patient over the horizon, inverted for all
    runs at once by one searchsorted on the rows laid end to end (row p shifted by p)."""
    grid = e[:, None] + np.arange(days + 1)[None, :]
    surv = los.survival(grid.ravel()).reshape(len(e), days + 1)
    alive = surv[:, 0] > 0
    cdf = 1.0 - surv[:, 1:] / np.where(alive, surv[:, 0], 1.0)[:, None]
    keys = (np.arange(len(e))[:, None] + np.maximum.accumulate(cdf, axis=1)).ravel()
    u = rng.random((runs, len(e)))
    idx = np.searchsorted(keys, np.arange(len(e)) + u, side="left")
    leave = np.minimum(idx - np.arange(len(e)) * days + 1, days)
    if not alive.all():  # past the fitted support: the model's own residual rule
        stuck = los.sample_residual(np.broadcast_to(e[~alive], (runs, (~alive).sum())), rng)
        leave[:, ~alive] = np.clip(np.ceil(stuck), 1, days)
    return leave


def _census_curve(
    los: LosModel, elapsed: np.ndarray, runs: int, days: int, rng: np.random.Generator
) -> np.ndarray:
    """Occupancy (runs, days) of the patients already in bed, from conditional residuals."""
    e = np.asarray(elapsed, dtype=float)
    if e.size == 0:
        return np.zeros((runs, days), dtype=np.int64)
    leave = _census_leave_days(los, e, runs, days, rng)  # first day not in bed
    rows = np.arange(runs)[:, None] * (days + 1)
    counts = np.bincount((rows + leave).ravel(), minlength=runs * (days + 1))
    gone = np.cumsum(counts.reshape(runs, days + 1)[:, :days], axis=1)
    return e.size - gone


def simulate_occupancy(
    intensity: ArrivalIntensity,
    los: LosModel,
    runs: int,
    rng: np.random.Generator,
    census_elapsed: np.ndarray | None = None,
    census_rng: np.random.Generator | None = None,
) -> np.ndarray:
    """Census per run and day (runs, days), int64, for one ward.

    `los` already carries any scenario los_factor (`los.scaled(f)`); `census_elapsed` are the
    days already spent by each patient in bed at the start of the first day; their residual
    stays use `census_rng` (default: `rng`).
    """
    days = intensity.days
    s = census_days(los, days)
    k = dense_stays(s, float(np.mean(intensity.mean)), days)
    tail = _TailStays(s, k)
    out = np.empty((runs, days), dtype=np.int64)
    chunk = max(1, CHUNK_CELLS // max(days, 1))
    for start in range(0, runs, chunk):  # bounded memory: chunks of runs, not one per run
        n = min(chunk, runs - start)
        rate = intensity.rates(n, rng)
        a_dense, d_dense = _discharges_dense(rate, s, k, rng)
        a_tail, d_tail = _discharges_tail(rate, tail, rng)
        out[start : start + n] = np.cumsum(a_dense + a_tail, 1) - np.cumsum(d_dense + d_tail, 1)
    if census_elapsed is not None:
        out += _census_curve(los, census_elapsed, runs, days, census_rng or rng)
    return out
