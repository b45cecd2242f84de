# One command to set up and run the demo, one to set up and pass the tests.
#   make demo   # installs everything, obtains models and footage, runs the demo site
#   make test   # installs everything (incl. test servers), runs the whole test suite
#   make evaluation  # scores eval/ ground truth, regenerates docs/EVALUATION.md
SHELL := /bin/bash
SHARED ?= $(abspath ../shared)
UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
PYTEST_ARGS ?=

.PHONY: setup setup-test models demo test bench evaluation lint docs screenshots clean

setup:
	@command -v uv >/dev/null 2>&1 || [ -x "$(UV)" ] || python3 -m pip install --user --quiet "uv>=0.5"
	$(UV) sync --frozen

models: setup
	@if [ -d "$(SHARED)/models" ]; then \
	  $(UV) run vigie models fetch --from "$(SHARED)/models"; \
	else \
	  $(UV) run vigie models fetch; \
	fi

setup-test: setup
	bash scripts/install-system-deps.sh

demo: models
	$(UV) run vigie demo

test: setup-test models
	VIGIE_SHARED_DIR="$(SHARED)" $(UV) run pytest $(PYTEST_ARGS)

bench: models
	$(UV) run vigie bench

# Scores every clip and dataset under eval/ and regenerates docs/EVALUATION.md.
evaluation: models
	$(UV) run vigie evaluate eval/ --report docs/evaluation --markdown docs/EVALUATION.md

lint: setup
	$(UV) run ruff check src tests
	$(UV) run mypy

# Runs the browser tests and saves a screenshot of each console page to docs/screenshots.
screenshots: setup-test
	VIGIE_SCREENSHOTS="$(CURDIR)/docs/screenshots" $(UV) run pytest tests/browser -p no:cacheprovider -q

docs: setup
	$(UV) run vigie config reference -o docs/configuration.md

clean:
	rm -rf .venv .pytest_cache .mypy_cache .ruff_cache
