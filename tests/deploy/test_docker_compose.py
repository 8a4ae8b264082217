"""The container stack keeps its promises: docker-compose.yaml, Dockerfile, .env.example and
docker/postgres-init are read and checked here without Docker (no engine on this machine).
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_TEXT = (ROOT / "docker-compose.yaml").read_text()
COMPOSE = yaml.safe_load(COMPOSE_TEXT)  # safe_load resolves the `<<: *anchor` merges
SERVICES: dict[str, dict] = COMPOSE["services"]
COMMON: dict = COMPOSE["x-airflow-common"]
DOCKERFILE = (ROOT / "Dockerfile").read_text()
ENV_EXAMPLE = (ROOT / ".env.example").read_text()
INIT_DIR = ROOT / "docker" / "postgres-init"

CELERY_SERVICES = {"redis", "airflow-worker", "flower"}
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
        "airflow-worker",
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


@pytest.mark.parametrize("name", ["airflow-worker", "flower"])
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


def test_redis_health_is_a_ping():
    assert healthcheck_text("redis").endswith("redis-cli ping")


def test_stream_processor_healthcheck_is_valid_python_checking_process_and_warehouse():
    test = SERVICES["stream-processor"]["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python", "-c"]
    compile(test[3], "stream-processor-healthcheck", "exec")
    assert "hospital_twin.services.stream_processor" in test[3] and "HT_DW_DSN" in test[3]


# --- PostgreSQL -----------------------------------------------------------------------------


def init_scripts_text() -> str:
    files = sorted([*INIT_DIR.glob("*.sh"), *INIT_DIR.glob("*.sql")])
    assert files, "docker/postgres-init holds no init script"
    return "\n".join(f.read_text() for f in files)


def test_postgres_init_scripts_are_mounted_into_the_image_init_directory():
    assert mounts("postgres")["/docker-entrypoint-initdb.d"] == "./docker/postgres-init"
    assert SERVICES["postgres"]["image"] == "postgres:15"
    assert mounts("postgres")["/var/lib/postgresql/data"] in COMPOSE["volumes"]


def test_postgres_init_creates_the_airflow_and_hospital_databases_with_their_owners():
    text = init_scripts_text()
    assert "CREATE DATABASE airflow OWNER airflow" in text
    assert "CREATE DATABASE hospital OWNER hospital_writer" in text


def test_postgres_init_creates_the_three_roles_with_passwords_from_the_environment():
    text = init_scripts_text()
    for role in ("airflow", "hospital_writer", "hospital_analyst"):
        assert f"CREATE ROLE {role} LOGIN" in text
        assert re.search(rf"ALTER ROLE {role} LOGIN PASSWORD :'\w+'", text), role
    assert not re.search(r"PASSWORD\s+'", text), "no literal password in the init script"
    postgres_env = env("postgres")
    for var in ("AIRFLOW_DB_PASSWORD", "HT_WRITER_PASSWORD", "HT_ANALYST_PASSWORD"):
        assert f'"${var}"' in text
        assert postgres_env[var].startswith(f"${{{var}:?")


# --- Kafka ----------------------------------------------------------------------------------


def test_kafka_is_a_single_kraft_node_without_zookeeper():
    kafka_env = env("kafka")
    assert set(kafka_env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    assert kafka_env["KAFKA_CONTROLLER_QUORUM_VOTERS"].startswith(f"{kafka_env['KAFKA_NODE_ID']}@")
    assert "CONTROLLER" in kafka_env["KAFKA_CONTROLLER_LISTENER_NAMES"]
    assert not any("zookeeper" in k.lower() for k in kafka_env)
    assert not any("zookeeper" in name for name in SERVICES)
    assert SERVICES["kafka"]["image"].startswith("apache/kafka:")


def test_kafka_auto_creates_topics_and_keeps_them_briefly():
    kafka_env = env("kafka")
    assert kafka_env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "true"
    assert int(kafka_env["KAFKA_LOG_RETENTION_HOURS"]) <= 72


def test_kafka_health_lists_topics_through_the_bootstrap_server():
    assert "kafka-topics.sh --bootstrap-server" in healthcheck_text("kafka")


def test_kafka_clients_bootstrap_from_the_advertised_listener():
    advertised = env("kafka")["KAFKA_ADVERTISED_LISTENERS"].split("//", 1)[1]
    conn = json.loads(COMMON["environment"]["AIRFLOW_CONN_HOSPITAL_KAFKA"])
    assert conn["conn_type"] == "kafka"
    assert conn["extra"]["bootstrap.servers"] == advertised == "kafka:9092"
    assert COMMON["environment"]["HT_KAFKA_BOOTSTRAP"] == advertised


# --- connections and Airflow settings -------------------------------------------------------


def test_warehouse_connection_and_dsn_reach_the_hospital_database_as_writer():
    common = COMMON["environment"]
    for key in ("AIRFLOW_CONN_HOSPITAL_DW", "HT_DW_DSN"):
        url = url_of(common[key])
        assert (url.scheme, url.hostname, url.path) == ("postgresql", "postgres", "/hospital"), key
        assert url.username == "hospital_writer"
        assert "${HT_WRITER_PASSWORD:?" in common[key]


def test_airflow_metadata_lives_in_the_airflow_database():
    url = url_of(COMMON["environment"]["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
    assert (url.scheme, url.hostname, url.path) == ("postgresql+psycopg2", "postgres", "/airflow")
    assert url.username == "airflow"


def test_tasks_reach_the_execution_api_on_the_apiserver_service():
    url = url_of(COMMON["environment"]["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"])
    assert url.hostname == "airflow-apiserver" and url.path == "/execution/"
    published = SERVICES["airflow-apiserver"]["ports"][0]
    assert published.rsplit(":", 1)[1] == str(url.port)


def test_executor_defaults_to_local_and_celery_is_one_variable_away():
    common = COMMON["environment"]
    assert common["AIRFLOW__CORE__EXECUTOR"] == "${AIRFLOW_EXECUTOR:-LocalExecutor}"
    assert common["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://redis:")
    assert "@postgres:5432/airflow" in common["AIRFLOW__CELERY__RESULT_BACKEND"]


def test_dags_run_unpaused_without_examples():
    common = COMMON["environment"]
    assert common["AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION"] == "False"
    assert common["AIRFLOW__CORE__LOAD_EXAMPLES"] == "False"
    assert "AIRFLOW__CORE__PARALLELISM" in common


def test_celery_worker_can_be_scaled():
    worker = SERVICES["airflow-worker"]
    assert command_text("airflow-worker") == "celery worker"
    assert "container_name" not in worker and "ports" not in worker


# --- the stream processor and the lake ------------------------------------------------------


def test_stream_processor_runs_the_module_and_restarts_unless_stopped():
    assert command_text("stream-processor") == "python -m hospital_twin.services.stream_processor"
    assert SERVICES["stream-processor"]["restart"] == "unless-stopped"


@pytest.mark.parametrize("name", IMAGE_SERVICES)
def test_lake_volume_is_mounted_where_ht_lake_points(name):
    assert env(name)["HT_LAKE"] == LAKE
    assert mounts(name)[LAKE] == "lake"
    assert "lake" in COMPOSE["volumes"]


def test_code_mounts_land_where_the_image_looks_for_code():
    image_env = dockerfile_env()
    code = {target: source for target, source in mounts("airflow-scheduler").items()}
    assert code[image_env["AIRFLOW__CORE__DAGS_FOLDER"]] == "./dags"
    assert code[image_env["AIRFLOW__CORE__PLUGINS_FOLDER"]] == "./plugins"
    assert code[image_env["HT_SQL_DIR"]] == "./sql"
    assert code[f"{image_env['HT_REPO']}/include"] == "./include"
    assert image_env["HT_LAKE"] == LAKE
    assert "airflow-logs" in {mounts("airflow-scheduler").get("/opt/airflow/logs")}


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


# --- the image ------------------------------------------------------------------------------

BASE = re.search(r"^FROM apache/airflow:(\d+\.\d+\.\d+)-python(\d+\.\d+)\s*$", DOCKERFILE, re.M)


def test_image_builds_on_airflow_3_3_for_python_3_11():
    assert BASE, "Dockerfile must start FROM apache/airflow:<version>-python<version>"
    assert BASE.group(1).startswith("3.3.")
    assert BASE.group(2) == "3.11"


def test_lock_pins_the_airflow_version_of_the_base_image():
    pin = re.search(r"^apache-airflow==(\S+)", (ROOT / "requirements.txt").read_text(), re.M)
    assert pin and BASE and pin.group(1) == BASE.group(1)


def test_image_installs_the_lock_and_the_hospital_twin_package():
    assert re.search(r"^RUN pip install .*-r \S*requirements\.txt", DOCKERFILE, re.M)
    assert re.search(r'pip install --no-cache-dir --no-deps -e "\$HT_REPO"', DOCKERFILE)
    assert "import hospital_twin" in DOCKERFILE
