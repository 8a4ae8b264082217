"""Batch ingest of the day's admissions file: validate, load in one transaction, file away.

The seed's batch ingestor picked `admissions_*.csv` up from `batch/` and moved it to
`processed/`. Here a file is checked first (columns, types, ranges, references to wards,
people and staff) and a bad file goes to `failed/` with a `.reason` naming every bad row and
field: nothing is silently dropped, and the warehouse never holds half a day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import psycopg

from hospital_twin.contracts import ADMISSION_COLUMNS, ADMISSION_TIMESTAMPS, STATUSES
from hospital_twin.io import warehouse
from hospital_twin.io.lake import Lake

TIMESTAMPS = ADMISSION_TIMESTAMPS
REQUIRED = ["admission_id", "person_id", "sim_date", "arrival_time", "triage_level",
            "department", "source", "requested_ward", "status", "wait_hours"]  # fmt: skip
MAX_REPORTED = 50


class IngestError(ValueError):
    """The file was rejected; the message names the file, rows and fields."""


@dataclass(frozen=True)
class References:
    """What an admission row may point at: known wards, people, staff and triage levels."""

    wards: set[str]
    triage_levels: set[str]
    person_ids: Collection[int] | None = None
    staff_ids: Collection[str] | None = None


def read_admissions(path: Path) -> tuple[pd.DataFrame | None, list[str]]:
    """Read the CSV as text, so type problems are reported per row instead of crashing."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as e:
        return None, [f"file: cannot be parsed as CSV: {e}"]
    missing = [c for c in ADMISSION_COLUMNS if c not in frame.columns]
    extra = [c for c in frame.columns if c not in ADMISSION_COLUMNS]
    problems = []
    if missing:
        problems.append(f"header: missing column(s) {missing}")
    if extra:
        problems.append(f"header: unexpected column(s) {extra}")
    return frame, problems


def validate(frame: pd.DataFrame, day: dt.date, refs: References) -> tuple[pd.DataFrame, list[str]]:
    """Typed frame and the problems found, each as 'row N (admission_id): field: what'."""
    problems: list[tuple[int, str, str]] = []

    def flag(mask: pd.Series, field: str, what: str) -> None:
        for i in mask[mask.fillna(False)].index:
            problems.append((int(i), field, what))

    for col in REQUIRED:
        flag(frame[col].isna(), col, "is empty")
    typed = frame.copy()
    typed["person_id"] = pd.to_numeric(frame["person_id"], errors="coerce").astype("Int64")
    flag(frame["person_id"].notna() & typed["person_id"].isna(), "person_id", "is not an integer")
    for col in ["wait_hours", "los_days"]:
        typed[col] = pd.to_numeric(frame[col], errors="coerce")
        flag(frame[col].notna() & typed[col].isna(), col, "is not a number")
    flag(typed["wait_hours"] < 0, "wait_hours", "is negative")
    flag(typed["los_days"] < 0, "los_days", "is negative")
    for col in TIMESTAMPS:
        typed[col] = pd.to_datetime(frame[col], errors="coerce", format="ISO8601")
        flag(frame[col].notna() & typed[col].isna(), col, "is not a timestamp")
    dates = pd.to_datetime(frame["sim_date"], errors="coerce", format="%Y-%m-%d").dt.date
    flag(dates != day, "sim_date", f"is not the file's day {day}")
    typed["sim_date"] = dates
    flag(
        ~frame["status"].isin(STATUSES) & frame["status"].notna(),
        "status",
        f"is not one of {sorted(STATUSES)}",
    )
    flag(
        ~frame["triage_level"].isin(refs.triage_levels) & frame["triage_level"].notna(),
        "triage_level",
        "is not a configured triage level",
    )
    flag(typed["admission_id"].duplicated(keep=False), "admission_id", "is duplicated")
    placed = frame["status"].isin({"admitted", "overflow"})
    flag(placed & frame["ward"].isna(), "ward", "is empty for a placed patient")
    flag(placed & typed["admitted_at"].isna(), "admitted_at", "is empty for a placed patient")
    flag(frame["ward"].notna() & ~frame["ward"].isin(refs.wards), "ward", "is not a known ward")
    flag(
        ~frame["requested_ward"].isin(refs.wards) & frame["requested_ward"].notna(),
        "requested_ward",
        "is not a known ward",
    )
    flag(typed["discharged_at"] < typed["admitted_at"], "discharged_at", "is before admitted_at")
    flag(typed["admitted_at"] < typed["arrival_time"], "admitted_at", "is before arrival_time")
    if refs.person_ids is not None:
        flag(
            typed["person_id"].notna() & ~typed["person_id"].isin(refs.person_ids),
            "person_id",
            "is not a known person",
        )
    if refs.staff_ids is not None:
        for col in ["admitting_doctor_id", "admitting_nurse_id"]:
            flag(
                frame[col].notna() & ~frame[col].isin(refs.staff_ids),
                col,
                "is not a known staff member",
            )
    lines = [
        f"row {i + 2} ({frame.at[i, 'admission_id']}): {field}: {what}"  # +2: header, 1-based
        for i, field, what in sorted(problems)
    ]
    return typed, lines


def reason_text(path: Path, problems: list[str], rows: int) -> str:
    bad_rows = len({p.split(":")[0] for p in problems if p.startswith("row ")})
    head = f"{path.name}: rejected, {len(problems)} problem(s) in {bad_rows} of {rows} row(s)"
    shown = problems[:MAX_REPORTED]
    more = [f"... and {len(problems) - MAX_REPORTED} more"] if len(problems) > MAX_REPORTED else []
    return "\n".join([head, *shown, *more])


def ingest_admissions(
    conn: psycopg.Connection, lake: Lake, day: dt.date, refs: References
) -> dict[str, object]:
    """Validate and load `admissions_D.csv`; returns a summary, raises IngestError on rejection.

    The load deletes D's earlier rows and COPYs the file's rows in one transaction, so a
    re-run of D replaces the day instead of adding to it.
    """
    path = lake.admissions(day)
    if not path.exists():
        raise IngestError(f"{path}: not found; run the simulate_flow task for {day} first")
    frame, problems = read_admissions(path)
    typed = frame
    if frame is not None and not problems:
        typed, problems = validate(frame, day, refs)
    if problems:
        rows = 0 if frame is None else len(frame)
        reason = reason_text(path, problems, rows)
        target = lake.quarantine(path, reason)
        conn.execute(
            warehouse.read_sql("queries/record_ingest_reject.sql"), (path.name, day, rows, reason)
        )
        conn.commit()
        raise IngestError(f"{reason}\n(file moved to {target})")
    rows = warehouse.replace_rows(
        conn, "dw.fact_admission", typed[ADMISSION_COLUMNS], where={"sim_date": day}
    )
    processed = lake.move_to_processed(path)
    return {
        "file": str(processed),
        "rows": rows,
        "refused": int((typed["status"] == "refused").sum()),
    }
