-- Forget what setup recorded for tables a load emptied (their next load must write again).
DELETE FROM meta.setup_load WHERE table_name = ANY(%s);
