# eKaaSel — two commands: `make run` and `make test`. Both create or update the virtualenv first.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
# PostgreSQL used by the test run (the second pass of `make test`).
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/ekaasel
PYTEST_ARGS ?=

.PHONY: run test lint typecheck test-sqlite test-postgres messages messages-update bench-sms guide-screenshots check-deploy security-check bandit bench bench-data clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@interpreter=$$(scripts/find-python) || exit 1; \
	if [ ! -x $(PY) ]; then echo "Creating $(VENV) with $$interpreter"; "$$interpreter" -m venv $(VENV); fi
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

run: $(VENV)/.installed messages
	VENV_PYTHON=$(PY) scripts/run-dev

# Compile the translation catalogues (locale/<lang>/LC_MESSAGES/django.po).
messages: $(VENV)/.installed
	$(PY) manage.py compilemessages --ignore=.venv --ignore=var -v0

# Gather new or changed strings into the catalogues after editing code or templates.
messages-update: $(VENV)/.installed
	$(PY) manage.py makemessages -l dz --no-obsolete --ignore=.venv --ignore=var --ignore=tests --ignore=bench --ignore=scripts

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .

typecheck: $(VENV)/.installed
	$(VENV)/bin/mypy ekaasel config

# Static security analysis: no high-severity finding in our code (false positives marked `# nosec` with a reason).
bandit: $(VENV)/.installed
	scripts/security-check bandit

# bandit, and pip-audit of the pinned dependencies against a vulnerability service (needs network access to it).
security-check: $(VENV)/.installed
	scripts/security-check

test-sqlite: $(VENV)/.installed messages
	$(PY) -m pytest $(PYTEST_ARGS)

# The workflow again on PostgreSQL. Required when CI=true; skipped with a notice otherwise if no server answers.
test-postgres: $(VENV)/.installed messages
	@if $(PY) scripts/database-answers "$(TEST_DATABASE_URL)"; then \
		DATABASE_URL="$(TEST_DATABASE_URL)" $(PY) -m pytest -m "not e2e" $(PYTEST_ARGS); \
	elif [ "$${CI:-}" = "true" ]; then \
		echo "PostgreSQL does not answer at $(TEST_DATABASE_URL) and CI=true: failing." >&2; exit 1; \
	else \
		echo "NOTICE: PostgreSQL does not answer at $(TEST_DATABASE_URL); the PostgreSQL pass is SKIPPED."; \
	fi

test: lint typecheck bandit test-sqlite test-postgres

# SMS throughput end to end (outbox → worker → Kannel → fakesmsc); needs kannel and kannel-extras.
bench-sms: $(VENV)/.installed
	$(PY) bench/sms_throughput.py -n 2000 -w 4

# Production settings pass Django's deployment checks (a throw-away secret; nothing is started).
check-deploy: $(VENV)/.installed
	DJANGO_SETTINGS_MODULE=config.settings.production ALLOWED_HOSTS=localhost \
	SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(64))') \
	$(PY) manage.py check --deploy --fail-level WARNING

# National-scale benchmarks on PostgreSQL (bench/README.md). Not part of `make test`.
BENCH_SERVER ?= postgres://postgres@127.0.0.1:5432
N ?= 1000000

# N generated grievances in the database ekaasel_bench (replaced), then rebuild_summaries.
bench-data: $(VENV)/.installed
	DATABASE_URL=$(BENCH_SERVER)/ekaasel_bench $(PY) bench/generate.py -n $(N)

# Data when missing (10 thousand and N), then dashboards + yearly PDF, then filing/tracking over HTTP vs raw.
bench: $(VENV)/.installed messages
	@command -v wrk >/dev/null || { echo "make bench needs wrk: apt-get install -y wrk" >&2; exit 1; }
	DATABASE_URL=$(BENCH_SERVER)/ekaasel_bench_10k $(PY) bench/generate.py -n 10000 --if-missing
	DATABASE_URL=$(BENCH_SERVER)/ekaasel_bench $(PY) bench/generate.py -n $(N) --if-missing
	DATABASE_URL=$(BENCH_SERVER)/ekaasel_bench $(PY) bench/dashboards.py
	DATABASE_URL=$(BENCH_SERVER)/ekaasel_bench $(PY) bench/http_stack.py --databases ekaasel_bench_10k,ekaasel_bench

# The user guide's screenshots, taken by the browser test of the real journey, into the guide's static folder.
guide-screenshots: $(VENV)/.installed messages
	GUIDE_SCREENSHOTS_DIR=ekaasel/portal/static/portal/guide/shots $(PY) -m pytest tests/e2e/test_guide_screenshots.py -q

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
