# The two set-up commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app wsgi
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test test-sqlite test-postgres install lint browser-tools translations clean

$(BIN)/activate: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	# The noun lexicon the plural tests measure against (Wiktionary, CC BY-SA 4.0): its CSV
	# only; its parser's dependencies would pin lxml below 5 for python-docx too.
	$(BIN)/pip install --quiet --no-deps "german-nouns>=1.2.5,<2"
	touch $(BIN)/activate

install: $(BIN)/activate

## Create the database, load the demo content, build the index and serve the app.
run: install
	$(FLASK) init
	$(FLASK) practices import practices
	$(FLASK) search reindex
	@echo ""
	@echo "Erstes Organisator*innen-Konto anlegen (in einem zweiten Terminal):"
	@echo "  $(FLASK) users create ich@example.org --name 'Vorname Name' --role organiser"
	@echo ""
	BASE_URL=$${BASE_URL:-http://$(HOST):$(PORT)} $(FLASK) run --host $(HOST) --port $(PORT)

node_modules/axe-core/axe.min.js: package.json
	npm install --no-audit --no-fund --silent
	touch $@

browser-tools: node_modules/axe-core/axe.min.js

lint: install
	$(BIN)/ruff check .

## Lint and run every test: all of them on SQLite, and all but the browser tests again on a
## throw-away PostgreSQL cluster (SECURITY.md 24).
test: lint test-sqlite test-postgres

test-sqlite: install browser-tools
	$(BIN)/pytest

test-postgres: install
	scripts/with-postgres $(BIN)/pytest -q -m "not browser"

## Refresh the translation template from the German UI texts (Flask-Babel).
translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location \
	  --project "Kommunen for future" -o app/translations/messages.pot .

clean:
	rm -rf $(VENV) node_modules .pytest_cache .ruff_cache
