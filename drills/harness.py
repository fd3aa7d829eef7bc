"""The drills' own services, in a temporary folder on spare ports: never the machine's shared
PostgreSQL or Redis. PostgreSQL's initdb and pg_ctl refuse to run as root, so they run as the
postgres user."""

import glob
import http.client
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
START_SECONDS = 60


def spare_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(check, *, seconds: float, what: str, interval: float = 0.2):
    """check()'s first true answer, or RuntimeError naming what never happened."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        answer = check()
        if answer:
            return answer
        time.sleep(interval)
    raise RuntimeError(f"{what} did not happen within {seconds} s")


def answers(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def postgres_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if not found:
        raise RuntimeError("No PostgreSQL server binaries under /usr/lib/postgresql/*/bin")
    return Path(found[-1]).parent


class Postgres:
    """A cluster of its own (trust, user postgres) in folder/pg, on a spare port."""

    def __init__(self, folder: Path):
        self.bin = postgres_bin()
        self.data = folder / "pg"
        self.port = spare_port()
        self.data.mkdir()
        shutil.chown(self.data, "postgres", "postgres")
        self._as_postgres("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")

    def _as_postgres(self, program: str, *args: str) -> None:
        command = ["runuser", "-u", "postgres", "--", str(self.bin / program), *args]
        subprocess.run(command, check=True, capture_output=True, cwd="/")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100"
        log = str(self.data / "server.log")
        self._as_postgres("pg_ctl", "-D", str(self.data), "-o", options, "-l", log, "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self._as_postgres("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def tool(self, program: str, *args: str) -> subprocess.CompletedProcess:
        """A client program (pg_dump, createdb...) against this cluster, as root over TCP."""
        command = [str(self.bin / program), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", *args]
        return subprocess.run(command, check=True, capture_output=True, text=True)


@dataclass
class Service:
    """A process started by the drills, its output in a log file."""

    name: str
    command: list[str]
    log: Path
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen | None = None
    wanted: bool = False
    restarts: int = 0

    def start(self) -> None:
        self.wanted = True
        with self.log.open("a") as output:
            self.process = subprocess.Popen(
                self.command,
                cwd=ROOT,
                env=self.env or None,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def stop(self, sig: int = signal.SIGTERM, seconds: float = 20) -> None:
        self.wanted = False
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, sig)
        try:
            self.process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def child_pids(pid: int) -> list[int]:
    """The processes whose parent is pid (a Celery worker's pool processes)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def supervise(services, stop: threading.Event) -> threading.Thread:
    """Start again, within a second, every service that stops by itself, as compose's
    `restart: unless-stopped` does (a Celery worker stops when it loses its broker)."""

    def watch():
        while not stop.wait(1):
            for service in services:
                if service.wanted and service.process.poll() is not None:
                    service.restarts += 1
                    service.start()

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    return watcher


def redis(folder: Path) -> Service:
    port = spare_port()
    command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    service = Service("redis", [*command, "--dir", str(folder)], folder / "redis.log")
    service.port = port
    return service


def portal_env(database_url: str, redis_port: int) -> dict[str, str]:
    """The settings every portal process of the drills runs with."""
    return {
        "DJANGO_SETTINGS_MODULE": "bold_portal.settings",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{redis_port}/0",
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/1",
        "SECURE_COOKIES": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "LOG_LEVEL": "INFO",
        # Pages name their static files without the hashed manifest, so no collectstatic is needed:
        # the drills never fetch the files themselves.
        "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
    }


WORKER_OPTIONS = ("--concurrency", "1", "--loglevel", "INFO", "--without-gossip", "--without-mingle")


def portal_processes(folder: Path, env: dict[str, str], web_port: int) -> dict[str, Service]:
    full_env = {**os.environ, **env}
    bin_dir = Path(sys.executable).parent
    celery = [sys.executable, "-m", "celery", "-A", "bold_portal"]
    return {
        "web": Service(
            "web",
            [str(bin_dir / "gunicorn"), "bold_portal.wsgi", "--bind", f"127.0.0.1:{web_port}", "--workers", "3"],
            folder / "web.log",
            full_env,
        ),
        "worker": Service(
            "worker",
            [*celery, "worker", "--queues", "celery", *WORKER_OPTIONS],
            folder / "worker.log",
            full_env,
        ),
        # Exports have a queue and a worker of their own, as in docker-compose.yml.
        "export-worker": Service(
            "export-worker",
            [*celery, "worker", "--queues", "exports", "--hostname", "exports@%h", *WORKER_OPTIONS],
            folder / "export-worker.log",
            full_env,
        ),
        "beat": Service(
            "beat",
            [*celery, "beat", "--loglevel", "INFO", "--schedule", str(folder / "beat-schedule")],
            folder / "beat.log",
            full_env,
        ),
    }


class Browser:
    """A signed-in person's requests to the drills' gunicorn: their session cookie and a CSRF
    token of the drills' making, no redirects followed."""

    def __init__(self, port: int, session_key: str):
        self.port = port
        self.csrf = secrets.token_hex(16)  # 32 characters: Django accepts an unmasked secret
        self.cookie = f"sessionid={session_key}; csrftoken={self.csrf}"

    def request(self, method: str, path: str, data: dict | None = None) -> tuple[int, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Cookie": self.cookie, "Host": "127.0.0.1"}
        body = None
        if data is not None:
            body = urlencode({**data, "csrfmiddlewaretoken": self.csrf})
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.read().decode("utf-8", "replace")
        except OSError as error:
            return 0, f"{type(error).__name__}: {error}"
        finally:
            connection.close()

    def get(self, path: str) -> tuple[int, str]:
        return self.request("GET", path)

    def post(self, path: str, data: dict) -> tuple[int, str]:
        return self.request("POST", path, data)
