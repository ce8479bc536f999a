PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint install clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) on PATH (or make PYTHON=python3)"; exit 1; }
	@echo "Setting up $(VENV): quality-bot and its dependencies (the first time takes about a minute)"
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --disable-pip-version-check --progress-bar on -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	exec $(BIN)/quality-bot demo $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy

# PostgreSQL and Redis test servers run for the duration of the suite, and are always stopped.
# scripts/node-clients installs webex-node-bot-framework (and node, under CI) for the sandbox's
# real-client test; locally without node that test skips and says why.
test: lint
	scripts/node-clients || [ -z "$$CI" ]
	scripts/test-services start || [ -z "$$CI" ]
	$(BIN)/python -m pytest $(PYTEST_ARGS); status=$$?; scripts/test-services stop; exit $$status

clean:
	rm -rf $(VENV) data
