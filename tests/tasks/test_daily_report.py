"""Each daily task's log ends with a short aligned summary of what it did to day D (no dict
dump), and a fallback is said once: pure formatting from the summaries the tasks return."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from hospital_twin.tasks import daily_report

DAY = dt.date(2024, 3, 2)
FLOW = {
    "started_from": "census at the end of 2024-03-01", "census_start": 80, "census_end": 84,
    "admissions": 30, "refused": 2, "discharges": 26, "moves": 3, "occupancy_pct": 84.0,
    "seconds": 1.5,
}  # fmt: skip
WARD_DAY = pd.DataFrame(
    {
        "sim_date": [DAY, DAY], "ward": ["Medicine", "ICU"], "beds": [60, 40],
        "occupancy_start": [50, 30], "occupancy_end": [54, 30], "peak_occupancy": [58, 33],
        "admissions": [20, 10], "discharges": [16, 10], "refusals": [2, 0], "waits": [4, 0],
        "mean_wait_hours": [2.5, 0.0], "overflow_in": [0, 1], "overflow_out": [1, 0],
        "moves_in": [0, 3], "moves_out": [3, 0],
    }
)  # fmt: skip


def _aligned(lines: list[str]) -> bool:
    """Rows of one block end in one column: the figures are right-aligned."""
    return len({len(line) for line in lines}) == 1


def test_visits_by_service_most_first_with_total_and_ambulances() -> None:
    summary = {"visits": 3210, "by_service": {"Outpatient": 2800, "Emergency Room": 410},
               "ambulance": 40, "seconds": 0.42}  # fmt: skip
    text = daily_report.visits_report(DAY, summary)
    lines = text.splitlines()
    assert lines[0] == f"visits of {DAY} by service (0.42 s):"
    assert [line.split()[0] for line in lines[1:3]] == ["Outpatient", "Emergency"]
    assert lines[3].split()[-1] == "3,210" and lines[4].split()[-1] == "40"
    assert _aligned(lines[1:]) and "{" not in text


def test_flow_gives_totals_waits_and_occupancy_per_ward() -> None:
    wards = daily_report.ward_rows(WARD_DAY)
    text = daily_report.flow_report(DAY, FLOW, wards)
    lines = text.splitlines()
    assert lines[0] == f"flow of {DAY} from the census at the end of 2024-03-01 (1.50 s):"
    totals = dict(re.match(r"  (.+?)  +(\S.*)$", line).groups() for line in lines[1:10])
    assert totals["refused (no bed)"] == "2" and totals["waited for a bed"] == "4"
    assert totals["mean wait (hours)"] == "2.50"  # 4 waits of 2.5 h, none in the ICU
    assert totals["occupancy at end"] == "84.0 %"
    assert _aligned(lines[1:10])
    per_ward = lines[lines.index(f"occupancy per ward at the end of {DAY}:") + 1 :]
    assert per_ward[0].split() == [
        "ward", "beds", "end", "occ", "%", "peak", "admitted", "refused", "waited", "mean",
        "wait", "h",
    ]  # fmt: skip
    assert per_ward[1].split() == ["Medicine", "60", "54", "90.0", "58", "20", "2", "4", "2.50"]
    assert per_ward[2].split() == ["ICU", "40", "30", "75.0", "33", "10", "0", "0", "–"]
    assert _aligned(per_ward) and "{" not in text


def test_the_first_days_warm_up_start_is_said_once() -> None:
    text = daily_report.flow_report(DAY, {**FLOW, "started_from": "warm-up state"}, [])
    assert text.count("warm-up") == 1 and text.startswith(f"flow of {DAY} from the warm-up")


def test_ingest_says_rows_and_refusals_and_an_earlier_load_once() -> None:
    summary = {"file": "/lake/processed/admissions_2024-03-02.csv", "rows": 32, "refused": 2}
    text = daily_report.ingest_report(DAY, summary)
    assert text.splitlines() == [
        f"admissions of {DAY} loaded from admissions_2024-03-02.csv:",
        "  rows loaded                32",
        "  of which refused (no bed)   2",
    ]
    again = daily_report.ingest_report(DAY, {**summary, "already_loaded": True})
    assert again.count("already loaded") == 1 and "already_loaded" not in again


def test_published_per_topic_with_total() -> None:
    counts = {"hospital.emergency_transports": 1200, "hospital.patient_transfers": 35}
    text = daily_report.published_report(DAY, counts)
    assert text.splitlines() == [
        f"events of {DAY} published, per topic:",
        "  hospital.emergency_transports  1,200",
        "  hospital.patient_transfers        35",
        "  total                          1,235",
    ]


def test_day_complete_lists_what_the_warehouse_holds() -> None:
    summary = {"sim_date": str(DAY), "visits": 3210, "admissions": 32, "events": 1235}
    text = daily_report.day_report(DAY, summary)
    assert text.splitlines()[0] == f"day {DAY} complete, in the warehouse:"
    assert [line.split()[-1] for line in text.splitlines()[1:]] == ["3,210", "32", "1,235"]
