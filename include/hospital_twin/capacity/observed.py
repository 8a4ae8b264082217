"""What the warehouse observed up to an origin, as the capacity study reads it, from the
day's frames themselves: the pure twin of `sql/queries/capacity_{stays,census,
admission_history}.sql`, for the closed-loop benchmark and tests that run days with
`day.run.run_day` and no warehouse.

One stay per ward visited: from admission (or the move in) to the move out (or the
discharge). A step-down patient's ICU stay ends when they move, and their High Care stay
starts then: counting the whole hospital stay as ICU's would stretch ICU's length of stay by
the High Care stay of the 60 % who step down, and leave High Care's stays unobserved.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

DAY = pd.Timedelta(days=1)


def ward_stays(
    admissions: pd.DataFrame, moves: pd.DataFrame, discharges: pd.DataFrame, origin: dt.date
) -> pd.DataFrame:
    """(ward, stay_days, censored, entered_at) of every ward stay begun by the origin's end;
    stays still running then are censored at it. Frames: the days' flow frames, concatenated."""
    end = pd.Timestamp(origin) + DAY
    adm = admissions[admissions["ward"].notna() & admissions["admitted_at"].notna()]
    entries = _stack(
        [
            (adm, ["admission_id", "ward", "admitted_at"]),
            (moves, ["admission_id", "to_ward", "moved_at"]),
        ],
        ["admission_id", "ward", "entered_at"],
    )
    exits = _stack(
        [
            (moves, ["admission_id", "from_ward", "moved_at"]),
            (discharges, ["admission_id", "ward", "discharged_at"]),
        ],
        ["admission_id", "ward", "left_at"],
    )
    entries = entries[entries["entered_at"] < end]
    exits = exits[exits["left_at"] < end]
    pairs = entries.merge(exits, on=["admission_id", "ward"], how="left")
    pairs = pairs[pairs["left_at"].isna() | (pairs["left_at"] >= pairs["entered_at"])]
    first = pairs.groupby(["admission_id", "ward", "entered_at"], as_index=False)["left_at"].min()
    censored = first["left_at"].isna().to_numpy()
    stop = first["left_at"].fillna(end)
    return pd.DataFrame(
        {
            "ward": first["ward"].to_numpy(),
            "stay_days": ((stop - first["entered_at"]) / DAY).to_numpy(float),
            "censored": censored,
            "entered_at": first["entered_at"].to_numpy(),
        }
    )


def census_elapsed(census_end: pd.DataFrame, moves: pd.DataFrame, origin: dt.date) -> pd.DataFrame:
    """(ward, elapsed_days) of the patients in bed at the origin's midnight: days in THEIR
    ward, since admission or the move that brought them there."""
    end = pd.Timestamp(origin) + DAY
    into = moves[moves["moved_at"] < end].groupby(["admission_id", "to_ward"])["moved_at"].max()
    key = pd.MultiIndex.from_frame(census_end[["admission_id", "ward"]])
    moved = into.reindex(key).to_numpy()
    since = np.where(pd.isna(moved), census_end["admitted_at"].to_numpy(), moved)
    elapsed = (end - pd.to_datetime(since)) / DAY
    return pd.DataFrame({"ward": census_end["ward"].to_numpy(), "elapsed_days": elapsed})


def arrival_history(
    admissions: pd.DataFrame, moves: pd.DataFrame, origin: dt.date, days: int
) -> pd.DataFrame:
    """(sim_date, requested_ward, arrivals) per day of the `days` up to the origin: bed
    requests by the ward wanted (refused ones too) and moves in; days are all present."""
    first = origin - dt.timedelta(days=days - 1)
    arrivals = pd.concat(
        [
            admissions[["sim_date", "requested_ward"]],
            moves[["sim_date", "to_ward"]].set_axis(["sim_date", "requested_ward"], axis=1),
        ],
        ignore_index=True,
    )
    dates = pd.to_datetime(arrivals["sim_date"]).dt.date
    arrivals = arrivals[(dates >= first) & (dates <= origin)].assign(sim_date=dates)
    counts = arrivals.groupby(["sim_date", "requested_ward"]).size().rename("arrivals")
    return counts.reset_index()


def admission_streams(admissions: pd.DataFrame, origin: dt.date) -> pd.DataFrame:
    """(stream, sim_date, arrivals) of the ward streams `admissions:<requested ward>` up to the
    origin: bed requests by the ward wanted, refused ones too, as the daily retrain reads them
    (`sql/queries/arrivals_per_stream.sql`; days without a request are absent)."""
    dates = pd.to_datetime(admissions["sim_date"]).dt.date
    mine = admissions[dates <= origin].assign(sim_date=dates[dates <= origin])
    counts = mine.groupby(["requested_ward", "sim_date"]).size().rename("arrivals").reset_index()
    stream = "admissions:" + counts.pop("requested_ward")
    return counts.assign(stream=stream)[["stream", "sim_date", "arrivals"]]


def _stack(parts: list[tuple[pd.DataFrame, list[str]]], names: list[str]) -> pd.DataFrame:
    """The chosen columns of each frame, renamed to `names`, one under the other."""
    return pd.concat([f[cols].set_axis(names, axis=1) for f, cols in parts], ignore_index=True)
