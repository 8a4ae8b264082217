"""Admission decisions: which of D's visits need a bed, in which ward, for how long.

Every decision is drawn ahead of the simulation, route by route on its own stream (`direct`,
`ed_admission`, `elective`; the ED's routed wards on `routing`, the planned stays on
`los:<ward>`), so the draws never depend on the order in which SimPy runs events. The routes
and figures are described in the package docstring (hospital_twin.day.flow).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from hospital_twin.config import HospitalConfig
from hospital_twin.day.flow.los import draw_los
from hospital_twin.rng import stream
from hospital_twin.setup.illness import PEDIATRIC_DEPARTMENT, PEDIATRIC_MAX_AGE

# The random stream each route's admission decisions are drawn from.
ROUTE_STREAMS = {"direct": "direct", "ED": "ed_admission", "elective": "elective"}
# Triage that would end after midnight is cut here, so every decision belongs to D.
LAST_DECISION_HOUR = 24 - 1 / 3600


def admission_candidates(
    config: HospitalConfig, day: dt.date, visits: pd.DataFrame
) -> pd.DataFrame:
    """Visits of `day` that may need a bed, in visit order, with the chance that they do.

    The visits' columns plus `source` (direct, ED, elective), `requested_ward`, `priority`
    (0 = most urgent; electives last) and `p_admit` (see the package docstring). The ward of
    an ED patient routed by `flow.ed_routing` is drawn on stream `routing`. Summing `p_admit`
    by ward gives the expected bed requests without drawing them.
    """
    visits = visits.reset_index(drop=True)
    fl, levels = config.flow, [t.name for t in config.visits.triage_levels]
    rank = {n: i for i, n in enumerate(levels)}
    ward_of: dict[str, str] = {}
    for w in config.wards:
        ward_of.setdefault(w.department, w.name)
    odds = {w.name: fl.admission_odds_ratio.get(w.name, 1.0) for w in config.wards}
    level = visits["triage_level"].map(rank).astype(float).fillna(len(levels) - 1).astype(int)
    own = visits["department"].map(ward_of)  # missing for outpatient departments
    is_direct = own.isin(fl.direct_admission_prob).to_numpy()
    is_ed = (visits["service"] == "Emergency Room").to_numpy() & ~is_direct
    is_elective = (
        (visits["service"] == "Specialist Clinic").to_numpy()
        & own.notna().to_numpy()
        & ~is_direct
        & (visits["severity"] >= fl.elective_min_severity).to_numpy()
    )

    direct = visits[is_direct].assign(
        source="direct",
        requested_ward=own[is_direct],
        priority=level[is_direct],
        p_admit=own[is_direct].map(fl.direct_admission_prob).astype(float),
    )

    ed, ed_level = visits[is_ed], level[is_ed]
    wanted = own[is_ed]
    lowest = wanted.map({w: rank[t] for w, t in fl.min_triage_by_ward.items()}).astype(float)
    wanted = wanted.mask(ed_level > lowest)  # not acute enough for that ward: routed instead
    routes = np.array(list(fl.ed_routing), dtype=object)
    drawn = stream(config.seed, day, "routing").choice(
        len(routes), size=len(ed), p=list(fl.ed_routing.values())
    )
    routed = (
        ed["category"]
        .map(fl.ed_routing_by_category)
        .fillna(pd.Series(routes[drawn], index=ed.index))
    )
    if PEDIATRIC_DEPARTMENT in ward_of:
        routed = routed.mask(ed["age"] <= PEDIATRIC_MAX_AGE, ward_of[PEDIATRIC_DEPARTMENT])
    wanted = wanted.fillna(routed)
    p_ed = ed["triage_level"].map(fl.ed_admission_prob_by_triage).astype(float).fillna(0.0)
    from_ed = ed.assign(
        source="ED",
        requested_ward=wanted,
        priority=ed_level,
        p_admit=with_odds(p_ed, wanted.map(odds).astype(float)),
    )

    planned = own[is_elective]
    electives = visits[is_elective].assign(
        source="elective",
        requested_ward=planned,
        priority=len(levels),
        p_admit=with_odds(fl.elective_admission_prob, planned.map(odds).astype(float)),
    )
    out = pd.concat([direct, from_ed, electives]).sort_index(kind="stable")
    return out.astype({"priority": int, "p_admit": float})


def with_odds(p: float | pd.Series, odds_ratio: float | pd.Series) -> np.ndarray:
    """Probability `p` with its odds multiplied by `odds_ratio` (a logistic-model offset);
    an odds ratio of 0 never admits."""
    p, r = np.asarray(p, dtype=float), np.asarray(odds_ratio, dtype=float)
    num, den = np.broadcast_arrays(p * r, 1 - p + p * r)
    return np.divide(num, den, out=np.zeros(num.shape), where=den > 0)


def bed_requests(
    config: HospitalConfig, day: dt.date, visits: pd.DataFrame, los_factor: float = 1.0
) -> pd.DataFrame:
    """The day's admission decisions in decision order, with wanted ward and planned stay."""
    cand = admission_candidates(config, day, visits)
    chosen = np.zeros(len(cand), dtype=bool)
    for source, name in ROUTE_STREAMS.items():
        mask = (cand["source"] == source).to_numpy()
        draws = stream(config.seed, day, name).random(int(mask.sum()))
        chosen[mask] = draws < cand["p_admit"].to_numpy()[mask]
    req = cand[chosen].drop(columns="p_admit").reset_index(drop=True)
    hours = (req["arrival_time"] - pd.Timestamp(day)) / pd.Timedelta(hours=1)
    if ((hours < 0) | (hours >= 24)).any():
        raise ValueError(f"visits must arrive on {day}: got arrivals outside that day")
    req["ready_at"] = np.minimum(hours + req["triage_minutes"] / 60, LAST_DECISION_HOUR)
    req = req.sort_values(["ready_at", "visit_id"], ignore_index=True)
    req["admission_id"] = [f"A{day:%Y%m%d}-{i:05d}" for i in range(1, len(req) + 1)]
    req["los_hours"] = planned_stays(config, day, req["requested_ward"]) * los_factor * 24
    return req


def planned_stays(config: HospitalConfig, day: dt.date, wards: pd.Series) -> np.ndarray:
    """Length of stay (days) for each request, from its wanted ward's stream `los:<ward>`."""
    days = np.zeros(len(wards))
    for w in config.wards:
        mask = (wards == w.name).to_numpy()
        if mask.any():
            days[mask] = draw_los(w.los, stream(config.seed, day, f"los:{w.name}"), int(mask.sum()))
    return days
