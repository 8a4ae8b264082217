"""Hospital Twin: a hospital digital twin and data warehouse (domain package, no Airflow)."""
