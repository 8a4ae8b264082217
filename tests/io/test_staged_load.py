"""A staged copy (`staged_load.build`) is written frozen, so the checks after it read it cheaply.

The default profile's people and illness profiles are built on side connections and read
again by the key checks before the swap (issue 11). A plain COPY leaves each row to be stamped
committed by the first scan that reads it (every page of 3,000,000 people dirtied and written
again); `COPY ... FREEZE` into the table created in the same transaction writes the rows
frozen and marks the pages all-visible in the visibility map at once.
"""

from __future__ import annotations

import psycopg
import pytest

from hospital_twin.io import migrations, staged_load
from hospital_twin.setup import illness

pytestmark = pytest.mark.integration


@pytest.fixture
def fresh(empty_dsn: str):
    with psycopg.connect(empty_dsn) as conn:
        migrations.migrate(conn)
        conn.commit()
        yield conn


def test_a_staged_copy_is_written_frozen_and_all_visible(fresh) -> None:
    columns = [
        r[0]
        for r in fresh.execute(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_schema = 'dw' AND table_name = 'dim_condition'"
            " AND is_generated = 'NEVER' ORDER BY ordinal_position"
        )
    ]
    staged_load.build(fresh, "dw.dim_condition", illness.condition_catalogue()[columns])
    fresh.commit()
    copy = "dw_load.dim_condition"
    rows = fresh.execute(f"SELECT count(*) FROM {copy}").fetchone()[0]
    # the visibility map is written by COPY FREEZE; a plain COPY leaves none until a vacuum
    vm = fresh.execute("SELECT pg_relation_size(%s, 'vm')", (copy,)).fetchone()[0]
    assert rows == len(illness.condition_catalogue()) and vm > 0
    staged_load.drop_staged(fresh, ["dw.dim_condition"])
    fresh.commit()
