"""The census a day starts from: the warm-up state on the first day, else the end of D-1.

A census (contracts.CENSUS_COLUMNS) is who is in which bed at midnight and when each stay is
expected to end; the simulation turns it into carried-over `Stay`s.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd

from hospital_twin.config import HospitalConfig
from hospital_twin.contracts import CENSUS_COLUMNS
from hospital_twin.day.flow.beds import Stay, ward_beds
from hospital_twin.day.flow.los import draw_los
from hospital_twin.day.flow.results import clock
from hospital_twin.rng import stream


def warmup_census(
    config: HospitalConfig,
    day: dt.date,
    *,
    beds_override: dict[str, int] | None = None,
    person_ids: Sequence[int] | np.ndarray | None = None,
) -> pd.DataFrame:
    """Patients in beds when the first day starts, at `simulation.warmup_occupancy`.

    A census sees long stays more often than short ones, so each stay is drawn from the
    length-biased LOS distribution and the patient is a uniform fraction of the way through
    it (the equilibrium residual). Patients are drawn from `person_ids` when given, else they
    get negative placeholder ids. Stream `warmup`.
    """
    rng = stream(config.seed, day, "warmup")
    beds = ward_beds(config, beds_override)
    parts = []
    for w in config.wards:
        n = round(beds[w.name] * config.simulation.warmup_occupancy)
        total = draw_los(w.los, rng, n, length_biased=True) * 24
        done = rng.random(n)
        parts.append(
            pd.DataFrame({"ward": w.name, "elapsed": total * done, "left": total * (1 - done)})
        )
    c = pd.concat(parts, ignore_index=True)
    people = (
        -np.arange(1, len(c) + 1)
        if person_ids is None
        else rng.choice(person_ids, len(c), replace=False)
    )
    return pd.DataFrame(
        {
            "admission_id": [f"W{day:%Y%m%d}-{i:05d}" for i in range(1, len(c) + 1)],
            "person_id": np.asarray(people, dtype=np.int64),
            "ward": c["ward"].to_numpy(dtype=object),
            "admitted_at": clock(day, -c["elapsed"]),
            "expected_discharge_at": clock(day, c["left"]),
        }
    )[CENSUS_COLUMNS]


def census_stays(census: pd.DataFrame, day: dt.date, wards: dict[str, int]) -> list[Stay]:
    """The census as carried-over stays, in admission-id order (hours after D's midnight)."""
    if census.empty:
        return []
    unknown = sorted(set(census["ward"]) - set(wards))
    if unknown:
        raise ValueError(f"census names unknown ward(s) {unknown}; wards are {sorted(wards)}")
    c = census.sort_values("admission_id", kind="stable")
    start, hour = pd.Timestamp(day), pd.Timedelta(hours=1)
    admitted = ((c["admitted_at"] - start) / hour).to_numpy(dtype=float)
    leave = ((c["expected_discharge_at"] - start) / hour).to_numpy(dtype=float)
    return [
        Stay(a, int(p), w, t0, t1, carried_over=True)
        for a, p, w, t0, t1 in zip(
            c["admission_id"], c["person_id"], c["ward"], admitted, leave, strict=True
        )
    ]
