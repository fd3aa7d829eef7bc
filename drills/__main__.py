"""`make drills` (python -m drills [name ...]): starts the drills' own PostgreSQL and Redis in a
temporary folder, migrates, starts gunicorn, a Celery worker and beat against them, runs each
drill named (all by default), prints what each saw, and exits 1 if any promise was broken. Every
service it started is stopped and the folder deleted, whatever happens."""

import os
import shutil
import sys
import tempfile
import threading
from pathlib import Path

import django

from drills.harness import Postgres, answers, portal_env, portal_processes, redis, spare_port, supervise, wait_until

folder = Path(tempfile.mkdtemp(prefix="bold-drills-"))
folder.chmod(0o711)  # PostgreSQL runs as its own user, inside this folder
postgres = Postgres(folder)
redis_server = redis(folder)
processes = {}
stopping = threading.Event()
broken = 0
try:
    postgres.start()
    postgres.tool("createdb", "bold_drills")
    redis_server.start()
    wait_until(lambda: answers(redis_server.port), seconds=10, what="Redis starting")
    settings = portal_env(postgres.url("bold_drills"), redis_server.port)
    os.environ.update(settings, LOG_LEVEL="WARNING")  # this process's own log: the drills' figures alone
    django.setup()

    from django.core.management import call_command  # needs the settings above

    from drills.scenarios import DRILLS, Portal

    call_command("migrate", "--no-input", verbosity=0)
    web_port = spare_port()
    processes = portal_processes(folder, settings, web_port)
    for process in processes.values():
        process.start()
    supervise(processes.values(), stopping)
    wait_until(lambda: answers(web_port), seconds=60, what="gunicorn answering")
    portal = Portal(postgres, redis_server, processes, web_port, folder)
    for name in sys.argv[1:] or list(DRILLS):
        outcome = DRILLS[name](portal)
        print(f"\n{outcome.name}: {'kept' if not outcome.broken else 'BROKEN'}", flush=True)
        for line in outcome.figures:
            print(f"  {line}", flush=True)
        for line in outcome.broken:
            print(f"  broken: {line}", flush=True)
        broken += bool(outcome.broken)
finally:
    stopping.set()
    for process in processes.values():
        process.stop()
    redis_server.stop()
    postgres.stop("immediate")
    if os.environ.get("DRILLS_KEEP") == "1":
        print(f"Logs kept in {folder}")
    else:
        shutil.rmtree(folder, ignore_errors=True)
sys.exit(1 if broken else 0)
