"""The `celery` stack instance: its own ports and data, the CeleryExecutor with its own Redis
and two workers (`HT_EXECUTOR=celery scripts/stack up`).

The session starts it from stopped (a part left running with another executor by an aborted
session would otherwise stay as it was: `up` keeps what runs) and stops it afterwards, so no
process of it outlives the tests.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
STACK = REPO / "scripts" / "stack"
INSTANCE = "celery"


def instance_env(executor: str = "celery") -> dict[str, str]:
    """The environment scripts/env.sh gives the instance with `executor` (local or celery)."""
    mine = {k: "" for k in os.environ if k.startswith(("HT_", "AIRFLOW"))}  # derive, not inherit
    out = subprocess.run(
        ["bash", "-c", f'. "{REPO}/scripts/env.sh" && env -0'],
        env={**os.environ, **mine, "HT_INSTANCE": INSTANCE, "HT_EXECUTOR": executor},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    pairs = (item.split("=", 1) for item in out.split("\0") if "=" in item)
    return {k: v for k, v in pairs if v != ""}


def stack(env: dict[str, str], *args: str, timeout: float = 900) -> None:
    """scripts/stack with `args`; fails the test with its output when it fails."""
    done = subprocess.run(
        ["bash", str(STACK), *args], env=env, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, f"scripts/stack {' '.join(args)}:\n{done.stdout}{done.stderr}"


@pytest.fixture(scope="session")
def celery_env() -> Iterator[dict[str, str]]:
    """The running instance's environment (with its secrets), CeleryExecutor everywhere."""
    stack(instance_env(), "down")
    stack(instance_env(), "up")
    env = instance_env()  # now with the secrets `up` created
    yield env
    stack(env, "down")
