"""A short run of benchmarks/bench_twin_beds.py: the twin's day engine at given beds, its
outcomes per ward beside the study's formulas, the last line one JSON object."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

BENCH = Path(__file__).parents[2] / "benchmarks" / "bench_twin_beds.py"
SHARES = ("full", "erlang_b", "mmcd_wait", "over_4h", "mmcd_over_4h", "refused")


def _run(capsys, *args: str) -> dict:
    spec = importlib.util.spec_from_file_location("bench_twin_beds", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    bench.main(["--profile", "small", "--warmup", "5", "--days", "20", *args])
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_a_ward_cut_below_its_demand_makes_its_admissions_wait_and_the_figures_say_so(
    capsys,
) -> None:
    # Small's Surgery: 37 beds for an offered load of about 20; at 15 beds it is always full.
    cut = _run(capsys, "--beds", '{"Surgery": 15}')
    surgery = cut["wards"]["Surgery"]
    assert cut["beds"]["Surgery"] == 15 and cut["beds"]["Medicine"] == 30  # others as configured
    assert surgery["admissions"] > 50
    assert surgery["full"] > 0.5 and surgery["refused"] > 0.1  # a full ward: most wait
    assert surgery["refused"] <= surgery["over_4h"] <= surgery["full"]
    assert surgery["erlang_b"] > 0.2 and surgery["mmcd_wait"] > 0.4  # the formulas see it too
    for ward in cut["wards"].values():
        assert all(0 <= ward[k] <= 1 for k in SHARES)
        assert 0 <= ward["refused_at_midnight"] <= 1
    assert cut["max_abs_error_erlang_b"] is None  # no ward of small has 500 admissions in 20 days
    at_configured = _run(capsys)["wards"]["Surgery"]
    assert at_configured["full"] < surgery["full"] / 2


def test_beds_for_a_ward_the_profile_lacks_are_refused_by_name(capsys) -> None:
    with pytest.raises(SystemExit, match="Nowhere"):
        _run(capsys, "--beds", '{"Nowhere": 3}')
