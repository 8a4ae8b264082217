"""The migration runner: applies the files once, in order; everyone else only checks."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from hospital_twin.io import migrations

pytestmark = pytest.mark.integration


def _files() -> list[str]:
    return sorted(p.name for p in migrations.MIGRATIONS_DIR.glob("[0-9][0-9][0-9]_*.sql"))


def test_migrate_applies_every_file_once_in_order_and_records_it(empty_dsn) -> None:
    with psycopg.connect(empty_dsn) as conn:
        assert migrations.status(conn).pending == tuple(_files())
        assert migrations.migrate(conn) == _files()
        assert migrations.migrate(conn) == []
        recorded = [r[0] for r in conn.execute("SELECT version FROM meta.schema_migrations")]
        assert sorted(recorded) == _files()
        assert migrations.status(conn) == migrations.Status((), ())
        migrations.require_current(conn)
        marts = {p.stem for p in migrations.MARTS_DIR.glob("*.sql")}
        views = {r[0] for r in conn.execute("SELECT table_name FROM information_schema.views")}
        assert marts <= views


def test_require_current_names_the_command_and_changes_nothing(empty_dsn) -> None:
    with psycopg.connect(empty_dsn) as conn:
        with pytest.raises(migrations.MigrationsPending, match=migrations.COMMAND):
            migrations.require_current(conn)
        assert conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        ledger = conn.execute("SELECT to_regclass('meta.schema_migrations')").fetchone()
        assert ledger == (None,)


def test_a_migration_changed_after_it_was_applied_is_refused(empty_dsn, tmp_path: Path) -> None:
    first = tmp_path / "001_table.sql"
    first.write_text("CREATE TABLE public.t (x int);")
    with psycopg.connect(empty_dsn) as conn:
        assert migrations.migrate(conn, tmp_path) == ["001_table.sql"]
        (tmp_path / "002_more.sql").write_text("ALTER TABLE public.t ADD COLUMN y int;")
        assert migrations.status(conn, tmp_path).pending == ("002_more.sql",)
        first.write_text("CREATE TABLE public.t (x bigint);")
        assert migrations.status(conn, tmp_path).changed == ("001_table.sql",)
        with pytest.raises(migrations.MigrationError, match="changed") as refused:
            migrations.require_current(conn, tmp_path)
        assert not isinstance(refused.value, migrations.MigrationsPending)
        with pytest.raises(migrations.MigrationError, match="001_table.sql"):
            migrations.migrate(conn, tmp_path)


def test_a_failing_migration_applies_nothing(empty_dsn, tmp_path: Path) -> None:
    (tmp_path / "001_ok.sql").write_text("CREATE TABLE public.t (x int);")
    (tmp_path / "002_bad.sql").write_text("CREATE TABLE public.t (x int);")
    with psycopg.connect(empty_dsn) as conn:
        with pytest.raises(migrations.MigrationError, match="002_bad.sql"):
            migrations.migrate(conn, tmp_path)
        assert conn.execute("SELECT to_regclass('public.t')").fetchone() == (None,)


def test_command_line_checks_then_migrates(empty_dsn, monkeypatch, capsys) -> None:
    monkeypatch.setenv("HT_DW_DSN", empty_dsn)
    assert migrations.main(["--check"]) == 1
    assert migrations.COMMAND in capsys.readouterr().err
    assert migrations.main([]) == 0
    assert f"applied {len(_files())} migration(s)" in capsys.readouterr().out
    assert migrations.main(["--check"]) == 0
    assert migrations.main(["sideways"]) == 2
