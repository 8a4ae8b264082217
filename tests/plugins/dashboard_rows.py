"""Seed rows for the capacity dashboard, shared by the scratch-warehouse test in
tests/plugins/test_dashboard_warehouse.py and by tests/browser/test_dashboard.py against the running
test instance's warehouse. Days are far in the future so they are the "latest" ones even in a
warehouse holding simulated data; everything is tagged so it can be deleted afterwards."""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime, timedelta

from hospital_twin.io import warehouse

SEED_DAYS = [date(2099, 12, 25) + timedelta(days=i) for i in range(7)]
SEED_RUN_CREATED = datetime(2099, 12, 31, 12, 0, tzinfo=UTC)


def seed_wards(tag: str) -> dict[str, tuple[int, int]]:
    """ward -> (beds, occupied at the end of the last seeded day). One name needs escaping."""
    return {
        f"HTT {tag} Surgery <A&B>": (20, 18),
        f"HTT {tag} ICU": (6, 6),
        f"HTT {tag} Medicine": (30, 21),
    }


def _p_over(beds: int, mid: float, scale: float) -> float:
    return round(1.0 / (1.0 + math.exp((beds - mid) / scale)), 4)


SEED_CURVES = {  # (ward suffix, scenario) -> (mid, scale) of a logistic risk curve
    ("Surgery", "baseline"): (19.0, 0.9),
    ("Surgery", "winter_peak"): (21.0, 1.0),
    ("ICU", "baseline"): (6.5, 0.6),
    ("ICU", "winter_peak"): (7.5, 0.6),
    ("Medicine", "baseline"): (24.0, 1.2),
    ("Medicine", "winter_peak"): (26.0, 1.2),
}
TARGET = 0.05


def seed_expectations(tag: str) -> dict:
    """What the dashboard must show for the seeded rows."""
    wards = seed_wards(tag)
    recs = []
    curves = {}
    for ward, (beds, _) in wards.items():
        suffix = next(s for s in ("Surgery", "ICU", "Medicine") if s in ward)
        for scenario in ("baseline", "winter_peak"):
            mid, scale = SEED_CURVES[(suffix, scenario)]
            pts = [(b, _p_over(b, mid, scale)) for b in range(max(beds - 4, 0), beds + 7)]
            curves[(scenario, ward)] = pts
            recommended = next((b for b, p in pts if p <= TARGET), None)
            recs.append(
                {
                    "scenario": scenario,
                    "ward": ward,
                    "configured_beds": beds,
                    "recommended_beds": recommended,
                    "risk_at_configured": _p_over(beds, mid, scale),
                }
            )
    occupied = sum(o for _, o in wards.values())
    beds = sum(b for b, _ in wards.values())
    return {
        "wards": wards,
        "recommendations": recs,
        "curves": curves,
        "run_id": f"htt-{tag}",
        "latest_day": SEED_DAYS[-1].isoformat(),
        "occupancy_pct": round(occupied / beds * 100, 2),
        "ed_arrivals": 5,
        "ambulance_arrivals": 2,
        "mean_los_days": 3.0,
        "top_risk_ward": max(recs, key=lambda r: (r["risk_at_configured"], r["ward"]))["ward"],
    }


_FILL = {"integer": 0, "bigint": 0, "smallint": 0, "double precision": 0.0, "numeric": 0,
         "boolean": False, "text": ""}  # fmt: skip


def _insert(conn, table: str, rows: list[dict]) -> None:
    """INSERT dict rows. NOT NULL columns the rows do not name (the schema grows while the
    dashboard reads only a few) get a neutral value: 0, false or ''."""
    schema, name = table.split(".")
    required = conn.execute(
        "SELECT column_name, data_type FROM information_schema.columns"
        " WHERE table_schema = %s AND table_name = %s AND is_nullable = 'NO'"
        " AND column_default IS NULL",
        (schema, name),
    ).fetchall()
    extra = {c: _FILL[t] for c, t in required if c not in rows[0] and t in _FILL}
    columns = [*rows[0], *extra]
    warehouse.insert_rows(conn, table, [[*r.values(), *extra.values()] for r in rows], columns)


def seed_dashboard_rows(conn, tag: str) -> dict:
    """Insert a week of ward days, ED visits, discharges and a capacity run; returns what the
    dashboard must show."""
    exp = seed_expectations(tag)
    last = SEED_DAYS[-1]
    ward_days = []
    for i, day in enumerate(SEED_DAYS):
        for ward, (beds, occ_last) in exp["wards"].items():
            occ = max(0, occ_last - (len(SEED_DAYS) - 1 - i) % 3)
            ward_days.append(
                {"sim_date": day, "ward": ward, "beds": beds, "occupancy_start": occ,
                 "occupancy_end": occ, "peak_occupancy": min(beds, occ + 1), "admissions": 3,
                 "discharges": 3, "refusals": i % 2, "waits": 1, "mean_wait_hours": 1.5}
            )  # fmt: skip
    _insert(conn, "dw.fact_ward_day", ward_days)
    t0 = datetime(last.year, last.month, last.day, 8, 0)
    visits = [
        {"visit_id": f"htt-{tag}-v{n}", "sim_date": last, "person_id": 900_000_000 + n,
         "age": 40, "sex": "F", "arrival_time": t0 + timedelta(minutes=10 * n),
         "service": "Emergency Room", "condition": "Test condition", "category": "Test",
         "severity": 3, "department": "Medicine", "triage_level": "Yellow",
         "triage_minutes": 12.0, "arrival_mode": "ambulance" if n < 2 else "walk-in",
         "is_emergency": n < 2}
        for n in range(5)
    ]  # fmt: skip
    _insert(conn, "dw.fact_visit", visits)
    ward0 = next(iter(exp["wards"]))
    _insert(
        conn,
        "dw.fact_discharge",
        [
            {"sim_date": last, "admission_id": f"htt-{tag}-a{n}", "person_id": 900_000_100 + n,
             "ward": ward0, "admitted_at": t0 - timedelta(days=los), "discharged_at": t0}
            for n, los in enumerate((2, 4))
        ],
    )  # fmt: skip
    _insert(
        conn,
        "capacity.run",
        [{"run_id": exp["run_id"], "origin_date": last,
          "params": json.dumps({"target_p_over": TARGET}), "created_at": SEED_RUN_CREATED}],
    )  # fmt: skip
    _insert(
        conn,
        "capacity.recommendation",
        [
            {"run_id": exp["run_id"], "scenario": r["scenario"], "ward": r["ward"],
             "configured_beds": r["configured_beds"], "recommended_beds": r["recommended_beds"],
             "risk_at_configured": r["risk_at_configured"],
             "simpy_p_over": round(r["risk_at_configured"] * 0.9, 4), "los_model": "lognormal"}
            for r in exp["recommendations"]
        ],
    )  # fmt: skip
    _insert(
        conn,
        "capacity.risk_curve",
        [
            {"run_id": exp["run_id"], "scenario": scenario, "ward": ward, "beds": b,
             "p_over": p, "p_over_95": min(1.0, p * 1.2), "p95_max_occupancy": b * 0.95,
             "mean_overflow_days": p * 2, "meets_target": p <= TARGET}
            for (scenario, ward), pts in exp["curves"].items()
            for b, p in pts
        ],
    )  # fmt: skip
    conn.commit()
    return exp


def delete_dashboard_rows(conn, tag: str) -> None:
    """Remove everything seed_dashboard_rows inserted (the run cascades to its curves)."""
    like = f"HTT {tag} %"
    with conn.transaction():
        conn.execute("DELETE FROM capacity.run WHERE run_id = %s", (f"htt-{tag}",))
        conn.execute("DELETE FROM dw.fact_ward_day WHERE ward LIKE %s", (like,))
        conn.execute("DELETE FROM dw.fact_visit WHERE visit_id LIKE %s", (f"htt-{tag}-v%",))
        conn.execute("DELETE FROM dw.fact_discharge WHERE admission_id LIKE %s", (f"htt-{tag}-a%",))
    conn.commit()
