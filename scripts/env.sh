# Environment of one Hospital Twin instance; sourced by scripts/stack, the Makefile and tests.
#
# HT_INSTANCE picks the instance: `demo` (the README's run command) or `test` (the test suite,
# its own ports and data dir so tests never disturb a running demo). Every value below can be
# overridden by exporting it first, e.g. HT_KAFKA_BOOTSTRAP=broker:9092 to use a real Kafka.

HT_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HT_INSTANCE="${HT_INSTANCE:-demo}"
# Each instance has its own ports (shifted from the demo's) and data dir, so they run side by side:
# demo (the README's run command), test (the test suite), bench (benchmarks that drive a whole
# stack), faults (fault injection) and celery (tests/scale); another name needs HT_PORT_SHIFT
# (5 and up).
case "$HT_INSTANCE" in
  demo) _port_shift=0 ;;
  test) _port_shift="${HT_TEST_PORT_SHIFT:-1}" ;;  # a second test run beside the first: 4 and up
  bench) _port_shift=2 ;;
  faults) _port_shift=3 ;;
  celery) _port_shift=4 ;;
  *) _port_shift="${HT_PORT_SHIFT:?HT_INSTANCE=$HT_INSTANCE needs HT_PORT_SHIFT (5 and up; 0-4 are demo, test, bench, faults, celery)}" ;;
esac

export HT_REPO HT_INSTANCE
export HT_HOME="${HT_HOME:-$HT_REPO/data/$HT_INSTANCE}"
export HT_VENV="${HT_VENV:-$HT_REPO/.venv}"
export HT_PG_BIN="${HT_PG_BIN:-/usr/lib/postgresql/15/bin}"
export HT_PG_PORT="${HT_PG_PORT:-$((55432 + _port_shift))}"
export HT_KAFKA_PORT="${HT_KAFKA_PORT:-$((19092 + _port_shift))}"
export HT_KAFKA_BOOTSTRAP="${HT_KAFKA_BOOTSTRAP:-127.0.0.1:$HT_KAFKA_PORT}"
export HT_API_PORT="${HT_API_PORT:-$((8080 + _port_shift))}"
export HT_API_URL="http://127.0.0.1:$HT_API_PORT"
export HT_LAKE="${HT_LAKE:-$HT_HOME/lake}"
export HT_PROFILE="${HT_PROFILE:-default}"
export HT_LOGS="$HT_HOME/logs"

# Per-install secrets (Fernet key, JWT secret, passwords), created by `scripts/stack up`.
if [ -f "$HT_HOME/secrets.env" ]; then
  # shellcheck disable=SC1091
  . "$HT_HOME/secrets.env"
fi

export AIRFLOW_HOME="$HT_HOME/airflow"
export AIRFLOW__CORE__DAGS_FOLDER="$HT_REPO/dags"
export AIRFLOW__CORE__PLUGINS_FOLDER="$HT_REPO/plugins"
# AIRFLOW__CORE__EXECUTOR: see the executor block below (HT_EXECUTOR).
export AIRFLOW__CORE__PARALLELISM="${AIRFLOW__CORE__PARALLELISM:-4}"
export AIRFLOW__CORE__LOAD_EXAMPLES=False
export AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION=False
export AIRFLOW__CORE__FERNET_KEY="${HT_FERNET_KEY:-}"
export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS="admin:admin"
export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE="$HT_HOME/airflow/passwords.json"
export AIRFLOW__CORE__EXECUTION_API_SERVER_URL="$HT_API_URL/execution/"
export AIRFLOW__API__HOST=127.0.0.1
export AIRFLOW__API__PORT="$HT_API_PORT"
export AIRFLOW__API__BASE_URL="$HT_API_URL"
export AIRFLOW__API__WORKERS=1
export AIRFLOW__API_AUTH__JWT_SECRET="${HT_JWT_SECRET:-}"
export AIRFLOW__DATABASE__SQL_ALCHEMY_CONN="postgresql+psycopg2://airflow:${HT_AIRFLOW_DB_PASSWORD:-}@127.0.0.1:$HT_PG_PORT/airflow"
export AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL=30
# Simulated days run back to back: the scheduler loops again after 0.2 s when idle (default 1 s)
# to start a task soon after its upstream ends. A task process parses its DAG file before it
# runs; on a loaded 2-core machine that passed Airflow's 30 s limit, so the limit is 120 s.
export AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME="${AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME:-0.2}"
export AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT=120
export AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK=True
export AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_HOST=127.0.0.1
export AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_PORT="$((8974 + _port_shift * 10))"
export AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT="$((8793 + _port_shift * 10))"
export AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT="$((8794 + _port_shift * 10))"
export AIRFLOW__API__SECRET_KEY="${HT_JWT_SECRET:-}"
export AIRFLOW__LOGGING__BASE_LOG_FOLDER="$HT_LOGS/airflow"
export AIRFLOW__LOGGING__LOGGING_LEVEL=INFO
# Task logs readable by their owner only (Airflow's defaults are 0o775 folders, 0o664 files).
export AIRFLOW__LOGGING__FILE_TASK_HANDLER_NEW_FOLDER_PERMISSIONS=0o700
export AIRFLOW__LOGGING__FILE_TASK_HANDLER_NEW_FILE_PERMISSIONS=0o600

export AIRFLOW_CONN_HOSPITAL_DW="postgresql://hospital_writer:${HT_WRITER_PASSWORD:-}@127.0.0.1:$HT_PG_PORT/hospital"
# Producer and admin settings only (publish_events): a consumer key here makes librdkafka log
# CONFWARN at ERROR; the stream processor consumes with its own group (stream_processor.py).
export AIRFLOW_CONN_HOSPITAL_KAFKA="{\"conn_type\": \"kafka\", \"extra\": {\"bootstrap.servers\": \"$HT_KAFKA_BOOTSTRAP\"}}"
export HT_DW_DSN="postgresql://hospital_writer:${HT_WRITER_PASSWORD:-}@127.0.0.1:$HT_PG_PORT/hospital"

# --- executor (HT_EXECUTOR) -----------------------------------------------------------------
# local (default): LocalExecutor, the scheduler runs the tasks. celery: CeleryExecutor; `stack up`
# also starts this instance's own redis-server (127.0.0.1:HT_REDIS_PORT only, password
# HT_REDIS_PASSWORD from secrets.env, data in $HT_HOME/redis) and HT_CELERY_WORKERS Celery
# workers (worker1, worker2, ...; each reports its name as the task instances' hostname) with
# HT_CELERY_CONCURRENCY task slots each. docker-compose.yaml's `celery` profile runs the same.
export HT_EXECUTOR="${HT_EXECUTOR:-local}"
export HT_REDIS_PORT="${HT_REDIS_PORT:-$((16379 + _port_shift))}"
export HT_CELERY_WORKERS="${HT_CELERY_WORKERS:-2}"
export HT_CELERY_CONCURRENCY="${HT_CELERY_CONCURRENCY:-2}"
case "$HT_EXECUTOR" in
  local) export AIRFLOW__CORE__EXECUTOR=LocalExecutor ;;
  celery)
    export AIRFLOW__CORE__EXECUTOR=CeleryExecutor
    export AIRFLOW__CELERY__BROKER_URL="redis://:${HT_REDIS_PASSWORD:-}@127.0.0.1:$HT_REDIS_PORT/0"
    export AIRFLOW__CELERY__RESULT_BACKEND="db+postgresql://airflow:${HT_AIRFLOW_DB_PASSWORD:-}@127.0.0.1:$HT_PG_PORT/airflow"
    export AIRFLOW__CELERY__WORKER_CONCURRENCY="$HT_CELERY_CONCURRENCY"
    # A task unacknowledged this long is redelivered: longer than any task here (setup: minutes).
    export AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__VISIBILITY_TIMEOUT=3600
    ;;
  *) echo "HT_EXECUTOR=$HT_EXECUTOR: expected local or celery" >&2; return 1 ;;
esac
# --- end of the executor block -------------------------------------------------------------

export PATH="$HT_VENV/bin:$PATH"
unset _port_shift
