"""Setup's loads into the warehouse: merge by key, replace, skip what is already there.

`hospital_twin.tasks.setup` calls `load_tables` once per stage. The dimensions the day facts
refer to (dates, wards, people, staff) and the registry of issued SA ID numbers are merged by
key (`warehouse.merge_rows`), so re-running setup with the same profile and seed changes no row
a simulated day refers to; a load that would remove or re-issue such a row is refused as a
whole (`SetupConflict`, naming the row and what to do). Three things keep the default
profile's 3,000,000 people fast (issue 11):

- a load whose frame digest and row count match what `meta.setup_load` recorded is skipped;
- a table loaded while empty is COPYed without its foreign keys, which are added back in the
  same transaction and validated with one set-based query each (not one check per row);
- tables replaced whole are TRUNCATEd, not deleted row by row.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import psycopg

from hospital_twin.io import warehouse

REMEDY = (
    "re-run hospital_setup with the profile and seed the simulated days were made with, or "
    "start a new warehouse (`scripts/stack reset-warehouse` drops the warehouse and the lake)"
)


class SetupConflict(RuntimeError):
    """The new setup's rows contradict what the warehouse holds: simulated days refer to rows it
    would remove, or an SA ID number would be issued twice. Nothing was changed."""


def load_tables(
    conn: psycopg.Connection,
    merges: list[tuple[str, pd.DataFrame, list[str], dict | None]],
    replaces: Sequence[tuple[str, pd.DataFrame]] = (),
    dependents: Sequence[str] = (),
    lock: bool = True,
) -> dict:
    """One transaction: empty `dependents`, merge each (table, frame, key, partition), then
    replace whole tables that nothing refers to. Refused keys -> `SetupConflict`.

    A load whose frame is the one recorded for its partition, with the rows still there, is
    skipped (a re-run with the same seed writes nothing); dependents are emptied only when a
    merge changes rows. Tables whose rows are all COPYed (an empty partition, a replaced table)
    get their foreign keys and indexes checked once after the COPY, not per row
    (`warehouse.checks_after_load`). Setup's loads take one lock first, so two stages (the DAG
    runs population and workforce side by side) never wait on each other's locks in a cycle.
    The registry's constraints are deferred for the block (an earlier stage in the same
    transaction may have made them immediate) and checked before it ends (it may be a savepoint
    of the caller's transaction), so a refusal is raised here, not at commit. `lock=False` is
    for a load whose tables no other stage drops keys of (the schedules: in the DAG they load
    beside the population's minute-long transaction instead of after it).
    """
    if lock:
        conn.execute(warehouse.read_sql("queries/lock_setup_load.sql"))
    loads = [(t, f, w) for t, f, _, w in merges] + [(t, f, None) for t, f in replaces]
    digests = [warehouse.frame_digest(frame) for _, frame, _ in loads]
    same = [_unchanged(conn, t, w, d) for (t, _, w), d in zip(loads, digests, strict=True)]
    merging = [m for m, s in zip(merges, same, strict=False) if not s]
    emptied = list(dependents) if merging else []
    replacing = [
        (t, f) for (t, f), s in zip(replaces, same[len(merges) :], strict=True)
        if t in emptied or not s
    ]  # fmt: skip
    loaded: dict = {}
    for table, frame, _ in loads:
        loaded[table] = loaded.get(table, 0) + len(frame)
    loaded["unchanged"] = sorted({t for (t, _, _), s in zip(loads, same, strict=True) if s})
    if not merging and not replacing:
        return loaded
    try:
        with conn.transaction():
            conn.execute("SET CONSTRAINTS ALL DEFERRED")
            conn.execute("SET LOCAL maintenance_work_mem = '256MB'")  # the index builds' sorts
            copied = _copied_whole(conn, merging, replacing)
            with warehouse.checks_after_load(conn, copied):
                warehouse.truncate(conn, list(dict.fromkeys([*emptied, *dict(replacing)])))
                for table, frame, key, where in merging:
                    warehouse.merge_rows(conn, table, frame, key, where)
                for table, frame in replacing:
                    warehouse.copy_frame(conn, table, frame)
                conn.execute("SET CONSTRAINTS ALL IMMEDIATE")
            _record(conn, emptied, loads, digests)
    except (psycopg.errors.ForeignKeyViolation, psycopg.errors.UniqueViolation,
            psycopg.errors.ExclusionViolation) as e:  # fmt: skip
        raise SetupConflict(_conflict_message(conn, e)) from e
    return loaded


def _copied_whole(
    conn: psycopg.Connection,
    merging: Sequence[tuple[str, pd.DataFrame, list[str], dict | None]],
    replacing: Sequence[tuple[str, pd.DataFrame]],
) -> list[str]:
    """Tables this load only COPYs into and that hold fewer rows than it brings: replaced
    ones, and merged ones whose every merged partition is empty (a merge into rows already
    there needs the table's keys). Building a table's indexes again costs its every row, so a
    few thousand staff numbers beside 3,000,000 people's are inserted with the keys in place."""
    copies: dict[str, int] = {}
    for table, frame, _, where in merging:
        if copies.get(table, 0) >= 0 and warehouse.is_empty(conn, table, where):
            copies[table] = copies.get(table, 0) + len(frame)
        else:
            copies[table] = -1
    whole = [t for t, n in copies.items() if n >= 0 and warehouse.count_rows(conn, t, None) < n]
    return list(dict.fromkeys([*whole, *dict(replacing)]))


def _part(where: dict | None) -> str:
    return ",".join(f"{k}={v}" for k, v in (where or {}).items())


def _unchanged(conn: psycopg.Connection, table: str, where: dict | None, digest: str) -> bool:
    """Whether the partition holds what a load of this frame recorded (same digest, same row
    count: rows added or removed by anything else make it load again)."""
    row = conn.execute(
        warehouse.read_sql("queries/setup_load_digest.sql"), (table, _part(where))
    ).fetchone()
    return (
        row is not None and row[0] == digest and warehouse.count_rows(conn, table, where) == row[1]
    )


def _record(
    conn: psycopg.Connection,
    emptied: Sequence[str],
    loads: Sequence[tuple[str, pd.DataFrame, dict | None]],
    digests: Sequence[str],
) -> None:
    """What this transaction wrote, for the next setup to compare with."""
    conn.execute(warehouse.read_sql("queries/forget_setup_load.sql"), (list(emptied),))
    for (table, frame, where), digest in zip(loads, digests, strict=True):
        conn.execute(
            warehouse.read_sql("queries/record_setup_load.sql"),
            (table, _part(where), digest, len(frame)),
        )


def _conflict_message(conn: psycopg.Connection, e: psycopg.Error) -> str:
    """What was refused (PostgreSQL's message and the key), the simulated days, what to do."""
    days = conn.execute(warehouse.read_sql("queries/simulated_days.sql")).fetchone()
    held = f"the warehouse holds {days[0]} simulated day(s)"
    held += f" ({days[1]} to {days[2]})" if days[0] else ""
    detail = f" ({e.diag.message_detail})" if e.diag.message_detail else ""
    return f"setup refused: {e.diag.message_primary}{detail}; {held}; {REMEDY}"
