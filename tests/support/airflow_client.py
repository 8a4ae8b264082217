"""A client for the Airflow REST API (v2), for the end-to-end tests, the browser test and the demo.

No Airflow import: these drive the stack the way a user's tooling would, through the public API.
httpx does the HTTP (one Client with the base URL and the JWT from `POST /auth/token`); tenacity
does the waiting. Every failure raises an `AirflowError` subclass whose message names the DAG,
the run and the state it was in, so a red test says what went wrong without a debugger.

Credentials come from the environment (scripts/env.sh): HT_API_URL, HT_ADMIN_USER (default
`admin`) and HT_ADMIN_PASSWORD.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    retry_if_result,
    stop_after_delay,
    wait_fixed,
)

T = TypeVar("T")
POLL_SECONDS = 3.0


class AirflowError(Exception):
    """Anything the stack answered that the caller did not ask for."""


class AirflowHTTPError(AirflowError):
    """A non-2xx answer; keeps the status and the body Airflow explained it with."""

    def __init__(self, method: str, path: str, status_code: int, body: str) -> None:
        super().__init__(f"{method} {path} -> {status_code}: {body[:2000]}")
        self.status_code = status_code
        self.body = body


class DagNotParsed(AirflowError):
    """The dag-processor has not (yet) produced the DAG; the message lists import errors."""


class RunFailed(AirflowError):
    """A DAG run ended in `failed`; `failed_tasks` names the task instances that failed."""

    def __init__(self, dag_id: str, run_id: str, failed_tasks: list[str]) -> None:
        super().__init__(f"{dag_id} run {run_id} failed in tasks {failed_tasks}")
        self.dag_id, self.run_id, self.failed_tasks = dag_id, run_id, failed_tasks


class StillRunning(AirflowError):
    """A wait ran out of time; the message says what was still unfinished and in which state."""


def _poll(
    fetch: Callable[[], T],
    done: Callable[[T], bool],
    timeout: float,
    on_timeout: Callable[[T], str],
) -> T:
    """Call `fetch` every few seconds until `done(result)`; raise StillRunning after `timeout`.

    Exceptions from `fetch` (a failed run, an HTTP error) end the wait at once.
    """

    def give_up(state: RetryCallState) -> T:
        raise StillRunning(f"after {timeout:.0f}s: {on_timeout(state.outcome.result())}")

    retrying = Retrying(
        stop=stop_after_delay(timeout),
        wait=wait_fixed(POLL_SECONDS),
        retry=retry_if_result(lambda result: not done(result)),
        retry_error_callback=give_up,
    )
    return retrying(fetch)


def _run_path(dag_id: str, run_id: str) -> str:
    return f"/api/v2/dags/{dag_id}/dagRuns/{quote(run_id, safe='')}"


class AirflowClient:
    """One authenticated session against the api-server; use as a context manager or close()."""

    def __init__(
        self, base_url: str | None = None, user: str | None = None, password: str | None = None
    ) -> None:
        self.base_url = (base_url or os.environ["HT_API_URL"]).rstrip("/")
        self.user = user or os.environ.get("HT_ADMIN_USER", "admin")
        password = password or os.environ["HT_ADMIN_PASSWORD"]
        # trust_env=False: a proxy from the environment must not sit between us and localhost.
        self.http = httpx.Client(base_url=self.base_url, timeout=60, trust_env=False)
        token = self._send("POST", "/auth/token", {"username": self.user, "password": password})
        self.token: str = token["access_token"]
        self.http.headers["Authorization"] = f"Bearer {self.token}"

    def __enter__(self) -> AirflowClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()

    # -- plain requests ----------------------------------------------------------------------
    def _send(self, method: str, path: str, body: Any = None) -> Any:
        response = self.http.request(method, path, json=body)
        if response.is_error:
            raise AirflowHTTPError(method, path, response.status_code, response.text)
        return response.json() if response.content else None

    def get(self, path: str, **params: Any) -> Any:
        response = self.http.get(path, params=params or None)
        if response.is_error:
            raise AirflowHTTPError("GET", path, response.status_code, response.text)
        return response.json()

    def post(self, path: str, body: Any) -> Any:
        return self._send("POST", path, body)

    def patch(self, path: str, body: Any) -> Any:
        return self._send("PATCH", path, body)

    # -- DAGs and runs -----------------------------------------------------------------------
    def wait_for_dag(self, dag_id: str, timeout: float = 180) -> dict:
        """The DAG once the dag-processor has parsed it (it rescans the folder periodically)."""

        def not_found(error: BaseException) -> bool:
            return isinstance(error, AirflowHTTPError) and error.status_code == 404

        def give_up(state: RetryCallState) -> dict:
            errors = self.get("/api/v2/importErrors")["import_errors"]
            raise DagNotParsed(
                f"DAG {dag_id} not parsed after {timeout:.0f}s; import errors: {errors}"
            )

        retrying = Retrying(
            stop=stop_after_delay(timeout),
            wait=wait_fixed(POLL_SECONDS),
            retry=retry_if_exception(not_found),
            retry_error_callback=give_up,
        )
        return retrying(self.get, f"/api/v2/dags/{dag_id}")

    def set_paused(self, dag_id: str, paused: bool) -> dict:
        return self.patch(f"/api/v2/dags/{dag_id}", {"is_paused": paused})

    def trigger(
        self, dag_id: str, conf: dict | None = None, logical_date: str | None = None
    ) -> dict:
        """A manual run; Airflow validates `conf` against the DAG's Params (400 when invalid)."""
        return self.post(
            f"/api/v2/dags/{dag_id}/dagRuns", {"conf": conf or {}, "logical_date": logical_date}
        )

    def run(self, dag_id: str, run_id: str) -> dict:
        return self.get(_run_path(dag_id, run_id))

    def task_instances(self, dag_id: str, run_id: str) -> list[dict]:
        return self.get(_run_path(dag_id, run_id) + "/taskInstances", limit=1000)["task_instances"]

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float = 1800) -> dict:
        """The run once it succeeded; RunFailed (naming the failed tasks) when it failed."""

        def fetch() -> dict:
            run = self.run(dag_id, run_id)
            if run["state"] == "failed":
                raise RunFailed(dag_id, run_id, self._failed_tasks(dag_id, run_id))
            return run

        return _poll(
            fetch,
            done=lambda run: run["state"] == "success",
            timeout=timeout,
            on_timeout=lambda run: f"{dag_id} run {run_id} still {run['state']}",
        )

    def delete_runs(self, dag_id: str) -> int:
        """Cancel the DAG's unfinished backfills and delete all its runs: a clean history, so
        the latest run of a date is the one a test made. Returns the number deleted."""
        for backfill in self.get("/api/v2/backfills", dag_id=dag_id, limit=100)["backfills"]:
            if backfill["completed_at"] is None:
                self.cancel_backfill(backfill["id"])
        runs = self.dag_runs(dag_id)
        for run in runs:
            path = _run_path(dag_id, run["dag_run_id"])
            if run["state"] not in ("success", "failed"):  # Airflow deletes finished runs only
                self.patch(path, {"state": "failed"})
            self._send("DELETE", path)
        return len(runs)

    def _failed_tasks(self, dag_id: str, run_id: str) -> list[str]:
        tis = self.task_instances(dag_id, run_id)
        return sorted({t["task_id"] for t in tis if t["state"] == "failed"})

    def dag_runs(self, dag_id: str, **params) -> list[dict]:
        """Every run of `dag_id`, page by page: the API answers at most its maximum page limit
        (100 by default) whatever `limit` asks, and a 120-day backfill has more runs."""
        runs: list[dict] = []
        while True:
            page = self.get(f"/api/v2/dags/{dag_id}/dagRuns", limit=100, offset=len(runs), **params)
            runs += page["dag_runs"]
            if not page["dag_runs"] or len(runs) >= page["total_entries"]:
                return runs

    def latest_runs_by_date(self, dag_id: str) -> dict[str, dict]:
        """The most recent run of each logical date (YYYY-MM-DD) of `dag_id`."""
        runs = self.dag_runs(dag_id, order_by="run_after")
        return {r["logical_date"][:10]: r for r in runs if r["logical_date"]}

    def wait_for_dates(self, dag_id: str, dates: list[str], timeout: float = 1800) -> list[dict]:
        """The latest run of each of `dates` (YYYY-MM-DD) once all succeeded; RunFailed at the
        first failed one."""

        def states(latest: dict[str, dict]) -> str:
            found = {d: latest[d]["state"] if d in latest else "no run" for d in dates}
            return f"{dag_id} runs not all successful: {found}"

        latest = _poll(
            lambda: self.latest_unless_failed(dag_id, dates),
            done=lambda latest: all(d in latest and latest[d]["state"] == "success" for d in dates),
            timeout=timeout,
            on_timeout=states,
        )
        return [latest[d] for d in dates]

    def latest_unless_failed(self, dag_id: str, dates: list[str]) -> dict[str, dict]:
        """The latest run of each date; RunFailed at the first failed one."""
        latest = self.latest_runs_by_date(dag_id)
        for day in dates:
            if day in latest and latest[day]["state"] == "failed":
                run_id = latest[day]["dag_run_id"]
                raise RunFailed(dag_id, run_id, self._failed_tasks(dag_id, run_id))
        return latest

    # -- backfills ---------------------------------------------------------------------------
    def backfill(
        self,
        dag_id: str,
        from_date: str,
        to_date: str,
        reprocess: str = "none",
        max_active_runs: int = 1,
    ) -> dict:
        """Create a backfill (`reprocess`: none, failed or completed), as the UI's form does.

        Airflow creates (or clears, when reprocessing) the run of every date before it answers,
        so from then on the latest run of each date is the backfill's.
        """
        return self.post(
            "/api/v2/backfills",
            {
                "dag_id": dag_id,
                "from_date": f"{from_date}T00:00:00Z",
                "to_date": f"{to_date}T00:00:00Z",
                "reprocess_behavior": reprocess,
                "max_active_runs": max_active_runs,
            },
        )

    def wait_for_backfill(self, backfill: dict, dates: list[str], timeout: float = 1800) -> list:
        """The runs of `dates`, all successful, once `backfill` (as `backfill()` returned it)
        completed.

        A failed run raises RunFailed at once rather than when the backfill ends (with
        depends_on_past it would never end). On any failure the backfill is cancelled, so it
        does not keep running under the next test.
        """
        dag_id, backfill_id = backfill["dag_id"], backfill["id"]

        def fetch() -> dict:
            self.latest_unless_failed(dag_id, dates)
            return self.get(f"/api/v2/backfills/{backfill_id}")

        try:
            _poll(
                fetch,
                done=lambda b: b["completed_at"] is not None,
                timeout=timeout,
                on_timeout=lambda b: f"backfill {backfill_id} of {dag_id} not completed: {b}",
            )
            return self.wait_for_dates(dag_id, dates, timeout=60)
        except AirflowError:
            self.cancel_backfill(backfill_id)
            raise

    def cancel_backfill(self, backfill_id: int) -> None:
        """Stop a backfill creating runs (a completed one answers 409, which is fine)."""
        try:
            self._send("PUT", f"/api/v2/backfills/{backfill_id}/cancel")
        except AirflowHTTPError as e:
            if e.status_code != 409:
                raise

    # -- logs --------------------------------------------------------------------------------
    def task_log(self, dag_id: str, run_id: str, task_id: str, try_number: int = 1) -> str:
        """The task's log as text, with the exception a failed task ended with."""
        path = f"{_run_path(dag_id, run_id)}/taskInstances/{task_id}/logs/{try_number}"
        content = self.get(path, full_content="true").get("content", [])
        if isinstance(content, str):
            return content
        lines = []
        for line in content:
            if not isinstance(line, dict):
                lines.append(str(line))
                continue
            lines.append(line.get("event", ""))
            for err in line.get("error_detail") or []:
                lines.append(f"{err.get('exc_type')}: {err.get('exc_value')}")
        return "\n".join(lines)
