# Two commands on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
CX_DB ?= data/cx.duckdb
export CX_DB
# Standard library only, so it runs before the venv exists.
FIND_CHROMIUM := $(PYTHON) -m cx_metrics.chromium

.PHONY: run test bench demo chromium java spark clean

# The venv is rebuilt when a requirements file changes.
$(VENV)/.installed-run: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed-run requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# The Spark engine's packages (pyspark, sqlglot): kept out of `make run`, which stays light.
$(VENV)/.installed-spark: $(VENV)/.installed-run requirements-spark.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-spark.txt
	touch $@

# The demo database, built only when there is none (never overwrites data).
$(CX_DB): | $(VENV)/.installed-run
	$(PY) -m cx_metrics demo --db $(CX_DB)

demo: $(CX_DB)

## run: set everything up (Chromium too, for PDF/PNG exports) and start the dashboard (STREAMLIT_SERVER_PORT etc. are honoured)
run: $(VENV)/.installed-run $(CX_DB) chromium
	$(VENV)/bin/streamlit run app.py

## test: set everything up (Chromium, pyspark and Java included) and run every test
test: $(VENV)/.installed-dev $(CX_DB) chromium spark
	.ci/pip-audit $(PY)
	$(PY) -m ruff check .
	$(PY) -m pytest

## bench: build 1M/10M-response databases (cached in data/bench) and time the overview
bench: $(VENV)/.installed-dev chromium
	$(PY) -m benchmarks.run

# Chrome/Chromium draws chart images and the PDF (kaleido) and runs the browser tests.
# An installed one is used: cx_metrics/chromium.py looks at CX_CHROMIUM, BROWSER_PATH, PATH,
# /usr/bin and /Applications (CX_CHROMIUM=none pretends there is none). Otherwise Debian's
# is installed when that needs no password (as root, or with sudo -n). Never fails: the last
# line prints the browser found, or what is off without one and how to get one.
chromium:
	@$(FIND_CHROMIUM) >/dev/null || [ -n "$$CX_CHROMIUM" ] || ! command -v apt-get >/dev/null || { \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo "sudo -n"); \
	  $$SUDO true 2>/dev/null && echo "Installing Chromium with apt-get ..." \
	  && $$SUDO apt-get update -qq >/dev/null 2>&1 \
	  && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1; } || true
	@$(FIND_CHROMIUM) || true

## spark: pyspark, sqlglot and Java for `kpis`/`report --engine spark` and their tests
spark: $(VENV)/.installed-spark java

# Java 17+ runs Spark. An installed one is used; otherwise Debian's headless JRE is installed when
# that needs no password (as root, or with sudo -n; slim images lack the man folder its setup
# writes to). Never fails: the last line names the Java found, or says the Spark tests will skip.
JAVA_OK := java -version 2>&1 | grep -qE 'version "(1[7-9]|[2-9][0-9])'
java:
	@$(JAVA_OK) || ! command -v apt-get >/dev/null || { \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo "sudo -n"); \
	  $$SUDO true 2>/dev/null && echo "Installing Java with apt-get ..." \
	  && $$SUDO mkdir -p /usr/share/man/man1 \
	  && $$SUDO apt-get update -qq >/dev/null 2>&1 \
	  && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless >/dev/null 2>&1; } || true
	@$(JAVA_OK) && echo "java: $$(java -version 2>&1 | head -1)" \
	  || echo "java: no Java 17+ here, so the Spark tests skip (apt-get install default-jre-headless)"

clean:
	rm -rf $(VENV) .pytest_cache data/bench
