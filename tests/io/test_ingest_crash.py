"""A task process SIGKILLed at any step of the ingest: the retry loads the day exactly once."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from hospital_twin.io.ingest import ingest_admissions
from hospital_twin.io.lake import Lake
from tests.io.bad_admissions import DAY, REFS, good_frame
from tests.io.test_ingest import stage

pytestmark = pytest.mark.integration
CRASH = Path(__file__).with_name("crash_ingest.py")


@pytest.mark.parametrize("step", ["copy", "commit", "move"])
def test_a_kill_at_any_step_is_followed_by_a_retry_that_loads_the_day_once(
    dw, scratch_dsn, tmp_path, step
) -> None:
    lake = Lake(tmp_path / "lake").ensure()
    dw.execute("DELETE FROM dw.fact_admission WHERE sim_date = %s", (DAY,))
    dw.execute("DELETE FROM meta.ingest_batch WHERE sim_date = %s", (DAY,))
    stage(dw, lake, good_frame())

    killed = subprocess.run(
        [sys.executable, str(CRASH), scratch_dsn, str(lake.root), str(DAY), step],
        capture_output=True,
        text=True,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr

    summary = ingest_admissions(dw, lake, DAY, REFS)  # the task's retry
    assert summary["rows"] == 5 and summary["refused"] == 1
    counts = dw.execute(
        "SELECT count(*), count(DISTINCT admission_id) FROM dw.fact_admission WHERE sim_date = %s",
        (DAY,),
    ).fetchone()
    assert counts == (5, 5)
    assert (lake.root / "processed" / lake.admissions(DAY).name).exists()
    assert not lake.admissions(DAY).exists()
    recorded = dw.execute("SELECT rows FROM meta.ingest_batch WHERE sim_date = %s", (DAY,))
    assert recorded.fetchone()[0] == 5


def test_a_load_commits_even_when_the_caller_never_commits(dw, scratch_dsn, tmp_path) -> None:
    """The rows are durable when ingest returns: closing without commit does not undo them."""
    import psycopg

    lake = Lake(tmp_path / "lake").ensure()
    dw.execute("DELETE FROM dw.fact_admission WHERE sim_date = %s", (DAY,))
    stage(dw, lake, good_frame())
    conn = psycopg.connect(scratch_dsn)
    conn.execute("SELECT 1")  # an implicit transaction is open, as after the task's reads
    ingest_admissions(conn, lake, DAY, REFS)
    conn.rollback()
    conn.close()
    count = dw.execute("SELECT count(*) FROM dw.fact_admission WHERE sim_date = %s", (DAY,))
    assert count.fetchone()[0] == 5
