"""Run one admissions ingest in a process that SIGKILLs itself at a chosen step.

`python tests/io/crash_ingest.py DSN LAKE DAY STEP`: the real ingest against the real
warehouse, with one internal step wrapped so the process dies there (no cleanup, no commit on
close), as the kernel would kill a task: `copy` after the rows are sent but before the commit,
`commit` after the commit but before the file moves, `move` after the move but before the task
returns. The parent test then retries with the plain code.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import sys
from pathlib import Path

import psycopg

from hospital_twin.io import ingest, warehouse
from hospital_twin.io.lake import Lake

REFS = ingest.References(
    wards={"ICU", "Medicine"},
    triage_levels={"Critical", "Mild"},
    person_ids=range(100, 200),
    staff_ids={"S00001", "S00002"},
)


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def main(dsn: str, root: str, day: str, step: str) -> None:
    copy_frame, move = warehouse.copy_frame, Lake.move_to_processed

    def copy_then_die(*args, **kwargs):
        copy_frame(*args, **kwargs)
        _die()

    def die_before_move(self, path):
        _die()

    def move_then_die(self, path):
        move(self, path)
        _die()

    if step == "copy":
        warehouse.copy_frame = copy_then_die
    elif step == "commit":
        Lake.move_to_processed = die_before_move
    elif step == "move":
        Lake.move_to_processed = move_then_die
    conn = psycopg.connect(dsn)  # like the DAG's: commits only if the code commits
    ingest.ingest_admissions(conn, Lake(Path(root)), dt.date.fromisoformat(day), REFS)
    raise SystemExit(f"step {step!r} did not kill the process")


if __name__ == "__main__":
    main(*sys.argv[1:5])
