# sgan: the two commands of the README's quick start are `make course` and `make test`.
# Setup is idempotent: the venv is (re)installed only when pyproject.toml changes.
PY ?= python3
VENV := .venv
PYTHON := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PROFILE ?= cpu
export PYTHONUNBUFFERED := 1

.PHONY: setup course test lab notebooks tensorboard bench reference reference-long clean-runs

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(PYTHON) || $(PY) -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet -e '.[dev]'
	$(PYTHON) -m ipykernel install --sys-prefix --name sgan --display-name "sgan (.venv)" >/dev/null
	@touch $(STAMP)
	@echo "sgan: environment ready in $(VENV)"

## The main job: run the course headless (SGAN_PROFILE / PROFILE=gpu picks the profile).
course: $(STAMP)
	$(PYTHON) -m sgan course --profile $(PROFILE)

## The whole test suite (ruff included), notebooks at the smoke profile, one worker per core, at most 4 (each starts
## notebook kernels and a browser beside it); tests/conftest.py shares the costly parts between the workers.
test: $(STAMP)
	$(PYTHON) -m pytest -n auto --maxprocesses 4

## JupyterLab with the course's kernel.
lab: $(STAMP)
	$(VENV)/bin/jupyter lab notebooks/

## Sync each notebooks/NN_name.ipynb with its jupytext source notebooks/NN_name.py (jupytext --sync: the newer
## file of a pair updates the other), then rewrite the notebooks from their sources: stable cell ids, no outputs.
notebooks: $(STAMP)
	$(PYTHON) scripts/sync_notebooks.py

## TensorBoard over the course's runs (their events rebuilt from log.jsonl where stale); LOGDIR picks another folder.
tensorboard: $(STAMP)
	$(PYTHON) -m sgan tensorboard $(if $(LOGDIR),--logdir $(LOGDIR))

## The reference results (results/<profile>/ and the zoo): Tables 1-4 with 3 seeds, about 100 minutes on 2 cores (102 measured).
reference: $(STAMP)
	$(PYTHON) -m sgan reference --profile $(PROFILE)

## The long study (issue 25): A-F at 64/64/64/32 channels to 192 kimg (profile cpu-long), two at a time, resumable;
## ~48 min of one core per run idle, up to 90 two at a time. Set SGAN_RUNS to keep the runs outside the work tree.
reference-long: $(STAMP)
	$(PYTHON) -m sgan reference --study long --seeds 0,1,2

bench: $(STAMP)
	$(PYTHON) -m sgan bench

clean-runs:
	rm -rf runs/
