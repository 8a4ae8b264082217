"""The people events may refer to: the stream processor lands events of known patients only."""

from __future__ import annotations

import psycopg
import pytest

from tests.support import dimensions

PATIENT_IDS = range(1000, 1400)


@pytest.fixture
def known_patients(scratch_dsn: str) -> range:
    """Persons 1000..1399 in the scratch warehouse's dw.dim_person."""
    with psycopg.connect(scratch_dsn) as conn:
        dimensions.seed(conn, person_ids=PATIENT_IDS)  # with their registered ID numbers
    return PATIENT_IDS
