# The portal's build, run and test entry points. Everything it needs is installed from here.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export DJANGO_SETTINGS_MODULE := bold_portal.settings

.PHONY: run test test-fast lint format static translations browser migrate demo bench load messages gettext audit drills clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

venv: $(STAMP)

# Local first look: SQLite, Celery eager, the report's demo data.
run: export DEBUG ?= true
run: $(STAMP) static translations
	$(PY) manage.py prepare_local_database
	$(PY) manage.py migrate --no-input
	$(PY) manage.py load_bold_report
	$(PY) manage.py load_lexicon
	$(PY) manage.py load_demo_register
	$(PY) manage.py runserver 127.0.0.1:8000

test test-fast: export SECRET_KEY ?= test-only-not-secret
# Two processes (pytest-xdist), one per core of the machines this runs on; each has its own
# test database. TEST_WORKERS=0 runs everything in one process. Everything runs, the tests marked
# slow and the real-browser ones too. Tests go out in the order collected (--dist load), which
# runs the tests that flush the database (and with it the role groups and the retention floor the
# migrations wrote) after all the others in each process; work stealing could hand a process
# ordinary tests after a flush. The real-browser tests run in processes of their own, after the
# others: Playwright keeps an event loop running in its process, where a test client calling an
# async view (/health/) fails.
TEST_WORKERS ?= 2
test: $(STAMP) static translations browser gettext
	$(PY) -m pytest -n $(TEST_WORKERS) --dist load -m "not e2e"
	$(PY) -m pytest -n $(TEST_WORKERS) --dist load -m e2e

# The everyday loop, in one process: no real-browser and no slow tests (docs/performance.md).
# Byte code is cached even where the environment asks not to (the Docker image does): compiling
# every module and rewriting every test file's assertions on each run costs about 2.5 CPU-seconds.
test-fast: export PYTHONDONTWRITEBYTECODE =
test-fast: $(STAMP) static translations
	$(PY) -m pytest -p no:xdist -m "not e2e and not slow"

# Bandit looks for known weaknesses in the portal's own code (configured in pyproject.toml).
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/bandit -c pyproject.toml --quiet --recursive .

# Known vulnerabilities in the pinned Python and npm dependencies, from online databases: for a
# machine that can reach them. Offline it fails, saying it could not check (docs/deployment.md).
audit: $(STAMP)
	.ci/audit

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

migrate: $(STAMP)
	$(PY) manage.py migrate --no-input

# GOV.UK Frontend and the Sass compiler come from npm, pinned in package-lock.json. `npm ci` runs
# only when node_modules is missing or the lock file changed (the stamp lives inside node_modules).
NPM_STAMP := node_modules/.installed
GOVUK_DIST := node_modules/govuk-frontend/dist/govuk
GOVUK_OUT := build/static/govuk
I18N_IGNORE := --ignore=node_modules --ignore=.venv --ignore=build

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $(NPM_STAMP)

# Compiles static/scss/portal.scss (GOV.UK Frontend with Arial, no GDS Transport font) and copies
# GOV.UK Frontend's JavaScript and images (not its fonts) into build/static/govuk. Needs only npm:
# the image's Node stage runs it with nothing but what that stage copies (docs/deployment.md).
static: $(NPM_STAMP)
	mkdir -p $(GOVUK_OUT)
	node_modules/.bin/sass --quiet-deps --silence-deprecation=import --style=compressed --no-source-map --load-path=. \
		static/scss/portal.scss $(GOVUK_OUT)/portal.css
	cp $(GOVUK_DIST)/govuk-frontend.min.js $(GOVUK_OUT)/
	rm -rf $(GOVUK_OUT)/assets
	mkdir -p $(GOVUK_OUT)/assets
	cp -R $(GOVUK_DIST)/assets/images $(GOVUK_DIST)/assets/manifest.json $(GOVUK_OUT)/assets/

# Compiles the translations (locale/*/LC_MESSAGES/django.mo) when GNU gettext is installed.
translations messages: export SECRET_KEY ?= build-only-not-secret
translations: $(STAMP)
	if command -v msgfmt >/dev/null; then $(PY) manage.py compilemessages $(I18N_IGNORE); fi

# Refreshes locale/cy/LC_MESSAGES/django.po from the code and templates (needs GNU gettext).
messages: $(STAMP) gettext
	$(PY) manage.py makemessages -l cy $(I18N_IGNORE)

# GNU gettext: make messages writes the catalogue with it, and a test checks the catalogue with it.
gettext:
	command -v xgettext >/dev/null || (apt-get update && apt-get install -y gettext)

# The real-browser tests drive Debian's Chromium; Playwright never downloads a browser of its own.
browser:
	test -x /usr/bin/chromium || (apt-get update && apt-get install -y chromium fonts-liberation)

# The benchmarks (docs/performance.md):
# - always, a reviewer's submit on the embedded default (SQLite, Celery eager) into rounds of 200
#   and 2,000 use-case versions, in a throwaway SQLite file deleted afterwards (never db.sqlite3);
# - when DATABASE_URL is PostgreSQL, the matrix at 200, 2,000 and 10,000 use-case versions, then
#   every page of a round at 2,000 and 10,000 against the same page at 12, then every export
#   format at 12, 2,000 and 10,000 against PostgreSQL writing the same data:
#     DATABASE_URL=postgres://postgres@127.0.0.1:5432/<throwaway database> make bench
# Extra options through BENCH_SUBMIT_OPTIONS (e.g. "--sizes 200,2000 --repeat 5"), BENCH_OPTIONS
# (e.g. "--sizes 200,2000 --repeat 3"), BENCH_PAGES_OPTIONS (e.g. "--sizes 2000 --repeat 5") and
# BENCH_EXPORTS_OPTIONS (e.g. "--sizes 2000 --repeat 3"); BENCH_PARTS="pages" runs only the pages
# on PostgreSQL (default "matrix pages exports").
bench: export SECRET_KEY ?= bench-only-not-secret
bench: $(STAMP)
	@dir=$$(mktemp -d) && trap 'rm -rf "$$dir"' EXIT && \
	echo "The submit benchmark, on a throwaway SQLite database ($$dir/bench.sqlite3), Celery eager:" && \
	env -u CELERY_BROKER_URL -u REDIS_URL DATABASE_URL="sqlite:///$$dir/bench.sqlite3" \
		sh -c '$(PY) manage.py migrate --no-input -v 0 && $(PY) manage.py bench_matrix --part submit $(BENCH_SUBMIT_OPTIONS)'
	@case "$$DATABASE_URL" in postgres://*|postgresql://*|pgsql://*|psql://*) ;; \
	*) echo "The matrix benchmark measures on PostgreSQL and was not run: set" \
		"DATABASE_URL=postgres://user@host:port/<throwaway database> to run it too (it is '$${DATABASE_URL:-unset}')." \
		"On another database run manage.py bench_matrix: its figures are labelled as not the recorded ones." >&2; \
		exit 0;; esac; \
	$(PY) manage.py migrate --no-input && \
	for part in $${BENCH_PARTS:-matrix pages exports}; do case "$$part" in \
		matrix) $(PY) manage.py bench_matrix --part matrix $(BENCH_OPTIONS) || exit 1;; \
		pages) $(PY) manage.py bench_matrix --part pages $(BENCH_PAGES_OPTIONS) || exit 1;; \
		exports) $(PY) manage.py bench_matrix --part exports $(BENCH_EXPORTS_OPTIONS) || exit 1;; \
		*) echo "BENCH_PARTS may name matrix, pages and exports, not '$$part'." >&2; exit 2;; esac; done

# The load run (docs/performance.md, "Load run"): a throwaway PostgreSQL database on the machine's
# server, Redis databases 11 and 12 (empty; LOAD_OPTIONS="--redis-db N" for others), gunicorn with 4
# workers and a Celery worker on 127.0.0.1, Locust's 50 reviewers, then stepped arrival rates and
# the check; everything it started is stopped and the database dropped. About ten minutes; the long
# run: LOAD_OPTIONS="--versions 10000 --duration 600 --step-seconds 30".
load: $(STAMP)
	$(PY) -m loadtest $(LOAD_OPTIONS)

# The fault drills (docs/reliability.md): PostgreSQL, Redis, gunicorn, a Celery worker and beat of
# their own in a temporary folder, on spare ports; never the machine's shared ones. Needs root (the
# PostgreSQL server binaries run through runuser as postgres) and redis-server. Not part of CI.
# DRILLS="backup close" runs only those; DRILLS_KEEP=1 keeps the folder with every service's log.
drills: $(STAMP)
	$(PY) -m drills $(DRILLS)

clean:
	rm -rf $(VENV) node_modules build staticfiles
