"""Hospital Twin capacity dashboard: an Airflow 3 plugin.

It mounts a FastAPI app under `/hospital` in the api-server (`fastapi_apps`) and adds a
"Capacity dashboard" entry to the Airflow UI's navigation (`external_views` with a `url_route`,
so the page opens inside the UI at `/plugin/capacity-dashboard`, in a same-origin iframe whose
requests carry the UI's `_token` cookie). The page and `/hospital/api/summary` validate that
JWT themselves (see `webapp.py`), because plugin apps are not behind Airflow's authentication.

The plugins folder is scanned file by file, so this package is skipped by its `.airflowignore`
and registered once through the top-level `plugins/hospital_dashboard_plugin.py`.
"""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from .webapp import app

URL_PREFIX = "/hospital"


class HospitalDashboardPlugin(AirflowPlugin):
    name = "hospital_dashboard"
    fastapi_apps = [
        {"app": app, "url_prefix": URL_PREFIX, "name": "Hospital Twin capacity dashboard"},
    ]
    external_views = [
        {
            "name": "Capacity dashboard",
            "href": f"{URL_PREFIX}/dashboard",
            "destination": "nav",
            "url_route": "capacity-dashboard",
            "icon": f"{URL_PREFIX}/icon.svg",
            "nav_top_level": True,
        },
    ]


__all__ = ["HospitalDashboardPlugin", "URL_PREFIX", "app"]
