"""Large empty tables of setup built on connections of their own, then swapped in whole.

PostgreSQL runs one backend per connection, so one transaction uses one core: a first setup of
the default profile COPYed 3,000,000 people, their SA ID numbers and their illness profiles one
after another while the machine's other core idled (issue 11). A table that is empty in the
warehouse and gets many rows is instead built beside the main load: on its own connection, a
copy of it in the `dw_load` schema (same columns, checks and index names: a refusal names the
constraint and the row exactly as before) is created, COPYed into (FREEZE: its rows are
written committed and all-visible, so the key checks that read them next need not stamp and
write every page again) and indexed, in one transaction. The main load's transaction then
drops the empty table and moves the copy into `dw` in its place (`swap_in`), adding back the
foreign keys of both sides, validated set-based, so a reader sees the old (empty) table or the
whole new one, and a failure leaves the empty table.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd
import psycopg
from psycopg import sql

from hospital_twin.io import migrations, warehouse

SCHEMA = "dw_load"  # migration 054


def staged_name(table: str) -> str:
    return f"{SCHEMA}.{table.split('.')[-1]}"


def connection_params(conn: psycopg.Connection) -> dict[str, str]:
    """What opens another connection to the database `conn` is connected to, as the same role
    (`psycopg.connect(**params)`)."""
    return {o.keyword.decode(): o.val.decode() for o in conn.pgconn.info if o.val is not None}


def build(conn: psycopg.Connection, table: str, frame: pd.DataFrame) -> None:
    """On `conn` (a connection of its own): `table`'s staged copy holding `frame`, with the
    table's indexes, committed. Raises what the COPY or an index build refuses (a check, a
    duplicate key), naming the table's own constraint."""
    staged = _ident(staged_name(table))
    with conn.transaction():
        conn.execute(sql.SQL("DROP TABLE IF EXISTS {} CASCADE").format(staged))
        conn.execute(
            sql.SQL("CREATE TABLE {} (LIKE {} INCLUDING ALL EXCLUDING INDEXES)").format(
                staged, _ident(table)
            )
        )
        warehouse.copy_frame(conn, staged_name(table), frame, freeze=True)  # created above
        conn.execute("SET LOCAL maintenance_work_mem = '256MB'")  # the index builds' sorts
        for name, constraint, definition in conn.execute(
            warehouse.read_sql("queries/indexes_of.sql"), (table, True)
        ).fetchall():
            conn.execute(_index_statement(table, name, constraint, definition))


def links(conn: psycopg.Connection, tables: Sequence[str]) -> list[warehouse.ForeignKey]:
    """The foreign keys among `tables` (person_illness -> dim_person): checked between their
    staged copies, on the referring table's side connection, so the swap moves them along."""
    return [
        warehouse.ForeignKey(table, name, definition.removesuffix(" NOT VALID"))
        for referred in tables
        for table, name, definition, _ in conn.execute(
            warehouse.read_sql("queries/foreign_keys_referring.sql"), (referred,)
        ).fetchall()
        if table in tables
    ]


def link(conn: psycopg.Connection, keys: Sequence[warehouse.ForeignKey]) -> None:
    """On `conn` (a side connection, once both tables' copies are committed): `keys` added to
    the staged copies and validated, set-based; committed. Raises the ForeignKeyViolation
    naming the key and the row, as the check in the load's transaction would."""
    with conn.transaction():
        for key in keys:
            referred = re.search(r" REFERENCES ([\w.]+)\(", key.definition)
            if referred is None:
                raise ValueError(f"{key.table}.{key.name}: no REFERENCES in {key.definition!r}")
            target = f" REFERENCES {staged_name(referred[1])}("
            definition = key.definition.replace(referred[0], target, 1)
            staged_key = warehouse.ForeignKey(staged_name(key.table), key.name, definition)
            warehouse.add_foreign_keys(conn, [staged_key])


def _index_statement(
    table: str, name: str, constraint: str | None, definition: str
) -> sql.Composed:
    """The statement building index `name` of `table` on its staged copy, under its name."""
    if constraint is not None:
        return sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {}").format(
            _ident(staged_name(table)), sql.Identifier(constraint), sql.SQL(definition)
        )
    on = re.escape(f" ON {table} ")
    return sql.SQL(re.sub(on, f" ON {staged_name(table)} ", definition, count=1))


def swap_in(
    conn: psycopg.Connection, tables: Sequence[str], linked: Sequence[warehouse.ForeignKey] = ()
) -> None:
    """In the caller's transaction: replace each of `tables` (empty) by its staged copy.

    The foreign keys other tables hold on them are added back to the new tables (validated if
    they were), and the tables' own foreign keys added back and validated: one set-based query
    each, raising the ForeignKeyViolation a row-level check would (but for the `linked` ones,
    already on the staged copies: they move along). The views on them (the
    marts) are created again from `sql/marts`; a view that is not there would be lost, so the
    swap is refused, naming it.
    """
    moved = {(k.table, k.name) for k in linked}
    own = [k for k in warehouse.foreign_keys(conn, tables) if (k.table, k.name) not in moved]
    referring = [
        row
        for table in tables
        for row in conn.execute(warehouse.read_sql("queries/foreign_keys_referring.sql"), (table,))
        if row[0] not in tables
    ]
    views = _views(conn)
    drop = sql.SQL("DROP TABLE {} CASCADE")  # their views and the keys referring to them
    conn.execute(drop.format(sql.SQL(", ").join(map(_ident, tables))))
    for table in tables:
        conn.execute(
            sql.SQL("ALTER TABLE {} SET SCHEMA {}").format(
                _ident(staged_name(table)), sql.Identifier(table.split(".")[0])
            )
        )
    if _views(conn) != views:  # only then: the schedules' swap runs beside the people's
        for path in sorted(migrations.MARTS_DIR.glob("*.sql")):
            conn.execute(path.read_text())
        lost = sorted(views - _views(conn))
        if lost:
            raise RuntimeError(f"views {lost} depend on {list(tables)} and are not in sql/marts")
    warehouse.add_foreign_keys(conn, own)
    for table, name, definition, validated in referring:
        key = warehouse.ForeignKey(table, name, definition.removesuffix(" NOT VALID"))
        if validated:
            warehouse.add_foreign_keys(conn, [key])
        else:  # an old warehouse's key left NOT VALID (migration 050) stays so
            conn.execute(
                sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {} NOT VALID").format(
                    _ident(table), sql.Identifier(name), sql.SQL(key.definition)
                )
            )


def _views(conn: psycopg.Connection) -> set[str]:
    query = "SELECT schemaname || '.' || viewname FROM pg_views WHERE schemaname <> ALL(%s)"
    return {r[0] for r in conn.execute(query, (["pg_catalog", "information_schema"],))}


def drop_staged(conn: psycopg.Connection, tables: Sequence[str]) -> None:
    """Drop what a failed load left in `dw_load` (nothing once swapped in)."""
    for table in tables:
        conn.execute(sql.SQL("DROP TABLE IF EXISTS {} CASCADE").format(_ident(staged_name(table))))


def _ident(table: str) -> sql.Identifier:
    return sql.Identifier(*table.split("."))
