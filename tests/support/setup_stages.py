"""hospital_setup's load stages run in-process, for tests of what setup leaves in a warehouse."""

from __future__ import annotations

import psycopg

from hospital_twin.config import HospitalConfig
from hospital_twin.io.lake import Lake
from hospital_twin.tasks import setup


def set_up(conn: psycopg.Connection, lake: Lake, config: HospitalConfig) -> None:
    """Reference, population and workforce, built and loaded as the DAG does, then committed
    (schedules aside: nothing refers to them)."""
    setup.load_reference(conn, config)
    setup.build_population(config, lake)
    setup.load_population(conn, lake)
    setup.build_workforce(config, lake)
    setup.load_workforce(conn, lake)
    conn.commit()
