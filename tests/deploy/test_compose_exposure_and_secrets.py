"""What the stack exposes and what it keeps secret: ports bind loopback only, databases and the
broker are not published, .env.example documents exactly the compose variables with secrets
required and empty, and the build context ships no env file or local data."""

from __future__ import annotations

import pytest

from tests.deploy.compose_files import (
    COMPOSE_TEXT,
    COMPOSE_VAR,
    ROOT,
    SECRETS,
    SERVICES,
    env_example_values,
)

# --- exposure and secrets -------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_published_ports_bind_loopback_only(name):
    for port in SERVICES[name].get("ports", []):
        host_ip = port.get("host_ip") if isinstance(port, dict) else port.split(":", 1)[0]
        assert host_ip == "127.0.0.1", f"{name} publishes {port} beyond this machine"


def test_databases_and_broker_are_not_published():
    assert "ports" not in SERVICES["postgres"]
    assert "ports" not in SERVICES["kafka"]
    assert "ports" not in SERVICES["redis"]


def test_every_compose_variable_is_documented_in_env_example():
    used = {m.group(1) for m in COMPOSE_VAR.finditer(COMPOSE_TEXT)}
    assert used - set(env_example_values()) == set()


def test_env_example_lists_only_variables_compose_uses():
    used = {m.group(1) for m in COMPOSE_VAR.finditer(COMPOSE_TEXT)}
    assert set(env_example_values()) - used == set()


def test_secrets_are_required_and_committed_empty():
    values = env_example_values()
    for var in SECRETS:
        assert values[var] == "", f"{var} must not carry a value in .env.example"
        refs = [m.group(2) for m in COMPOSE_VAR.finditer(COMPOSE_TEXT) if m.group(1) == var]
        assert refs and all(r.startswith(":?") for r in refs), f"{var} needs ${{{var}:?...}}"


def test_build_context_ships_no_env_file_or_local_data():
    lines = [
        ln.strip()
        for ln in (ROOT / ".dockerignore").read_text().splitlines()
        if ln.strip() and not ln.startswith("#")
    ]
    assert lines[0] == "*", ".dockerignore must be an allow-list"
    allowed = {ln[1:].rstrip("/") for ln in lines if ln.startswith("!")}
    assert allowed <= {"pyproject.toml", "requirements.txt", "include", "dags", "plugins", "sql"}
