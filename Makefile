# The portal's build, run and test entry points. Everything it needs is installed from here.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export DJANGO_SETTINGS_MODULE := bold_portal.settings

.PHONY: run test lint format static browser migrate demo bench messages clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

venv: $(STAMP)

# Local first look: SQLite, Celery eager, the report's demo data.
run: export DEBUG ?= true
run: $(STAMP) static
	$(PY) manage.py migrate --no-input
	$(PY) manage.py load_bold_report
	$(PY) manage.py runserver 127.0.0.1:8000

test: export SECRET_KEY ?= test-only-not-secret
test: $(STAMP) static browser
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

migrate: $(STAMP)
	$(PY) manage.py migrate --no-input

# The matrix's query count, time and memory at 12, 120 and 1,200 use cases (docs/performance.md).
bench: export SECRET_KEY ?= bench-only-not-secret
bench: migrate
	$(PY) manage.py bench_matrix

clean:
	rm -rf $(VENV) node_modules build staticfiles
