"""The admissions batch: a good file loads idempotently, a bad one is quarantined with reasons."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from hospital_twin.io import manifest
from hospital_twin.io.ingest import IngestError, ingest_admissions
from hospital_twin.io.lake import Lake
from tests.io.bad_admissions import DAY, REFS, good_frame, seed_references

pytestmark = pytest.mark.integration


@pytest.fixture
def lake(tmp_path) -> Lake:
    return Lake(tmp_path / "lake").ensure()


def stage(dw, lake: Lake, frame: pd.DataFrame, day: dt.date = DAY) -> None:
    """Write the batch file and its manifest as simulate_flow does, and commit the record."""
    seed_references(dw)
    frame.to_csv(lake.admissions(day), index=False)
    manifest.write_manifest(dw, lake.admissions(day), day)
    dw.commit()


def failed_files(lake: Lake) -> list:
    return sorted(lake.root.joinpath("failed").glob(f"admissions_{DAY}.*.csv"))


def test_valid_file_loads_and_a_rerun_replaces_the_day(dw, lake: Lake) -> None:
    for _ in range(2):
        stage(dw, lake, good_frame())
        summary = ingest_admissions(dw, lake, DAY, REFS)
        assert summary["rows"] == 5 and summary["refused"] == 1
    count = dw.execute("SELECT count(*) FROM dw.fact_admission WHERE sim_date = %s", (DAY,))
    assert count.fetchone()[0] == 5
    assert (lake.root / "processed" / f"admissions_{DAY}.csv").exists()
    assert not lake.admissions(DAY).exists()


def test_bad_rows_are_named_and_the_file_quarantined_with_a_reason(dw, lake: Lake) -> None:
    frame = good_frame().astype({"arrival_time": str, "wait_hours": object})
    frame.loc[1, "ward"] = "Maternity"
    frame.loc[2, "arrival_time"] = "yesterday"
    frame.loc[3, "wait_hours"] = -2
    frame.loc[0, "admitting_doctor_id"] = "S99999"
    frame.loc[4, "person_id"] = 999
    stage(dw, lake, frame)
    count = "SELECT count(*) FROM dw.fact_admission WHERE sim_date = %s"
    before = dw.execute(count, (DAY,)).fetchone()[0]
    with pytest.raises(IngestError) as err:
        ingest_admissions(dw, lake, DAY, REFS)
    message = str(err.value)
    assert "5 problem(s) in 5 of 5 row(s)" in message
    assert "row 6 (A20240201-00005): person_id: is not a known person" in message
    assert "row 3 (A20240201-00002): ward: is not a known ward" in message
    assert "row 4 (A20240201-00003): arrival_time: is not a timestamp" in message
    assert "row 5 (A20240201-00004): wait_hours: is negative" in message
    assert "row 2 (A20240201-00001): admitting_doctor_id: is not a known staff member" in message
    [failed] = failed_files(lake)
    assert "is not a known ward" in failed.with_name(failed.name + ".reason").read_text()
    rejects = dw.execute(
        "SELECT rejected_rows FROM meta.ingest_rejects WHERE file_name = %s", (failed.name,)
    ).fetchall()
    assert rejects[-1][0] == 5
    assert dw.execute(count, (DAY,)).fetchone()[0] == before  # the day was left untouched


def test_missing_columns_and_unparseable_files_are_refused(dw, lake: Lake) -> None:
    stage(dw, lake, good_frame().drop(columns=["status"]))
    with pytest.raises(IngestError, match=r"header: missing column\(s\) \['status'\]"):
        ingest_admissions(dw, lake, DAY, REFS)
    lake.admissions(DAY).write_bytes(b"\xff\xfe\x00garbage")
    manifest.write_manifest(dw, lake.admissions(DAY), DAY)
    dw.commit()
    with pytest.raises(IngestError, match="cannot be parsed as CSV|missing column"):
        ingest_admissions(dw, lake, DAY, REFS)
    assert len(failed_files(lake)) == 2, "failed/ keeps every rejected file"


def test_a_missing_file_names_the_task_to_run_first(dw, lake: Lake) -> None:
    with pytest.raises(IngestError, match="run the simulate_day task for 2024-02-01 first"):
        ingest_admissions(dw, lake, DAY, REFS)
