"""docker-compose.yaml's `celery` profile is what tests/scale runs on the local stack
(`HT_EXECUTOR=celery scripts/stack up`): Redis behind a password given as configuration, two
workers named worker1 and worker2 with the same task slots and broker settings. Debian's
docker-compose (profiles since 1.28) accepts the file with and without the profile and refuses
a broken one; no Docker engine is needed for that."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.deploy.compose_files import (
    CELERY_WORKERS,
    COMMON,
    COMPOSE_TEXT,
    ROOT,
    SECRETS,
    SERVICES,
    command_text,
    env,
    url_of,
)


def local_stack_env() -> dict[str, str]:
    """What scripts/env.sh sets with HT_EXECUTOR=celery (a data dir without secrets)."""
    out = subprocess.run(
        ["bash", "-c", f'. "{ROOT}/scripts/env.sh" && env -0'],
        env={"PATH": os.environ["PATH"], "HT_EXECUTOR": "celery", "HT_HOME": "/nonexistent"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return dict(item.split("=", 1) for item in out.split("\0") if "=" in item)


# --- the profile runs what the local stack runs ---------------------------------------------


def test_the_workers_are_the_local_stacks_worker1_and_worker2_with_its_task_slots():
    local = local_stack_env()
    names = [f"worker{i}" for i in range(1, int(local["HT_CELERY_WORKERS"]) + 1)]
    assert [SERVICES[w]["hostname"] for w in CELERY_WORKERS] == names == ["worker1", "worker2"]
    for worker in CELERY_WORKERS:
        assert command_text(worker) == "celery worker"
        slots = env(worker)["AIRFLOW__CELERY__WORKER_CONCURRENCY"]
        assert slots == local["AIRFLOW__CELERY__WORKER_CONCURRENCY"] == "2"
        assert "ports" not in SERVICES[worker] and "container_name" not in SERVICES[worker]


def test_broker_and_result_backend_are_set_as_on_the_local_stack():
    local, common = local_stack_env(), COMMON["environment"]
    assert local["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert "CeleryExecutor docker compose --profile celery" in COMPOSE_TEXT
    mine = urlsplit(local["AIRFLOW__CELERY__BROKER_URL"])
    theirs = url_of(common["AIRFLOW__CELERY__BROKER_URL"])
    assert (mine.scheme, mine.username, mine.path) == (theirs.scheme, theirs.username, "/0")
    assert theirs.path == "/0" and theirs.password == "var"  # ${REDIS_PASSWORD:?...}
    backend = "AIRFLOW__CELERY__RESULT_BACKEND"
    for url in (local[backend], common[backend]):
        assert url.startswith("db+postgresql://airflow:") and url.endswith("/airflow")
    timeout = "AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__VISIBILITY_TIMEOUT"
    assert local[timeout] == common[timeout]


def test_redis_reads_its_password_as_configuration_never_on_a_command_line():
    command = command_text("redis")
    assert "exec redis-server - <<CONF" in command and "requirepass $$REDIS_PASSWORD" in command
    assert "--requirepass" not in command
    assert SERVICES["redis"]["environment"]["REDIS_PASSWORD"].startswith("${REDIS_PASSWORD:?")
    start_redis = (ROOT / "scripts" / "stack").read_text().split("start_redis() {", 1)[1]
    assert "requirepass $HT_REDIS_PASSWORD" in start_redis and "bind 127.0.0.1" in start_redis


# --- Debian's docker-compose validates the file ---------------------------------------------


@pytest.fixture(scope="module")
def docker_compose() -> str:
    path = shutil.which("docker-compose")
    if path is None:
        pytest.fail("docker-compose is not installed: run scripts/install-system-deps")
    return path


def compose_config(docker_compose: str, file: Path, *args: str, tmp_path: Path, secrets=SECRETS):
    """`docker-compose -f file [args] config -q` with placeholder secrets and an empty env file
    (a developer's .env does not count)."""
    empty = tmp_path / "empty.env"
    empty.write_text("")
    return subprocess.run(
        [docker_compose, "-f", str(file), "--env-file", str(empty), *args, "config", "-q"],
        env={"PATH": os.environ["PATH"], **dict.fromkeys(secrets, "0123abcd")},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_docker_compose_supports_profiles(docker_compose):
    out = subprocess.run([docker_compose, "--version"], capture_output=True, text=True).stdout
    major, minor = (int(n) for n in re.search(r"(\d+)\.(\d+)\.\d+", out).groups())
    assert (major, minor) >= (1, 28), f"profiles need docker-compose 1.28 or later: {out}"


@pytest.mark.parametrize("profile", [[], ["--profile", "celery"]], ids=["default", "celery"])
def test_docker_compose_accepts_the_file(docker_compose, profile, tmp_path):
    done = compose_config(docker_compose, ROOT / "docker-compose.yaml", *profile, tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr


def test_docker_compose_refuses_an_unknown_option(docker_compose, tmp_path):
    broken = tmp_path / "docker-compose.yaml"
    broken.write_text(COMPOSE_TEXT.replace("\n  redis:\n", "\n  redis:\n    replicas_of: 2\n", 1))
    done = compose_config(docker_compose, broken, "--profile", "celery", tmp_path=tmp_path)
    assert done.returncode != 0 and "replicas_of" in done.stderr


def test_docker_compose_refuses_to_start_without_the_redis_password(docker_compose, tmp_path):
    secrets = SECRETS - {"REDIS_PASSWORD"}
    file = ROOT / "docker-compose.yaml"
    done = compose_config(docker_compose, file, tmp_path=tmp_path, secrets=secrets)
    assert done.returncode != 0 and "set REDIS_PASSWORD in .env" in done.stderr
