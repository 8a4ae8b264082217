"""Loss-system variant: admissions refused when every bed is taken (M/G/c/c, Erlang-B).

What is modelled: a ward of `beds` beds in continuous time. Admissions of day d arrive at
uniform times within the day (a Poisson process given the day's rate); an admission finding
every bed taken is refused (turned away to another hospital), otherwise it stays LOS days.
In steady state with Poisson arrivals the share refused is Erlang's loss formula
B(c, a) with offered load a = λ E[LOS], whatever the LOS distribution (Erlang 1917;
the insensitivity of the loss system, Sevastyanov 1957): `erlang_b` checks the simulation.

How, vectorised: ordered entry. Which free bed an admission takes does not change who is
refused, so let it take the lowest-numbered free bed. Then bed 1 sees all arrivals, bed k
sees those refused by beds 1..k-1, and the arrivals refused by bed c are the ward's refusals:
a loop over beds. A single bed accepts an arrival, then the first arrival after that stay
ends, and so on: a chain next(i) = first arrival at or after t_i + s_i. The chain from each
run's first arrival is followed for all runs at once by pointer doubling (next, next², next⁴
…, about log2(arrivals) array gathers per bed), so there is no loop per run, day or patient.
Cost grows with beds × arrivals: this variant is for checks and small wards.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from hospital_twin.capacity.los_fit import LosModel
from hospital_twin.capacity.montecarlo import ArrivalIntensity


def erlang_b(servers: int, offered_load: float) -> float:
    """Erlang's loss formula B(c, a), by the stable recursion B_k = a B_{k-1} / (k + a B_{k-1})."""
    b = 1.0
    for k in range(1, servers + 1):  # one step per server: cheap and numerically stable
        b = offered_load * b / (k + offered_load * b)
    return b


@dataclass(frozen=True)
class LossResult:
    offered: np.ndarray  # (runs, days) arrivals
    refused: np.ndarray  # (runs, days) arrivals finding every bed taken
    occupancy: np.ndarray  # (runs, days) patients in bed at the end of each day

    def blocking(self, from_day: int = 0) -> float:
        """Share of arrivals refused from `from_day` on (skip a warm-up from empty)."""
        return float(self.refused[:, from_day:].sum() / max(self.offered[:, from_day:].sum(), 1))

    def blocking_ci(self, from_day: int = 0, level: float = 0.95) -> tuple[float, float]:
        """Confidence interval of the blocking share from independent runs (ratio estimator)."""
        off = self.offered[:, from_day:].sum(1).astype(float)
        ref = self.refused[:, from_day:].sum(1).astype(float)
        p = ref.sum() / off.sum()
        resid = ref - p * off
        se = np.sqrt(np.sum(resid**2) / (len(off) * (len(off) - 1))) / off.mean()
        z = stats.norm.ppf(0.5 + level / 2)
        return float(p - z * se), float(p + z * se)


def _chain(keys: np.ndarray, nxt: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Mask of nodes on the chains from `starts` (index len(keys) = end), by doubling."""
    end = len(keys)
    jump = np.append(nxt, end)
    on = np.zeros(end + 1, dtype=bool)
    frontier = starts
    on[frontier] = True
    while True:
        ahead = jump[frontier]  # the chain 2^k steps further than each frontier node
        ahead = ahead[ahead != end]
        if ahead.size == 0:
            break
        on[ahead] = True
        frontier = np.concatenate([frontier, ahead])
        jump = jump[jump]
    return on[:end]


def _one_bed(
    run: np.ndarray, t: np.ndarray, s: np.ndarray, free_at: np.ndarray, days: int
) -> np.ndarray:
    """Which arrivals (sorted by run then time) a single bed accepts; free from `free_at`."""
    runs = len(free_at)
    keys = run * float(days) + t
    bounds = np.searchsorted(run, np.arange(runs + 1))  # run r occupies [bounds[r], bounds[r+1])
    done = t + s
    nxt = np.searchsorted(keys, run * float(days) + np.minimum(done, days), side="left")
    nxt = np.where((done >= days) | (nxt >= bounds[run + 1]), len(t), nxt)
    first = np.searchsorted(keys, np.arange(runs) * float(days) + free_at, side="left")
    has = (first < bounds[1:]) & (free_at < days)
    return _chain(keys, nxt, first[has])


def _arrivals(intensity: ArrivalIntensity, runs: int, rng: np.random.Generator) -> tuple:
    """Arrival run, time (days from start) and per-day counts, sorted by run then time."""
    counts = rng.poisson(intensity.rates(runs, rng))
    cell = np.repeat(np.arange(counts.size), counts.ravel())
    key = np.sort(cell + rng.random(cell.size))
    run = (key // intensity.days).astype(np.int64)
    return run, key - run * intensity.days, counts


def _in_bed(run: np.ndarray, start: np.ndarray, stop: np.ndarray, runs: int, days: int):
    """Patients in bed at the end of each day from stays [start, stop)."""
    first = np.minimum(np.floor(start).astype(np.int64), days)
    last = np.minimum(np.floor(stop).astype(np.int64), days)
    width = days + 1
    diff = np.bincount(run * width + first, minlength=runs * width)
    diff -= np.bincount(run * width + last, minlength=runs * width)
    return np.cumsum(diff.reshape(runs, width), axis=1)[:, :days]


def simulate_loss_system(
    intensity: ArrivalIntensity,
    los: LosModel,
    beds: int,
    runs: int,
    rng: np.random.Generator,
    census_elapsed: np.ndarray | None = None,
) -> LossResult:
    """Refused arrivals and end-of-day census of a `beds`-bed ward that turns patients away.

    The census (elapsed days of patients in bed at the start) holds the first beds until
    their conditional residual stays end; it must not exceed `beds`.
    """
    days = intensity.days
    run, t, counts = _arrivals(intensity, runs, rng)
    stay = los.sample(len(t), rng)
    census = np.zeros(0) if census_elapsed is None else np.asarray(census_elapsed, float)
    if len(census) > beds:
        raise ValueError(f"census of {len(census)} exceeds {beds} beds: a loss system is full")
    held = np.zeros((runs, beds))
    held[:, : len(census)] = los.sample_residual(np.broadcast_to(census, (runs, len(census))), rng)
    kept_run, kept_start, kept_stop = [np.repeat(np.arange(runs), len(census))], [], []
    kept_start.append(np.zeros(runs * len(census)))
    kept_stop.append(held[:, : len(census)].ravel())
    for bed in range(beds):  # loop over beds (ordered entry)
        if len(t) == 0:
            break
        took = _one_bed(run, t, stay, held[:, bed], days)
        kept_run.append(run[took])
        kept_start.append(t[took])
        kept_stop.append(t[took] + stay[took])
        run, t, stay = run[~took], t[~took], stay[~took]
    refused = np.bincount(run * days + np.floor(t).astype(np.int64), minlength=runs * days)
    occupancy = _in_bed(
        np.concatenate(kept_run),
        np.concatenate(kept_start),
        np.concatenate(kept_stop),
        runs,
        days,
    )
    return LossResult(offered=counts, refused=refused.reshape(runs, days), occupancy=occupancy)
