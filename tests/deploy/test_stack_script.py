"""scripts/stack keeps its promises, read without running it: it migrates the warehouse with the
one runner before anything uses it, and starts the stream processor from where it lives."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STACK = (ROOT / "scripts" / "stack").read_text()


def _function(name: str) -> str:
    match = re.search(rf"^{name}\(\) \{{\n(.*?)^\}}", STACK, re.M | re.S)
    assert match, f"scripts/stack defines no {name}()"
    return match.group(1)


def test_the_script_is_valid_bash():
    subprocess.run(["bash", "-n", str(ROOT / "scripts" / "stack")], check=True)


def test_up_migrates_the_warehouse_with_the_runner_before_airflow_and_the_processor_start():
    assert "python -m hospital_twin.io.migrations" in _function("migrate_warehouse")
    up = _function("cmd_up").split()
    order = [up.index(step) for step in ("start_postgres", "migrate_warehouse", "start_airflow")]
    assert order == sorted(order)
    assert up.index("migrate_warehouse") < up.index("start_stream_processor")
    assert "migrate_warehouse" in _function("cmd_reset_warehouse")


def test_no_other_path_migrates_the_warehouse():
    assert "hospital_twin.io.warehouse migrate" not in STACK
    assert STACK.count("hospital_twin.io.migrations") == 2  # the command and its log line


def test_the_stream_processor_is_started_from_the_module_that_exists():
    body = _function("start_stream_processor")
    guarded = re.search(r'-f "\$HT_REPO/(include/[\w/]+\.py)"', body)
    assert guarded and (ROOT / guarded.group(1)).is_file()
    module = re.search(r"python -m ([\w.]+)", body).group(1)
    assert guarded.group(1) == "include/" + module.replace(".", "/") + ".py"


def test_down_status_and_the_supervisor_cover_redis_and_every_started_worker():
    # By pid file, not by HT_EXECUTOR: a plain `scripts/stack down` stops a Celery stack too.
    for function in ("cmd_down", "cmd_status", "supervise_once"):
        body = _function(function)
        assert "redis" in body and "$(started_workers)" in body, function
    assert '"$RUN"/worker*.pid' in _function("started_workers")


def test_env_refuses_an_unknown_executor_naming_the_choices():
    done = subprocess.run(
        ["bash", "-c", f'. "{ROOT}/scripts/env.sh"'],
        env={"PATH": "/usr/bin:/bin", "HT_EXECUTOR": "kubernetes", "HT_HOME": "/nonexistent"},
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0
    assert "HT_EXECUTOR=kubernetes: expected local or celery" in done.stderr
