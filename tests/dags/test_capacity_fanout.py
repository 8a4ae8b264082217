"""The capacity DAG's default fan-out: few enough mapped tasks that their start-up cost (about
half a CPU-second each) stays small, and chunks balanced so that none finishes last alone."""

from __future__ import annotations

from hospital_twin.capacity import inputs
from hospital_twin.config import load_config
from hospital_twin.contracts import StudyParams


def test_the_form_defaults_make_two_balanced_tasks_a_scenario_on_the_default_profile() -> None:
    params, config = StudyParams(), load_config("default")
    beds = {w.name: float(w.beds) for w in config.wards}
    items = inputs.work_items(params.scenarios, list(beds), params.wards_per_task, beds)
    assert len(items) == 2 * len(params.scenarios) == 6  # 9 with 4 wards a task: +1.5 CPU-s
    chunk_beds = [sum(beds[w] for w in item["wards"]) for item in items[:2]]
    assert max(chunk_beds) / min(chunk_beds) < 1.1, chunk_beds
    assert sorted(w for item in items[:2] for w in item["wards"]) == sorted(beds)
