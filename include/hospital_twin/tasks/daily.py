"""One simulated day D, stage by stage: what each task of `hospital_daily` does.

D's flow starts from the census the warehouse holds for the end of D-1 (or the warm-up state
on the simulation's first day), and every load replaces D's rows in one transaction, so a
re-run of D, or of a whole backfill, leaves the warehouse exactly as before.
"""

from __future__ import annotations

import datetime as dt
import time

import pandas as pd
import psycopg

from hospital_twin.config import HospitalConfig
from hospital_twin.day import events, flow, visits
from hospital_twin.io import warehouse
from hospital_twin.io.ingest import ADMISSION_COLUMNS, References, ingest_admissions
from hospital_twin.io.lake import Lake, write_csv, write_parquet
from hospital_twin.rng import stream
from hospital_twin.tasks.setup import (
    PEOPLE,
    SetupMissing,
    read_people,
    schedule_for_day,
    setup_config,
)


class StateMissing(RuntimeError):
    """D-1 has not been simulated: D cannot start from its census."""


def _visitors_path(lake: Lake, day: dt.date):
    return lake.path("processed", lake.daily_visitors(day).name)


def generate_visits(
    conn: psycopg.Connection, config: HospitalConfig, lake: Lake, day: dt.date
) -> dict:
    """D's visits: written to the lake as daily_visitors_D and loaded into fact_visit."""
    t0 = time.perf_counter()
    people, profiles = read_people(lake)
    frame = visits.generate_visits(config, day, people, profiles)
    path = write_parquet(frame, lake.daily_visitors(day))
    cols = warehouse.table_columns(conn, "dw.fact_visit")
    rows = warehouse.replace_rows(conn, "dw.fact_visit", frame[cols], where={"sim_date": day})
    lake.move_to_processed(path)
    by_service = {k: int(v) for k, v in frame["service"].value_counts().items()}
    return {
        "visits": rows,
        "by_service": by_service,
        "ambulance": int((frame["arrival_mode"] == "Ambulance").sum()),
        "seconds": round(time.perf_counter() - t0, 2),
    }


def previous_census(
    conn: psycopg.Connection, config: HospitalConfig, day: dt.date, person_ids=None
) -> tuple[pd.DataFrame, str]:
    """Who is in a bed when D starts, and where that state came from."""
    start = config.simulation.start_date
    if day < start:
        raise StateMissing(f"{day} is before the simulation starts ({start})")
    if day == start:
        return flow.warmup_census(config, day, person_ids=person_ids), "warm-up state"
    before = day - dt.timedelta(days=1)
    done = conn.execute(warehouse.read_sql("queries/day_simulated.sql"), (before,)).fetchone()[0]
    if not done:
        raise StateMissing(
            f"the census at the end of {before} is missing: run hospital_daily for {before} "
            f"first (simulated days run in order from {start})"
        )
    frame = warehouse.query_frame(conn, "queries/census_for_day.sql", (before,))
    return frame.astype({"person_id": "int64"}), f"census at the end of {before}"


def not_ready(conn: psycopg.Connection, lake: Lake, day: dt.date) -> str | None:
    """Why D cannot be simulated yet (no setup, or D-1 not simulated), or None."""
    try:
        _, config = setup_config(lake)
    except SetupMissing as e:
        return str(e)
    try:
        if day != config.simulation.start_date:
            previous_census(conn, config, day)
    except StateMissing as e:
        return str(e)
    return None


def simulate_flow(
    conn: psycopg.Connection, config: HospitalConfig, lake: Lake, day: dt.date
) -> dict:
    """SimPy flow of D; writes admissions_D.csv to batch/ and D's census, ward and bed facts."""
    t0 = time.perf_counter()
    day_visits = pd.read_parquet(_visitors_path(lake, day))
    people, _ = read_people(lake)
    census, origin = previous_census(conn, config, day, people["person_id"].to_numpy())
    result = flow.simulate_day(config, day, day_visits, census)
    shifts = schedule_for_day(lake, day)
    admissions = flow.assign_admitting_staff(
        result.admissions, shifts, stream(config.seed, day, "admitting_staff"), config
    )
    write_csv(admissions[ADMISSION_COLUMNS], lake.admissions(day))
    census_end = result.census_end.assign(sim_date=day)
    with conn.transaction():
        for table, frame in (
            ("dw.census_state", census_end),
            ("dw.fact_ward_day", result.ward_day),
            ("dw.fact_discharge", result.discharges),
            ("dw.fact_ward_move", result.moves),
        ):
            cols = warehouse.table_columns(conn, table)
            warehouse.replace_rows(conn, table, frame[cols], where={"sim_date": day})
    wd = result.ward_day
    return {
        "started_from": origin,
        "census_start": len(census),
        "census_end": len(census_end),
        "admissions": int((admissions["status"] != "refused").sum()),
        "refused": int((admissions["status"] == "refused").sum()),
        "discharges": len(result.discharges),
        "moves": len(result.moves),
        "occupancy_pct": round(
            float(100 * wd["occupancy_end"].sum() / max(wd["beds"].sum(), 1)), 1
        ),
        "seconds": round(time.perf_counter() - t0, 2),
    }


def references(conn: psycopg.Connection, config: HospitalConfig, lake: Lake) -> References:
    """What admission rows may refer to: the warehouse's wards and staff, the population."""
    wards = set(warehouse.query_frame(conn, "queries/inpatient_wards.sql")["ward"])
    staff = set(warehouse.query_frame(conn, "queries/staff_ids.sql")["staff_id"])
    people = pd.read_parquet(lake.path("processed", PEOPLE), columns=["person_id"])
    return References(
        wards=wards,
        triage_levels={t.name for t in config.visits.triage_levels},
        person_ids=people["person_id"].to_numpy(),
        staff_ids=staff,
    )


def ingest(conn: psycopg.Connection, config: HospitalConfig, lake: Lake, day: dt.date) -> dict:
    """Validate and load admissions_D.csv (see ingest.py)."""
    return ingest_admissions(conn, lake, day, references(conn, config, lake))


def build_events(
    conn: psycopg.Connection, config: HospitalConfig, lake: Lake, day: dt.date
) -> dict[str, list[dict]]:
    """D's emergency transports and patient transfers, per topic."""
    day_visits = pd.read_parquet(_visitors_path(lake, day))
    admissions = pd.read_csv(
        lake.path("processed", lake.admissions(day).name),
        parse_dates=["arrival_time", "admitted_at", "expected_discharge_at", "discharged_at"],
    )
    moves = warehouse.query_frame(conn, "queries/ward_moves_for_day.sql", (day,))
    shifts = schedule_for_day(lake, day)
    return {
        events.TOPICS["emergency_transport"]: events.emergency_transports(
            config, day, day_visits, shifts
        ),
        events.TOPICS["patient_transfer"]: events.patient_transfers(config, day, admissions, moves),
    }


def record_published(conn: psycopg.Connection, day: dt.date, counts: dict[str, int]) -> None:
    with conn.transaction():
        for topic, n in counts.items():
            conn.execute(warehouse.read_sql("queries/record_published.sql"), (day, topic, n))


def record_day(conn: psycopg.Connection, day: dt.date) -> dict:
    row = conn.execute(warehouse.read_sql("queries/record_day_run.sql"), (day,)).fetchone()
    conn.commit()
    return {"sim_date": str(day), "visits": row[0], "admissions": row[1], "events": row[2]}
