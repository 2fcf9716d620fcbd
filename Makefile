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

.PHONY: demo test lint typecheck contracts pytest install clean

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

pytest: install
	$(BIN)/python -m pytest

test: lint typecheck contracts pytest

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache .hypothesis
