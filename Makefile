# tourapp — `make run` serves the seeded walk, `make test` runs every test.
# Both set up a virtual environment in .venv on first use.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PYTHON ?= python3

.PHONY: run test translate system-deps osrm clean
.DEFAULT_GOAL := run

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

# Compiled catalogs are built, not committed (the app also compiles missing or stale
# ones when it starts, or refuses to start: tourapp/catalogs.py).
MO := $(patsubst %.po,%.mo,$(wildcard translations/*/LC_MESSAGES/messages.po))
translations/%.mo: translations/%.po $(STAMP)
	$(VENV)/bin/pybabel compile -i $< -o $@ >/dev/null

run: $(STAMP) $(MO)  ## serve the seeded walk on http://127.0.0.1:5000
	$(VENV)/bin/flask --app tourapp run --debug  # debug = development: the dev SECRET_KEY is allowed

test: $(STAMP) $(MO) system-deps osrm  ## run the whole test suite
	$(VENV)/bin/ruff check && $(VENV)/bin/mypy && $(VENV)/bin/pytest

osrm: $(STAMP)  ## fetch the OSRM programs the routing tests run (cached in .cache/osrm)
	PYTHON=$(PY) bash .ci/fetch-osrm

system-deps:  ## Debian packages the tests drive (chromium, gpsbabel, gdal-bin, wrk, redis-server)
	bash .ci/install-system-deps

translate: $(STAMP)  ## extract new strings, merge them into the catalogs, compile
	$(VENV)/bin/pybabel extract -F babel.cfg -k lazy_gettext -k N_ --no-location --project tourapp -o translations/messages.pot .
	$(VENV)/bin/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --width 100
	$(VENV)/bin/pybabel compile -d translations --statistics

clean:
	rm -rf $(VENV) .cache translations/*/LC_MESSAGES/*.mo
