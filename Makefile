# Two commands on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
CX_DB ?= data/cx.duckdb
export CX_DB

.PHONY: run test bench demo chromium clean

# The venv is rebuilt when a requirements file changes.
$(VENV)/.installed-run: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed-run requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# The demo database, built only when there is none (never overwrites data).
$(CX_DB): | $(VENV)/.installed-run
	$(PY) -m cx_metrics demo --db $(CX_DB)

demo: $(CX_DB)

## run: set everything up (Chromium too, for PDF/PNG exports) and start the dashboard (STREAMLIT_SERVER_PORT etc. are honoured)
run: $(VENV)/.installed-run $(CX_DB) chromium
	$(VENV)/bin/streamlit run app.py

## test: set everything up (Chromium included) and run every test
test: $(VENV)/.installed-dev $(CX_DB) chromium
	.ci/pip-audit $(PY)
	$(PY) -m pytest

## bench: build 1M/10M-response databases (cached in data/bench) and time the overview
bench: $(VENV)/.installed-dev
	$(PY) -m benchmarks.run

# Debian's Chromium for the browser tests, when no Chrome/Chromium is on the machine.
chromium:
	@if command -v chromium >/dev/null || command -v chromium-browser >/dev/null \
	    || command -v google-chrome >/dev/null; then :; \
	elif command -v apt-get >/dev/null; then \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; \
	else echo "No Chromium and no apt-get: the browser tests will be skipped."; fi

clean:
	rm -rf $(VENV) .pytest_cache data/bench
