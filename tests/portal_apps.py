"""The portal's own apps, in the import contract's order (docs/architecture.md): the tests that
hold every app to a rule (forms, constraint messages, row locks) read them from here, so that a new
app is held to each rule once it is listed, and tests/bold_portal/test_portal_apps.py fails until it is."""

PORTAL_APPS = (
    "register",
    "matrix",
    "reviews",
    "usecases",
    "language",
    "principles",
    "audiences",
    "accounts",
    "bold_portal",
)
