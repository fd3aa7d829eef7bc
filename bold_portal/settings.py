"""Settings for the BOLD use-case review portal.

Everything that differs between a laptop and production comes from environment variables
(see README.md). With none set, the portal runs on SQLite with Celery in eager mode.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from bold_portal.error_reports import scrub_personal_data

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# Without SECRET_KEY (and DEBUG off) the key stays empty: Django then refuses everything that
# signs (sessions, CSRF tokens, reset links) with ImproperlyConfigured, so production can never
# run on a default key, while commands that sign nothing, such as makemigrations, still work.
SECRET_KEY = env("SECRET_KEY", default="insecure-local-only-key-change-me" if DEBUG else "")
# Keys rotated out that still verify what they signed or hashed (sessions, password links,
# recovery codes) until people have moved on: docs/deployment.md.
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_forms_gds",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    # Holds nothing: its clear-text recovery codes were moved, hashed, to the portal's own
    # RecoveryCodeDevice (migration audiences.0004, now accounts'), which reads its tables.
    "django_otp.plugins.otp_static",
    "health_check",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "rules.apps.AutodiscoverRulesConfig",
    "bold_portal",
    "accounts",
    "audiences",
    "principles",
    "language",
    "usecases",
    "reviews",
    "matrix",
    "register",
]

MIDDLEWARE = [
    # First, so that every line logged while answering names the request.
    "bold_portal.middleware.request_id",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Sets request.user.otp_device: whether this session passed the second sign-in step.
    "django_otp.middleware.OTPMiddleware",
    "bold_portal.middleware.private_cache_for_signed_in",
    "django.contrib.messages.middleware.MessageMiddleware",
    "bold_portal.middleware.method_not_allowed_page",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A review form posted after the session ended: its text is kept before the login redirect.
    "reviews.views.kept_posts.KeepRefusedReviewPost",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # Analysts and admins who have not passed two-factor sign-in reach only its own pages.
    "accounts.middleware.TwoFactorRequiredMiddleware",
    # A personal review link's session reaches its holder's reviews in its round, nothing else.
    "reviews.link_sessions.PersonalLinkScopeMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "bold_portal.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "bold_portal.context_processors.service",
            ],
        },
    },
]

WSGI_APPLICATION = "bold_portal.wsgi.application"

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default serves several reviewers at once: a writing transaction takes SQLite's
    # write lock when it begins (IMMEDIATE), so two writers queue instead of one failing with
    # "database is locked" half-way; the timeout is how long one waits for the other (seconds).
    DATABASES["default"].setdefault("OPTIONS", {}).update({"transaction_mode": "IMMEDIATE", "timeout": 20})
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT compilation: the portal's statements take milliseconds to a second, and compiling one
    # whose estimated cost passes PostgreSQL's jit_above_cost took longer than it saved (225 ms of a
    # 254 ms page, 193 ms of a whole-round recompute; docs/performance.md). An operator's own jit
    # setting in DATABASE_URL's options is kept.
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    if "jit" not in _options.get("options", ""):
        _options["options"] = f"{_options.get('options', '')} -c jit=off".strip()
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
# A kept connection is checked before a request or a task reuses it: one that PostgreSQL has closed
# (a restart) is opened again instead of failing what uses it.
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
# Seconds a Celery worker keeps a database connection between its tasks (bold_portal.celery),
# whatever CONN_MAX_AGE the web server has.
WORKER_CONN_MAX_AGE = env.int("WORKER_CONN_MAX_AGE", default=600)

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# People sign in with their email address: see accounts.models.User.
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    # First, so that a locked-out sign-in is refused before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "accounts.backends.EmailBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    # People sign in with their email address, so the message names that, never a "username".
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "full_name")},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Brute-force protection (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one email
# address from one IP address, sign-in is refused for that pair for AXES_COOLOFF_MINUTES. Failures
# are kept in the database, so every web process sees them. A password reset clears them. The IP
# address is REMOTE_ADDR: behind a proxy that is the proxy's (docs/deployment.md says what follows).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "accounts.backends.sign_in_username"
# The sign-in form's field. Axes otherwise takes the user model's USERNAME_FIELD ("email"), under
# which it files the lockout check and the reset on success, while failures arrive as "username":
# a locked-out pair could then still sign in, and a success would not clear the count.
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_CALLABLE = "accounts.views.sign_in.sign_in_locked_out"
# Two-factor sign-in (django-otp) for analysts and admins: docs/sign-in-security.md. Each wrong
# code doubles the wait before the next is checked (1, 2, 4… seconds), and that count survives a
# new password sign-in; wrong codes also count towards the lockout above.
OTP_TOTP_ISSUER = "BOLD review portal"
OTP_TOTP_THROTTLE_FACTOR = 1
RECOVERY_CODE_THROTTLE_FACTOR = 1
# Failures and lockouts are kept in the admin (Axes: access attempts and failures), not logged line by line.
AXES_VERBOSE = False

# A signed-in session lasts a working day, so a long review is not lost to a time-out mid-way.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)

LANGUAGE_CODE = "en-gb"
# Welsh ("cy") joins this list once locale/cy is translated (docs/i18n.md); offering it before
# then would label English pages as Welsh for browsers that ask for Welsh first.
LANGUAGES = [("en-gb", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# static/ holds the portal's own assets; build/static holds GOV.UK Frontend, compiled by `make static`.
STATICFILES_DIRS = [BASE_DIR / "static", BASE_DIR / "build" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env(
            "STATICFILES_BACKEND",
            default="whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage",
        )
    },
}

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="BOLD review portal <no-reply@localhost>")
# For EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend.
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
# GOV.UK Notify, used when EMAIL_BACKEND=bold_portal.notify_backend.NotifyEmailBackend (docs/email.md).
NOTIFY_API_KEY = env("NOTIFY_API_KEY", default="")
NOTIFY_EMAIL_TEMPLATE_ID = env("NOTIFY_EMAIL_TEMPLATE_ID", default="")
NOTIFY_EMAIL_REPLY_TO_ID = env("NOTIFY_EMAIL_REPLY_TO_ID", default="")

SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
# HTTPS (docs/deployment.md). Off by default, so that `make run` and plain-HTTP compose work; turn
# them on behind TLS. The proxy header is trusted only when set, and only a proxy may set it.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
# The health check answers over plain HTTP too: container and load-balancer probes do not use TLS.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
if env.bool("SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"
# The portal's page (bold_portal.views.csrf_failure), after keeping a refused review form's text.
CSRF_FAILURE_VIEW = "reviews.views.kept_posts.csrf_failure"

# Content Security Policy (django-csp): everything from the portal's own origin; the layout's two
# inline scripts carry the per-request nonce (request.csp_nonce); no framing, no posting elsewhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = ["gds"]
CRISPY_TEMPLATE_PACK = "gds"

# Celery: with no broker configured, tasks run in-process (eager) so the portal works alone.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
# Resilience of the worker (docs/reliability.md, which the suite compares with these): a task is
# acknowledged once it has run, so a worker that dies mid-task leaves it to be delivered again; one
# message reserved per worker process at a time, so a lost worker holds back no more.
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A message not acknowledged this long after delivery (its worker gone without a word) is delivered
# again: longer than any task or countdown the portal queues, shorter than kombu's default hour.
BROKER_VISIBILITY_TIMEOUT_SECONDS = env.int("BROKER_VISIBILITY_TIMEOUT_SECONDS", default=600)
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": BROKER_VISIBILITY_TIMEOUT_SECONDS}
# A worker that loses the broker stops its unacknowledged tasks, which the broker delivers again,
# rather than finishing them alongside their second delivery.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_TIMEZONE = TIME_ZONE
# Celery's Django fixup closes a worker's database connections around every task unless told to
# keep them for this many tasks; bold_portal.celery then closes them as Django does between
# requests (failed, or older than WORKER_CONN_MAX_AGE), so this is only a bound.
CELERY_DB_REUSE_MAX = 1_000
# Exports have a queue of their own, served by a worker process of its own (docker-compose.yml,
# docs/deployment.md), so that a long export never delays a recompute on the default queue. In eager
# mode (no broker) routes do not matter: every task runs in the process that queued it.
EXPORTS_QUEUE = env("EXPORTS_QUEUE", default="exports")
CELERY_TASK_ROUTES = {"matrix.tasks.run_matrix_export": {"queue": EXPORTS_QUEUE}}
# An export is stopped after this many seconds and recorded as failed, with a message saying to
# choose fewer use cases; its process is killed EXPORT_HARD_TIME_LIMIT_SECONDS after that if the
# stop does not take. Both stay well below BROKER_VISIBILITY_TIMEOUT_SECONDS.
EXPORT_SOFT_TIME_LIMIT_SECONDS = env.int("EXPORT_SOFT_TIME_LIMIT_SECONDS", default=120)
EXPORT_HARD_TIME_LIMIT_SECONDS = EXPORT_SOFT_TIME_LIMIT_SECONDS + 30
# A PDF holds at most this many use cases (the export page says so): a larger one is refused, and
# the page asks for one audience or a filtered view of the matrix instead.
EXPORT_PDF_MAX_USE_CASES = env.int("EXPORT_PDF_MAX_USE_CASES", default=200)
# How often the beat sweep looks for rounds whose matrix is older than their newest change: often
# enough that a matrix left behind by a broker outage is current within 30 s of the broker coming
# back (docs/reliability.md, "Drills"); the sweep itself is a few queries.
MATRIX_SWEEP_SECONDS = env.int("MATRIX_SWEEP_SECONDS", default=15)
# With a worker, a round's agreement is measured again at most this often, this long after the
# first recompute that changed its cells (docs/architecture.md). Without one (eager), it is
# measured when next read, after that page's response.
MATRIX_AGREEMENT_DELAY_SECONDS = env.int("MATRIX_AGREEMENT_DELAY_SECONDS", default=60)
# With a worker and Redis, a review change's recompute of the matrix runs this long after the first
# change waiting for it, so that the changes made meanwhile wait too and one recompute writes them
# all (docs/architecture.md, "Work counted together"). Eager, it runs at commit.
MATRIX_RECOMPUTE_DELAY_SECONDS = env.int("MATRIX_RECOMPUTE_DELAY_SECONDS", default=1)
# With a worker and Redis, a change's refresh of the stored progress counts runs this long after
# the first change waiting for it, so that the changes made meanwhile wait too and one refresh
# counts them all (docs/architecture.md, "Progress counts"). Eager, it runs at commit.
PROGRESS_REFRESH_DELAY_SECONDS = env.int("PROGRESS_REFRESH_DELAY_SECONDS", default=1)
CELERY_BEAT_SCHEDULE = {
    "sweep-stale-matrices": {
        "task": "matrix.tasks.sweep_stale_matrices",
        "schedule": MATRIX_SWEEP_SECONDS,
    },
    # Reminders of reviews due in three days and today: 09:00 in CELERY_TIMEZONE (UK time, with
    # summer time), so that they arrive at the start of a working day (docs/email.md).
    "assignment-reminders": {
        "task": "reviews.tasks.assignment_reminders_send",
        "schedule": crontab(hour=9, minute=0),
    },
    # Rounds set to follow their dates open and close on them (docs/admin-rounds.md): hourly, so
    # a round opens within the first hour of its opening day.
    "rounds-follow-dates": {
        "task": "reviews.tasks.rounds_open_and_close_on_their_dates",
        "schedule": crontab(minute=5),
    },
    # Every round's stored progress counts recomputed from scratch nightly: a repair for a refresh
    # whose message was lost (docs/architecture.md, "Progress counts").
    "progress-counts-repair": {
        "task": "reviews.tasks.refresh_every_rounds_progress_counts",
        "schedule": crontab(hour=2, minute=45),
    },
    # The progress dashboard's order of use cases counted again as at the new day, a minute in.
    "progress-reorder": {
        "task": "reviews.tasks.reorder_progress",
        "schedule": crontab(hour=0, minute=1),
    },
    # Personal data past its retention period (the RETENTION_* settings below) is deleted nightly.
    "personal-data-purge": {
        "task": "accounts.tasks.personal_data_purge",
        "schedule": crontab(hour=3, minute=30),
    },
}

# How long personal data is kept (docs/audit-and-personal-data.md; the privacy notice says the
# same). Sessions end SESSION_COOKIE_AGE after sign-in and are deleted once expired.
RETENTION_INVITATIONS_DAYS = env.int("RETENTION_INVITATIONS_DAYS", default=90)
RETENTION_MEMBER_REMINDERS_DAYS = env.int("RETENTION_MEMBER_REMINDERS_DAYS", default=90)
RETENTION_OUTBOX_DAYS = env.int("RETENTION_OUTBOX_DAYS", default=90)
RETENTION_SIGN_IN_RECORDS_DAYS = env.int("RETENTION_SIGN_IN_RECORDS_DAYS", default=90)
RETENTION_AUDIT_DAYS = env.int("RETENTION_AUDIT_DAYS", default=6 * 365)

# The read API for analysts' own tools (docs/api.md): Bearer tokens or the signed-in session;
# JSON only (no browsable API), read-only; lists are paged by the same selectors as the pages.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "matrix.api.authentication.BearerTokenAuthentication",
        "matrix.api.authentication.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["matrix.api.permissions.IsAnalyst"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "BOLD review portal: analysts' read API",
    "DESCRIPTION": "Review rounds, their principle matrices, the pseudonymised verdicts behind each cell "
    "and how far reviewers agree. Read-only; for analysts and programme admins.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Path parameters as the URL converters accept them, so that the schema promises only
    # addresses that exist (and integers the database can hold).
    "PATH_CONVERTER_OVERRIDES": {
        "slug": {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$"},
        "int": {"type": "integer", "minimum": 0, "maximum": 2147483647},
    },
    # The schema is read like any endpoint: analysts and admins, by token or session.
    "SERVE_PERMISSIONS": ["matrix.api.permissions.IsAnalyst"],
    # A cell's outcome and what it would become share one set of choices: one name in the schema.
    "ENUM_NAME_OVERRIDES": {"OutcomeEnum": "principles.rule.OUTCOMES"},
}
# An API token expires at most this many days after it is made.
API_TOKEN_MAX_DAYS = env.int("API_TOKEN_MAX_DAYS", default=90)

# Reviewer anonymity: a breakdown by the reviewers' organisation or audience shows a group only
# when it has at least this many reviewers; smaller groups are merged into "other".
ANONYMITY_MIN_GROUP = env.int("ANONYMITY_MIN_GROUP", default=3)
# An invitation link works once and for this many days.
INVITATION_VALID_DAYS = env.int("INVITATION_VALID_DAYS", default=14)
# A personal review link works for this many days, or until its round closes if that is sooner.
REVIEW_LINK_VALID_DAYS = env.int("REVIEW_LINK_VALID_DAYS", default=14)
# Opening personal review links: at most this many requests from one IP address, and for one
# link, within REVIEW_LINK_OPEN_WINDOW_MINUTES (docs/sign-in-security.md).
REVIEW_LINK_OPEN_LIMIT = env.int("REVIEW_LINK_OPEN_LIMIT", default=10)
REVIEW_LINK_OPEN_WINDOW_MINUTES = env.int("REVIEW_LINK_OPEN_WINDOW_MINUTES", default=15)
# Where replies to an invitation go; empty: to the person who sent it (docs/email.md).
INVITATION_REPLY_TO = env("INVITATION_REPLY_TO", default="")
# The portal's public address, for every link in every email: most are sent by a worker or beat,
# with no request to take a host name from, and a request's Host header is not trusted for links.
PORTAL_URL = env("PORTAL_URL", default="http://127.0.0.1:8000").rstrip("/")
# Where people send feedback and report accessibility problems.
SUPPORT_EMAIL = env("SUPPORT_EMAIL", default="bold-support@example.org")

# Logs go to the console: as plain text, or with LOG_FORMAT=json as JSON lines for a log collector,
# each with the id of the request it was logged in (docs/deployment.md, "Logs and errors").
LOG_FORMAT = env.str("LOG_FORMAT", default="text")
if LOG_FORMAT not in {"text", "json"}:
    raise ImproperlyConfigured(f"LOG_FORMAT is {LOG_FORMAT!r}: set it to text or json.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "bold_portal.request_logs.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(message)s"},
        "json": {"()": "bold_portal.request_logs.JsonLinesFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["request_id"], "formatter": LOG_FORMAT},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # WeasyPrint (the PDF export) logs every layout step at INFO.
    "loggers": {"weasyprint.progress": {"level": "WARNING"}},
}
# The worker and beat log through LOGGING too when it asks for JSON lines; otherwise Celery's own
# text format, which names the task.
CELERY_WORKER_HIJACK_ROOT_LOGGER = LOG_FORMAT == "text"

# Errors reported to Sentry when SENTRY_DSN is set (off by default): without personal data, which
# the SDK leaves out (send_default_pii) and bold_portal.error_reports scrubs from what remains.
SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env("SENTRY_ENVIRONMENT", default="production"),
        send_default_pii=False,
        before_send=scrub_personal_data,
        # Errors only: no performance tracing, which would send every request's address.
        traces_sample_rate=0,
    )
