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
        "Recommended beds",
        "A planning figure: the fewest beds at which at most the run's refusal target of the "
        "admissions find every bed taken (refused, or boarding in the ED until a bed frees), "
        "in the steady state of the ward's demand over the study horizon (Erlang loss: "
        "offered load = admissions a day × mean length of stay; admissions at the ward's rate "
        "over the last year, at the calendar's planned volume of each day and the scenario's "
        "months; the level's and the length of stay's uncertainty included). It does not "
        "depend on today's census, nor follow the seasons week by week. "
        "Baseline scenario of the selected capacity run; runs before the refusal target "
        "recommended the beds for the overflow-risk target instead.",
    ),
    "short_spare": Metric(
        "Short (+) / spare (−)",
        "Recommended minus configured beds: + beds to add to meet the refusal target, − beds "
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
        "Acceptable short-term risk: probability that the ward's midnight census is over its "
        "beds at least once over the horizon, from the census of the origin day (the run's "
        "risk_target parameter). It draws the risk curve's target line; the recommendation "
        "meets the refusal target.",
    ),
    "refusal_target": Metric(
        "Refusal target",
        "Acceptable share of admissions finding every bed taken, in the steady state of the "
        "ward's demand (the run's refusal_target parameter, 1 % by default: a 200-patient "
        "ward then runs about 90 % full with 3 % of its admissions waiting over 4 h for a "
        "bed). The recommended beds are the fewest meeting it.",
    ),
    "refusal_at_configured": Metric(
        "Find it full at configured",
        "Share of admissions finding every bed taken at the configured beds, steady state of "
        "the ward's demand over the horizon (Erlang loss; not today's census).",
    ),
    "refusal_at_recommended": Metric(
        "Find it full at recommended",
        "Share of admissions finding every bed taken at the recommended beds, steady state of "
        "the ward's demand over the horizon: at most the refusal target.",
    ),
    "p_over": Metric(
        "Overflow risk",
        "Monte Carlo P(maximum midnight census over the horizon > beds): the share of simulated "
        "futures in which the ward is over its beds at least one midnight.",
    ),
    "risk_at_configured": Metric(
        "Short-term risk at configured",
        "Monte Carlo P(midnight census over the configured beds at least once in the study "
        "horizon), starting from the census of the origin day: it depends on today's census.",
    ),
    "risk_at_recommended": Metric(
        "Short-term risk at recommended",
        "The same short-term risk at the recommended beds, from the census of the origin day. "
        "It can be high beside a low refusal share: one full midnight in the horizon counts "
        "here, how many admissions find the ward full counts for the recommendation.",
    ),
    "simpy_p_over": Metric(
        "SimPy check",
        "The same risk at the recommended beds from the patient-by-patient SimPy simulation, "
        "on the same inputs: it should agree with the Monte Carlo figure within its noise. "
        "Below it, its 95 % interval and the replications it took (16, then more while the "
        "interval is wider than 10 points either side, at most 40; where the Monte Carlo "
        "figure lies outside that interval, a second, independent sample of 120 gives the "
        "figure and interval shown).",
    ),
    "criterion": Metric(
        "Criterion",
        "What the recommendation meets: metric, target and the value met at the recommended and "
        "configured beds, the occupancy it implies, the short-term risk beside it, and why the "
        "two point different ways where they do (or why thin data keep the configured beds).",
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
