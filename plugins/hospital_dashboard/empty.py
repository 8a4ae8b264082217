"""The dashboard's one empty state: a view with nothing to show says which DAG runs fill it.

Every view (the page's banner, each section, each chart) says it with `message` in the one
markup of `empty_state`, so the page never words the same gap two ways, and names only the runs
still missing: the pipeline runs in order (setup, then daily days, then capacity studies) and a
stage whose data the warehouse already holds is left out.
"""

from __future__ import annotations

from collections.abc import Mapping

from markupsafe import Markup

# The pipeline, in order: stage -> what to run for it.
PIPELINE = {
    "setup": "hospital_setup (once)",
    "daily": "hospital_daily (trigger it, or backfill a range of days)",
    "capacity": "hospital_capacity_scenarios",
}
# Views that need more than a stage's first run: what to run for them once the stage ran.
MORE = {
    "history": (
        "daily",
        "hospital_daily over a longer range of days (the forecaster is backtested once its "
        "history is long enough)",
    ),
}
NEEDS = (*PIPELINE, *MORE)


def message(needs: str, has_data: Mapping[str, bool] | None = None) -> str:
    """What to run for a view that needs the stage `needs` ("daily", "history" or "capacity"),
    given which stages already left data (`has_data`, as the summary reports it)."""
    if needs not in NEEDS:
        raise ValueError(f"empty state: unknown need {needs!r}; expected one of {NEEDS}")
    done = dict(has_data or {})
    if done.get("daily") or done.get("capacity"):
        done["setup"] = True  # days and studies need the setup: it ran
    stage, extra = MORE.get(needs, (needs, None))
    stages = list(PIPELINE)[: list(PIPELINE).index(stage) + 1]
    # Nothing missing upstream, yet the view is empty (a short history, a ward the run did not
    # study): its own stage again, or what it needs beyond the stage's first run.
    steps = [PIPELINE[s] for s in stages if not done.get(s)] or [extra or PIPELINE[stage]]
    return "Nothing to show yet: run " + ", then ".join(steps) + "."


def empty_state(needs: str, has_data: Mapping[str, bool] | None = None) -> Markup:
    """The markup every view uses when it has nothing to show."""
    return Markup('<p class="empty-state" data-needs="{}">{}</p>').format(
        needs, message(needs, has_data)
    )
