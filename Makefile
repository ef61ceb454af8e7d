# Every target creates .venv and installs the project into it when needed, so a
# fresh machine with only Python 3.11+ runs `make demo` or `make test` directly.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint format bench clean schema figures

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,optimal,bench,data,plot]'
	@touch $(STAMP)

demo: $(STAMP)
	@$(BIN)/python -m scenarios.quickstart

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: lint
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/bus_throughput.py
	$(BIN)/python benchmarks/scale.py

# The published JSON schema of `skillsim run --json` (a test checks it is current).
schema: $(STAMP)
	$(BIN)/skillsim schema --out docs/result.schema.json

# The README's pictures, drawn from runs of bundled scenarios.
figures: $(STAMP)
	$(BIN)/skillsim plot churn --out docs/figures/churn
	$(BIN)/skillsim plot skill_match --policy random --policy best_fit --policy optimal \
		--seeds 5 --baseline random --out docs/figures/skill_match

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
