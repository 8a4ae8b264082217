"""One simulated day D, stage by stage: what each task of `hospital_daily` does.

The day itself is computed by the pure core, `day.run.run_day`; these functions read its
inputs (the lake's visits, population and shifts, and the census the warehouse holds for the
end of D-1, or the warm-up state on the simulation's first day) and write what it returns.
`generate_visits` draws D's visits in a task of its own; `simulate_flow` runs the rest of the
day on those visits and writes the admissions batch file, D's ward facts and D's events (the
events file `publish_events` reads). Every load replaces D's rows in one transaction, so a
re-run of D, or of a whole backfill, leaves the warehouse exactly as before.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from typing import Any

import pandas as pd
import psycopg

from hospital_twin.config import HospitalConfig
from hospital_twin.contracts import ADMISSION_COLUMNS, DAILY_DAG_ID
from hospital_twin.day import flow, visits
from hospital_twin.day.run import DayResult, run_day
from hospital_twin.io import kafka as streaming
from hospital_twin.io import manifest, warehouse
from hospital_twin.io.ingest import References, ingest_admissions
from hospital_twin.io.lake import Lake, write_csv, write_json, write_parquet
from hospital_twin.tasks import daily_report
from hospital_twin.tasks.setup import (
    PEOPLE,
    read_people,
    schedule_for_day,
    visit_sampler,
)

log = logging.getLogger(__name__)


class StateMissing(RuntimeError):
    """D-1 has not been simulated: D cannot start from its census."""


class EventsNotLanded(RuntimeError):
    """D's events were published but the stream processor has not landed them in time."""


LANDING_POLL_SECONDS = 0.5


def _visitors_path(lake: Lake, day: dt.date):
    return lake.path("processed", lake.daily_visitors(day).name)


def generate_visits(
    conn: psycopg.Connection, config: HospitalConfig, lake: Lake, day: dt.date
) -> dict:
    """D's visits: written to the lake as daily_visitors_D and loaded into fact_visit."""
    t0 = time.perf_counter()
    frame = visits.generate_visits(config, day, sampler=visit_sampler(lake))
    path = write_parquet(frame, lake.daily_visitors(day))
    cols = warehouse.table_columns(conn, "dw.fact_visit")
    rows = warehouse.replace_rows(conn, "dw.fact_visit", frame[cols], where={"sim_date": day})
    lake.move_to_processed(path)
    by_service = {k: int(v) for k, v in frame["service"].value_counts().items()}
    summary = {
        "visits": rows,
        "by_service": by_service,
        "ambulance": int((frame["arrival_mode"] == "Ambulance").sum()),
        "seconds": round(time.perf_counter() - t0, 2),
    }
    log.info("%s", daily_report.visits_report(day, summary))
    return summary


def missing_state(conn: psycopg.Connection, config: HospitalConfig, day: dt.date) -> str | None:
    """Why D cannot start now (outside the profile's calendar, or D-1 not simulated), or None.

    A gap names the first day to run: the day after the latest one simulated before D.
    """
    start, end = config.simulation.start_date, config.simulation.end_date
    if not start <= day <= end:
        return (
            f"{day} is outside the simulation calendar of this profile ({start} .. {end}): "
            f"pick logical dates in that range"
        )
    if day == start:
        return None
    before = day - dt.timedelta(days=1)
    if conn.execute(warehouse.read_sql("queries/day_simulated.sql"), (before,)).fetchone()[0]:
        return None
    latest = conn.execute(warehouse.read_sql("queries/last_simulated_day.sql"), (day,)).fetchone()
    first = latest[0] + dt.timedelta(days=1) if latest[0] else start
    return (
        f"the census at the end of {before} is missing: run {DAILY_DAG_ID} for {first} first "
        f"(simulated days run in order from {start}; backfill {first} .. {day})"
    )


def previous_census(
    conn: psycopg.Connection, config: HospitalConfig, day: dt.date, person_ids=None
) -> tuple[pd.DataFrame, str]:
    """Who is in a bed when D starts, and where that state came from."""
    if reason := missing_state(conn, config, day):
        raise StateMissing(reason)
    if day == config.simulation.start_date:
        return flow.warmup_census(config, day, person_ids=person_ids), "warm-up state"
    before = day - dt.timedelta(days=1)
    frame = warehouse.query_frame(conn, "queries/census_for_day.sql", (before,))
    return frame.astype({"person_id": "int64"}), f"census at the end of {before}"


def simulate_flow(
    conn: psycopg.Connection, config: HospitalConfig, lake: Lake, day: dt.date
) -> dict:
    """D's flow, admitting staff and events (run_day) on the visits generate_visits wrote.

    Writes admissions_D.csv (with its manifest, also recorded in meta.batch_manifest) and
    events_D.json to batch/ (for ingest_admissions and publish_events) and D's census, ward,
    discharge and move facts to the warehouse.
    """
    t0 = time.perf_counter()
    day_visits = pd.read_parquet(_visitors_path(lake, day))
    everyone = None
    if day == config.simulation.start_date:  # the warm-up census draws from everyone
        everyone = read_people(lake, ["person_id"], ["person_id"])[0]["person_id"].to_numpy()
    census, origin = previous_census(conn, config, day, everyone)
    shifts = schedule_for_day(lake, day)
    result = run_day(config, day, None, None, census, shifts, day_visits=day_visits)
    write_csv(result.admissions[ADMISSION_COLUMNS], lake.admissions(day))
    manifest.write_manifest(conn, lake.admissions(day), day)  # what ingest checks the file by
    write_json(result.events, lake.events(day))
    _load_flow_facts(conn, day, result)
    summary = {
        "started_from": origin,
        **result.summary(),
        "seconds": round(time.perf_counter() - t0, 2),
    }
    wards = daily_report.ward_rows(result.flow.ward_day)
    log.info("%s", daily_report.flow_report(day, summary, wards))
    return summary


def _load_flow_facts(conn: psycopg.Connection, day: dt.date, result: DayResult) -> None:
    """Replace D's census, ward-day, discharge and move rows in one transaction."""
    with conn.transaction():
        for table, frame in (
            ("dw.census_state", result.census_end.assign(sim_date=day)),
            ("dw.fact_ward_day", result.flow.ward_day),
            ("dw.fact_discharge", result.flow.discharges),
            ("dw.fact_ward_move", result.flow.moves),
        ):
            cols = warehouse.table_columns(conn, table)
            warehouse.replace_rows(conn, table, frame[cols], where={"sim_date": day})


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
    summary = ingest_admissions(conn, lake, day, references(conn, config, lake))
    log.info("%s", daily_report.ingest_report(day, summary))
    return summary


def build_events(
    conn: psycopg.Connection, config: HospitalConfig, lake: Lake, day: dt.date
) -> dict[str, list[dict[str, Any]]]:
    """D's emergency transports and patient transfers, per topic, as simulate_flow wrote them."""
    path = lake.events(day)
    if not path.exists():
        raise FileNotFoundError(f"{path}: not found; run the simulate_day task for {day} first")
    return json.loads(path.read_text())


def record_published(conn: psycopg.Connection, day: dt.date, counts: dict[str, int]) -> None:
    with conn.transaction():
        for topic, n in counts.items():
            conn.execute(warehouse.read_sql("queries/record_published.sql"), (day, topic, n))
    log.info("%s", daily_report.published_report(day, counts))


def wait_for_events(conn: psycopg.Connection, day: dt.date, timeout: float) -> dict:
    """Block until the stream processor landed every event of D published; returns
    (published, landed) per topic. Raises EventsNotLanded with those counts once `timeout`
    seconds have passed since D's events were published.

    Each poll ends its transaction, so a long wait holds no snapshot or lock open.
    """
    while True:
        counts = streaming.landed_counts(conn, str(day))
        waited = streaming.seconds_since_published(conn, str(day))
        conn.commit()
        if all(landed >= published for published, landed in counts.values()):
            return counts
        if waited > timeout:
            raise EventsNotLanded(
                f"events of {day} not landed {waited:.0f} s after publishing (limit "
                f"{timeout:.0f} s): (published, landed) per topic {counts}; check the stream "
                "processor's log and stream.rejects"
            )
        time.sleep(LANDING_POLL_SECONDS)


def record_day(conn: psycopg.Connection, day: dt.date) -> dict:
    row = conn.execute(warehouse.read_sql("queries/record_day_run.sql"), (day,)).fetchone()
    conn.commit()
    summary = {"sim_date": str(day), "visits": row[0], "admissions": row[1], "events": row[2]}
    log.info("%s", daily_report.day_report(day, summary))
    return summary
