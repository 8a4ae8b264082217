"""Every figure the dashboard shows, named once with its definition.

The page's column headers carry these definitions as tooltips and its "What the figures mean"
section lists them, so a planner can read how each number is computed without opening the code.
The definitions follow the code that computes them: capacity/montecarlo.py and planner.py for the
capacity study, forecast/backtest.py for the scores, the marts for the daily figures.
"""

from __future__ import annotations

from typing import NamedTuple

# Occupancy colours: amber from 85 %, red from 95 % (common planning thresholds; colours only).
WARN_OCCUPANCY_PCT = 85.0
CRIT_OCCUPANCY_PCT = 95.0


class Metric(NamedTuple):
    label: str
    definition: str


METRICS: dict[str, Metric] = {
    "occupancy": Metric(
        "Occupancy",
        "Patients in the ward's beds at midnight (end of the simulated day) over its beds. "
        f"Amber from {WARN_OCCUPANCY_PCT:.0f} %, red from {CRIT_OCCUPANCY_PCT:.0f} %.",
    ),
    "peak": Metric("Peak", "Most beds occupied at any time of the day (tick on the bar)."),
    "beds_needed": Metric(
        "Beds for target",
        "Smallest bed count whose overflow risk over the study horizon is at most the run's "
        "risk target (baseline scenario of the selected capacity run).",
    ),
    "short_spare": Metric(
        "Short (+) / spare (−)",
        "Beds for target minus configured beds: + beds to add to meet the risk target, − beds "
        "the ward has beyond it.",
    ),
    "ed_arrivals": Metric("ED arrivals", "Visits to the Emergency Room that day."),
    "refused": Metric("Refused", "Bed requests that found no bed in any ward that day."),
    "waits": Metric("Waits", "Admissions that waited in the ED for a bed that day."),
    "mean_los": Metric("Mean LOS", "Mean length of stay (days) of the patients discharged."),
    "forecast": Metric(
        "Forecast",
        "ED arrivals forecast the evening before (1 day ahead), then the latest forecast's "
        "path ahead. Bands: 80 % and 95 % prediction intervals.",
    ),
    "mae": Metric("MAE", "Mean absolute error of the forecast, arrivals a day (backtest)."),
    "mase": Metric(
        "MASE",
        "MAE over the in-sample MAE of the one-week seasonal naive forecast (same weekday last "
        "week); below 1 beats it.",
    ),
    "coverage_80": Metric(
        "Coverage 80 %", "Share of backtest days inside the 80 % band (well calibrated: 0.80)."
    ),
    "coverage_95": Metric(
        "Coverage 95 %", "Share of backtest days inside the 95 % band (well calibrated: 0.95)."
    ),
    "risk_target": Metric(
        "Risk target",
        "Acceptable probability that the ward overflows at least once over the horizon "
        "(the run's risk_target parameter).",
    ),
    "p_over": Metric(
        "Overflow risk",
        "Monte Carlo P(maximum midnight census over the horizon > beds): the share of simulated "
        "futures in which the ward is over its beds at least one midnight.",
    ),
    "risk_at_configured": Metric("Risk at configured", "Overflow risk at the configured beds."),
    "risk_at_recommended": Metric(
        "Risk at recommended", "Overflow risk at the recommended beds (Monte Carlo)."
    ),
    "simpy_p_over": Metric(
        "SimPy check",
        "The same risk at the recommended beds from the patient-by-patient SimPy simulation, "
        "on the same inputs: it should agree with the Monte Carlo figure within its noise. "
        "Below it, its 95 % interval and the replications it took (16, then more while the "
        "interval is wider than 10 points either side, at most 40).",
    ),
    "criterion": Metric(
        "Criterion", "What the recommendation meets, with the occupancy and refusals it implies."
    ),
    "days_full": Metric(
        "Days full / month", "Expected midnights a month with the census at or over the beds."
    ),
    "refused_month": Metric(
        "Refused / month",
        "Expected admissions a month finding every bed taken (Erlang loss on the mean census).",
    ),
    "wait_4h": Metric("Wait > 4 h", "Share of admissions waiting more than 4 hours for a bed."),
    "wait_12h": Metric("Wait > 12 h", "Share of admissions waiting more than 12 hours for a bed."),
    "p95_max": Metric("p95 max census", "95th percentile of the maximum census over the horizon."),
    "published_landed": Metric(
        "Published / landed",
        "Events the daily run published to Kafka for the day, and those the stream processor "
        "landed in the warehouse; a gap is events still in flight or refused.",
    ),
    "rejects": Metric(
        "Rejects",
        "Stream messages refused (also sent to the dead-letter topic) and batch files kept in "
        "quarantine (failed/), with the reason.",
    ),
}


def label(key: str) -> str:
    return METRICS[key].label


def definition(key: str) -> str:
    return METRICS[key].definition
