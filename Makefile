# policymine: `make extract` runs the pipeline on data/raw, `make test` runs the tests.
# Each target creates the virtualenv on first use and installs the project with the optional
# dependency groups (extras) it needs: the core for extract and review, [notebooks] for the
# notebooks, [bench] for the benchmarks, [dev] (everything) for the tests.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
WORKERS ?= 2
N ?= 10000
# `make bench` runs on BENCH_N generated documents (and 4× that for memory), or on the .txt files of DIR.
BENCH_N ?= 400
DIR ?=

.PHONY: extract review test bench startup notebooks notebooks-scale clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) on PATH (or set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# One stamp per extra, redone when pyproject.toml changes.
$(VENV)/.installed-%: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.$(if $(filter core,$*),,[$*])'
	touch $@

extract: $(VENV)/.installed-core
	$(BIN)/policymine extract data/raw data/processed --workers $(WORKERS)

review: extract
	$(BIN)/policymine review data/processed

test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -q

notebooks: extract $(VENV)/.installed-notebooks
	$(BIN)/python notebooks/execute.py --in-place

# The notebooks' figures on a generated corpus of N reports (e.g. N=1000), in build/figures-N.
notebooks-scale: $(VENV)/.installed-notebooks
	test -d build/corpus-$(N) || $(BIN)/python bench/make_corpus.py build/corpus-$(N) --documents $(N)
	$(BIN)/policymine extract build/corpus-$(N) build/processed-$(N) --workers $(WORKERS) --quiet
	POLICYMINE_PROCESSED=$(abspath build/processed-$(N)) POLICYMINE_FIGURES=$(abspath build/figures-$(N)) \
		$(BIN)/python notebooks/execute.py

bench: $(VENV)/.installed-bench
	$(BIN)/python bench/run.py $(if $(DIR),--dir $(DIR),--documents $(if $(filter command line,$(origin N)),$(N),$(BENCH_N)))

startup: $(VENV)/.installed-core
	$(BIN)/python bench/startup.py

clean:
	rm -rf data/processed/*.parquet data/processed/.runs data/processed/exports data/processed/review build
