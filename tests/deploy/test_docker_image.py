"""The project image: Airflow 3.3 on Python 3.11, the lock pinning the same Airflow version, and
the lock plus the hospital_twin package installed."""

from __future__ import annotations

import re

from tests.deploy.compose_files import BASE, DOCKERFILE, ROOT

# --- the image ------------------------------------------------------------------------------


def test_image_builds_on_airflow_3_3_for_python_3_11():
    assert BASE, "Dockerfile must start FROM apache/airflow:<version>-python<version>"
    assert BASE.group(1).startswith("3.3.")
    assert BASE.group(2) == "3.11"


def test_lock_pins_the_airflow_version_of_the_base_image():
    pin = re.search(r"^apache-airflow==(\S+)", (ROOT / "requirements.txt").read_text(), re.M)
    assert pin and BASE and pin.group(1) == BASE.group(1)


def test_image_installs_the_lock_and_the_hospital_twin_package():
    assert re.search(r"^RUN pip install .*-r \S*requirements\.txt", DOCKERFILE, re.M)
    assert re.search(r'pip install --no-cache-dir --no-deps -e "\$HT_REPO"', DOCKERFILE)
    assert "import hospital_twin" in DOCKERFILE
