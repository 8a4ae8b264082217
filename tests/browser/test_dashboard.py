"""The capacity dashboard in the running test instance, seen by headless Chromium.

Chromium is driven over the Chrome DevTools Protocol with a tiny websocket client (no Selenium,
no downloaded browsers): the test logs in the way the Airflow UI does (a JWT from
POST /auth/token put in the `_token` cookie), opens `/hospital/dashboard` and the Airflow UI page
that embeds it, reads the DOM and takes screenshots (paths printed, kept under
$HT_HOME/screenshots). Rows are seeded into the test warehouse first and deleted afterwards.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import psycopg
import pytest
from websockets.sync.client import connect as ws_connect

from tests.plugins.test_dashboard_queries import delete_dashboard_rows, seed_dashboard_rows
from tests.support.airflow_api import AirflowAPI

pytestmark = [pytest.mark.browser, pytest.mark.airflow]

CHROMIUM = os.environ.get("HT_CHROMIUM", "/usr/bin/chromium")
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _env(var: str) -> str:
    value = os.environ.get(var)
    if not value:
        pytest.fail(f"{var} is not set: run the tests with `make test` (scripts/test)")
    return value


# ---------------------------------------------------------------------------------------------
# A minimal Chrome DevTools Protocol client
# ---------------------------------------------------------------------------------------------
class CDP:
    """One page target: send commands, wait for events, evaluate JavaScript."""

    def __init__(self, ws_url: str) -> None:
        self.ws = ws_connect(ws_url, max_size=None, proxy=None, open_timeout=20)
        self._ids = itertools.count(1)
        self.events: list[dict] = []

    def close(self) -> None:
        self.ws.close()

    def send(self, method: str, timeout: float = 30, **params: Any) -> dict:
        msg_id = next(self._ids)
        self.ws.send(json.dumps({"id": msg_id, "method": method, "params": params}))
        deadline = time.monotonic() + timeout
        while True:
            msg = json.loads(self.ws.recv(timeout=max(0.1, deadline - time.monotonic())))
            if msg.get("id") == msg_id:
                if "error" in msg:
                    raise AssertionError(f"CDP {method}: {msg['error']}")
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)

    def wait_event(self, method: str, timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            for i, ev in enumerate(self.events):
                if ev["method"] == method:
                    return self.events.pop(i)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no {method} event within {timeout}s")
            try:
                msg = json.loads(self.ws.recv(timeout=remaining))
            except TimeoutError:
                continue
            if "method" in msg:
                self.events.append(msg)

    def evaluate(self, expression: str) -> Any:
        result = self.send(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in result:
            raise AssertionError(f"JS error in {expression!r}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def navigate(self, url: str, timeout: float = 60) -> None:
        self.events.clear()
        self.send("Page.navigate", url=url)
        self.wait_event("Page.loadEventFired", timeout)

    def wait_for(self, expression: str, timeout: float = 60) -> Any:
        """Poll a JS expression until it is truthy (the Airflow UI renders asynchronously)."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {expression!r}")
            time.sleep(0.25)

    def screenshot(self, path: Path, full_page: bool = True) -> Path:
        if full_page:
            height = int(self.evaluate("document.documentElement.scrollHeight"))
            self.send(
                "Emulation.setDeviceMetricsOverride",
                width=1400,
                height=max(900, min(height, 6000)),
                deviceScaleFactor=1,
                mobile=False,
            )
        data = self.send("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        path.write_bytes(base64.b64decode(data["data"]))
        return path


@pytest.fixture
def browser(tmp_path_factory):
    """Headless Chromium with a fresh profile; yields a CDP client on its first page."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    profile = tmp_path_factory.mktemp("chromium-profile")
    proc = subprocess.Popen(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-dev-shm-usage",
            "--hide-scrollbars",
            "--window-size=1400,900",
            f"--user-data-dir={profile}",
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    cdp = None
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and port_file.read_text().strip()):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"Chromium did not start (exit code {proc.poll()})")
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        with _NO_PROXY.open(f"http://127.0.0.1:{port}/json/list", timeout=10) as resp:
            pages = [t for t in json.load(resp) if t["type"] == "page"]
        cdp = CDP(pages[0]["webSocketDebuggerUrl"])
        cdp.send("Page.enable")
        cdp.send("Network.enable")
        cdp.send("Runtime.enable")
        yield cdp
    finally:
        if cdp is not None:
            cdp.close()
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(profile, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# The running test instance
# ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def api() -> AirflowAPI:
    _env("HT_API_URL")
    return AirflowAPI()


@pytest.fixture
def seeded():
    """A week of ward days and a capacity run in the test warehouse, removed afterwards."""
    tag = uuid.uuid4().hex[:8]
    with psycopg.connect(_env("HT_DW_DSN")) as conn:
        delete_dashboard_rows(conn, tag)
        try:
            yield seed_dashboard_rows(conn, tag)
        finally:
            conn.rollback()
            delete_dashboard_rows(conn, tag)


@pytest.fixture(scope="module")
def shots_dir() -> Path:
    base = os.environ.get("HT_HOME") or tempfile.gettempdir()
    path = Path(base) / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _http(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict, bytes]:
    """GET without following redirects."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), NoRedirect)
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with opener.open(req, timeout=30) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def _set_token_cookie(cdp: CDP, base: str, token: str) -> None:
    ok = cdp.send(
        "Network.setCookie",
        name="_token",
        value=token,
        url=base + "/",
        path="/",
        httpOnly=True,
        sameSite="Lax",
    )
    assert ok.get("success", True)


# ---------------------------------------------------------------------------------------------
# Tests
# ---------------------------------------------------------------------------------------------
def test_plugin_is_registered_with_a_nav_entry(api: AirflowAPI) -> None:
    plugins = {p["name"]: p for p in api.get("/api/v2/plugins")["plugins"]}
    assert "hospital_dashboard" in plugins, sorted(plugins)
    plugin = plugins["hospital_dashboard"]
    assert [a["url_prefix"] for a in plugin["fastapi_apps"]] == ["/hospital"]
    views = {v["name"]: v for v in plugin["external_views"]}
    assert views["Capacity dashboard"]["href"] == "/hospital/dashboard"
    assert views["Capacity dashboard"]["destination"] == "nav"
    errors = api.get("/api/v2/plugins/importErrors")["import_errors"]
    assert not [e for e in errors if "hospital_dashboard" in json.dumps(e)], errors


def test_dashboard_requires_an_airflow_token(api: AirflowAPI) -> None:
    base = api.base
    status, headers, _ = _http(base + "/hospital/dashboard")
    assert status in (302, 303, 307), status
    location = headers.get("location") or headers.get("Location")
    assert urllib.parse.urlparse(location).path.startswith("/auth/login")
    assert "next=" in location

    status, headers, body = _http(base + "/hospital/api/summary")
    assert status == 401 and json.loads(body)["detail"]
    for bad in ("not-a-jwt", api.token[:-4] + "AAAA"):
        status, _, _ = _http(base + "/hospital/api/summary", {"Authorization": f"Bearer {bad}"})
        assert status == 401
        status, _, _ = _http(base + "/hospital/api/summary", {"Cookie": f"_token={bad}"})
        assert status == 401

    status, _, body = _http(
        base + "/hospital/api/summary", {"Authorization": f"Bearer {api.token}"}
    )
    assert status == 200 and "has_data" in json.loads(body)
    status, _, body = _http(base + "/hospital/dashboard", {"Cookie": f"_token={api.token}"})
    assert status == 200 and b"Capacity dashboard" in body


def test_summary_json_serves_the_seeded_rows(api: AirflowAPI, seeded: dict) -> None:
    ward = next(w for w in seeded["wards"] if "<A&B>" in w)
    query = urllib.parse.urlencode({"ward": ward, "days": 7})
    status, _, body = _http(
        f"{api.base}/hospital/api/summary?{query}", {"Authorization": f"Bearer {api.token}"}
    )
    assert status == 200
    s = json.loads(body)
    assert s["latest_day"]["sim_date"] == seeded["latest_day"]
    assert s["latest_day"]["ed_arrivals"] == seeded["ed_arrivals"]
    assert [w["ward"] for w in s["wards"]] == sorted(seeded["wards"])
    assert s["capacity"]["run"]["run_id"] == seeded["run_id"]
    assert s["risk_curve"]["ward"] == ward and s["risk_curve"]["points"]
    assert len(s["occupancy_series"]) == 7


def test_dashboard_in_headless_chromium(
    api: AirflowAPI, seeded: dict, browser: CDP, shots_dir: Path
) -> None:
    base = api.base
    # Without the cookie the browser lands on Airflow's login page.
    browser.navigate(base + "/hospital/dashboard")
    assert browser.evaluate("location.pathname").startswith("/auth/login")

    # "Log in": the token the login form would have put in the _token cookie.
    _set_token_cookie(browser, base, api.token)
    browser.navigate(base + "/hospital/dashboard")
    assert browser.evaluate("location.pathname") == "/hospital/dashboard"
    assert "Capacity dashboard" in browser.evaluate("document.title")
    assert browser.evaluate("document.querySelector('h1').innerText") == "Capacity dashboard"

    kpis = browser.evaluate("document.getElementById('kpis').innerText")
    assert seeded["latest_day"] in kpis
    assert f"{seeded['occupancy_pct']:.1f}%" in kpis
    assert "ED ARRIVALS" in kpis.upper() and str(seeded["ed_arrivals"]) in kpis
    assert f"{seeded['mean_los_days']:.2f}" in kpis
    assert "REFUSED ADMISSIONS" in kpis.upper()
    assert browser.evaluate("document.getElementById('no-data')") is None

    rows = browser.evaluate(
        "[...document.querySelectorAll('#ward-table tbody tr')].map(tr => ({"
        "ward: tr.dataset.ward, cells: [...tr.cells].map(td => td.innerText),"
        "bars: tr.querySelectorAll('svg.bar').length}))"
    )
    assert [r["ward"] for r in rows] == sorted(seeded["wards"])
    for r in rows:
        beds, occupied = seeded["wards"][r["ward"]]
        assert r["cells"][0] == r["ward"]  # shown as text, `<A&B>` included
        assert r["cells"][1] == f"{occupied} / {beds}"
        assert r["bars"] == 1
    # The ward name with markup characters is escaped, not interpreted.
    assert browser.evaluate("document.querySelectorAll('script').length") == 1
    assert "&lt;A&amp;B&gt;" in browser.evaluate("document.getElementById('wards').innerHTML")

    assert browser.evaluate("document.querySelectorAll('#occupancy-trend svg polyline').length")
    cap_rows = browser.evaluate("document.querySelectorAll('#capacity-table tbody tr').length")
    assert cap_rows == len(seeded["recommendations"])
    assert browser.evaluate("document.getElementById('run-id').innerText") == seeded["run_id"]
    assert (
        browser.evaluate("document.getElementById('risk-ward').innerText")
        == (seeded["top_risk_ward"])
    )
    assert browser.evaluate("document.querySelectorAll('#risk-curve svg polyline').length") == 2
    shot = browser.screenshot(shots_dir / "dashboard.png")
    print(f"\nscreenshot: {shot}")

    # Pick another ward with the selector (the inline script submits the form on change).
    ward = next(w for w in seeded["wards"] if "<A&B>" in w)
    browser.events.clear()
    browser.evaluate(
        "(() => { const s = document.getElementById('ward-select');"
        f" s.value = {json.dumps(ward)}; s.dispatchEvent(new Event('change')); }})()"
    )
    browser.wait_event("Page.loadEventFired")
    assert browser.evaluate("document.getElementById('risk-ward').innerText") == ward
    assert "ward=" in browser.evaluate("location.search")


def test_nav_entry_in_the_airflow_ui(
    api: AirflowAPI, seeded: dict, browser: CDP, shots_dir: Path
) -> None:
    base = api.base
    _set_token_cookie(browser, base, api.token)
    browser.navigate(base + "/")
    nav = browser.wait_for(
        "(() => { const a = [...document.querySelectorAll('nav a, a')].find(a =>"
        " (a.getAttribute('href') || '').endsWith('plugin/capacity-dashboard'));"
        " return a ? (a.innerText || a.getAttribute('title') || a.getAttribute('aria-label')"
        " || 'link') : null; })()"
    )
    assert nav
    browser.navigate(base + "/plugin/capacity-dashboard")
    heading = browser.wait_for(
        "(() => { const f = document.querySelector('iframe');"
        " const d = f && f.contentDocument; const h = d && d.querySelector('h1');"
        " return h && d.getElementById('ward-table') ? h.innerText : null; })()"
    )
    assert heading == "Capacity dashboard"
    assert browser.evaluate("document.querySelector('iframe').title") == "Capacity dashboard"
    shot = browser.screenshot(shots_dir / "airflow-ui-capacity-dashboard.png", full_page=False)
    print(f"\nscreenshot: {shot}")


def test_no_data_state_follows_the_warehouse(api: AirflowAPI, browser: CDP, shots_dir: Path):
    """Without seeded rows the page says what to run when the warehouse is still empty."""
    status, _, body = _http(
        api.base + "/hospital/api/summary", {"Authorization": f"Bearer {api.token}"}
    )
    assert status == 200
    summary = json.loads(body)
    empty = not (summary["has_data"]["daily"] or summary["has_data"]["capacity"])
    _set_token_cookie(browser, api.base, api.token)
    browser.navigate(api.base + "/hospital/dashboard")
    banner = browser.evaluate("(document.getElementById('no-data') || {}).innerText || null")
    if empty:
        assert summary["no_data_message"] == banner
        assert "hospital_daily" in banner and "hospital_capacity_scenarios" in banner
        print(f"\nscreenshot: {browser.screenshot(shots_dir / 'dashboard-empty.png')}")
    else:
        assert banner is None
