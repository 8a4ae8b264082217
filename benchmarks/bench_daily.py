"""Benchmark: one simulated day, event publishing to Kafka, and COPY against row INSERTs.

1. Day: `day.run.run_day` (the call `hospital_daily` makes) from flow.warmup_census, with a
   VisitSampler built once and the shifts from setup.schedules.shifts_touching; the setup is
   timed apart. Median of `--day-repeats` identical runs = `day_seconds`. Target < 5 s.
2. Events: the day's events replicated to `--events` (fresh ids, keys drawn from the
   population) and published with streaming.publish to a scratch topic (3 partitions, lz4,
   deleted at the end) by a Producer tuned for throughput; the broker's offsets are checked
   and one message read back and validated. Target >= 50,000/s.
3. Warehouse: `--copy-rows` visits COPYed into dw.fact_visit of a scratch database with
   warehouse.copy_frame, against row-by-row INSERTs of `--insert-sample` rows. Target COPY
   >= 100,000 rows/s.

    HT_INSTANCE=test bash -c '. scripts/env.sh; .venv/bin/python benchmarks/bench_daily.py'

Needs HT_DW_DSN and HT_KAFKA_BOOTSTRAP (scripts/env.sh) and the cluster's local admin
(postgresql://postgres@127.0.0.1:$HT_PG_PORT/postgres, or --admin-dsn). Wall and CPU seconds
are both shown (the load average too). Prints readable lines, then one JSON object.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import statistics
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
import psycopg
from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic
from psycopg import sql

from hospital_twin.config import HospitalConfig, load_config
from hospital_twin.contracts import TOPICS
from hospital_twin.day import events, flow, visits
from hospital_twin.day.run import DayResult, run_day
from hospital_twin.io import kafka as streaming
from hospital_twin.io import migrations, warehouse
from hospital_twin.rng import stream
from hospital_twin.setup import illness, population, schedules, workforce

RUN = "HT_INSTANCE=test bash -c '. scripts/env.sh; .venv/bin/python benchmarks/bench_daily.py'"
TARGET_DAY_SECONDS = 5.0
TARGET_EVENTS_PER_S = 50_000
TARGET_COPY_ROWS_PER_S = 100_000
REQUIRED_ENV = ("HT_DW_DSN", "HT_KAFKA_BOOTSTRAP")
VISIT_TABLE = "dw.fact_visit"
EVENT_KINDS = ("emergency_transport", "patient_transfer")
COMPRESSIONS = ("none", "gzip", "snappy", "lz4", "zstd")
TOPIC_RETENTION_MS = 15 * 60 * 1000  # the benchmark topic is deleted at the end anyway

# Tuned for throughput: the batching knobs come from the command line.
PRODUCER = {"acks": "all", "queue.buffering.max.kbytes": 1 << 20}
TARGETS = {
    "day_seconds": lambda v: v < TARGET_DAY_SECONDS,
    "events_per_s": lambda v: v >= TARGET_EVENTS_PER_S,
    "copy_rows_per_s": lambda v: v >= TARGET_COPY_ROWS_PER_S,
}


def timed(fn, *args, **kwargs):
    w, c = time.perf_counter(), time.process_time()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - w, time.process_time() - c


def check_environment(admin_dsn: str | None) -> tuple[str, str, str]:
    """(warehouse DSN, Kafka bootstrap, admin DSN), or exit with what to do."""
    missing = [v for v in REQUIRED_ENV if not os.environ.get(v)]
    if not admin_dsn and not os.environ.get("HT_PG_PORT"):
        missing.append("HT_PG_PORT (or pass --admin-dsn)")
    if missing:
        sys.exit(f"bench_daily: {', '.join(missing)} not set; load the environment: {RUN}")
    admin_dsn = admin_dsn or f"postgresql://postgres@127.0.0.1:{os.environ['HT_PG_PORT']}/postgres"
    return os.environ["HT_DW_DSN"], os.environ["HT_KAFKA_BOOTSTRAP"], admin_dsn


# --- 1. one simulated day ---------------------------------------------------------------


@dataclass
class Setup:
    people: pd.DataFrame
    sampler: visits.VisitSampler
    shifts: pd.DataFrame  # the shifts that touch the day
    seconds: dict[str, float]


def day_shifts(config: HospitalConfig, staff: pd.DataFrame, day: dt.date) -> pd.DataFrame:
    """The shifts touching `day`, from the day's month and, on the 1st, the month before."""
    months = {(day.year, day.month)}
    before = day - dt.timedelta(days=1)
    if before.month != day.month and before >= config.simulation.start_date:
        months.add((before.year, before.month))
    monthly = [schedules.monthly_schedule(config, staff, y, m) for y, m in sorted(months)]
    return schedules.shifts_touching(monthly, day)


def build_setup(config: HospitalConfig, day: dt.date) -> Setup:
    seconds = {}
    people, seconds["population"], _ = timed(population.generate_population, config)
    profiles, seconds["illness"], _ = timed(illness.assign_illness_profiles, config, people)
    sampler, seconds["sampler"], _ = timed(visits.VisitSampler.from_frames, people, profiles)
    staff, seconds["staff"], _ = timed(workforce.generate_staff, config)
    shifts, seconds["schedule"], _ = timed(day_shifts, config, staff, day)
    return Setup(people[["person_id"]].copy(), sampler, shifts, seconds)


def one_day(config: HospitalConfig, day: dt.date, setup: Setup) -> tuple[DayResult, dict]:
    """The first day of `hospital_daily` (from the warm-up census), and each stage's seconds."""
    laps: dict[str, float] = {}
    t = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal t
        now = time.perf_counter()
        laps[name], t = now - t, now

    census = flow.warmup_census(config, day, person_ids=setup.people["person_id"].to_numpy())
    lap("warmup_census")
    result = run_day(
        config, day, None, None, census, setup.shifts, sampler=setup.sampler, after_stage=lap
    )
    return result, laps


def bench_day(config: HospitalConfig, day: dt.date, repeats: int) -> tuple[Setup, DayResult, dict]:
    setup = build_setup(config, day)
    s = setup.seconds
    print(
        f"setup (not in the day): population {s['population']:.2f} s + illness "
        f"{s['illness']:.2f} s for {len(setup.people):,} people; VisitSampler "
        f"{s['sampler']:.2f} s; staff {s['staff']:.2f} s; schedule {s['schedule']:.2f} s "
        f"({len(setup.shifts):,} shifts touch {day})"
    )
    walls, cpus, laps_all, first = [], [], [], None
    for _ in range(repeats):
        (result, laps), wall, cpu = timed(one_day, config, day, setup)
        if first is not None and not first.admissions.equals(result.admissions):
            raise RuntimeError("the day is not reproducible: its admissions differ")
        first = first or result
        walls, cpus, laps_all = [*walls, wall], [*cpus, cpu], [*laps_all, laps]
    transports, transfers = (len(result.events[TOPICS[k]]) for k in EVENT_KINDS)
    counts = result.summary() | {
        "visits": len(result.visits),
        "bed_requests": len(result.admissions),
    }
    counts |= {"transports": transports, "transfers": transfers, "events": transports + transfers}
    median = statistics.median(walls)
    stages = {k: statistics.median(laps[k] for laps in laps_all) for k in laps_all[0]}
    verdict = "ok" if median < TARGET_DAY_SECONDS else "MISSED"
    print(
        f"day {day}: {counts['visits']:,} visits, {counts['bed_requests']:,} bed requests "
        f"({counts['admissions']:,} admitted, {counts['refused']:,} refused), "
        f"{counts['discharges']:,} discharges, {counts['moves']:,} step-downs, "
        f"{counts['events']:,} events ({counts['transports']} transports, "
        f"{counts['transfers']} transfers)\n  {repeats} run(s): median {median:.3f} s, best "
        f"{min(walls):.3f} s, first "
        f"{walls[0]:.3f} s wall; median CPU {statistics.median(cpus):.3f} s "
        f"(target < {TARGET_DAY_SECONDS:g} s: {verdict})\n  median per stage: "
        + ", ".join(f"{k} {v:.3f} s" for k, v in stages.items())
    )
    figures = {
        "day": day.isoformat(), "people": len(setup.people), "day_seconds": round(median, 4),
        "day_seconds_best": round(min(walls), 4), "day_seconds_first": round(walls[0], 4),
        "day_cpu_seconds": round(statistics.median(cpus), 4), "day_repeats": repeats,
        "day_stage_seconds": {k: round(v, 4) for k, v in stages.items()},
        "setup_population_seconds": round(s["population"] + s["illness"], 3),
        "setup_sampler_seconds": round(s["sampler"], 3),
        "setup_staff_schedule_seconds": round(s["staff"] + s["schedule"], 3), **counts,
    }  # fmt: skip
    return setup, result, figures


# --- 2. publishing events ---------------------------------------------------------------


def replicate_events(base: list[dict], n: int, topic: str, day: dt.date, keys: np.ndarray):
    """`n` events cycling through `base`, each with its own event id and patient `keys[i]`."""
    if not base:
        raise RuntimeError("the simulated day produced no events to replicate")
    new = (
        {"event_id": events.event_id(day, topic, i + 1), "patient_id": int(keys[i])}
        for i in range(n)
    )
    return [base[i % len(base)] | ids for i, ids in enumerate(new)]


def producer_settings(bootstrap: str, args: argparse.Namespace) -> dict:
    return {"bootstrap.servers": bootstrap, "linger.ms": args.linger_ms,
            "batch.size": args.batch_bytes, "compression.type": args.compression,
            "queue.buffering.max.messages": max(2 * args.events, 100_000)}  # fmt: skip


def check_topic(bootstrap: str, topic: str, partitions: int) -> tuple[int, dict]:
    """(messages the broker holds in `topic`, one of them decoded) - proves it took lz4 & co."""
    group = {"group.id": f"bench-{uuid.uuid4().hex[:8]}", "enable.auto.commit": False}
    consumer = Consumer({"bootstrap.servers": bootstrap} | group)
    try:
        held = 0
        for p in range(partitions):
            low, high = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
            held += high - low
        consumer.assign([TopicPartition(topic, 0, 0)])
        msg = consumer.poll(10)
        if msg is None or msg.error():
            raise RuntimeError(f"could not read back {topic}: {msg.error() if msg else 'timeout'}")
        return held, json.loads(msg.value())
    finally:
        consumer.close()


def publish_to_scratch_topic(
    bootstrap: str, args: argparse.Namespace, topic: str, warm_up: list, messages: list
) -> tuple[int, float, float, int]:
    """Publish to a fresh topic, deleted afterwards: (sent, wall s, CPU s, messages held)."""
    admin = AdminClient({"bootstrap.servers": bootstrap})
    retention = {"retention.ms": str(TOPIC_RETENTION_MS)}
    admin.create_topics([NewTopic(topic, args.partitions, 1, config=retention)])[topic].result(30)
    try:
        producer = Producer(PRODUCER | producer_settings(bootstrap, args))
        streaming.publish(producer, topic, warm_up)  # connect and fetch metadata first
        sent, wall, cpu = timed(streaming.publish, producer, topic, messages)
        held, back = check_topic(bootstrap, topic, args.partitions)
        if held != sent + len(warm_up):
            raise RuntimeError(f"{topic}: broker holds {held} messages, sent {sent + len(warm_up)}")
        if problems := events.validate_event(back):
            raise RuntimeError(f"{topic}: a message read back is invalid: {problems}")
        return sent, wall, cpu, held
    finally:
        for future in admin.delete_topics([topic], operation_timeout=30).values():
            try:
                future.result(30)
            except KafkaException as e:
                print(f"warning: could not delete topic {topic}: {e}", file=sys.stderr)


def bench_events(
    bootstrap: str, args: argparse.Namespace, day: dt.date, setup: Setup, result: DayResult
) -> dict:
    base = [e for batch in result.events.values() for e in batch]
    topic = f"bench.events.{uuid.uuid4().hex[:12]}"
    keys = stream(args.seed, day, "bench.event_keys").choice(
        setup.people["person_id"].to_numpy(), args.events
    )
    batch, gen_s, _ = timed(replicate_events, base, args.events, topic, day, keys)
    sample = [*base, *batch[:: max(1, len(batch) // 2000)]]
    if problems := [p for e in sample for p in events.validate_event(e)]:
        raise RuntimeError(f"replicated events are invalid: {problems[:5]}")
    messages, enc_s, _ = timed(events.to_messages, batch)
    size = sum(len(k) + len(v) for k, v in messages)
    print(
        f"events: {len(batch):,} replicated from the day's {len(base)} in {gen_s:.2f} s "
        f"({len(sample):,} validated); encoded in {enc_s:.2f} s ({len(batch) / enc_s:,.0f}/s, "
        f"{size / len(batch):.0f} bytes each)"
    )
    warm_up = events.to_messages(base)
    sent, pub_s, pub_cpu, held = publish_to_scratch_topic(bootstrap, args, topic, warm_up, messages)
    rate = sent / pub_s
    verdict = "ok" if rate >= TARGET_EVENTS_PER_S else "MISSED"
    print(
        f"  published to {topic} ({args.partitions} partitions, {args.compression}, linger "
        f"{args.linger_ms} ms, batch {args.batch_bytes:,} B): {sent:,} in {pub_s:.2f} s wall, "
        f"{pub_cpu:.2f} s CPU = {rate:,.0f} events/s (target >= {TARGET_EVENTS_PER_S:,}: "
        f"{verdict}); encode + publish {sent / (enc_s + pub_s):,.0f}/s\n  broker holds "
        f"{held:,} messages; one read back and valid; topic deleted"
    )
    return {
        "events_published": sent, "event_bytes_mean": round(size / len(batch)),
        "publish_seconds": round(pub_s, 3), "publish_cpu_seconds": round(pub_cpu, 3),
        "events_per_s": round(rate), "encode_events_per_s": round(len(batch) / enc_s),
        "encode_publish_events_per_s": round(sent / (enc_s + pub_s)),
        "compression": args.compression, "linger_ms": args.linger_ms,
        "partitions": args.partitions,
    }  # fmt: skip


# --- 3. COPY against row INSERTs --------------------------------------------------------


def visits_frame(config: HospitalConfig, start: dt.date, rows: int, sampler) -> pd.DataFrame:
    """Visits of consecutive simulated days from `start` until there are at least `rows`."""
    frames = []
    while sum(map(len, frames)) < rows:
        day = start + dt.timedelta(days=len(frames))
        frames.append(visits.generate_visits(config, day, sampler=sampler))
    return pd.concat(frames, ignore_index=True)


@contextlib.contextmanager
def scratch_database(admin_dsn: str, dw_dsn: str) -> Iterator[tuple[str, str]]:
    """An empty database owned by hospital_writer, (name, DSN), dropped afterwards."""
    name = f"hospital_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_dsn, autocommit=True) as admin:
        admin.execute(
            sql.SQL("CREATE DATABASE {} OWNER hospital_writer").format(sql.Identifier(name))
        )
    try:
        yield name, dw_dsn.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def _emptied(conn: psycopg.Connection, expected: int) -> None:
    """Check the table holds `expected` rows, then empty it for the next measure."""
    held = conn.execute(f"SELECT count(*) FROM {VISIT_TABLE}").fetchone()[0]
    if held != expected:
        raise RuntimeError(f"{VISIT_TABLE} holds {held} rows, expected {expected}")
    conn.execute(f"TRUNCATE {VISIT_TABLE}")
    conn.commit()


def bench_warehouse(
    config: HospitalConfig, args: argparse.Namespace, dw_dsn: str, admin_dsn: str, setup: Setup
) -> dict:
    frame, gen_s, _ = timed(visits_frame, config, args.day, args.copy_rows, setup.sampler)
    days, n = frame["sim_date"].nunique(), len(frame)
    print(f"warehouse: {n:,} visits over {days} simulated days generated in {gen_s:.2f} s")
    with scratch_database(admin_dsn, dw_dsn) as (name, dsn), psycopg.connect(dsn) as conn:
        _, mig_s, _ = timed(migrations.migrate, conn)
        cols = warehouse.table_columns(conn, VISIT_TABLE)
        conn.commit()
        frame = frame[cols]
        print(f"  scratch database {name} created and migrated in {mig_s:.2f} s")

        def copy_all() -> int:
            with conn.transaction():
                return warehouse.copy_frame(conn, VISIT_TABLE, frame)

        copied, copy_s, copy_cpu = timed(copy_all)
        _emptied(conn, n)
        rows = list(
            frame.head(args.insert_sample).astype(object).itertuples(index=False, name=None)
        )
        inserted, ins_s, _ = timed(warehouse.insert_rows, conn, VISIT_TABLE, rows, cols)
        _emptied(conn, len(rows))
    copy_rate, insert_rate = copied / copy_s, inserted / ins_s
    verdict = "ok" if copy_rate >= TARGET_COPY_ROWS_PER_S else "MISSED"
    print(
        f"  COPY (warehouse.copy_frame) {copied:,} rows into {VISIT_TABLE} in {copy_s:.2f} s wall,"
        f" {copy_cpu:.2f} s client CPU = {copy_rate:,.0f} rows/s (target >= "
        f"{TARGET_COPY_ROWS_PER_S:,}: {verdict})\n  row-by-row INSERT (warehouse.insert_rows) "
        f"{inserted:,} rows in {ins_s:.2f} s = "
        f"{insert_rate:,.0f} rows/s; COPY is {copy_rate / insert_rate:.1f}x faster\n"
        f"  scratch database {name} dropped"
    )
    return {
        "copy_rows": copied, "copy_days": int(days), "copy_seconds": round(copy_s, 3),
        "copy_cpu_seconds": round(copy_cpu, 3), "copy_rows_per_s": round(copy_rate),
        "insert_rows": inserted, "insert_seconds": round(ins_s, 3),
        "insert_rows_per_s": round(insert_rate),
        "copy_vs_insert": round(copy_rate / insert_rate, 1),
    }  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--profile", default="default")
    ap.add_argument("--day", type=dt.date.fromisoformat, help="default: the simulation start")
    ap.add_argument("--day-repeats", type=int, default=3)
    ap.add_argument("--events", type=int, default=200_000)
    ap.add_argument("--partitions", type=int, default=3)
    ap.add_argument("--compression", default="lz4", choices=COMPRESSIONS)
    ap.add_argument("--linger-ms", type=int, default=20)
    ap.add_argument("--batch-bytes", type=int, default=1_000_000)
    ap.add_argument("--copy-rows", type=int, default=200_000)
    ap.add_argument("--insert-sample", type=int, default=5_000)
    ap.add_argument("--admin-dsn", help="default: postgresql://postgres@127.0.0.1:$HT_PG_PORT")
    args = ap.parse_args()
    dw_dsn, bootstrap, admin_dsn = check_environment(args.admin_dsn)
    config = load_config(args.profile)
    args.day = args.day or config.simulation.start_date
    args.seed = config.seed
    started = time.perf_counter()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; {args.profile}")

    setup, result, figures = bench_day(config, args.day, args.day_repeats)
    figures |= bench_events(bootstrap, args, args.day, setup, result)
    figures |= bench_warehouse(config, args, dw_dsn, admin_dsn, setup)
    figures["targets_met"] = {k: met(figures[k]) for k, met in TARGETS.items()}
    figures["total_seconds"] = round(time.perf_counter() - started, 1)
    figures["load_average"] = round(os.getloadavg()[0], 2)
    print(f"total {figures['total_seconds']:.0f} s; load average {figures['load_average']:.1f}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
