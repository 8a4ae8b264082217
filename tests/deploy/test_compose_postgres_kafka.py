"""The stack's PostgreSQL and Kafka: init scripts create the databases and roles with passwords
from the environment, Kafka is a single KRaft node and clients bootstrap from its advertised
listener."""

from __future__ import annotations

import json
import re

from tests.deploy.compose_files import (
    COMMON,
    COMPOSE,
    SERVICES,
    env,
    healthcheck_text,
    init_scripts_text,
    mounts,
)

# --- PostgreSQL -----------------------------------------------------------------------------


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
