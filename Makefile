# make demo   run the IdP with demo data on the embedded default (SQLite, outbox mail), and
#             two demo relying apps on http://127.0.0.1:8001 and :8002 (single sign-on,
#             office switching, single logout); installs only what the demo needs
# make test   ruff, mypy, then the whole suite: embedded default, then PostgreSQL + Redis
# make lint   ruff check and ruff format --check
# make typecheck   mypy on idp/ and benchmarks/
# make bench  the benchmark table (PostgreSQL + Redis on loopback; installs wrk if missing)

PYTHON ?= python3
VENV ?= .venv
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
DEMO_STAMP := $(VENV)/.installed-demo-$(shell cksum pyproject.toml | cut -d' ' -f1)
TEST_PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
PYTEST_ARGS ?= -n 2

BENCH_ARGS ?=

.PHONY: bench demo test test-embedded test-postgres test-deps lint typecheck install

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

$(DEMO_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e .
	rm -f $(VENV)/.installed-demo-*
	touch $(DEMO_STAMP)

install: $(STAMP)

# The demo apps run beside the idp and stop with it.
demo: $(DEMO_STAMP)
	$(VENV)/bin/idp demo --no-serve
	$(VENV)/bin/python -m examples.demo_rp.app --credentials instance/demo-credentials.json & \
	  rp=$$!; trap 'kill $$rp' EXIT INT TERM; IDP_DEMO=true $(VENV)/bin/idp serve

test-deps: $(STAMP)
	bash scripts/install-test-deps

test: test-deps
	$(MAKE) lint typecheck test-embedded test-postgres

test-embedded: $(STAMP)
	env -u IDP_TEST_DATABASE_URL -u IDP_TEST_REDIS_URL $(VENV)/bin/pytest $(PYTEST_ARGS)

test-postgres: $(STAMP)
	IDP_TEST_DATABASE_URL=$(TEST_PG_URL) IDP_TEST_REDIS_URL=$(TEST_REDIS_URL) \
	  $(VENV)/bin/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check idp tests benchmarks examples
	$(VENV)/bin/ruff format --check idp tests benchmarks examples

typecheck: $(STAMP)
	$(VENV)/bin/mypy

bench: $(STAMP)
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -q wrk; } \
	  || { echo "wrk is missing: apt-get install wrk (as root)"; exit 1; }
	$(VENV)/bin/python -m benchmarks.run $(BENCH_ARGS)
