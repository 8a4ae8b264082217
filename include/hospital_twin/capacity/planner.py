"""The figures planners use, per ward and bed level, beside P(overflow in the horizon).

- days_full_per_month: expected midnights a month with the census at or over the beds
  (from the Monte Carlo census; in a ward that refuses when full, the census path equals
  the unconstrained one until it first reaches the beds);
- refused_per_month: expected admissions a month that find every bed taken (refused, or
  boarding in the ED): λ × B(c, a), Erlang's loss formula with the offered load a = the
  Monte Carlo's mean census (insensitive to the LOS distribution);
- wait_over_4h / wait_over_12h: share of admissions waiting longer than the NHS's 4-hour and
  12-hour standards for a bed, as the twin's wards work (`flow.overflow_policy: wait`): a
  patient finding every bed taken waits in the ED, first come first served, and is refused
  after PATIENCE_HOURS. Each day is an M/M/c+D queue (c beds, offered load a = the Monte
  Carlo's mean census that day, beds freeing at rate 1 / E[LOS] each, deterministic
  patience): the wait an arrival would face, V, has P(V > t) = λβ I(t) / (1 + λβ I(0))
  with β = B(c - 1, a), I(t) = ∫_t^∞ exp(λ min(x, τ) - cμx) dx (Baccelli & Hébuterne 1981;
  Zeltyn & Mandelbaum 2005). The queue ahead counts: near capacity beds free at c μ - λ
  net, not c μ, so a full 300-bed ward makes its patients wait hours, not minutes. Shares
  are weighted by each day's arrivals; over 12 h means refused at the patience limit.

Small wards cannot reach 85 % occupancy at a low refusal rate (Erlang loss): a 10-bed ward at
85 % refuses about 12 % of its admissions; these columns show it rather than a flat rule.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from hospital_twin.capacity.loss import erlang_b
from hospital_twin.capacity.recommend import SteadyDemand

PLANNER_COLUMNS = ["days_full_per_month", "refused_per_month", "wait_over_4h", "wait_over_12h"]
MONTH_DAYS = 30.4


PATIENCE_HOURS = 12.0  # the twin's default `flow.max_wait_hours`: the NHS's 12-hour standard


def planner_metrics(
    occupancy: np.ndarray, levels: np.ndarray, arrivals_per_day: float, mean_los: float
) -> pd.DataFrame:
    """PLANNER_COLUMNS per bed level (levels as given) from the census (runs, days)."""
    occ = np.asarray(occupancy)
    days = occ.shape[1]
    load = float(occ.mean())
    daily_load = occ.mean(axis=0)
    rows = []
    for beds in np.asarray(levels, dtype=np.int64):
        full_days = float((occ >= beds).sum(axis=1).mean()) * MONTH_DAYS / days
        blocked = erlang_b(int(beds), load) if beds > 0 else 1.0
        rows.append(
            [
                full_days,
                MONTH_DAYS * arrivals_per_day * blocked,
                *(wait_share(h, int(beds), daily_load, mean_los) for h in (4, 12)),
            ]
        )
    return pd.DataFrame(rows, columns=PLANNER_COLUMNS)


def wait_share(
    hours: float,
    beds: int,
    daily_load: np.ndarray,
    mean_los: float,
    patience_hours: float = PATIENCE_HOURS,
) -> float:
    """Share of admissions waiting over `hours` for a bed (refused at the patience limit
    count as over it): the M/M/c+D virtual wait of the module docstring, day by day,
    weighted by the day's arrivals (λ_d = a_d μ)."""
    a = np.maximum(np.asarray(daily_load, float), 1e-12)
    if beds <= 0:
        return 1.0
    mu = 1.0 / max(mean_los, 1e-9)
    lam, t, tau = a * mu, min(hours, patience_hours) / 24, patience_hours / 24
    beta = _erlang_b(beds - 1, a)
    p_over = (
        lam
        * beta
        * _tail(t, tau, lam, beds * mu)
        / (1 + lam * beta * _tail(0, tau, lam, beds * mu))
    )
    return float(np.sum(p_over * lam) / np.sum(lam))


def _tail(t: float, tau: float, lam: np.ndarray, service: float) -> np.ndarray:
    """I(t) = ∫_t^∞ exp(λ min(x, τ) - cμ x) dx for t <= τ (cμ = `service`)."""
    x = service - lam  # net rate beds free while patients wait
    small = np.abs(x) < 1e-9
    safe = np.where(small, 1.0, x)
    queue = np.where(small, tau - t, np.exp(-safe * t) * -np.expm1(-safe * (tau - t)) / safe)
    return queue + np.exp(-x * tau) / service


def _erlang_b(servers: int, loads: np.ndarray) -> np.ndarray:
    """B(c, a) for an array of offered loads (the stable recursion of `loss.erlang_b`)."""
    b = np.ones_like(loads)
    for k in range(1, servers + 1):
        b = loads * b / (k + loads * b)
    return b


THIN_WEIGHT = 0.5  # below this share of data in the LOS estimate, the configuration speaks


def thin_data(los_data_weight: float, level_cv: float) -> str | None:
    """Why the data are too thin to move a ward's recommendation, or None.

    Thin: the mean LOS is more the configured figure than the ward's stays
    (`los_fit.blend_los` weight below THIN_WEIGHT), or the arrival level is the configured
    steady state (no measured level: `level_cv` 0). The Monte Carlo then draws the
    configuration's uncertainty (±25 % on the mean LOS): after ten simulated days it put every
    ward 4-15 beds short at 14-53 % occupancy with no refusals. A recommendation resting on
    that says nothing about the ward, so the configured beds stand until the data speak."""
    why = []
    if los_data_weight < THIN_WEIGHT:
        why.append(f"mean LOS {los_data_weight:.0%} from the ward's stays")
    if level_cv <= 0:
        why.append("arrivals at the configured steady state")
    return "; ".join(why) or None


def held_criterion(configured: int, computed: int, reason: str) -> str:
    """The criterion of a recommendation held at the configured beds by thin data."""
    return (
        f"data too thin to move the recommendation ({reason}): configured {configured} beds "
        f"kept (the refusal target on the configured assumptions says {computed})"
    )


def hold_thin(recs: pd.DataFrame, reasons: Mapping[str, str | None]) -> pd.DataFrame:
    """`recs` (capacity_study's recommendations) with the wards whose data are too thin
    (`reasons`, from `thin_data`) held at their configured beds, their criterion saying so."""
    out = recs.copy()
    for i, row in out.iterrows():
        why = reasons.get(row["ward"])
        if why:
            configured = int(row["configured_beds"])
            out.at[i, "criterion"] = held_criterion(configured, int(row["recommended_beds"]), why)
            out.at[i, "recommended_beds"] = configured
            out.at[i, "risk_at_recommended"] = row["risk_at_configured"]
            if "refusal_at_configured" in out:
                out.at[i, "refusal_at_recommended"] = row["refusal_at_configured"]
    return out


def criterion(
    beds: int,
    configured: int,
    demand: SteadyDemand,
    refusal_target: float,
    risks: tuple[float, float],
    risk_target: float,
    days: int,
) -> str:
    """What the recommended beds meet, in words: the metric, its target and the value met at
    the recommended and the configured beds (`recommend`), then the short-term risk at both
    (`risks`: at recommended, at configured) and, where the two seem to disagree, why."""
    at_rec, at_cfg = demand.refused_share(beds), demand.refused_share(configured)
    load = demand.offered_load
    text = (
        f"admissions finding every bed taken (refused or boarding in the ED) <= "
        f"{refusal_target:.1%} in the steady state of the ward's demand (Erlang loss; "
        f"offered load {load:.1f} beds = {demand.arrivals_per_day:.1f} admissions a day x "
        f"{demand.mean_los:.1f} days): {at_rec:.2%} at {beds} beds, mean occupancy "
        f"{load / max(beds, 1):.0%}; {at_cfg:.2%} at the configured {configured}"
    )
    return f"{text}. {short_term_risk(beds, configured, risks, risk_target, days)}"


def short_term_risk(
    beds: int, configured: int, risks: tuple[float, float], risk_target: float, days: int
) -> str:
    """The short-term risk beside the recommendation, and why it may point the other way: it
    counts a single midnight over the beds in the horizon, from today's census; the
    recommendation counts admissions turned away by the demand's steady state."""
    at_rec, at_cfg = risks
    text = (
        f"Short-term risk, from today's census: P(census over the beds at least one midnight "
        f"in {days} days) {at_rec:.0%} at {beds} beds, {at_cfg:.0%} at {configured}"
    )
    if beds < configured and at_rec > risk_target:
        text += (
            f"; fewer beds than configured although that risk is above {risk_target:.0%}: "
            "a single full midnight counts there, while the recommendation counts how many "
            "admissions a full ward turns away"
        )
    elif beds > configured and at_cfg <= risk_target:
        text += (
            f"; more beds than configured although that risk at {configured} is within "
            f"{risk_target:.0%}: today's census and {days} days are too short a view of a "
            "demand that turns away more admissions than the target at the configured beds"
        )
    return text
