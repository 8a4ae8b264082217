"""The host name a task instance records, for Celery workers sharing one machine.

Airflow stores `socket.getfqdn()` as each task instance's `hostname`: two local workers
(`HT_EXECUTOR=celery scripts/stack up`) would both record the machine's name, and nobody could
tell which worker ran what. `scripts/stack` starts each worker with `HT_WORKER_HOSTNAME`
(worker1, worker2, ...) and `[core] hostname_callable` pointing here; in containers
(docker-compose's `celery` profile) each worker has its own host name and this is not set.
"""

from __future__ import annotations

import os
import socket


def worker_hostname() -> str:
    """The worker's name from HT_WORKER_HOSTNAME, else the machine's as Airflow would say it."""
    return os.environ.get("HT_WORKER_HOSTNAME") or socket.getfqdn()
