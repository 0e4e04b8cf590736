# Two commands from a fresh Debian machine with Python 3.11 and make:
#   make crawl   crawl every site into ./archive.db
#   make test    run the whole test suite offline
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DB     ?= archive.db
PORT   ?= 8001
# Extra arguments for `congdoan crawl`, e.g. make crawl CRAWL_ARGS="laodong --since 2025-01-01"
CRAWL_ARGS ?=
PYTEST_ARGS ?=
# Test processes: the suite runs in about 6 minutes on 2 cores with 2, about 9.5 with 1.
PYTEST_WORKERS ?= 2

# Benchmark folders for `make eval`; override with DATA=... FUNDUS=...
DATA   ?= ../shared/extraction-benchmark
FUNDUS ?= ../shared/extraction-benchmark-fundus
VI     ?= ../shared/extraction-benchmark-vi

.PHONY: redis bench-fleet crawl test lint serve eval bench loadtest demo demo-sample install install-test chromium clean

# Debian ships venv and ensurepip in a separate package; install it when it is missing.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

$(BIN)/python:
	@$(PYTHON) -c "import ensurepip, venv" 2>/dev/null || { \
		echo "python3-venv is missing: installing it with apt-get"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq python3-venv; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamps re-run the install whenever pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

crawl: install
	$(BIN)/congdoan crawl --db $(DB) $(CRAWL_ARGS)

test: lint chromium redis
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# Style (ruff), the stages' layering (import-linter contracts in pyproject.toml) and the
# dependency list (deptry: what the code imports is declared, no more, no less), before the
# suite: a stage importing a later one, Scrapy outside its adapters, or an undeclared import
# fails here.
# PYTHONPATH=datasette lets the contracts see datasette/plugins as the package `plugins`.
lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	PYTHONPATH=datasette $(BIN)/lint-imports
	$(BIN)/deptry .

# The browser tests drive Debian's chromium through Playwright; nothing is downloaded.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "chromium is missing: installing Debian's package for the browser tests"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium; }

eval: install
	$(BIN)/python benchmarks/eval.py --data $(DATA) --fundus $(FUNDUS) --vi $(VI)

# Speed and memory (benchmarks/results.md); not part of `make test`. BENCH_ARGS to shrink it,
# e.g. make bench BENCH_ARGS="--pages 500 --search 10000".
BENCH_ARGS ?=
bench: install-test
	$(BIN)/python benchmarks/bench.py $(BENCH_ARGS)
	$(BIN)/python benchmarks/generic_cost.py --data $(DATA)
	$(BIN)/python benchmarks/wacz_memory.py

# The public server under load (benchmarks/loadtest.py): readers' throughput and latency alone and next to
# slow-SQL clients and CSV streamers, on loopback. Quick run: make loadtest LOADTEST_ARGS="--articles 20000 --duration 5"
LOADTEST_ARGS ?=
loadtest: install-test
	$(BIN)/python benchmarks/loadtest.py $(LOADTEST_ARGS)

# One process against three fleet workers and a writer over a local redis-server (docs/scaling.md).
bench-fleet: install-test redis
	$(BIN)/python benchmarks/fleet.py $(BENCH_ARGS)

serve: install
	$(BIN)/congdoan serve --db $(DB) --port $(PORT)

# No network needed: replay the recorded sample of all five sites into an archive.db of
# its own (demo/archive.db, so a real ./archive.db is never mixed with sample rows), then serve it.
DEMO_DB ?= demo/archive.db
demo: install
	$(BIN)/congdoan crawl --replay demo/sample.warc.gz --db $(DEMO_DB)
	$(BIN)/congdoan serve --db $(DEMO_DB) --port $(PORT)

# Re-record demo/sample.warc.gz from the test replicas (after fixtures change).
demo-sample: install-test
	$(BIN)/python demo/build_sample.py

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache test-artifacts

# The fleet tests (tests/test_fleet.py) start Debian's redis-server on a free loopback port;
# a single-machine crawl never needs it.
redis:
	@command -v redis-server >/dev/null 2>&1 || { \
		echo "redis-server is missing: installing Debian's package for the fleet tests"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq redis-server; }
