-- Schemas of the warehouse: dimensions and facts (dw), stream landings (stream),
-- models and forecasts (ml), capacity studies (capacity), bookkeeping (meta), marts (mart).
CREATE SCHEMA IF NOT EXISTS dw;
CREATE SCHEMA IF NOT EXISTS stream;
CREATE SCHEMA IF NOT EXISTS ml;
CREATE SCHEMA IF NOT EXISTS capacity;
CREATE SCHEMA IF NOT EXISTS meta;
CREATE SCHEMA IF NOT EXISTS mart;
