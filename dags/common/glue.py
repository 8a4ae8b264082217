"""The few things every task needs from Airflow: the warehouse connection and the lake."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator

import psycopg

from hospital_twin.contracts import DW_CONN_ID
from hospital_twin.io.lake import Lake


@contextlib.contextmanager
def warehouse() -> Iterator[psycopg.Connection]:
    """A psycopg connection from the Airflow connection `hospital_dw`."""
    from airflow.providers.postgres.hooks.postgres import PostgresHook

    uri = PostgresHook(postgres_conn_id=DW_CONN_ID).get_uri()
    dsn = "postgresql://" + uri.split("://", 1)[1]
    with psycopg.connect(dsn) as conn:
        yield conn


def lake() -> Lake:
    return Lake.from_env()


def sim_day(logical_date) -> dt.date:
    """The simulated day D of a run: its logical date."""
    if logical_date is None:
        raise ValueError(
            "this run has no logical date, which is the simulated day: trigger it with a "
            "logical date, or backfill a range of dates"
        )
    if hasattr(logical_date, "date"):
        return logical_date.date()
    return dt.date.fromisoformat(str(logical_date)[:10])
