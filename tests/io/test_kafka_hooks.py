"""The apache-kafka provider's hooks produce to and consume from the real local broker.

The twin's connection (`KAFKA_CONN_ID`) holds producer settings only; nothing in the twin
consumes through an Airflow connection (the stream processor has its own group), so this test
gives its consumer a connection of its own: the same broker plus a group and offset policy.
"""

from __future__ import annotations

import json
import time
import uuid

import pytest
from airflow.providers.apache.kafka.hooks.client import KafkaAdminClientHook
from airflow.providers.apache.kafka.hooks.consume import KafkaConsumerHook
from airflow.providers.apache.kafka.hooks.produce import KafkaProducerHook

from hospital_twin.contracts import KAFKA_CONN_ID

pytestmark = pytest.mark.integration


def test_kafka_hooks_round_trip_messages_in_order_per_key(monkeypatch, kafka_bootstrap) -> None:
    topic = f"it.roundtrip.{uuid.uuid4().hex[:8]}"
    consumer_extra = {
        "bootstrap.servers": kafka_bootstrap,
        "group.id": f"it-{topic}",
        "auto.offset.reset": "earliest",
    }
    monkeypatch.setenv(
        "AIRFLOW_CONN_IT_KAFKA_CONSUMER",
        json.dumps({"conn_type": "kafka", "extra": consumer_extra}),
    )
    KafkaAdminClientHook(kafka_config_id=KAFKA_CONN_ID).create_topic([(topic, 3, 1)])

    producer = KafkaProducerHook(kafka_config_id=KAFKA_CONN_ID).get_producer()
    sent = {f"patient-{i % 7}": [] for i in range(7)}
    for i in range(200):
        key = f"patient-{i % 7}"
        producer.produce(topic, key=key.encode(), value=f"{i}".encode())
        sent[key].append(str(i))
    assert producer.flush(30) == 0

    consumer = KafkaConsumerHook(topics=[topic], kafka_config_id="it_kafka_consumer").get_consumer()
    got: dict[str, list[str]] = {k: [] for k in sent}
    deadline = time.monotonic() + 60
    try:
        while sum(map(len, got.values())) < 200 and time.monotonic() < deadline:
            for msg in consumer.consume(num_messages=100, timeout=1.0):
                assert msg.error() is None, msg.error()
                got[msg.key().decode()].append(msg.value().decode())
        consumer.commit(asynchronous=False)
    finally:
        consumer.close()
    assert got == sent
