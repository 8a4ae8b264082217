"""The figures planners use, per ward and bed level, beside P(overflow in the horizon).

- days_full_per_month: expected midnights a month with the census at or over the beds
  (from the Monte Carlo census; in a ward that refuses when full, the census path equals
  the unconstrained one until it first reaches the beds);
- refused_per_month: expected admissions a month that find every bed taken (refused, or
  boarding in the ED): λ × B(c, a), Erlang's loss formula with the offered load a = the
  Monte Carlo's mean census (insensitive to the LOS distribution);
- wait_over_4h / wait_over_12h: share of admissions waiting longer than the NHS's 4-hour and
  12-hour standards for a bed: B(c, a) × P(no bed frees within t), beds freeing at c / E[LOS]
  a day when all are taken (a first-order estimate: the queue ahead is ignored).

Small wards cannot reach 85 % occupancy at a low refusal rate (Erlang loss): a 10-bed ward at
85 % refuses about 12 % of its admissions; these columns show it rather than a flat rule.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hospital_twin.capacity.loss import erlang_b

PLANNER_COLUMNS = ["days_full_per_month", "refused_per_month", "wait_over_4h", "wait_over_12h"]
MONTH_DAYS = 30.4


def planner_metrics(
    occupancy: np.ndarray, levels: np.ndarray, arrivals_per_day: float, mean_los: float
) -> pd.DataFrame:
    """PLANNER_COLUMNS per bed level (levels as given) from the census (runs, days)."""
    occ = np.asarray(occupancy)
    days = occ.shape[1]
    load = float(occ.mean())
    rows = []
    for beds in np.asarray(levels, dtype=np.int64):
        full_days = float((occ >= beds).sum(axis=1).mean()) * MONTH_DAYS / days
        blocked = erlang_b(int(beds), load) if beds > 0 else 1.0
        release = max(int(beds), 1) / max(mean_los, 1e-9)  # beds freed a day when full
        rows.append(
            [
                full_days,
                MONTH_DAYS * arrivals_per_day * blocked,
                blocked * np.exp(-release * 4 / 24),
                blocked * np.exp(-release * 12 / 24),
            ]
        )
    return pd.DataFrame(rows, columns=PLANNER_COLUMNS)


def criterion(beds: int, occupancy: np.ndarray, target: float, days: int) -> str:
    """What a recommended bed level meets, in words, with the occupancy and refusals it
    implies (the Erlang reality of small wards)."""
    load = float(np.asarray(occupancy).mean())
    refused = erlang_b(int(beds), load) if beds > 0 else 1.0
    return (
        f"P(max midnight census over {days} days > {beds} beds) <= {target:.0%}; "
        f"mean occupancy {load / max(beds, 1):.0%}, {refused:.1%} of admissions find it full"
    )
