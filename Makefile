# Two commands for a newcomer: `make run` and `make test`. Both create .venv when it is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app screener
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test install install-dev bench clean translations

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: install
	mkdir -p instance
	SCREENER_ENV=development $(FLASK) db upgrade
	@SCREENER_ENV=development $(FLASK) users hint
	@SCREENER_ENV=development $(FLASK) notify hint
	SCREENER_ENV=development $(FLASK) run --host $(HOST) --port $(PORT)

test: install-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Patient pages in Spanish (issue 27). The compiled catalog (.mo) is committed beside its .po, so
# a plain `pip install` serves Spanish; tests/unit/test_catalog.py fails when it is stale.
# After changing a patient string: `make translations`, translate the new msgids, run it again.
CATALOG := screener/translations
translations: install-dev
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location \
	  --sort-output --project screener --omit-header -o $(CATALOG)/messages.pot .
	$(BIN)/pybabel update -i $(CATALOG)/messages.pot -d $(CATALOG) -l es \
	  --no-fuzzy-matching
	$(BIN)/pybabel compile -d $(CATALOG) -l es

bench: install-dev
	$(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
