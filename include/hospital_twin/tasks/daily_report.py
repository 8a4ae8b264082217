"""The closing lines of each daily task's log: what the task did to day D, in a few aligned rows.

Pure formatting of the summaries the tasks in `tasks/daily.py` return (plus the flow's rows
per ward), so a person reading a task log sees arrivals by service, admissions, refusals,
waits and occupancy per ward, or events per topic, instead of a dict; a fallback (the first
day's warm-up state, a file an earlier try already loaded) is said once, in the title.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from hospital_twin.tasks import log_summary

WARD_COLUMNS = {  # dw.fact_ward_day's column (occupancy_pct derived) -> header in the log
    "ward": "ward",
    "beds": "beds",
    "occupancy_end": "end",
    "occupancy_pct": "occ %",
    "peak_occupancy": "peak",
    "admissions": "admitted",
    "refusals": "refused",
    "waits": "waited",
    "mean_wait_hours": "mean wait h",
}


def visits_report(day: dt.date, summary: Mapping[str, Any]) -> str:
    """generate_visits: D's visits per service (most first), the total and the ambulances."""
    by_service = sorted(summary["by_service"].items(), key=lambda kv: (-kv[1], kv[0]))
    figures = {**dict(by_service), "total": summary["visits"], "by ambulance": summary["ambulance"]}
    return log_summary.summary(f"visits of {day} by service ({_seconds(summary)})", figures)


def ward_rows(ward_day: pd.DataFrame) -> list[dict[str, Any]]:
    """The flow's rows per ward (dw.fact_ward_day) as plain records for flow_report."""
    return [
        {k: _plain(v) for k, v in row.items() if k in WARD_COLUMNS}
        for row in ward_day.to_dict("records")
    ]


def flow_report(day: dt.date, summary: Mapping[str, Any], wards: Sequence[Mapping]) -> str:
    """simulate_flow: the day's totals (census, admissions, refusals, waits, occupancy), then
    one row per ward. Where the day started (the first day's warm-up state, else the census
    of D-1) is said once, in the title."""
    waited = sum(w["waits"] for w in wards)
    wait_hours = sum(w["waits"] * (w["mean_wait_hours"] or 0.0) for w in wards)
    figures = {
        "census at start": summary["census_start"],
        "admitted (own or another ward)": summary["admissions"],
        "refused (no bed)": summary["refused"],
        "waited for a bed": waited,
        "mean wait (hours)": wait_hours / waited if waited else "–",
        "discharged": summary["discharges"],
        "moved between wards": summary["moves"],
        "census at end": summary["census_end"],
        "occupancy at end": f"{summary['occupancy_pct']:.1f} %",
    }
    title = f"flow of {day} from the {summary['started_from']} ({_seconds(summary)})"
    rows = [[w.get(k, "–") for k in WARD_COLUMNS] for w in map(_ward_figures, wards)]
    per_ward = log_summary.table(
        f"occupancy per ward at the end of {day}", list(WARD_COLUMNS.values()), rows
    )
    return "\n".join([log_summary.summary(title, figures), per_ward])


def ingest_report(day: dt.date, summary: Mapping[str, Any]) -> str:
    """ingest: rows loaded and refused admissions; a file an earlier try of the task already
    loaded (the retry found it committed) is said in the title."""
    name = str(summary["file"]).rsplit("/", 1)[-1]
    title = f"admissions of {day} loaded from {name}"
    if summary.get("already_loaded"):
        title += " (already loaded by an earlier try: nothing reloaded)"
    figures = {"rows loaded": summary["rows"], "of which refused (no bed)": summary["refused"]}
    return log_summary.summary(title, figures)


def published_report(day: dt.date, counts: Mapping[str, int]) -> str:
    """publish_events' bookkeeping: events per topic and their total."""
    figures = {**counts, "total": sum(counts.values())}
    return log_summary.summary(f"events of {day} published, per topic", figures)


def day_report(day: dt.date, summary: Mapping[str, Any]) -> str:
    """retrain_and_record: what the warehouse holds for the completed day."""
    figures = {k: summary[k] for k in ("visits", "admissions", "events")}
    return log_summary.summary(f"day {day} complete, in the warehouse", figures)


def _ward_figures(ward: Mapping[str, Any]) -> dict[str, Any]:
    """A ward's row: its occupancy in % of its beds; a mean wait only where someone waited."""
    figures = {k: v for k, v in ward.items() if k != "mean_wait_hours"}
    if ward["beds"]:
        figures["occupancy_pct"] = f"{100 * ward['occupancy_end'] / ward['beds']:.1f}"
    if ward["waits"]:
        figures["mean_wait_hours"] = ward["mean_wait_hours"]
    return figures


def _seconds(summary: Mapping[str, Any]) -> str:
    return f"{summary['seconds']:.2f} s"


def _plain(value: Any) -> Any:
    """numpy scalars as Python numbers, so the log's figures format as ints and floats."""
    return value.item() if hasattr(value, "item") else value
