"""Shared fixtures: the test instance's services (started by scripts/test) and a clean warehouse."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator

import psycopg
import pytest

from hospital_twin.io import migrations
from tests.support.environment import require_env


@pytest.fixture(scope="session")
def pg_admin_dsn() -> str:
    """The cluster's local admin (trusted on 127.0.0.1 only), for creating scratch databases."""
    return f"postgresql://postgres@127.0.0.1:{require_env('HT_PG_PORT')}/postgres"


@contextlib.contextmanager
def scratch_database(pg_admin_dsn: str) -> Iterator[str]:
    """A fresh, migrated warehouse database (its DSN), dropped afterwards."""
    name = f"hospital_it_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_admin_dsn, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}" OWNER hospital_writer')
    dsn = require_env("HT_DW_DSN").rsplit("/", 1)[0] + f"/{name}"
    try:
        with psycopg.connect(dsn) as conn:
            migrations.migrate(conn)  # the one runner, as scripts/stack and compose's init job
        yield dsn
    finally:
        with psycopg.connect(pg_admin_dsn, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def scratch_dsn(pg_admin_dsn: str):
    """A fresh, migrated warehouse database for this test session, shared by its tests (a
    module that needs one nobody else has written into overrides it with `scratch_database`)."""
    with scratch_database(pg_admin_dsn) as dsn:
        yield dsn


@pytest.fixture
def empty_dsn(pg_admin_dsn: str):
    """An empty, unmigrated database owned by the warehouse's writer role, dropped afterwards."""
    name = f"hospital_empty_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_admin_dsn, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}" OWNER hospital_writer')
    yield require_env("HT_DW_DSN").rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(pg_admin_dsn, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def dw(scratch_dsn: str):
    with psycopg.connect(scratch_dsn) as conn:
        yield conn


@pytest.fixture(scope="session")
def kafka_bootstrap() -> str:
    return require_env("HT_KAFKA_BOOTSTRAP")
