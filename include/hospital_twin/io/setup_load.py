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
- a large table loaded while empty is built on a connection of its own beside the main load
  (`staged_load`: PostgreSQL runs a connection's work on one core, the machine has two) and
  swapped in by the load's transaction;
- tables replaced whole are TRUNCATEd, not deleted row by row.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor

import pandas as pd
import psycopg
from psycopg import sql

from hospital_twin.io import staged_load, warehouse

REMEDY = (
    "re-run hospital_setup with the profile and seed the simulated days were made with, or "
    "start a new warehouse (`scripts/stack reset-warehouse` drops the warehouse and the lake)"
)
# A table loaded whole while empty, with at least this many rows, is built beside the main load
# (`staged_load`); below it a second connection and a swap cost more than they save.
STAGE_ROWS = 200_000


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
    with ThreadPoolExecutor(max_workers=4) as pool:  # hashing and Arrow run outside the GIL
        digests = list(pool.map(warehouse.frame_digest, [frame for _, frame, _ in loads]))
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
    staged: dict[str, pd.DataFrame] = {}
    try:
        with conn.transaction():
            conn.execute("SET CONSTRAINTS ALL DEFERRED")
            conn.execute("SET LOCAL maintenance_work_mem = '256MB'")  # the index builds' sorts
            copied = _copied_whole(conn, merging, replacing)
            staged = _stageable(conn, copied, merging, replacing)
            linked = staged_load.links(conn, list(staged))
            with ThreadPoolExecutor(max_workers=len(staged) + 1) as pool:  # waits on errors
                params = staged_load.connection_params(conn)
                built = [pool.submit(_build, params, t, f) for t, f in staged.items()]
                if linked:  # once the copies are built, beside the main load's own checks
                    built.append(pool.submit(_link, params, linked, list(built)))
                _load_here(conn, copied, staged, emptied, merging, replacing)
                for future in built:
                    future.result()  # a refusal on a staged table is raised here
            if staged:
                staged_load.swap_in(conn, list(staged), linked)
                conn.execute("SET CONSTRAINTS ALL IMMEDIATE")
            _record(conn, emptied, loads, digests)
    except (psycopg.errors.ForeignKeyViolation, psycopg.errors.UniqueViolation,
            psycopg.errors.ExclusionViolation) as e:  # fmt: skip
        _drop_staged(conn, staged)
        raise SetupConflict(_conflict_message(conn, e)) from e
    except BaseException:
        _drop_staged(conn, staged)
        raise
    return loaded


def _load_here(
    conn: psycopg.Connection,
    copied: Sequence[str],
    staged: dict[str, pd.DataFrame],
    emptied: Sequence[str],
    merging: Sequence[tuple[str, pd.DataFrame, list[str], dict | None]],
    replacing: Sequence[tuple[str, pd.DataFrame]],
) -> None:
    """The load's tables that are not staged, on the caller's connection."""
    with warehouse.checks_after_load(conn, [t for t in copied if t not in staged]):
        emptying = [*emptied, *dict(replacing)]
        warehouse.truncate(conn, [t for t in dict.fromkeys(emptying) if t not in staged])
        for table, frame, key, where in merging:
            if table not in staged:
                warehouse.merge_rows(conn, table, frame, key, where)
        for table, frame in replacing:
            if table not in staged:
                warehouse.copy_frame(conn, table, frame)
        conn.execute("SET CONSTRAINTS ALL IMMEDIATE")


def _stageable(
    conn: psycopg.Connection,
    copied: Sequence[str],
    merging: Sequence[tuple[str, pd.DataFrame, list[str], dict | None]],
    replacing: Sequence[tuple[str, pd.DataFrame]],
) -> dict[str, pd.DataFrame]:
    """Tables copied whole that are empty, loaded whole (not a partition) from one frame of at
    least `STAGE_ROWS` rows: those `staged_load` builds beside the main load. Locked against
    writers until the swap, so they stay empty."""
    frames: dict[str, list[pd.DataFrame | None]] = {}
    for table, frame, _, where in merging:
        frames.setdefault(table, []).append(None if where else frame)
    for table, frame in replacing:
        frames.setdefault(table, []).append(frame)
    staged = {
        t: f[0]
        for t, f in frames.items()
        if t in copied and len(f) == 1 and f[0] is not None and len(f[0]) >= STAGE_ROWS
    }
    for table in staged:
        lock = sql.SQL("LOCK TABLE {} IN SHARE MODE")
        conn.execute(lock.format(sql.Identifier(*table.split("."))))
    return {t: f for t, f in staged.items() if warehouse.is_empty(conn, t)}


def _build(params: dict[str, str], table: str, frame: pd.DataFrame) -> None:
    """One staged table, on a connection of its own (a thread: the CSV encoding and the
    server's work run outside the GIL)."""
    with psycopg.connect(**params) as side:
        staged_load.build(side, table, frame)


def _link(params: dict[str, str], keys: list, builds: list[Future]) -> None:
    """The foreign keys among staged tables, checked once their copies are committed."""
    for build in builds:
        build.result()
    with psycopg.connect(**params) as side:
        staged_load.link(side, keys)


def _drop_staged(conn: psycopg.Connection, staged: dict[str, pd.DataFrame]) -> None:
    """After a failed load (its transaction rolled back, its locks released): the staged
    copies its side connections committed."""
    if staged:
        with psycopg.connect(**staged_load.connection_params(conn)) as side:
            staged_load.drop_staged(side, list(staged))


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
