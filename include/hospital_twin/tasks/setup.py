"""The one-time setup, stage by stage: what each task of `hospital_setup` does.

Each stage builds its frames in the core (`hospital_twin.setup`), writes them to the lake's
`batch/`, loads them into the warehouse with COPY (replacing the previous setup's rows in one
transaction, so re-running setup gives the same rows) and moves them to `processed/`, where the
daily run reads them. `state/setup.json` records which profile, size and seed the twin was set
up with: the daily run reads it. The warehouse schema must be current before setup starts:
`load_reference` checks, and names the command to run when it is not.

The dimensions the day facts refer to (dates, wards, people, staff) and the registry of issued
SA ID numbers are *merged* by key, not deleted and copied: re-running setup with the profile
and seed the simulated days were made with changes no row they refer to. A setup that would
remove or re-issue such rows is refused as a whole (`SetupConflict`), naming the row and what
to do, and the warehouse keeps the previous setup.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import psycopg
import pyarrow as pa
import pyarrow.compute as pc

from hospital_twin.config import HospitalConfig, load_config
from hospital_twin.day import visits
from hospital_twin.io import migrations, warehouse
from hospital_twin.io.lake import Lake, read_arrow, write_arrow, write_parquet

# The load machinery lives in the I/O shell; callers know its refusal and remedy from here.
from hospital_twin.io.setup_load import REMEDY, SetupConflict  # noqa: F401
from hospital_twin.io.setup_load import load_tables as _load_dimensions
from hospital_twin.setup import illness, population, schedules, workforce
from hospital_twin.setup.calendar import calendar
from hospital_twin.setup.reference import facilities_frame, wards_frame
from hospital_twin.setup.strings import as_arrow

SETUP_STATE = "setup.json"
PEOPLE = "people_data.parquet"
ILLNESS = "population_with_illnesses.parquet"
STAFF = "staff_data.parquet"
RESERVE = "reserve_pool.parquet"
VISITORS = "visitors.arrow"  # visits.visitor_frame: what a day draws its visitors from
POPULATION_STAMP = "population.stamp"  # batch/: the configuration the files above were drawn for


class SetupMissing(RuntimeError):
    """The daily run needs the setup's outputs and they are not there."""


def load_reference(conn: psycopg.Connection, config: HospitalConfig) -> dict:
    """Calendar, wards and facilities: the small dimensions every fact refers to.

    The `workforce` task's first step, and `population` checks the same at its start: a
    warehouse whose migrations have not run is caught there (`migrations.MigrationsPending`,
    naming the command), before minutes of building.
    """
    migrations.require_current(conn)
    return _load_dimensions(
        conn,
        [
            ("dw.dim_date", calendar(config), ["date_key"], None),
            ("dw.dim_ward", wards_frame(config), ["ward"], None),
            ("dw.dim_facility", facilities_frame(config), ["facility"], None),
        ],
    )


def build_population(config: HospitalConfig, lake: Lake) -> dict:
    """People and their illness profiles, written to `batch/`.

    Built apart from the load so a failed load retries without re-drawing millions of people.
    """
    t0 = time.perf_counter()
    people, profiles = _draw_population(config)
    _write_population(lake, config, people, profiles)
    return {
        "people": len(people),
        "seconds": round(time.perf_counter() - t0, 2),
        "files": [PEOPLE, ILLNESS, VISITORS],
    }


def load_population(conn: psycopg.Connection, lake: Lake) -> dict:
    """People (their SA ID numbers registered on the population roll), the condition catalogue
    and illness profiles into the warehouse, in one transaction; the files then move to
    `processed/`, where the daily run reads them."""
    people = pd.read_parquet(lake.path("batch", PEOPLE))
    profiles = pd.read_parquet(lake.path("batch", ILLNESS))
    loaded = _load_population_frames(conn, people, profiles)
    _move_population(lake)
    return loaded


def set_up_population(conn: psycopg.Connection, config: HospitalConfig, lake: Lake) -> dict:
    """`build_population` then `load_population` in one task, the load beside the file writes.

    The DAG's critical path (issue 11): the illness profiles are drawn beside the registry's
    numbers, and the frames go to the COPYs from memory while a thread writes them to `batch/`.
    The files are written whatever happens to the load, with a stamp naming the configuration
    they were drawn for, so a retry of a failed load with the same configuration loads them
    instead of drawing everyone again.
    """
    migrations.require_current(conn)  # it starts beside the workforce, not after it
    t0 = time.perf_counter()
    frames = _drawn_before(lake, config)
    reused = frames is not None
    with ThreadPoolExecutor(max_workers=1) as pool:  # on an error, waits for the files
        if frames is None:
            people = population.generate_population(config)
            profiles = pool.submit(illness.assign_illness_profiles, config, people)
            registry = _issued(people, "population")  # beside the illness draw
            frames = people, profiles.result()
            written = pool.submit(_write_population, lake, config, *frames)
        else:
            registry = _issued(frames[0], "population")
        t1 = time.perf_counter()
        loaded = _load_population_frames(conn, *frames, registry)
        t2 = time.perf_counter()
        if not reused:
            written.result()
    _move_population(lake)
    seconds = {"draw": t1 - t0, "load": t2 - t1, "total": time.perf_counter() - t0}
    return {
        **loaded,
        "reused_files": reused,
        **{f"{k}_seconds": round(v, 2) for k, v in seconds.items()},
    }


def _draw_population(config: HospitalConfig) -> tuple[pd.DataFrame, pd.DataFrame]:
    people = population.generate_population(config)
    return people, illness.assign_illness_profiles(config, people)


def _stamp(config: HospitalConfig) -> str:
    """What the population files were drawn from: the whole configuration, seed included."""
    return hashlib.sha256(config.model_dump_json().encode()).hexdigest()


def _write_population(
    lake: Lake, config: HospitalConfig, people: pd.DataFrame, profiles: pd.DataFrame
) -> None:
    """The population's files in `batch/`, then the stamp saying they are whole."""
    stamp = lake.path("batch", POPULATION_STAMP)
    stamp.unlink(missing_ok=True)
    write_parquet(people, lake.path("batch", PEOPLE))
    write_parquet(profiles, lake.path("batch", ILLNESS))
    write_arrow(visits.visitor_frame(people, profiles), lake.path("batch", VISITORS))
    stamp.write_text(_stamp(config))


def _drawn_before(lake: Lake, config: HospitalConfig) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """The people and illness files an earlier try left in `batch/` for this configuration."""
    stamp = lake.path("batch", POPULATION_STAMP)
    if not stamp.exists() or stamp.read_text() != _stamp(config):
        return None
    return pd.read_parquet(lake.path("batch", PEOPLE)), pd.read_parquet(lake.path("batch", ILLNESS))


def _load_population_frames(
    conn: psycopg.Connection,
    people: pd.DataFrame,
    profiles: pd.DataFrame,
    registry: pd.DataFrame | None = None,
) -> dict:
    """`registry`: the people's `_issued` numbers, when the caller made them already."""
    conditions = illness.condition_catalogue()
    return _load_dimensions(
        conn,
        [
            (
                "dw.sa_id_registry",
                _issued(people, "population") if registry is None else registry,
                ["sa_id"],
                {"id_roll": "population"},
            ),
            ("dw.dim_person", _person_rows(conn, people), ["person_id"], None),
            (
                "dw.dim_condition",
                conditions[_loaded_columns(conn, "dw.dim_condition")],
                ["condition"],
                None,
            ),
        ],
        replaces=[("dw.person_illness", profiles[_loaded_columns(conn, "dw.person_illness")])],
        dependents=["dw.person_illness"],
    )


def _person_rows(conn: psycopg.Connection, people: pd.DataFrame) -> pd.DataFrame:
    """The people as `dw.dim_person` takes them: birth dates as dates, so the COPY sends
    "1987-03-14", not a timestamp at midnight for PostgreSQL to parse and cut (3,000,000 of
    them: 1.3 of the server's CPU seconds)."""
    rows = people[_loaded_columns(conn, "dw.dim_person")]
    return rows.assign(birth_date=rows["birth_date"].astype(pd.ArrowDtype(pa.date32())))


def _move_population(lake: Lake) -> None:
    lake.path("batch", POPULATION_STAMP).unlink(missing_ok=True)
    for name in (PEOPLE, ILLNESS, VISITORS):
        lake.move_to_processed(lake.path("batch", name))


def build_workforce(config: HospitalConfig, lake: Lake) -> dict:
    """Staff, reserve pool and the quarterly evolution, with a snapshot file per quarter.

    The snapshots are what the schedules and each simulated day staff the wards from.
    """
    staff = workforce.generate_staff(config)
    reserve = workforce.generate_reserve_pool(config)
    snapshots, summary = workforce.evolve_quarterly(config, staff, reserve)
    write_parquet(staff, lake.path("batch", STAFF))
    write_parquet(reserve, lake.path("batch", RESERVE))
    _remove(lake, "staff_active_*.parquet")  # an earlier setup may have covered other quarters
    for quarter, frame in snapshots.items():
        write_parquet(frame, lake.staff_active(pd.Timestamp(quarter).date()))
    write_parquet(summary, lake.path("state", "workforce_summary.parquet"))
    return {"staff": len(staff), "reserve": len(reserve), "quarters": len(snapshots)}


def everyone_employed(lake: Lake) -> pd.DataFrame:
    """Every person who is or was on the staff, or in the reserve: the staff dimension."""
    frames = [pd.read_parquet(p) for p in sorted(lake.path("state", "").glob("staff_active_*"))]
    frames += [
        pd.read_parquet(lake.path("batch", STAFF)),
        pd.read_parquet(lake.path("batch", RESERVE)),
    ]
    return workforce.staff_dimension(frames)


def load_workforce(conn: psycopg.Connection, lake: Lake) -> dict:
    """Staff, quarterly snapshots and the workforce summary into the warehouse, in one
    transaction that also empties the schedules (they refer to the staff; the next task
    reloads them)."""
    staff = everyone_employed(lake)
    snapshots = []
    for path in sorted(lake.path("state", "").glob("staff_active_*.parquet")):
        frame = pd.read_parquet(path)
        frame["quarter_start"] = dt.date.fromisoformat(path.stem.removeprefix("staff_active_"))
        snapshots.append(frame)
    quarterly = pd.concat(snapshots, ignore_index=True)
    summary = pd.read_parquet(lake.path("state", "workforce_summary.parquet"))
    loaded = _load_dimensions(
        conn,
        [
            *[
                ("dw.sa_id_registry", _issued(staff[staff["id_roll"] == roll], roll), ["sa_id"],
                 {"id_roll": roll})
                for roll in ("staff", "reserve")
            ],
            ("dw.dim_staff", staff[_loaded_columns(conn, "dw.dim_staff")], ["staff_id"], None),
        ],
        replaces=[
            ("dw.staff_quarterly", quarterly[_loaded_columns(conn, "dw.staff_quarterly")]),
            ("dw.workforce_summary", workforce.summary_records(summary)),
        ],
        dependents=["dw.fact_schedule"],
    )  # fmt: skip
    for name in (STAFF, RESERVE):
        lake.move_to_processed(lake.path("batch", name))
    return loaded


def _issued(frame: pd.DataFrame, roll: str) -> pd.DataFrame:
    """Registry rows for the SA ID numbers in `frame`, issued on `roll` (once each: a hired
    reserve candidate has two staff rows and one number), in number order: the registry's
    (sa_id, id_roll) key stays during a load (foreign keys refer to it), and rows in key order
    insert at the index's end, not at random pages (5x less CPU for 3,000,000 numbers)."""
    numbers = as_arrow(frame["sa_id"])
    if pc.all(pc.match_substring_regex(numbers, r"^[0-9]{13}$")).as_py() is not False:
        # 13 digits each: number order is string order, and numbers sort 10x cheaper
        order = np.sort(pc.cast(numbers, pa.int64()).to_numpy(zero_copy_only=False))
        first = np.ones(len(order), bool)  # np.unique (it hashes) is 30x slower here
        first[1:] = order[1:] != order[:-1]
        order = order[first]
        ids = pd.Series(pc.utf8_lpad(pa.array(order).cast(pa.string()), 13, "0"), dtype="str")
    else:  # the warehouse's check will name the malformed number
        ids = frame["sa_id"].drop_duplicates().sort_values().reset_index(drop=True)
    return pd.DataFrame({"sa_id": ids, "id_roll": roll})


def _loaded_columns(conn: psycopg.Connection, table: str) -> list[str]:
    """The table's columns that a load writes: all but those the database generates."""
    return list(
        warehouse.query_frame(conn, "queries/loaded_columns.sql", table.split("."))["column_name"]
    )


def build_schedules(config: HospitalConfig, lake: Lake) -> dict:
    """Monthly schedules over the simulation calendar, from that quarter's active staff.

    One file per month, so a simulated day reads only its own month (and the one before).
    """
    months = pd.period_range(config.simulation.start_date, config.simulation.end_date, freq="M")
    snapshots = {
        dt.date.fromisoformat(p.stem.removeprefix("staff_active_")): p
        for p in lake.path("state", "").glob("staff_active_*.parquet")
    }
    shifts = reassigned = 0
    _remove(lake, "schedules_*.parquet")
    for month in months:
        quarter = schedules.roster_quarter(month.start_time.date(), snapshots)
        staff = pd.read_parquet(snapshots[quarter])
        frame = schedules.monthly_schedule(config, staff, month.year, month.month)
        write_parquet(frame, lake.schedules(month.year, month.month))
        shifts += len(frame)
        reassigned += int(frame["reassigned"].sum())
    return {"months": len(months), "shifts": shifts, "reassigned": reassigned}


def load_schedules(conn: psycopg.Connection, lake: Lake) -> dict:
    """Every month's shifts into `dw.fact_schedule`, replacing the table in one transaction
    (skipped when the shifts are those loaded last; a shift naming no staff member is a
    `SetupConflict`)."""
    frames = [
        pd.read_parquet(p) for p in sorted(lake.path("state", "").glob("schedules_*.parquet"))
    ]
    frame = pd.concat(frames, ignore_index=True)
    columns = warehouse.table_columns(conn, "dw.fact_schedule")
    # Not behind setup's lock: no other stage touches the shifts or drops the staff's keys
    # (the DAG loads the schedules after the workforce), so they need not wait for the people.
    return _load_dimensions(conn, [], [("dw.fact_schedule", frame[columns])], lock=False)


def _remove(lake: Lake, pattern: str) -> None:
    for path in lake.path("state", "").glob(pattern):
        path.unlink()


def record_setup(lake: Lake, profile: str, config: HospitalConfig) -> dict:
    """Write `state/setup.json`: the profile, size and seed the daily run must simulate with.

    Written last, so its presence means the whole setup finished.
    """
    state = {
        "profile": profile,
        "population_size": config.population.size,
        "seed": config.seed,
        "finished_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    path = lake.path("state", SETUP_STATE)
    path.write_text(json.dumps(state, indent=2))
    return state


def setup_config(lake: Lake) -> tuple[str, HospitalConfig]:
    """The profile the twin was set up with; fails clearly when setup has not run."""
    path = lake.path("state", SETUP_STATE)
    if not path.exists():
        raise SetupMissing(f"{path} not found: run the hospital_setup DAG first")
    state = json.loads(path.read_text())
    config = load_config(state["profile"], population={"size": state["population_size"]})
    return state["profile"], config


def read_people(
    lake: Lake, people_columns: list[str] | None = None, illness_columns: list[str] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Population and illness profiles as the daily run needs them (only the columns asked
    for: a day reads 4 of the people file's columns, not millions of names and addresses)."""
    people = lake.path("processed", PEOPLE)
    if not people.exists():
        raise SetupMissing(f"{people} not found: run the hospital_setup DAG first")
    return (
        pd.read_parquet(people, columns=people_columns),
        pd.read_parquet(lake.path("processed", ILLNESS), columns=illness_columns),
    )


def visit_sampler(lake: Lake) -> visits.VisitSampler:
    """The day's visitor sampler, from setup's memory-mapped visitor file.

    A lake set up before that file existed gets it built from the people files once, here
    (the same rows setup would write), so its next days start as fast.
    """
    path = lake.path("processed", VISITORS)
    if not path.exists():
        people, profiles = read_people(lake, visits.PEOPLE_COLUMNS, visits.ILLNESS_COLUMNS)
        write_arrow(visits.visitor_frame(people, profiles), path)
    return visits.VisitSampler.from_table(read_arrow(path))


def schedule_for_day(lake: Lake, day: dt.date) -> pd.DataFrame:
    """The shifts that touch `day` (night shifts from the day before run into it)."""
    path = lake.schedules(day.year, day.month)
    if not path.exists():
        raise SetupMissing(f"{path} not found: the schedules do not cover {day}")
    frames = [pd.read_parquet(path)]
    before = day - dt.timedelta(days=1)
    if before.month != day.month and lake.schedules(before.year, before.month).exists():
        frames.append(pd.read_parquet(lake.schedules(before.year, before.month)))
    return schedules.shifts_touching(frames, day)
