"""The `faults` instance as `scripts/stack up` leaves it: loopback only, owner-only data."""

from __future__ import annotations

import re
import stat
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration


def _instance_of(pid: str) -> str | None:
    try:
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:
        return None
    for item in environ:
        if item.startswith(b"HT_INSTANCE="):
            return item.split(b"=", 1)[1].decode()
    return None


def test_every_listener_of_the_instance_is_on_loopback(faults_env) -> None:
    out = subprocess.run(["ss", "-ltnpH"], capture_output=True, text=True, check=True).stdout
    mine = []
    for line in out.splitlines():
        local = line.split()[3]
        for pid in re.findall(r"pid=(\d+)", line):
            if _instance_of(pid) == "faults":
                mine.append((local, pid))
    assert mine, "no listener of the faults instance found"
    exposed = [(a, p) for a, p in mine if not a.startswith(("127.0.0.1:", "[::1]:"))]
    assert exposed == [], f"listening beyond loopback: {exposed}"


def test_lake_secrets_and_logs_are_readable_by_their_owner_only(faults_env) -> None:
    home = Path(faults_env["HT_HOME"])
    checked, open_to_others = 0, []
    for top in ("lake", "logs", "airflow", "kafka", "run", "secrets.env"):
        for path in (
            [home / top, *(home / top).rglob("*")] if (home / top).is_dir() else [home / top]
        ):
            mode = path.stat().st_mode
            allowed = 0o011 if path == home / "logs" else 0  # traversable for PostgreSQL's log
            if stat.S_IMODE(mode) & 0o077 & ~allowed:
                open_to_others.append(f"{path} {stat.filemode(mode)}")
            checked += 1
    assert checked > 10
    assert open_to_others == []


def test_stack_up_prints_no_password(faults_env) -> None:
    output = faults_env["HT_UP_OUTPUT"]
    for var in ("HT_ADMIN_PASSWORD", "HT_WRITER_PASSWORD", "HT_AIRFLOW_DB_PASSWORD"):
        assert faults_env[var] not in output
    assert "passwords.json" in output  # where the login is, instead


def test_the_broker_data_is_not_readable_by_others(faults_env) -> None:
    kafka = Path(faults_env["HT_HOME"]) / "kafka"
    assert stat.S_IMODE(kafka.stat().st_mode) & 0o077 == 0
