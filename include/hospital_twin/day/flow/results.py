"""Day D's result frames, built from the requests and the log the simulation kept.

The simulation counts in hours after D's midnight; every time here becomes a timestamp to the
second (`clock`). Admissions have contracts.FLOW_ADMISSION_COLUMNS and the census
contracts.CENSUS_COLUMNS (both are handed to other stages); the other frames are the flow's own
warehouse facts, with the columns below.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hospital_twin.contracts import CENSUS_COLUMNS, FLOW_ADMISSION_COLUMNS
from hospital_twin.day.flow.beds import BedRequest, DayLog, Hospital

DISCHARGE_COLUMNS = [
    "admission_id", "person_id", "sim_date", "ward", "admitted_at", "discharged_at", "los_days",
    "carried_over",
]  # fmt: skip
MOVE_COLUMNS = [
    "admission_id", "person_id", "sim_date", "from_ward", "to_ward", "moved_at",
    "expected_discharge_at",
]  # fmt: skip
WARD_DAY_COLUMNS = [
    "sim_date", "ward", "beds", "occupancy_start", "occupancy_end", "peak_occupancy",
    "admissions", "discharges", "refusals", "waits", "mean_wait_hours", "overflow_in",
    "overflow_out", "moves_in", "moves_out",
]  # fmt: skip
BED_LOG_COLUMNS = ["time", "ward", "admission_id", "change", "occupancy"]
# Admission columns taken as they are from the bed requests.
_FROM_REQUESTS = [
    "admission_id", "visit_id", "person_id", "arrival_time", "triage_level", "department",
    "source", "requested_ward",
]  # fmt: skip


@dataclass(frozen=True)
class FlowResult:
    """Day D's frames (columns in the *_COLUMNS constants).

    admissions: one row per admission decision of D; discharges: patients who left the
    hospital during D (carried-over ones too); census_end: who is in which bed at midnight
    (the census D+1 starts from); ward_day: per-ward totals; moves: step-downs; bed_log:
    every bed taken (+1) or freed (-1) during D with the ward's occupancy after it.
    """

    admissions: pd.DataFrame
    discharges: pd.DataFrame
    census_end: pd.DataFrame
    ward_day: pd.DataFrame
    moves: pd.DataFrame
    bed_log: pd.DataFrame


def clock(day: dt.date, hours: Sequence[float] | np.ndarray | pd.Series) -> np.ndarray:
    """Hours after D's midnight as timestamps to the second (NaN → NaT)."""
    seconds = np.round(np.asarray(hours, dtype=float) * 3600)
    return np.asarray(
        pd.Timestamp(day) + pd.to_timedelta(seconds, unit="s"), dtype="datetime64[us]"
    )


def flow_result(
    day: dt.date,
    h: Hospital,
    census: pd.DataFrame,
    frame: pd.DataFrame,
    requests: list[BedRequest],
    beds: dict[str, int],
) -> FlowResult:
    """The frames of a finished day: `frame` holds the bed requests, `requests` their outcome."""
    discharges = _discharges(day, h.log)
    admissions = _admissions(day, frame, requests, discharges)
    moves = pd.DataFrame(h.log.moves, columns=MOVE_COLUMNS[:2] + MOVE_COLUMNS[3:])
    moves = moves.astype({"person_id": np.int64})
    moves.insert(2, "sim_date", day)
    moves["moved_at"] = clock(day, moves["moved_at"])
    moves["expected_discharge_at"] = clock(day, moves["expected_discharge_at"])
    stays = sorted(h.in_bed.values(), key=lambda s: s.admission_id)
    census_end = pd.DataFrame(
        {
            "admission_id": [s.admission_id for s in stays],
            "person_id": np.array([s.person_id for s in stays], dtype=np.int64),
            "ward": [s.ward for s in stays],
            "admitted_at": clock(day, [s.admitted_at for s in stays]),
            "expected_discharge_at": clock(day, [s.leave_at for s in stays]),
        }
    )[CENSUS_COLUMNS]
    bed_log = pd.DataFrame(h.log.beds, columns=BED_LOG_COLUMNS)
    bed_log["time"] = clock(day, bed_log["time"])
    ward_day = _ward_day(day, beds, census, census_end, admissions, discharges, moves, bed_log)
    return FlowResult(admissions, discharges, census_end, ward_day, moves, bed_log)


def _discharges(day: dt.date, log: DayLog) -> pd.DataFrame:
    d = pd.DataFrame(
        log.discharges, columns=[c for c in DISCHARGE_COLUMNS if c not in ("sim_date", "los_days")]
    )
    d["los_days"] = (d["discharged_at"] - d["admitted_at"]) / 24
    d["admitted_at"] = clock(day, d["admitted_at"])
    d["discharged_at"] = clock(day, d["discharged_at"])
    d["sim_date"] = day
    return d.astype({"person_id": np.int64, "carried_over": bool})[DISCHARGE_COLUMNS]


def _admissions(
    day: dt.date, frame: pd.DataFrame, requests: list[BedRequest], discharges: pd.DataFrame
) -> pd.DataFrame:
    a = frame[_FROM_REQUESTS].copy()
    a["person_id"] = a["person_id"].astype(np.int64)
    a["sim_date"] = day
    a["ward"] = np.array([r.ward for r in requests], dtype=object)
    admitted = np.array([r.admitted_at for r in requests], dtype=float)
    a["admitted_at"] = clock(day, admitted)
    a["expected_discharge_at"] = clock(day, admitted + frame["los_hours"].to_numpy())
    left = discharges.set_index("admission_id")["discharged_at"]
    a["discharged_at"] = np.asarray(left.reindex(a["admission_id"]), dtype="datetime64[us]")
    a["status"] = np.array([r.status for r in requests], dtype=object)
    a["wait_hours"] = np.array([r.wait_hours for r in requests], dtype=float)
    a["los_days"] = frame["los_hours"].to_numpy() / 24
    return a[FLOW_ADMISSION_COLUMNS]


def _ward_day(
    day: dt.date,
    beds: dict[str, int],
    census: pd.DataFrame,
    census_end: pd.DataFrame,
    admissions: pd.DataFrame,
    discharges: pd.DataFrame,
    moves: pd.DataFrame,
    bed_log: pd.DataFrame,
) -> pd.DataFrame:
    wards = list(beds)

    def count(values: pd.Series) -> np.ndarray:
        return values.value_counts().reindex(wards, fill_value=0).to_numpy(dtype=np.int64)

    start = count(census["ward"])
    placed = admissions[admissions["status"] != "refused"]
    waited = admissions[admissions["wait_hours"] > 0]
    overflow = admissions[admissions["status"] == "overflow"]
    peak = bed_log.groupby("ward")["occupancy"].max().reindex(wards, fill_value=0).to_numpy()
    mean_wait = waited.groupby("requested_ward")["wait_hours"].mean().reindex(wards, fill_value=0.0)
    return pd.DataFrame(
        {
            "sim_date": day,
            "ward": wards,
            "beds": [beds[w] for w in wards],
            "occupancy_start": start,
            "occupancy_end": count(census_end["ward"]),
            "peak_occupancy": np.maximum(start, peak),
            "admissions": count(placed["ward"]),
            "discharges": count(discharges["ward"]),
            "refusals": count(admissions.loc[admissions["status"] == "refused", "requested_ward"]),
            "waits": count(waited["requested_ward"]),
            "mean_wait_hours": mean_wait.to_numpy(dtype=float),
            "overflow_in": count(overflow["ward"]),
            "overflow_out": count(overflow["requested_ward"]),
            "moves_in": count(moves["to_ward"]),
            "moves_out": count(moves["from_ward"]),
        }
    )[WARD_DAY_COLUMNS]
