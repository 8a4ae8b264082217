"""Seed rows for the capacity dashboard, shared by the scratch-warehouse test in
tests/plugins/test_dashboard_warehouse.py and by tests/browser/test_dashboard.py against the running
test instance's warehouse. Days are far in the future so they are the "latest" ones even in a
warehouse holding simulated data; everything is tagged so it can be deleted afterwards."""

from __future__ import annotations

import json
import math
import uuid
from datetime import UTC, date, datetime, timedelta

from hospital_twin.contracts import ED_STREAM
from hospital_twin.io import warehouse
from tests.support import dimensions

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
# As long as the product's (capacity/planner.criterion): the dashboard must lay it out whole.
CRITERION = (
    "admissions finding every bed taken (refused or boarding in the ED) <= 1.0% in the steady "
    "state of the ward's demand (Erlang loss; offered load 35.4 beds = 7.8 admissions a day x "
    "4.5 days): 0.95% at 48 beds, mean occupancy 74%; 0.52% at the configured 50. Short-term "
    "risk, from today's census: P(census over the beds at least one midnight in 90 days) "
    "64% at 48 beds, 42% at 50; fewer beds than configured although that risk is above "
    f"{TARGET:.0%}: a single full midnight counts there, while the recommendation counts how "
    "many admissions a full ward turns away"
)
RUN_PARAMS = {"scenarios": ["baseline", "winter_peak"], "horizon_days": 90, "runs": 2000,
              "bed_levels": 11, "risk_target": TARGET, "refusal_target": 0.01,
              "wards_per_task": 4}  # fmt: skip


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
    dimensions.seed(conn, days=SEED_DAYS, wards=exp["wards"], person_ids=_dashboard_people())
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
          "params": json.dumps(RUN_PARAMS), "created_at": SEED_RUN_CREATED}],
    )  # fmt: skip
    _insert(
        conn,
        "capacity.recommendation",
        [
            {"run_id": exp["run_id"], "scenario": r["scenario"], "ward": r["ward"],
             "configured_beds": r["configured_beds"], "recommended_beds": r["recommended_beds"],
             "risk_at_configured": r["risk_at_configured"],
             "risk_at_recommended": TARGET / 2 if r["recommended_beds"] else None,
             "refusal_at_configured": 0.02, "refusal_at_recommended": 0.008,
             "horizon_days": RUN_PARAMS["horizon_days"],
             "criterion": CRITERION,
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
             "mean_overflow_days": p * 2, "meets_target": p <= TARGET,
             "days_full_per_month": round(30.4 * p, 2), "refused_per_month": round(10 * p, 2),
             "wait_over_4h": p / 2, "wait_over_12h": p / 4}
            for (scenario, ward), pts in exp["curves"].items()
            for b, p in pts
        ],
    )  # fmt: skip
    conn.commit()
    return exp


def _dashboard_people() -> list[int]:
    """The person ids the seeded facts name (dimension rows for the facts' foreign keys)."""
    pipeline = [
        900_001_000 + 100 * i + n for i in range(len(ED_ACTUAL)) for n in range(ED_ACTUAL[i])
    ]
    return [*range(900_000_000, 900_000_005), 900_000_100, 900_000_101, *pipeline]


def delete_dashboard_rows(conn, tag: str) -> None:
    """Remove everything seed_dashboard_rows inserted (the run cascades to its curves), and the
    dimension rows it added that no fact names any more."""
    like = f"HTT {tag} %"
    with conn.transaction():
        conn.execute("DELETE FROM capacity.run WHERE run_id LIKE %s", (f"htt-{tag}%",))
        conn.execute("DELETE FROM dw.fact_ward_day WHERE ward LIKE %s", (like,))
        conn.execute("DELETE FROM dw.fact_visit WHERE visit_id LIKE %s", (f"htt-{tag}-v%",))
        conn.execute("DELETE FROM dw.fact_discharge WHERE admission_id LIKE %s", (f"htt-{tag}-a%",))
    conn.commit()
    dimensions.remove(conn, days=SEED_DAYS, wards=seed_wards(tag), person_ids=_dashboard_people())


# --- the rest of the dashboard: a second capacity run, the ED forecast, pipeline health -------
# These tables key on the day (not on a tagged name), so only one test at a time may seed them:
# tests/browser/test_dashboard_views.py and tests/plugins, run one after the other.
OLDER_RUN_PARAMS = {**RUN_PARAMS, "scenarios": ["baseline"], "risk_target": 0.2}
ED_ACTUAL = [
    14,
    18,
    11,
    20,
    16,
    13,
    5,
]  # ED visits per seeded day (the last has 5 by seed_dashboard_rows)
FORECAST_AHEAD = 7


def seed_pipeline_rows(conn, tag: str) -> dict:
    """An older one-scenario capacity run, ED visits and forecasts with backtest scores, events
    published and landed, rejects and the day's completion; returns what the dashboard must show.
    Call after seed_dashboard_rows with the same tag."""
    exp = seed_expectations(tag)
    dimensions.seed(conn, days=SEED_DAYS, wards=exp["wards"], person_ids=_dashboard_people())
    older = f"htt-{tag}-older"
    _insert(conn, "capacity.run", [{"run_id": older, "origin_date": SEED_DAYS[-2],
            "params": json.dumps(OLDER_RUN_PARAMS),
            "created_at": SEED_RUN_CREATED - timedelta(days=1)}])  # fmt: skip
    older_recs = [
        {"run_id": older, "scenario": "baseline", "ward": ward, "configured_beds": beds,
         "recommended_beds": beds - 1, "risk_at_configured": 0.05, "risk_at_recommended": 0.15,
         "horizon_days": 90, "criterion": "P(...) <= 20%", "simpy_p_over": 0.14,
         "los_model": "gamma"}
        for ward, (beds, _) in exp["wards"].items()
    ]  # fmt: skip
    _insert(conn, "capacity.recommendation", older_recs)
    _insert(conn, "capacity.risk_curve", [
        {"run_id": older, "scenario": "baseline", "ward": r["ward"], "beds": b,
         "p_over": p, "p_over_95": p, "p95_max_occupancy": b, "mean_overflow_days": p,
         "meets_target": p <= OLDER_RUN_PARAMS["risk_target"], "days_full_per_month": 30 * p,
         "refused_per_month": 5 * p, "wait_over_4h": p / 2, "wait_over_12h": p / 4}
        for r in older_recs
        for b, p in ((r["configured_beds"] - 2, 0.6), (r["recommended_beds"], 0.15),
                     (r["configured_beds"], 0.05))
    ])  # fmt: skip
    visits = [
        {"visit_id": f"htt-{tag}-e{i}-{n}", "sim_date": day, "person_id": 900_001_000 + 100 * i + n,
         "age": 50, "sex": "M", "arrival_time": datetime(day.year, day.month, day.day, 9, n),
         "service": "Emergency Room", "condition": "Test condition", "category": "Test",
         "severity": 3, "department": "Medicine", "triage_level": "Green", "triage_minutes": 5.0,
         "arrival_mode": "walk-in", "is_emergency": False}
        for i, day in enumerate(SEED_DAYS[:-1]) for n in range(ED_ACTUAL[i])
    ]  # fmt: skip
    _insert(conn, "dw.fact_visit", visits)
    forecasts = []
    for i, origin in enumerate(SEED_DAYS):
        ahead = FORECAST_AHEAD if origin == SEED_DAYS[-1] else 1
        for h in range(1, ahead + 1):
            mean = 15.0 + (i + h) % 3
            forecasts.append(
                {"origin_date": origin, "stream": ED_STREAM,
                 "target_date": origin + timedelta(days=h), "horizon": h, "mean": mean,
                 "lo80": mean - 4, "hi80": mean + 4, "lo95": mean - 7, "hi95": mean + 7,
                 "method": "nb_glm", "model_version": f"htt-{tag}"}
            )  # fmt: skip
    _insert(conn, "ml.forecast", forecasts)
    scores = {"model": (2.5, 0.8, 0.82, 0.96), "seasonal_naive": (3.4, 1.1, 0.7, 0.9)}
    _insert(conn, "ml.forecast_metrics", [
        {"origin_date": SEED_DAYS[-1], "stream": ED_STREAM, "method": m, "mae": mae, "mase": mase,
         "coverage_80": c80, "coverage_95": c95, "n_origins": 12, "model_version": f"htt-{tag}"}
        for m, (mae, mase, c80, c95) in scores.items()
    ])  # fmt: skip
    published = [{"sim_date": d, "topic": "hospital.emergency_transports", "events": 3}
                 for d in SEED_DAYS]  # fmt: skip
    _insert(conn, "stream.published", published)
    landed = [
        {"event_id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"htt-{tag}-{d}-{n}")), "sim_date": d,
         "occurred_at": datetime(d.year, d.month, d.day, 10, n, tzinfo=UTC),
         "patient_id": 900_002_000 + n, "schema_version": 1, "payload": json.dumps({"n": n})}
        for d in SEED_DAYS for n in range(3 if d != SEED_DAYS[-1] else 2)
    ]  # fmt: skip
    _insert(conn, "stream.emergency_transport", landed)
    _insert(conn, "stream.rejects", [
        {"topic": "hospital.emergency_transports", "partition": 0, "offset": 990_000_000 + n,
         "msg_key": f"htt-{tag}", "raw_value": "{}", "reason": f"htt-{tag}: unknown patient",
         "rejected_at": SEED_RUN_CREATED} for n in range(2)
    ])  # fmt: skip
    _insert(conn, "meta.ingest_rejects", [
        {"file_name": f"htt-{tag}-admissions.csv", "sim_date": SEED_DAYS[-1], "rejected_rows": 4,
         "reason": f"htt-{tag}: manifest sha256 mismatch", "rejected_at": SEED_RUN_CREATED}
    ])  # fmt: skip
    _insert(conn, "meta.day_run", [{"sim_date": SEED_DAYS[-1], "visits": 5, "admissions": 9,
                                    "events": 3, "finished_at": SEED_RUN_CREATED}])  # fmt: skip
    conn.commit()
    return {
        "older_run_id": older,
        "older_risk_target": OLDER_RUN_PARAMS["risk_target"],
        "older_recommendations": len(older_recs),
        "ed_actual": ED_ACTUAL,
        "forecast_rows": len(forecasts),
        "published": [3] * len(SEED_DAYS),
        "landed": [3] * (len(SEED_DAYS) - 1) + [2],
        "stream_rejects": 2,
        "batch_rejects": 4,
    }


def delete_pipeline_rows(conn, tag: str) -> None:
    """Remove what seed_pipeline_rows inserted (and anything left on the seeded days)."""
    days = list(SEED_DAYS)
    by_day = [
        "DELETE FROM ml.forecast WHERE origin_date = ANY(%s)",
        "DELETE FROM ml.forecast_metrics WHERE origin_date = ANY(%s)",
        "DELETE FROM stream.published WHERE sim_date = ANY(%s)",
        "DELETE FROM stream.emergency_transport WHERE sim_date = ANY(%s)",
        "DELETE FROM meta.day_run WHERE sim_date = ANY(%s)",
    ]
    with conn.transaction():
        conn.execute("DELETE FROM capacity.run WHERE run_id LIKE %s", (f"htt-{tag}%",))
        conn.execute("DELETE FROM dw.fact_visit WHERE visit_id LIKE %s", (f"htt-{tag}-e%",))
        for statement in by_day:
            conn.execute(statement, (days,))
        conn.execute("DELETE FROM stream.rejects WHERE msg_key = %s", (f"htt-{tag}",))
        conn.execute("DELETE FROM meta.ingest_rejects WHERE file_name LIKE %s", (f"htt-{tag}-%",))
    conn.commit()
    dimensions.remove(conn, days=days, person_ids=_dashboard_people())
