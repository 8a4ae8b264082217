-- Record a forecaster artefact (a re-run of the same day and data gives the same version).
INSERT INTO ml.model_registry (model_version, stream, method, train_start, train_end, artefact_path)
VALUES (%s, %s, %s, %s, %s, %s)
ON CONFLICT (model_version) DO UPDATE SET artefact_path = EXCLUDED.artefact_path, trained_at = now();
