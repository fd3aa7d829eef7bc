"""Settings for the test suite, in one place: the portal's own settings, with a fast password
hasher (Argon2 is slow on purpose, and the suite sets hundreds of passwords) and email kept in
memory. Everything else, including the database and broker, comes from the environment as usual."""

from bold_portal.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tests serve static files from the finders; the manifest exists only after collectstatic.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
