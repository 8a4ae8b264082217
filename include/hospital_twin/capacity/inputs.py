"""A capacity study's inputs as of its origin, from what the warehouse observed up to it.

Per ward: the length-of-stay model (the configured model blended with the one fitted to the
stays observed, still-open stays censored, by the evidence; see `los_fit.blend_los`), the
arrival intensity (see `intensity`), and the days already spent by the patients in bed. The
study's work is cut into items (scenario x a few wards) that mapped tasks run side by side.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import pandas as pd

from hospital_twin.capacity import intensity
from hospital_twin.capacity.intensity import ward_intensity
from hospital_twin.capacity.los_fit import LosEstimate, LosModel, blend_los, from_config
from hospital_twin.capacity.montecarlo import ArrivalIntensity
from hospital_twin.config import HospitalConfig

RECENT_DAYS = intensity.RECENT_DAYS  # the days the recent-rate intensity averages over
HISTORY_DAYS = intensity.TRACK_RECORD_DAYS  # the admission history read (the level's track record)


def los_estimate(config: HospitalConfig, ward: str, stays: pd.DataFrame) -> LosEstimate:
    """The ward's LOS from its stays (ward, stay_days, censored) blended with the configured
    model by the evidence, with the uncertainty of its mean (`los_fit.blend_los`)."""
    mine = stays[stays["ward"] == ward]
    return blend_los(
        from_config(config.ward(ward).los),
        mine["stay_days"].to_numpy(float),
        mine["censored"].to_numpy(bool),
    )


def los_for_ward(config: HospitalConfig, ward: str, stays: pd.DataFrame) -> LosModel:
    """The ward's blended LOS model (`los_estimate` without its uncertainty)."""
    return los_estimate(config, ward, stays).model


def study_intensity(
    config: HospitalConfig,
    origin: dt.date,
    horizon_days: int,
    stays: pd.DataFrame,
    forecasts: pd.DataFrame,
    history: pd.DataFrame,
) -> tuple[pd.DataFrame, dict[str, dict[str, str]]]:
    """Arrival intensity per ward and day after `origin` (ward, date, mean, nb_size, level_cv),
    and per ward the sources of its arrivals and LOS, in words."""
    dates = pd.date_range(origin + dt.timedelta(days=1), periods=horizon_days, freq="D")
    frames, sources = [], {}
    for ward in config.wards:
        los = los_for_ward(config, ward.name, stays)
        frame, source = ward_intensity(config, ward.name, los, dates, forecasts, history)
        arrivals = ArrivalIntensity.from_forecast(frame)  # NB size from the interval if needed
        frames.append(
            pd.DataFrame(
                {
                    "ward": ward.name,
                    "date": arrivals.dates,
                    "mean": arrivals.mean,
                    "nb_size": arrivals.nb_size,
                    "level_cv": arrivals.level_cv,
                }
            )
        )
        sources[ward.name] = {"arrivals": source, "los": los.description}
    return pd.concat(frames, ignore_index=True), sources


def work_items(
    scenarios: Sequence[str],
    wards: Sequence[str],
    per_task: int,
    work: Mapping[str, float] | None = None,
) -> list[dict]:
    """One item per scenario and chunk of wards: what one mapped task computes.

    ceil(wards / per_task) chunks per scenario. Without `work`, consecutive runs of
    `per_task` wards. With `work` (a ward's cost, e.g. its beds: the Monte Carlo's and the
    SimPy check's patients scale with them), each ward goes, largest first, to the chunk with
    the least work so far: the chunks end together instead of one big-ward chunk finishing
    last. Wards keep their order inside a chunk; results do not depend on the chunking (each
    ward draws from its own random streams)."""
    n = -(-len(wards) // per_task) if wards else 0
    if work is None:
        chunks = [list(wards[i : i + per_task]) for i in range(0, len(wards), per_task)]
    else:
        load, members = [0.0] * n, [[] for _ in range(n)]
        for ward in sorted(wards, key=lambda w: -work[w]):
            i = min(range(n), key=load.__getitem__)
            load[i] += work[ward]
            members[i].append(ward)
        order = {w: k for k, w in enumerate(wards)}
        chunks = [sorted(m, key=order.__getitem__) for m in members if m]
    return [{"scenario": s, "wards": c} for s in scenarios for c in chunks]
