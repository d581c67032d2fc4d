# Two commands set up everything on a fresh machine:
#   make run   - create .venv, install runtime deps (only when requirements changed), serve the app
#   make test  - the same plus dev deps, then ruff and the whole pytest suite (unit, AppTest, browser)
# Other targets: make messages, make bench, make loadtest, make screenshots, make docker-test, make clean.
#   make messages - extract every marked string (babel.cfg) into bnviz/locale/bnviz.pot, merge it into
#                   each language's .po, compile the .mo files (committed; a test checks they match)

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8501
PIP    := $(BIN)/python -m pip --disable-pip-version-check -q

# Stamp files: pip runs again only when a requirements file is newer than its stamp.
RUNTIME_STAMP := $(VENV)/.installed-runtime
DEV_STAMP     := $(VENV)/.installed-dev

.PHONY: run test lint format messages bench loadtest screenshots docker-test clean

$(BIN)/python:
	@echo "Creating $(VENV) with $$($(PYTHON) --version)"
	@$(PYTHON) -m venv $(VENV)
	@$(PIP) install --upgrade pip

$(RUNTIME_STAMP): requirements.txt | $(BIN)/python
	@echo "Installing runtime requirements into $(VENV)"
	@$(PIP) install -r requirements.txt
	@touch $@

$(DEV_STAMP): requirements.txt requirements-dev.txt | $(BIN)/python
	@echo "Installing dev requirements into $(VENV)"
	@$(PIP) install -r requirements-dev.txt
	@touch $(RUNTIME_STAMP) $@

run: $(RUNTIME_STAMP)
	@echo "bnviz is starting at http://$(HOST):$(PORT)  (Ctrl+C stops it)"
	@$(BIN)/python -m ui.serve run app.py --server.address $(HOST) --server.port $(PORT) \
		--server.headless true

lint: $(DEV_STAMP)
	@$(BIN)/ruff check .
	@$(BIN)/ruff format --check .

format: $(DEV_STAMP)
	@$(BIN)/ruff format .
	@$(BIN)/ruff check --fix .

test: lint
	@$(BIN)/python -m pytest -q

LOCALE := bnviz/locale
PYBABEL := $(BIN)/pybabel

messages: $(DEV_STAMP)
	@$(PYBABEL) -q extract -F babel.cfg --add-location=file --sort-by-file --no-wrap \
		--project=bnviz -o $(LOCALE)/bnviz.pot .
	@$(PYBABEL) -q update -i $(LOCALE)/bnviz.pot -d $(LOCALE) -D bnviz --no-fuzzy-matching \
		--ignore-obsolete --no-wrap
	@$(PYBABEL) compile -d $(LOCALE) -D bnviz --statistics

bench: $(DEV_STAMP)
	@$(BIN)/python -m bench

# Real sessions through the app in Chromium (about 3 minutes): writes the loadtest block of bench/RESULTS.md.
loadtest: $(DEV_STAMP)
	@$(BIN)/python -m bench.loadtest

screenshots: $(DEV_STAMP)
	@$(BIN)/python scripts/screenshots.py

docker-test: $(DEV_STAMP)
	@bash scripts/docker_test.sh

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
