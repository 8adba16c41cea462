# Two commands: `make run` sets everything up and serves the app; `make test` runs
# every check. Both reuse PostgreSQL and Redis when they answer, and start private
# ones otherwise (see scripts/dev.py).
PY := .venv/bin/python

.PHONY: run test setup lint format clean-local

run: setup
	@$(PY) scripts/dev.py run

test: setup
	@$(PY) scripts/dev.py test $(ARGS)

setup: .venv/.requirements-installed node_modules/.installed

.venv/.requirements-installed: requirements.txt
	@scripts/bootstrap.sh venv

node_modules/.installed: package.json package-lock.json
	@scripts/bootstrap.sh assets

lint: setup
	@.venv/bin/ruff check . && .venv/bin/ruff format --check .

format: setup
	@.venv/bin/ruff format . && .venv/bin/ruff check --fix .

clean-local:
	rm -rf .local
