"""The pages part of the benchmark (`bench_matrix --part pages`): every page of a round, for each
role that reads it (reviewer, organisation lead, programme admin, analyst, the API), at each size
against the same page of the baseline round, with its query count and the bytes it sends
(docs/performance.md, "Every page at every size")."""

import math
import statistics
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import two_factor
from matrix.benchmarks.data import BenchRound, SyntheticData
from principles.models import Principle
from reviews.models import ReviewRound
from reviews.services.rounds import round_set_status

# No page may send more HTML (or JSON) than this.
MAX_BYTES = 200 * 1024
# Every page at the largest size within this many times the same page at the baseline.
TARGET_RATIO = 2.0


@dataclass(frozen=True)
class Page:
    """A page of a round, read by one role: its address, given the round and the run's data."""

    role: str
    name: str
    address: Callable[[BenchRound, "PagesBenchmark"], str]


def _version_args(bench: BenchRound) -> list:
    return [bench.round.slug, bench.version.use_case.slug, bench.version.number]


PAGES = (
    Page("reviewer", "My reviews", lambda b, _: reverse("reviews:my_reviews")),
    Page("reviewer", "review form", lambda b, _: reverse("reviews:review", args=_version_args(b))),
    Page("reviewer", "summary", lambda b, _: b.url),
    Page(
        "lead",
        "organisation's reviews",
        lambda b, _: reverse("reviews:organisation_reviews", args=[b.organisation_slug]),
    ),
    Page("admin", "progress", lambda b, _: reverse("rounds:progress", args=[b.round.slug])),
    Page("analyst", "rounds", lambda b, _: reverse("matrix:rounds")),
    Page("analyst", "matrix", lambda b, _: reverse("matrix:round_matrix", args=[b.round.slug])),
    Page("analyst", "by audience", lambda b, _: reverse("matrix:round_by_audience", args=[b.round.slug])),
    Page("analyst", "charts", lambda b, _: reverse("matrix:round_charts", args=[b.round.slug])),
    Page("analyst", "cell", lambda b, p: reverse("matrix:cell", args=[*_version_args(b), p.principle_slug])),
    Page("analyst", "rounds compared", lambda b, p: p.comparison_address(b)),
    Page("api", "round", lambda b, _: reverse("api:round", args=[b.round.slug])),
    Page("api", "round matrix", lambda b, _: reverse("api:matrix", args=[b.round.slug])),
)

# Measured after every round has closed: the pages that then read the figures frozen at closing.
CLOSED_PAGES = (Page("admin", "progress, closed round", lambda b, _: reverse("rounds:progress", args=[b.round.slug])),)


@dataclass
class PageTimings:
    queries: int = 0
    size: int = 0  # bytes sent
    seconds: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def p95(self) -> float:
        ordered = sorted(self.seconds)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


@dataclass
class PageResult:
    page: Page
    size: int
    timings: PageTimings
    baseline: PageTimings

    @property
    def ratio(self) -> float:
        return self.timings.median / self.baseline.median


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f}"


class PagesBenchmark:
    """Measures every page of PAGES in each synthetic round, writing its table to stdout."""

    def __init__(self, data: SyntheticData, *, repeat: int, stdout):
        self.data = data
        self.connection = data.connection
        self.repeat = repeat
        self.stdout = stdout
        self.principle_slug = Principle.objects.filter(pk__in=data.principle_ids).order_by("order").first().slug
        self.clients: dict[tuple[str, int], Client] = {}
        self.baseline: BenchRound | None = None

    def comparison_address(self, bench: BenchRound) -> str:
        """The round beside the baseline round (whose versions are all in it), so that the page
        compares as many use cases as the round has; the baseline beside a second round of its
        versions."""
        other = self.data.pair_round_slug if bench is self.baseline else self.baseline.round.slug
        return reverse("matrix:round_comparison") + "?" + urlencode({"a": other, "b": bench.round.slug})

    def client(self, role: str, bench: BenchRound) -> Client:
        """A client signed in for the role: the round's first reviewer, the round's organisation's
        lead, or the run's programme admin or analyst (past the two-factor step)."""
        person = {
            "reviewer": bench.reviewer_ids[0],
            "lead": bench.lead_id,
            "admin": self.data.admin_id,
            "analyst": self.data.analyst_id,
            "api": self.data.analyst_id,
        }[role]
        key = (role, person)
        if key not in self.clients:
            client = Client()
            user = get_user_model().objects.get(pk=person)
            client.force_login(user)
            if two_factor.two_factor_required(user):
                device = two_factor.app_device(user) or TOTPDevice.objects.create(
                    user=user, name=two_factor.APP_DEVICE_NAME, confirmed=True
                )
                session = client.session
                session[DEVICE_ID_SESSION_KEY] = device.persistent_id
                session.save()
            self.clients[key] = client
        return self.clients[key]

    def get(self, page: Page, bench: BenchRound, *, count: bool = False):
        """One GET of the page: (the time it took or with count its queries, the bytes sent)."""
        client = self.client(page.role, bench)
        address = page.address(bench, self)
        response = None

        def run():
            nonlocal response
            response = client.get(address, HTTP_ACCEPT="application/json" if page.role == "api" else "text/html")
            # A streamed answer is read in full, as the person's browser would.
            if response.streaming:
                response._bench_content = b"".join(response.streaming_content)

        if count:
            with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as captured:
                run()
            measured = len(captured)
        else:
            started = time.perf_counter()
            run()
            measured = time.perf_counter() - started
        if response.status_code != 200:
            raise CommandError(
                f"The {page.role}'s {page.name} page {address} answered {response.status_code}, not the page."
            )
        body = response._bench_content if response.streaming else response.content
        return measured, len(body)

    def run(self, rounds: dict[int, BenchRound], opts):
        self.baseline = rounds[opts["baseline"]]
        try:
            with (
                warnings.catch_warnings(),
                override_settings(
                    ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"],
                    SECURE_SSL_REDIRECT=False,
                    STORAGES={
                        **settings.STORAGES,
                        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
                    },
                ),
            ):
                # WhiteNoise warns once that collectstatic has not run; the pages do not need it.
                warnings.filterwarnings("ignore", message="No directory at")
                results = self.measure(rounds, opts)
                self.report(results, opts)
        finally:
            for client in self.clients.values():
                client.logout()

    def measure(self, rounds: dict[int, BenchRound], opts) -> list[PageResult]:
        results = self.measure_pages(PAGES, rounds, opts)
        self.close(rounds)
        return results + self.measure_pages(CLOSED_PAGES, rounds, opts)

    def close(self, rounds: dict[int, BenchRound]):
        """Close every round measured as a programme admin does, which freezes its figures (its
        audit rows keep the admin's account: data.kept_user_ids)."""
        admin = get_user_model().objects.get(pk=self.data.admin_id)
        self.data.kept_user_ids.append(admin.pk)
        for bench in rounds.values():
            round_set_status(review_round=bench.round, status=ReviewRound.Status.CLOSED, actor=admin)
        self.stdout.write(f"  closed the {len(rounds)} rounds")

    def measure_pages(self, pages: tuple[Page, ...], rounds: dict[int, BenchRound], opts) -> list[PageResult]:
        baseline = self.baseline
        # Warm up: the first request of each client and page pays one-off costs.
        for bench in rounds.values():
            for page in pages:
                self.get(page, bench)
        results = []
        for size in [opts["baseline"], *(s for s in opts["sizes"] if s != opts["baseline"])]:
            bench = rounds[size]
            for page in pages:
                result = PageResult(page, size, PageTimings(), PageTimings())
                result.timings.queries, result.timings.size = self.get(page, bench, count=True)
                result.baseline.queries, result.baseline.size = self.get(page, baseline, count=True)
                for _ in range(self.repeat):
                    result.baseline.seconds.append(self.get(page, baseline)[0])
                    result.timings.seconds.append(self.get(page, bench)[0])
                results.append(result)
            self.stdout.write(f"  measured {size:,} use-case versions")
            self.stdout.flush()
        return results

    def report(self, results: list[PageResult], opts):
        sizes = [opts["baseline"], *(s for s in opts["sizes"] if s != opts["baseline"])]
        cell = f"{'q':>3} {'median':>8} {'p95':>8} {'kB':>6} {'x base':>6}"
        header = f"{'role':<8} {'page':<22} | " + " | ".join(f"{f'{s:,} versions':^35}" for s in sizes)
        header2 = f"{'':<8} {'':<22} | " + " | ".join(cell for _ in sizes)
        self.stdout.write("")
        self.stdout.write(header)
        self.stdout.write(header2)
        self.stdout.write("-" * len(header2))
        by_page: dict[str, dict[int, PageResult]] = {}
        for result in results:
            by_page.setdefault(result.page.name, {})[result.size] = result
        for page in (*PAGES, *CLOSED_PAGES):
            row = by_page[page.name]
            cells = [
                f"{row[s].timings.queries:>3} {ms(row[s].timings.median):>8} {ms(row[s].timings.p95):>8} "
                f"{row[s].timings.size / 1024:>6.1f} {row[s].ratio:>6.2f}"
                for s in sizes
            ]
            self.stdout.write(f"{page.role:<8} {page.name:<22} | " + " | ".join(cells))
        largest = max(sizes)
        slow = [r for r in results if r.size == largest and r.ratio > TARGET_RATIO]
        heavy = [r for r in results if r.timings.size > MAX_BYTES]
        self.stdout.write(
            f"Times in ms (median and p95 of {self.repeat} GETs through django.test.Client, the whole Django "
            f"stack); q: queries; kB: bytes sent; 'x base': the median over the same page's in the "
            f"{opts['baseline']:,}-version round, measured interleaved with it."
        )
        self.stdout.write(
            f"At {largest:,} versions, pages over {TARGET_RATIO:g} times the baseline: "
            + (", ".join(f"{r.page.role}'s {r.page.name} ({r.ratio:.2f})" for r in slow) or "none")
            + f". Pages over {MAX_BYTES // 1024} kB: "
            + (
                ", ".join(
                    f"{r.page.role}'s {r.page.name} at {r.size:,} ({r.timings.size / 1024:,.0f} kB)" for r in heavy
                )
                or "none"
            )
            + "."
        )
        if self.connection.vendor != "postgresql":
            self.stdout.write(f"NOT THE RECORDED FIGURES ({self.connection.vendor}, not PostgreSQL).")
