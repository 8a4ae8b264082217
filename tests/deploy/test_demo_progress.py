"""`make run`'s progress bar: days done, the pace of this run's days, the time left."""

from __future__ import annotations

from scripts.demo import progress_line


def test_the_bar_shows_days_done_pace_and_time_left() -> None:
    line = progress_line(done=30, total=120, new=30, elapsed=150.0, width=12)
    assert "███░░░░░░░░░ 30/120 days" in line
    assert "5.0 s/day" in line and "ETA 7 min 30 s" in line


def test_days_an_earlier_run_made_do_not_count_in_the_pace() -> None:
    line = progress_line(done=100, total=120, new=0, elapsed=20.0)
    assert "100/120 days" in line and "starting" in line and "ETA -" in line
    assert "10.0 s/day" in progress_line(done=110, total=120, new=10, elapsed=100.0)
