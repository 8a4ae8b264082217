# The two commands of the README: `make run` (the main job) and `make test` (the test suite).
.PHONY: run test up down status test-down lint bench

run:            ## stack up, setup, 120 simulated days (progress bar), a capacity study, a summary table
	bash scripts/demo

test:           ## test stack up (own ports/data dir), then ruff and the whole pytest suite
	bash scripts/test

up:
	bash scripts/stack up
down:
	bash scripts/stack down
status:
	bash scripts/stack status
test-down:
	HT_INSTANCE=test bash scripts/stack down
lint:
	.venv/bin/ruff check .
