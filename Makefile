# The two commands of the quick start: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# A recorded copy of the government registers, used where the live download is unreachable.
COLLECTIVES_REFERENCE_DIR ?= $(firstword $(wildcard ../shared/data/reference))
export COLLECTIVES_REFERENCE_DIR HOST PORT

.PHONY: install run build serve test clean

$(BIN)/collectives: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/collectives

build: install
	$(BIN)/collectives build

## make run: install, build the registry into var/store and serve the API on $(HOST):$(PORT)
# A source that fails keeps its previous data; the API still serves what the store holds.
run: install
	$(BIN)/collectives build || echo "build: some sources failed (see above); serving what the store holds" >&2
	$(BIN)/collectives serve --host $(HOST) --port $(PORT)

## make test: the whole test suite
test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf var build *.egg-info
