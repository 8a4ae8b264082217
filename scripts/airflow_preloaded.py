"""An Airflow command (the scheduler) with the libraries the twin's tasks use already imported.

The LocalExecutor forks its workers from the scheduler, and every task process is a fork of a
worker, so whatever the scheduler imported is already loaded in each task. Without this each
task process imports pandas, pyarrow, SciPy, LightGBM and SimPy itself, every simulated day:
2.8 CPU-seconds for `simulate_day`'s modules and 5.3 for the forecaster's
(`retrain_and_record`), measured on this machine, against a budget of 5 seconds a day.
Importing is safe before the fork: none of these start threads that the fork would lose
(LightGBM's OpenMP pool starts at its first fit).

    python scripts/airflow_preloaded.py scheduler --skip-serve-logs
"""

from __future__ import annotations

import importlib
import sys

TASK_MODULES = (
    "hospital_twin.tasks.setup",
    "hospital_twin.tasks.daily",
    "hospital_twin.tasks.forecast",
    "hospital_twin.tasks.capacity",
)


def main() -> int:
    for name in TASK_MODULES:
        importlib.import_module(name)
    from airflow.__main__ import main as airflow_main

    sys.argv = ["airflow", *sys.argv[1:]]
    return airflow_main()


if __name__ == "__main__":
    sys.exit(main())
