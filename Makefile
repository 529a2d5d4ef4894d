# relog — two commands on a fresh machine:
#   make run    set up .venv, build the demo database if there is none, start the app
#   make test   same set-up, then the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DB     := $(or $(RELOG_DB),data/relog.duckdb)
PORT   ?= 8501

.PHONY: run test fuzz setup setup-dev demo bench bench-smoke

LEAFLET_VERSION := 1.9.4
LEAFLET := static/vendor/leaflet/leaflet.js

run: setup $(DB)
	RELOG_DB=$(DB) $(BIN)/streamlit run server.py --server.port $(PORT)

test: setup-dev $(DB)
	$(BIN)/python -m pytest

# The property test over generated databases (tests/test_generated.py) with many
# more examples than `make test` draws: FUZZ_EXAMPLES databases (200 by default),
# reports for FUZZ_REPORTS of them, seeds from FUZZ_SEED.
FUZZ_EXAMPLES ?= 200
FUZZ_REPORTS ?= 10
FUZZ_SEED ?= 0
# It also runs the attacker of tests/test_disclosure.py on ATTACK_SEEDS generated
# databases, over every publication date (make test: one database, the last 8 dates).
ATTACK_SEEDS ?= 10
fuzz: setup-dev $(DB)
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) FUZZ_REPORTS=$(FUZZ_REPORTS) FUZZ_SEED=$(FUZZ_SEED) \
		ATTACK_SEEDS=$(ATTACK_SEEDS) RELOG_ATTACK_DATES=0 \
		$(BIN)/python -m pytest -m generated tests/test_generated.py tests/test_disclosure.py

setup: $(VENV)/.installed $(LEAFLET)
setup-dev: $(VENV)/.installed-dev $(LEAFLET)

# Leaflet, served by the app itself (no CDN at run time), from the npm registry.
$(LEAFLET):
	rm -rf static/vendor/leaflet static/vendor/.leaflet-tmp
	mkdir -p static/vendor/.leaflet-tmp
	cd static/vendor/.leaflet-tmp && npm pack --silent leaflet@$(LEAFLET_VERSION) >/dev/null
	tar -xzf static/vendor/.leaflet-tmp/leaflet-$(LEAFLET_VERSION).tgz -C static/vendor/.leaflet-tmp
	mv static/vendor/.leaflet-tmp/package/dist static/vendor/leaflet
	rm -rf static/vendor/.leaflet-tmp

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

$(DB): | $(VENV)/.installed
	$(BIN)/python -m relog_data demo --db $(DB)

# Rebuild the demo database from scratch.
demo: setup
	$(BIN)/python -m relog_data demo --db $(DB) --force

# The benchmark at three scales (long: more than an hour), results in bench/RESULTS.md;
# with the pages in a real browser (Debian Chromium): one user, then ten at once, the
# server's memory read BENCH_IDLE_WAIT seconds after they leave, at each scale
# (bench/browser.py).
BENCH_IDLE_WAIT ?= 600
bench: setup-dev
	$(BIN)/python -m bench.run --browser --users 10 --idle-wait $(BENCH_IDLE_WAIT)

# The same at the small scale only, once, into bench/out/, ten users, memory read 5 s
# after they leave (the test suite runs it too: tests/test_bench.py without the browser,
# tests/test_bench_browser.py the browser part with two users).
bench-smoke: setup-dev
	$(BIN)/python -m bench.run --scales S --runs 1 --out bench/out --data bench/out \
		--browser --users 10 --idle-wait 5
