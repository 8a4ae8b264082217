"""A short run of benchmarks/bench_calibration.py: the closed loop end to end, its last line
one JSON object with the named figures (the full run is the benchmark's, in the README)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

BENCH = Path(__file__).parents[2] / "benchmarks" / "bench_calibration.py"
KEYS = {
    "census_error", "band80_coverage", "band95_coverage", "calibration_error", "brier",
    "brier_climatology", "origins", "recommendation_spread", "calibration_error_floor",
    "recommendation_noise", "recommendation_weekly_change", "recommendation_weekly_noise",
    "cases", "cases_independent", "calibration_error_pooled", "calibration_error_pooled_floor",
}  # fmt: skip


def test_short_closed_loop_prints_its_figures_as_json(capsys) -> None:
    spec = importlib.util.spec_from_file_location("bench_calibration", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    bench.main(["--days", "43", "--first", "14", "--step", "7", "--origins", "3",
                "--horizon", "14", "--runs", "300"])  # fmt: skip
    last = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert last.keys() >= KEYS and last["origins"] == 3
    assert abs(last["census_error"]) < 0.05  # the midnight census, predicted from the data
    assert 0.6 <= last["band80_coverage"] <= 1 and 0.8 <= last["band95_coverage"] <= 1
    assert 0 <= last["brier"] <= 1 and 0 <= last["calibration_error"] <= 1
