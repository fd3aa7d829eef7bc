"""Fault drills (`make drills`): the portal on a PostgreSQL, a Redis, gunicorn and a Celery worker
of their own, with one part failed at a time (docs/reliability.md). Not part of the suite."""
