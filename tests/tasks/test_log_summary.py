"""Task logs end with short aligned summaries, and a forecast fallback is said once for all the
streams it applies to (not one warning per stream and day)."""

from __future__ import annotations

import datetime as dt

from hospital_twin.contracts import ED_STREAM
from hospital_twin.tasks import log_summary
from hospital_twin.tasks.forecast import retrain_report


def test_summary_aligns_names_and_right_aligns_figures() -> None:
    text = log_summary.summary("loaded (rows)", {"dw.dim_person": 3_000_000, "dw.x": 12})
    assert text.splitlines() == [
        "loaded (rows):",
        "  dw.dim_person  3,000,000",
        "  dw.x                  12",
    ]
    assert log_summary.summary("built", {}) == "built: nothing"
    assert log_summary.figure(0.4567) == "0.46" and log_summary.figure(["a", "b"]) == "a, b"


def test_table_columns_line_up() -> None:
    text = log_summary.table("t", ["name", "kind", "n"], [["a", "xx", 1], ["bbb", "y", 1000]], 2)
    lines = text.splitlines()[1:]
    assert len({len(line) for line in lines}) == 1  # every row as wide: columns line up
    assert lines[1].startswith("  a     xx") and lines[2].endswith("1,000")


def test_a_fallback_is_said_once_for_every_stream_it_applies_to() -> None:
    short = "history too short: {n} observed days < min_history_days 56"
    summary = {
        f"admissions:W{i}": {"method": "seasonal_naive", "days": 10 + i, "seconds": 0.0,
                              "fallback": short.format(n=10 + i)}
        for i in range(8)
    }  # fmt: skip
    summary[ED_STREAM] = {
        "method": "lightgbm_poisson", "days": 400, "seconds": 2.5,
        "backtest": {"model": {"mae": 2.5, "mase": 0.8, "coverage_80": 0.8, "coverage_95": 0.95}},
    }  # fmt: skip
    text = retrain_report(dt.date(2024, 3, 1), summary)
    fallbacks = [line for line in text.splitlines() if "fallback" in line]
    assert len(fallbacks) == 1
    assert "8 of 9 streams" in fallbacks[0] and "min_history_days 56" in fallbacks[0]
    assert all(f"admissions:W{i}" in fallbacks[0] for i in range(8))
    ed = next(line for line in text.splitlines() if line.strip().startswith(ED_STREAM))
    assert "lightgbm_poisson" in ed and "2.50" in ed and "0.95" in ed
    assert "{" not in text  # no dict dump
