"""Airflow glue shared by the DAG files (connections, lake); the domain stays in hospital_twin."""
