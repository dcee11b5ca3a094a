# taizhang: the two commands of the quick start are `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: demo test install lint typecheck clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

install: $(BIN)/.installed

## Set everything up and run the product on its embedded default (SQLite, no other service), with demo data.
demo: $(BIN)/.installed
	$(BIN)/taizhang demo --port $(PORT)

## Set everything up and run the full test suite (ruff, mypy, pytest on SQLite and PostgreSQL, pip-audit).
test: $(BIN)/.installed
	bash scripts/test.sh

lint: $(BIN)/.installed
	$(BIN)/ruff check taizhang bench

typecheck: $(BIN)/.installed
	$(BIN)/mypy taizhang

clean:
	rm -rf $(VENV) var build *.egg-info
