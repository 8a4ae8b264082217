"""The capacity dashboard's FastAPI app, mounted by the Airflow api-server under `/hospital`.

Plugin FastAPI apps are not behind Airflow's authentication, so this app authenticates every
request itself (an HTTP middleware, before routing and parameter validation): the JWT comes from
an `Authorization: Bearer` header or the `_token` cookie the Airflow UI sets after login, and is
validated by Airflow's own auth manager (`get_user_from_token`: signature, expiry, audience,
revocation). The user must also be allowed to see the Airflow UI (`AccessView.WEBSITE`).
Without a valid token the HTML page redirects to the auth manager's login page (which comes back
here afterwards) and the JSON API answers 401.

Routes (relative to the mount point):
    GET /dashboard     the HTML page; ?run=<capacity run id> picks the run (default: the
                       newest), ?ward=<ward> its risk curve, ?days=<n> the history window
    GET /api/summary   the same data as JSON, same parameters
    GET /icon.svg      the nav icon (public: it carries no data)
"""

from __future__ import annotations

import logging
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from . import charts, empty, links, queries, timecharts
from .metrics import METRICS

log = logging.getLogger(__name__)

TOKEN_COOKIE = "_token"  # airflow.api_fastapi.auth.managers.base_auth_manager.COOKIE_NAME_JWT_TOKEN
PUBLIC_PATHS = frozenset({"/icon.svg"})
NO_DATA_MESSAGE = empty.message("capacity")  # the page's banner over an empty warehouse

ICON_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" fill="none" '
    'stroke="#3b82f6" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">'
    '<path d="M3 21V8l9-5 9 5v13"/><path d="M9 21v-6h6v6"/><path d="M12 7v4M10 9h4"/></svg>'
)

_templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_templates.filters.update(num=charts.fmt_num, pct=charts.fmt_pct, level=charts.level)
_templates.globals["empty_state"] = empty.empty_state

app = FastAPI(
    title="Hospital Twin capacity dashboard",
    docs_url=None,
    redoc_url=None,
    openapi_url=None,
)


class NotAuthenticated(Exception):
    pass


class Forbidden(Exception):
    pass


def _token_from(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header:
        scheme, _, credentials = header.partition(" ")
        if scheme.lower() == "bearer" and credentials.strip():
            return credentials.strip()
    return request.cookies.get(TOKEN_COOKIE) or None


async def authenticate(request: Request):
    """The Airflow user behind the request's JWT, or NotAuthenticated / Forbidden."""
    from airflow.api_fastapi.app import get_auth_manager
    from airflow.api_fastapi.auth.managers.models.resource_details import AccessView
    from jwt import InvalidTokenError

    token = _token_from(request)
    if not token:
        raise NotAuthenticated("Not authenticated")
    auth_manager = get_auth_manager()
    try:
        user = await auth_manager.get_user_from_token(token)
    except InvalidTokenError as e:  # bad signature, expired, revoked, wrong audience...
        raise NotAuthenticated("Invalid or expired token") from e
    if not auth_manager.is_authorized_view(access_view=AccessView.WEBSITE, user=user):
        raise Forbidden("Forbidden")
    return user


def _app_path(request: Request) -> str:
    """The request path inside this app (Starlette keeps the mount point in `root_path`)."""
    path, root = request.scope.get("path", ""), request.scope.get("root_path", "")
    return path.removeprefix(root) if root and path.startswith(root) else path


def _login_url(request: Request) -> str:
    from airflow.api_fastapi.app import get_auth_manager

    try:
        return get_auth_manager().get_url_login(next_url=str(request.url))
    except RuntimeError:  # no auth manager in this process (e.g. the app served alone)
        return "/auth/login"


@app.middleware("http")
async def require_airflow_user(request: Request, call_next):
    path = _app_path(request)
    if path in PUBLIC_PATHS:
        return await call_next(request)
    try:
        request.state.dashboard_user = await authenticate(request)
    except NotAuthenticated as e:
        if not path.startswith("/api/") and request.method in ("GET", "HEAD"):
            return RedirectResponse(_login_url(request), status_code=302)
        return JSONResponse(
            {"detail": str(e)}, status_code=401, headers={"WWW-Authenticate": "Bearer"}
        )
    except Forbidden as e:
        return JSONResponse({"detail": str(e)}, status_code=403)
    return await call_next(request)


def _read_summary(
    ward: str | None, days: int, run: str | None = None
) -> tuple[dict[str, Any] | None, str | None]:
    """The summary, or an error message fit for the page (details go to the server log)."""
    import psycopg

    try:
        conn = queries.connect()
    except psycopg.Error as e:
        log.exception("capacity dashboard: warehouse not reachable")
        return None, f"The warehouse could not be reached ({type(e).__name__}); see the server log."
    except Exception:
        log.exception("capacity dashboard: no usable Airflow connection %r", queries.DW_CONN_ID)
        return None, f"The Airflow connection '{queries.DW_CONN_ID}' is not defined or invalid."
    try:
        with conn:
            summary = queries.load_summary(conn, ward=ward, days=days, run=run)
    except psycopg.errors.UndefinedTable:
        log.exception("capacity dashboard: warehouse tables missing")
        return None, "The warehouse has no dashboard tables yet: its migrations have not run."
    except psycopg.Error as e:
        log.exception("capacity dashboard: warehouse query failed")
        return None, f"The warehouse could not be read ({type(e).__name__}); see the server log."
    return summary, None


def _with_links(summary: dict[str, Any]) -> dict[str, Any]:
    """The summary with links to the Airflow runs and task logs behind its figures."""
    summary["links"] = {
        "capacity": links.capacity_links((summary["capacity"]["run"] or {}).get("run_id")),
        "daily": links.daily_links((summary["latest_day"] or {}).get("sim_date")),
        "daily_runs": links.runs_url(links.DAILY_DAG),
        "capacity_runs": links.runs_url(links.CAPACITY_DAG),
    }
    return summary


def _delta(latest: dict | None, previous: dict | None, key: str) -> float | None:
    if not latest or not previous or latest.get(key) is None or previous.get(key) is None:
        return None
    return float(latest[key]) - float(previous[key])


def _security_headers(nonce: str | None = None) -> dict[str, str]:
    headers = {
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
    }
    if nonce:
        headers["Content-Security-Policy"] = (
            f"default-src 'none'; style-src 'nonce-{nonce}'; script-src 'nonce-{nonce}'; "
            "img-src 'self' data:; connect-src 'self'; form-action 'self'; "
            "frame-ancestors 'self'; base-uri 'none'"
        )
    return headers


@app.get("/", include_in_schema=False)
def index() -> RedirectResponse:
    return RedirectResponse("dashboard", status_code=302)


@app.get("/icon.svg", include_in_schema=False)
def icon() -> Response:
    return Response(
        ICON_SVG, media_type="image/svg+xml", headers={"Cache-Control": "max-age=86400"}
    )


RUN_QUERY = Query(None, max_length=250, description="capacity run id (default: the newest)")
WARD_QUERY = Query(None, max_length=200, description="ward of the risk curve")
DAYS_QUERY = Query(queries.DEFAULT_DAYS, ge=1, le=queries.MAX_DAYS, description="history window")


def _charts(s: dict[str, Any]) -> dict[str, Any]:
    """The page's SVG charts, drawn from the summary."""
    curve, has = s["risk_curve"], s["has_data"]
    return {
        "series_svg": timecharts.occupancy_series_chart(s["occupancy_series"], has),
        "ed_svg": timecharts.ed_forecast_chart(s["ed"]["actual"], s["ed"]["forecast"], has),
        "ward_svgs": {
            w: timecharts.ward_chart(w, rows, has) for w, rows in s["ward_series"].items()
        },
        "bars": {
            w["ward"]: charts.occupancy_bar(w["occupancy_end"], w["peak_occupancy"], w["beds"])
            for w in s["wards"]
        },
        "risk_svg": charts.risk_curve_chart(
            curve["points"],
            curve["configured_beds"],
            curve["recommended_beds"],
            target=s["capacity"]["risk_target"],
            has_data=has,
        ),
    }


@app.get("/dashboard", response_class=HTMLResponse)
def dashboard(
    request: Request,
    ward: str | None = WARD_QUERY,
    days: int = DAYS_QUERY,
    run: str | None = RUN_QUERY,
) -> HTMLResponse:
    summary, error = _read_summary(ward, days, run)
    nonce = secrets.token_urlsafe(16)
    user = getattr(request.state, "dashboard_user", None)
    ctx: dict[str, Any] = {
        "nonce": nonce,
        "user": user.get_name() if user is not None else "",
        "error": error,
        "no_data_message": NO_DATA_MESSAGE,
        "days": days,
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "s": _with_links(summary) if summary is not None else None,
        "m": METRICS,
    }
    if summary is not None:
        latest, previous = summary["latest_day"], summary["previous_day"]
        keys = ("bed_occupancy_pct", "ed_arrivals", "refused_admissions", "mean_los_days")
        ctx["deltas"] = {k: _delta(latest, previous, k) for k in keys}
        ctx.update(_charts(summary))
    html = _templates.get_template("dashboard.html").render(**ctx)
    return HTMLResponse(html, status_code=503 if error else 200, headers=_security_headers(nonce))


@app.get("/api/summary")
def summary_json(
    ward: str | None = WARD_QUERY, days: int = DAYS_QUERY, run: str | None = RUN_QUERY
) -> JSONResponse:
    summary, error = _read_summary(ward, days, run)
    if error:
        return JSONResponse({"detail": error}, status_code=503, headers=_security_headers())
    summary = _with_links(summary)
    summary["no_data_message"] = (
        NO_DATA_MESSAGE
        if not (summary["has_data"]["daily"] or summary["has_data"]["capacity"])
        else None
    )
    summary["metrics"] = {
        k: {"label": v.label, "definition": v.definition} for k, v in METRICS.items()
    }
    return JSONResponse(summary, headers=_security_headers())
