"""The few things every task needs from Airflow: the warehouse connection and the lake.

Every task process parses its DAG file before it runs, so this module imports nothing heavy
at the top (psycopg, and pandas through the lake, load when a task first asks for them).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import psycopg

    from hospital_twin.io.lake import Lake

log = logging.getLogger(__name__)


@contextlib.contextmanager
def warehouse() -> Iterator[psycopg.Connection]:
    """A psycopg 3 connection from the Airflow connection `hospital_dw`, closed afterwards.

    The postgres provider builds it (with SQLAlchemy 2 installed its hook speaks psycopg 3), so
    everything the connection says reaches libpq, its extras (sslmode, options, ...) included,
    and the connection is defined once: in the AIRFLOW_CONN_HOSPITAL_DW variable or the
    metastore. Like `psycopg.connect` used as a context manager, it commits on success and
    rolls back on an exception.
    """
    from airflow.providers.postgres.hooks.postgres import PostgresHook

    from hospital_twin.contracts import DW_CONN_ID

    with PostgresHook(postgres_conn_id=DW_CONN_ID).get_conn() as conn:
        yield conn


def lake() -> Lake:
    """The data lake from $HT_LAKE: where every task reads and writes its files."""
    from hospital_twin.io.lake import Lake

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


@contextlib.contextmanager
def stage(title: str) -> Iterator[None]:
    """One stage of a coarse task as a foldable section of its log in the Airflow UI.

    Airflow's log view folds the lines between `::group::` and `::endgroup::`; a stage's own
    summary lines go inside, its duration on the closing line.
    """
    log.info("::group::%s", title)
    t0 = time.perf_counter()
    try:
        yield
    finally:
        log.info("::endgroup::")
        log.info("%s: %.2f s", title, time.perf_counter() - t0)
