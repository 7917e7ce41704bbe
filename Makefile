# The two commands a newcomer needs: `make run` and `make test`.
# `make run` serves the site and runs the task worker beside it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: run test lint format ci clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit("sharedresp needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamps: a second run installs nothing unless pyproject.toml changed.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet '.[dev]'
	touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	DJANGO_DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DJANGO_DEBUG=1 $(BIN)/python manage.py load_content
	@echo
	@echo "  sharedresp is serving on http://127.0.0.1:$(PORT)/  (Ctrl+C stops it)"
	@echo "  Open that address first: the home page draws the house; lesson 1 needs no account."
	@echo "  To try every role: $(BIN)/python manage.py demo  (prints the logins)"
	@echo
# The task worker (emails) runs beside the web server and stops with it.
	DJANGO_DEBUG=1 $(BIN)/python manage.py db_worker --no-startup-delay & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	DJANGO_DEBUG=1 $(BIN)/python manage.py runserver --skip-checks 127.0.0.1:$(PORT)

# One test process per core (pytest-xdist); each gets its own test database. Work
# stealing: a worker that runs out takes queued tests from the other, so one long
# browser test near the end does not leave a core idle.
test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -n auto --dist worksteal $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) staticfiles
