"""docker-compose.yaml defines the stack's services: the default set, the celery profile, one
image and environment for the Airflow services, the init job that migrates, and a healthcheck on
every long-running service."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.deploy.compose_files import (
    CELERY_SERVICES,
    CELERY_WORKERS,
    COMMON,
    COMPOSE,
    COMPOSE_TEXT,
    DEFAULT_SERVICES,
    IMAGE_SERVICES,
    LONG_RUNNING,
    SERVICES,
    command_text,
    healthcheck_text,
    mounts,
)

# --- the service set -----------------------------------------------------------------------


def test_compose_defines_the_stack_services_and_nothing_else():
    assert set(SERVICES) == DEFAULT_SERVICES | CELERY_SERVICES


def test_celery_services_start_only_with_the_celery_profile():
    for name in CELERY_SERVICES:
        assert SERVICES[name].get("profiles") == ["celery"], name
    for name in DEFAULT_SERVICES:
        assert "profiles" not in SERVICES[name], f"{name} must start with a plain `up`"


# --- Airflow services share one image and one environment -----------------------------------


@pytest.mark.parametrize("name", [*IMAGE_SERVICES, "airflow-init"])
def test_airflow_service_uses_the_common_image_user_and_environment(name):
    service = SERVICES[name]
    assert service["build"] == {"context": ".", "dockerfile": "Dockerfile"}
    assert service["image"] == COMMON["image"]
    common_env = COMMON["environment"]
    assert {k: service["environment"].get(k) for k in common_env} == common_env
    if name != "airflow-init":  # runs as root to hand the volumes to AIRFLOW_UID
        assert service["user"] == COMMON["user"] == "${AIRFLOW_UID:-50000}:0"


@pytest.mark.parametrize("name", IMAGE_SERVICES)
def test_airflow_service_waits_for_init_success_and_healthy_postgres_and_kafka(name):
    depends = SERVICES[name]["depends_on"]
    assert depends["airflow-init"] == {"condition": "service_completed_successfully"}
    assert depends["postgres"] == {"condition": "service_healthy"}
    assert depends["kafka"] == {"condition": "service_healthy"}


@pytest.mark.parametrize("name", [*CELERY_WORKERS, "flower"])
def test_celery_service_waits_for_healthy_redis(name):
    assert SERVICES[name]["depends_on"]["redis"] == {"condition": "service_healthy"}


def test_airflow_init_migrates_airflow_and_the_warehouse_after_postgres_is_healthy():
    init = SERVICES["airflow-init"]
    assert init["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert init["environment"]["_AIRFLOW_DB_MIGRATE"] == "true"
    script = command_text("airflow-init")
    assert "/entrypoint airflow version" in script  # runs `airflow db migrate`
    assert "python -m hospital_twin.io.migrations" in script
    assert "restart" not in init, "a one-shot service must not restart"


def test_only_the_init_job_migrates_the_warehouse():
    runner = "hospital_twin.io.migrations"
    assert [name for name in SERVICES if runner in command_text(name)] == ["airflow-init"]
    assert "hospital_twin.io.warehouse migrate" not in COMPOSE_TEXT


def test_airflow_init_writes_the_admin_password_file_the_apiserver_reads():
    common = COMMON["environment"]
    assert common["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS"] == "admin:admin"
    password_file = common["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"]
    script = command_text("airflow-init")
    assert "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE" in script
    assert "AIRFLOW_ADMIN_PASSWORD" in script
    assert SERVICES["airflow-init"]["environment"]["AIRFLOW_ADMIN_PASSWORD"].startswith(
        "${AIRFLOW_ADMIN_PASSWORD:?"
    )
    auth_dir = str(Path(password_file).parent)
    assert mounts("airflow-apiserver")[auth_dir] == mounts("airflow-init")[auth_dir]
    assert mounts("airflow-apiserver")[auth_dir] in COMPOSE["volumes"]


# --- health ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", LONG_RUNNING)
def test_long_running_service_has_a_healthcheck(name):
    check = SERVICES[name].get("healthcheck")
    assert check and check["test"][0] in {"CMD", "CMD-SHELL"}, name


def test_apiserver_health_is_the_monitor_endpoint_on_its_port():
    assert "http://localhost:8080/api/v2/monitor/health" in healthcheck_text("airflow-apiserver")
    assert command_text("airflow-apiserver") == "api-server"


def test_postgres_is_healthy_only_when_it_accepts_tcp_connections():
    text = healthcheck_text("postgres")
    assert "pg_isready" in text and "-h 127.0.0.1" in text


def test_scheduler_health_endpoint_is_enabled():
    assert COMMON["environment"]["AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK"] == "True"
    assert "localhost:8974/health" in healthcheck_text("airflow-scheduler")


@pytest.mark.parametrize(
    ("name", "job"),
    [("airflow-dag-processor", "DagProcessorJob"), ("airflow-triggerer", "TriggererJob")],
)
def test_job_health_is_checked_for_this_container_host(name, job):
    text = healthcheck_text(name)
    assert f"airflow jobs check --job-type {job}" in text
    assert '"$${HOSTNAME}"' in text  # escaped: the container's hostname, not the host's


def test_redis_health_is_an_authenticated_ping():
    text = healthcheck_text("redis")
    assert 'REDISCLI_AUTH="$$REDIS_PASSWORD" redis-cli ping | grep -q PONG' in text


def test_stream_processor_healthcheck_is_valid_python_checking_process_and_warehouse():
    test = SERVICES["stream-processor"]["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python", "-c"]
    compile(test[3], "stream-processor-healthcheck", "exec")
    assert "hospital_twin.services.stream_processor" in test[3] and "HT_DW_DSN" in test[3]
