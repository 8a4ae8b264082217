"""The PostgreSQL warehouse: connections, SQL files, COPY loads and idempotent replacement.

Every statement lives in `sql/` (migrations create things, marts answer questions); this module
only runs them (migrations are applied by `hospital_twin.io.migrations`). Loads use COPY (an
order of magnitude faster than row INSERTs, see benchmarks/bench_daily.py) and replace a
partition (a simulated day, a setup table) in one transaction, so re-running a date or the
setup gives the same rows, never twice the rows. Bulk loads of millions of rows (setup) check
their foreign keys once per key, set-based, instead of once per row (`without_foreign_keys`).
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import psycopg
import pyarrow as pa
import pyarrow.csv as pacsv
from psycopg import sql

SQL_DIR = Path(os.environ.get("HT_SQL_DIR", Path(__file__).resolve().parents[3] / "sql"))


def connect(dsn: str | None = None, **kwargs) -> psycopg.Connection:
    """A connection to the warehouse; `dsn` defaults to $HT_DW_DSN (set by scripts/env.sh)."""
    dsn = dsn or os.environ.get("HT_DW_DSN")
    if not dsn:
        raise RuntimeError("no warehouse DSN: pass one or set HT_DW_DSN")
    return psycopg.connect(dsn, **kwargs)


def read_sql(name: str) -> str:
    """The text of `sql/<name>` (e.g. 'queries/census_for_day.sql')."""
    return (SQL_DIR / name).read_text()


def query_frame(
    conn: psycopg.Connection, name: str, params: Sequence[object] | dict = ()
) -> pd.DataFrame:
    """Run `sql/<name>` and return its rows as a DataFrame with the query's column names."""
    cur = conn.execute(read_sql(name), params)
    return pd.DataFrame(cur.fetchall(), columns=[c.name for c in cur.description])


def table_columns(conn: psycopg.Connection, table: str) -> list[str]:
    """A table's columns in order: loads select exactly these from a richer frame."""
    schema, name = table.split(".")
    return list(query_frame(conn, "queries/table_columns.sql", (schema, name))["column_name"])


CHUNK_ROWS = 20_000


def _csv_chunks(frame: pd.DataFrame, columns: Sequence[str]) -> Iterator[bytes | memoryview]:
    """The frame as CSV in chunks, so the server parses one while the next is written.

    Arrow's writer is ~10x cheaper than `DataFrame.to_csv`; it writes NULL as an empty
    unquoted field (PostgreSQL's CSV default) and quotes text, so '' stays an empty string.
    Frames Arrow cannot type (mixed object columns) fall back to pandas.
    """
    try:
        table = pa.Table.from_pandas(frame[list(columns)], preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        buf = io.StringIO()
        frame.to_csv(
            buf,
            columns=list(columns),
            index=False,
            header=False,
            na_rep="",
            date_format="%Y-%m-%d %H:%M:%S.%f",
        )
        yield buf.getvalue().encode()
        return
    options = pacsv.WriteOptions(include_header=False)
    for batch in table.to_batches(max_chunksize=CHUNK_ROWS):
        sink = pa.BufferOutputStream()
        pacsv.write_csv(batch, sink, write_options=options)
        yield memoryview(sink.getvalue())


def copy_frame(
    conn: psycopg.Connection,
    table: str,
    frame: pd.DataFrame,
    columns: Sequence[str] | None = None,
    freeze: bool = False,
) -> int:
    """COPY `frame` into `schema.table` (columns default to the frame's); returns rows copied.

    `freeze`: for a table created in the caller's transaction, rows are written frozen and
    all-visible, so the first scan after the commit need not stamp every page (the staged
    load's key checks read 3,000,000 people once: 3 of the server's CPU seconds)."""
    columns = list(columns or frame.columns)
    schema, name = table.split(".")
    options = sql.SQL("FORMAT csv, FREEZE" if freeze else "FORMAT csv")
    stmt = sql.SQL("COPY {} ({}) FROM STDIN WITH ({})").format(
        sql.Identifier(schema, name), sql.SQL(", ").join(map(sql.Identifier, columns)), options
    )
    with conn.cursor() as cur, cur.copy(stmt) as copy:
        for chunk in _csv_chunks(frame, columns):
            copy.write(chunk)
    return len(frame)


def replace_rows(
    conn: psycopg.Connection,
    table: str,
    frame: pd.DataFrame,
    where: dict[str, object] | None = None,
    columns: Sequence[str] | None = None,
) -> int:
    """Delete the partition `where` (all rows when None) and COPY `frame`, in one transaction."""
    scope, params = _partition(where)
    with conn.transaction():
        conn.execute(sql.SQL("DELETE FROM {} WHERE {}").format(_ident(table), scope), params)
        return copy_frame(conn, table, frame, columns)


def _partition(where: dict[str, object] | None) -> tuple[sql.Composable, list[object]]:
    """The condition selecting the partition `where` (every row when None) and its params."""
    if not where:
        return sql.SQL("true"), []
    scope = sql.SQL(" AND ").join(sql.SQL("{} = %s").format(sql.Identifier(k)) for k in where)
    return scope, list(where.values())


def replace_tables(
    conn: psycopg.Connection,
    loads: Sequence[tuple[str, pd.DataFrame]],
    dependents: Sequence[str] = (),
) -> dict[str, int]:
    """Replace whole tables in one transaction: delete children first, COPY parents first.

    `dependents` are emptied too: tables whose rows refer to the replaced ones and that a
    later stage reloads (the schedules refer to the staff). Returns rows copied per table.
    """
    with conn.transaction():
        for table in [*dependents, *(t for t, _ in reversed(loads))]:
            schema, name = table.split(".")
            conn.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(schema, name)))
        return {table: copy_frame(conn, table, frame) for table, frame in loads}


def merge_rows(
    conn: psycopg.Connection,
    table: str,
    frame: pd.DataFrame,
    key: Sequence[str],
    where: dict[str, object] | None = None,
) -> int:
    """Make the partition `where` (the whole table when None) hold exactly `frame`'s rows.

    For dimensions the facts refer to: DELETE + COPY would remove every row a simulated day
    refers to, and the foreign keys refuse that even when the same rows come straight back.
    Instead rows missing from `frame` are deleted (refused, naming the key, if a fact refers to
    one), rows that differ are updated by `key` and new rows inserted; unchanged rows are not
    touched, so re-running setup with the same seed writes nothing. An empty table is COPYed.
    Runs inside the caller's transaction. Returns the frame's row count.
    """
    schema, name = table.split(".")
    target = sql.Identifier(schema, name)
    scope, params = sql.SQL("true"), list((where or {}).values())
    if where:
        scope = sql.SQL(" AND ").join(sql.SQL("t.{} = %s").format(sql.Identifier(k)) for k in where)
    exists = sql.SQL("SELECT EXISTS (SELECT FROM {} t WHERE {})").format(target, scope)
    if not conn.execute(exists, params).fetchone()[0]:
        return copy_frame(conn, table, frame)
    columns = list(frame.columns)
    stage = sql.Identifier(f"merge_{name}")
    conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(stage))
    conn.execute(
        sql.SQL("CREATE TEMP TABLE {} AS SELECT {} FROM {} WITH NO DATA").format(
            stage, sql.SQL(", ").join(map(sql.Identifier, columns)), target
        )
    )
    copy_frame(conn, f"pg_temp.merge_{name}", frame)
    same_key = sql.SQL(" AND ").join(
        sql.SQL("s.{0} = t.{0}").format(sql.Identifier(k)) for k in key
    )
    conn.execute(
        sql.SQL("DELETE FROM {} t WHERE {} AND NOT EXISTS (SELECT FROM {} s WHERE {})").format(
            target, scope, stage, same_key
        ),
        params,
    )
    cols = sql.SQL(", ").join(map(sql.Identifier, columns))
    rest = [sql.Identifier(c) for c in columns if c not in key]
    if rest:
        excluded = sql.SQL(", ").join(sql.SQL("EXCLUDED.{}").format(c) for c in rest)
        current = sql.SQL(", ").join(sql.SQL("t.{}").format(c) for c in rest)
        change = sql.SQL("DO UPDATE SET ({}) = ROW({}) WHERE ({}) IS DISTINCT FROM ({})").format(
            sql.SQL(", ").join(rest), excluded, current, excluded
        )
    else:
        change = sql.SQL("DO NOTHING")
    conn.execute(
        sql.SQL("INSERT INTO {} AS t ({}) SELECT {} FROM {} ON CONFLICT ({}) {}").format(
            target, cols, cols, stage, sql.SQL(", ").join(map(sql.Identifier, key)), change
        )
    )
    conn.execute(sql.SQL("DROP TABLE {}").format(stage))
    return len(frame)


def insert_rows(
    conn: psycopg.Connection, table: str, rows: Iterable[Sequence[object]], columns: Sequence[str]
) -> int:
    """Row-by-row INSERT: the naive baseline the COPY benchmark compares against."""
    schema, name = table.split(".")
    stmt = sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
        sql.Identifier(schema, name),
        sql.SQL(", ").join(map(sql.Identifier, columns)),
        sql.SQL(", ").join(sql.Placeholder() * len(columns)),
    )
    n = 0
    with conn.transaction(), conn.cursor() as cur:
        for row in rows:
            cur.execute(stmt, row)
            n += 1
    return n


def table_checksum(
    conn: psycopg.Connection, table: str, columns: Sequence[str], order_by: Sequence[str]
) -> tuple[int, str]:
    """(row count, md5 of `columns` of every row in `order_by` order).

    Compares warehouse contents across runs; leave out bookkeeping columns such as load times.
    """
    schema, name = table.split(".")
    row = sql.SQL("ROW({})::text").format(sql.SQL(", ").join(map(sql.Identifier, columns)))
    q = sql.SQL(
        "SELECT count(*), md5(coalesce(string_agg({}, '|' ORDER BY {}), '')) FROM {}"
    ).format(row, sql.SQL(", ").join(map(sql.Identifier, order_by)), sql.Identifier(schema, name))
    count, digest = conn.execute(q).fetchone()
    return int(count), str(digest)


@dataclass(frozen=True)
class ForeignKey:
    """A foreign key as the catalog defines it: enough to drop it and add it back the same."""

    table: str
    name: str
    definition: str  # pg_get_constraintdef: "FOREIGN KEY (...) REFERENCES ... [DEFERRABLE ...]"


@dataclass(frozen=True)
class Index:
    """An index (or the primary key, unique or exclusion constraint it backs) to build again."""

    table: str
    name: str
    constraint: bool  # True: `definition` follows ADD CONSTRAINT; False: a CREATE INDEX
    definition: str


@contextmanager
def checks_after_load(conn: psycopg.Connection, tables: Sequence[str]) -> Iterator[None]:
    """Bulk-load `tables` inside the block, their foreign keys and indexes checked after it.

    Each row of a COPY costs a lookup per foreign key and a random insert per index: for the
    default profile's millions of rows that was most of setup (issue 11). Inside the block the
    tables have neither (dropped in the caller's transaction, so no one sees them missing);
    after it the indexes are built again by sorting, which checks uniqueness and exclusion over
    every row, and each foreign key is added back and validated with one set-based query. A
    row that breaks one raises the error the row-level check would: constraint and key named.
    Indexes a foreign key refers to stay (the frames come in their order). On an error inside
    the block nothing is added back: the caller's rollback restores the tables as they were.
    """
    keys = foreign_keys(conn, tables)
    _run(conn, [_drop(k.table, k.name, constraint=True) for k in keys])
    indexes = [
        Index(table, name, constraint is not None, definition)
        for table in tables
        for name, constraint, definition in conn.execute(
            read_sql("queries/indexes_of.sql"),
            (table, False),  # the rebuildable ones
        )
    ]
    _run(conn, [_drop(i.table, i.name, i.constraint) for i in indexes])
    yield
    for index in indexes:
        if index.constraint:
            conn.execute(
                sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {}").format(
                    _ident(index.table), sql.Identifier(index.name), sql.SQL(index.definition)
                )
            )
        else:
            conn.execute(sql.SQL(index.definition))
    add_foreign_keys(conn, keys)


def _ident(table: str) -> sql.Identifier:
    return sql.Identifier(*table.split("."))


def _drop(table: str, name: str, constraint: bool) -> sql.Composed:
    if constraint:
        return sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(
            _ident(table), sql.Identifier(name)
        )
    return sql.SQL("DROP INDEX {}").format(sql.Identifier(table.split(".")[0], name))


def _run(conn: psycopg.Connection, statements: Iterable[sql.Composed]) -> None:
    for statement in statements:
        conn.execute(statement)


def foreign_keys(conn: psycopg.Connection, tables: Iterable[str]) -> list[ForeignKey]:
    """The foreign keys of `tables` (those their rows hold, not those referring to them)."""
    keys = []
    for table in tables:
        for name, definition in conn.execute(read_sql("queries/foreign_keys_of.sql"), (table,)):
            keys.append(ForeignKey(table, name, definition.removesuffix(" NOT VALID")))
    return keys


def add_foreign_keys(conn: psycopg.Connection, keys: Sequence[ForeignKey]) -> None:
    """Add `keys` back as they were and check every row against each in one query.

    `NOT VALID` then `VALIDATE CONSTRAINT`: PostgreSQL checks the table with one anti-join
    instead of one lookup per row, and a row without its parent raises the same
    ForeignKeyViolation (constraint, key and table named) as the row-level check would.
    """
    for key in keys:
        table, name = _ident(key.table), sql.Identifier(key.name)
        conn.execute(
            sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {} NOT VALID").format(
                table, name, sql.SQL(key.definition)
            )
        )
        conn.execute(sql.SQL("ALTER TABLE {} VALIDATE CONSTRAINT {}").format(table, name))


def is_empty(conn: psycopg.Connection, table: str, where: dict[str, object] | None = None) -> bool:
    """Whether the partition `where` of `table` (the whole table when None) holds no row."""
    scope, params = _partition(where)
    query = sql.SQL("SELECT NOT EXISTS (SELECT FROM {} WHERE {})").format(_ident(table), scope)
    return bool(conn.execute(query, params).fetchone()[0])


def truncate(conn: psycopg.Connection, tables: Sequence[str]) -> None:
    """Empty `tables` at once (in the caller's transaction; no table may be referenced by
    another's foreign key): a DELETE of millions of rows leaves them dead for a COPY to pass."""
    if tables:
        conn.execute(sql.SQL("TRUNCATE {}").format(sql.SQL(", ").join(_ident(t) for t in tables)))


def frame_digest(frame: pd.DataFrame) -> str:
    """A digest of the frame's columns, types and values (the Arrow buffers it COPYs from):
    equal digests mean equal rows, so a load of the same frame can be skipped.

    Each column is first copied into one array of its own: a column read from Parquet or made
    by `take` is many slices of shared buffers, and hashing every slice's whole buffers hashed
    the default profile's people 23 times over (3.9 GB instead of 0.3 GB; issue 11)."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    digest = hashlib.sha256(str(table.schema.remove_metadata()).encode())
    for column in table.columns:
        chunks = [
            c.dictionary_decode() if pa.types.is_dictionary(c.type) else c for c in column.chunks
        ]  # a dictionary's buffers are codes, not values
        array = pa.concat_arrays(chunks) if chunks else pa.array([], column.type)
        digest.update(f"{len(array)}:{array.null_count}".encode())
        for buffer in array.buffers():
            digest.update(b"-" if buffer is None else buffer)
    return digest.hexdigest()


def count_rows(conn: psycopg.Connection, table: str, where: dict[str, object] | None) -> int:
    """Rows of the partition `where` (the whole table when None)."""
    scope, params = _partition(where)
    query = sql.SQL("SELECT count(*) FROM {} WHERE {}").format(_ident(table), scope)
    return int(conn.execute(query, params).fetchone()[0])
