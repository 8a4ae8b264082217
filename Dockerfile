# The Hospital Twin image: the official Airflow image plus the project's pinned lock, the
# hospital_twin package, the DAGs, plugins and SQL. One image runs every Airflow component
# (api-server, scheduler, dag-processor, triggerer, Celery worker) and the stream processor.
#
#   docker compose build                      (docker-compose.yaml builds and tags it)
#
# The base tag and the apache-airflow pin in requirements.txt must name the same version:
# tests/deploy/test_docker_compose.py keeps them equal.
FROM apache/airflow:3.3.2-python3.11

# The project keeps the repository's layout under HT_REPO, so a path the code derives from its
# own location (sql/ beside include/) is the same in the image as in a checkout.
ENV HT_REPO=/opt/hospital/src \
    HT_LAKE=/opt/hospital/lake \
    HT_SQL_DIR=/opt/hospital/src/sql \
    AIRFLOW__CORE__DAGS_FOLDER=/opt/hospital/src/dags \
    AIRFLOW__CORE__PLUGINS_FOLDER=/opt/hospital/src/plugins

# Group 0 owns and may write everything, so the container also runs as any host uid
# (AIRFLOW_UID) in group 0, as in the official image.
USER root
RUN mkdir -p "$HT_REPO" "$HT_LAKE" /opt/airflow/auth \
 && chown -R airflow:0 /opt/hospital /opt/airflow/auth \
 && chmod -R g+rwX /opt/hospital /opt/airflow/auth
USER airflow

# Dependencies first: editing the code does not reinstall them. Pinning apache-airflow to the
# image's own version stops the lock from ever moving Airflow away from the base image.
COPY --chown=airflow:0 requirements.txt /tmp/requirements.txt
RUN pip install --no-cache-dir "apache-airflow==${AIRFLOW_VERSION}" -r /tmp/requirements.txt

# pyproject.toml, include/ (the hospital_twin package), dags/, plugins/ and sql/: .dockerignore
# lets nothing else into the build context (no .env, no data/, no .venv).
COPY --chown=airflow:0 . ${HT_REPO}/
RUN mkdir -p "$HT_REPO/dags" "$HT_REPO/plugins" \
 && pip install --no-cache-dir --no-deps -e "$HT_REPO" \
 && python -c "import hospital_twin"
