# Every target creates .venv and installs the project into it when needed, so a
# fresh machine with only Python 3.11+ runs `make demo` or `make test` directly.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
EXTRAS := dev,optimal,bench,data,dask,plot

.PHONY: demo test lint format bench bench-quick clean schema figures view-pictures

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[$(EXTRAS)]'
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

# The suite also runs on every other CPython 3.11+ the machine has (.ci/pythons),
# each in its own .venv-3.X made on first use; lint runs once, above.
test: lint
	$(BIN)/python -m pytest
	@for py in $$(.ci/pythons $(BIN)/python); do \
		v=$$($$py -c 'import sys; print("%d.%d" % sys.version_info[:2])'); \
		venv=.venv-$$v; \
		if [ ! -f $$venv/.installed ] || [ pyproject.toml -nt $$venv/.installed ]; then \
			echo "== installing into $$venv ($$py)"; \
			$$py -m venv $$venv && \
			$$venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[$(EXTRAS)]' && \
			touch $$venv/.installed || exit 1; \
		fi; \
		echo "== pytest on Python $$v"; \
		$$venv/bin/python -m pytest -p no:cacheprovider || exit 1; \
	done

# The scale targets and the figure of benchmarks/RESULTS.md, in one command.
bench: $(STAMP)
	$(BIN)/python benchmarks/bus_throughput.py
	$(BIN)/python benchmarks/targets.py --json benchmarks/targets.json --figure benchmarks/scaling.png
	$(BIN)/python benchmarks/sweep.py

bench-quick: $(STAMP)
	$(BIN)/python benchmarks/targets.py --quick

# The published JSON schemas of `skillsim run --json` and of a scenario file (tests
# check they are current).
schema: $(STAMP)
	$(BIN)/skillsim schema --out docs/result.schema.json
	$(BIN)/skillsim schema --scenario --out docs/scenario.schema.json

# The README's pictures, drawn from runs of bundled scenarios.
figures: $(STAMP)
	$(BIN)/skillsim plot churn --out docs/figures/churn
	$(BIN)/skillsim plot skill_match --policy random --policy best_fit --policy optimal \
		--seeds 5 --baseline random --out docs/figures/skill_match

view-pictures: $(STAMP)  # the README's pictures of --live and replay (needs chromium)
	$(BIN)/python docs/draw_views.py

clean:
	rm -rf $(VENV) .venv-3.* .mypy_cache .ruff_cache .pytest_cache .hypothesis
