"""The dashboard summary shaped from plain query rows (pure: no I/O, unit-testable).

One summary feeds both the HTML page and `/hospital/api/summary`, so the JSON a test or a script
reads is exactly what the page draws.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

Row = dict[str, Any]
BASELINE = "baseline"


def pick_run(runs: Sequence[Mapping[str, Any]], requested: str | None) -> Mapping | None:
    """The capacity run shown: the requested one if stored, else the newest (runs come newest
    first), else None."""
    for run in runs:
        if requested is not None and run["run_id"] == requested:
            return run
    return runs[0] if runs else None


def pick_ward(recommendations: Sequence[Mapping[str, Any]], requested: str | None) -> str | None:
    """The ward whose risk curve is shown: the requested one if the run has it, else the ward
    with the highest risk at its configured beds (ties by name), else None."""
    wards = {r["ward"] for r in recommendations}
    if requested is not None and requested in wards:
        return requested
    if not recommendations:
        return None
    top = sorted(recommendations, key=lambda r: (-(r["risk_at_configured"] or 0.0), r["ward"]))
    return top[0]["ward"]


def risk_target(run: Mapping[str, Any] | None, name: str = "risk_target") -> float | None:
    """The run's own risk target (its `risk_target` parameter, or the parameter `name`), None
    when it did not record one."""
    params = (run or {}).get("params") or {}
    value = params.get(name) if isinstance(params, Mapping) else None
    return float(value) if isinstance(value, int | float) else None


def refusal_target(run: Mapping[str, Any] | None) -> float | None:
    """The run's refusal target (what its recommendations meet), None for runs made before it:
    those recommended the beds for the overflow-risk target."""
    return risk_target(run, "refusal_target")


def reference_scenario(recommendations: Sequence[Mapping[str, Any]]) -> str | None:
    """The scenario the "beds for target" column reads: baseline if the run has it, else the
    first (recommendations come baseline first)."""
    names = [r["scenario"] for r in recommendations]
    return BASELINE if BASELINE in names else (names[0] if names else None)


def today_rows(wards: Sequence[Row], recommendations: Sequence[Row]) -> list[Row]:
    """Per ward of the latest day: its occupancy, and beds short (+) or spare (−) for the risk
    target in the reference scenario (None when the run has no recommendation for the ward)."""
    scenario = reference_scenario(recommendations)
    rec = {r["ward"]: r for r in recommendations if r["scenario"] == scenario}
    out = []
    for w in wards:
        r = rec.get(w["ward"])
        needed = r["recommended_beds"] if r else None
        configured = r["configured_beds"] if r else w["beds"]
        out.append(
            {
                **w,
                "scenario": scenario if r else None,
                "beds_for_target": needed,
                "short_spare": (needed - configured) if needed is not None else None,
                "target_reached": r is None or needed is not None,
            }
        )
    return out


def by_ward(rows: Sequence[Row]) -> dict[str, list[Row]]:
    """Rows (ordered by ward, day) grouped per ward, the ward key dropped from each row."""
    out: dict[str, list[Row]] = {}
    for row in rows:
        out.setdefault(row["ward"], []).append({k: v for k, v in row.items() if k != "ward"})
    return out


def span(days: Sequence[str]) -> dict[str, Any]:
    """The real span of a series of ISO days, for titles: first, last, count."""
    return {"first": days[0] if days else None, "last": days[-1] if days else None, "n": len(days)}


def _run(run: Mapping[str, Any] | None) -> Row | None:
    """The run with its parameters as a dict (empty when not recorded)."""
    if not run:
        return None
    params = run.get("params")
    return {"report_path": None, **run, "params": params if isinstance(params, Mapping) else {}}


def scenarios_of(recommendations: Sequence[Row]) -> list[str]:
    out: list[str] = []
    for r in recommendations:
        if r["scenario"] not in out:
            out.append(r["scenario"])
    return out


def build_summary(
    kpis: list[Row],
    wards: list[Row],
    recommendations: list[Row],
    curve: list[Row],
    selected_ward: str | None,
    requested_ward: str | None,
    *,
    runs: Sequence[Row] = (),
    run: Mapping[str, Any] | None = None,
    ward_series: Sequence[Row] = (),
    forecast: Sequence[Row] = (),
    scores: Sequence[Row] = (),
    health: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Shape query results into the dashboard summary."""
    if run is None and recommendations and "run_id" in recommendations[0]:
        run = {k: recommendations[0].get(k) for k in ("run_id", "origin_date", "created_at")}
    ward_recs = [r for r in recommendations if r["ward"] == selected_ward]
    days = [k["sim_date"] for k in kpis]
    return {
        "has_data": {"daily": bool(kpis or wards), "capacity": bool(recommendations or runs)},
        "span": span(days),
        "latest_day": kpis[-1] if kpis else None,
        "previous_day": kpis[-2] if len(kpis) >= 2 else None,
        "occupancy_series": [
            {"sim_date": k["sim_date"], "bed_occupancy_pct": k["bed_occupancy_pct"]} for k in kpis
        ],
        "wards": wards,
        "today": today_rows(wards, recommendations),
        "ward_series": by_ward(ward_series),
        "ed": {
            "actual": [{"sim_date": k["sim_date"], "arrivals": k.get("ed_arrivals")} for k in kpis],
            "forecast": list(forecast),
            "scores": list(scores),
        },
        "capacity": {
            "run": _run(run),
            "runs": list(runs),
            "risk_target": risk_target(run),
            "refusal_target": refusal_target(run),
            "reference_scenario": reference_scenario(recommendations),
            "scenarios": scenarios_of(recommendations),
            "wards": sorted({r["ward"] for r in recommendations}),
            "recommendations": recommendations,
        },
        "risk_curve": {
            "ward": selected_ward,
            "requested_ward": requested_ward,
            "configured_beds": {r["scenario"]: r["configured_beds"] for r in ward_recs},
            "recommended_beds": {r["scenario"]: r["recommended_beds"] for r in ward_recs},
            "points": curve,
        },
        "health": dict(health or {"last_day": None, "events": [], "rejects": []}),
    }
