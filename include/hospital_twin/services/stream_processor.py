"""The stream processor: a long-running consumer-group service landing the twin's events.

Run as `python -m hospital_twin.services.stream_processor` (the local stack and
docker-compose start it).
It consumes the event topics in batches, lands each batch durably (lake JSON + warehouse rows,
see `streaming.land_batch`) and only then commits the batch's offsets. Several instances may
run in one consumer group; the range assignor spreads partitions between them.

It never migrates the warehouse: it checks, on every (re)connect, that no migration is pending
and stops with the command to run if one is (`hospital_twin.io.migrations`), so a schema change
happens once, at deployment, not whenever a consumer reconnects.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
from confluent_kafka import Consumer, KafkaError, Producer
from confluent_kafka.admin import AdminClient

from hospital_twin.io import kafka as streaming
from hospital_twin.io import migrations, warehouse
from hospital_twin.io.lake import Lake

log = logging.getLogger("hospital_twin.services.stream_processor")
GROUP_ID = "hospital-stream-processor"
RECONNECT_SECONDS = 2.0
# A member that has had no partition this long is stalled (the broker may still hold a dead
# member of the group): it says so and exits, and the stack's supervisor starts a fresh one.
STALL_SECONDS = float(os.environ.get("HT_STALL_SECONDS", "90"))
STALLED_EXIT = 3
# Touched on every loop turn; the supervisor restarts a processor whose heartbeat is old.
HEARTBEAT_FILE = os.environ.get("HT_HEARTBEAT_FILE")


class Stalled(RuntimeError):
    """The consumer has been given no partition for STALL_SECONDS."""


def heartbeat() -> None:
    """Show the supervisor this process is alive and turning (no-op without a file)."""
    if HEARTBEAT_FILE:
        Path(HEARTBEAT_FILE).touch()


def kafka_config() -> dict[str, str]:
    """The broker from $HT_KAFKA_BOOTSTRAP (scripts/env.sh, compose), plus $HT_KAFKA_CONFIG.

    HT_KAFKA_CONFIG is a JSON object of librdkafka settings for a real cluster, e.g.
    {"security.protocol": "SASL_SSL", "sasl.mechanisms": "SCRAM-SHA-512", ...}.
    """
    bootstrap = os.environ.get("HT_KAFKA_BOOTSTRAP")
    if not bootstrap:
        raise RuntimeError("HT_KAFKA_BOOTSTRAP is not set: where is the Kafka broker?")
    extra = json.loads(os.environ.get("HT_KAFKA_CONFIG") or "{}")
    return {**extra, "bootstrap.servers": bootstrap}


def member_id() -> str:
    """This processor's static member id: $HT_STREAM_MEMBER_ID, else one per host.

    Two processes with one id in one group fence each other: give each instance its own.
    """
    return os.environ.get("HT_STREAM_MEMBER_ID") or f"stream-{socket.gethostname()}"


def make_consumer(config: dict[str, str], group_id: str = GROUP_ID) -> Consumer:
    """A group member that commits by hand (after landing) and shares partitions by range."""
    return Consumer(
        {
            **config,
            "group.id": group_id,
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
            "partition.assignment.strategy": "range",
            # Static membership: a restarted processor takes its dead predecessor's place at
            # once. With dynamic ids the broker waits for the dead member to rejoin (up to the
            # rebalance timeout, minutes) and the new one gets no partition meanwhile.
            "group.instance.id": member_id(),
            # A member that is gone for good is dropped after 10 s (default 45 s), and a
            # rebalance waits at most 60 s for members to rejoin (default 300 s).
            "session.timeout.ms": 10_000,
            "max.poll.interval.ms": 60_000,
            "heartbeat.interval.ms": 2_000,
        }
    )


def run(
    stop_after_idle: float | None = None, batch_size: int = 500, group_id: str = GROUP_ID
) -> streaming.Landed:
    """Consume until SIGTERM/SIGINT (or `stop_after_idle` seconds without messages).

    The service's entry point (tests call it with `stop_after_idle`). Offsets are committed only
    after a batch is landed, so a crash re-delivers the batch instead of losing it, and the
    landing is idempotent, so re-delivery does not duplicate rows. Returns the rows landed.
    """
    config = kafka_config()
    streaming.ensure_topics(AdminClient(config))
    lake_stream = Lake.from_env().path("stream", "")
    stopping = False

    def stop(signum, _frame) -> None:
        nonlocal stopping
        log.info("signal %s: finishing the current batch", signum)
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    conn = _connect()  # first: with the schema behind, there is nothing to consume for
    consumer = make_consumer(config, group_id)
    dead_letter = Producer({**config, "enable.idempotence": True})  # no duplicate dead letters
    watch = AssignmentWatch(group_id)
    consumer.subscribe(
        list(streaming.LANDING_TABLES), on_assign=watch.assign, on_revoke=watch.revoke
    )
    try:
        return _consume(
            consumer,
            conn,
            dead_letter,
            lake_stream,
            watch,
            batch_size,
            stop_after_idle,
            lambda: stopping,
        )
    finally:
        consumer.close()


def _consume(
    consumer: Consumer,
    conn: psycopg.Connection,
    dead_letter: Producer,
    lake_stream: Path,
    watch: AssignmentWatch,
    batch_size: int,
    stop_after_idle: float | None,
    stopping: Callable[[], bool],
) -> streaming.Landed:
    """The loop: consume a batch, land it, commit its offsets; until stopped or idle."""
    total = streaming.Landed()
    idle_since = time.monotonic()
    while not stopping():
        heartbeat()
        watch.check()
        batch = [m for m in consumer.consume(batch_size, timeout=1.0) if _ok(m)]
        if not batch:
            if stop_after_idle is not None and time.monotonic() - idle_since > stop_after_idle:
                break
            continue
        idle_since = time.monotonic()
        while True:
            try:
                landed = streaming.land_batch(conn, Path(lake_stream), batch, dead_letter)
                break
            except psycopg.OperationalError as e:  # warehouse restarted: reconnect, land again
                log.warning("warehouse connection lost (%s); reconnecting", e)
                heartbeat()
                conn.close()
                time.sleep(RECONNECT_SECONDS)
                conn = _connect()
        consumer.commit(asynchronous=False)  # only after the rows are durable
        for table, n in landed.rows.items():
            total.rows[table] = total.rows.get(table, 0) + n
        total.rejected += landed.rejected
        log.info("landed %s, rejected %d", landed.rows, landed.rejected)
    conn.close()
    return total


class AssignmentWatch:
    """Raises Stalled when the consumer has held no partition for STALL_SECONDS."""

    def __init__(self, group_id: str) -> None:
        self.group_id = group_id
        self.partitions = 0
        self.without_since = time.monotonic()

    def assign(self, _consumer, partitions) -> None:
        self.partitions = len(partitions)
        log.info("assigned %d partition(s) in group %s", self.partitions, self.group_id)
        if not self.partitions:
            self.without_since = time.monotonic()

    def revoke(self, _consumer, partitions) -> None:
        log.info("revoked %d partition(s)", len(partitions))
        self.partitions = 0
        self.without_since = time.monotonic()

    def check(self) -> None:
        waited = time.monotonic() - self.without_since
        if not self.partitions and waited > STALL_SECONDS:
            raise Stalled(
                f"STALLED: no partition assigned for {waited:.0f} s in group {self.group_id} "
                "(the broker may still hold a dead member); exiting so a fresh member joins"
            )


def _connect() -> psycopg.Connection:
    """A warehouse connection, waiting for the warehouse when it is (re)starting.

    Raises `migrations.MigrationsPending` when the schema is behind the files: landing rows in
    tables that are not there yet would only fail batch after batch.
    """
    while True:
        conn = None
        try:
            conn = warehouse.connect()
            migrations.require_current(conn)
            return conn
        except psycopg.OperationalError as e:
            log.warning("warehouse not reachable (%s); retrying", e)
            heartbeat()
        except migrations.MigrationError:
            conn.close()
            raise
        if conn is not None:
            conn.close()
        time.sleep(RECONNECT_SECONDS)


def _ok(msg) -> bool:
    """A message to land; partition ends are skipped quietly, other errors are logged."""
    err = msg.error()
    if err is None:
        return True
    if err.code() != KafkaError._PARTITION_EOF:
        log.warning("consumer error: %s", err)
    return False


def main() -> None:
    """`python -m hospital_twin.services.stream_processor`: run until stopped, log the totals.

    Exits 1 with the reason (and the command to run) when the warehouse schema is not current.
    """
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    log.info("stream processor starting (group %s)", GROUP_ID)
    try:
        total = run()
    except migrations.MigrationError as e:
        log.error("cannot land events: %s", e)
        raise SystemExit(1) from e
    except Stalled as e:
        log.error("%s", e)
        raise SystemExit(STALLED_EXIT) from e
    log.info("stopped; landed %s, rejected %d", total.rows, total.rejected)


if __name__ == "__main__":
    main()
