"""The `faults` stack instance: its own ports and data, so tests may stop and kill its parts.

Fault tests stop PostgreSQL, kill the broker, the stream processor or Airflow's components:
never on the `test` or `demo` instances, which other work uses. The fixture brings the
instance up (`HT_INSTANCE=faults scripts/stack up`, idempotent) and gives its environment.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
STACK = REPO / "scripts" / "stack"


def instance_env(instance: str = "faults") -> dict[str, str]:
    """The environment scripts/env.sh gives an instance (ports, DSNs, data dir)."""
    out = subprocess.run(
        ["bash", "-c", f'. "{REPO}/scripts/env.sh" && env -0'],
        env={**os.environ, **_unset(), "HT_INSTANCE": instance},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return dict(item.split("=", 1) for item in out.split("\0") if "=" in item)


def _unset() -> dict[str, str]:
    """Drop the caller's instance-specific variables so env.sh derives the faults ones."""
    return {k: "" for k in os.environ if k.startswith(("HT_", "AIRFLOW"))}


def stack(env: dict[str, str], *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", str(STACK), *args], env=env, capture_output=True, text=True, timeout=timeout
    )


def wait_for(check: Callable[[], object], what: str, limit: float = 240) -> object:
    """Poll `check` until it returns something truthy; fail naming `what` after `limit` s."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(1)
    pytest.fail(f"gave up waiting for {what}")


@pytest.fixture(scope="session")
def faults_env() -> Iterator[dict[str, str]]:
    """The instance's environment while it runs; stopped (supervisor first) after the session,
    so no process of it outlives the tests."""
    env = {k: v for k, v in instance_env().items() if v != ""}
    up = stack(env, "up")
    assert up.returncode == 0, up.stdout + up.stderr
    env = {k: v for k, v in instance_env().items() if v != ""}  # now with its secrets
    env["HT_UP_OUTPUT"] = up.stdout + up.stderr
    yield env
    stack(env, "down")


def pid_of(env: dict[str, str], name: str) -> int | None:
    path = Path(env["HT_HOME"]) / "run" / f"{name}.pid"
    try:
        pid = int(path.read_text())
        os.kill(pid, 0)
        return pid
    except (FileNotFoundError, ValueError, ProcessLookupError):
        return None
