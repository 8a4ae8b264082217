"""The people events may refer to: the stream processor lands events of known patients only."""

from __future__ import annotations

import psycopg
import pytest

PATIENT_IDS = range(1000, 1400)


@pytest.fixture
def known_patients(scratch_dsn: str) -> range:
    """Persons 1000..1399 in the scratch warehouse's dw.dim_person."""
    with psycopg.connect(scratch_dsn) as conn:
        conn.execute(
            "INSERT INTO dw.dim_person SELECT i, lpad(i::text, 13, '0'), 'Thandi', 'Mokoena', "
            "'Black African', 'F', '1990-01-01', 34, '1 Main Rd', 'Soweto', 'Johannesburg', "
            "'1804', 'Gauteng' FROM unnest(%s::bigint[]) i ON CONFLICT DO NOTHING",
            (list(PATIENT_IDS),),
        )
    return PATIENT_IDS
