# Two commands for users: `make run` and `make test`. Both create .venv if needed.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The CPU build of PyTorch; a bare `torch` pulls several GB of GPU packages.
TORCH_PIN := torch==2.13.0
PORT ?= 8501
STAMP := $(VENV)/.installed

.PHONY: run test test-all bench validate clean

$(STAMP): pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "$(TORCH_PIN)"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[test]"
	touch $(STAMP)

run: $(STAMP)  ## serve the app at http://localhost:$(PORT)
	$(BIN)/python -m ui.serve --server.port $(PORT)

test: $(STAMP)  ## the whole default suite (slow tests excluded)
	$(BIN)/python -m pytest

test-all: $(STAMP)  ## every test, slow ones included
	$(BIN)/python -m pytest -m ""

validate: $(STAMP)  ## how often the default audit's verdicts hold (7 scenarios x 20 seeds; about 17 min on 2 idle cores)
	$(BIN)/python -m core validate --out artifacts/validation

bench: $(STAMP)  ## performance scripts; numbers print to the terminal
	for script in bench/bench_*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) artifacts .pytest_cache
