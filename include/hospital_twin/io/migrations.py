"""The warehouse's schema migrations: applied from one place, checked everywhere else.

`sql/migrations/NNN_*.sql` create things, in order, each recorded with its checksum in
`meta.schema_migrations`; `sql/marts/*.sql` (views over the facts) are re-created after them, so
the views follow the files. Only `python -m hospital_twin.io.migrations` applies them (run by
`scripts/stack up`, docker-compose's `airflow-init` job and the tests' scratch-database fixture):
a schema change is then a deliberate step of a deployment, never a side effect of a task retry
or of a service reconnecting. The setup tasks and the stream processor call `require_current`,
which fails with the command to run when the schema is behind the files.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import psycopg

from hospital_twin.io.warehouse import SQL_DIR, connect

MIGRATIONS_DIR = SQL_DIR / "migrations"
MARTS_DIR = SQL_DIR / "marts"
COMMAND = "python -m hospital_twin.io.migrations"
# One migrator at a time (the stack script, compose's init job and test sessions may race).
_LOCK_KEY = 7355608
_LEDGER = """CREATE TABLE IF NOT EXISTS meta.schema_migrations (
                 version text PRIMARY KEY, checksum text NOT NULL,
                 applied_at timestamptz NOT NULL DEFAULT now())"""


class MigrationError(RuntimeError):
    """A migration failed, or an applied migration file was changed afterwards."""


class MigrationsPending(MigrationError):
    """The warehouse is behind `sql/migrations`: the named command brings it up to date."""


@dataclass(frozen=True)
class Status:
    """Where the warehouse stands against the migration files."""

    pending: tuple[str, ...]  # files not applied yet, in order
    changed: tuple[str, ...]  # applied files whose text differs from what was applied


def _checksum(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _files(directory: Path) -> list[Path]:
    return sorted(directory.glob("[0-9][0-9][0-9]_*.sql"))


def _applied(conn: psycopg.Connection) -> dict[str, str]:
    """version -> checksum of every applied migration; empty before the first migration."""
    exists = conn.execute("SELECT to_regclass('meta.schema_migrations') IS NOT NULL").fetchone()
    if not exists or not exists[0]:
        return {}
    return dict(conn.execute("SELECT version, checksum FROM meta.schema_migrations").fetchall())


def status(conn: psycopg.Connection, directory: Path = MIGRATIONS_DIR) -> Status:
    """Compare the files with the ledger, changing nothing (read-only: safe from any task).

    Reads in a transaction of its own, so the caller's connection is left idle, not inside
    an open transaction that would turn its next `conn.transaction()` into a mere savepoint.
    """
    with conn.transaction():
        applied = _applied(conn)
    pending, changed = [], []
    for path in _files(directory):
        if path.name not in applied:
            pending.append(path.name)
        elif applied[path.name] != _checksum(path.read_text()):
            changed.append(path.name)
    return Status(tuple(pending), tuple(changed))


def require_current(conn: psycopg.Connection, directory: Path = MIGRATIONS_DIR) -> None:
    """Fail, naming the command to run, unless every migration file is applied unchanged.

    Tasks and services call this instead of migrating: they would otherwise change the schema
    under each other, and a failed migration would look like a failed task.
    """
    state = status(conn, directory)
    if state.changed:
        raise MigrationError(
            f"applied migration(s) changed afterwards: {', '.join(state.changed)}; "
            "restore them and add a new migration instead"
        )
    if state.pending:
        raise MigrationsPending(
            f"the warehouse schema is behind sql/migrations: {len(state.pending)} migration(s) "
            f"pending ({', '.join(state.pending)}); run `{COMMAND}` (scripts/stack up and "
            "docker compose's airflow-init run it)"
        )


def migrate(conn: psycopg.Connection, directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply pending migrations in order in one transaction, then re-create the marts.

    Returns the names applied. Refuses to continue if an applied file has changed, because the
    database would no longer match what the files say.
    """
    with conn.transaction():
        conn.execute("CREATE SCHEMA IF NOT EXISTS meta")
        conn.execute(_LEDGER)
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
        applied = _applied(conn)
        done: list[str] = []
        for path in _files(directory):
            text = path.read_text()
            if path.name in applied:
                if applied[path.name] != _checksum(text):
                    raise MigrationError(
                        f"{path}: changed after it was applied; add a new migration"
                    )
                continue
            try:
                conn.execute(text)
            except psycopg.Error as e:
                raise MigrationError(f"{path}: {e}") from e
            conn.execute(
                "INSERT INTO meta.schema_migrations (version, checksum) VALUES (%s, %s)",
                (path.name, _checksum(text)),
            )
            done.append(path.name)
        if directory == MIGRATIONS_DIR:
            for path in sorted(MARTS_DIR.glob("*.sql")):
                conn.execute(path.read_text())
    return done


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m hospital_twin.io.migrations [--check]`: apply, or only report, the pending ones.

    The stack script and compose's init job run it before anything uses the warehouse; `--check`
    exits 1 when migrations are pending, for scripts that must not change the schema.
    """
    args = list(argv if argv is not None else sys.argv[1:])
    if args not in ([], ["--check"]):
        print(f"usage: {COMMAND} [--check]", file=sys.stderr)
        return 2
    with connect() as conn:
        if args == ["--check"]:
            try:
                require_current(conn)
            except MigrationError as e:
                print(e, file=sys.stderr)
                return 1
            print("the warehouse schema is current")
            return 0
        applied = migrate(conn)
    print(f"applied {len(applied)} migration(s): {', '.join(applied) or 'none pending'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
