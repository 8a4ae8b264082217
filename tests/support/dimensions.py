"""Dimension rows for tests that write facts without running setup.

The day facts refer to their dimensions (sql/migrations/051_fact_dimension_keys.sql): a test
that inserts visits, admissions or ward days into a scratch warehouse first needs the days,
wards, people and staff they name. `seed` adds minimal rows for exactly those keys (never
changing or removing existing ones, so tests sharing a warehouse do not disturb each other);
`remove` takes back the ones no fact refers to any more.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import psycopg

# Test numbers: 13 digits with month 00, which no real ID number has (9 people, 8 staff).
_PERSON_ID = "'9' || lpad(k::text, 12, '0')"
_STAFF_ID = (
    "'800' || lpad((('x' || left(md5(k), 10))::bit(40)::bigint %% 10000000000)::text, 10, '0')"
)

_SQL = {
    "days": """
        INSERT INTO dw.dim_date (date_key, year, quarter, month, day_of_week, is_weekend,
                                 is_holiday, season)
        SELECT k, extract(year FROM k), extract(quarter FROM k), extract(month FROM k),
               extract(isodow FROM k) - 1, extract(isodow FROM k) >= 6, false, 'test'
        FROM unnest(%s::date[]) AS k ON CONFLICT (date_key) DO NOTHING""",
    "wards": """
        INSERT INTO dw.dim_ward (ward, department, kind, beds)
        SELECT k, k, 'inpatient', 10 FROM unnest(%s::text[]) AS k ON CONFLICT (ward) DO NOTHING""",
    "people_ids": f"""
        INSERT INTO dw.sa_id_registry (sa_id, id_roll)
        SELECT {_PERSON_ID}, 'population' FROM unnest(%s::bigint[]) AS k
        WHERE NOT EXISTS (SELECT FROM dw.dim_person p WHERE p.person_id = k)
        ON CONFLICT (sa_id) DO NOTHING""",
    "people": f"""
        INSERT INTO dw.dim_person (person_id, sa_id, first_name, last_name, population_group,
                                   sex, birth_date, age, street_address, suburb, city,
                                   postal_code, province)
        SELECT k, {_PERSON_ID}, 'Test', 'Person', 'Test', 'F', date '1990-01-01', 34,
               '1 Test Street', 'Test', 'Test', '0000', 'Test'
        FROM unnest(%s::bigint[]) AS k ON CONFLICT (person_id) DO NOTHING""",
    "staff_ids": f"""
        INSERT INTO dw.sa_id_registry (sa_id, id_roll)
        SELECT {_STAFF_ID}, 'staff' FROM unnest(%s::text[]) AS k
        WHERE NOT EXISTS (SELECT FROM dw.dim_staff s WHERE s.staff_id = k)
        ON CONFLICT (sa_id) DO NOTHING""",
    "staff": f"""
        INSERT INTO dw.dim_staff (staff_id, sa_id, first_name, last_name, sex, birth_date,
                                  post_group, role, department, years_of_service,
                                  experience_level, status, id_roll)
        SELECT k, {_STAFF_ID}, 'Test', 'Staff', 'M', date '1980-01-01', 'Test', 'Test',
               'Test', 1, 'Junior', 'active', 'staff'
        FROM unnest(%s::text[]) AS k ON CONFLICT (staff_id) DO NOTHING""",
}

_REMOVE = {
    "staff": ("dw.dim_staff", "staff_id", "text"),
    "people": ("dw.dim_person", "person_id", "bigint"),
    "wards": ("dw.dim_ward", "ward", "text"),
    "days": ("dw.dim_date", "date_key", "date"),
}


def seed(
    conn: psycopg.Connection,
    *,
    days: Iterable[dt.date] = (),
    wards: Iterable[str] = (),
    person_ids: Iterable[int] = (),
    staff_ids: Iterable[str] = (),
) -> None:
    """Add the dimension rows facts naming these keys need (existing rows are left as they
    are), committed."""
    keys = {
        "days": list(days),
        "wards": list(wards),
        "people_ids": [int(k) for k in person_ids],
        "staff_ids": [str(k) for k in staff_ids],
    }
    keys["people"], keys["staff"] = keys["people_ids"], keys["staff_ids"]
    registry = conn.execute("SELECT to_regclass('dw.sa_id_registry') IS NOT NULL").fetchone()[0]
    with conn.transaction():
        for name, statement in _SQL.items():
            if name.endswith("_ids") and not registry:
                continue  # a warehouse from before 050_sa_id_registry.sql
            if keys[name]:
                conn.execute(statement, (keys[name],))
    conn.commit()


def remove(
    conn: psycopg.Connection,
    *,
    days: Iterable[dt.date] = (),
    wards: Iterable[str] = (),
    person_ids: Iterable[int] = (),
    staff_ids: Iterable[str] = (),
) -> None:
    """Delete these dimension rows where no fact refers to them any more, committed."""
    keys = {"staff": list(staff_ids), "people": list(person_ids), "wards": list(wards),
            "days": list(days)}  # fmt: skip
    for name, (table, column, kind) in _REMOVE.items():
        for key in keys[name]:
            try:
                with conn.transaction():
                    conn.execute(f"DELETE FROM {table} WHERE {column} = %s::{kind}", (key,))
            except psycopg.errors.ForeignKeyViolation:
                continue  # still referred to (another test's rows): left in place
    if not conn.execute("SELECT to_regclass('dw.sa_id_registry') IS NOT NULL").fetchone()[0]:
        conn.commit()
        return
    conn.execute(
        "DELETE FROM dw.sa_id_registry r WHERE substr(r.sa_id, 3, 2) = '00'"
        " AND NOT EXISTS (SELECT FROM dw.dim_person p WHERE p.sa_id = r.sa_id)"
        " AND NOT EXISTS (SELECT FROM dw.dim_staff s WHERE s.sa_id = r.sa_id)"
    )
    conn.commit()
