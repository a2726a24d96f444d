# tourapp — `make run` serves the seeded walk, `make test` runs every test.
# Both set up a virtual environment in .venv on first use: `run` with the app alone,
# `test` adds the test extra (Playwright, addok…).
VENV ?= .venv
PY := $(VENV)/bin/python
APP_STAMP := $(VENV)/.installed-app
TEST_STAMP := $(VENV)/.installed-test
PYTHON ?= python3
BABEL_EXTRACT := -F babel.cfg -k lazy_gettext -k N_ --no-location --project tourapp

.PHONY: run test wheel translate system-deps osrm clean
.DEFAULT_GOAL := run

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(APP_STAMP): pyproject.toml setup.py | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml setup.py | $(PY)
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@ $(APP_STAMP)

# Compiled catalogs are built, not committed (the app also compiles missing or stale
# ones when it starts, or refuses to start: tourapp/system/catalogs.py).
MO := $(patsubst %.po,%.mo,$(wildcard translations/*/LC_MESSAGES/messages.po))
translations/%.mo: translations/%.po | $(APP_STAMP)
	$(VENV)/bin/pybabel compile -i $< -o $@ >/dev/null

run: $(APP_STAMP) $(MO)  ## serve the seeded walk on http://127.0.0.1:5000 (FLASK_RUN_PORT=8080 for another port)
	$(VENV)/bin/tourapp run --debug  # debug = development: the dev SECRET_KEY is allowed

test: $(TEST_STAMP) $(MO) system-deps osrm  ## lint, type-check, run the whole test suite (it also builds and tries the wheel)
	$(VENV)/bin/ruff check && $(VENV)/bin/mypy && $(VENV)/bin/pytest

wheel: $(APP_STAMP)  ## build dist/tourapp-<version>-py3-none-any.whl (templates, static, catalogs, data inside)
	rm -rf .build  # setuptools' staging folder (setup.py): a file deleted since must not ship
	$(PY) -m pip wheel --quiet --no-deps -w dist .

osrm: $(APP_STAMP)  ## fetch the OSRM programs the routing tests run (cached in .cache/osrm)
	PYTHON=$(PY) bash .ci/fetch-osrm

system-deps:  ## Debian packages the tests drive (chromium, gpsbabel, gdal-bin, wrk, nginx, redis-server, gettext)
	bash .ci/install-system-deps

# Extraction is stable (files in sorted order, no line numbers): when no message changed,
# the template differs only by its date and nothing is rewritten, so a clean clone stays
# clean. Otherwise the template is replaced and merged into each language's catalog.
translate: $(APP_STAMP)  ## extract new strings, merge them into the catalogs, compile
	$(VENV)/bin/pybabel extract $(BABEL_EXTRACT) -o translations/messages.pot.new . >/dev/null
	@if diff -q -I '^"POT-Creation-Date: ' -I '^"Generated-By: ' \
	    translations/messages.pot translations/messages.pot.new >/dev/null; then \
	  rm translations/messages.pot.new; echo "no message added or changed: catalogs left as they are"; \
	else \
	  mv translations/messages.pot.new translations/messages.pot; \
	  $(VENV)/bin/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --width 100; \
	fi
	$(VENV)/bin/pybabel compile -d translations --statistics

clean:
	rm -rf $(VENV) .cache .build dist translations/*/LC_MESSAGES/*.mo
