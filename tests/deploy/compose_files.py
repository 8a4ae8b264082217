"""The container stack's files, parsed once for the deploy tests: docker-compose.yaml, Dockerfile,
.env.example and docker/postgres-init are read here without Docker (no engine on this machine),
with the service sets the stack promises and small readers of services' mounts, commands and
environments."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from urllib.parse import urlsplit

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_TEXT = (ROOT / "docker-compose.yaml").read_text()
COMPOSE = yaml.safe_load(COMPOSE_TEXT)  # safe_load resolves the `<<: *anchor` merges
SERVICES: dict[str, dict] = COMPOSE["services"]
COMMON: dict = COMPOSE["x-airflow-common"]
DOCKERFILE = (ROOT / "Dockerfile").read_text()
ENV_EXAMPLE = (ROOT / ".env.example").read_text()
INIT_DIR = ROOT / "docker" / "postgres-init"

CELERY_SERVICES = {"redis", "airflow-worker-1", "airflow-worker-2", "flower"}
CELERY_WORKERS = ["airflow-worker-1", "airflow-worker-2"]
DEFAULT_SERVICES = {
    "postgres",
    "kafka",
    "airflow-init",
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
    "stream-processor",
}
# Long-running services built from the project image; all wait for airflow-init.
IMAGE_SERVICES = sorted(
    {
        "airflow-apiserver",
        "airflow-scheduler",
        "airflow-dag-processor",
        "airflow-triggerer",
        "airflow-worker-1",
        "airflow-worker-2",
        "flower",
        "stream-processor",
    }
)
LONG_RUNNING = sorted(set(SERVICES) - {"airflow-init"})
SECRETS = {
    "AIRFLOW_FERNET_KEY",
    "AIRFLOW_JWT_SECRET",
    "AIRFLOW_ADMIN_PASSWORD",
    "POSTGRES_PASSWORD",
    "AIRFLOW_DB_PASSWORD",
    "HT_WRITER_PASSWORD",
    "HT_ANALYST_PASSWORD",
    "REDIS_PASSWORD",
}
# `${NAME...}` but not the `$${NAME}` escape that compose hands to the container's shell.
COMPOSE_VAR = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)([^}]*)\}")
LAKE = "/opt/hospital/lake"


def env_example_values() -> dict[str, str]:
    pairs = (line.split("=", 1) for line in ENV_EXAMPLE.splitlines() if re.match(r"^\w+=", line))
    return {k: v for k, v in pairs}


def dockerfile_env() -> dict[str, str]:
    """Every `ENV K=V ...` of the Dockerfile, line continuations joined."""
    text = DOCKERFILE.replace("\\\n", " ")
    env: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("ENV "):
            env.update(tok.split("=", 1) for tok in shlex.split(line[4:]))
    return env


def url_of(value: str):
    """urlsplit of a compose value, each `${VAR...}` standing in as the word `var`."""
    return urlsplit(COMPOSE_VAR.sub("var", value))


def mounts(service: str) -> dict[str, str]:
    """Container path -> source (volume name or host path) of a service's volumes."""
    out = {}
    for spec in SERVICES[service].get("volumes", []):
        source, target = spec.split(":")[:2]
        out[target] = source
    return out


def command_text(service: str) -> str:
    cmd = SERVICES[service].get("command", "")
    return " ".join(cmd) if isinstance(cmd, list) else cmd


def healthcheck_text(service: str) -> str:
    return " ".join(SERVICES[service]["healthcheck"]["test"])


def env(service: str = "airflow-scheduler") -> dict[str, str]:
    return {k: str(v) for k, v in SERVICES[service]["environment"].items()}


def init_scripts_text() -> str:
    files = sorted([*INIT_DIR.glob("*.sh"), *INIT_DIR.glob("*.sql")])
    assert files, "docker/postgres-init holds no init script"
    return "\n".join(f.read_text() for f in files)


BASE = re.search(r"^FROM apache/airflow:(\d+\.\d+\.\d+)-python(\d+\.\d+)\s*$", DOCKERFILE, re.M)
