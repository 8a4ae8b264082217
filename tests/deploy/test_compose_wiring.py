"""How the Airflow services are wired: the warehouse, metadata and execution API connections, the
executor and DAG settings, the stream processor, the lake volume and the code mounts the image
expects."""

from __future__ import annotations

import pytest

from tests.deploy.compose_files import (
    COMMON,
    COMPOSE,
    IMAGE_SERVICES,
    LAKE,
    SERVICES,
    command_text,
    dockerfile_env,
    env,
    mounts,
    url_of,
)

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
    broker = url_of(common["AIRFLOW__CELERY__BROKER_URL"])
    assert (broker.scheme, broker.hostname, broker.password) == ("redis", "redis", "var")
    assert "@postgres:5432/airflow" in common["AIRFLOW__CELERY__RESULT_BACKEND"]


def test_dags_run_unpaused_without_examples():
    common = COMMON["environment"]
    assert common["AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION"] == "False"
    assert common["AIRFLOW__CORE__LOAD_EXAMPLES"] == "False"
    assert "AIRFLOW__CORE__PARALLELISM" in common


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
