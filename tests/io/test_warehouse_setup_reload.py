"""Re-running setup on a warehouse that holds simulated days: the dimensions the days refer to.

Setup merges its dimensions by key (warehouse.merge_rows): the same profile and seed rewrite
nothing and keep the days; a setup that would remove a row a day refers to is refused as a
whole, naming the row and what to do, and the previous setup stays. Each test runs the real
setup tasks on a fresh warehouse of its own (a small population, so it takes seconds).
"""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest

from hospital_twin.config import load_config
from hospital_twin.io import migrations, warehouse
from hospital_twin.io.lake import Lake
from hospital_twin.tasks import setup
from tests.support.setup_stages import set_up

pytestmark = pytest.mark.integration
SIZE = 2000
CONFIG = load_config("small", population={"size": SIZE})
DAY = CONFIG.simulation.start_date
VISITED = 1500  # a person a simulated day refers to; not in a population of 1000
DIMENSIONS = {
    "dw.dim_date": "date_key", "dw.dim_ward": "ward", "dw.dim_person": "person_id",
    "dw.dim_staff": "staff_id", "dw.sa_id_registry": "sa_id", "dw.person_illness": "person_id",
}  # fmt: skip


@pytest.fixture
def fresh(empty_dsn: str):
    with psycopg.connect(empty_dsn) as conn:
        migrations.migrate(conn)
        yield conn


def _set_up(conn: psycopg.Connection, lake: Lake, config=CONFIG) -> None:
    set_up(conn, lake, config)


def _simulate_a_day(conn: psycopg.Connection) -> None:
    """A day's facts naming a person, a ward and the admitting staff, recorded as simulated."""
    ward = CONFIG.wards[0].name
    t0 = dt.datetime.combine(DAY, dt.time(8))
    conn.execute(
        "INSERT INTO dw.fact_admission (admission_id, person_id, sim_date, arrival_time,"
        " triage_level, department, source, requested_ward, ward, status, wait_hours,"
        " admitting_doctor_id, admitting_nurse_id) VALUES ('A-1', %s, %s, %s, 'Mild', 'x',"
        " 'ED', %s, %s, 'admitted', 0, 'S00001', 'S00002')",
        (VISITED, DAY, t0, ward, ward),
    )
    conn.execute(
        "INSERT INTO meta.day_run (sim_date, visits, admissions, events) VALUES (%s, 0, 1, 0)",
        (DAY,),
    )
    conn.commit()


def _checksums(conn: psycopg.Connection) -> dict[str, tuple[int, str]]:
    return {
        table: warehouse.table_checksum(conn, table, warehouse.table_columns(conn, table), [key])
        for table, key in DIMENSIONS.items()
    }


def test_a_set_up_warehouse_holds_each_sa_id_number_once(fresh, tmp_path) -> None:
    _set_up(fresh, Lake(tmp_path / "lake").ensure())
    shared = fresh.execute(
        "SELECT count(*) FROM (SELECT sa_id FROM dw.dim_person"
        " INTERSECT SELECT sa_id FROM dw.dim_staff) s"
    ).fetchone()[0]
    rolls = dict(fresh.execute("SELECT id_roll, count(*) FROM dw.sa_id_registry GROUP BY 1"))
    assert shared == 0
    assert rolls["population"] == SIZE
    assert (
        rolls["staff"] + rolls["reserve"]
        == fresh.execute("SELECT count(DISTINCT sa_id) FROM dw.dim_staff").fetchone()[0]
    )
    assert rolls["reserve"] == CONFIG.workforce.reserve_pool


def test_setup_again_with_the_same_seed_keeps_the_days_and_every_row(fresh, tmp_path) -> None:
    lake = Lake(tmp_path / "lake").ensure()
    _set_up(fresh, lake)
    _simulate_a_day(fresh)
    before = _checksums(fresh)
    _set_up(fresh, lake)
    assert _checksums(fresh) == before
    assert fresh.execute("SELECT count(*) FROM dw.fact_admission").fetchone()[0] == 1


def test_setup_with_another_seed_reissues_every_number_in_one_go(fresh, tmp_path) -> None:
    """Same keys, new ID numbers: the swap passes through states where two rows share a number,
    which the deferred constraints allow until the end of the load."""
    lake = Lake(tmp_path / "lake").ensure()
    _set_up(fresh, lake)
    _simulate_a_day(fresh)
    old = set(r[0] for r in fresh.execute("SELECT sa_id FROM dw.sa_id_registry"))
    _set_up(fresh, lake, load_config("small", population={"size": SIZE}, seed=7))
    new = set(r[0] for r in fresh.execute("SELECT sa_id FROM dw.sa_id_registry"))
    assert new != old and len(new) == len(old)
    assert fresh.execute("SELECT count(*) FROM dw.fact_admission").fetchone()[0] == 1


def test_a_setup_removing_a_person_a_day_refers_to_is_refused_and_changes_nothing(
    fresh, tmp_path
) -> None:
    lake = Lake(tmp_path / "lake").ensure()
    _set_up(fresh, lake)
    _simulate_a_day(fresh)
    before = _checksums(fresh)
    smaller = load_config("small", population={"size": 1000})
    setup.build_population(smaller, lake)
    with pytest.raises(setup.SetupConflict) as err:
        setup.load_population(fresh, lake)
    message = str(err.value)
    assert f"Key (person_id)=({VISITED}) is still referenced from table" in message
    assert "fact_admission" in message
    assert f"1 simulated day(s) ({DAY} to {DAY})" in message
    assert "re-run hospital_setup with the profile and seed" in message
    assert "scripts/stack reset-warehouse" in message
    fresh.rollback()
    assert _checksums(fresh) == before
    assert lake.path("batch", setup.PEOPLE).exists()  # left for the retry, not moved on
