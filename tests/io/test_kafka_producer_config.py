"""The Kafka connection publish_events uses holds producer settings only.

A consumer key (group.id, auto.offset.reset) in the `hospital_kafka` connection reaches the
producer and the admin client the provider's hooks build from it, and librdkafka logs one
CONFWARN per key and client, which the task log shows at level ERROR in every successful run.
Both definitions the stack exports are checked with real clients against the test broker: the
one scripts/env.sh exports (read by the hooks, as the task does) and docker-compose.yaml's.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
import yaml
from airflow.providers.apache.kafka.hooks.client import KafkaAdminClientHook
from airflow.providers.apache.kafka.hooks.produce import KafkaProducerHook
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient

from hospital_twin.contracts import KAFKA_CONN_ID

pytestmark = pytest.mark.integration

COMPOSE = Path(__file__).resolve().parents[2] / "docker-compose.yaml"


class _Records(logging.Handler):
    """librdkafka's log lines, as a client given `logger` forwards them."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def _confwarns(client_type, config: dict) -> list[str]:
    """The CONFWARN lines a real client built from `config` logs."""
    records = _Records()
    logger = logging.getLogger(f"test.kafka.confwarn.{id(records)}")
    logger.addHandler(records)
    logger.propagate = False
    client = client_type({**config, "logger": logger})
    client.poll(0.5)  # serves the queued log lines to the logger
    return [line for line in records.lines if "CONFWARN" in line]


def test_the_hooks_producer_and_admin_client_log_no_config_warning(capfd) -> None:
    """The task's own path: the provider's hooks on the connection the environment exports.
    librdkafka writes its warnings to stderr (the task log's ERROR lines)."""
    producer = KafkaProducerHook(kafka_config_id=KAFKA_CONN_ID).get_producer()
    admin = KafkaAdminClientHook(kafka_config_id=KAFKA_CONN_ID).get_conn
    admin.list_topics(timeout=10)
    assert producer.flush(10) == 0
    err = capfd.readouterr().err
    assert "CONFWARN" not in err, f"connection {KAFKA_CONN_ID!r} gives the producer: {err}"


def test_the_exported_connection_holds_no_consumer_key(kafka_bootstrap: str) -> None:
    connection = KafkaProducerHook(kafka_config_id=KAFKA_CONN_ID).get_connection(KAFKA_CONN_ID)
    config = connection.extra_dejson
    assert config["bootstrap.servers"] == kafka_bootstrap
    assert _confwarns(Producer, config) == []
    assert _confwarns(AdminClient, config) == []


def test_the_compose_connection_holds_no_consumer_key(kafka_bootstrap: str) -> None:
    """Compose's broker (kafka:9092) is not reachable here; the warnings are raised when the
    client is created, so its settings are checked against the test broker."""
    common = yaml.safe_load(COMPOSE.read_text())["x-airflow-common"]["environment"]
    config = json.loads(common["AIRFLOW_CONN_HOSPITAL_KAFKA"])["extra"]
    config = {**config, "bootstrap.servers": kafka_bootstrap}
    assert _confwarns(Producer, config) == []
    assert _confwarns(AdminClient, config) == []


def test_a_consumer_key_is_seen(kafka_bootstrap: str) -> None:
    """The check above would see a consumer key if one came back."""
    config = {"bootstrap.servers": kafka_bootstrap, "group.id": "hospital-twin"}
    assert any("group.id" in line for line in _confwarns(Producer, config))
