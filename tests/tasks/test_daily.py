"""The daily tasks write exactly what run_day computes, and a day continues from D-1's census.

Integration: a scratch warehouse (the `dw` fixture) and a lake in a temporary directory, with
a small population and a schedule standing in for the setup's outputs.
"""

from __future__ import annotations

import datetime as dt
import json
import logging

import pandas as pd
import pytest

from hospital_twin.config import load_config
from hospital_twin.contracts import ADMISSION_COLUMNS, ADMISSION_TIMESTAMPS, TOPICS
from hospital_twin.day import flow
from hospital_twin.day.run import run_day
from hospital_twin.io import warehouse
from hospital_twin.io.lake import Lake, write_parquet
from hospital_twin.setup.calendar import calendar
from hospital_twin.setup.reference import wards_frame
from hospital_twin.tasks import daily
from hospital_twin.tasks.setup import ILLNESS, PEOPLE, SETUP_STATE, read_people, schedule_for_day
from tests.support import dimensions, factories

pytestmark = pytest.mark.integration
CONFIG = load_config("small", population={"size": 3000})
DAY = CONFIG.simulation.start_date
NEXT = DAY + dt.timedelta(days=1)


@pytest.fixture
def lake(tmp_path, dw) -> Lake:
    """The setup's outputs the daily run reads: population, illness profiles, schedules (and
    the dimension rows the day's facts refer to)."""
    lake = Lake(tmp_path / "lake").ensure()
    people = factories.population(3000)
    dimensions.seed(
        dw, days=calendar(CONFIG)["date_key"], wards=wards_frame(CONFIG)["ward"],
        person_ids=people["person_id"],
    )  # fmt: skip
    write_parquet(people, lake.path("processed", PEOPLE))
    write_parquet(factories.illness(people), lake.path("processed", ILLNESS))
    departments = sorted({w.department for w in CONFIG.wards} | {"Emergency Room"})
    shifts = pd.concat(
        [factories.schedule(d, departments, shifts=((7, 19), (19, 31))) for d in (DAY, NEXT)]
    )
    shifts["staff_id"] = range(1, len(shifts) + 1)
    write_parquet(shifts, lake.schedules(DAY.year, DAY.month))
    state = {"profile": "small", "population_size": 3000, "seed": CONFIG.seed}
    lake.path("state", SETUP_STATE).write_text(json.dumps(state))
    return lake


def test_simulate_flow_writes_what_run_day_computes(dw, lake: Lake) -> None:
    daily.generate_visits(dw, CONFIG, lake, DAY)
    summary = daily.simulate_flow(dw, CONFIG, lake, DAY)

    people, profiles = read_people(lake)
    census = flow.warmup_census(CONFIG, DAY, person_ids=people["person_id"].to_numpy())
    visits = pd.read_parquet(lake.path("processed", lake.daily_visitors(DAY).name))
    expected = run_day(
        CONFIG, DAY, people, profiles, census, schedule_for_day(lake, DAY), day_visits=visits
    )
    assert summary["started_from"] == "warm-up state"
    assert {k: summary[k] for k in expected.summary()} == expected.summary()

    written = pd.read_csv(lake.admissions(DAY), parse_dates=ADMISSION_TIMESTAMPS)
    assert list(written.columns) == ADMISSION_COLUMNS
    assert written["admission_id"].tolist() == expected.admissions["admission_id"].tolist()
    assert daily.build_events(dw, CONFIG, lake, DAY) == expected.events
    census_end = warehouse.query_frame(dw, "queries/census_for_day.sql", (DAY,))
    assert census_end["admission_id"].tolist() == expected.census_end["admission_id"].tolist()


def test_the_next_day_starts_from_the_census_the_warehouse_holds(dw, lake: Lake) -> None:
    for day in (DAY, NEXT):
        daily.generate_visits(dw, CONFIG, lake, day)
        summary = daily.simulate_flow(dw, CONFIG, lake, day)
    first_end = warehouse.query_frame(dw, "queries/census_for_day.sql", (DAY,))
    assert summary["started_from"] == f"census at the end of {DAY}"
    assert summary["census_start"] == len(first_end)
    skipped = NEXT + dt.timedelta(days=1)
    with pytest.raises(daily.StateMissing, match=f"run hospital_daily for {skipped} first"):
        daily.previous_census(dw, CONFIG, skipped + dt.timedelta(days=1))


def test_days_outside_the_calendar_cannot_start_and_say_so(dw) -> None:
    start, end = CONFIG.simulation.start_date, CONFIG.simulation.end_date
    for day in (start - dt.timedelta(days=1), end + dt.timedelta(days=1)):
        reason = daily.missing_state(dw, CONFIG, day)
        assert f"{day} is outside the simulation calendar" in reason and str(end) in reason
    assert daily.missing_state(dw, CONFIG, start) is None  # the first day needs no D-1


def test_a_rerun_of_the_day_leaves_the_same_rows(dw, lake: Lake) -> None:
    tables = ["dw.fact_visit", "dw.census_state", "dw.fact_ward_day", "dw.fact_discharge"]

    def rows() -> dict[str, list]:
        return {
            t: dw.execute(f"SELECT * FROM {t} WHERE sim_date = %s ORDER BY 1, 2", (DAY,)).fetchall()
            for t in tables
        }

    daily.generate_visits(dw, CONFIG, lake, DAY)
    daily.simulate_flow(dw, CONFIG, lake, DAY)
    before, events = rows(), daily.build_events(dw, CONFIG, lake, DAY)
    daily.generate_visits(dw, CONFIG, lake, DAY)
    daily.simulate_flow(dw, CONFIG, lake, DAY)
    assert rows() == before and before["dw.fact_visit"]
    assert daily.build_events(dw, CONFIG, lake, DAY) == events


def test_publishing_without_the_days_flow_names_the_task_to_run(dw, lake: Lake) -> None:
    later = NEXT + dt.timedelta(days=5)
    with pytest.raises(FileNotFoundError, match=f"run the simulate_day task for {later} first"):
        daily.build_events(dw, CONFIG, lake, later)


def test_each_task_ends_its_log_with_its_days_summary(dw, lake: Lake, caplog) -> None:
    caplog.set_level(logging.INFO, logger=daily.__name__)
    daily.generate_visits(dw, CONFIG, lake, DAY)
    daily.simulate_flow(dw, CONFIG, lake, DAY)
    daily.record_published(dw, DAY, {"hospital.emergency_transports": 3})
    daily.record_day(dw, DAY)
    said = [r.getMessage() for r in caplog.records if r.name == daily.__name__]
    assert [m.splitlines()[0].split(" (")[0] for m in said] == [
        f"visits of {DAY} by service",
        f"flow of {DAY} from the warm-up state",
        f"events of {DAY} published, per topic:",
        f"day {DAY} complete, in the warehouse:",
    ]
    assert f"occupancy per ward at the end of {DAY}:" in said[1]
    assert not any("{" in m for m in said)  # summaries, not dict dumps


def test_waiting_for_a_days_events_fails_past_the_deadline_naming_the_counts(dw) -> None:
    day = dt.date(2097, 3, 4)
    daily.record_published(dw, day, {TOPICS["emergency_transport"]: 2})
    with pytest.raises(daily.EventsNotLanded, match=r"hospital.emergency_transports': \(2, 0\)"):
        daily.wait_for_events(dw, day, timeout=-1.0)


def test_waiting_for_a_days_events_ends_once_every_event_landed(dw) -> None:
    day = dt.date(2097, 3, 5)
    daily.record_published(dw, day, {TOPICS["emergency_transport"]: 1})
    dw.execute(
        "INSERT INTO stream.emergency_transport "
        "(event_id, sim_date, occurred_at, patient_id, schema_version, payload) "
        "VALUES (gen_random_uuid(), %s, now(), 1, 1, '{}')",
        (day,),
    )
    assert daily.wait_for_events(dw, day, timeout=600) == {TOPICS["emergency_transport"]: (1, 1)}


def test_the_capacity_studys_stays_are_the_days_admissions_moves_and_discharges(dw, lake) -> None:
    """`capacity_stays.sql` (one join, not a subquery per stay) gives each ward entry its first
    exit after it, and censors the stays still open at the origin's end."""
    days = [DAY + dt.timedelta(days=i) for i in range(3)]
    staff = pd.read_parquet(lake.schedules(DAY.year, DAY.month))["staff_id"]
    dimensions.seed(dw, staff_ids=staff.astype(str))  # the admitting doctors and nurses
    for day in days:
        daily.generate_visits(dw, CONFIG, lake, day)
        daily.simulate_flow(dw, CONFIG, lake, day)
        daily.ingest(dw, CONFIG, lake, day)
    # One discharged patient goes to another ward and back before the discharge: entries into
    # the same ward twice, each ended by its own first exit after it.
    dw.execute("""
        WITH d AS (SELECT * FROM dw.fact_discharge WHERE sim_date BETWEEN %s AND %s
                   ORDER BY admission_id LIMIT 1),
             other AS (SELECT min(ward) AS ward FROM dw.dim_ward
                       WHERE ward <> (SELECT ward FROM d))
        INSERT INTO dw.fact_ward_move
        SELECT d.sim_date, d.admission_id, d.person_id, w.from_ward, w.to_ward,
               d.admitted_at + (d.discharged_at - d.admitted_at) * w.part, d.discharged_at
        FROM d, other, LATERAL (VALUES (d.ward, other.ward, 1 / 3.0),
                                       (other.ward, d.ward, 2 / 3.0)) w(from_ward, to_ward, part)
    """, (days[0], days[-1]))  # fmt: skip
    end = pd.Timestamp(days[-1] + dt.timedelta(days=1))
    stays = warehouse.query_frame(
        dw, "queries/capacity_stays.sql", {"origin": days[-1], "end": end.date()}
    )

    def facts(table: str, columns: str) -> pd.DataFrame:
        names = [c.strip() for c in columns.split(",")]
        # The session's scratch warehouse may hold other tests' days: the query's own filter.
        rows = dw.execute(f"SELECT {columns} FROM {table} WHERE sim_date <= %s", (days[-1],))
        frame = pd.DataFrame(rows.fetchall(), columns=names)
        return frame.astype({names[-1]: "datetime64[us]"})

    admitted = facts("dw.fact_admission", "admission_id, ward, admitted_at").dropna()
    moves = facts("dw.fact_ward_move", "admission_id, from_ward, to_ward, moved_at")
    discharges = facts("dw.fact_discharge", "admission_id, ward, discharged_at")
    entries = pd.concat([
        admitted.set_axis(["admission_id", "ward", "entered_at"], axis=1),
        moves[["admission_id", "to_ward", "moved_at"]].set_axis(
            ["admission_id", "ward", "entered_at"], axis=1),
    ], ignore_index=True)  # fmt: skip
    exits = pd.concat([
        moves[["admission_id", "from_ward", "moved_at"]].set_axis(
            ["admission_id", "ward", "left_at"], axis=1),
        discharges.set_axis(["admission_id", "ward", "left_at"], axis=1),
    ], ignore_index=True)  # fmt: skip
    pairs = entries.reset_index().merge(exits, on=["admission_id", "ward"], how="left")
    pairs = pairs[pairs["left_at"].isna() | (pairs["left_at"] >= pairs["entered_at"])]
    first = pairs.groupby("index")["left_at"].min().reindex(entries.index)
    expected = entries.assign(
        censored=first.isna().to_numpy(),
        stay_days=(first.fillna(end) - entries["entered_at"]).dt.total_seconds() / 86400,
    ).sort_values(["admission_id", "entered_at"], kind="stable")

    assert len(moves) >= 2 and expected["censored"].any()
    assert stays["ward"].tolist() == expected["ward"].tolist()
    assert stays["censored"].tolist() == expected["censored"].tolist()
    assert stays["stay_days"].astype(float).to_numpy() == pytest.approx(
        expected["stay_days"].to_numpy(), abs=1e-9
    )
