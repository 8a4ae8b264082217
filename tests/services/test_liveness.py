"""A stalled consumer says so and exits (so the supervisor starts a fresh member)."""

from __future__ import annotations

import logging
import time

import pytest

from hospital_twin.services import stream_processor as sp


def test_a_member_without_partitions_past_the_limit_is_stalled() -> None:
    watch = sp.AssignmentWatch("g")
    watch.without_since = time.monotonic() - sp.STALL_SECONDS - 1
    with pytest.raises(sp.Stalled, match="STALLED: no partition assigned .* in group g"):
        watch.check()


def test_a_member_holding_partitions_is_not_stalled() -> None:
    watch = sp.AssignmentWatch("g")
    watch.assign(None, [object()])
    watch.without_since = time.monotonic() - sp.STALL_SECONDS - 1
    watch.check()
    watch.revoke(None, [object()])
    watch.check()  # the clock restarts at a revocation: a rebalance is not a stall


def test_main_exits_with_the_stalled_code_and_a_clear_log_line(monkeypatch, caplog) -> None:
    def stalled(**_kwargs):
        raise sp.Stalled("STALLED: no partition assigned for 91 s in group g")

    monkeypatch.setattr(sp, "run", stalled)
    with caplog.at_level(logging.ERROR), pytest.raises(SystemExit) as stopped:
        sp.main()
    assert stopped.value.code == sp.STALLED_EXIT
    assert "STALLED" in caplog.text


def test_the_heartbeat_file_is_touched(monkeypatch, tmp_path) -> None:
    beat = tmp_path / "beat"
    monkeypatch.setattr(sp, "HEARTBEAT_FILE", str(beat))
    sp.heartbeat()
    assert beat.exists()


def test_a_real_cluster_gets_its_security_settings(monkeypatch) -> None:
    monkeypatch.setenv("HT_KAFKA_BOOTSTRAP", "broker:9093")
    monkeypatch.setenv("HT_KAFKA_CONFIG", '{"security.protocol": "SASL_SSL"}')
    assert sp.kafka_config() == {
        "security.protocol": "SASL_SSL",
        "bootstrap.servers": "broker:9093",
    }
