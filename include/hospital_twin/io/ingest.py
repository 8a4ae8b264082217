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
from typing import NoReturn

import pandas as pd
import psycopg

from hospital_twin.contracts import ADMISSION_COLUMNS, ADMISSION_TIMESTAMPS, STATUSES
from hospital_twin.io import manifest, warehouse
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

    Exactly once, by construction: D's rows and the file's bookkeeping row commit together, in
    one real transaction, before the file moves to `processed/`. A crash before that commit
    leaves the file in `batch/` and the warehouse as it was; a crash after it leaves the
    bookkeeping row, so the retry finds the load done (the file in `batch/` or `processed/`
    with the recorded checksum) instead of losing the day or asking for a re-simulation.
    """
    path = lake.admissions(day)
    if not path.exists():
        return _already_loaded(conn, lake, day)
    digest = manifest.file_sha256(path)
    frame, problems = None, manifest.check(conn, path, day)
    if not problems:
        frame, problems = read_admissions(path)
    if frame is not None and not problems:
        frame, problems = validate(frame, day, refs)
    if frame is not None and not problems:
        problems = _ids_of_other_days(conn, frame, day)
    if problems:
        _reject(conn, lake, path, day, problems, 0 if frame is None else len(frame))
    refused = int((frame["status"] == "refused").sum())
    try:
        rows = _load(conn, day, frame, path.name, refused, digest)
    except psycopg.Error as e:
        if conn.closed or conn.broken:
            raise  # the warehouse went away: the retry loads the file, still in batch/
        conn.rollback()
        _reject(conn, lake, path, day, [f"load: the warehouse refused the file: {e}"], len(frame))
    processed = lake.move_to_processed(path)
    return {"file": str(processed), "rows": rows, "refused": refused}


def _load(
    conn: psycopg.Connection,
    day: dt.date,
    typed: pd.DataFrame,
    name: str,
    refused: int,
    digest: str,
) -> int:
    """Replace D's admissions and record the file, committed before the caller moves it.

    `commit()` first ends any implicit transaction the caller's reads opened (it raises inside
    a `conn.transaction()` block, where a commit here would only be a savepoint), so the block
    below is a real BEGIN ... COMMIT, not a savepoint released when the connection closes.
    """
    conn.commit()
    with conn.transaction():
        rows = warehouse.replace_rows(
            conn, "dw.fact_admission", typed[ADMISSION_COLUMNS], where={"sim_date": day}
        )
        conn.execute(
            warehouse.read_sql("queries/record_ingest_batch.sql"),
            (day, name, rows, refused, digest),
        )
    return rows


def _already_loaded(conn: psycopg.Connection, lake: Lake, day: dt.date) -> dict[str, object]:
    """The summary of D's committed load when the file already moved to `processed/`."""
    path = lake.admissions(day)
    processed = lake.path("processed", path.name)
    row = conn.execute(warehouse.read_sql("queries/ingest_batch_for_day.sql"), (day,)).fetchone()
    if row is not None and processed.exists() and manifest.file_sha256(processed) == row[3]:
        return {"file": str(processed), "rows": row[1], "refused": row[2], "already_loaded": True}
    raise IngestError(f"{path}: not found; run the simulate_day task for {day} first")


def _ids_of_other_days(conn: psycopg.Connection, frame: pd.DataFrame, day: dt.date) -> list[str]:
    """Rows whose admission_id is already loaded for another day (it would collide)."""
    ids = frame["admission_id"].tolist()
    taken = dict(
        conn.execute(
            warehouse.read_sql("queries/admission_ids_of_other_days.sql"), (ids, day)
        ).fetchall()
    )
    return [
        f"row {i + 2} ({aid}): admission_id: already loaded for {taken[aid]}"
        for i, aid in enumerate(ids)
        if aid in taken
    ]


def _reject(
    conn: psycopg.Connection, lake: Lake, path: Path, day: dt.date, problems: list[str], rows: int
) -> NoReturn:
    """Count the rejection, quarantine the file with its reason, and raise with the reason.

    The count commits first, under the name the file gets in `failed/`: a kill in between
    leaves the file in `batch/`, and the retry rejects it again rather than losing it.
    """
    reason = reason_text(path, problems, rows)
    target = lake.failed_target(path)
    conn.commit()
    with conn.transaction():
        conn.execute(
            warehouse.read_sql("queries/record_ingest_reject.sql"), (target.name, day, rows, reason)
        )
    lake.quarantine(path, reason, target)
    raise IngestError(f"{reason}\n(file moved to {target})")
