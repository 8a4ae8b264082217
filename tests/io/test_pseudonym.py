"""The analyst's pseudonym is keyed per install: not an md5 of the id, not the same elsewhere."""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest

from hospital_twin.io import migrations
from tests.support import dimensions

pytestmark = pytest.mark.integration
PSEUDONYM = "SELECT patient_pseudonym FROM mart.admissions_pseudonymised WHERE admission_id = %s"


def _admit(conn: psycopg.Connection, person_id: int) -> None:
    dimensions.seed(conn, days=[dt.date(2024, 1, 1)], wards=["Medicine"], person_ids=[person_id])
    conn.execute(
        "INSERT INTO dw.fact_admission (admission_id, person_id, sim_date, arrival_time, "
        "triage_level, department, source, requested_ward, status, wait_hours) VALUES "
        "('A-pseudo', %s, '2024-01-01', '2024-01-01 08:00', 'Mild', 'Medicine', 'ED', "
        "'Medicine', 'refused', 0) ON CONFLICT DO NOTHING",
        (person_id,),
    )


def test_the_pseudonym_is_an_hmac_with_the_install_secret(dw) -> None:
    _admit(dw, 4242)
    pseudonym = dw.execute(PSEUDONYM, ("A-pseudo",)).fetchone()[0]
    unsalted = dw.execute("SELECT md5('hospital-twin:' || 4242::text)").fetchone()[0]
    keyed = dw.execute(
        "SELECT encode(hmac('4242'::bytea, secret, 'sha256'), 'hex') FROM meta.pseudonym_key"
    ).fetchone()[0]
    assert pseudonym == keyed != unsalted
    assert len(dw.execute("SELECT secret FROM meta.pseudonym_key").fetchone()[0]) == 32


def test_each_install_has_its_own_key(dw, empty_dsn) -> None:
    with psycopg.connect(empty_dsn) as other:
        migrations.migrate(other)
        _admit(other, 4242)
        elsewhere = other.execute(PSEUDONYM, ("A-pseudo",)).fetchone()[0]
    _admit(dw, 4242)
    assert dw.execute(PSEUDONYM, ("A-pseudo",)).fetchone()[0] != elsewhere


def test_the_analyst_reads_the_mart_but_not_the_key(scratch_dsn) -> None:
    import os

    password = os.environ.get("HT_ANALYST_PASSWORD")
    if not password:
        pytest.skip("HT_ANALYST_PASSWORD is not set (scripts/env.sh sets it)")
    dsn = scratch_dsn.replace(
        scratch_dsn.split("//")[1].split("@")[0], f"hospital_analyst:{password}"
    )
    with psycopg.connect(dsn) as analyst:
        analyst.execute("SELECT count(*) FROM mart.admissions_pseudonymised").fetchone()
        analyst.rollback()
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            analyst.execute("SELECT secret FROM meta.pseudonym_key")
