"""The saturation part of `make load`: open-loop arrivals at a stepped rate. At each rate, for a
fixed time, a new arrival every 1/rate seconds (whether or not earlier ones have finished) makes
three requests: for a submit, a reviewer's form, the submit POST and the summary; for the
baseline, a trivial signed-in page three times. A rate's p95 is that of the submit POST (or of
the trivial page's middle request), and its throughput the complete arrivals a second. The
saturation figure is the throughput of the last rate whose p95 stayed within a second."""

import http.client
import statistics
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlencode

LIMIT_SECONDS = 1.0


@dataclass(frozen=True)
class Step:
    rate: float
    arrivals: int
    completed: int
    errors: int
    p95: float | None
    throughput: float  # complete arrivals a second, over the step's time and the wait for its last ones


def request(port: int, person: dict, method: str, path: str, data: dict | None = None) -> tuple[int, str, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Cookie": f"sessionid={person['session']}; csrftoken={person['csrf']}", "Host": "127.0.0.1"}
    body = None
    if data is not None:
        body = urlencode({**data, "csrfmiddlewaretoken": person["csrf"]})
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace"), dict(response.getheaders())
    except OSError as error:
        return 0, f"{type(error).__name__}: {error}", {}
    finally:
        connection.close()


def p95(values: list[float]) -> float | None:
    if len(values) < 2:
        return values[0] if values else None
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def step_arrivals(rate: float, seconds: float) -> int:
    return max(1, round(rate * seconds))


def most_arrivals(rates: list[float], seconds: float) -> int:
    """The most arrivals saturate() can make: every rate's step run to its end."""
    return sum(step_arrivals(rate, seconds) for rate in rates)


def run_step(rate: float, seconds: float, arrival) -> Step:
    """arrival() makes one arrival's requests and returns (ok, measured seconds)."""
    results, lock, threads = [], threading.Lock(), []
    started = time.monotonic()
    count = step_arrivals(rate, seconds)

    def one():
        outcome = arrival()
        with lock:
            results.append(outcome)

    for index in range(count):
        delay = started + index / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        thread = threading.Thread(target=one, daemon=True)
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join(timeout=180)
    elapsed = time.monotonic() - started
    ok = [measured for good, measured in results if good]
    return Step(
        rate=rate,
        arrivals=count,
        completed=len(ok),
        errors=len(results) - len(ok) + (count - len(results)),
        p95=p95(ok),
        throughput=len(ok) / elapsed,
    )


def saturate(rates: list[float], seconds: float, arrival) -> list[Step]:
    """Step through the rates until a step's p95 passes the limit (that step included)."""
    steps = []
    for rate in rates:
        step = run_step(rate, seconds, arrival)
        steps.append(step)
        print(
            f"    {rate:5.1f}/s: {step.completed}/{step.arrivals} complete, {step.errors} errors, "
            f"p95 {step.p95 if step.p95 is None else round(step.p95 * 1000)} ms, {step.throughput:.2f} complete/s",
            flush=True,
        )
        if step.p95 is None or step.p95 > LIMIT_SECONDS or step.errors:
            break
    return steps


def saturation_figure(steps: list[Step]) -> float | None:
    """Complete arrivals a second at the highest rate whose p95 stayed within the limit, error-free."""
    within = [s for s in steps if s.p95 is not None and s.p95 <= LIMIT_SECONDS and not s.errors]
    # The highest rate's, not the highest throughput: a short step of few arrivals can show a
    # throughput far above its rate.
    return max(within, key=lambda step: step.rate).throughput if within else None


def saturated(steps: list[Step]) -> bool:
    """Whether the steps reached the rate where the p95 passed the limit (or errors began): if
    every rate tried stayed within it, the figure is only a lower bound of the true one."""
    return bool(steps) and (steps[-1].p95 is None or steps[-1].p95 > LIMIT_SECONDS or steps[-1].errors > 0)
