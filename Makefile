# Two entry points for a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-slow reference-results appraisal-results clean browser

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,dask,sensitivity,pandas,parquet,plots]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/corridorsim run scenarios/baseline-2024.yaml --report

test: $(STAMP) browser
	$(BIN)/python -m ruff check src tests scripts benchmarks
	$(BIN)/python -m mypy src
	$(BIN)/python -m pytest -q

# Headless Chromium for the report's browser tests (tests/browser.py), from Debian's
# packages (about 25 s with apt-get update, once per machine). Never fatal: without root or
# apt-get it says so and the browser tests skip, or fail where CI is set, so a broken
# install cannot pass unseen.
BROWSER_PACKAGES := chromium chromium-driver
BROWSER_BINARIES := /usr/bin/chromium /usr/bin/chromedriver
NO_BROWSER := the browser tests skip (fail under CI)
browser:
	@missing=; for b in $(BROWSER_BINARIES); do [ -x "$$b" ] || missing=1; done; \
	if [ -z "$$missing" ]; then \
	  :; \
	elif ! command -v apt-get >/dev/null 2>&1; then \
	  echo "browser: no apt-get here; install $(BROWSER_PACKAGES) by hand, or $(NO_BROWSER)"; \
	elif [ "$$(id -u)" != 0 ]; then \
	  echo "browser: not root; run 'sudo make browser', or $(NO_BROWSER)"; \
	else \
	  echo "browser: installing $(BROWSER_PACKAGES) from Debian"; \
	  log=$$(mktemp); \
	  if apt-get update -qq >"$$log" 2>&1 && DEBIAN_FRONTEND=noninteractive \
	      apt-get install -y -qq --no-install-recommends $(BROWSER_PACKAGES) >>"$$log" 2>&1; \
	  then echo "browser: installed $$(/usr/bin/chromium --version 2>/dev/null)"; \
	  else tail -n 5 "$$log"; \
	    echo "browser: apt-get could not install $(BROWSER_PACKAGES); $(NO_BROWSER)"; \
	  fi; \
	  rm -f "$$log"; \
	fi

# Long validation runs (queueing theory at high utilisation, the tandem); CI runs them too.
test-slow: $(STAMP)
	$(BIN)/python -m pytest -q -m slow

# Rerun the reference scenarios and rewrite the README's results tables.
reference-results: $(STAMP)
	$(BIN)/python scripts/reference_results.py

# Rerun the reference appraisals (appraisals/) and rewrite the README's appraisal table.
appraisal-results: $(STAMP)
	$(BIN)/python scripts/appraisal_results.py

clean:
	rm -rf $(VENV) build src/*.egg-info
