"""The dashboard's queries without a warehouse: they live in read-only SQL files with bound
parameters, the session keeps the connection's settings and adds a statement timeout, and the
summary is shaped (ward picked, days clamped, latest and previous day) from plain rows."""

from __future__ import annotations

import json
import re

import pytest

from tests.plugins.dashboard_package import REPO, queries, summary

QUERY_NAMES = tuple(
    sorted(
        f.stem.removeprefix("dashboard_") for f in (REPO / "sql" / "queries").glob("dashboard_*")
    )
)
PARAMETERS = {"days", "run_id", "ward", "stream", "emergency_transport_topic",
              "patient_transfer_topic"}  # fmt: skip


@pytest.mark.parametrize("name", QUERY_NAMES)
def test_queries_live_in_sql_files_and_bind_parameters(name: str) -> None:
    text = queries.read_query(name)
    assert (REPO / "sql" / "queries" / f"dashboard_{name}.sql").read_text() == text
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))
    assert body.strip().upper().startswith(("SELECT", "WITH")), "the dashboard only reads"
    assert not re.search(r"\b(INSERT|UPDATE|DELETE|CREATE|DROP|ALTER)\b", body.upper())
    # Only named placeholders (bound by psycopg, which reads comments too); no str.format
    # fields, no stray %.
    assert "{" not in body
    assert set(re.findall(r"%(?:\((\w+)\)s|.)", text)) <= PARAMETERS


def test_read_query_rejects_path_tricks() -> None:
    with pytest.raises(ValueError):
        queries.read_query("../migrations/001_schemas")


def test_session_extras_keep_the_connections_settings_and_add_a_statement_timeout() -> None:
    extras = queries.session_extras({"sslmode": "require", "options": "-c search_path=dw"})
    assert extras["options"] == "-c search_path=dw -c statement_timeout=15000"
    assert extras["sslmode"] == "require"
    assert extras["connect_timeout"] == 5
    assert queries.session_extras({"connect_timeout": 30})["connect_timeout"] == 30
    assert queries.session_extras({})["options"] == "-c statement_timeout=15000"


def test_the_dashboard_reads_the_shared_warehouse_connection_id() -> None:
    from hospital_twin.contracts import DW_CONN_ID

    assert queries.DW_CONN_ID is DW_CONN_ID
    assert queries.connect.__defaults__ == (DW_CONN_ID,)


def test_pick_ward() -> None:
    recs = [
        {"ward": "A", "risk_at_configured": 0.1},
        {"ward": "B", "risk_at_configured": 0.4},
        {"ward": "C", "risk_at_configured": 0.4},
    ]
    assert summary.pick_ward(recs, "A") == "A"
    assert summary.pick_ward(recs, "nope") == "B"
    assert summary.pick_ward(recs, None) == "B"
    assert summary.pick_ward([], "A") is None


def test_clamp_days() -> None:
    assert queries.clamp_days(None) == queries.DEFAULT_DAYS
    assert queries.clamp_days(0) == 1
    assert queries.clamp_days(10**9) == queries.MAX_DAYS


def test_build_summary_empty_and_full() -> None:
    empty = summary.build_summary([], [], [], [], None, None)
    assert empty["has_data"] == {"daily": False, "capacity": False}
    assert empty["latest_day"] is None and empty["capacity"]["run"] is None

    kpis = [
        {"sim_date": "2099-01-01", "bed_occupancy_pct": 80.0},
        {"sim_date": "2099-01-02", "bed_occupancy_pct": 90.0},
    ]
    recs = [
        {"run_id": "r", "origin_date": "2099-01-02", "created_at": "t", "scenario": s, "ward": w,
         "configured_beds": 10, "recommended_beds": 12, "risk_at_configured": 0.2}
        for s in ("baseline", "surge") for w in ("X", "Y")
    ]  # fmt: skip
    s = summary.build_summary(kpis, [], recs, [], "Y", None)
    assert s["latest_day"]["sim_date"] == "2099-01-02"
    assert s["previous_day"]["sim_date"] == "2099-01-01"
    assert s["capacity"]["run"] == {"run_id": "r", "origin_date": "2099-01-02", "created_at": "t",
                                    "params": {}, "report_path": None}  # fmt: skip
    assert s["capacity"]["risk_target"] is None  # not recorded: no target line
    assert s["capacity"]["scenarios"] == ["baseline", "surge"]
    assert s["capacity"]["wards"] == ["X", "Y"]
    assert s["risk_curve"]["configured_beds"] == {"baseline": 10, "surge": 10}
    json.dumps(s)  # JSON-ready


def test_the_dashboard_reads_every_query_it_ships() -> None:
    """Each dashboard_*.sql is read by load_summary (no dead query files)."""
    source = (REPO / "plugins" / "hospital_dashboard" / "queries.py").read_text()
    assert len(QUERY_NAMES) >= 11
    for name in QUERY_NAMES:
        assert f'"{name}"' in source, name


def test_pick_run_defaults_to_the_newest_and_keeps_the_others() -> None:
    runs = [{"run_id": "new", "params": {"risk_target": 0.05}},
            {"run_id": "old", "params": {"risk_target": 0.2}}]  # fmt: skip
    assert summary.pick_run(runs, None)["run_id"] == "new"
    assert summary.pick_run(runs, "old")["run_id"] == "old"
    assert summary.pick_run(runs, "gone")["run_id"] == "new"
    assert summary.pick_run([], "old") is None
    assert summary.risk_target(runs[1]) == 0.2
    assert summary.risk_target({"params": {}}) is None and summary.risk_target(None) is None


def test_today_rows_say_beds_short_or_spare_for_the_target_in_the_baseline() -> None:
    wards = [{"ward": w, "beds": 10, "occupancy_end": 9} for w in ("A", "B", "C")]
    recs = [
        {"scenario": "winter", "ward": "A", "configured_beds": 10, "recommended_beds": 20},
        {"scenario": "baseline", "ward": "A", "configured_beds": 10, "recommended_beds": 13},
        {"scenario": "baseline", "ward": "B", "configured_beds": 10, "recommended_beds": 8},
        {"scenario": "baseline", "ward": "C", "configured_beds": 10, "recommended_beds": None},
    ]
    rows = {r["ward"]: r for r in summary.today_rows(wards, recs)}
    assert rows["A"]["short_spare"] == 3 and rows["A"]["scenario"] == "baseline"
    assert rows["B"]["short_spare"] == -2
    assert rows["C"]["short_spare"] is None and not rows["C"]["target_reached"]
    assert summary.today_rows(wards, [])[0]["scenario"] is None


def test_span_names_the_real_days() -> None:
    assert summary.span(["2099-01-01", "2099-01-14"]) == {
        "first": "2099-01-01", "last": "2099-01-14", "n": 2,
    }  # fmt: skip
    assert summary.span([])["n"] == 0
