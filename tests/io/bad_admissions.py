"""The catalogue of bad admissions files: how each is made, and what its rejection must say.

Each case starts from a valid day (`good_frame`): `rows` breaks the frame before the file and
its manifest are written (a producer that wrote bad data), `tamper` changes the lake or the
warehouse afterwards (a file cut, emptied, swapped or grown after it was written). The tests
(tests/io/test_bad_inputs.py) and benchmarks/bench_faults.py run every case.
"""

# ruff: noqa: E501 (the catalogue reads best one case a line)
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import psycopg

from hospital_twin.contracts import ADMISSION_COLUMNS
from hospital_twin.io import ingest, manifest
from hospital_twin.io.lake import Lake
from tests.support import dimensions

DAY = dt.date(2024, 2, 1)
OTHER_DAY = dt.date(2024, 1, 31)
REFS = ingest.References(
    wards={"ICU", "Medicine"},
    triage_levels={"Critical", "Mild"},
    person_ids=range(100, 200),
    staff_ids={"S00001", "S00002"},
)


def good_frame(n: int = 5, day: dt.date = DAY, first: int = 1) -> pd.DataFrame:
    """n valid admissions of `day` (the last one refused a bed)."""
    arrival = pd.Timestamp(f"{day} 08:00") + pd.to_timedelta(range(n), unit="h")
    ids = [f"A{day:%Y%m%d}-{i:05d}" for i in range(first, first + n)]
    return pd.DataFrame({
        "admission_id": ids, "visit_id": [i.replace("A", "V", 1) for i in ids],
        "person_id": range(100, 100 + n), "sim_date": str(day), "arrival_time": arrival,
        "triage_level": "Critical", "department": "Medicine", "source": "ED",
        "requested_ward": "Medicine", "ward": ["Medicine"] * (n - 1) + [None],
        "admitted_at": list(arrival[:-1] + pd.Timedelta(minutes=30)) + [pd.NaT],
        "expected_discharge_at": list(arrival[:-1] + pd.Timedelta(days=3)) + [pd.NaT],
        "discharged_at": pd.NaT, "status": ["admitted"] * (n - 1) + ["refused"],
        "wait_hours": 0.5, "los_days": [3.0] * (n - 1) + [None],
        "admitting_doctor_id": "S00001", "admitting_nurse_id": "S00002",
    })[ADMISSION_COLUMNS]  # fmt: skip


def seed_references(conn: psycopg.Connection) -> None:
    """The days, wards, people and staff of REFS as dimension rows: what the facts' foreign keys
    need for a valid file to load (the ingest checks REFS, the warehouse its dimensions)."""
    dimensions.seed(
        conn, days=[OTHER_DAY, DAY], wards=REFS.wards, person_ids=REFS.person_ids,
        staff_ids=REFS.staff_ids,
    )  # fmt: skip


def stage(conn: psycopg.Connection, lake: Lake, frame: pd.DataFrame, day: dt.date = DAY) -> None:
    """Write the batch file and its manifest as simulate_flow does, and commit the record."""
    seed_references(conn)
    frame.to_csv(lake.admissions(day), index=False)
    manifest.write_manifest(conn, lake.admissions(day), day)
    conn.commit()


@dataclass(frozen=True)
class Case:
    name: str
    expected: str  # part of the error: names the file part, row, field or limit
    rows: Callable[[pd.DataFrame], pd.DataFrame] | None = None
    tamper: Callable[[psycopg.Connection, Lake], None] | None = None


def _set(row: int, field: str, value: object) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def change(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.astype({field: object})
        frame.loc[row, field] = value
        return frame

    return change


def _file(change: Callable[[bytes], bytes]) -> Callable[[psycopg.Connection, Lake], None]:
    def tamper(_conn: psycopg.Connection, lake: Lake) -> None:
        path = lake.admissions(DAY)
        path.write_bytes(change(path.read_bytes()))

    return tamper


def _rewrite_manifest(
    change: Callable[[bytes], bytes],
) -> Callable[[psycopg.Connection, Lake], None]:
    """Change the file and write a matching manifest file (but not the warehouse's record)."""

    def tamper(_conn: psycopg.Connection, lake: Lake) -> None:
        path = lake.admissions(DAY)
        path.write_bytes(change(path.read_bytes()))
        fake = manifest.Manifest(
            path.name, manifest.data_rows(path), manifest.file_sha256(path), str(DAY), "forged"
        )
        manifest.manifest_path(path).write_text(json.dumps(fake.__dict__))

    return tamper


def _produced(change: Callable[[bytes], bytes]) -> Callable[[psycopg.Connection, Lake], None]:
    """A producer that wrote these bytes, with a true manifest and record."""

    def tamper(conn: psycopg.Connection, lake: Lake) -> None:
        _file(change)(conn, lake)
        manifest.write_manifest(conn, lake.admissions(DAY), DAY)
        conn.commit()

    return tamper


def _lines(keep: slice) -> Callable[[bytes], bytes]:
    return lambda data: b"".join(data.splitlines(keepends=True)[keep])


def _grown(data: bytes) -> bytes:
    head, *rows = data.splitlines(keepends=True)
    copies = 50 * 1024 * 1024 // len(b"".join(rows)) + 1
    return head + b"".join(rows) * copies


def _drop_manifest(_conn: psycopg.Connection, lake: Lake) -> None:
    manifest.manifest_path(lake.admissions(DAY)).unlink()


def _garble_manifest(_conn: psycopg.Connection, lake: Lake) -> None:
    manifest.manifest_path(lake.admissions(DAY)).write_text("{not json")


def _forget_simulation(conn: psycopg.Connection, _lake: Lake) -> None:
    conn.execute("DELETE FROM meta.batch_manifest WHERE sim_date = %s", (DAY,))
    conn.commit()


def _other_days_file(conn: psycopg.Connection, lake: Lake) -> None:
    """D-1's file put in place of D's, with D-1's manifest."""
    frame = good_frame(day=OTHER_DAY)
    frame.to_csv(lake.admissions(DAY), index=False)
    manifest.write_manifest(conn, lake.admissions(DAY), OTHER_DAY)
    conn.commit()


def _id_of_another_day(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame.loc[0, "admission_id"] = f"A{OTHER_DAY:%Y%m%d}-00001"  # loaded for D-1 by the test
    return frame


def _duplicate_id(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame.loc[1, "admission_id"] = frame.loc[0, "admission_id"]
    return frame


CASES = [
    Case("cut_at_line_boundary", "manifest: rows is 5 but the file has 3", tamper=_file(_lines(slice(0, 4)))),
    Case("cut_mid_row", "manifest: sha256", tamper=_file(lambda d: d[: len(d) - 40])),
    Case("header_only", "manifest: rows is 5 but the file has 0", tamper=_file(_lines(slice(0, 1)))),
    Case("header_only_forged_manifest", "recorded 5 rows", tamper=_rewrite_manifest(_lines(slice(0, 1)))),
    Case("rows_appended_forged_manifest", "recorded 5 rows", tamper=_rewrite_manifest(lambda d: d + d.splitlines(keepends=True)[1])),
    Case("file_of_50_mb", "byte limit of a batch", tamper=_file(_grown)),
    Case("manifest_missing", "manifest.json is missing", tamper=_drop_manifest),
    Case("manifest_not_json", "is not a valid manifest", tamper=_garble_manifest),
    Case("day_never_simulated", "no simulation of 2024-02-01 is recorded", tamper=_forget_simulation),
    Case("another_days_file", "manifest: sim_date is '2024-01-31'", tamper=_other_days_file),
    Case("empty_file", "manifest: rows", tamper=_file(lambda d: b"")),
    Case("non_utf8_bytes", "cannot be parsed as CSV", tamper=_produced(lambda d: d.replace(b"Medicine", b"Medic\xffne"))),
    Case("missing_column", "header: missing column(s) ['status']", rows=lambda f: f.drop(columns=["status"])),
    Case("unexpected_column", "header: unexpected column(s) ['comment']", rows=lambda f: f.assign(comment="x")),
    Case("id_loaded_for_another_day", "row 2 (A20240131-00001): admission_id: already loaded for 2024-01-31", rows=_id_of_another_day),
    Case("duplicate_id", "admission_id: is duplicated", rows=_duplicate_id),
    Case("unknown_ward", "row 3 (A20240201-00002): ward: is not a known ward", rows=_set(1, "ward", "Maternity")),
    Case("number_not_a_number", "row 4 (A20240201-00003): wait_hours: is not a number", rows=_set(2, "wait_hours", "abc")),
    Case("negative_wait", "row 5 (A20240201-00004): wait_hours: is negative", rows=_set(3, "wait_hours", -2)),
    Case("not_a_timestamp", "row 2 (A20240201-00001): arrival_time: is not a timestamp", rows=_set(0, "arrival_time", "yesterday")),
    Case("row_of_another_day", "sim_date: is not the file's day 2024-02-01", rows=_set(0, "sim_date", "2024-02-02")),
    Case("unknown_status", "status: is not one of", rows=_set(0, "status", "=cmd|' /C calc'!A0")),
    Case("unknown_triage_level", "triage_level: is not a configured triage level", rows=_set(0, "triage_level", "Red")),
    Case("unknown_person", "person_id: is not a known person", rows=_set(0, "person_id", 999)),
    Case("person_id_not_integer", "person_id: is not an integer", rows=_set(0, "person_id", "1e99x")),
    Case("unknown_staff", "admitting_doctor_id: is not a known staff member", rows=_set(0, "admitting_doctor_id", "S99999")),
    Case("required_field_empty", "department: is empty", rows=_set(0, "department", None)),
    Case("discharged_before_admitted", "discharged_at: is before admitted_at", rows=_set(0, "discharged_at", "2024-02-01 07:00")),
    Case("placed_without_ward", "ward: is empty for a placed patient", rows=_set(0, "ward", None)),
    Case("nul_in_text", "load: the warehouse refused the file", rows=_set(0, "source", "E\x00D")),
]  # fmt: skip
