"""Registers the Hospital Twin capacity dashboard (the `hospital_dashboard` package) with Airflow.

Airflow puts the plugins folder on sys.path and imports this file; the package itself is hidden
from the file-by-file plugin scan by `hospital_dashboard/.airflowignore`.
"""

from hospital_dashboard import HospitalDashboardPlugin

__all__ = ["HospitalDashboardPlugin"]
