# policymine: `make extract` runs the pipeline on data/raw, `make test` runs the tests.
# Both create the virtualenv and install the project on first use.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
WORKERS ?= 2
N ?= 10000

.PHONY: extract test bench notebooks clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) on PATH (or set PYTHON=...)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

extract: $(STAMP)
	$(BIN)/policymine extract data/raw data/processed --workers $(WORKERS)

test: $(STAMP)
	$(BIN)/python -m pytest -q

notebooks: extract
	$(BIN)/python notebooks/execute.py --in-place

bench: $(STAMP)
	$(BIN)/python bench/run.py --documents $(N)

clean:
	rm -rf data/processed/*.parquet data/processed/.*.tmp data/processed/exports
