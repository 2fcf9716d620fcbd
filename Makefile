# congress — the two commands a new user needs:
#   make demo   install, migrate a SQLite file, load the demo congress, serve it
#   make test   run the whole test suite (lint, types, contracts, pytest)

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
export PORT

DEMO_DB     ?= sqlite:///var/demo.sqlite3
DEMO_BUNDLE ?= var/demo-essr.json

.PHONY: demo test lint typecheck contracts pytest install verifiers clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

demo: install
	mkdir -p var
	$(BIN)/python -m examples.demo --scale essr --out $(DEMO_BUNDLE)
	CONGRESS_DATABASE_URL=$(DEMO_DB) $(BIN)/congress demo --bundle $(DEMO_BUNDLE)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

contracts: install
	$(BIN)/lint-imports

# The independent clients the tests check our output with: Mozilla's ical.js and
# jsQR (npm), xmllint, zbarimg and pdftoppm (Debian's libxml2-utils, zbar-tools
# and poppler-utils, installed when missing).
JS_DEPS := tests/js/node_modules/.package-lock.json

$(JS_DEPS): tests/js/package.json tests/js/package-lock.json
	npm ci --prefix tests/js --no-audit --no-fund --loglevel=error

verifiers: $(JS_DEPS)
	@command -v xmllint >/dev/null 2>&1 || { \
	  echo "installing libxml2-utils (xmllint)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libxml2-utils; }
	@command -v zbarimg >/dev/null 2>&1 || { \
	  echo "installing zbar-tools (zbarimg)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq zbar-tools; }
	@command -v pdftoppm >/dev/null 2>&1 || { \
	  echo "installing poppler-utils (pdftoppm)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils; }

pytest: install verifiers
	$(BIN)/python -m pytest

test: lint typecheck contracts pytest

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache .hypothesis tests/js/node_modules
