"""Row count and checksum of every warehouse table, to compare two runs of the same days.

    python -m scripts.warehouse_checksums [--schemas dw,stream,ml] [--dsn DSN]

Same seeds and simulated days must give byte-identical tables, whatever the code's layout or
speed. Columns filled by the database at load time (a `now()` default such as `landed_at`) are
left out: they record when, not what. Prints one line per table and, last, one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os

import psycopg

from hospital_twin.io.warehouse import table_checksum

VOLATILE_DEFAULTS = ("now()", "CURRENT_TIMESTAMP", "nextval(")


def tables(conn: psycopg.Connection, schemas: list[str]) -> dict[str, list[str]]:
    """Per table, the columns that hold what was computed (not when it was loaded)."""
    rows = conn.execute(
        """
        SELECT table_schema || '.' || table_name, column_name, coalesce(column_default, '')
        FROM information_schema.columns
        WHERE table_schema = ANY(%s)
          AND (table_schema, table_name) IN (
              SELECT table_schema, table_name FROM information_schema.tables
              WHERE table_type = 'BASE TABLE')
        ORDER BY 1, ordinal_position
        """,
        (schemas,),
    ).fetchall()
    out: dict[str, list[str]] = {}
    for table, column, default in rows:
        if not any(v in default for v in VOLATILE_DEFAULTS):
            out.setdefault(table, []).append(column)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schemas", default="dw,stream,ml", help="comma-separated schemas")
    parser.add_argument("--dsn", default=os.environ.get("HT_DW_DSN"), help="default $HT_DW_DSN")
    args = parser.parse_args()
    result = {}
    with psycopg.connect(args.dsn) as conn:
        for table, columns in tables(conn, args.schemas.split(",")).items():
            count, digest = table_checksum(conn, table, columns, columns)
            result[table] = [count, digest]
            print(f"{table:32s} {count:>10,d} rows  {digest}")
    print(json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main()
